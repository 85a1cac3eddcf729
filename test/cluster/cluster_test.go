package cluster

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// gateway starts a dolium on Cassandra at hosts, keyspace ks.
func gateway(t *testing.T, root harness.Credentials, hosts, ks string, args ...string) *harness.Server {
	t.Helper()
	return harness.StartTest(t, harness.Options{DataDir: t.TempDir(), Root: root, Args: args, HealthTimeout: 90 * time.Second,
		Cassandra: harness.Cassandra{Hosts: hosts, Keyspace: ks}})
}

// client is an S3 client of the gateway at endpoint whose calls give up
// after a minute.
func client(endpoint string, c harness.Credentials) *s3.Client {
	return harness.SDKClient(endpoint, c, harness.WithTimeout(time.Minute))
}

func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// keyspace returns a fresh keyspace name (created by the gateway's first
// start), dropped when the test ends.
func keyspace(t *testing.T, prefix string) string {
	t.Helper()
	return harness.TempKeyspace(t, cqltest.Hosts()[0], prefix)
}

func TestTwoGatewaysRace(t *testing.T) {
	ks := keyspace(t, "race")
	root := harness.RandomCredentials()
	hosts := cqltest.Hosts()[0]
	g1 := gateway(t, root, hosts, ks)
	g2 := gateway(t, root, hosts, ks)
	c1, c2 := client(g1.Endpoint, root), client(g2.Endpoint, root)
	ctx := context.Background()

	// Bucket creation is claimed once cluster-wide.
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, owned := 0, 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := []*s3.Client{c1, c2}[i%2]
			_, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("race")})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case errorCode(err) == "BucketAlreadyOwnedByYou":
				owned++
			default:
				t.Errorf("CreateBucket: %v", err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || owned != 7 {
		t.Fatalf("racing CreateBucket: %d created, %d already owned; want 1 and 7", created, owned)
	}

	// If-None-Match: * from both gateways on one key: exactly one wins.
	wins, lost := 0, 0
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := []*s3.Client{c1, c2}[i%2]
			_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("race"), Key: aws.String("once"),
				Body: strings.NewReader(fmt.Sprintf("writer %d", i)), IfNoneMatch: aws.String("*")})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				wins++
			case errorCode(err) == "PreconditionFailed":
				lost++
			default:
				t.Errorf("PutObject If-None-Match: %v", err)
			}
		}()
	}
	wg.Wait()
	if wins != 1 || lost != 15 {
		t.Errorf("racing If-None-Match: %d wins, %d PreconditionFailed; want 1 and 15", wins, lost)
	}

	// Concurrent overwrites of one key with multi-chunk bodies: the key
	// ends as exactly one complete version, never a mix.
	bodies := map[string]int{}
	for i := range 10 {
		b := bytes.Repeat([]byte{byte('a' + i)}, 3<<20+i) // 3 MiB+: four chunks
		sum := sha256.Sum256(b)
		bodies[hex.EncodeToString(sum[:])] = i
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := []*s3.Client{c1, c2}[i%2]
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("race"), Key: aws.String("hot"), Body: bytes.NewReader(b)}); err != nil {
				t.Errorf("overwrite %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	for _, c := range []*s3.Client{c1, c2} {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("race"), Key: aws.String("hot")})
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if _, ok := bodies[hex.EncodeToString(sum[:])]; !ok {
			t.Errorf("after concurrent overwrites the object (%d bytes) is none of the written versions", len(b))
		}
	}
}

// countRows counts the rows of table in keyspace ks.
func countRows(t *testing.T, db *cqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.Session.Query("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestGarbageCollectionFreesChunkRows(t *testing.T) {
	ks := keyspace(t, "gc")
	root := harness.RandomCredentials()
	hosts := cqltest.Hosts()[0]
	gc := []string{"--gc-interval", "1s", "--reclaim-delay", "1s", "--upload-grace", "8s"}
	g1 := gateway(t, root, hosts, ks, gc...)
	g2 := gateway(t, root, hosts, ks, gc...)
	c1, c2 := client(g1.Endpoint, root), client(g2.Endpoint, root)
	ctx := context.Background()
	db, err := cqldb.Connect(ctx, cqldb.Config{Hosts: cqltest.Hosts(), Keyspace: ks}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	if _, err := c1.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("gc-test")}); err != nil {
		t.Fatal(err)
	}
	put := func(c *s3.Client, key string, n int) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("gc-test"), Key: aws.String(key), Body: bytes.NewReader(make([]byte, n))}); err != nil {
			t.Fatal(err)
		}
	}
	put(c1, "keep", 2<<20) // 2 chunks, stays
	put(c1, "over", 3<<20) // overwritten below
	put(c2, "over", 1<<20) // 1 chunk
	put(c2, "gone", 5<<20) // deleted below
	if _, err := c1.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("gc-test"), Key: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	mp, err := c1.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String("gc-test"), Key: aws.String("aborted")})
	if err != nil {
		t.Fatal(err)
	}
	for p := int32(1); p <= 2; p++ {
		if _, err := c2.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String("gc-test"), Key: aws.String("aborted"), UploadId: mp.UploadId,
			PartNumber: aws.Int32(p), Body: bytes.NewReader(make([]byte, 5<<20))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c1.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String("gc-test"), Key: aws.String("aborted"), UploadId: mp.UploadId}); err != nil {
		t.Fatal(err)
	}
	if before := countRows(t, db, "chunks"); before <= 3 {
		t.Fatalf("chunk rows before collection = %d, want more than the 3 live chunks", before)
	}
	// Live data: keep (2 chunks) + over (1 chunk).
	waitRows := func(want int, within time.Duration) {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			n := countRows(t, db, "chunks")
			if n == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("chunk rows = %d after %v, want %d", n, within, want)
			}
			time.Sleep(500 * time.Millisecond)
		}
	}
	waitRows(3, 60*time.Second)

	// A gateway killed in the middle of an upload leaves chunks that no
	// object references; the other gateway collects them once the upload
	// grace has passed.
	big := make([]byte, 100<<20)
	done := make(chan error, 1)
	go func() {
		_, err := c2.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("gc-test"), Key: aws.String("cut"), Body: bytes.NewReader(big)})
		done <- err
	}()
	for deadline := time.Now().Add(30 * time.Second); countRows(t, db, "chunks") <= 3; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the large upload wrote no chunk within 30s")
		}
	}
	if err := g2.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err == nil {
		t.Fatal("upload to a killed gateway succeeded; nothing was cut off")
	}
	if n := countRows(t, db, "chunks"); n <= 3 {
		t.Fatalf("chunk rows right after the kill = %d, want orphans beyond the 3 live chunks", n)
	}
	if _, err := c1.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("gc-test"), Key: aws.String("cut")}); errorCode(err) != "NotFound" {
		t.Errorf("HeadObject(cut) = %v, want NotFound: a partial object must never be visible", err)
	}
	waitRows(3, 90*time.Second)
	for key, size := range map[string]int64{"keep": 2 << 20, "over": 1 << 20} {
		out, err := c1.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("gc-test"), Key: aws.String(key)})
		if err != nil || aws.ToInt64(out.ContentLength) != size {
			t.Errorf("HeadObject(%s) after collection = %v; want size %d", key, err, size)
		}
	}
	for deadline := time.Now().Add(30 * time.Second); countRows(t, db, "gc_queue") != 0; time.Sleep(time.Second) {
		if time.Now().After(deadline) {
			t.Errorf("gc queue still has %d rows", countRows(t, db, "gc_queue"))
			break
		}
	}
}

// node runs deploy/cassandra scripts for a node of this test's own.
func node(t *testing.T, verb string, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join("..", "..", "deploy", "cassandra", verb+".sh"), args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s.sh %v: %v\n%s", verb, args, err, out)
	}
}

func TestCassandraOutage(t *testing.T) {
	const addr, port = "127.0.0.3", "9042"
	nodeArgs := []string{"--name", "outage", "--address", addr, "--seeds", addr, "--dc", "dc1", "--jmx-port", "0"}
	node(t, "start", nodeArgs...)
	t.Cleanup(func() { node(t, "stop", "--name", "outage") })
	hosts := addr + ":" + port
	ks := "outage"
	root := harness.RandomCredentials()
	g := gateway(t, root, hosts, ks)
	c := client(g.Endpoint, root)
	ctx := context.Background()
	c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("outage")}) // may exist from an earlier run
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("outage"), Key: aws.String("before"), Body: strings.NewReader("safe")}); err != nil {
		t.Fatal(err)
	}
	ready := func() int {
		resp, err := http.Get(g.Endpoint + "/readyz")
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := ready(); got != 200 {
		t.Fatalf("/readyz with Cassandra up = %d, want 200", got)
	}

	node(t, "stop", "--name", "outage")
	// Requests fail fast with a retryable 503; readiness reports it.
	for _, key := range []string{"before", "during"} {
		start := time.Now()
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("outage"), Key: aws.String(key), Body: strings.NewReader("lost?")})
		if code := errorCode(err); code != "ServiceUnavailable" {
			t.Errorf("PutObject(%s) with Cassandra down = %v (code %q), want ServiceUnavailable", key, err, code)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("PutObject with Cassandra down took %v, want a fast failure", d)
		}
	}
	if _, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("outage"), Key: aws.String("before")}); errorCode(err) != "ServiceUnavailable" {
		t.Errorf("GetObject with Cassandra down = %v, want ServiceUnavailable", err)
	}
	if got := ready(); got != 503 {
		t.Errorf("/readyz with Cassandra down = %d, want 503", got)
	}

	node(t, "start", nodeArgs...)
	// The same gateway process recovers without a restart.
	deadline := time.Now().Add(90 * time.Second)
	for ready() != 200 {
		if time.Now().After(deadline) {
			t.Fatal("/readyz did not recover within 90s of Cassandra's return")
		}
		time.Sleep(time.Second)
	}
	var out *s3.GetObjectOutput
	var err error
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(time.Second) {
		out, err = c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String("outage"), Key: aws.String("before")})
		if err == nil || time.Now().After(deadline) {
			break
		}
	}
	if err != nil {
		t.Fatalf("GetObject after recovery: %v", err)
	}
	b, _ := io.ReadAll(out.Body)
	out.Body.Close()
	if string(b) != "safe" {
		t.Errorf("object written before the outage = %q, want %q", b, "safe")
	}
	// Nothing half-written during the outage became visible.
	if _, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("outage"), Key: aws.String("during")}); errorCode(err) != "NotFound" {
		t.Errorf("HeadObject(during) after recovery = %v, want NotFound", err)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("outage"), Key: aws.String("after"), Body: strings.NewReader("works")}); err != nil {
		t.Errorf("PutObject after recovery: %v", err)
	}
}
