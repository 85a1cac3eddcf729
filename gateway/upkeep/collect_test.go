package upkeep

import (
	"context"
	"testing"
	"time"
)

// TestCollectOnce: a pass handles the due entries only, by the core's
// rule: the data an overwrite replaced is deleted once its entry is due,
// the current object's is kept; each pass counts what it did.
func TestCollectOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "k", randBytes(100<<10, 1))
	f.put(t, "k", randBytes(10, 2))
	// Both uploads' own entries were dropped at commit; the replaced data
	// is queued due after the reclaim delay.
	if st, err := f.w.CollectOnce(ctx, 100); err != nil || st.Processed != 0 || st.Deleted != 0 {
		t.Fatalf("CollectOnce before the reclaim delay = %+v, %v; want nothing due", st, err)
	}
	f.clock.Add(2 * time.Minute)
	st, err := f.w.CollectOnce(ctx, 100)
	if err != nil || st.Processed != 1 || st.Deleted != 1 {
		t.Fatalf("CollectOnce after the reclaim delay = %+v, %v; want 1 processed, 1 deleted", st, err)
	}
	n := 0
	f.drv.ListDataIDs(ctx, func(string) error { n++; return nil })
	if n != 1 {
		t.Errorf("data sets after collection = %d, want 1 (the current object's)", n)
	}
	if got := f.read(t, "k"); len(got) != 10 {
		t.Errorf("current object after collection: %d bytes, want 10", len(got))
	}
	if st, err := f.w.CollectOnce(ctx, 100); err != nil || st.Processed != 0 {
		t.Errorf("second CollectOnce = %+v, %v; want an empty queue", st, err)
	}
}
