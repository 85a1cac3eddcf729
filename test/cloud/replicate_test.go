package cloud

import (
	"testing"
	"time"

	"github.com/dolium/dolium/test/faultproxy"
	"github.com/dolium/dolium/test/harness"
)

// TestReplicate3: replicate 3 with write_quorum 2; zone z1 refuses during
// the writes, which are acknowledged; reads work while it is down; the
// report shows the objects degraded; once it is back every object is
// fully redundant and intact.
func TestReplicate3(t *testing.T) {
	t.Parallel()
	clouds := startClouds(t, 3)
	g := startGateway(t, clouds, placementYAML{name: "rep3", scheme: "replicate", writeQuorum: 2}, "1h")
	ctx := harness.Context(t, 170*time.Second)
	down := clouds[1]
	down.proxy.SetMode(faultproxy.Refuse)

	objs := standardSet("p/")
	acked := putAll(t, ctx, g.client, objs)
	if len(acked) != len(objs) {
		t.Fatalf("%d of %d writes acknowledged with one zone of 3 down and write_quorum 2", len(acked), len(objs))
	}
	want := chunkCount(acked)
	for _, c := range clouds {
		n := c.countKeys(t, ctx)
		switch {
		case c == down && n != 0:
			t.Errorf("zone %s (down) holds %d copies, want 0", c.name, n)
		case c != down && n != want:
			t.Errorf("zone %s holds %d copies, want %d", c.name, n, want)
		}
	}
	verifyAll(t, ctx, g.client, acked)

	r, err := g.report(ctx, "")
	if err != nil {
		t.Fatalf("report with zone down: %v", err)
	}
	t.Logf("report with zone %s down: %s", down.name, fmtReport(r))
	if r.Degraded != placedCount(acked) || r.Lost != 0 || r.Chunks != want || r.ChunksDegraded != want || r.ChunksLost != 0 {
		t.Errorf("report with zone down: want degraded=%d lost=0 chunks=chunks_degraded=%d; got %s", placedCount(acked), want, fmtReport(r))
	}

	down.proxy.SetMode(faultproxy.Pass)
	g.waitFullyRedundant(t, acked, 30*time.Second)
	if n := down.countKeys(t, ctx); n != want {
		t.Errorf("zone %s holds %d copies after repair, want %d", down.name, n, want)
	}
	verifyAll(t, ctx, g.client, acked)
}
