package cloud

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/test/harness"
)

// replaceBound is how long a replaced zone may take to be fully redundant
// again once nobody writes or reads: the rebuild is started by the zone
// probe (every second here), walks the metadata at 100 chunks a second
// and the repair queue's entries for the zone are made due at once.
const replaceBound = 60 * time.Second

// load writes new objects and reads acknowledged ones back concurrently
// until stopped. Acknowledged writes are kept for verification; failed
// writes and reads are counted.
type load struct {
	t       *testing.T
	g       *gw
	mu      sync.Mutex
	acked   []obj
	failedW []error
	failedR []error
	reads   int
	stop    chan struct{}
	wg      sync.WaitGroup
	n       int
}

func startLoad(t *testing.T, g *gw, prefix string, base []obj, workers int) *load {
	l := &load{t: t, g: g, acked: append([]obj(nil), base...), stop: make(chan struct{})}
	for w := range workers {
		l.wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), uint64(len(prefix))))
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
				if i%2 == 0 {
					o := obj{key: fmt.Sprintf("%sw%d-%03d", prefix, w, i), size: []int{1 << 10, 3 * mib / 2, 200 << 10}[rng.IntN(3)]}
					err := put(ctx, g.client, &o)
					l.mu.Lock()
					if err != nil {
						l.failedW = append(l.failedW, err)
					} else {
						l.acked = append(l.acked, o)
					}
					l.mu.Unlock()
				} else {
					l.mu.Lock()
					o := l.acked[rng.IntN(len(l.acked))]
					l.mu.Unlock()
					s, n, err := get(ctx, g.client, o.bkt(), o.key)
					l.mu.Lock()
					l.reads++
					switch {
					case err != nil:
						l.failedR = append(l.failedR, fmt.Errorf("GET %s: %w", o.key, err))
					case s != o.sum || n != int64(o.size):
						l.failedR = append(l.failedR, fmt.Errorf("GET %s: wrong bytes (%d, want %d)", o.key, n, o.size))
					}
					l.mu.Unlock()
				}
				cancel()
				time.Sleep(20 * time.Millisecond)
			}
		})
	}
	return l
}

// end stops the load and returns every acknowledged object; failed writes
// and reads fail the test.
func (l *load) end() []obj {
	l.t.Helper()
	close(l.stop)
	l.wg.Wait()
	for _, err := range l.failedW {
		l.t.Errorf("write not acknowledged under load: %v", err)
	}
	for _, err := range l.failedR {
		l.t.Errorf("read failed under load: %v", err)
	}
	l.t.Logf("load: %d objects acknowledged in all, %d reads, %d failed writes, %d failed reads", len(l.acked), l.reads, len(l.failedW), len(l.failedR))
	return l.acked
}

// TestReplaceEachZone, with dolium and with MinIO servers as the clouds:
// erasure 2+1 (write quorum 2); under a concurrent load of writes and
// reads, each zone in turn (the two data-shard zones first) is SIGKILLed
// and, two seconds later, replaced by an empty server on the same address.
// Once the load stops, the report must say fully redundant within
// replaceBound with nobody reading: the rebuild refills the zone from the
// metadata alone. Every acknowledged object is read back by SHA-256 and
// each zone holds every shard after each step.
func TestReplaceEachZone(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{kindDolium, kindMinIO} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clouds := startCloudsOf(t, kind, 3)
			g := startGateway(t, clouds, ec21, "1h")
			ctx := harness.Context(t, 200*time.Second)
			objs := standardSet("base/")
			for i := range 8 {
				objs = append(objs, obj{key: fmt.Sprintf("base/m-%d", i), size: 2*mib + i*1000})
			}
			acked := putAll(t, ctx, g.client, objs)
			if len(acked) != len(objs) {
				t.Fatalf("%d of %d writes acknowledged with every zone up", len(acked), len(objs))
			}
			g.waitFullyRedundant(t, acked, 20*time.Second)

			for i, c := range clouds {
				l := startLoad(t, g, fmt.Sprintf("step%d/", i), acked, 3)
				time.Sleep(time.Second)
				c.srv.kill()
				time.Sleep(2 * time.Second)
				if err := c.srv.replace(); err != nil {
					t.Fatalf("replacing zone %s: %v", c.name, err)
				}
				replaced := time.Now()
				time.Sleep(2 * time.Second)
				acked = l.end()
				quiet := time.Now()
				r := g.waitFullyRedundant(t, acked, replaceBound)
				t.Logf("zone %s (%s) replaced: fully redundant %v after the replacement, %v after the load stopped",
					c.name, kind, time.Since(replaced).Round(100*time.Millisecond), time.Since(quiet).Round(100*time.Millisecond))
				for _, rb := range r.Rebuilds {
					if rb.Zone == c.name {
						t.Logf("rebuild of %s: %d chunks walked, %d bytes written, %d failed, took %v",
							rb.Zone, rb.ChunksDone, rb.Bytes, rb.ChunksFailed, rb.Finished.Sub(rb.Started).Round(time.Millisecond))
						if rb.Running || rb.ChunksFailed != 0 {
							t.Errorf("rebuild of %s: %+v, want finished with nothing failed", rb.Zone, rb)
						}
					}
				}
				want := chunkCount(acked)
				for _, cc := range clouds {
					if n := cc.countKeys(t, ctx); n != want {
						t.Errorf("after replacing %s: zone %s holds %d shards, want %d", c.name, cc.name, n, want)
					}
				}
				verifyAll(t, ctx, g.client, acked)
			}

			// The operator's view of the zones: all ok, each rebuilt once.
			out, code := g.admin(t, ctx, "zones", "--json")
			var zr struct {
				Placements []upkeep.PlacementZones `json:"placements"`
			}
			if code != 0 || json.Unmarshal(out, &zr) != nil || len(zr.Placements) != 1 {
				t.Fatalf("dolium admin zones --json = %d %s", code, out)
			}
			for _, z := range zr.Placements[0].Zones {
				if z.State != upkeep.ZoneOK || z.Rebuild == nil || z.Rebuild.Running {
					t.Errorf("dolium admin zones: zone %s = %+v, want ok with a finished rebuild", z.Name, z)
				}
			}
			text, _ := g.admin(t, ctx, "zones")
			t.Logf("dolium admin zones:\n%s", text)
			t.Logf("rebuild metrics: %s", metricLines(t, g, "dolium_rebuild_"))
		})
	}
}

// TestTwoZonesOut, with dolium and with MinIO servers as the clouds: in
// erasure 2+1, two zones stopped (then started again on their data) leave
// every object unavailable, not lost: GET answers 503 with Retry-After and
// `dolium admin redundancy` exits 0; when they are back everything is
// fully redundant and intact. Two zones wiped leave every object lost: the
// report says so, GET answers 500 DataLost, the data-lost metric counts
// it, and `dolium admin redundancy` exits 3.
func TestTwoZonesOut(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{kindDolium, kindMinIO} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			clouds := startCloudsOf(t, kind, 3)
			g := startGateway(t, clouds, ec21, "1h")
			ctx := harness.Context(t, 170*time.Second)
			objs := append(standardSet("two/"), obj{key: "two/m", size: 5 * mib / 2})
			acked := putAll(t, ctx, g.client, objs)
			if len(acked) != len(objs) {
				t.Fatalf("%d of %d writes acknowledged with every zone up", len(acked), len(objs))
			}
			g.waitFullyRedundant(t, acked, 20*time.Second)
			probe := acked[2] // 3.5 MiB, four chunks

			// Two zones down: unavailable, not lost.
			for _, c := range clouds[:2] {
				c.srv.kill()
			}
			r, err := g.report(ctx, "")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("report with zones z0, z1 down: %s", fmtReport(r))
			if r.Unavailable != placedCount(acked) || r.Lost != 0 || r.Degraded != 0 ||
				r.ChunksUnavailable != chunkCount(acked) || r.ChunksLost != 0 || r.Chunks != chunkCount(acked) {
				t.Errorf("report with 2 of 3 zones down: want unavailable=%d chunks_unavailable=%d, nothing lost; got %s",
					placedCount(acked), chunkCount(acked), fmtReport(r))
			}
			status, hdr, code := getStatus(ctx, g, probe)
			if status != http.StatusServiceUnavailable || hdr.Get("Retry-After") == "" {
				t.Errorf("GET with 2 of 3 zones down = %d %s (Retry-After %q), want 503 with Retry-After", status, code, hdr.Get("Retry-After"))
			}
			if out, code := g.admin(t, ctx, "redundancy"); code != 0 {
				t.Errorf("dolium admin redundancy with data unavailable exited %d, want 0:\n%s", code, out)
			}
			for _, c := range clouds[:2] {
				if err := c.srv.start(); err != nil {
					t.Fatalf("restarting zone %s: %v", c.name, err)
				}
			}
			g.waitFullyRedundant(t, acked, 30*time.Second)
			verifyAll(t, ctx, g.client, acked)

			// Two zones wiped: lost.
			for _, c := range clouds[:2] {
				if err := c.srv.replace(); err != nil {
					t.Fatalf("wiping zone %s: %v", c.name, err)
				}
			}
			// Until the zones' breakers (tripped while the servers were
			// being replaced) let a call through, the report may still
			// count the zones unreachable: wait for it to settle.
			deadline := time.Now().Add(20 * time.Second)
			for {
				if r, err = g.report(ctx, ""); err != nil {
					t.Fatal(err)
				}
				if r.ChunksUnavailable == 0 || time.Now().After(deadline) {
					break
				}
				time.Sleep(500 * time.Millisecond)
			}
			t.Logf("report with zones z0, z1 wiped: %s", fmtReport(r))
			if r.Lost != placedCount(acked) || r.Unavailable != 0 || r.ChunksLost != chunkCount(acked) || r.ChunksUnavailable != 0 {
				t.Errorf("report with 2 of 3 zones wiped: want lost=%d chunks_lost=%d, nothing unavailable; got %s",
					placedCount(acked), chunkCount(acked), fmtReport(r))
			}
			status, _, code = getStatus(ctx, g, probe)
			if status != http.StatusInternalServerError || code != "DataLost" {
				t.Errorf("GET with 2 of 3 zones wiped = %d %s, want 500 DataLost", status, code)
			}
			if m := metricLines(t, g, "dolium_data_lost_reads_total"); !strings.Contains(m, "dolium_data_lost_reads_total ") || strings.HasSuffix(m, " 0") {
				t.Errorf("data-lost metric after a lost read: %q, want a count above 0", m)
			}
			if out, code := g.admin(t, ctx, "redundancy"); code != 3 || !strings.Contains(string(out), "LOST") {
				t.Errorf("dolium admin redundancy with data lost exited %d, want 3, listing LOST objects:\n%s", code, out)
			}
		})
	}
}

// getStatus GETs o through the gateway and returns the HTTP status, the
// response headers and the S3 error code of a failure.
func getStatus(ctx context.Context, g *gw, o obj) (int, http.Header, string) {
	_, _, err := get(ctx, g.client, o.bkt(), o.key)
	if err == nil {
		return http.StatusOK, nil, ""
	}
	var re *awshttp.ResponseError
	if !errors.As(err, &re) {
		return 0, nil, err.Error()
	}
	code := ""
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return re.HTTPStatusCode(), re.Response.Header, code
}

// admin runs `dolium admin ARGS --endpoint <gateway>` with the root key
// and returns its standard output and exit status.
func (g *gw) admin(t *testing.T, ctx context.Context, args ...string) ([]byte, int) {
	t.Helper()
	out, err := g.srv.AdminCommand(ctx, args[0], args[1:]...).Output()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return out, 0
	case errors.As(err, &ee):
		return append(out, ee.Stderr...), ee.ExitCode()
	}
	t.Fatalf("dolium admin %v: %v", args, err)
	return nil, -1
}

// metricLines returns the gateway's /metrics samples starting with prefix.
func metricLines(t *testing.T, g *gw, prefix string) string {
	t.Helper()
	resp, err := http.Get(g.srv.Endpoint + "/metrics")
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "; ")
}
