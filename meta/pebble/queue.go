package pebble

import (
	"context"
	"fmt"
	"time"

	"github.com/dolium/dolium/meta"
)

// The queue is keyed by (Due, DataID), Due as big-endian Unix nanoseconds,
// so the due entries are one range scan from the start of the table.

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
	var out []meta.GCEntry
	err := s.scan(ctx, []byte{tagQueue}, successor(queueDuePrefix(now.UnixNano())), func(_, v []byte) (bool, error) {
		var rec gcRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, rec.entry())
		return limit <= 0 || len(out) < limit, nil
	})
	return out, err
}

// Remove deletes e; removing an absent entry is not an error.
func (s *Store) Remove(ctx context.Context, e meta.GCEntry) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	b := s.db.NewBatch()
	if err := b.Delete(queueKey(e.Due.UnixNano(), e.DataID), nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: remove: %w", err)
	}
	return s.commit(b)
}

// Len counts the entries with a scan; the queue is expected to stay small.
func (s *Store) Len(ctx context.Context) (int64, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.end()
	var n int64
	lower := []byte{tagQueue}
	err := s.scan(ctx, lower, successor(lower), func(_, _ []byte) (bool, error) {
		n++
		return true, nil
	})
	return n, err
}
