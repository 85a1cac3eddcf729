package metatest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

func sameRebuild(got, want meta.Rebuild) string {
	eq := func(a, b time.Time) bool { return a.Equal(b) }
	if got.Zone != want.Zone || got.Version != want.Version || !eq(got.Started, want.Started) ||
		!eq(got.Finished, want.Finished) || !eq(got.Updated, want.Updated) || got.Cursor != want.Cursor ||
		got.Done != want.Done || got.Total != want.Total || got.Bytes != want.Bytes || got.Failed != want.Failed ||
		got.Owner != want.Owner || !eq(got.LeaseUntil, want.LeaseUntil) {
		return fmt.Sprintf("got %+v, want %+v", got, want)
	}
	return ""
}

func testRebuilds(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		_, err := s.GetRebuild(ctx, "z1")
		wantErr(t, "GetRebuild of a zone never rebuilt", err, meta.ErrNotFound)
		r := meta.Rebuild{
			Zone: "z1", Started: t0, Updated: t0.Add(time.Second), Cursor: "o\x00bucket\x00key \xff",
			Done: 10, Total: 100, Bytes: 10 << 20, Failed: 1, Owner: "gw-a", LeaseUntil: t0.Add(time.Minute),
		}
		got, err := s.PutRebuild(ctx, r)
		noErr(t, "PutRebuild(version 0)", err)
		r.Version = 1
		if d := sameRebuild(got, r); d != "" {
			t.Errorf("PutRebuild returned: %s", d)
		}
		got, err = s.GetRebuild(ctx, "z1")
		noErr(t, "GetRebuild", err)
		if d := sameRebuild(got, r); d != "" {
			t.Errorf("GetRebuild: %s", d)
		}
		if !got.Finished.IsZero() {
			t.Errorf("GetRebuild: Finished = %v, want the zero time", got.Finished)
		}
	})
	t.Run("CompareAndSet", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		r, err := s.PutRebuild(ctx, meta.Rebuild{Zone: "z", Started: t0, Owner: "a"})
		noErr(t, "PutRebuild(version 0)", err)
		_, err = s.PutRebuild(ctx, meta.Rebuild{Zone: "z", Started: t0, Owner: "b"})
		wantErr(t, "PutRebuild(version 0) of an existing row", err, meta.ErrPreconditionFailed)
		stale := r
		r.Done, r.Cursor = 5, "five"
		r, err = s.PutRebuild(ctx, r)
		noErr(t, "PutRebuild(version 1)", err)
		if r.Version != 2 {
			t.Errorf("PutRebuild(version 1) stored version %d, want 2", r.Version)
		}
		stale.Done = 99
		_, err = s.PutRebuild(ctx, stale)
		wantErr(t, "PutRebuild with a stale version", err, meta.ErrPreconditionFailed)
		got, err := s.GetRebuild(ctx, "z")
		noErr(t, "GetRebuild", err)
		if got.Version != 2 || got.Done != 5 || got.Cursor != "five" || got.Owner != "a" {
			t.Errorf("GetRebuild after a rejected write = %+v, want version 2, done 5, cursor five", got)
		}
	})
	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		rs, err := s.ListRebuilds(ctx)
		noErr(t, "ListRebuilds of an empty table", err)
		if len(rs) != 0 {
			t.Fatalf("ListRebuilds of an empty table: got %d rows, want 0", len(rs))
		}
		for _, z := range []string{"zc", "za", "zb"} {
			_, err := s.PutRebuild(ctx, meta.Rebuild{Zone: z, Started: t0, Total: int64(len(z))})
			noErr(t, "PutRebuild "+z, err)
		}
		rs, err = s.ListRebuilds(ctx)
		noErr(t, "ListRebuilds", err)
		var zones []string
		for _, r := range rs {
			zones = append(zones, r.Zone)
			if r.Version != 1 || r.Total != 2 {
				t.Errorf("ListRebuilds row %+v, want version 1, total 2", r)
			}
		}
		if fmt.Sprint(zones) != "[za zb zc]" {
			t.Errorf("ListRebuilds zones = %v, want [za zb zc]", zones)
		}
	})
	t.Run("OneWinner", func(t *testing.T) {
		// Gateways race to take a lease: exactly one write of each version
		// wins.
		s := newStore(t)
		ctx := t.Context()
		base, err := s.PutRebuild(ctx, meta.Rebuild{Zone: "z", Started: t0})
		noErr(t, "PutRebuild", err)
		const n = 8
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				r := base
				r.Owner = fmt.Sprintf("gw-%d", i)
				_, errs[i] = s.PutRebuild(ctx, r)
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, meta.ErrPreconditionFailed):
				t.Errorf("racer %d: PutRebuild = %v, want nil or ErrPreconditionFailed", i, err)
			}
		}
		if won != 1 {
			t.Errorf("%d of %d racing PutRebuilds of one version succeeded, want 1", won, n)
		}
	})
}
