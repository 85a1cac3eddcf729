package pebble

import (
	"context"
	"fmt"

	"github.com/dolium/dolium/meta"
)

// CreateBucket claims b.Name; meta.ErrConflict if it is taken.
func (s *Store) CreateBucket(ctx context.Context, b meta.Bucket) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	k := bucketKey(b.Name)
	defer s.lock(k)()
	_, ok, err := s.get(k)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("meta/pebble: create bucket %q: %w", b.Name, meta.ErrConflict)
	}
	return s.setRec(k, toBucketRec(b))
}

// GetBucket returns the bucket or meta.ErrNotFound.
func (s *Store) GetBucket(ctx context.Context, name string) (meta.Bucket, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Bucket{}, err
	}
	defer s.end()
	var rec bucketRec
	ok, err := s.getRec(bucketKey(name), &rec)
	if err != nil {
		return meta.Bucket{}, err
	}
	if !ok {
		return meta.Bucket{}, fmt.Errorf("meta/pebble: bucket %q: %w", name, meta.ErrNotFound)
	}
	return rec.bucket(), nil
}

// ListBuckets returns every bucket ordered by name.
func (s *Store) ListBuckets(ctx context.Context) ([]meta.Bucket, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	var out []meta.Bucket
	lower := []byte{tagBucket}
	err := s.scan(ctx, lower, successor(lower), func(_, v []byte) (bool, error) {
		var rec bucketRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, rec.bucket())
		return true, nil
	})
	return out, err
}

// DeleteBucket removes the bucket row: meta.ErrNotFound if it is absent,
// meta.ErrConflict if it still holds objects. The emptiness check is not
// atomic with concurrent PutObject calls (the contract has no multi-row
// transactions); it only catches the common mistake.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	k := bucketKey(name)
	defer s.lock(k)()
	_, ok, err := s.get(k)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("meta/pebble: delete bucket %q: %w", name, meta.ErrNotFound)
	}
	lower := objectsPrefix(name)
	empty := true
	err = s.scan(ctx, lower, successor(lower), func(_, _ []byte) (bool, error) {
		empty = false
		return false, nil
	})
	if err != nil {
		return err
	}
	if !empty {
		return fmt.Errorf("meta/pebble: delete bucket %q: not empty: %w", name, meta.ErrConflict)
	}
	b := s.db.NewBatch()
	if err := b.Delete(k, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: delete bucket: %w", err)
	}
	return s.commit(b)
}

// UpdateBucket applies update to the bucket's row under its lock.
func (s *Store) UpdateBucket(ctx context.Context, name string, update func(*meta.Bucket) error) (meta.Bucket, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Bucket{}, err
	}
	defer s.end()
	k := bucketKey(name)
	defer s.lock(k)()
	var rec bucketRec
	ok, err := s.getRec(k, &rec)
	if err != nil {
		return meta.Bucket{}, err
	}
	if !ok {
		return meta.Bucket{}, fmt.Errorf("meta/pebble: update bucket %q: %w", name, meta.ErrNotFound)
	}
	b := rec.bucket()
	if err := update(&b); err != nil {
		return meta.Bucket{}, err
	}
	rec.Versioning, rec.ObjectLock, rec.Configs = b.Versioning, b.ObjectLock, b.Configs
	if err := s.setRec(k, rec); err != nil {
		return meta.Bucket{}, err
	}
	return rec.bucket(), nil
}
