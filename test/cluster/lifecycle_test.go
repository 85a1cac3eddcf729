package cluster

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/test/harness"
)

// metricValue reads the gateway's /metrics and returns the value of the
// sample named name (no labels).
func metricValue(t *testing.T, g *harness.Server, name string) float64 {
	t.Helper()
	resp, err := http.Get(g.Endpoint + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metric %s: %q", name, v)
			}
			return f
		}
	}
	t.Fatalf("/metrics of %s lacks %s", g.Addr, name)
	return 0
}

// TestLifecycleTwoGateways: two gateways on one keyspace, each running the
// lifecycle worker with a lifecycle day of two seconds. The rules expire
// current versions under exp/ (a delete marker each), noncurrent versions
// under nc/, and uploads under tmp/; on a bucket with object lock, a due
// noncurrent version under retention stays. Everything due is done once
// in all: the two gateways' counters add up to exactly what there was to
// do, and what no rule selects is untouched.
func TestLifecycleTwoGateways(t *testing.T) {
	ks := keyspace(t, "lifecycle")
	root := harness.RandomCredentials()
	args := []string{"--lifecycle-day", "2s", "--lifecycle-interval", "1s", "--gc-interval", "1s"}
	g1 := gateway(t, root, cqltest.Hosts()[0], ks, args...)
	g2 := gateway(t, root, cqltest.Hosts()[0], ks, args...)
	c1, c2 := client(g1.Endpoint, root), client(g2.Endpoint, root)
	ctx := harness.Context(t, 3*time.Minute)

	const n = 20
	bucket, locked := "lc-"+harness.RandomHex(4), "lc-locked-"+harness.RandomHex(4)
	if _, err := c1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &locked, ObjectLockEnabledForBucket: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	put := func(cl *s3.Client, b, key, body string) {
		t.Helper()
		if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &b, Key: &key, Body: strings.NewReader(body)}); err != nil {
			t.Fatalf("PutObject %s/%s: %v", b, key, err)
		}
	}
	for i := range n {
		put(c1, bucket, fmt.Sprintf("exp/%02d", i), "e")
		for v := range 3 {
			put(c2, bucket, fmt.Sprintf("nc/%02d", i), fmt.Sprint(v))
		}
		put(c1, bucket, fmt.Sprintf("keep/%02d", i), "k")
	}
	put(c1, locked, "l", "one")
	lockedFirst, err := c1.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &locked, Key: aws.String("l")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c1.PutObjectRetention(ctx, &s3.PutObjectRetentionInput{Bucket: &locked, Key: aws.String("l"), VersionId: lockedFirst.VersionId,
		Retention: &types.ObjectLockRetention{Mode: types.ObjectLockRetentionModeGovernance, RetainUntilDate: aws.Time(time.Now().Add(time.Hour))}}); err != nil {
		t.Fatal(err)
	}
	put(c1, locked, "l", "two")
	if _, err := c2.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("tmp/u")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c2.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("keep/u")}); err != nil {
		t.Fatal(err)
	}

	rules := []types.LifecycleRule{
		{ID: aws.String("exp"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("exp/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(1)}},
		{ID: aws.String("nc"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("nc/")},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}},
		{ID: aws.String("mpu"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
	}
	if _, err := c1.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: &bucket,
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.PutBucketLifecycleConfiguration(ctx, &s3.PutBucketLifecycleConfigurationInput{Bucket: &locked,
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{{ID: aws.String("all-nc"),
			Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(1)}}}}}); err != nil {
		t.Fatal(err)
	}
	head, err := c2.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("exp/00")})
	if err != nil || !strings.Contains(aws.ToString(head.Expiration), `rule-id="exp"`) {
		t.Errorf("HeadObject exp/00 through the other gateway: x-amz-expiration %q, %v; want rule exp", aws.ToString(head.Expiration), err)
	}

	versions := func(b, prefix string) []types.ObjectVersion {
		out, err := c2.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &b, Prefix: &prefix})
		if err != nil {
			t.Fatalf("ListObjectVersions %s: %v", prefix, err)
		}
		return out.Versions
	}
	markers := func(prefix string) int {
		out, err := c2.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: &prefix})
		if err != nil {
			t.Fatalf("ListObjectVersions %s: %v", prefix, err)
		}
		return len(out.DeleteMarkers)
	}
	start := time.Now()
	for {
		ups, err := c1.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket, Prefix: aws.String("tmp/")})
		if err != nil {
			t.Fatal(err)
		}
		if markers("exp/") == n && len(versions(bucket, "nc/")) == n && len(ups.Uploads) == 0 &&
			metricValue(t, g1, "dolium_lifecycle_locked_total")+metricValue(t, g2, "dolium_lifecycle_locked_total") > 0 {
			break
		}
		if time.Since(start) > 90*time.Second {
			t.Fatalf("after 90s: %d of %d exp/ delete markers, %d nc/ versions (want %d), %d tmp/ uploads left",
				markers("exp/"), n, len(versions(bucket, "nc/")), n, len(ups.Uploads))
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Logf("lifecycle done in %v", time.Since(start).Round(100*time.Millisecond))

	sum := func(name string) float64 { return metricValue(t, g1, name) + metricValue(t, g2, name) }
	if got := sum("dolium_lifecycle_objects_expired_total"); got != n {
		t.Errorf("objects expired by both gateways: %v, want %d (each once)", got, n)
	}
	if got := sum("dolium_lifecycle_versions_expired_total"); got != 2*n {
		t.Errorf("noncurrent versions expired by both gateways: %v, want %d (each once)", got, 2*n)
	}
	if got := sum("dolium_lifecycle_uploads_aborted_total"); got != 1 {
		t.Errorf("uploads aborted by both gateways: %v, want 1", got)
	}
	if metricValue(t, g1, "dolium_lifecycle_last_run_timestamp_seconds") == 0 || metricValue(t, g2, "dolium_lifecycle_last_run_timestamp_seconds") == 0 {
		t.Error("a gateway reports no lifecycle pass")
	}
	for i := range n {
		key := fmt.Sprintf("nc/%02d", i)
		out, err := c1.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		if err != nil {
			t.Fatalf("GetObject %s: %v", key, err)
		}
		var b [8]byte
		k, _ := out.Body.Read(b[:])
		out.Body.Close()
		if string(b[:k]) != "2" {
			t.Errorf("%s reads %q, want its current version %q", key, b[:k], "2")
		}
	}
	if vs := versions(bucket, "keep/"); len(vs) != n {
		t.Errorf("keep/: %d versions, want the %d no rule selects", len(vs), n)
	}
	if ups, err := c1.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: &bucket}); err != nil || len(ups.Uploads) != 1 || aws.ToString(ups.Uploads[0].Key) != "keep/u" {
		t.Errorf("uploads left: %+v, %v; want keep/u only", ups, err)
	}
	if vs := versions(locked, ""); len(vs) != 2 {
		t.Errorf("locked bucket: %d versions of l, want 2 (the due noncurrent one is under retention)", len(vs))
	}
}
