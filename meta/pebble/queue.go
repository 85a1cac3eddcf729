package pebble

import (
	"context"
	"fmt"
	"time"

	"github.com/dolium/dolium/meta"
)

// Both queues are tables keyed by due time first, big-endian, so the due
// entries of either are one range scan from the start of its table:
//
//	q | due (Unix nanoseconds) | data id                                   -> GC entry
//	r | due (Unix milliseconds) | esc(data id) | index | zone | delete     -> repair entry

// Enqueue adds e; adding the same (Due, DataID) again overwrites it.
func (s *Store) Enqueue(ctx context.Context, e meta.GCEntry) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	return s.setRec(queueKey(e.Due.UnixNano(), e.DataID), toGCRec(e))
}

// DueEntries returns up to limit entries with Due <= now, oldest first
// (zero or less means no limit).
func (s *Store) DueEntries(ctx context.Context, now time.Time, limit int) ([]meta.GCEntry, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	return scanDue(ctx, s, []byte{tagQueue}, successor(queueDuePrefix(now.UnixNano())), limit, gcRec.entry)
}

// Remove deletes e; removing an absent entry is not an error.
func (s *Store) Remove(ctx context.Context, e meta.GCEntry) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	return s.deleteKey(queueKey(e.Due.UnixNano(), e.DataID))
}

// Len counts the entries with a scan; the queue is expected to stay small.
func (s *Store) Len(ctx context.Context) (int64, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.end()
	return s.count(ctx, []byte{tagQueue})
}

// EnqueueRepair adds e; adding the same (Due at millisecond precision,
// DataID, Index, Zone, Delete) again overwrites its Placement and Attempts.
func (s *Store) EnqueueRepair(ctx context.Context, e meta.RepairEntry) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	return s.setRec(repairKey(e), toRepairRec(e))
}

// DueRepairs returns up to limit entries with Due <= now, oldest first,
// ties in (DataID, Index, Zone, Delete) order (zero or less means no limit).
func (s *Store) DueRepairs(ctx context.Context, now time.Time, limit int) ([]meta.RepairEntry, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	return scanDue(ctx, s, []byte{tagRepair}, successor(repairDuePrefix(now.UnixMilli())), limit, repairRec.entry)
}

// RemoveRepair deletes e; removing an absent entry is not an error.
func (s *Store) RemoveRepair(ctx context.Context, e meta.RepairEntry) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	return s.deleteKey(repairKey(e))
}

// RepairLen counts the entries with a scan; the queue is expected to stay
// small.
func (s *Store) RepairLen(ctx context.Context) (int64, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.end()
	return s.count(ctx, []byte{tagRepair})
}

// scanDue decodes the records of [lower, upper) in key order into entries,
// up to limit of them (zero or less means no limit).
func scanDue[R, E any](ctx context.Context, s *Store, lower, upper []byte, limit int, entry func(R) E) ([]E, error) {
	var out []E
	err := s.scan(ctx, lower, upper, func(_, v []byte) (bool, error) {
		var rec R
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, entry(rec))
		return limit <= 0 || len(out) < limit, nil
	})
	return out, err
}

// count counts the keys that start with prefix.
func (s *Store) count(ctx context.Context, prefix []byte) (int64, error) {
	var n int64
	err := s.scan(ctx, prefix, successor(prefix), func(_, _ []byte) (bool, error) {
		n++
		return true, nil
	})
	return n, err
}

// deleteKey removes k durably; removing an absent key is not an error.
func (s *Store) deleteKey(k []byte) error {
	b := s.db.NewBatch()
	if err := b.Delete(k, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: delete: %w", err)
	}
	return s.commit(b)
}
