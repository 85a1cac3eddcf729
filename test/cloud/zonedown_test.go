package cloud

import (
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore/placement"
	"github.com/dolium/dolium/test/faultproxy"
	"github.com/dolium/dolium/test/harness"
)

// ec21 is erasure 2+1 over three clouds. The default erasure write quorum
// is k+1 = 3, every zone, so with one zone down no write could succeed:
// these scenarios configure write_quorum 2 (= k) to keep writing.
var ec21 = placementYAML{name: "ec21", scheme: "erasure", data: 2, parity: 1, writeQuorum: 2}

// TestZoneDownDuringWrites: zone z2 is down (Refuse, Blackhole) while
// objects are written; every write is acknowledged; the report shows them
// degraded; once z2 is back the repair worker makes all of them fully
// redundant within 30 s, and every object reads back byte-identical.
func TestZoneDownDuringWrites(t *testing.T) {
	t.Parallel()
	for _, mode := range []faultproxy.Mode{faultproxy.Refuse, faultproxy.Blackhole} {
		t.Run(mode.String(), func(t *testing.T) {
			t.Parallel()
			clouds := startClouds(t, 3)
			g := startGateway(t, clouds, ec21, "1h")
			ctx := harness.Context(t, 150*time.Second)
			down := clouds[2]
			down.proxy.SetMode(mode)

			objs := standardSet("w/")
			if mode == faultproxy.Blackhole {
				// Every chunk put waits ZoneTimeout (30 s) for the silent
				// zone, and an upload writes 4 chunks at a time: the 12 MiB
				// multipart upload (three sequential parts of 5, 5 and 2
				// chunks) would take 150 s. The Refuse variant covers it.
				objs = objs[:3]
			}
			start := time.Now()
			acked := putAll(t, ctx, g.client, objs)
			took := time.Since(start)
			t.Logf("%d writes with zone %s in %v took %v", len(objs), down.name, mode, took.Round(time.Millisecond))
			if mode == faultproxy.Blackhole {
				// Each chunk's put waits for the silent zone until the
				// placement's ZoneTimeout (default 30 s; not configurable
				// from YAML), so writes are slow but must not hang.
				if limit := 2 * placement.DefaultZoneTimeout; took > limit {
					t.Errorf("writes with a blackholed zone took %v, want under %v", took, limit)
				}
			}
			if len(acked) != len(objs) {
				t.Fatalf("%d of %d writes acknowledged with one zone of 2+1 down and write_quorum 2", len(acked), len(objs))
			}

			// Ground truth straight from the clouds: z2 got no shard.
			want := chunkCount(acked)
			for _, c := range clouds {
				n := c.countKeys(t, ctx)
				switch {
				case c == down && n != 0:
					t.Errorf("zone %s (down) holds %d shards, want 0", c.name, n)
				case c != down && n != want:
					t.Errorf("zone %s holds %d shards, want %d", c.name, n, want)
				}
			}

			// The report, with the zone still down. A blackholed zone
			// makes every chunk check wait for ZoneTimeout, so switch it
			// to refusing (still down) for the report.
			if mode == faultproxy.Blackhole {
				down.proxy.SetMode(faultproxy.Refuse)
			}
			rstart := time.Now()
			r, err := g.report(ctx, "")
			if err != nil {
				t.Fatalf("report with zone down: %v", err)
			}
			t.Logf("report with zone %s down (%v): %s", down.name, time.Since(rstart).Round(time.Millisecond), fmtReport(r))
			if r.Degraded != placedCount(acked) || r.Lost != 0 || r.ChunksDegraded != want || r.ChunksLost != 0 || r.Chunks != want {
				t.Errorf("report with zone down: want degraded=%d lost=0 chunks=%d chunks_degraded=%d chunks_lost=0; got %s",
					placedCount(acked), want, want, fmtReport(r))
			}
			if r.RepairQueue < int64(want) {
				t.Errorf("repair queue %d, want at least the %d shards the writes missed", r.RepairQueue, want)
			}

			down.proxy.SetMode(faultproxy.Pass)
			g.waitFullyRedundant(t, acked, 30*time.Second)
			if n := down.countKeys(t, ctx); n != want {
				t.Errorf("zone %s holds %d shards after repair, want %d", down.name, n, want)
			}
			verifyAll(t, ctx, g.client, acked)
		})
	}
}
