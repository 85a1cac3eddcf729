package conformance

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7/pkg/lifecycle"

	"github.com/dolium/dolium/test/harness"
)

// TestLifecycleConfiguration follows the S3 API reference's
// PutBucketLifecycleConfiguration, GetBucketLifecycleConfiguration and
// DeleteBucketLifecycle through aws-sdk-go-v2: a configuration comes back
// as sent (a rule sent without an ID gets one); an invalid one is refused
// with AWS's error and leaves the stored one as it was; objects a rule
// will expire carry x-amz-expiration on PUT and HEAD, uploads a rule will
// abort x-amz-abort-date. Expiry itself needs days to pass; the gateway's
// test/cluster suite runs it with a short lifecycle day.
func TestLifecycleConfiguration(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)

	_, err := cl.GetBucketLifecycleConfiguration(ctx(t), &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	wantErr(t, "GetBucketLifecycleConfiguration without one", err, http.StatusNotFound, "NoSuchLifecycleConfiguration")

	midnight := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	rules := []types.LifecycleRule{
		{ID: aws.String("logs"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("logs/")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(3)}},
		{ID: aws.String("nc"), Status: types.ExpirationStatusEnabled,
			Filter: &types.LifecycleRuleFilter{And: &types.LifecycleRuleAndOperator{Prefix: aws.String("v/"),
				Tags: []types.Tag{{Key: aws.String("class"), Value: aws.String("scratch")}}}},
			NoncurrentVersionExpiration: &types.NoncurrentVersionExpiration{NoncurrentDays: aws.Int32(5), NewerNoncurrentVersions: aws.Int32(2)}},
		{ID: aws.String("mpu"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("tmp/")},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}},
		{Status: types.ExpirationStatusDisabled, Filter: &types.LifecycleRuleFilter{ObjectSizeGreaterThan: aws.Int64(1000)},
			Expiration: &types.LifecycleExpiration{Date: &midnight}},
	}
	_, err = cl.PutBucketLifecycleConfiguration(ctx(t), &s3.PutBucketLifecycleConfigurationInput{Bucket: &bucket,
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules}})
	mustOK(t, "PutBucketLifecycleConfiguration", err)
	got, err := cl.GetBucketLifecycleConfiguration(ctx(t), &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	mustOK(t, "GetBucketLifecycleConfiguration", err)
	if len(got.Rules) != 4 {
		t.Fatalf("GetBucketLifecycleConfiguration: %d rules, want 4", len(got.Rules))
	}
	r0, r1, r2, r3 := got.Rules[0], got.Rules[1], got.Rules[2], got.Rules[3]
	if aws.ToString(r0.ID) != "logs" || aws.ToString(r0.Filter.Prefix) != "logs/" || aws.ToInt32(r0.Expiration.Days) != 3 || r0.Status != types.ExpirationStatusEnabled {
		t.Errorf("rule logs came back as %+v", r0)
	}
	if aws.ToString(r1.ID) != "nc" || r1.Filter.And == nil || aws.ToString(r1.Filter.And.Prefix) != "v/" || len(r1.Filter.And.Tags) != 1 ||
		aws.ToInt32(r1.NoncurrentVersionExpiration.NoncurrentDays) != 5 || aws.ToInt32(r1.NoncurrentVersionExpiration.NewerNoncurrentVersions) != 2 {
		t.Errorf("rule nc came back as %+v", r1)
	}
	if aws.ToString(r2.ID) != "mpu" || aws.ToInt32(r2.AbortIncompleteMultipartUpload.DaysAfterInitiation) != 1 {
		t.Errorf("rule mpu came back as %+v", r2)
	}
	if aws.ToString(r3.ID) == "" || r3.Status != types.ExpirationStatusDisabled || r3.Expiration == nil || !aws.ToTime(r3.Expiration.Date).Equal(midnight) ||
		aws.ToInt64(r3.Filter.ObjectSizeGreaterThan) != 1000 {
		t.Errorf("rule without an ID came back as %+v (ID %q), want a generated ID and the rest as sent", r3, aws.ToString(r3.ID))
	}

	// x-amz-expiration: AWS's format, the object's creation plus 3 days
	// rounded up to the next midnight UTC, and the rule's id.
	put, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("logs/a"), Body: strings.NewReader("a")})
	mustOK(t, "PutObject logs/a", err)
	head, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("logs/a")})
	mustOK(t, "HeadObject logs/a", err)
	lm := aws.ToTime(head.LastModified).UTC()
	day := time.Date(lm.Year(), lm.Month(), lm.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, 4)
	want := `expiry-date="` + day.Format(http.TimeFormat) + `", rule-id="logs"`
	if aws.ToString(head.Expiration) != want || aws.ToString(put.Expiration) != want {
		t.Errorf("x-amz-expiration of logs/a: PUT %q, HEAD %q; want %q", aws.ToString(put.Expiration), aws.ToString(head.Expiration), want)
	}
	other, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("keep/a"), Body: strings.NewReader("a")})
	mustOK(t, "PutObject keep/a", err)
	if other.Expiration != nil {
		t.Errorf("x-amz-expiration of keep/a, which no rule selects: %q", aws.ToString(other.Expiration))
	}
	up, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("tmp/u")})
	mustOK(t, "CreateMultipartUpload tmp/u", err)
	if aws.ToString(up.AbortRuleId) != "mpu" || up.AbortDate == nil || !up.AbortDate.After(time.Now().Add(-time.Hour)) {
		t.Errorf("CreateMultipartUpload tmp/u: abort rule %q date %v, want mpu and a date a day on", aws.ToString(up.AbortRuleId), up.AbortDate)
	}
	cl.AbortMultipartUpload(ctx(t), &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: aws.String("tmp/u"), UploadId: up.UploadId})

	// Invalid configurations: AWS's errors, the stored one unchanged.
	bad := map[string]struct {
		rule   types.LifecycleRule
		status int
		code   string
	}{
		"zero days": {types.LifecycleRule{ID: aws.String("z"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Days: aws.Int32(0)}}, http.StatusBadRequest, "InvalidArgument"},
		"date not at midnight": {types.LifecycleRule{ID: aws.String("d"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Expiration: &types.LifecycleExpiration{Date: aws.Time(midnight.Add(time.Hour))}}, http.StatusBadRequest, "InvalidArgument"},
		"transition": {types.LifecycleRule{ID: aws.String("t"), Status: types.ExpirationStatusEnabled, Filter: &types.LifecycleRuleFilter{Prefix: aws.String("")},
			Transitions: []types.Transition{{Days: aws.Int32(30), StorageClass: types.TransitionStorageClassGlacier}}}, http.StatusNotImplemented, "NotImplemented"},
		"abort with tags": {types.LifecycleRule{ID: aws.String("a"), Status: types.ExpirationStatusEnabled,
			Filter:                         &types.LifecycleRuleFilter{Tag: &types.Tag{Key: aws.String("k"), Value: aws.String("v")}},
			AbortIncompleteMultipartUpload: &types.AbortIncompleteMultipartUpload{DaysAfterInitiation: aws.Int32(1)}}, http.StatusBadRequest, "InvalidRequest"},
	}
	for name, c := range bad {
		_, err := cl.PutBucketLifecycleConfiguration(ctx(t), &s3.PutBucketLifecycleConfigurationInput{Bucket: &bucket,
			LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: []types.LifecycleRule{c.rule}}})
		wantErr(t, "PutBucketLifecycleConfiguration, "+name, err, c.status, c.code)
	}
	doc := []byte(`<LifecycleConfiguration><Rule><Status>Enabled</Status><Filter/><Expiration><Days>1</Days></Expiration></Rule>`)
	wantRawErr(t, "not well-formed", doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "", "lifecycle"),
		http.Header{"Content-Md5": {md5B64(doc)}}, doc), http.StatusBadRequest, "MalformedXML")
	doc = append(doc, []byte(`</LifecycleConfiguration>`)...)
	wantRawErr(t, "no Content-MD5", doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "", "lifecycle"), nil, doc),
		http.StatusBadRequest, "InvalidRequest")
	again, err := cl.GetBucketLifecycleConfiguration(ctx(t), &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	mustOK(t, "GetBucketLifecycleConfiguration after refused ones", err)
	if len(again.Rules) != 4 || aws.ToString(again.Rules[3].ID) != aws.ToString(r3.ID) {
		t.Errorf("after refused configurations: %d rules (last id %q), want the 4 stored before", len(again.Rules), aws.ToString(again.Rules[len(again.Rules)-1].ID))
	}

	_, err = cl.DeleteBucketLifecycle(ctx(t), &s3.DeleteBucketLifecycleInput{Bucket: &bucket})
	mustOK(t, "DeleteBucketLifecycle", err)
	_, err = cl.GetBucketLifecycleConfiguration(ctx(t), &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	wantErr(t, "GetBucketLifecycleConfiguration after the delete", err, http.StatusNotFound, "NoSuchLifecycleConfiguration")
	head, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("logs/a")})
	mustOK(t, "HeadObject logs/a", err)
	if head.Expiration != nil {
		t.Errorf("x-amz-expiration after the configuration was deleted: %q", aws.ToString(head.Expiration))
	}
	_, err = cl.PutBucketLifecycleConfiguration(ctx(t), &s3.PutBucketLifecycleConfigurationInput{Bucket: aws.String(bucketName(t)),
		LifecycleConfiguration: &types.BucketLifecycleConfiguration{Rules: rules[:1]}})
	wantErr(t, "PutBucketLifecycleConfiguration on a missing bucket", err, http.StatusNotFound, "NoSuchBucket")
}

// TestLifecycleMinio: minio-go's SetBucketLifecycle and GetBucketLifecycle.
func TestLifecycleMinio(t *testing.T) {
	t.Parallel()
	mc := rootMinio(t)
	bucket := newBucket(t)
	cfg := lifecycle.NewConfiguration()
	cfg.Rules = []lifecycle.Rule{{ID: "old", Status: "Enabled", RuleFilter: lifecycle.Filter{Prefix: "old/"},
		Expiration:                  lifecycle.Expiration{Days: 7},
		NoncurrentVersionExpiration: lifecycle.NoncurrentVersionExpiration{NoncurrentDays: 2}}}
	mustOK(t, "SetBucketLifecycle", mc.SetBucketLifecycle(ctx(t), bucket, cfg))
	got, err := mc.GetBucketLifecycle(ctx(t), bucket)
	mustOK(t, "GetBucketLifecycle", err)
	if len(got.Rules) != 1 || got.Rules[0].ID != "old" || got.Rules[0].Expiration.Days != 7 || got.Rules[0].NoncurrentVersionExpiration.NoncurrentDays != 2 {
		t.Errorf("GetBucketLifecycle: %+v", got.Rules)
	}
	// minio-go removes the configuration by setting an empty one.
	mustOK(t, "SetBucketLifecycle(empty)", mc.SetBucketLifecycle(ctx(t), bucket, lifecycle.NewConfiguration()))
	_, err = mc.GetBucketLifecycle(ctx(t), bucket)
	wantMinioErr(t, "GetBucketLifecycle after removal", err, http.StatusNotFound, "NoSuchLifecycleConfiguration")
}

// TestLifecycleAWSCLI: the aws CLI's put-, get- and
// delete-bucket-lifecycle(-configuration) with a JSON document.
func TestLifecycleAWSCLI(t *testing.T) {
	t.Parallel()
	cli := harness.NewAWSCLI(t, tgt.Endpoint, tgt.Region, tgt.Root)
	bucket := newBucket(t)
	file := filepath.Join(t.TempDir(), "lc.json")
	mustOK(t, "write lc.json", os.WriteFile(file, []byte(`{"Rules": [
		{"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"}, "Expiration": {"Days": 1},
		 "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
		{"ID": "markers", "Status": "Enabled", "Filter": {}, "Expiration": {"ExpiredObjectDeleteMarker": true}}]}`), 0o600))
	cli.Run(t, "s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket, "--lifecycle-configuration", "file://"+file)
	var got struct {
		Rules []struct {
			ID         string
			Status     string
			Expiration struct {
				Days                      int
				ExpiredObjectDeleteMarker bool
			}
		}
	}
	mustOK(t, "parse get-bucket-lifecycle-configuration", json.Unmarshal([]byte(cli.Run(t, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)), &got))
	if len(got.Rules) != 2 || got.Rules[0].ID != "tmp" || got.Rules[0].Expiration.Days != 1 || !got.Rules[1].Expiration.ExpiredObjectDeleteMarker {
		t.Errorf("get-bucket-lifecycle-configuration: %+v", got.Rules)
	}
	cli.Run(t, "s3api", "delete-bucket-lifecycle", "--bucket", bucket)
	_, err := rootSDK().GetBucketLifecycleConfiguration(ctx(t), &s3.GetBucketLifecycleConfigurationInput{Bucket: &bucket})
	wantErr(t, "GetBucketLifecycleConfiguration after aws s3api delete-bucket-lifecycle", err, http.StatusNotFound, "NoSuchLifecycleConfiguration")
}
