package metatest

import (
	"fmt"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

func newEntry(due time.Time, dataID string) meta.GCEntry {
	return meta.GCEntry{Due: due, DataID: dataID, Bucket: "b", Key: "k/" + dataID, Size: 42, ChunkSize: 1 << 20}
}

func queueLen(t *testing.T, s meta.Store) int64 {
	t.Helper()
	n, err := s.Len(t.Context())
	noErr(t, "Len", err)
	return n
}

func dueIDs(t *testing.T, s meta.Store, now time.Time, limit int) []string {
	t.Helper()
	es, err := s.DueEntries(t.Context(), now, limit)
	noErr(t, fmt.Sprintf("DueEntries(%v, %d)", now, limit), err)
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.DataID
	}
	return ids
}

func testQueue(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		want := meta.GCEntry{
			Due: t0, DataID: "data-1", Bucket: "b", Key: "k", UploadID: "u1",
			PartNumber: 3, Size: 5 << 20, ChunkSize: 1 << 20,
		}
		noErr(t, "Enqueue", s.Enqueue(t.Context(), want))
		es, err := s.DueEntries(t.Context(), t0, 10)
		noErr(t, "DueEntries", err)
		if len(es) != 1 {
			t.Fatalf("DueEntries: got %d entries, want 1", len(es))
		}
		if d := diffEntry(es[0], want); d != "" {
			t.Errorf("DueEntries: %s", d)
		}
	})
	t.Run("Due", func(t *testing.T) {
		s := newStore(t)
		if n := queueLen(t, s); n != 0 {
			t.Fatalf("Len of an empty queue: got %d, want 0", n)
		}
		for _, c := range []struct {
			offset time.Duration
			id     string
		}{{3 * time.Second, "c"}, {time.Second, "a"}, {-time.Hour, "old"}, {2 * time.Second, "b"}, {time.Hour, "later"}} {
			noErr(t, "Enqueue", s.Enqueue(t.Context(), newEntry(t0.Add(c.offset), c.id)))
		}
		for _, c := range []struct {
			now   time.Time
			limit int
			want  []string
		}{
			{t0.Add(-2 * time.Hour), 10, nil},
			{t0, 10, []string{"old"}},
			{t0.Add(2 * time.Second), 10, []string{"old", "a", "b"}}, // Due == now is due
			{t0.Add(2*time.Second - time.Millisecond), 10, []string{"old", "a"}},
			{t0.Add(2 * time.Second), 2, []string{"old", "a"}},
			{t0.Add(24 * time.Hour), 1, []string{"old"}},
			{t0.Add(24 * time.Hour), 10, []string{"old", "a", "b", "c", "later"}},
		} {
			if got := dueIDs(t, s, c.now, c.limit); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("DueEntries(t0%+v, %d): got %q, want %q", c.now.Sub(t0), c.limit, got, c.want)
			}
		}
		if n := queueLen(t, s); n != 5 {
			t.Errorf("Len: got %d, want 5", n)
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := newStore(t)
		e := newEntry(t0, "d")
		for range 3 {
			noErr(t, "Enqueue", s.Enqueue(t.Context(), e))
		}
		if n := queueLen(t, s); n != 1 {
			t.Errorf("Len after enqueueing one entry 3 times: got %d, want 1", n)
		}
		// The same data at another time is another entry.
		noErr(t, "Enqueue", s.Enqueue(t.Context(), newEntry(t0.Add(time.Minute), "d")))
		if n := queueLen(t, s); n != 2 {
			t.Errorf("Len: got %d, want 2", n)
		}
		// Entries due at the same instant are all returned.
		noErr(t, "Enqueue", s.Enqueue(t.Context(), newEntry(t0, "c")))
		noErr(t, "Enqueue", s.Enqueue(t.Context(), newEntry(t0, "e")))
		if got := dueIDs(t, s, t0, 10); len(got) != 3 {
			t.Errorf("DueEntries(t0): got %q, want c, d and e", got)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		s := newStore(t)
		a, b := newEntry(t0, "a"), newEntry(t0.Add(time.Second), "b")
		noErr(t, "Enqueue", s.Enqueue(t.Context(), a))
		noErr(t, "Enqueue", s.Enqueue(t.Context(), b))
		noErr(t, "Remove", s.Remove(t.Context(), a))
		if got := dueIDs(t, s, t0.Add(time.Hour), 10); fmt.Sprint(got) != "[b]" {
			t.Errorf("DueEntries after Remove(a): got %q, want [b]", got)
		}
		if n := queueLen(t, s); n != 1 {
			t.Errorf("Len after Remove: got %d, want 1", n)
		}
		noErr(t, "Remove of an absent entry", s.Remove(t.Context(), a))
		// Remove matches Due as well as DataID.
		noErr(t, "Remove with another Due", s.Remove(t.Context(), newEntry(t0, "b")))
		if n := queueLen(t, s); n != 1 {
			t.Errorf("Len after Remove of another Due: got %d, want 1", n)
		}
		noErr(t, "Remove", s.Remove(t.Context(), b))
		if n := queueLen(t, s); n != 0 {
			t.Errorf("Len after removing all: got %d, want 0", n)
		}
	})
}
