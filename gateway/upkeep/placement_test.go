package upkeep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/placement"
	"github.com/dolium/dolium/blobstore/storetest"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/meta/pebble"
)

// The faults the test switches a zone (a storetest.FaultDriver over a mem
// driver) between.
var (
	zoneUp      = storetest.Faults{}
	zoneDown    = storetest.Faults{Down: true}
	zoneCorrupt = storetest.Faults{Corrupt: 0xff} // reads come back damaged
)

func TestPlacementRepairAndReport(t *testing.T) {
	ctx := context.Background()
	ms, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ms.Close()
	zs := []*storetest.FaultDriver{storetest.NewFaultDriver(mem.New()), storetest.NewFaultDriver(mem.New()), storetest.NewFaultDriver(mem.New())}
	var pz []placement.Zone
	for i, z := range zs {
		pz = append(pz, placement.Zone{Name: fmt.Sprintf("cloud%d", i), Driver: z})
	}
	ec, err := placement.NewErasure("ec21", pz, 2, 1, 2, RepairRecorder(ms, "ec21", nil))
	if err != nil {
		t.Fatal(err)
	}
	set := placements(t, blobstore.New(mem.New(), blobstore.Options{}), blobstore.New(ec, blobstore.Options{ChunkSize: 64 << 10}))
	g := gateway.New(gateway.Config{Meta: ms, Placements: set, DefaultPlacement: "ec21"})
	w := New(Config{Gateway: g, Meta: ms, Placements: set, Repairs: ms})
	if err := g.CreateBucket(ctx, "alice", "multi"); err != nil {
		t.Fatal(err)
	}
	if err := g.CreateBucket(ctx, "alice", "nowhere", "no-such-policy"); !errors.Is(err, gateway.ErrNoSuchPlacement) {
		t.Errorf("bucket with an unknown placement = %v, want ErrNoSuchPlacement", err)
	}
	put := func(key string, data []byte) {
		t.Helper()
		if _, err := g.PutObject(ctx, bucketOf(t, g, "multi"), gateway.PutInput{Key: key, Owner: "alice", Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
			t.Fatalf("PutObject(%s): %v", key, err)
		}
	}
	read := func(key string) []byte {
		t.Helper()
		out, err := g.GetObject(ctx, bucketOf(t, g, "multi"), gateway.GetInput{Key: key}, false)
		if err != nil {
			t.Fatalf("GetObject(%s): %v", key, err)
		}
		defer out.Body.Close()
		var b bytes.Buffer
		if _, err := b.ReadFrom(out.Body); err != nil {
			t.Fatalf("read %s: %v", key, err)
		}
		return b.Bytes()
	}
	report := func() Redundancy {
		t.Helper()
		r, err := w.RedundancyReport(ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := randBytes(200<<10, 11), randBytes(10, 12) // 4 chunks, 1 chunk

	// One cloud down during the writes: they succeed at the write quorum
	// and the missing shards are queued.
	zs[2].Set(zoneDown)
	put("a", a)
	put("b", b)
	if n, _ := ms.RepairLen(ctx); n != 5 {
		t.Errorf("repair queue after writes with a zone down = %d, want 5 (one per chunk)", n)
	}
	if got := read("a"); !bytes.Equal(got, a) {
		t.Fatal("object a differs while a zone is down")
	}
	if r := report(); r.Degraded != 2 || r.FullyRedundant != 0 || r.Lost != 0 {
		t.Errorf("report with a zone down = %+v, want 2 degraded", r)
	}
	// Repairs fail while the zone is away and are retried later.
	st, err := w.RepairOnce(ctx, 100)
	if err != nil || st.Retried != 5 || st.Repaired != 0 {
		t.Errorf("RepairOnce with the zone still down = %+v, %v; want 5 retried", st, err)
	}
	// The zone returns; after the backoff the repairs run.
	zs[2].Set(zoneUp)
	w.cfg.Now = func() time.Time { return time.Now().Add(time.Hour) }
	st, err = w.RepairOnce(ctx, 100)
	if err != nil || st.Repaired != 5 {
		t.Errorf("RepairOnce after the zone returned = %+v, %v; want 5 repaired", st, err)
	}
	if r := report(); r.FullyRedundant != 2 || r.Degraded != 0 || r.RepairQueue != 0 {
		t.Errorf("report after repair = %+v, want 2 fully redundant and an empty queue", r)
	}

	// Bit rot in one cloud: reads still return the right bytes; the
	// scrubber finds every bad shard and the repair heals them.
	zs[0].Set(zoneCorrupt)
	if got := read("a"); !bytes.Equal(got, a) {
		t.Fatal("object a differs with a corrupt zone")
	}
	zs[0].Set(zoneUp)
	// Corrupt the stored shards for real (reads above only flipped copies).
	for i := range 4 {
		k := blobstore.ChunkKey{DataID: mustDataID(t, w, "a"), Index: i}
		sh, err := zs[0].Driver.Get(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		sh[len(sh)/3] ^= 1
		zs[0].Driver.Put(ctx, k, sh)
	}
	sst, err := w.ScrubOnce(ctx, 0)
	if err != nil || sst.Chunks != 5 || sst.Problems != 4 {
		t.Errorf("ScrubOnce = %+v, %v; want 5 chunks checked, 4 problems", sst, err)
	}
	if r := report(); r.Degraded != 1 || r.FullyRedundant != 1 {
		t.Errorf("report with rotten shards = %+v, want a degraded, b fully redundant", r)
	}
	w.RepairOnce(ctx, 100)
	if r := report(); r.FullyRedundant != 2 {
		t.Errorf("report after healing = %+v, want 2 fully redundant", r)
	}

	// One cloud down, another lost b's shard: b may come back with the
	// cloud that is down, so it is unavailable, not lost; a GET says 503.
	zs[0].Set(zoneDown)
	zs[1].Driver.Delete(ctx, mustDataID(t, w, "b"), -1)
	if r := report(); r.Unavailable != 1 || r.Lost != 0 || len(r.UnavailableObjects) != 1 || r.UnavailableObjects[0] != "multi/b" ||
		r.ChunksUnavailable != 1 || r.Degraded != 1 {
		t.Errorf("report with b's shard gone from 1 zone and another zone down = %+v, want multi/b unavailable, a degraded", r)
	}
	if _, err := g.GetObject(ctx, bucketOf(t, g, "multi"), gateway.GetInput{Key: "b"}, false); !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("GET of an unavailable object = %v, want ErrUnavailable", err)
	}
	// The cloud answers again, but it lost b's shard too: now b is lost.
	zs[0].Driver.Delete(ctx, mustDataID(t, w, "b"), -1)
	zs[0].Set(zoneUp)
	if r := report(); r.Lost != 1 || len(r.LostObjects) != 1 || r.LostObjects[0] != "multi/b" || r.Unavailable != 0 || r.ChunksLost != 1 {
		t.Errorf("report with b's shards gone from 2 of 3 zones = %+v, want multi/b lost", r)
	}
	before := g.DataLostReads()
	if _, err := g.GetObject(ctx, bucketOf(t, g, "multi"), gateway.GetInput{Key: "b"}, false); !errors.Is(err, gateway.ErrDataLost) {
		t.Errorf("GET of a lost object = %v, want ErrDataLost", err)
	}
	if g.DataLostReads() != before+1 {
		t.Errorf("DataLostReads = %d after a lost read, want %d", g.DataLostReads(), before+1)
	}
}

func mustDataID(t *testing.T, w *Workers, key string) string {
	t.Helper()
	o, err := w.meta.GetObject(context.Background(), "multi", key)
	if err != nil {
		t.Fatal(err)
	}
	if p, err := w.placements.ForData(o.Extents[0].DataID); err != nil || p.Name != "ec21" {
		t.Fatalf("data id %s does not name placement ec21", o.Extents[0].DataID)
	}
	return o.Extents[0].DataID
}
