package cloud

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/test/harness"
)

// TestCorruptShard damages shards in place in a zone's bucket (GET the
// shard from the cloud, flip a byte, PUT it back).
//
// Phase 1, scrubber idle (scrub_interval 1h): a damaged data shard is met
// by a GET, which still returns the right bytes and records a repair; the
// repair worker rewrites the shard.
//
// Phase 2: a damaged parity shard, which GETs do not read, shows in the
// report as degraded; restarted with scrub_interval 2s, the gateway's
// scrubber finds and the repair worker heals it.
func TestCorruptShard(t *testing.T) {
	t.Parallel()
	clouds := startClouds(t, 3)
	g := startGateway(t, clouds, placementYAML{name: "ec21", scheme: "erasure", data: 2, parity: 1}, "1h")
	ctx := harness.Context(t, 150*time.Second)

	// Write the two targets one at a time, noting each one's data id.
	targets := []obj{{key: "c/target-a", size: 3 * mib}, {key: "c/target-b", size: 7 * mib / 2}}
	ids := make([]string, len(targets))
	seen := map[string]bool{}
	for i := range targets {
		if acked := putAll(t, ctx, g.client, targets[i:i+1]); len(acked) != 1 {
			t.Fatalf("write %s not acknowledged", targets[i].key)
		}
		keys, err := clouds[0].zoneKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range dataIDs(keys) {
			if !seen[id] {
				seen[id] = true
				ids[i] = id
			}
		}
		if ids[i] == "" {
			t.Fatalf("no new data id in zone %s after writing %s", clouds[0].name, targets[i].key)
		}
	}
	t.Logf("data ids: %s=%s %s=%s", targets[0].key, ids[0], targets[1].key, ids[1])
	others := putAll(t, ctx, g.client, standardSet("c/"))
	objs := append(targets, others...)
	g.waitFullyRedundant(t, objs, 10*time.Second)

	// corrupt flips one payload byte of a shard in a zone and returns the
	// original and the damaged bytes.
	corrupt := func(c *cloud, key string) (orig, bad []byte) {
		t.Helper()
		orig, err := c.getRaw(ctx, key)
		if err != nil {
			t.Fatalf("get shard %s from zone %s: %v", key, c.name, err)
		}
		bad = bytes.Clone(orig)
		bad[16+len(bad)/3] ^= 0x5a // past the 16-byte shard header, inside the payload
		if err := c.putRaw(ctx, key, bad); err != nil {
			t.Fatalf("put damaged shard %s to zone %s: %v", key, c.name, err)
		}
		return orig, bad
	}
	// waitHealed waits until the zone's shard differs from the damaged
	// bytes, then checks it is the original shard again.
	waitHealed := func(c *cloud, key string, orig, bad []byte, timeout time.Duration) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for {
			cur, err := c.getRaw(ctx, key)
			if err == nil && !bytes.Equal(cur, bad) {
				if !bytes.Equal(cur, orig) {
					t.Errorf("shard %s in zone %s rewritten, but not to the original shard (%d bytes, want %d)", key, c.name, len(cur), len(orig))
				}
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("shard %s in zone %s still damaged after %v (last get err %v)", key, c.name, timeout, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}

	// Phase 1: data shard 0 of chunk 1 of target a, in zone z0.
	keyA := shardKey(ids[0], 1)
	origA, badA := corrupt(clouds[0], keyA)
	sum, n, err := get(ctx, g.client, testBucket, targets[0].key)
	if err != nil || sum != targets[0].sum || n != int64(targets[0].size) {
		t.Fatalf("GET %s with a damaged shard: %d bytes, sum ok %v, err %v", targets[0].key, n, sum == targets[0].sum, err)
	}
	waitHealed(clouds[0], keyA, origA, badA, 15*time.Second)
	t.Logf("phase 1: the damaged data shard %s in zone %s was found by a GET and rewritten", keyA, clouds[0].name)
	g.waitFullyRedundant(t, objs, 10*time.Second)

	// Phase 2: parity shard (zone z2) of chunk 2 of target b.
	keyB := shardKey(ids[1], 2)
	origB, badB := corrupt(clouds[2], keyB)
	r, err := g.report(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("report with a damaged parity shard: %s", fmtReport(r))
	if r.Degraded != 1 || r.ChunksDegraded != 1 || r.Lost != 0 || len(r.DegradedObjects) != 1 || r.DegradedObjects[0] != testBucket+"/"+targets[1].key {
		t.Errorf("report with one damaged shard of %s: want degraded=1 chunks_degraded=1 lost=0; got %s", targets[1].key, fmtReport(r))
	}
	g.srv.Kill()
	g.writeConfig("2s")
	g.start()
	waitHealed(clouds[2], keyB, origB, badB, 20*time.Second)
	t.Logf("phase 2: the scrubber found the damaged parity shard %s in zone %s and it was rewritten", keyB, clouds[2].name)
	g.waitFullyRedundant(t, objs, 15*time.Second)
	verifyAll(t, ctx, g.client, objs)

	// The operator's view, `dolium admin redundancy --json`, agrees.
	out, err := g.srv.AdminCommand(ctx, "redundancy", "--json").Output()
	if err != nil {
		t.Fatalf("dolium admin redundancy --json: %v", err)
	}
	var cli upkeep.Redundancy
	if err := json.Unmarshal(out, &cli); err != nil {
		t.Fatalf("dolium admin redundancy --json: %v: %s", err, out)
	}
	if !fullyRedundant(cli, objs) {
		t.Errorf("dolium admin redundancy --json: %s", fmtReport(cli))
	}
}
