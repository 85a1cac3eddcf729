package cassandra

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/internal/keyenc"
)

// A key's rows live in its partition (bucket, shard of the key) of the
// objects table:
//
//   - its head, under the key itself: the latest version (a copy of its
//     version row, so that GetObject and ListObjects read one row per key),
//     and null_vid, the id of the key's null version;
//   - one row per version, under vkey(key, id) = 0xFF | esc(key) |
//     order(id). UTF-8 keys hold no 0xFF byte, so every version row sorts
//     after every head of the partition, and versions sort by key, then
//     newest first.
//
// Every change to a key is one conditional batch on that one partition
// (Cassandra applies it atomically, and serializes the lightweight
// transactions of a partition), conditioned on the head and on the
// version rows it removes or rewrites, so that what the caller's check
// saw is what the batch changes.
const (
	selectHead = `SELECT version_id, data, null_vid FROM objects WHERE bucket = ? AND shard = ? AND key = ?`
	selectRow  = `SELECT version_id, data FROM objects WHERE bucket = ? AND shard = ? AND key = ?`
	insertHead = `INSERT INTO objects (bucket, shard, key, version_id, data, null_vid) VALUES (?, ?, ?, ?, ?, ?) IF NOT EXISTS`
	updateHead = `UPDATE objects SET version_id = ?, data = ?, null_vid = ? WHERE bucket = ? AND shard = ? AND key = ? IF version_id = ? AND data = ?`
	deleteHead = `DELETE FROM objects WHERE bucket = ? AND shard = ? AND key = ? IF version_id = ? AND data = ?`
	insertRow  = `INSERT INTO objects (bucket, shard, key, version_id, data) VALUES (?, ?, ?, ?, ?)`
	deleteRow  = `DELETE FROM objects WHERE bucket = ? AND shard = ? AND key = ? IF data = ?`
	updateRow  = `UPDATE objects SET data = ? WHERE bucket = ? AND shard = ? AND key = ? IF data = ?`
	selectNext = `SELECT version_id, data FROM objects WHERE bucket = ? AND shard = ? AND key > ? AND key < ? LIMIT 1`
)

// versionsTag starts every version row's clustering key.
const versionsTag = 0xFF

// appendEscaped is the order-preserving component encoding (keyenc).
func appendEscaped(dst []byte, s string) []byte { return keyenc.AppendEscaped(dst, s) }

// keyVersions is the clustering key prefix of key's version rows.
func keyVersions(key string) []byte {
	return appendEscaped([]byte{versionsTag}, key)
}

// vkey is the clustering key of version id of key: greater ids first
// (every byte complemented, then 0xFF, so an id sorts after each of its
// extensions). Version ids hold no 0x00 byte.
func vkey(key, id string) []byte {
	return keyenc.AppendNewestFirst(keyVersions(key), id)
}

// keyOfVersionRow decodes the object key of a version row's clustering key.
func keyOfVersionRow(k []byte) (string, bool) {
	if len(k) == 0 || k[0] != versionsTag {
		return "", false
	}
	var out []byte
	for i := 1; i+1 < len(k); i++ {
		if k[i] != 0x00 {
			out = append(out, k[i])
			continue
		}
		switch k[i+1] {
		case 0xFF:
			out = append(out, 0x00)
			i++
		case 0x01:
			return string(out), true
		default:
			return "", false
		}
	}
	return "", false
}

// shardOf is the listing shard of key in a bucket of n shards.
func shardOf(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// objectRef names one key's partition.
type objectRef struct {
	bucket string
	shard  int
	key    string
}

func (s *Store) objectRef(ctx context.Context, bucket, key string) (objectRef, error) {
	n, err := s.bucketShards(ctx, bucket)
	if err != nil {
		return objectRef{}, err
	}
	return objectRef{bucket, shardOf(key, n), key}, nil
}

// readHead reads the key's head (nil if none). serial reads at the serial
// consistency, which sees every committed lightweight transaction.
func (s *Store) readKeyHead(ctx context.Context, ref objectRef, serial bool) (*objectRow, error) {
	q := s.q(ctx, selectHead, ref.bucket, ref.shard, []byte(ref.key)).Idempotent(true)
	if serial {
		q = q.Consistency(s.db.Serial)
	}
	var r objectRow
	var null *string
	err := q.Scan(&r.versionID, &r.data, &null)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if null != nil {
		r.nullVID = *null
	}
	return &r, nil
}

// readVersion reads version row id of the key (nil if none).
func (s *Store) readVersion(ctx context.Context, ref objectRef, id string, serial bool) (*objectRow, error) {
	q := s.q(ctx, selectRow, ref.bucket, ref.shard, vkey(ref.key, id)).Idempotent(true)
	if serial {
		q = q.Consistency(s.db.Serial)
	}
	var r objectRow
	err := q.Scan(&r.versionID, &r.data)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// holds tells whether cond holds for the latest version cur (nil if none).
func holds(cur *objectRow, cond meta.Cond) bool {
	if cond.IfNoneMatch && cur != nil {
		return false
	}
	if cond.IfVersion != "" && (cur == nil || cur.versionID != cond.IfVersion) {
		return false
	}
	return true
}

// batch is a conditional batch on one partition.
func (s *Store) batch(ctx context.Context) *gocql.Batch {
	b := s.db.Session.Batch(gocql.LoggedBatch).WithContext(ctx)
	b.SerialConsistency(s.db.Serial)
	return b
}

// execCAS runs b and tells whether it was applied; on a failed IF NOT
// EXISTS its first row (the existing head) goes into prev when not nil.
func execCAS(b *gocql.Batch, prev map[string]any) (bool, error) {
	if prev == nil {
		prev = map[string]any{}
	}
	applied, iter, err := b.MapExecCAS(prev)
	if iter != nil {
		iter.Close()
	}
	return applied, err
}

// PutObject makes o the latest version of its key if cond holds; a null
// version replaces the key's null version if check accepts it. A new key
// costs one transaction; an overwrite two (the failed insert returns the
// head), plus a read of the null version when a suspended bucket's write
// replaces a null version that is not the latest.
func (s *Store) PutObject(ctx context.Context, o meta.Object, cond meta.Cond, check func(meta.Object) error) (*meta.Object, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("put object %q/%q", o.Bucket, o.Key)
	ref, err := s.objectRef(ctx, o.Bucket, o.Key)
	if err != nil {
		return nil, err
	}
	data, err := encodeObject(o)
	if err != nil {
		return nil, err
	}
	nullOf := func(cur string) string {
		if !o.Versioned {
			return o.VersionID
		}
		return cur
	}
	var cur *objectRow
	known := false // cur is the head as of the last transaction
	tryInsert := cond.IfVersion == ""
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if err := backoff(ctx, try); err != nil {
				return nil, s.wrap(op, err)
			}
		}
		if tryInsert {
			// Most writes create a key: try that first. If the key
			// exists, the failed transaction returns its head.
			prev := map[string]any{}
			b := s.batch(ctx)
			b.Query(insertHead, ref.bucket, ref.shard, []byte(ref.key), o.VersionID, data, nullOf(""))
			b.Query(insertRow, ref.bucket, ref.shard, vkey(ref.key, o.VersionID), o.VersionID, data)
			applied, err := execCAS(b, prev)
			if err != nil && casTimeout(err) {
				applied, err = s.settle(ctx, ref, o.VersionID, err)
			}
			if err != nil {
				return nil, s.wrap(op, err)
			}
			if applied {
				return nil, nil
			}
			tryInsert = false
			if v, ok := prev["version_id"].(string); ok {
				cur = &objectRow{versionID: v}
				cur.data, _ = prev["data"].([]byte)
				cur.nullVID, _ = prev["null_vid"].(string)
				known = true
			}
		}
		if !known {
			if cur, err = s.readKeyHead(ctx, ref, true); err != nil {
				return nil, s.wrap(op, err)
			}
		}
		known = false
		if !holds(cur, cond) {
			return nil, fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrPreconditionFailed)
		}
		if cur == nil {
			tryInsert = true // deleted meanwhile: the key is new again
			continue
		}
		if cur.versionID == o.VersionID {
			// A retry of a write that was applied: replacing o with
			// itself must not hand o's data to the collector.
			return nil, nil
		}
		if o.VersionID <= cur.versionID {
			return nil, fmt.Errorf("meta/cassandra: %s: version id not above the latest's: %w", op, meta.ErrPreconditionFailed)
		}
		var replaced *objectRow
		if !o.Versioned && cur.nullVID != "" {
			if cur.nullVID == cur.versionID {
				replaced = cur
			} else if replaced, err = s.readVersion(ctx, ref, cur.nullVID, true); err != nil {
				return nil, s.wrap(op, err)
			}
		}
		var replacedObj meta.Object
		if replaced != nil {
			if replacedObj, err = replaced.object(o.Bucket, o.Key); err != nil {
				return nil, err
			}
			if check != nil {
				if err := check(replacedObj); err != nil {
					return nil, err
				}
			}
		}
		b := s.batch(ctx)
		b.Query(updateHead, o.VersionID, data, nullOf(cur.nullVID), ref.bucket, ref.shard, []byte(ref.key), cur.versionID, cur.data)
		b.Query(insertRow, ref.bucket, ref.shard, vkey(ref.key, o.VersionID), o.VersionID, data)
		if replaced != nil {
			b.Query(deleteRow, ref.bucket, ref.shard, vkey(ref.key, replaced.versionID), replaced.data)
		}
		applied, err := execCAS(b, nil)
		if err != nil && casTimeout(err) {
			applied, err = s.settle(ctx, ref, o.VersionID, err)
		}
		if err != nil {
			return nil, s.wrap(op, err)
		}
		if applied {
			if replaced == nil {
				return nil, nil
			}
			return &replacedObj, nil
		}
	}
	return nil, errContention(op, s.opts.MaxTries)
}

// settle finds out whether a transaction writing version to ref, which
// failed with err (a timeout), was applied. A serial read completes any
// transaction in progress: if version is the latest, it was applied, and
// it replaced what its condition named. Otherwise it may have been applied
// and replaced since, so a retry would be wrong: the error stands.
func (s *Store) settle(ctx context.Context, ref objectRef, version string, err error) (bool, error) {
	cur, rerr := s.readKeyHead(ctx, ref, true)
	if rerr == nil && cur != nil && cur.versionID == version {
		return true, nil
	}
	return false, fmt.Errorf("outcome unknown: %w", err)
}

// GetObject returns the key's latest version or meta.ErrNotFound. It reads
// at the session consistency (LOCAL_QUORUM): lightweight transactions
// commit at that consistency, so a read sees every write acknowledged
// before it.
func (s *Store) GetObject(ctx context.Context, bucket, key string) (meta.Object, error) {
	if err := s.check(); err != nil {
		return meta.Object{}, err
	}
	ref, err := s.objectRef(ctx, bucket, key)
	if err != nil {
		if errors.Is(err, meta.ErrNotFound) {
			return meta.Object{}, fmt.Errorf("meta/cassandra: object %q/%q: %w", bucket, key, meta.ErrNotFound)
		}
		return meta.Object{}, err
	}
	cur, err := s.readKeyHead(ctx, ref, false)
	if err != nil {
		return meta.Object{}, s.wrap(fmt.Sprintf("get object %q/%q", bucket, key), err)
	}
	if cur == nil {
		return meta.Object{}, fmt.Errorf("meta/cassandra: object %q/%q: %w", bucket, key, meta.ErrNotFound)
	}
	o, err := cur.object(bucket, key)
	o.IsLatest = true
	return o, err
}

// findVersion reads the head and the version S3 version id v names:
// ErrNotFound if either is missing.
func (s *Store) findVersion(ctx context.Context, ref objectRef, v string, serial bool) (head, row *objectRow, o meta.Object, err error) {
	for try := 0; ; try++ {
		head, row, o, err = s.findVersionOnce(ctx, ref, v, serial)
		// The head and the version row are two reads: a null write between
		// them moves the null version. Look again.
		if v != meta.NullVersion || !errors.Is(err, meta.ErrNotFound) || head == nil || try >= 4 {
			return head, row, o, err
		}
	}
}

func (s *Store) findVersionOnce(ctx context.Context, ref objectRef, v string, serial bool) (head, row *objectRow, o meta.Object, err error) {
	notFound := fmt.Errorf("meta/cassandra: version %q of %q/%q: %w", v, ref.bucket, ref.key, meta.ErrNotFound)
	if head, err = s.readKeyHead(ctx, ref, serial); err != nil {
		return nil, nil, o, err
	}
	if head == nil {
		return nil, nil, o, notFound
	}
	id := v
	if v == meta.NullVersion {
		id = head.nullVID
	}
	switch {
	case id == "":
		return nil, nil, o, notFound
	case id == head.versionID:
		row = head
	default:
		if row, err = s.readVersion(ctx, ref, id, serial); err != nil {
			return nil, nil, o, err
		}
		if row == nil {
			return head, nil, o, notFound
		}
	}
	if o, err = row.object(ref.bucket, ref.key); err != nil {
		return nil, nil, o, err
	}
	if v != meta.NullVersion && !o.Versioned {
		return nil, nil, o, notFound // a null version is named "null" only
	}
	o.IsLatest = row.versionID == head.versionID
	return head, row, o, nil
}

// GetObjectVersion returns one version of a key or meta.ErrNotFound.
func (s *Store) GetObjectVersion(ctx context.Context, bucket, key, versionID string) (meta.Object, error) {
	if err := s.check(); err != nil {
		return meta.Object{}, err
	}
	ref, err := s.objectRef(ctx, bucket, key)
	if err != nil {
		return meta.Object{}, err
	}
	_, _, o, err := s.findVersion(ctx, ref, versionID, false)
	if err != nil && !errors.Is(err, meta.ErrNotFound) {
		return meta.Object{}, s.wrap(fmt.Sprintf("get version %q/%q", bucket, key), err)
	}
	return o, err
}

// changeVersion is the compare-and-set loop of a change to one version:
// it reads the key's head and the version at the serial consistency, and
// build returns the conditional batch to apply (or an error that ends the
// loop); a batch whose condition lost a race is retried on a fresh read.
// A timed-out batch is not settled: a missing row does not tell whether
// this change or another one removed it.
func (s *Store) changeVersion(ctx context.Context, op, bucket, key, versionID string,
	build func(ref objectRef, head, row *objectRow, o meta.Object) (*gocql.Batch, meta.Object, error)) (meta.Object, error) {
	if err := s.check(); err != nil {
		return meta.Object{}, err
	}
	ref, err := s.objectRef(ctx, bucket, key)
	if err != nil {
		return meta.Object{}, err
	}
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if err := backoff(ctx, try); err != nil {
				return meta.Object{}, s.wrap(op, err)
			}
		}
		head, row, o, err := s.findVersion(ctx, ref, versionID, true)
		if errors.Is(err, meta.ErrNotFound) {
			return meta.Object{}, err
		}
		if err != nil {
			return meta.Object{}, s.wrap(op, err)
		}
		b, out, err := build(ref, head, row, o)
		if err != nil {
			return meta.Object{}, err
		}
		applied, err := execCAS(b, nil)
		if err != nil {
			return meta.Object{}, s.wrap(op, err)
		}
		if applied {
			return out, nil
		}
	}
	return meta.Object{}, errContention(op, s.opts.MaxTries)
}

// DeleteObjectVersion removes one version if check accepts it; if it was
// the latest, the next newest becomes the latest (or the head goes).
func (s *Store) DeleteObjectVersion(ctx context.Context, bucket, key, versionID string, check func(meta.Object) error) (meta.Object, error) {
	op := fmt.Sprintf("delete version %q of %q/%q", versionID, bucket, key)
	return s.changeVersion(ctx, op, bucket, key, versionID, func(ref objectRef, head, row *objectRow, o meta.Object) (*gocql.Batch, meta.Object, error) {
		if check != nil {
			if err := check(o); err != nil {
				return nil, o, err
			}
		}
		null := head.nullVID
		if !o.Versioned {
			null = ""
		}
		b := s.batch(ctx)
		b.Query(deleteRow, ref.bucket, ref.shard, vkey(key, row.versionID), row.data)
		if row.versionID != head.versionID {
			b.Query(updateHead, head.versionID, head.data, null, ref.bucket, ref.shard, []byte(key), head.versionID, head.data)
			return b, o, nil
		}
		var next objectRow
		end := append(keyVersions(key)[:len(keyVersions(key))-1], 0x02)
		err := s.serialRead(ctx, selectNext, ref.bucket, ref.shard, vkey(key, row.versionID), end).
			Idempotent(true).Scan(&next.versionID, &next.data)
		switch {
		case errors.Is(err, gocql.ErrNotFound):
			b.Query(deleteHead, ref.bucket, ref.shard, []byte(key), head.versionID, head.data)
		case err != nil:
			return nil, o, s.wrap(op, err)
		default:
			b.Query(updateHead, next.versionID, next.data, null, ref.bucket, ref.shard, []byte(key), head.versionID, head.data)
			// The next version must still be there as read.
			b.Query(updateRow, next.data, ref.bucket, ref.shard, vkey(key, next.versionID), next.data)
		}
		return b, o, nil
	})
}

// UpdateObjectVersion applies update to one version's lock, tag and ACL fields.
func (s *Store) UpdateObjectVersion(ctx context.Context, bucket, key, versionID string, update func(*meta.Object) error) (meta.Object, error) {
	op := fmt.Sprintf("update version %q of %q/%q", versionID, bucket, key)
	return s.changeVersion(ctx, op, bucket, key, versionID, func(ref objectRef, head, row *objectRow, o meta.Object) (*gocql.Batch, meta.Object, error) {
		n := o
		if err := update(&n); err != nil {
			return nil, o, err
		}
		// Only the mutable fields are taken from the update.
		o.Retention, o.LegalHold, o.LegalHoldSet, o.Tags, o.ACL = n.Retention, n.LegalHold, n.LegalHoldSet, n.Tags, n.ACL
		data, err := encodeObject(o)
		if err != nil {
			return nil, o, err
		}
		b := s.batch(ctx)
		b.Query(updateRow, data, ref.bucket, ref.shard, vkey(key, row.versionID), row.data)
		if o.IsLatest {
			b.Query(updateHead, head.versionID, data, head.nullVID, ref.bucket, ref.shard, []byte(key), head.versionID, head.data)
		}
		return b, o, nil
	})
}
