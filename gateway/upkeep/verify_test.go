package upkeep

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
)

func TestVerifyGC(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	live := f.put(t, "live", randBytes(100<<10, 1))
	f.multipart(t, "pending", "a part")
	// An orphan as an older release could leave it: data nothing names,
	// written long before the upload grace.
	old := fmt.Sprintf("%016x%s", f.clock.Now().Add(-3*time.Hour).UnixNano(), "00000000000000aa")
	young := fmt.Sprintf("%016x%s", f.clock.Now().UnixNano(), "00000000000000bb")
	for _, id := range []string{old, young} {
		if err := f.drv.Put(ctx, blobstore.ChunkKey{DataID: id, Index: 0}, []byte("x")); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := f.w.VerifyGC(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Stored != 4 || rep.Referenced != 2 || rep.InFlight != 1 || len(rep.Orphans) != 1 || rep.Orphans[0] != old || len(rep.Missing) != 0 {
		t.Fatalf("VerifyGC = %+v, want 4 stored, 2 referenced, 1 in flight, orphan %s", rep, old)
	}
	rep, err = f.w.VerifyGC(ctx, true)
	if err != nil || rep.Queued != 1 {
		t.Fatalf("VerifyGC(queue) = %+v, %v; want 1 queued", rep, err)
	}
	f.collectAll(t)
	rep, _ = f.w.VerifyGC(ctx, false)
	if len(rep.Orphans) != 0 || rep.Stored != 3 {
		t.Errorf("after queueing and collecting: %+v, want no orphans and 3 stored", rep)
	}
	if got := f.read(t, "live"); len(got) != 100<<10 {
		t.Errorf("live object after collection: %d bytes", len(got))
	}
	// Referenced data gone from the store is reported missing.
	if err := f.drv.Delete(ctx, live.Extents[0].DataID, -1); err != nil {
		t.Fatal(err)
	}
	rep, _ = f.w.VerifyGC(ctx, false)
	if len(rep.Missing) != 1 || rep.Missing[0] != live.Extents[0].DataID {
		t.Errorf("VerifyGC after losing live data: missing %q, want [%s]", rep.Missing, live.Extents[0].DataID)
	}
}
