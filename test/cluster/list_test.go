package cluster

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/meta"
	metacassandra "github.com/dolium/dolium/meta/cassandra"
	"github.com/dolium/dolium/test/harness"
)

// TestListObjectsV2ManyKeys lists 50,000 keys of a bucket with 16 listing
// shards through the S3 API: every key once, in order, across pages, and
// the same keys rolled up by a delimiter. The index rows are written
// through the metadata store directly (listing reads nothing else), so the
// test spends its time listing, not uploading.
func TestListObjectsV2ManyKeys(t *testing.T) {
	const dirs, perDir = 50, 1000 // 50,000 keys
	ks := keyspace(t, "list")
	root := harness.RandomCredentials()
	g := gateway(t, root, cqltest.Hosts()[0], ks)
	c := client(g.Endpoint, root)
	ctx := context.Background()
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("many")}); err != nil {
		t.Fatal(err)
	}
	db, err := cqldb.Connect(ctx, cqldb.Config{Hosts: cqltest.Hosts(), Keyspace: ks}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := metacassandra.Open(ctx, db, metacassandra.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := ms.GetBucket(ctx, "many")
	if err != nil || b.Shards != 16 {
		t.Fatalf("bucket = %+v, %v; want 16 listing shards", b, err)
	}
	var want []string
	for d := range dirs {
		for k := range perDir {
			want = append(want, fmt.Sprintf("d%02d/k%05d", d, k))
		}
	}
	keys := make(chan string)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range keys {
				o := meta.Object{Bucket: "many", Key: k, VersionID: "v", ETag: "d41d8cd98f00b204e9800998ecf8427e", LastModified: time.Now(), Owner: "root"}
				if _, err := ms.PutObject(ctx, o, meta.Cond{}, nil); err != nil {
					t.Errorf("PutObject(%s): %v", k, err)
				}
			}
		}()
	}
	for _, k := range want {
		keys <- k
	}
	close(keys)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	var got []string
	pages := 0
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("many"), MaxKeys: aws.Int32(1000)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, o := range page.Contents {
			got = append(got, aws.ToString(o.Key))
		}
	}
	if len(got) != len(want) || !slices.Equal(got, want) {
		t.Fatalf("listed %d keys in %d pages; want all %d, once each, in order", len(got), pages, len(want))
	}

	// With a delimiter: 50 common prefixes, in pages of 7.
	var prefixes []string
	p = s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String("many"), Delimiter: aws.String("/"), MaxKeys: aws.Int32(7)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Contents) != 0 {
			t.Errorf("delimited page has %d keys, want only prefixes", len(page.Contents))
		}
		for _, cp := range page.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
	}
	if len(prefixes) != dirs || prefixes[0] != "d00/" || prefixes[dirs-1] != fmt.Sprintf("d%02d/", dirs-1) || !slices.IsSorted(prefixes) {
		t.Errorf("delimited listing gave %d prefixes (%v ...), want %d in order", len(prefixes), prefixes[:min(3, len(prefixes))], dirs)
	}
	// A prefix and a start-after inside it.
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("many"), Prefix: aws.String("d17/"), StartAfter: aws.String("d17/k00990")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Contents) != 9 || aws.ToString(out.Contents[0].Key) != "d17/k00991" {
		t.Errorf("prefix d17/ after k00990: %d keys, want 9 starting at d17/k00991", len(out.Contents))
	}

	// /metrics shows Cassandra query latency per table and the GC queue.
	resp, err := http.Get(g.Endpoint + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, m := range []string{`dolium_cassandra_query_duration_seconds_count{op="select",table="objects"}`, "dolium_gc_queue_depth", `dolium_s3_requests_total{op="ListObjectsV2",status="200"}`} {
		if !strings.Contains(string(body), m) {
			t.Errorf("/metrics lacks %s", m)
		}
	}
}
