package pebble_test

import (
	"errors"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/metatest"
	"github.com/dolium/dolium/meta/pebble"
)

func open(t *testing.T, dir string) *pebble.Store {
	t.Helper()
	s, err := pebble.Open(dir, pebble.Options{})
	if err != nil {
		t.Fatalf("Open: got error %v, want nil", err)
	}
	return s
}

func TestContract(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store {
		s := open(t, t.TempDir())
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: got error %v, want nil", err)
			}
		})
		return s
	})
}

// TestReopen closes the store and opens the directory again: every
// acknowledged write is there.
func TestReopen(t *testing.T) {
	dir := t.TempDir()
	ctx := t.Context()
	due := time.Date(2025, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	obj := meta.Object{
		Bucket: "b", Key: "dir/k", VersionID: "v1", Size: 3, ETag: "e", LastModified: due,
		UserMeta: map[string]string{"a": "\xff not UTF-8"},
		Extents:  []meta.Extent{{DataID: "d1", Size: 3, ChunkSize: 1 << 20}},
	}
	entry := meta.GCEntry{Due: due, DataID: "d0", Bucket: "b", Key: "dir/k"}
	repair := meta.RepairEntry{Due: due, Placement: "p", DataID: "d1", Index: -1, Zone: 2, Delete: true, Attempts: 4}

	s := open(t, dir)
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b", Owner: "o", Created: due}); err != nil {
		t.Fatalf("CreateBucket: got error %v, want nil", err)
	}
	if _, err := s.PutObject(ctx, obj, meta.Cond{}, nil); err != nil {
		t.Fatalf("PutObject: got error %v, want nil", err)
	}
	if err := s.CreateUpload(ctx, meta.Upload{Bucket: "b", Key: "big", UploadID: "u1", Initiated: due}); err != nil {
		t.Fatalf("CreateUpload: got error %v, want nil", err)
	}
	if _, err := s.PutPart(ctx, meta.Part{UploadID: "u1", PartNumber: 1, LastModified: due, Extent: meta.Extent{DataID: "p1", PartNumber: 1}}); err != nil {
		t.Fatalf("PutPart: got error %v, want nil", err)
	}
	if err := s.Enqueue(ctx, entry); err != nil {
		t.Fatalf("Enqueue: got error %v, want nil", err)
	}
	if err := s.EnqueueRepair(ctx, repair); err != nil {
		t.Fatalf("EnqueueRepair: got error %v, want nil", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: got error %v, want nil", err)
	}
	if err := s.Ping(ctx); !errors.Is(err, meta.ErrUnavailable) {
		t.Errorf("Ping after Close: got %v, want %v", err, meta.ErrUnavailable)
	}
	if _, err := s.GetObject(ctx, "b", "dir/k"); !errors.Is(err, meta.ErrUnavailable) {
		t.Errorf("GetObject after Close: got %v, want %v", err, meta.ErrUnavailable)
	}

	s = open(t, dir)
	defer s.Close()
	if _, err := s.GetBucket(ctx, "b"); err != nil {
		t.Errorf("GetBucket after reopen: got error %v, want nil", err)
	}
	got, err := s.GetObject(ctx, "b", "dir/k")
	if err != nil {
		t.Fatalf("GetObject after reopen: got error %v, want nil", err)
	}
	if got.VersionID != "v1" || !got.LastModified.Equal(due) || got.UserMeta["a"] != obj.UserMeta["a"] || len(got.Extents) != 1 || got.Extents[0].DataID != "d1" {
		t.Errorf("GetObject after reopen: got %+v, want %+v", got, obj)
	}
	if _, err := s.GetUpload(ctx, "b", "big", "u1"); err != nil {
		t.Errorf("GetUpload after reopen: got error %v, want nil", err)
	}
	if parts, err := s.ListParts(ctx, "u1", 0, 10); err != nil || len(parts) != 1 {
		t.Errorf("ListParts after reopen: got %+v, %v, want one part", parts, err)
	}
	if es, err := s.DueEntries(ctx, due, 10); err != nil || len(es) != 1 || es[0].DataID != "d0" {
		t.Errorf("DueEntries after reopen: got %+v, %v, want [%+v]", es, err, entry)
	}
	rs, err := s.DueRepairs(ctx, due, 10)
	if err != nil || len(rs) != 1 || !rs[0].Due.Equal(due) {
		t.Fatalf("DueRepairs after reopen: got %+v, %v, want [%+v]", rs, err, repair)
	}
	if rs[0].Due = repair.Due; rs[0] != repair {
		t.Errorf("DueRepairs after reopen: got %+v, %v, want [%+v]", rs, err, repair)
	}
}

func tempStore(t *testing.T) *pebble.Store {
	t.Helper()
	s := open(t, t.TempDir())
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: got error %v, want nil", err)
		}
	})
	return s
}

// TestListVersionsMany pages through 5,000 versions of 1,250 keys, written
// concurrently, against a model (see metatest.ListVersionsMany). Fewer
// than on Cassandra: under the race detector every row decode (gob) costs
// milliseconds here, and the Cassandra tests run alongside.
func TestListVersionsMany(t *testing.T) {
	metatest.ListVersionsMany(t, tempStore(t), metatest.ManyOptions{Keys: 1250, Versions: 5_000, Writers: 64})
}

// TestVersionRace: writers racing on the same keys leave each key one
// latest version, its greatest, and lose no acknowledged version.
func TestVersionRace(t *testing.T) {
	metatest.VersionRace(t, tempStore(t), metatest.RaceOptions{Keys: 4, Writers: 16, Ops: 40})
}
