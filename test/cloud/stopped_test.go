package cloud

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
)

// The zone settings of TestStoppedZoneLatency: short, so that the test
// sees several breaker cooldowns in a few seconds.
const (
	stoppedZoneTimeout = 2 * time.Second // zone_timeout
	stoppedCooldown    = 3 * time.Second // zone_breaker
	stoppedWorkers     = 3               // concurrent clients
	baselineWindow     = 5 * time.Second
	stoppedWindow      = 9 * time.Second
)

// TestStoppedZoneLatency measures p50/p99 of 1 MiB GET and PUT through the
// gateway with every zone up, then with one cloud process stopped
// (SIGSTOP: its connections accept and then hang, as a stopped or
// black-holed cloud does), for replicate 3 and erasure 2+1 (both W=2, so that writes go on), the
// stopped zone being the first in read order (the first copy, data shard
// 0). It asserts that the stopped zone costs requests about what they cost
// with every zone up, and a zone timeout only about once per breaker
// cooldown, not once per request.
func TestStoppedZoneLatency(t *testing.T) {
	t.Parallel()
	for _, p := range []placementYAML{
		{name: "rep3", scheme: "replicate", writeQuorum: 2},
		{name: "ec21", scheme: "erasure", data: 2, parity: 1, writeQuorum: 2},
	} {
		t.Run(p.name, func(t *testing.T) { stoppedZoneLatency(t, p) })
	}
}

func stoppedZoneLatency(t *testing.T, p placementYAML) {
	clouds := startClouds(t, 3)
	g := startGateway(t, clouds, p, "1h")
	// Restart the gateway with short zone settings (helpers do not set them).
	g.srv.Kill()
	cfg, err := os.ReadFile(g.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = fmt.Appendf(cfg, "zone_timeout: %v\nzone_breaker: %v\n", stoppedZoneTimeout, stoppedCooldown)
	if err := os.WriteFile(g.cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	g.start()
	ctx := harness.Context(t, 150*time.Second)

	body := payload("stopped", mib)
	const readKeys = 16
	for i := range readKeys {
		if err := putBytes(ctx, g.client, fmt.Sprintf("lat/read-%d", i), body); err != nil {
			t.Fatal(err)
		}
	}
	getOp := func(ctx context.Context, w, i int) error {
		return getDiscard(ctx, g.client, fmt.Sprintf("lat/read-%d", (w*7+i)%readKeys))
	}
	putOp := func(ctx context.Context, w, i int) error {
		return putBytes(ctx, g.client, fmt.Sprintf("lat/put-%d-%d", w, i%4), body)
	}

	baseGet := runLoad(ctx, baselineWindow, getOp)
	basePut := runLoad(ctx, baselineWindow, putOp)

	victim := clouds[0]
	pid := victim.srv.pid()
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP cloud %s (pid %d): %v", victim.name, pid, err)
	}
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGCONT) })
	stoppedAt := time.Now()
	// Reads alone first: nothing but reads can open the breaker, so the
	// first reads each wait the hedge delay until it does (measured apart).
	trip := runLoad(ctx, time.Second, getOp)
	stGet := runLoad(ctx, stoppedWindow, getOp)
	stPut := runLoad(ctx, stoppedWindow, putOp)
	stoppedFor := time.Since(stoppedAt)

	t.Logf("%s, 1 MiB objects, %d clients, zone_timeout %v, zone_breaker %v:", p.name, stoppedWorkers, stoppedZoneTimeout, stoppedCooldown)
	t.Logf("  all zones up:   GET %s", baseGet)
	t.Logf("  all zones up:   PUT %s", basePut)
	t.Logf("  first second stopped: GET %s (the breaker opening)", trip)
	t.Logf("  cloud %s stopped: GET %s", victim.name, stGet)
	t.Logf("  cloud %s stopped: PUT %s", victim.name, stPut)

	if trip.errs > 0 {
		t.Errorf("%d requests failed in the first second (first: %v)", trip.errs, trip.firstErr)
	}
	for _, r := range []*loadResult{baseGet, basePut, stGet, stPut} {
		if r.errs > 0 || len(r.lat) < 10 {
			t.Errorf("%d requests failed (first: %v), %d succeeded; want no failure, at least 10", r.errs, r.firstErr, len(r.lat))
		}
	}
	if t.Failed() {
		return
	}
	// Generous bounds for a shared 2-core machine: about the latency with
	// every zone up, nowhere near one zone timeout per request.
	const margin = 150 * time.Millisecond
	cycles := int(math.Ceil(float64(stoppedFor)/float64(stoppedCooldown))) + 1
	for _, c := range []struct {
		op            string
		base, stopped *loadResult
	}{{"GET", baseGet, stGet}, {"PUT", basePut, stPut}} {
		if lim := 3*c.base.pct(0.5) + margin; c.stopped.pct(0.5) > lim {
			t.Errorf("%s p50 with a zone stopped %v, want under %v (3x the %v with all up, + %v)", c.op, c.stopped.pct(0.5), lim, c.base.pct(0.5), margin)
		}
		if lim := 3*c.base.pct(0.99) + margin; c.stopped.pct(0.99) > lim {
			t.Errorf("%s p99 with a zone stopped %v, want under %v (3x the %v with all up, + %v)", c.op, c.stopped.pct(0.99), lim, c.base.pct(0.99), margin)
		}
		if n := c.stopped.over(stoppedZoneTimeout / 2); n > cycles {
			t.Errorf("%s: %d of %d requests with a zone stopped took over half a zone timeout, want at most one per cooldown (%d)", c.op, n, len(c.stopped.lat), cycles)
		}
	}
}

// loadResult is what runLoad measured.
type loadResult struct {
	lat      []time.Duration // sorted
	errs     int
	firstErr error
	window   time.Duration
}

func (r *loadResult) pct(p float64) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(r.lat)))) - 1
	return r.lat[max(i, 0)]
}

func (r *loadResult) over(d time.Duration) (n int) {
	for _, l := range r.lat {
		if l > d {
			n++
		}
	}
	return n
}

func (r *loadResult) String() string {
	ms := func(d time.Duration) string {
		return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 1, 64) + " ms"
	}
	return fmt.Sprintf("n=%d (%.1f/s) p50 %s p99 %s max %s, over 1 s: %d, errors %d",
		len(r.lat), float64(len(r.lat))/r.window.Seconds(), ms(r.pct(0.5)), ms(r.pct(0.99)), ms(r.pct(1)), r.over(time.Second), r.errs)
}

// runLoad runs op in stoppedWorkers loops for d and returns the latencies.
func runLoad(ctx context.Context, d time.Duration, op func(ctx context.Context, worker, i int) error) *loadResult {
	r := &loadResult{window: d}
	var mu sync.Mutex
	var wg sync.WaitGroup
	deadline := time.Now().Add(d)
	for w := range stoppedWorkers {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline) && ctx.Err() == nil; i++ {
				start := time.Now()
				err := op(ctx, w, i)
				took := time.Since(start)
				mu.Lock()
				if err != nil {
					r.errs++
					if r.firstErr == nil {
						r.firstErr = err
					}
				} else {
					r.lat = append(r.lat, took)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(r.lat)
	return r
}

func putBytes(ctx context.Context, c *s3.Client, key string, b []byte) error {
	_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key),
		Body: bytes.NewReader(b), ContentLength: aws.Int64(int64(len(b)))})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

func getDiscard(ctx context.Context, c *s3.Client, key string) error {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		return fmt.Errorf("get %s: %w", key, err)
	}
	defer out.Body.Close()
	if n, err := io.Copy(io.Discard, out.Body); err != nil || n != mib {
		return fmt.Errorf("get %s: %d bytes, %v", key, n, err)
	}
	return nil
}

// TestPlantedForeignCopies plants, straight in the clouds, valid copies of
// other chunks at a replicated object's keys (another object's chunk in
// the first zone a read asks; another index of the same object in the
// middle zone). GETs return the right bytes; the report counts the objects
// degraded; the scrubber finds the planted copies and the repair worker
// puts the right ones back. With a foreign copy in every zone, a GET fails
// rather than serve another object's bytes, and the report says lost.
func TestPlantedForeignCopies(t *testing.T) {
	t.Parallel()
	clouds := startClouds(t, 3)
	g := startGateway(t, clouds, placementYAML{name: "rep3", scheme: "replicate", writeQuorum: 2}, "1h")
	ctx := harness.Context(t, 150*time.Second)

	objs := []obj{{key: "f/a", size: 7 * mib / 2}, {key: "f/b", size: mib}, {key: "f/c", size: 1 << 10}}
	ids := make([]string, len(objs))
	seen := map[string]bool{}
	for i := range objs {
		if acked := putAll(t, ctx, g.client, objs[i:i+1]); len(acked) != 1 {
			t.Fatalf("write %s not acknowledged", objs[i].key)
		}
		keys, err := clouds[0].zoneKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range dataIDs(keys) {
			if !seen[id] {
				seen[id], ids[i] = true, id
			}
		}
	}
	g.waitFullyRedundant(t, objs, 10*time.Second)
	raw := func(c *cloud, id string, index int) []byte {
		t.Helper()
		b, err := c.getRaw(ctx, shardKey(id, index))
		if err != nil {
			t.Fatalf("get %s/%d from cloud %s: %v", id, index, c.name, err)
		}
		return b
	}
	plant := func(c *cloud, id string, index int, b []byte) {
		t.Helper()
		if err := c.putRaw(ctx, shardKey(id, index), b); err != nil {
			t.Fatalf("plant at %s/%d in cloud %s: %v", id, index, c.name, err)
		}
	}
	a, b, c := ids[0], ids[1], ids[2]
	goodA0, goodA2, goodB0 := raw(clouds[2], a, 0), raw(clouds[2], a, 2), raw(clouds[2], b, 0)
	plant(clouds[0], b, 0, raw(clouds[0], a, 0)) // the first zone read: another object's chunk
	plant(clouds[1], a, 0, raw(clouds[1], b, 0)) // the middle zone: another object's chunk
	plant(clouds[1], a, 2, raw(clouds[1], a, 1)) // the middle zone: another index
	verifyAll(t, ctx, g.client, objs)

	r, err := g.report(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report with planted copies: %s", fmtReport(r))
	// b's planted copy was met by the GET, which queued its repair: the
	// repair worker may have put it right already.
	if r.Lost != 0 || r.Unavailable != 0 || r.Degraded < 1 || r.Degraded > 2 || r.ChunksDegraded < 2 || r.ChunksDegraded > 3 {
		t.Errorf("report with 3 planted copies in 2 objects: want degraded 1-2, chunks_degraded 2-3, nothing lost; got %s", fmtReport(r))
	}
	// The scrubber finds the copies no GET met (the middle zone's).
	g.srv.Kill()
	g.writeConfig("2s")
	g.start()
	g.waitFullyRedundant(t, objs, 30*time.Second)
	for _, p := range []struct {
		c     *cloud
		id    string
		index int
		want  []byte
	}{{clouds[0], b, 0, goodB0}, {clouds[1], a, 0, goodA0}, {clouds[1], a, 2, goodA2}} {
		if got := raw(p.c, p.id, p.index); !bytes.Equal(got, p.want) {
			t.Errorf("cloud %s %s/%d after repair: %d bytes, not the right copy", p.c.name, p.id, p.index, len(got))
		}
	}
	verifyAll(t, ctx, g.client, objs)

	// Another object's copy in every zone: an error, never those bytes.
	// (Planted with the gateway down, so that its scrubber cannot repair
	// the first zone from the others in between.)
	g.srv.Kill()
	for _, cl := range clouds {
		plant(cl, c, 0, raw(cl, b, 0))
	}
	g.writeConfig("1h")
	g.start()
	sum, n, err := get(ctx, g.client, testBucket, objs[2].key)
	if err == nil {
		t.Fatalf("GET %s with another object's copy in every zone = %d bytes (right: %v), want an error", objs[2].key, n, sum == objs[2].sum)
	}
	t.Logf("GET %s with another object's copy in every zone: %v", objs[2].key, err)
	r, err = g.report(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if r.Lost != 1 || r.ChunksLost != 1 || len(r.LostObjects) != 1 || r.LostObjects[0] != testBucket+"/"+objs[2].key {
		t.Errorf("report with only foreign copies of %s: want lost 1 (%s); got %s", objs[2].key, objs[2].key, fmtReport(r))
	}
}
