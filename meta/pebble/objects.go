package pebble

import (
	"bytes"
	"context"
	"fmt"

	pebbledb "github.com/cockroachdb/pebble"

	"github.com/dolium/dolium/meta"
)

// A key's rows: its head (tagObject: the latest version, a copy of its
// version row, so that GetObject and ListObjects read one row per key),
// one row per version (tagVersion, newest first) and, when it has a null
// version, the null pointer (tagNull: that version's id). Every operation
// on a key holds the stripe lock of its head row and writes its rows in
// one batch, so each is atomic.

// checkCond tells whether cond holds for the latest version cur (nil if
// the key has none). An IfVersion condition fails on a missing key.
func checkCond(cur *objectRec, cond meta.Cond) bool {
	if cond.IfNoneMatch && cur != nil {
		return false
	}
	if cond.IfVersion != "" && (cur == nil || cur.VersionID != cond.IfVersion) {
		return false
	}
	return true
}

// head reads the key's head row (nil if the key has no version).
func (s *Store) head(bucket, key string) (*objectRec, error) {
	var cur objectRec
	ok, err := s.getRec(objectKey(bucket, key), &cur)
	if err != nil || !ok {
		return nil, err
	}
	return &cur, nil
}

// resolve returns the VersionID that S3 version id v names ("null": the
// null pointer's), "" if none.
func (s *Store) resolve(bucket, key, v string) (string, error) {
	if v != meta.NullVersion {
		return v, nil
	}
	id, ok, err := s.get(nullKey(bucket, key))
	if err != nil || !ok {
		return "", err
	}
	return string(id), nil
}

// version reads one version row by VersionID (nil if absent).
func (s *Store) version(bucket, key, id string) (*objectRec, error) {
	if id == "" {
		return nil, nil
	}
	var rec objectRec
	ok, err := s.getRec(versionKey(bucket, key, id), &rec)
	if err != nil || !ok {
		return nil, err
	}
	return &rec, nil
}

func set(b *pebbledb.Batch, k []byte, rec any) error {
	v, err := encode(rec)
	if err != nil {
		return err
	}
	if err := b.Set(k, v, nil); err != nil {
		return fmt.Errorf("meta/pebble: set: %w", err)
	}
	return nil
}

func del(b *pebbledb.Batch, k []byte) error {
	if err := b.Delete(k, nil); err != nil {
		return fmt.Errorf("meta/pebble: delete: %w", err)
	}
	return nil
}

// PutObject makes o the latest version of its key if cond holds; a null
// version replaces the key's null version, if check accepts it.
func (s *Store) PutObject(ctx context.Context, o meta.Object, cond meta.Cond, check func(meta.Object) error) (*meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	hk := objectKey(o.Bucket, o.Key)
	defer s.lock(hk)()
	cur, err := s.head(o.Bucket, o.Key)
	if err != nil {
		return nil, err
	}
	if cur != nil && cur.VersionID == o.VersionID {
		return nil, nil // a retry of a write that was applied
	}
	if !checkCond(cur, cond) || cur != nil && o.VersionID <= cur.VersionID {
		return nil, fmt.Errorf("meta/pebble: put object %q/%q: %w", o.Bucket, o.Key, meta.ErrPreconditionFailed)
	}
	var replaced *objectRec
	if !o.Versioned {
		nullID, err := s.resolve(o.Bucket, o.Key, meta.NullVersion)
		if err != nil {
			return nil, err
		}
		if replaced, err = s.version(o.Bucket, o.Key, nullID); err != nil {
			return nil, err
		}
		if replaced != nil && check != nil {
			if err := check(replaced.object()); err != nil {
				return nil, err
			}
		}
	}
	rec := toObjectRec(o)
	b := s.db.NewBatch()
	err = set(b, hk, rec)
	if err == nil {
		err = set(b, versionKey(o.Bucket, o.Key, o.VersionID), rec)
	}
	if err == nil && replaced != nil {
		err = del(b, versionKey(o.Bucket, o.Key, replaced.VersionID))
	}
	if err == nil && !o.Versioned {
		err = b.Set(nullKey(o.Bucket, o.Key), []byte(o.VersionID), nil)
	}
	if err != nil {
		b.Close()
		return nil, err
	}
	if err := s.commit(b); err != nil {
		return nil, err
	}
	if replaced == nil {
		return nil, nil
	}
	r := replaced.object()
	return &r, nil
}

// GetObject returns the key's latest version or meta.ErrNotFound.
func (s *Store) GetObject(ctx context.Context, bucket, key string) (meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.end()
	cur, err := s.head(bucket, key)
	if err != nil {
		return meta.Object{}, err
	}
	if cur == nil {
		return meta.Object{}, fmt.Errorf("meta/pebble: object %q/%q: %w", bucket, key, meta.ErrNotFound)
	}
	o := cur.object()
	o.IsLatest = true
	return o, nil
}

// GetObjectVersion returns one version of a key or meta.ErrNotFound.
func (s *Store) GetObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.end()
	rec, err := s.findVersion(bucket, key, versionID)
	if err != nil {
		return meta.Object{}, err
	}
	cur, err := s.head(bucket, key)
	if err != nil {
		return meta.Object{}, err
	}
	o := rec.object()
	o.IsLatest = cur != nil && cur.VersionID == rec.VersionID
	return o, nil
}

// findVersion reads the version S3 version id v names, or fails with
// meta.ErrNotFound.
func (s *Store) findVersion(bucket, key, v string) (*objectRec, error) {
	id, err := s.resolve(bucket, key, v)
	if err != nil {
		return nil, err
	}
	rec, err := s.version(bucket, key, id)
	if err != nil {
		return nil, err
	}
	if rec == nil || v != meta.NullVersion && !rec.Versioned {
		// A null version is named "null", never by its store id.
		return nil, fmt.Errorf("meta/pebble: version %q of %q/%q: %w", v, bucket, key, meta.ErrNotFound)
	}
	return rec, nil
}

// DeleteObjectVersion removes one version, if check accepts it; if it was
// the latest, the next newest becomes the latest.
func (s *Store) DeleteObjectVersion(ctx context.Context, bucket, key, versionID string, check func(meta.Object) error) (meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.end()
	hk := objectKey(bucket, key)
	defer s.lock(hk)()
	rec, err := s.findVersion(bucket, key, versionID)
	if err != nil {
		return meta.Object{}, err
	}
	o := rec.object()
	if check != nil {
		if err := check(o); err != nil {
			return meta.Object{}, err
		}
	}
	cur, err := s.head(bucket, key)
	if err != nil {
		return meta.Object{}, err
	}
	b := s.db.NewBatch()
	err = del(b, versionKey(bucket, key, rec.VersionID))
	if err == nil && !rec.Versioned {
		err = del(b, nullKey(bucket, key))
	}
	if err == nil && cur != nil && cur.VersionID == rec.VersionID {
		var next *objectRec
		next, err = s.nextVersion(ctx, bucket, key, rec.VersionID)
		switch {
		case err != nil:
		case next == nil:
			err = del(b, hk)
		default:
			err = set(b, hk, *next)
		}
	}
	if err != nil {
		b.Close()
		return meta.Object{}, err
	}
	if err := s.commit(b); err != nil {
		return meta.Object{}, err
	}
	return o, nil
}

// nextVersion returns the newest version of the key older than id (nil if
// none).
func (s *Store) nextVersion(ctx context.Context, bucket, key, id string) (*objectRec, error) {
	lower := successorOf(versionKey(bucket, key, id))
	var next *objectRec
	err := s.scan(ctx, lower, successor(keyVersionsPrefix(bucket, key)), func(_, v []byte) (bool, error) {
		var rec objectRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		next = &rec
		return false, nil
	})
	return next, err
}

// successorOf returns the smallest key greater than k.
func successorOf(k []byte) []byte { return append(bytes.Clone(k), 0x00) }

// UpdateObjectVersion applies update to one version's lock, tag and ACL fields.
func (s *Store) UpdateObjectVersion(ctx context.Context, bucket, key, versionID string, update func(*meta.Object) error) (meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Object{}, err
	}
	defer s.end()
	hk := objectKey(bucket, key)
	defer s.lock(hk)()
	rec, err := s.findVersion(bucket, key, versionID)
	if err != nil {
		return meta.Object{}, err
	}
	o := rec.object()
	if err := update(&o); err != nil {
		return meta.Object{}, err
	}
	// Only the mutable fields are taken from the update.
	nrec := *rec
	nrec.RetentionMode, nrec.RetainUntil = o.Retention.Mode, utc(o.Retention.Until)
	nrec.LegalHold, nrec.LegalHoldSet, nrec.Tags, nrec.ACL = o.LegalHold, o.LegalHoldSet, o.Tags, o.ACL
	cur, err := s.head(bucket, key)
	if err != nil {
		return meta.Object{}, err
	}
	b := s.db.NewBatch()
	err = set(b, versionKey(bucket, key, rec.VersionID), nrec)
	latest := cur != nil && cur.VersionID == rec.VersionID
	if err == nil && latest {
		err = set(b, hk, nrec)
	}
	if err != nil {
		b.Close()
		return meta.Object{}, err
	}
	if err := s.commit(b); err != nil {
		return meta.Object{}, err
	}
	out := nrec.object()
	out.IsLatest = latest
	return out, nil
}

// ListObjects returns the latest versions that are not delete markers, in
// ascending key order. A Limit of zero or less means no limit.
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
		if rec.DeleteMarker {
			return true, nil
		}
		o := rec.object()
		o.IsLatest = true
		out = append(out, o)
		return opts.Limit <= 0 || len(out) < opts.Limit, nil
	})
	return out, err
}

// ListObjectVersions returns versions, key ascending then newest first.
func (s *Store) ListObjectVersions(ctx context.Context, bucket string, opts meta.VersionListOptions) ([]meta.Object, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	lower := appendEscapedPrefix(versionsPrefix(bucket), opts.Prefix)
	upper := successor(lower)
	if opts.KeyMarker != "" {
		var after []byte
		if opts.VersionMarker != "" {
			after = successorOf(versionKey(bucket, opts.KeyMarker, opts.VersionMarker))
		} else {
			after = successor(keyVersionsPrefix(bucket, opts.KeyMarker))
		}
		if bytes.Compare(after, lower) > 0 {
			lower = after
		}
	}
	if upper != nil && bytes.Compare(lower, upper) >= 0 {
		return nil, nil
	}
	var out []meta.Object
	lastKey, latestID := "", ""
	haveKey := false
	err := s.scan(ctx, lower, upper, func(_, v []byte) (bool, error) {
		var rec objectRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		if !haveKey || rec.Key != lastKey {
			cur, err := s.head(bucket, rec.Key)
			if err != nil {
				return false, err
			}
			lastKey, latestID, haveKey = rec.Key, "", true
			if cur != nil {
				latestID = cur.VersionID
			}
		}
		o := rec.object()
		o.IsLatest = o.VersionID == latestID
		out = append(out, o)
		return opts.Limit <= 0 || len(out) < opts.Limit, nil
	})
	return out, err
}
