package cassandra

import (
	"context"
	"errors"
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
	markID   = "gc"

	enqueue   = `INSERT INTO gc_queue (slot, due, data_id, bucket, key, upload_id, part_number, size, chunk_size) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	dueIn     = `SELECT due, data_id, bucket, key, upload_id, part_number, size, chunk_size FROM gc_queue WHERE slot = ? AND due <= ? LIMIT ?`
	countIn   = `SELECT COUNT(*) FROM gc_queue WHERE slot IN ?`
	remove    = `DELETE FROM gc_queue WHERE slot = ? AND due = ? AND data_id = ?`
	initMark  = `INSERT INTO gc_mark (id, slot) VALUES (?, ?) IF NOT EXISTS`
	readMark  = `SELECT slot FROM gc_mark WHERE id = ?`
	raiseMark = `UPDATE gc_mark SET slot = ? WHERE id = ? IF slot = ?`
	lowerMark = `UPDATE gc_mark SET slot = ? WHERE id = ? IF slot > ?`
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

// initQueueMark creates the low-water mark if it is missing, as high as a
// collector could have moved it.
func (s *Store) initQueueMark(ctx context.Context) error {
	applied, cur, err := cas(s.lwt(ctx, initMark, markID, slotOf(timeNow())-skewSlots))
	if err != nil {
		return s.wrap("init gc mark", err)
	}
	if !applied {
		if m, ok := cur["slot"].(int64); ok {
			s.queueMark.Store(m)
		}
	}
	return nil
}

// mark reads the queue's low-water mark: no slot below it holds entries.
func (s *Store) mark(ctx context.Context) (int64, error) {
	var m int64
	err := s.serialRead(ctx, readMark, markID).Idempotent(true).Scan(&m)
	if errors.Is(err, gocql.ErrNotFound) {
		// Only a truncation of gc_mark alone can get here.
		if err := s.initQueueMark(ctx); err != nil {
			return 0, err
		}
		err = s.serialRead(ctx, readMark, markID).Idempotent(true).Scan(&m)
	}
	if err != nil {
		return 0, s.wrap("read gc mark", err)
	}
	s.queueMark.Store(m)
	return m, nil
}

// lower moves the mark down to slot if it is above it.
func (s *Store) lower(ctx context.Context, slot int64) error {
	_, _, err := cas(s.lwt(ctx, lowerMark, slot, markID, slot))
	return s.wrap("lower gc mark", err)
}

// Enqueue adds e; the same Due and DataID is the same row. An entry due
// before the current slot (by this gateway's clock) may land in a slot that
// a collector is about to pass over, so it also lowers the mark to its slot.
// Later entries need no such step: the mark never passes the slot an hour
// before the current one, and clocks are assumed to agree within an hour.
func (s *Store) Enqueue(ctx context.Context, e meta.GCEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	due := e.Due.Truncate(time.Millisecond)
	slot := slotOf(due)
	err := s.q(ctx, enqueue, slot, due, e.DataID, e.Bucket, []byte(e.Key), e.UploadID, e.PartNumber, e.Size, e.ChunkSize).
		Idempotent(true).Exec()
	if err != nil {
		return s.wrap("enqueue", err)
	}
	if slot < slotOf(timeNow()) {
		return s.lower(ctx, slot)
	}
	return nil
}

// Remove deletes e (no error if absent).
func (s *Store) Remove(ctx context.Context, e meta.GCEntry) error {
	if err := s.check(); err != nil {
		return err
	}
	due := e.Due.Truncate(time.Millisecond)
	err := s.q(ctx, remove, slotOf(due), due, e.DataID).Idempotent(true).Exec()
	return s.wrap("remove", err)
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

// DueEntries returns up to limit entries with Due <= now, oldest first
// (ties in DataID order), reading the slots from the mark to now's. It then
// moves the mark past the leading slots it found empty (see doc.go).
func (s *Store) DueEntries(ctx context.Context, now time.Time, limit int) ([]meta.GCEntry, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	mark, err := s.mark(ctx)
	if err != nil {
		return nil, err
	}
	nowSlot := slotOf(now)
	var out []meta.GCEntry
	firstFull := int64(-1 << 63) // the first slot that holds an entry
	next := mark                 // the first slot not read
	err = readSlots(ctx, mark, nowSlot, func(ctx context.Context, slot int64) ([]meta.GCEntry, error) {
		return s.dueIn(ctx, slot, now, limit)
	}, func(slot int64, es []meta.GCEntry) bool {
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
		return nil, s.wrap("due entries", err)
	}
	// Every slot in [mark, newMark) was read whole and found empty.
	newMark := min(next, nowSlot, slotOf(timeNow())-skewSlots)
	if firstFull != -1<<63 {
		newMark = min(newMark, firstFull)
	}
	if newMark > mark {
		if err := s.raise(ctx, mark, newMark); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// raise moves the mark from old to new, then reads the slots it passed
// over again: an Enqueue into one of them that the first read missed is
// seen now, or else its own check saw the new mark and lowered it.
func (s *Store) raise(ctx context.Context, old, new int64) error {
	applied, _, err := cas(s.lwt(ctx, raiseMark, new, markID, old))
	if err != nil || !applied {
		return s.wrap("raise gc mark", err) // another collector moved it
	}
	s.queueMark.Store(new)
	var full int64
	found := false
	err = readSlots(ctx, old, new-1, func(ctx context.Context, slot int64) (bool, error) {
		es, err := s.dueIn(ctx, slot, time.UnixMilli((slot+1)*slotMillis), 1)
		return len(es) > 0, err
	}, func(slot int64, has bool) bool {
		if has {
			full, found = slot, true
		}
		return !has
	})
	if err != nil {
		return s.wrap("raise gc mark", err)
	}
	if found {
		return s.lower(ctx, full)
	}
	return nil
}

func (s *Store) dueIn(ctx context.Context, slot int64, now time.Time, limit int) ([]meta.GCEntry, error) {
	if limit <= 0 {
		limit = 1 << 30
	}
	iter := s.q(ctx, dueIn, slot, now, limit).Idempotent(true).PageSize(min(limit, 1000)).Iter()
	sc := iter.Scanner()
	var out []meta.GCEntry
	for sc.Next() {
		var e meta.GCEntry
		var key []byte
		if err := sc.Scan(&e.Due, &e.DataID, &e.Bucket, &key, &e.UploadID, &e.PartNumber, &e.Size, &e.ChunkSize); err != nil {
			iter.Close()
			return nil, err
		}
		e.Key = string(key)
		out = append(out, e)
	}
	return out, sc.Err()
}

// Len counts the entries in the slots from the mark to 48 hours past now:
// entries due later are not counted. It is meant for metrics. Each query
// counts a run of lenBatch slots (an IN query the coordinator fans out).
func (s *Store) Len(ctx context.Context) (int64, error) {
	if err := s.check(); err != nil {
		return 0, err
	}
	mark, err := s.mark(ctx)
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
		err := s.q(ctx, countIn, slots).Idempotent(true).Scan(&n)
		return n, err
	}, func(_ int64, n int64) bool {
		total += n
		return true
	})
	if err != nil {
		return 0, s.wrap("len", err)
	}
	return total, nil
}
