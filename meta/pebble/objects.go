package pebble

import (
	"bytes"
	"context"
	"fmt"

	"github.com/dolium/dolium/meta"
)

// checkCond tells whether cond holds for the current object cur (nil if
// the key has none). An IfVersion condition fails on a missing object.
func checkCond(cur *objectRec, cond meta.Cond) bool {
	if cond.IfNoneMatch && cur != nil {
		return false
	}
	if cond.IfVersion != "" && (cur == nil || cur.VersionID != cond.IfVersion) {
		return false
	}
	return true
}

// PutObject makes o the current object of its key if cond holds, and
// returns the object it replaced.
func (s *Store) PutObject(ctx context.Context, o meta.Object, cond meta.Cond) (*meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	k := objectKey(o.Bucket, o.Key)
	defer s.lock(k)()
	var cur objectRec
	ok, err := s.getRec(k, &cur)
	if err != nil {
		return nil, err
	}
	var curp *objectRec
	if ok {
		curp = &cur
	}
	if !checkCond(curp, cond) {
		return nil, fmt.Errorf("meta/pebble: put object %q/%q: %w", o.Bucket, o.Key, meta.ErrPreconditionFailed)
	}
	if err := s.setRec(k, toObjectRec(o)); err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	replaced := cur.object()
	return &replaced, nil
}

// GetObject returns the current object or meta.ErrNotFound.
func (s *Store) GetObject(ctx context.Context, bucket, key string) (meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.end()
	var rec objectRec
	ok, err := s.getRec(objectKey(bucket, key), &rec)
	if err != nil {
		return meta.Object{}, err
	}
	if !ok {
		return meta.Object{}, fmt.Errorf("meta/pebble: object %q/%q: %w", bucket, key, meta.ErrNotFound)
	}
	return rec.object(), nil
}

// DeleteObject removes the current object if cond holds and returns it.
// A missing object is meta.ErrNotFound whatever cond says.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string, cond meta.Cond) (meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.end()
	k := objectKey(bucket, key)
	defer s.lock(k)()
	var cur objectRec
	ok, err := s.getRec(k, &cur)
	if err != nil {
		return meta.Object{}, err
	}
	if !ok {
		return meta.Object{}, fmt.Errorf("meta/pebble: delete object %q/%q: %w", bucket, key, meta.ErrNotFound)
	}
	if !checkCond(&cur, cond) {
		return meta.Object{}, fmt.Errorf("meta/pebble: delete object %q/%q: %w", bucket, key, meta.ErrPreconditionFailed)
	}
	b := s.db.NewBatch()
	if err := b.Delete(k, nil); err != nil {
		b.Close()
		return meta.Object{}, fmt.Errorf("meta/pebble: delete object: %w", err)
	}
	if err := s.commit(b); err != nil {
		return meta.Object{}, err
	}
	return cur.object(), nil
}

// ListObjects returns objects of bucket in ascending key order. A Limit of
// zero or less means no limit.
func (s *Store) ListObjects(ctx context.Context, bucket string, opts meta.ListOptions) ([]meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	lower := append(objectsPrefix(bucket), opts.Prefix...)
	upper := successor(lower)
	if opts.After != "" {
		// The smallest key greater than After is After+"\x00".
		after := append(append(objectsPrefix(bucket), opts.After...), 0x00)
		if bytes.Compare(after, lower) > 0 {
			lower = after
		}
	}
	if upper != nil && bytes.Compare(lower, upper) >= 0 {
		return nil, nil
	}
	var out []meta.Object
	err := s.scan(ctx, lower, upper, func(_, v []byte) (bool, error) {
		var rec objectRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, rec.object())
		return opts.Limit <= 0 || len(out) < opts.Limit, nil
	})
	return out, err
}
