package cloud

import (
	"fmt"
	"testing"
	"time"

	"github.com/dolium/dolium/test/faultproxy"
	"github.com/dolium/dolium/test/harness"
)

// TestGatewayKilledMidRepair: zone z2 refuses while 40 objects of 1 MiB
// are written (40 shard repairs queued). z2 comes back slow (so the
// repairs take a while) and the gateway is SIGKILLed about 0.5 s after
// the first repaired shard lands in z2. Restarted on the same data dir,
// it resumes: every object fully redundant and intact.
func TestGatewayKilledMidRepair(t *testing.T) {
	t.Parallel()
	clouds := startClouds(t, 3)
	g := startGateway(t, clouds, ec21, "1h")
	ctx := harness.Context(t, 170*time.Second)
	down := clouds[2]
	down.proxy.SetMode(faultproxy.Refuse)

	objs := make([]obj, 40)
	for i := range objs {
		objs[i] = obj{key: fmt.Sprintf("k/obj-%02d", i), size: mib}
	}
	start := time.Now()
	acked := putAll(t, ctx, g.client, objs)
	t.Logf("%d writes with zone %s refusing took %v", len(objs), down.name, time.Since(start).Round(time.Millisecond))
	if len(acked) != len(objs) {
		t.Fatalf("%d of %d writes acknowledged", len(acked), len(objs))
	}
	if n := down.countKeys(t, ctx); n != 0 {
		t.Fatalf("zone %s holds %d shards after writes it refused", down.name, n)
	}

	// Back, but slow: 40 ms per 64 KiB, about 0.3 s per 512 KiB shard.
	down.proxy.SetDelay(40 * time.Millisecond)
	down.proxy.SetMode(faultproxy.Slow)
	deadline := time.Now().Add(30 * time.Second)
	for down.countKeys(t, ctx) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no repair reached zone %s within 30 s of its return", down.name)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	if err := g.srv.Kill(); err != nil {
		t.Fatalf("kill gateway: %v", err)
	}
	atKill := down.countKeys(t, ctx)
	t.Logf("gateway SIGKILLed with %d of %d shards repaired in zone %s", atKill, len(acked), down.name)
	if atKill >= len(acked) {
		t.Errorf("every repair had finished before the kill; the test did not interrupt the repair worker")
	}

	down.proxy.SetMode(faultproxy.Pass)
	g.start()
	g.waitFullyRedundant(t, acked, 30*time.Second)
	if n := down.countKeys(t, ctx); n != len(acked) {
		t.Errorf("zone %s holds %d shards after the resumed repairs, want %d", down.name, n, len(acked))
	}
	verifyAll(t, ctx, g.client, acked)
	// For the record: the restarted gateway's repair counters. (Its
	// scrubber also makes a pass at start, which would queue whatever
	// repair entries a kill had lost, so the end state alone does not
	// prove the queue survived.)
	t.Logf("restarted gateway's repair metrics: %s", metricLines(t, g, "dolium_repair_"))
}
