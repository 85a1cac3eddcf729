package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
)

const (
	insertBucket = `INSERT INTO buckets (name, owner, created, region, versioning, placement, shards, index_shards, deleted, object_lock)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, false, ?) IF NOT EXISTS`
	reviveBucket = `UPDATE buckets SET owner = ?, created = ?, region = ?, versioning = ?, placement = ?, shards = ?, deleted = false,
		object_lock = ?, configs = null WHERE name = ? IF deleted = true`
	selectBucket  = `SELECT name, owner, created, region, versioning, placement, shards, index_shards, deleted, object_lock, configs, rev FROM buckets WHERE name = ?`
	selectBuckets = `SELECT name, owner, created, region, versioning, placement, shards, index_shards, deleted, object_lock, configs, rev FROM buckets`
	updateBucket  = `UPDATE buckets SET versioning = ?, object_lock = ?, configs = ?, rev = ? WHERE name = ? IF rev = ? AND deleted = false`
	deleteBucket  = `UPDATE buckets SET deleted = true WHERE name = ? IF deleted = false`
	anyObject     = `SELECT key FROM objects WHERE bucket = ? AND shard = ? LIMIT 1`
)

// bucketRow is one row of the buckets table.
type bucketRow struct {
	b           meta.Bucket
	indexShards int
	deleted     bool
	rev         *int64 // UpdateBucket's compare-and-set column (nil: never updated)
}

func scanBucket(sc interface{ Scan(...any) error }) (bucketRow, error) {
	var r bucketRow
	err := sc.Scan(&r.b.Name, &r.b.Owner, &r.b.Created, &r.b.Region, &r.b.Versioning, &r.b.Placement,
		&r.b.Shards, &r.indexShards, &r.deleted, &r.b.ObjectLock, &r.b.Configs, &r.rev)
	if len(r.b.Configs) == 0 {
		r.b.Configs = nil
	}
	return r, err
}

// CreateBucket claims b.Name with a lightweight transaction; meta.ErrConflict
// if it is taken. A bucket with b.Shards <= 0 gets Options.DefaultShards
// listing shards (b.Shards itself is stored as given). A name that was
// deleted keeps the listing shard count of its first creation.
func (s *Store) CreateBucket(ctx context.Context, b meta.Bucket) error {
	if err := s.check(); err != nil {
		return err
	}
	if b.Shards > maxShards {
		return fmt.Errorf("meta/cassandra: create bucket %q: %d shards is above %d", b.Name, b.Shards, maxShards)
	}
	shards := b.Shards
	if shards <= 0 {
		shards = s.opts.DefaultShards
	}
	created := b.Created.UTC()
	prev := map[string]any{}
	applied, err := s.lwt(ctx, insertBucket, b.Name, b.Owner, created, b.Region, b.Versioning, b.Placement, b.Shards, shards, b.ObjectLock).
		MapScanCAS(prev)
	if err != nil {
		return s.wrap(fmt.Sprintf("create bucket %q", b.Name), err)
	}
	if applied {
		s.cacheShards(b.Name, shards)
		return nil
	}
	if deleted, _ := prev["deleted"].(bool); !deleted {
		return fmt.Errorf("meta/cassandra: create bucket %q: %w", b.Name, meta.ErrConflict)
	}
	// The name was used before: take it over if it is still deleted.
	applied, _, err = cas(s.lwt(ctx, reviveBucket, b.Owner, created, b.Region, b.Versioning, b.Placement, b.Shards, b.ObjectLock, b.Name))
	if err != nil {
		return s.wrap(fmt.Sprintf("create bucket %q", b.Name), err)
	}
	if !applied {
		return fmt.Errorf("meta/cassandra: create bucket %q: %w", b.Name, meta.ErrConflict)
	}
	if n, ok := prev["index_shards"].(int); ok && n > 0 {
		s.cacheShards(b.Name, n)
	}
	return nil
}

// GetBucket returns the bucket or meta.ErrNotFound.
func (s *Store) GetBucket(ctx context.Context, name string) (meta.Bucket, error) {
	if err := s.check(); err != nil {
		return meta.Bucket{}, err
	}
	r, err := s.bucketRow(ctx, name)
	if err != nil {
		return meta.Bucket{}, err
	}
	return r.b, nil
}

func (s *Store) bucketRow(ctx context.Context, name string) (bucketRow, error) {
	r, err := scanBucket(s.q(ctx, selectBucket, name).Idempotent(true))
	if errors.Is(err, gocql.ErrNotFound) || err == nil && r.deleted {
		return bucketRow{}, fmt.Errorf("meta/cassandra: bucket %q: %w", name, meta.ErrNotFound)
	}
	if err != nil {
		return bucketRow{}, s.wrap(fmt.Sprintf("bucket %q", name), err)
	}
	if r.indexShards > 0 {
		s.cacheShards(name, r.indexShards)
	}
	return r, nil
}

// ListBuckets returns every bucket ordered by name. It reads the whole
// table: bucket counts are small (thousands), and Cassandra's token order
// is not name order.
func (s *Store) ListBuckets(ctx context.Context) ([]meta.Bucket, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.q(ctx, selectBuckets).Idempotent(true).PageSize(1000).Iter()
	sc := iter.Scanner()
	var out []meta.Bucket
	for sc.Next() {
		r, err := scanBucket(sc)
		if err != nil {
			iter.Close()
			return nil, s.wrap("list buckets", err)
		}
		if !r.deleted {
			out = append(out, r.b)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, s.wrap("list buckets", err)
	}
	slices.SortFunc(out, func(a, b meta.Bucket) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteBucket marks the bucket deleted: meta.ErrNotFound if it is absent,
// meta.ErrConflict if one of its shards holds an object. As in every
// backend, the emptiness check is not atomic with a concurrent PutObject.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	if err := s.check(); err != nil {
		return err
	}
	r, err := s.bucketRow(ctx, name)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	empty := true
	err = forShards(ctx, r.indexShards, func(ctx context.Context, shard int) error {
		var k []byte
		err := s.q(ctx, anyObject, name, shard).Idempotent(true).Scan(&k)
		if errors.Is(err, gocql.ErrNotFound) {
			return nil
		}
		if err == nil {
			mu.Lock()
			empty = false
			mu.Unlock()
		}
		return err
	})
	if err != nil {
		return s.wrap(fmt.Sprintf("delete bucket %q", name), err)
	}
	if !empty {
		return fmt.Errorf("meta/cassandra: delete bucket %q: not empty: %w", name, meta.ErrConflict)
	}
	applied, _, err := cas(s.lwt(ctx, deleteBucket, name))
	if err != nil {
		return s.wrap(fmt.Sprintf("delete bucket %q", name), err)
	}
	if !applied {
		return fmt.Errorf("meta/cassandra: delete bucket %q: %w", name, meta.ErrNotFound)
	}
	return nil
}

func (s *Store) cacheShards(name string, n int) {
	s.shardsMu.Lock()
	s.shards[name] = n
	s.shardsMu.Unlock()
}

// bucketShards returns the listing shard count of an existing bucket. Once
// read it is cached: it never changes for a name (DeleteBucket keeps the
// row, and CreateBucket of a deleted name keeps its count).
func (s *Store) bucketShards(ctx context.Context, name string) (int, error) {
	s.shardsMu.RLock()
	n, ok := s.shards[name]
	s.shardsMu.RUnlock()
	if ok {
		return n, nil
	}
	r, err := s.bucketRow(ctx, name)
	if err != nil {
		return 0, err
	}
	if r.indexShards <= 0 {
		return 0, fmt.Errorf("meta/cassandra: bucket %q has %d shards", name, r.indexShards)
	}
	return r.indexShards, nil
}

// forShards runs f for every shard in [0, n), at most 16 at a time, and
// returns the first error.
func forShards(ctx context.Context, n int, f func(ctx context.Context, shard int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, 16)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			if errs[i] = f(ctx, i); errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return err
		}
	}
	return errors.Join(errs...)
}

// timeNow is the store's clock; the queue reads it to bound its scans.
var timeNow = time.Now

// UpdateBucket applies update to the bucket's row by compare-and-set on
// its rev column, re-reading when a concurrent update won.
func (s *Store) UpdateBucket(ctx context.Context, name string, update func(*meta.Bucket) error) (meta.Bucket, error) {
	if err := s.check(); err != nil {
		return meta.Bucket{}, err
	}
	op := fmt.Sprintf("update bucket %q", name)
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if err := backoff(ctx, try); err != nil {
				return meta.Bucket{}, s.wrap(op, err)
			}
		}
		r, err := scanBucket(s.q(ctx, selectBucket, name).Consistency(s.db.Serial).Idempotent(true))
		if errors.Is(err, gocql.ErrNotFound) || err == nil && r.deleted {
			return meta.Bucket{}, fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrNotFound)
		}
		if err != nil {
			return meta.Bucket{}, s.wrap(op, err)
		}
		b := r.b
		if err := update(&b); err != nil {
			return meta.Bucket{}, err
		}
		var next int64 = 1
		var prev any // nil matches a rev never set
		if r.rev != nil {
			next, prev = *r.rev+1, *r.rev
		}
		applied, _, err := cas(s.lwt(ctx, updateBucket, b.Versioning, b.ObjectLock, b.Configs, next, name, prev))
		if err != nil {
			return meta.Bucket{}, s.wrap(op, err)
		}
		if applied {
			r.b.Versioning, r.b.ObjectLock, r.b.Configs = b.Versioning, b.ObjectLock, b.Configs
			return r.b, nil
		}
	}
	return meta.Bucket{}, errContention(op, s.opts.MaxTries)
}
