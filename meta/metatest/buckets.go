package metatest

import (
	"slices"
	"testing"

	"github.com/dolium/dolium/meta"
)

func testBuckets(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("CreateGet", func(t *testing.T) {
		s := newStore(t)
		want := meta.Bucket{
			Name: "photos", Owner: "tenant-1", Created: t0, Region: "eu-west-1",
			Versioning: "Enabled", Placement: "ec-4-2", Shards: 16,
		}
		noErr(t, "CreateBucket", s.CreateBucket(t.Context(), want))
		got, err := s.GetBucket(t.Context(), "photos")
		noErr(t, "GetBucket", err)
		if d := diffBucket(got, want); d != "" {
			t.Errorf("GetBucket: %s", d)
		}
	})
	t.Run("CreateConflict", func(t *testing.T) {
		s := newStore(t)
		first := meta.Bucket{Name: "shared", Owner: "tenant-1", Created: t0}
		noErr(t, "CreateBucket", s.CreateBucket(t.Context(), first))
		err := s.CreateBucket(t.Context(), meta.Bucket{Name: "shared", Owner: "tenant-2", Created: t0})
		wantErr(t, "CreateBucket of a taken name", err, meta.ErrConflict)
		got, err := s.GetBucket(t.Context(), "shared")
		noErr(t, "GetBucket", err)
		if d := diffBucket(got, first); d != "" {
			t.Errorf("GetBucket after conflict: %s", d)
		}
	})
	t.Run("GetNotFound", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "bb")
		for _, name := range []string{"missing", "b", "bbb"} {
			_, err := s.GetBucket(t.Context(), name)
			wantErr(t, "GetBucket("+name+")", err, meta.ErrNotFound)
		}
	})
	t.Run("ListOrder", func(t *testing.T) {
		s := newStore(t)
		got, err := s.ListBuckets(t.Context())
		noErr(t, "ListBuckets of an empty store", err)
		if len(got) != 0 {
			t.Fatalf("ListBuckets of an empty store: got %d buckets, want 0", len(got))
		}
		names := []string{"b", "a-1", "bb", "a", "c", "b.b", "a0"}
		for _, n := range names {
			createBucket(t, s, n)
		}
		got, err = s.ListBuckets(t.Context())
		noErr(t, "ListBuckets", err)
		var gotNames []string
		for _, b := range got {
			gotNames = append(gotNames, b.Name)
		}
		want := slices.Sorted(slices.Values(names))
		if !slices.Equal(gotNames, want) {
			t.Errorf("ListBuckets: got %q, want %q", gotNames, want)
		}
		for _, b := range got {
			if b.Owner != "owner" || !b.Created.Equal(t0) {
				t.Errorf("ListBuckets: got %+v, want Owner %q and Created %v", b, "owner", t0)
			}
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "a")
		createBucket(t, s, "b")
		noErr(t, "DeleteBucket(a)", s.DeleteBucket(t.Context(), "a"))
		_, err := s.GetBucket(t.Context(), "a")
		wantErr(t, "GetBucket after delete", err, meta.ErrNotFound)
		wantErr(t, "DeleteBucket again", s.DeleteBucket(t.Context(), "a"), meta.ErrNotFound)
		wantErr(t, "DeleteBucket(missing)", s.DeleteBucket(t.Context(), "missing"), meta.ErrNotFound)
		got, err := s.ListBuckets(t.Context())
		noErr(t, "ListBuckets", err)
		if len(got) != 1 || got[0].Name != "b" {
			t.Errorf("ListBuckets after delete: got %+v, want only bucket b", got)
		}
		// The name is free again.
		createBucket(t, s, "a")
	})
}
