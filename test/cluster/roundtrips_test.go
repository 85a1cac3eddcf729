package cluster

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/test/harness"
)

// metadataRoundTrips sums the gateway's Cassandra round trips (queries and
// batches, from dolium_cassandra_query_duration_seconds_count) to every
// table but the chunk table: the metadata's.
func metadataRoundTrips(t *testing.T, g *harness.Server) float64 {
	t.Helper()
	resp, err := http.Get(g.Endpoint + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	var n float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, "dolium_cassandra_query_duration_seconds_count{") || strings.Contains(l, `table="chunks"`) {
			continue
		}
		f, err := strconv.ParseFloat(l[strings.LastIndex(l, " ")+1:], 64)
		if err != nil {
			t.Fatalf("metric line %q: %v", l, err)
		}
		n += f
	}
	return n
}

// TestPutRoundTrips: a PUT on a versioned bucket costs no more metadata
// round trips on Cassandra than on an unversioned one, for a new key and
// for an overwrite (it replaces nothing, so it queues no old data). The
// counts per PUT are logged; the background workers are slowed so that
// only the PUTs are counted.
func TestPutRoundTrips(t *testing.T) {
	ks := keyspace(t, "roundtrips")
	root := harness.RandomCredentials()
	g := gateway(t, root, cqltest.Hosts()[0], ks, "--gc-interval", "1h", "--lifecycle-interval", "24h")
	cl := client(g.Endpoint, root)
	ctx := harness.Context(t, 2*time.Minute)
	plain, versioned := "rt-plain-"+harness.RandomHex(3), "rt-versioned-"+harness.RandomHex(3)
	for _, b := range []string{plain, versioned} {
		if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &versioned,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	const n = 40
	perPut := func(bucket string) float64 {
		before := metadataRoundTrips(t, g)
		for i := range n {
			key := fmt.Sprintf("k%02d", i)
			if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("x")}); err != nil {
				t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
			}
		}
		return (metadataRoundTrips(t, g) - before) / n
	}
	newPlain, newVersioned := perPut(plain), perPut(versioned)
	overPlain, overVersioned := perPut(plain), perPut(versioned)
	t.Logf("metadata round trips per PUT: new key %.2f unversioned, %.2f versioned; overwrite %.2f unversioned, %.2f versioned",
		newPlain, newVersioned, overPlain, overVersioned)
	if newPlain == 0 {
		t.Fatal("no Cassandra round trips counted: the metrics do not observe the metadata store")
	}
	if newVersioned > newPlain+0.1 {
		t.Errorf("a versioned PUT of a new key costs %.2f round trips, more than an unversioned one (%.2f)", newVersioned, newPlain)
	}
	if overVersioned > overPlain+0.1 {
		t.Errorf("a versioned overwrite costs %.2f round trips, more than an unversioned one (%.2f)", overVersioned, overPlain)
	}
}
