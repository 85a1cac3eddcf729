package metatest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

func newRepair(due time.Time, dataID string, index, zone int, del bool) meta.RepairEntry {
	return meta.RepairEntry{Due: due, Placement: "p", DataID: dataID, Index: index, Zone: zone, Delete: del}
}

// repairName names an entry's identity other than Due: "d/1/2", or
// "d/1/2/del" for a delete.
func repairName(e meta.RepairEntry) string {
	n := fmt.Sprintf("%s/%d/%d", e.DataID, e.Index, e.Zone)
	if e.Delete {
		n += "/del"
	}
	return n
}

func repairLen(t *testing.T, s meta.Store) int64 {
	t.Helper()
	n, err := s.RepairLen(t.Context())
	noErr(t, "RepairLen", err)
	return n
}

func dueRepairs(t *testing.T, s meta.Store, now time.Time, limit int) []meta.RepairEntry {
	t.Helper()
	es, err := s.DueRepairs(t.Context(), now, limit)
	noErr(t, fmt.Sprintf("DueRepairs(%v, %d)", now, limit), err)
	return es
}

// dueRepairNames returns the names of the due entries, in order.
func dueRepairNames(t *testing.T, s meta.Store, now time.Time, limit int) []string {
	t.Helper()
	es := dueRepairs(t, s, now, limit)
	names := make([]string, len(es))
	for i, e := range es {
		names[i] = repairName(e)
	}
	return names
}

func diffRepair(got, want meta.RepairEntry) string {
	var diffs []string
	timeField("Due", &got.Due, &want.Due, &diffs)
	if got != want {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func enqueueRepair(t *testing.T, s meta.Store, e meta.RepairEntry) {
	t.Helper()
	noErr(t, fmt.Sprintf("EnqueueRepair(%s at t0%+v)", repairName(e), e.Due.Sub(t0)), s.EnqueueRepair(t.Context(), e))
}

func testRepairQueue(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		copyRepair := meta.RepairEntry{Due: t0, Placement: "eu-3zones", DataID: "data-1", Index: 7, Zone: 2, Attempts: 3}
		deleteRepair := meta.RepairEntry{Due: t0, Placement: "us-ec-4+2", DataID: "data-1", Index: -1, Zone: 1, Delete: true, Attempts: 11}
		enqueueRepair(t, s, copyRepair)
		enqueueRepair(t, s, deleteRepair)
		es := dueRepairs(t, s, t0, 10)
		if len(es) != 2 {
			t.Fatalf("DueRepairs: got %d entries, want 2", len(es))
		}
		// (data-1, -1, 1, true) sorts before (data-1, 7, 2, false).
		if d := diffRepair(es[0], deleteRepair); d != "" {
			t.Errorf("DueRepairs[0]: %s", d)
		}
		if d := diffRepair(es[1], copyRepair); d != "" {
			t.Errorf("DueRepairs[1]: %s", d)
		}
	})
	t.Run("Due", func(t *testing.T) {
		s := newStore(t)
		if n := repairLen(t, s); n != 0 {
			t.Fatalf("RepairLen of an empty queue: got %d, want 0", n)
		}
		for _, c := range []struct {
			offset time.Duration
			id     string
		}{{3 * time.Second, "c"}, {time.Second, "a"}, {-time.Hour, "old"}, {2 * time.Second, "b"}, {time.Hour, "later"}, {25 * time.Hour, "tomorrow"}} {
			enqueueRepair(t, s, newRepair(t0.Add(c.offset), c.id, 0, 0, false))
		}
		for _, c := range []struct {
			now   time.Time
			limit int
			want  []string
		}{
			{t0.Add(-2 * time.Hour), 10, nil},
			{t0, 10, []string{"old/0/0"}},
			{t0.Add(2 * time.Second), 10, []string{"old/0/0", "a/0/0", "b/0/0"}}, // Due == now is due
			{t0.Add(2*time.Second - time.Millisecond), 10, []string{"old/0/0", "a/0/0"}},
			{t0.Add(2 * time.Second), 2, []string{"old/0/0", "a/0/0"}},
			{t0.Add(24 * time.Hour), 1, []string{"old/0/0"}},
			{t0.Add(24 * time.Hour), 10, []string{"old/0/0", "a/0/0", "b/0/0", "c/0/0", "later/0/0"}},
			{t0.Add(48 * time.Hour), 0, []string{"old/0/0", "a/0/0", "b/0/0", "c/0/0", "later/0/0", "tomorrow/0/0"}}, // no limit
		} {
			if got := dueRepairNames(t, s, c.now, c.limit); fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("DueRepairs(t0%+v, %d): got %q, want %q", c.now.Sub(t0), c.limit, got, c.want)
			}
		}
		if n := repairLen(t, s); n != 6 {
			t.Errorf("RepairLen: got %d, want 6", n)
		}
	})
	t.Run("Order", func(t *testing.T) {
		// Entries due at the same instant come in (DataID, Index, Zone,
		// Delete) order, whatever the order they were added in.
		s := newStore(t)
		want := []meta.RepairEntry{
			newRepair(t0, "a", 5, 9, true),
			newRepair(t0, "b", -1, 0, true),
			newRepair(t0, "b", 0, 0, false),
			newRepair(t0, "b", 0, 0, true),
			newRepair(t0, "b", 0, 1, false),
			newRepair(t0, "b", 0, 10, false),
			newRepair(t0, "b", 2, 0, false),
			newRepair(t0, "b", 10, 0, false),
			newRepair(t0, "b\x00", 0, 0, false),
			newRepair(t0, "bb", 0, 0, false),
			newRepair(t0.Add(time.Millisecond), "a", 0, 0, false),
		}
		for _, i := range []int{7, 3, 10, 0, 5, 9, 1, 6, 4, 8, 2} {
			enqueueRepair(t, s, want[i])
		}
		var names []string
		for _, e := range want {
			names = append(names, repairName(e))
		}
		if got := dueRepairNames(t, s, t0.Add(time.Second), 0); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", names) {
			t.Errorf("DueRepairs: got %q, want %q", got, names)
		}
		if got := dueRepairNames(t, s, t0, 3); fmt.Sprintf("%q", got) != fmt.Sprintf("%q", names[:3]) {
			t.Errorf("DueRepairs(t0, 3): got %q, want %q", got, names[:3])
		}
		if n := repairLen(t, s); n != int64(len(want)) {
			t.Errorf("RepairLen: got %d, want %d", n, len(want))
		}
	})
	t.Run("Idempotent", func(t *testing.T) {
		s := newStore(t)
		e := newRepair(t0, "d", 3, 1, false)
		for i := range 3 {
			e.Attempts = i
			enqueueRepair(t, s, e)
		}
		if n := repairLen(t, s); n != 1 {
			t.Errorf("RepairLen after enqueueing one entry 3 times: got %d, want 1", n)
		}
		// The payload is the last enqueued.
		e.Placement = "other"
		enqueueRepair(t, s, e)
		if es := dueRepairs(t, s, t0, 10); len(es) != 1 || diffRepair(es[0], e) != "" {
			t.Errorf("DueRepairs after enqueueing the same identity again: got %+v, want [%+v]", es, e)
		}
		// Each part of the identity makes another entry.
		for _, other := range []meta.RepairEntry{
			newRepair(t0.Add(time.Millisecond), "d", 3, 1, false),
			newRepair(t0, "d2", 3, 1, false),
			newRepair(t0, "d", 4, 1, false),
			newRepair(t0, "d", 3, 2, false),
			newRepair(t0, "d", 3, 1, true),
		} {
			enqueueRepair(t, s, other)
		}
		if n := repairLen(t, s); n != 6 {
			t.Errorf("RepairLen: got %d, want 6", n)
		}
	})
	t.Run("Millisecond", func(t *testing.T) {
		// Due is part of the identity at millisecond precision: times in
		// the same millisecond name the same entry, which comes back due
		// at the start of that millisecond.
		s := newStore(t)
		e := newRepair(t0.Add(300*time.Microsecond), "d", 0, 0, false)
		enqueueRepair(t, s, e)
		e.Due, e.Attempts = t0.Add(700*time.Microsecond), 1
		enqueueRepair(t, s, e)
		if n := repairLen(t, s); n != 1 {
			t.Fatalf("RepairLen after enqueueing twice in one millisecond: got %d, want 1", n)
		}
		want := e
		want.Due = t0
		es := dueRepairs(t, s, t0, 10)
		if len(es) != 1 || diffRepair(es[0], want) != "" {
			t.Errorf("DueRepairs(t0): got %+v, want [%+v]", es, want)
		}
		if got := dueRepairNames(t, s, t0.Add(-time.Nanosecond), 10); len(got) != 0 {
			t.Errorf("DueRepairs(t0-1ns): got %q, want none", got)
		}
		e.Due = t0.Add(999 * time.Microsecond)
		noErr(t, "RemoveRepair in the same millisecond", s.RemoveRepair(t.Context(), e))
		if n := repairLen(t, s); n != 0 {
			t.Errorf("RepairLen after RemoveRepair: got %d, want 0", n)
		}
	})
	t.Run("Remove", func(t *testing.T) {
		s := newStore(t)
		a, b := newRepair(t0, "a", 0, 1, true), newRepair(t0.Add(time.Second), "b", 2, 0, false)
		enqueueRepair(t, s, a)
		enqueueRepair(t, s, b)
		noErr(t, "RemoveRepair", s.RemoveRepair(t.Context(), a))
		if got := dueRepairNames(t, s, t0.Add(time.Hour), 10); fmt.Sprint(got) != "[b/2/0]" {
			t.Errorf("DueRepairs after RemoveRepair(a): got %q, want [b/2/0]", got)
		}
		if n := repairLen(t, s); n != 1 {
			t.Errorf("RepairLen after RemoveRepair: got %d, want 1", n)
		}
		noErr(t, "RemoveRepair of an absent entry", s.RemoveRepair(t.Context(), a))
		// RemoveRepair matches the whole identity; the payload does not matter.
		for _, other := range []meta.RepairEntry{
			newRepair(t0, "b", 2, 0, false),
			newRepair(t0.Add(time.Second), "b", 3, 0, false),
			newRepair(t0.Add(time.Second), "b", 2, 1, false),
			newRepair(t0.Add(time.Second), "b", 2, 0, true),
		} {
			noErr(t, "RemoveRepair of another identity", s.RemoveRepair(t.Context(), other))
		}
		if n := repairLen(t, s); n != 1 {
			t.Errorf("RepairLen after RemoveRepair of other identities: got %d, want 1", n)
		}
		b.Placement, b.Attempts = "elsewhere", 9
		noErr(t, "RemoveRepair", s.RemoveRepair(t.Context(), b))
		if n := repairLen(t, s); n != 0 {
			t.Errorf("RepairLen after removing all: got %d, want 0", n)
		}
		if got := dueRepairNames(t, s, t0.Add(time.Hour), 10); len(got) != 0 {
			t.Errorf("DueRepairs after removing all: got %q, want none", got)
		}
	})
}
