package cloud

import (
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/faultproxy"
	"github.com/dolium/dolium/test/harness"
)

// TestMZonesDownReads: after writing with every zone up, m zones go down
// (Refuse or Blackhole); every GET still succeeds byte-identical and the
// report counts the objects degraded, not lost. Once the zones are back
// the report is fully redundant again.
func TestMZonesDownReads(t *testing.T) {
	t.Parallel()
	cases := []struct {
		zones int
		p     placementYAML
		down  []int // the data-shard zones: reads must decode from parity
	}{
		{3, placementYAML{name: "ec21", scheme: "erasure", data: 2, parity: 1}, []int{0}},
		{4, placementYAML{name: "ec22", scheme: "erasure", data: 2, parity: 2}, []int{0, 1}},
	}
	for _, tc := range cases {
		for _, mode := range []faultproxy.Mode{faultproxy.Refuse, faultproxy.Blackhole} {
			t.Run(fmt.Sprintf("%d+%d/%v", tc.p.data, tc.p.parity, mode), func(t *testing.T) {
				t.Parallel()
				clouds := startClouds(t, tc.zones)
				g := startGateway(t, clouds, tc.p, "1h")
				ctx := harness.Context(t, 170*time.Second)
				// A one-object bucket: under Blackhole every chunk check of
				// the report waits ZoneTimeout (30 s), so the report is
				// taken for this bucket alone there.
				if _, err := g.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("probe")}); err != nil {
					t.Fatalf("create bucket probe: %v", err)
				}
				objs := append(standardSet("r/"), obj{bucket: "probe", key: "one", size: 1 << 10})
				acked := putAll(t, ctx, g.client, objs)
				if len(acked) != len(objs) {
					t.Fatalf("%d of %d writes acknowledged with every zone up", len(acked), len(objs))
				}
				g.waitFullyRedundant(t, acked, 10*time.Second)

				for _, i := range tc.down {
					clouds[i].proxy.SetMode(mode)
				}
				start := time.Now()
				verifyAll(t, ctx, g.client, acked)
				t.Logf("reads with %d zones %v took %v", len(tc.down), mode, time.Since(start).Round(time.Millisecond))

				bucket, want := "", acked
				if mode == faultproxy.Blackhole {
					bucket, want = "probe", acked[len(acked)-1:]
				}
				start = time.Now()
				r, err := g.report(ctx, bucket)
				if err != nil {
					t.Fatalf("report with zones down: %v", err)
				}
				t.Logf("report (bucket %q) with %d zones %v (%v): %s", bucket, len(tc.down), mode, time.Since(start).Round(time.Millisecond), fmtReport(r))
				if r.Objects != len(want) || r.Degraded != placedCount(want) || r.Lost != 0 || r.Chunks != chunkCount(want) ||
					r.ChunksDegraded != chunkCount(want) || r.ChunksLost != 0 {
					t.Errorf("report with %d of %d zones down: want objects=%d degraded=%d lost=0 chunks=chunks_degraded=%d chunks_lost=0; got %s",
						len(tc.down), tc.zones, len(want), placedCount(want), chunkCount(want), fmtReport(r))
				}

				for _, i := range tc.down {
					clouds[i].proxy.SetMode(faultproxy.Pass)
				}
				g.waitFullyRedundant(t, acked, 30*time.Second)
				verifyAll(t, ctx, g.client, acked)
			})
		}
	}
}
