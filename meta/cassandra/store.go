package cassandra

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/meta"
)

// Options configures Open. The zero value is a sensible default.
type Options struct {
	// DefaultShards is the number of listing shards of a bucket created with
	// Bucket.Shards <= 0 (default 16).
	DefaultShards int
	// MaxTries bounds the compare-and-set loop of PutObject, DeleteObject and
	// PutPart under contention (default 50).
	MaxTries int
}

const (
	defaultShards   = 16
	defaultMaxTries = 50
	// maxShards bounds Bucket.Shards: a listing reads every shard.
	maxShards = 1024
)

// errClosed is returned by every method after Close.
var errClosed = fmt.Errorf("meta/cassandra: store closed: %w", meta.ErrUnavailable)

// Store is a meta.Store in a Cassandra keyspace. It is safe for concurrent
// use, by any number of gateways sharing the keyspace.
type Store struct {
	db   *cqldb.DB
	opts Options

	// shards caches each bucket name's listing shard count, which never
	// changes once the name was first created (see doc.go).
	shardsMu sync.RWMutex
	shards   map[string]int

	// The GC queue and the repair queue (queue.go).
	gcQueue     *slotQueue[meta.GCEntry]
	repairQueue *slotQueue[meta.RepairEntry]

	closed atomic.Bool
}

var _ meta.Store = (*Store)(nil)

// Open brings the keyspace's "meta" tables to this build's schema version
// and returns a store on them. It fails with cqldb.ErrSchemaTooNew if a
// newer dolium migrated them. The store does not own db: close db after
// closing the store.
func Open(ctx context.Context, db *cqldb.DB, opts Options) (*Store, error) {
	if opts.DefaultShards <= 0 {
		opts.DefaultShards = defaultShards
	}
	if opts.DefaultShards > maxShards {
		return nil, fmt.Errorf("meta/cassandra: DefaultShards %d is above %d", opts.DefaultShards, maxShards)
	}
	if opts.MaxTries <= 0 {
		opts.MaxTries = defaultMaxTries
	}
	if err := db.Migrate(ctx, "meta", migrations); err != nil {
		return nil, fmt.Errorf("meta/cassandra: %w", err)
	}
	s := &Store{db: db, opts: opts, shards: map[string]int{}}
	s.gcQueue, s.repairQueue = newGCQueue(s), newRepairQueue(s)
	if err := s.gcQueue.initMark(ctx); err != nil {
		return nil, err
	}
	if err := s.repairQueue.initMark(ctx); err != nil {
		return nil, err
	}
	if err := s.upgradeObjects(ctx); err != nil {
		return nil, err
	}
	return s, nil
}

// upgradeObjects gives every object written before versioning (a head
// without null_vid) its version row, as the key's null version, once per
// keyspace: a row of gc_mark records that it ran. Several gateways may
// run it at once; each step is a conditional batch that changes nothing
// if the head changed since it was read.
func (s *Store) upgradeObjects(ctx context.Context) error {
	var done int64
	err := s.q(ctx, `SELECT slot FROM gc_mark WHERE id = 'objects-versions'`).Idempotent(true).Scan(&done)
	if err == nil && done == 1 {
		return nil
	}
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return s.wrap("upgrade objects", err)
	}
	iter := s.q(ctx, `SELECT bucket, shard, key, version_id, data, null_vid FROM objects`).Idempotent(true).PageSize(500).Iter()
	sc := iter.Scanner()
	n := 0
	for sc.Next() {
		var (
			ref  objectRef
			k    []byte
			row  objectRow
			null *string
		)
		if err := sc.Scan(&ref.bucket, &ref.shard, &k, &row.versionID, &row.data, &null); err != nil {
			iter.Close()
			return s.wrap("upgrade objects", err)
		}
		if len(k) > 0 && k[0] == versionsTag || null != nil {
			continue // a version row, or a head written by this release
		}
		ref.key = string(k)
		b := s.batch(ctx)
		b.Query(updateHead, row.versionID, row.data, row.versionID, ref.bucket, ref.shard, k, row.versionID, row.data)
		b.Query(insertRow, ref.bucket, ref.shard, vkey(ref.key, row.versionID), row.versionID, row.data)
		if _, err := execCAS(b, nil); err != nil {
			iter.Close()
			return s.wrap("upgrade objects", err)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		return s.wrap("upgrade objects", err)
	}
	if err := s.q(ctx, `INSERT INTO gc_mark (id, slot) VALUES ('objects-versions', 1)`).Exec(); err != nil {
		return s.wrap("upgrade objects", err)
	}
	return nil
}

// Ping tells whether the cluster answers a read at the session consistency.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.check(); err != nil {
		return err
	}
	var now time.Time
	err := s.q(ctx, `SELECT now() FROM system.local`).Idempotent(true).Scan(&now)
	return s.wrap("ping", err)
}

// Close makes every later call fail with an error wrapping
// meta.ErrUnavailable. It does not close the DB, which the caller owns.
func (s *Store) Close() error {
	s.closed.Store(true)
	return nil
}

func (s *Store) check() error {
	if s.closed.Load() {
		return errClosed
	}
	return nil
}

// q makes a query at the session's consistency.
func (s *Store) q(ctx context.Context, stmt string, values ...any) *gocql.Query {
	return s.db.Session.Query(stmt, values...).WithContext(ctx)
}

// serialRead makes a read at the serial consistency: it sees every
// committed lightweight transaction, and completes any in progress.
func (s *Store) serialRead(ctx context.Context, stmt string, values ...any) *gocql.Query {
	return s.q(ctx, stmt, values...).Consistency(s.db.Serial)
}

// lwt makes a lightweight transaction. It is never idempotent: replaying a
// conditional write whose outcome is unknown could apply it twice.
func (s *Store) lwt(ctx context.Context, stmt string, values ...any) *gocql.Query {
	return s.q(ctx, stmt, values...).SerialConsistency(s.db.Serial).Idempotent(false)
}

// wrap adds context to err and marks unavailability as meta.ErrUnavailable.
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if cqldb.IsUnavailable(err) || errors.Is(err, gocql.ErrSessionClosed) {
		return fmt.Errorf("meta/cassandra: %s: %w: %w", op, meta.ErrUnavailable, err)
	}
	return fmt.Errorf("meta/cassandra: %s: %w", op, err)
}

// casTimeout tells whether err is a lightweight transaction whose outcome
// is unknown: it timed out after it may have been accepted.
func casTimeout(err error) bool {
	var wt *gocql.RequestErrWriteTimeout
	if errors.As(err, &wt) {
		return true
	}
	return errors.Is(err, gocql.ErrTimeoutNoResponse) || errors.Is(err, context.DeadlineExceeded)
}

// backoff sleeps before retry try (0-based) of a compare-and-set loop:
// random, growing from a few milliseconds to at most 100 ms.
func backoff(ctx context.Context, try int) error {
	ceiling := min(2*time.Millisecond<<min(try, 6), 100*time.Millisecond)
	t := time.NewTimer(rand.N(ceiling) + time.Millisecond)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// errContention: the compare-and-set loop gave up. It wraps
// meta.ErrUnavailable: the request may be retried.
func errContention(op string, tries int) error {
	return fmt.Errorf("meta/cassandra: %s: still contended after %d tries: %w", op, tries, meta.ErrUnavailable)
}

// cas runs a lightweight transaction and returns whether it was applied,
// and if not the current values of the columns its condition names.
func cas(q *gocql.Query) (bool, map[string]any, error) {
	cur := map[string]any{}
	applied, err := q.MapScanCAS(cur)
	return applied, cur, err
}
