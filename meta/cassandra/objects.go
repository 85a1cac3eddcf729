package cassandra

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
)

const (
	selectObject = `SELECT version_id, data FROM objects WHERE bucket = ? AND shard = ? AND key = ?`
	insertObject = `INSERT INTO objects (bucket, shard, key, version_id, data) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS`
	updateObject = `UPDATE objects SET version_id = ?, data = ? WHERE bucket = ? AND shard = ? AND key = ? IF version_id = ?`
	deleteObject = `DELETE FROM objects WHERE bucket = ? AND shard = ? AND key = ? IF version_id = ?`
)

// shardOf is the listing shard of key in a bucket of n shards.
func shardOf(key string, n int) int {
	h := fnv.New32a()
	h.Write([]byte(key))
	return int(h.Sum32() % uint32(n))
}

// objectRef names one row of the objects table.
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

// readObject reads the row of ref (nil if none). serial reads at the serial
// consistency, which sees every committed lightweight transaction.
func (s *Store) readObject(ctx context.Context, ref objectRef, serial bool) (*objectRow, error) {
	q := s.q(ctx, selectObject, ref.bucket, ref.shard, []byte(ref.key)).Idempotent(true)
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

// holds tells whether cond holds for the current row cur (nil if none).
func holds(cur *objectRow, cond meta.Cond) bool {
	if cond.IfNoneMatch && cur != nil {
		return false
	}
	if cond.IfVersion != "" && (cur == nil || cur.versionID != cond.IfVersion) {
		return false
	}
	return true
}

// PutObject makes o the current object of its key if cond holds, and
// returns the object it replaced. It is a compare-and-set loop of
// lightweight transactions: INSERT ... IF NOT EXISTS when the key has no
// row, UPDATE ... IF version_id = <the version read> otherwise; a write
// that loses a race re-reads and tries again. So every write replaces
// exactly the version it returns.
func (s *Store) PutObject(ctx context.Context, o meta.Object, cond meta.Cond) (*meta.Object, error) {
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
	var cur *objectRow
	known := false // cur is the row as of the last transaction
	if cond.IfVersion == "" {
		// Most writes create a key: try that first. If the key exists,
		// the failed transaction returns its row.
		cur, err = s.insertObject(ctx, ref, o.VersionID, data)
		if err != nil {
			return nil, s.wrap(op, err)
		}
		if cur == nil {
			return nil, nil
		}
		known = true
	}
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if err := backoff(ctx, try); err != nil {
				return nil, s.wrap(op, err)
			}
		}
		if !known {
			if cur, err = s.readObject(ctx, ref, true); err != nil {
				return nil, s.wrap(op, err)
			}
		}
		known = false
		if !holds(cur, cond) {
			return nil, fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrPreconditionFailed)
		}
		if cur != nil && cur.versionID == o.VersionID {
			// A retry of a write that was applied: replacing o with
			// itself must not hand o's data to the collector.
			return nil, nil
		}
		if cur == nil {
			if cur, err = s.insertObject(ctx, ref, o.VersionID, data); err != nil {
				return nil, s.wrap(op, err)
			}
			if cur == nil {
				return nil, nil
			}
			known = true
			continue
		}
		applied, _, err := cas(s.lwt(ctx, updateObject, o.VersionID, data, ref.bucket, ref.shard, []byte(ref.key), cur.versionID))
		if err != nil && casTimeout(err) {
			applied, err = s.settle(ctx, ref, o.VersionID, err)
		}
		if err != nil {
			return nil, s.wrap(op, err)
		}
		if applied {
			replaced, err := cur.object(o.Bucket, o.Key)
			if err != nil {
				return nil, err
			}
			return &replaced, nil
		}
	}
	return nil, errContention(op, s.opts.MaxTries)
}

// insertObject creates the row of ref if it has none; otherwise it returns
// the current row.
func (s *Store) insertObject(ctx context.Context, ref objectRef, version string, data []byte) (*objectRow, error) {
	prev := map[string]any{}
	applied, err := s.lwt(ctx, insertObject, ref.bucket, ref.shard, []byte(ref.key), version, data).MapScanCAS(prev)
	if err != nil && casTimeout(err) {
		applied, err = s.settle(ctx, ref, version, err)
	}
	if err != nil {
		return nil, err
	}
	if applied {
		return nil, nil
	}
	r := &objectRow{}
	r.versionID, _ = prev["version_id"].(string)
	r.data, _ = prev["data"].([]byte)
	return r, nil
}

// settle finds out whether a transaction writing version to ref, which
// failed with err (a timeout), was applied. A serial read completes any
// transaction in progress: if version is current, it was applied, and it
// replaced what its condition named. Otherwise it may have been applied and
// replaced since, so a retry would be wrong: the error stands.
func (s *Store) settle(ctx context.Context, ref objectRef, version string, err error) (bool, error) {
	cur, rerr := s.readObject(ctx, ref, true)
	if rerr == nil && cur != nil && cur.versionID == version {
		return true, nil
	}
	return false, fmt.Errorf("outcome unknown: %w", err)
}

// GetObject returns the current object or meta.ErrNotFound. It reads at
// the session consistency (LOCAL_QUORUM): lightweight transactions commit
// at that consistency, so a read sees every write acknowledged before it.
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
	cur, err := s.readObject(ctx, ref, false)
	if err != nil {
		return meta.Object{}, s.wrap(fmt.Sprintf("get object %q/%q", bucket, key), err)
	}
	if cur == nil {
		return meta.Object{}, fmt.Errorf("meta/cassandra: object %q/%q: %w", bucket, key, meta.ErrNotFound)
	}
	return cur.object(bucket, key)
}

// DeleteObject removes the current object if cond holds and returns it; a
// missing object is meta.ErrNotFound whatever cond says. Like PutObject it
// is a compare-and-set loop: DELETE ... IF version_id = <the version read>.
func (s *Store) DeleteObject(ctx context.Context, bucket, key string, cond meta.Cond) (meta.Object, error) {
	if err := s.check(); err != nil {
		return meta.Object{}, err
	}
	op := fmt.Sprintf("delete object %q/%q", bucket, key)
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
		cur, err := s.readObject(ctx, ref, true)
		if err != nil {
			return meta.Object{}, s.wrap(op, err)
		}
		if cur == nil {
			return meta.Object{}, fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrNotFound)
		}
		if !holds(cur, cond) {
			return meta.Object{}, fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrPreconditionFailed)
		}
		applied, _, err := cas(s.lwt(ctx, deleteObject, ref.bucket, ref.shard, []byte(ref.key), cur.versionID))
		if err != nil {
			// A timed-out delete is not settled: a missing row does not
			// tell whether this delete or another one removed it.
			return meta.Object{}, s.wrap(op, err)
		}
		if applied {
			return cur.object(bucket, key)
		}
	}
	return meta.Object{}, errContention(op, s.opts.MaxTries)
}
