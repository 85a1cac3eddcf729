package placement

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
)

// hangingZone never answers until its context ends, and counts calls.
type hangingZone struct {
	blobstore.Driver
	hang  atomic.Bool
	calls atomic.Int64
}

func (h *hangingZone) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	h.calls.Add(1)
	if h.hang.Load() {
		<-ctx.Done()
		return ctx.Err()
	}
	return h.Driver.Put(ctx, k, b)
}

type nopRecorder struct{}

func (nopRecorder) Record(context.Context, Repair) error { return nil }

// A black-holed zone costs one write the zone timeout; with the breaker the
// following writes skip it at once, and after the cooldown it is probed
// again.
func TestBreakerSkipsUnreachableZone(t *testing.T) {
	h := &hangingZone{Driver: mem.New()}
	zones := []Zone{{"a", mem.New()}, {"b", mem.New()}, {"c", h}}
	r, err := NewReplicated("rep", zones, 2, nopRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	r.ZoneTimeout = 300 * time.Millisecond
	r.BreakerCooldown = 400 * time.Millisecond
	h.hang.Store(true)
	ctx := context.Background()
	blob := []byte("x")
	start := time.Now()
	if err := r.Put(ctx, blobstore.ChunkKey{DataID: "d", Index: 0}, blob); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("first write took %v, want it to wait for the zone timeout", d)
	}
	start = time.Now()
	for i := 1; i <= 10; i++ {
		if err := r.Put(ctx, blobstore.ChunkKey{DataID: "d", Index: i}, blob); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("10 writes with the zone marked down took %v, want them to skip it", d)
	}
	if n := h.calls.Load(); n != 1 {
		t.Errorf("calls reaching the black-holed zone = %d, want 1", n)
	}
	h.hang.Store(false)
	time.Sleep(450 * time.Millisecond)
	if err := r.Put(ctx, blobstore.ChunkKey{DataID: "d", Index: 11}, blob); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Driver.Get(ctx, blobstore.ChunkKey{DataID: "d", Index: 11}); err != nil {
		t.Errorf("after the cooldown the zone was not written again: %v", err)
	}
	if !errors.Is(errZoneSkipped, blobstore.ErrUnavailable) {
		t.Error("a skipped zone's error must read as unavailable")
	}
}
