package cluster

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
)

// cqlping runs deploy/cassandra/cqlping.py and returns its trimmed output.
func cqlping(args ...string) (string, error) {
	cmd := exec.Command("python3", append([]string{filepath.Join("..", "..", "deploy", "cassandra", "cqlping.py")}, args...)...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// waitPeers waits until the node at addr lists want peers in system.peers_v2.
func waitPeers(t *testing.T, addr string, want int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		out, err := cqlping("--host", addr, "--peers")
		if n, perr := strconv.Atoi(out); err == nil && perr == nil && n >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("node %s: peers = %q (%v) after %v, want %d", addr, out, err, within, want)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// readyz returns the status of GET /readyz (0 when there is no answer).
func readyz(endpoint string) int {
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(endpoint + "/readyz")
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestTwoDataCentres runs two gateways on a two-node Cassandra cluster
// with one node per data centre (dc1, dc2) and NetworkTopologyStrategy
// dc1=1,dc2=1, each gateway at LOCAL_QUORUM in its own data centre. With
// dc2 down, the dc1 gateway keeps serving reads and writes alone while the
// dc2 gateway fails fast with 503; when dc2 returns, its gateway recovers
// without a restart and catches up on what was written during the outage
// (Cassandra's hinted handoff).
func TestTwoDataCentres(t *testing.T) {
	const addr1, addr2 = "127.0.0.4", "127.0.0.5"
	node1 := []string{"--name", "mdc1", "--address", addr1, "--dc", "dc1", "--seeds", addr1, "--jmx-port", "0"}
	node2 := []string{"--name", "mdc2", "--address", addr2, "--dc", "dc2", "--seeds", addr1, "--jmx-port", "0"}
	t.Cleanup(func() {
		// Not node(): a cleanup must not stop at the first failure.
		cmd := exec.Command(filepath.Join("..", "..", "deploy", "cassandra", "stop.sh"), "--name", "mdc1", "--name", "mdc2")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("stop.sh: %v\n%s", err, out)
		}
	})
	start := time.Now()
	phase := start
	lap := func(format string, args ...any) {
		t.Logf("[%6.1fs, phase %5.1fs] %s", time.Since(start).Seconds(), time.Since(phase).Seconds(), fmt.Sprintf(format, args...))
		phase = time.Now()
	}

	// 1. The cluster: mdc1 (dc1, seed), then mdc2 (dc2). Keyspace creation
	// with NetworkTopologyStrategy needs both data centres known.
	node(t, "start", node1...)
	lap("mdc1 (dc1, %s) ready", addr1)
	node(t, "start", node2...)
	lap("mdc2 (dc2, %s) ready", addr2)
	waitPeers(t, addr1, 1, 60*time.Second)
	waitPeers(t, addr2, 1, 60*time.Second)
	lap("each node sees its peer")

	var kb [4]byte
	rand.Read(kb[:])
	ks := "multidc_" + hex.EncodeToString(kb[:])
	t.Cleanup(func() {
		// Runs before the nodes stop (cleanups run last-in first-out).
		if out, err := cqlping("--host", addr1, "--timeout", "20", "--exec", "DROP KEYSPACE IF EXISTS "+ks); err != nil {
			t.Logf("drop keyspace %s: %v: %s", ks, err, out)
		}
	})

	// 2. One gateway per data centre on the same keyspace.
	root := harness.RandomCredentials()
	repl := []string{"--cassandra-replication", "NetworkTopologyStrategy:dc1=1,dc2=1"}
	gA := gateway(t, root, addr1+":9042", ks, append([]string{"--cassandra-local-dc", "dc1"}, repl...)...)
	gB := gateway(t, root, addr2+":9042", ks, append([]string{"--cassandra-local-dc", "dc2"}, repl...)...)
	cA, cB := client(gA.Endpoint, root), client(gB.Endpoint, root)
	ctx := context.Background()
	lap("gateways A (dc1) and B (dc2) up, keyspace %s", ks)

	// 3. Written through A, read through B: replication to dc2 is
	// asynchronous for a LOCAL_QUORUM write, so poll briefly.
	if _, err := cA.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("multidc")}); err != nil {
		t.Fatal(err)
	}
	hello := randomBytes(10 << 10)
	put := func(c *s3.Client, bucket, key string, body []byte) {
		t.Helper()
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(body)}); err != nil {
			t.Fatalf("PutObject(%s/%s): %v", bucket, key, err)
		}
	}
	get := func(ctx context.Context, c *s3.Client, bucket, key string) ([]byte, error) {
		out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			return nil, err
		}
		defer out.Body.Close()
		return io.ReadAll(out.Body)
	}
	put(cA, "multidc", "hello", hello)
	t0 := time.Now()
	for {
		b, err := get(ctx, cB, "multidc", "hello")
		if err == nil && bytes.Equal(b, hello) {
			break
		}
		if time.Since(t0) > 10*time.Second {
			t.Fatalf("object written through A not readable through B after 10s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	lap("bucket and object written through A readable through B after %v", time.Since(t0).Round(time.Millisecond))

	// 4. dc2 goes down. dc1 alone serves A; B fails fast with 503.
	node(t, "stop", "--name", "mdc2")
	lap("mdc2 stopped")
	during := map[string][]byte{
		"small-1": randomBytes(1000),
		"small-2": randomBytes(64 << 10),
		"empty":   {},
		"big":     randomBytes(3<<20 + 12345), // four chunks
		"doomed":  randomBytes(2000),
	}
	for _, k := range slices.Sorted(maps.Keys(during)) {
		put(cA, "multidc", k, during[k])
	}
	for k, want := range during {
		b, err := get(ctx, cA, "multidc", k)
		if err != nil || !bytes.Equal(b, want) {
			t.Fatalf("GetObject(%s) through A with dc2 down: %d bytes, %v; want the %d bytes written", k, len(b), err, len(want))
		}
	}
	for _, k := range []string{"doomed", "hello"} {
		if _, err := cA.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("multidc"), Key: aws.String(k)}); err != nil {
			t.Fatalf("DeleteObject(%s) through A with dc2 down: %v", k, err)
		}
		delete(during, k)
	}
	if _, err := cA.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("during-outage")}); err != nil {
		t.Fatalf("CreateBucket through A with dc2 down: %v", err)
	}
	put(cA, "during-outage", "inside", []byte("written while dc2 was down"))
	wantKeys := slices.Sorted(maps.Keys(during))
	list := func(c *s3.Client) ([]string, error) {
		out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("multidc")})
		if err != nil {
			return nil, err
		}
		var keys []string
		for _, o := range out.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
		return keys, nil
	}
	if keys, err := list(cA); err != nil || !slices.Equal(keys, wantKeys) {
		t.Fatalf("ListObjectsV2 through A with dc2 down = %v, %v; want %v", keys, err, wantKeys)
	}
	lap("through A with dc2 down: %d PUTs (one of %d bytes), GETs, 2 DELETEs, CreateBucket, list: all served", len(during)+3, len(during["big"]))

	// B's requests fail with ServiceUnavailable, fast.
	unavailable := func(what string, call func(ctx context.Context) error) {
		t.Helper()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		t0 := time.Now()
		err := call(ctx)
		d := time.Since(t0)
		if code := errorCode(err); code != "ServiceUnavailable" {
			t.Errorf("%s through B with dc2 down = %v (code %q), want ServiceUnavailable", what, err, code)
		}
		if d > 15*time.Second {
			t.Errorf("%s through B with dc2 down took %v, want a fast failure (< 15s)", what, d)
		}
		t.Logf("  %s through B: %q in %v", what, errorCode(err), d.Round(time.Millisecond))
	}
	unavailable("GetObject", func(ctx context.Context) error {
		_, err := get(ctx, cB, "multidc", "small-1")
		return err
	})
	unavailable("PutObject", func(ctx context.Context) error {
		// Not in bucket multidc, whose listing is checked below.
		_, err := cB.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("during-outage"), Key: aws.String("probe-b"), Body: strings.NewReader("lost?")})
		return err
	})
	unavailable("ListObjectsV2", func(ctx context.Context) error {
		_, err := cB.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String("multidc")})
		return err
	})
	unavailable("CreateBucket", func(ctx context.Context) error {
		_, err := cB.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("probe-b")})
		return err
	})
	if got := readyz(gB.Endpoint); got != http.StatusServiceUnavailable {
		t.Errorf("B's /readyz with dc2 down = %d, want 503", got)
	}
	if got := readyz(gA.Endpoint); got != http.StatusOK {
		t.Errorf("A's /readyz with dc2 down = %d, want 200", got)
	}
	lap("B probed with dc2 down")
	// A failure above does not stop the test: the catch-up below is worth
	// checking either way.

	// 5. dc2 returns. B recovers without a restart and catches up.
	node(t, "start", node2...)
	lap("mdc2 restarted")
	t0 = time.Now()
	for readyz(gB.Endpoint) != http.StatusOK {
		if time.Since(t0) > 90*time.Second {
			t.Fatal("B's /readyz did not recover within 90s of dc2's return")
		}
		time.Sleep(500 * time.Millisecond)
	}
	// Wall-clock time, to compare with the "Finished hinted handoff" line
	// in mdc1's system.log.
	lap("B ready again at %s", time.Now().Format("15:04:05.000"))

	// What A wrote during the outage reaches dc2 by hinted handoff: B reads
	// at LOCAL_QUORUM from dc2's one replica, so it sees a write only once
	// the hint has been replayed (no read repair across data centres).
	t0 = time.Now()
	seen := map[string]time.Duration{}
	check := func() []string {
		var missing []string
		mark := func(what string, ok bool, detail string) {
			if ok {
				if _, done := seen[what]; !done {
					seen[what] = time.Since(t0)
					t.Logf("  caught up: %s after %v", what, seen[what].Round(time.Millisecond))
				}
				return
			}
			delete(seen, what)
			missing = append(missing, what+": "+detail)
		}
		for k, want := range during {
			b, err := get(ctx, cB, "multidc", k)
			mark("object "+k, err == nil && bytes.Equal(b, want), fmt.Sprintf("%d bytes, %v", len(b), err))
		}
		// hello reached dc2 before the outage: only the replayed deletion
		// removes it there. doomed never did, so it is absent from the
		// start unless its write is replayed without its deletion.
		for _, k := range []string{"doomed", "hello"} {
			_, err := cB.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String("multidc"), Key: aws.String(k)})
			mark("deletion of "+k, errorCode(err) == "NotFound", fmt.Sprintf("HeadObject = %v", err))
		}
		keys, err := list(cB)
		mark("listing", err == nil && slices.Equal(keys, wantKeys), fmt.Sprintf("%v, %v", keys, err))
		_, err = cB.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("during-outage")})
		mark("bucket during-outage", err == nil, fmt.Sprintf("HeadBucket = %v", err))
		b, err := get(ctx, cB, "during-outage", "inside")
		mark("object during-outage/inside", err == nil && string(b) == "written while dc2 was down", fmt.Sprintf("%q, %v", b, err))
		return missing
	}
	for {
		missing := check()
		if len(missing) == 0 {
			break
		}
		if time.Since(t0) > 120*time.Second {
			t.Fatalf("B has not caught up 120s after it was ready again; missing:\n  %s", strings.Join(missing, "\n  "))
		}
		time.Sleep(time.Second)
	}
	lap("B caught up on everything written during the outage (hinted handoff) at %s", time.Now().Format("15:04:05.000"))

	// And B writes again; A sees it.
	put(cB, "multidc", "from-b", []byte("after"))
	for t0 := time.Now(); ; time.Sleep(100 * time.Millisecond) {
		b, err := get(ctx, cA, "multidc", "from-b")
		if err == nil && string(b) == "after" {
			break
		}
		if time.Since(t0) > 10*time.Second {
			t.Fatalf("object written through B after recovery not readable through A after 10s: %v", err)
		}
	}
	lap("written through B, read through A")
}
