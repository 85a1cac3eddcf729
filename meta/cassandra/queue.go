package cassandra

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
)

const (
	// slotMillis is the width of a queue partition: entries due in the same
	// ten minutes share one (doc.go explains the choice). Changing it
	// changes the storage format.
	slotMillis = int64(10 * time.Minute / time.Millisecond)
	// skewSlots is the clock skew between gateways that the queue
	// tolerates, in slots (one hour): the mark never passes the slot that
	// far before the current one.
	skewSlots = int64(time.Hour/time.Millisecond) / slotMillis
	// lenHorizon is how far past now Len looks for entries, in slots (48 hours).
	lenHorizon = int64(48*time.Hour/time.Millisecond) / slotMillis
	// window is how many slots the queue reads at once.
	window = 16
	// lenBatch is how many slots one query of Len counts.
	lenBatch = 200

	// Every queue's low-water mark is one row of gc_mark, named by id.
	initMark  = `INSERT INTO gc_mark (id, slot) VALUES (?, ?) IF NOT EXISTS`
	readMark  = `SELECT slot FROM gc_mark WHERE id = ?`
	raiseMark = `UPDATE gc_mark SET slot = ? WHERE id = ? IF slot = ?`
	lowerMark = `UPDATE gc_mark SET slot = ? WHERE id = ? IF slot > ?`

	enqueue = `INSERT INTO gc_queue (slot, due, data_id, bucket, key, upload_id, part_number, size, chunk_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	remove  = `DELETE FROM gc_queue WHERE slot = ? AND due = ? AND data_id = ?`

	enqueueRepair = `INSERT INTO repair_queue (slot, due, data_id, idx, zone, del, placement, attempts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
	removeRepair  = `DELETE FROM repair_queue WHERE slot = ? AND due = ? AND data_id = ? AND idx = ? AND zone = ? AND del = ?`
)

// slotOf is the queue partition of an entry due at t.
func slotOf(t time.Time) int64 {
	ms := t.UnixMilli()
	s := ms / slotMillis
	if ms%slotMillis < 0 {
		s--
	}
	return s
}

// slotQueue is one queue table partitioned by slot and clustered by due
// time first, with its low-water mark in the gc_mark row markID: the GC
// queue and the repair queue are two (doc.go describes the design). E is
// the entry type.
type slotQueue[E any] struct {
	s      *Store
	name   string // in errors
	markID string
	// selectDue reads the entries of a slot due by a time, oldest first:
	// SELECT <columns> FROM <table> WHERE slot = ? AND due <= ? LIMIT ?.
	selectDue string
	// countIn counts the entries of a list of slots.
	countIn string
	// scan reads one row of selectDue.
	scan func(sc gocql.Scanner) (E, error)

	// last caches the last low-water mark this store read.
	last atomic.Int64
}

func newSlotQueue[E any](s *Store, name, markID, table, columns string, scan func(gocql.Scanner) (E, error)) *slotQueue[E] {
	return &slotQueue[E]{
		s: s, name: name, markID: markID,
		selectDue: `SELECT ` + columns + ` FROM ` + table + ` WHERE slot = ? AND due <= ? LIMIT ?`,
		countIn:   `SELECT COUNT(*) FROM ` + table + ` WHERE slot IN ?`,
		scan:      scan,
	}
}

func newGCQueue(s *Store) *slotQueue[meta.GCEntry] {
	return newSlotQueue(s, "gc", "gc", "gc_queue",
		"due, data_id, bucket, key, upload_id, part_number, size, chunk_size",
		func(sc gocql.Scanner) (meta.GCEntry, error) {
			var e meta.GCEntry
			var key []byte
			err := sc.Scan(&e.Due, &e.DataID, &e.Bucket, &key, &e.UploadID, &e.PartNumber, &e.Size, &e.ChunkSize)
			e.Key = string(key)
			return e, err
		})
}

func newRepairQueue(s *Store) *slotQueue[meta.RepairEntry] {
	return newSlotQueue(s, "repair", "repair", "repair_queue",
		"due, data_id, idx, zone, del, placement, attempts",
		func(sc gocql.Scanner) (meta.RepairEntry, error) {
			var e meta.RepairEntry
			err := sc.Scan(&e.Due, &e.DataID, &e.Index, &e.Zone, &e.Delete, &e.Placement, &e.Attempts)
			return e, err
		})
}

// Enqueue adds e; the same Due and DataID is the same row.
func (s *Store) Enqueue(ctx context.Context, e meta.GCEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.gcQueue.add(ctx, e.Due, enqueue, e.DataID, e.Bucket, []byte(e.Key), e.UploadID, e.PartNumber, e.Size, e.ChunkSize)
}

// Remove deletes e (no error if absent).
func (s *Store) Remove(ctx context.Context, e meta.GCEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.gcQueue.remove(ctx, e.Due, remove, e.DataID)
}

// DueEntries returns up to limit entries with Due <= now, oldest first
// (ties in DataID order).
func (s *Store) DueEntries(ctx context.Context, now time.Time, limit int) ([]meta.GCEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.gcQueue.due(ctx, now, limit)
}

// Len counts the entries due up to 48 hours past now (for metrics).
func (s *Store) Len(ctx context.Context) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	return s.gcQueue.count(ctx)
}

// EnqueueRepair adds e; the same (Due at millisecond precision, DataID,
// Index, Zone, Delete) is the same row, whose Placement and Attempts it
// overwrites.
func (s *Store) EnqueueRepair(ctx context.Context, e meta.RepairEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.repairQueue.add(ctx, e.Due, enqueueRepair, e.DataID, e.Index, e.Zone, e.Delete, e.Placement, e.Attempts)
}

// RemoveRepair deletes e (no error if absent).
func (s *Store) RemoveRepair(ctx context.Context, e meta.RepairEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	return s.repairQueue.remove(ctx, e.Due, removeRepair, e.DataID, e.Index, e.Zone, e.Delete)
}

// DueRepairs returns up to limit entries with Due <= now, oldest first,
// ties in (DataID, Index, Zone, Delete) order.
func (s *Store) DueRepairs(ctx context.Context, now time.Time, limit int) ([]meta.RepairEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	return s.repairQueue.due(ctx, now, limit)
}

// RepairLen counts the entries due up to 48 hours past now.
func (s *Store) RepairLen(ctx context.Context) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	return s.repairQueue.count(ctx)
}

// initMark creates the low-water mark if it is missing, as high as a
// collector could have moved it.
func (q *slotQueue[E]) initMark(ctx context.Context) error {
	applied, cur, err := cas(q.s.lwt(ctx, initMark, q.markID, slotOf(timeNow())-skewSlots))
	if err != nil {
		return q.s.wrap("init "+q.name+" mark", err)
	}
	if !applied {
		if m, ok := cur["slot"].(int64); ok {
			q.last.Store(m)
		}
	}
	return nil
}

// mark reads the queue's low-water mark: no slot below it holds entries.
func (q *slotQueue[E]) mark(ctx context.Context) (int64, error) {
	var m int64
	err := q.s.serialRead(ctx, readMark, q.markID).Idempotent(true).Scan(&m)
	if errors.Is(err, gocql.ErrNotFound) {
		// Only a truncation of gc_mark alone can get here.
		if err := q.initMark(ctx); err != nil {
			return 0, err
		}
		err = q.s.serialRead(ctx, readMark, q.markID).Idempotent(true).Scan(&m)
	}
	if err != nil {
		return 0, q.s.wrap("read "+q.name+" mark", err)
	}
	q.last.Store(m)
	return m, nil
}

// lower moves the mark down to slot if it is above it.
func (q *slotQueue[E]) lower(ctx context.Context, slot int64) error {
	_, _, err := cas(q.s.lwt(ctx, lowerMark, slot, q.markID, slot))
	return q.s.wrap("lower "+q.name+" mark", err)
}

// add runs insert, an INSERT whose values are (slot, due, rest...), with
// due truncated to the millisecond. An entry due before the current slot
// (by this gateway's clock) may land in a slot that a collector is about
// to pass over, so it also lowers the mark to its slot. Later entries need
// no such step: the mark never passes the slot an hour before the current
// one, and clocks are assumed to agree within an hour.
func (q *slotQueue[E]) add(ctx context.Context, due time.Time, insert string, rest ...any) error {
	due = due.Truncate(time.Millisecond)
	slot := slotOf(due)
	err := q.s.q(ctx, insert, append([]any{slot, due}, rest...)...).Idempotent(true).Exec()
	if err != nil {
		return q.s.wrap("enqueue "+q.name, err)
	}
	if slot < slotOf(timeNow()) {
		return q.lower(ctx, slot)
	}
	return nil
}

// remove runs del, a DELETE whose values are (slot, due, rest...), with due
// truncated to the millisecond.
func (q *slotQueue[E]) remove(ctx context.Context, due time.Time, del string, rest ...any) error {
	due = due.Truncate(time.Millisecond)
	err := q.s.q(ctx, del, append([]any{slotOf(due), due}, rest...)...).Idempotent(true).Exec()
	return q.s.wrap("remove "+q.name, err)
}

// readSlots runs f on the slots [from, to] a window at a time, the slots of
// a window in parallel, and calls done with each window's slots in order;
// it stops when done returns false.
func readSlots[T any](ctx context.Context, from, to int64, f func(ctx context.Context, slot int64) (T, error), done func(slot int64, v T) bool) error {
	for base := from; base <= to; base += window {
		n := int(min(window, to-base+1))
		vs := make([]T, n)
		err := forShards(ctx, n, func(ctx context.Context, i int) error {
			var err error
			vs[i], err = f(ctx, base+int64(i))
			return err
		})
		if err != nil {
			return err
		}
		for i, v := range vs {
			if !done(base+int64(i), v) {
				return nil
			}
		}
	}
	return nil
}

// due returns up to limit entries with Due <= now, in clustering order,
// reading the slots from the mark to now's. It then moves the mark past
// the leading slots it found empty (see doc.go).
func (q *slotQueue[E]) due(ctx context.Context, now time.Time, limit int) ([]E, error) {
	mark, err := q.mark(ctx)
	if err != nil {
		return nil, err
	}
	nowSlot := slotOf(now)
	var out []E
	firstFull := int64(-1 << 63) // the first slot that holds an entry
	next := mark                 // the first slot not read
	err = readSlots(ctx, mark, nowSlot, func(ctx context.Context, slot int64) ([]E, error) {
		return q.dueIn(ctx, slot, now, limit)
	}, func(slot int64, es []E) bool {
		if len(es) > 0 && firstFull == -1<<63 {
			firstFull = slot
		}
		if limit > 0 {
			es = es[:min(len(es), limit-len(out))]
		}
		out = append(out, es...)
		next = slot + 1
		return limit <= 0 || len(out) < limit
	})
	if err != nil {
		return nil, q.s.wrap("due "+q.name+" entries", err)
	}
	// Every slot in [mark, newMark) was read whole and found empty.
	newMark := min(next, nowSlot, slotOf(timeNow())-skewSlots)
	if firstFull != -1<<63 {
		newMark = min(newMark, firstFull)
	}
	if newMark > mark {
		if err := q.raise(ctx, mark, newMark); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// raise moves the mark from old to new, then reads the slots it passed
// over again: an add into one of them that the first read missed is seen
// now, or else its own check saw the new mark and lowered it.
func (q *slotQueue[E]) raise(ctx context.Context, old, new int64) error {
	applied, _, err := cas(q.s.lwt(ctx, raiseMark, new, q.markID, old))
	if err != nil || !applied {
		return q.s.wrap("raise "+q.name+" mark", err) // another collector moved it
	}
	q.last.Store(new)
	var full int64
	found := false
	err = readSlots(ctx, old, new-1, func(ctx context.Context, slot int64) (bool, error) {
		es, err := q.dueIn(ctx, slot, time.UnixMilli((slot+1)*slotMillis), 1)
		return len(es) > 0, err
	}, func(slot int64, has bool) bool {
		if has {
			full, found = slot, true
		}
		return !has
	})
	if err != nil {
		return q.s.wrap("raise "+q.name+" mark", err)
	}
	if found {
		return q.lower(ctx, full)
	}
	return nil
}

// dueIn reads up to limit entries of slot with due <= now, in clustering
// order (limit <= 0: no limit).
func (q *slotQueue[E]) dueIn(ctx context.Context, slot int64, now time.Time, limit int) ([]E, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	iter := q.s.q(ctx, q.selectDue, slot, now, limit).Idempotent(true).PageSize(min(limit, 1000)).Iter()
	sc := iter.Scanner()
	var out []E
	for sc.Next() {
		e, err := q.scan(sc)
		if err != nil {
			iter.Close()
			return nil, err
		}
		out = append(out, e)
	}
	return out, sc.Err()
}

// count counts the entries in the slots from the mark to 48 hours past
// now: entries due later are not counted. Each query counts a run of
// lenBatch slots (an IN query the coordinator fans out).
func (q *slotQueue[E]) count(ctx context.Context) (int64, error) {
	mark, err := q.mark(ctx)
	if err != nil {
		return 0, err
	}
	last := slotOf(timeNow()) + lenHorizon
	var total int64
	batches := (last - mark + lenBatch) / lenBatch
	err = readSlots(ctx, 0, batches-1, func(ctx context.Context, b int64) (int64, error) {
		var slots []int64
		for sl := mark + b*lenBatch; sl <= min(last, mark+(b+1)*lenBatch-1); sl++ {
			slots = append(slots, sl)
		}
		var n int64
		err := q.s.q(ctx, q.countIn, slots).Idempotent(true).Scan(&n)
		return n, err
	}, func(_ int64, n int64) bool {
		total += n
		return true
	})
	if err != nil {
		return 0, q.s.wrap(q.name+" len", err)
	}
	return total, nil
}
