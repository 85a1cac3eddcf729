package cloudtest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
	ctx := testCtx(t, 150*time.Second)

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
	pid, err := pidListening(victim.srv.Addr)
	if err != nil {
		t.Fatalf("finding cloud %s's process: %v", victim.name, err)
	}
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

	for _, r := range []*loadResult{baseGet, basePut, trip, stGet, stPut} {
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

// pidListening finds this test's child process started with
// "--listen addr" (faulttest does not expose its processes).
func pidListening(addr string) (int, error) {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return 0, err
	}
	me := os.Getpid()
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(cmd), "\x00")
		i := slices.Index(args, "--listen")
		if i < 0 || i+1 >= len(args) || args[i+1] != addr {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(me) {
			return pid, nil
		}
	}
	return 0, fmt.Errorf("no child process listening on %s", addr)
}
