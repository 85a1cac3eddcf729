package pebble

import (
	"context"
	"fmt"
	"time"

	"github.com/dolium/dolium/meta"
)

// Completion records live at c|upload id; each has an expiry index row at
// C|expires (8 bytes)|upload id, so that PutCompletion can drop expired
// records in key order without scanning the live ones.

type completionRec struct {
	C       meta.Completion
	Expires time.Time
}

func completionKey(uploadID string) []byte {
	return append([]byte{tagCompletion}, uploadID...)
}

func completionExpiryKey(expires time.Time, uploadID string) []byte {
	return append(appendInt([]byte{tagCompletionExp}, expires.UnixNano()), uploadID...)
}

// expireBatch bounds how many expired records one PutCompletion drops.
const expireBatch = 64

// PutCompletion records c for ttl from now, and drops up to expireBatch
// records that have expired.
func (s *Store) PutCompletion(ctx context.Context, c meta.Completion, ttl time.Duration) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	c.Done = utc(c.Done)
	rec := completionRec{C: c, Expires: time.Now().Add(ttl)}
	v, err := encode(rec)
	if err != nil {
		return err
	}
	k := completionKey(c.UploadID)
	defer s.lock(k)()
	var old completionRec
	had, err := s.getRec(k, &old)
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	if had {
		if err := b.Delete(completionExpiryKey(old.Expires, c.UploadID), nil); err != nil {
			b.Close()
			return fmt.Errorf("meta/pebble: put completion: %w", err)
		}
	}
	if err := b.Set(k, v, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: put completion: %w", err)
	}
	if err := b.Set(completionExpiryKey(rec.Expires, c.UploadID), nil, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: put completion: %w", err)
	}
	// Expired records: their index rows sort before now's.
	lower := []byte{tagCompletionExp}
	upper := appendInt([]byte{tagCompletionExp}, time.Now().UnixNano())
	n := 0
	err = s.scan(ctx, lower, upper, func(ik, _ []byte) (bool, error) {
		id := string(ik[9:])
		if id == c.UploadID {
			return true, nil
		}
		if err := b.Delete(append([]byte(nil), ik...), nil); err != nil {
			return false, err
		}
		if err := b.Delete(completionKey(id), nil); err != nil {
			return false, err
		}
		n++
		return n < expireBatch, nil
	})
	if err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: put completion: %w", err)
	}
	return s.commit(b)
}

// GetCompletion returns the record of uploadID unless it expired.
func (s *Store) GetCompletion(ctx context.Context, uploadID string) (meta.Completion, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Completion{}, err
	}
	defer s.end()
	var rec completionRec
	ok, err := s.getRec(completionKey(uploadID), &rec)
	if err != nil {
		return meta.Completion{}, err
	}
	if !ok || !time.Now().Before(rec.Expires) {
		return meta.Completion{}, fmt.Errorf("meta/pebble: completion of %q: %w", uploadID, meta.ErrNotFound)
	}
	return rec.C, nil
}
