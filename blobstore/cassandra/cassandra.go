package cassandra

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/internal/cqldb"
)

const (
	// DefaultGroupSize is the number of consecutive chunks per partition of
	// a new keyspace: 16 MiB partitions at the default 1 MiB chunk.
	DefaultGroupSize = 16
	// MaxChunkSize is the largest chunk Put accepts. A chunk travels in
	// one CQL request, which Cassandra 5 caps at
	// native_transport_max_message_size (12.8 MiB by default with protocol
	// v5), and lands in one commit log mutation (max_mutation_size, 16 MiB
	// by default).
	MaxChunkSize = 8 << 20
	// deleteConcurrency bounds the partition deletes of one Delete.
	deleteConcurrency = 8
	// listPageSize is the number of partition keys ListDataIDs fetches at a
	// time. Small, because Cassandra reads each partition's first row,
	// chunk blob included, to answer SELECT DISTINCT: a page of 1000 held
	// about 1 GiB on the node's heap, timed out and ran a 1 GiB-heap node
	// out of memory; at 8 a page holds at most 8 chunks (64 MiB at
	// MaxChunkSize), and the scan takes as long (it is bound by reading
	// those rows: 1556 data sets in 15 s for page sizes 8 to 100).
	listPageSize = 8
)

// ErrUnavailable is wrapped by the errors of operations that failed because
// the cluster could not serve them now (replicas down, timeouts, no
// connection, session closed): the request may be retried later, and the
// gateway answers 503. The error also wraps gocql's error.
var ErrUnavailable = fmt.Errorf("blobstore/cassandra: %w", blobstore.ErrUnavailable)

// steps are the blobstore component's schema migrations; see doc.go for
// the reasons behind each table option.
var steps = []string{
	`CREATE TABLE IF NOT EXISTS chunks (
		data_id text,
		grp int,
		idx int,
		data blob,
		PRIMARY KEY ((data_id, grp), idx)
	) WITH compaction = {'class': 'UnifiedCompactionStrategy', 'scaling_parameters': 'T4'}
	AND compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': 64, 'min_compress_ratio': 1.1}
	AND gc_grace_seconds = 10800
	AND comment = 'dolium object data: chunk idx of data set data_id, grp = idx / group size'`,
	`CREATE TABLE IF NOT EXISTS blobstore_config (
		name text PRIMARY KEY,
		value int
	) WITH comment = 'dolium blobstore settings fixed at the first Open, such as group_size'`,
}

// Options configures a Driver.
type Options struct {
	// GroupSize is the number of consecutive chunks kept in one partition.
	// It is fixed when the keyspace is first opened (recorded in
	// blobstore_config): zero means the recorded value, or
	// DefaultGroupSize for a new keyspace; a different non-zero value
	// fails Open, since chunks already written would no longer be found.
	GroupSize int
}

// Driver is a blobstore.Driver keeping chunks in the chunks table of a
// cqldb.DB's keyspace. It is safe for concurrent use.
type Driver struct {
	s     *gocql.Session
	group int
}

var (
	_ blobstore.Driver = (*Driver)(nil)
	_ blobstore.Lister = (*Driver)(nil)
)

// Open migrates the blobstore tables of db's keyspace and returns a Driver
// over them. The session stays the caller's: Close does not close it.
func Open(ctx context.Context, db *cqldb.DB, opts Options) (*Driver, error) {
	if opts.GroupSize < 0 {
		return nil, fmt.Errorf("blobstore/cassandra: negative group size %d", opts.GroupSize)
	}
	if err := db.Migrate(ctx, "blobstore", steps); err != nil {
		return nil, wrap(err, "open: migrate")
	}
	group, err := groupSize(ctx, db, opts.GroupSize)
	if err != nil {
		return nil, err
	}
	return &Driver{s: db.Session, group: group}, nil
}

// groupSize records want (or the default) as the keyspace's group size if
// none is recorded yet, and returns the recorded one.
func groupSize(ctx context.Context, db *cqldb.DB, want int) (int, error) {
	propose := want
	if propose == 0 {
		propose = DefaultGroupSize
	}
	row := map[string]any{}
	applied, err := db.Session.Query(`INSERT INTO blobstore_config (name, value) VALUES ('group_size', ?) IF NOT EXISTS`, propose).
		SerialConsistency(db.Serial).WithContext(ctx).MapScanCAS(row)
	if err != nil {
		return 0, wrap(err, "open: group size")
	}
	if applied {
		return propose, nil
	}
	stored, ok := row["value"].(int)
	if !ok || stored <= 0 {
		return 0, fmt.Errorf("blobstore/cassandra: open: invalid recorded group size %v", row["value"])
	}
	if want != 0 && want != stored {
		return 0, fmt.Errorf("blobstore/cassandra: open: group size %d requested, but the keyspace was created with %d", want, stored)
	}
	return stored, nil
}

// GroupSize returns the number of chunks per partition.
func (d *Driver) GroupSize() int { return d.group }

// wrap adds context to err, and ErrUnavailable when the cluster could not
// serve the request.
func wrap(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	if cqldb.IsUnavailable(err) || errors.Is(err, gocql.ErrSessionClosed) {
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
	}
	return fmt.Errorf("blobstore/cassandra: %s: %w", what, err)
}

func checkKey(op string, k blobstore.ChunkKey) error {
	if k.DataID == "" {
		return fmt.Errorf("blobstore/cassandra: %s: empty data id", op)
	}
	if k.Index < 0 {
		return fmt.Errorf("blobstore/cassandra: %s %s: negative index %d", op, k.DataID, k.Index)
	}
	return nil
}

// Put stores b as chunk k at the session's consistency. The insert is
// idempotent, so the session's retry policy may repeat it.
func (d *Driver) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	if err := checkKey("put", k); err != nil {
		return err
	}
	if len(b) > MaxChunkSize {
		return fmt.Errorf("blobstore/cassandra: put %s/%d: %d bytes, more than the %d a chunk may hold", k.DataID, k.Index, len(b), MaxChunkSize)
	}
	if b == nil {
		b = []byte{} // nil would be written as null
	}
	err := d.s.Query(`INSERT INTO chunks (data_id, grp, idx, data) VALUES (?, ?, ?, ?)`,
		k.DataID, k.Index/d.group, k.Index, b).Idempotent(true).WithContext(ctx).Exec()
	if err != nil {
		return wrap(err, "put %s/%d", k.DataID, k.Index)
	}
	return nil
}

// Get returns chunk k, or an error wrapping blobstore.ErrNotFound.
func (d *Driver) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	if err := checkKey("get", k); err != nil {
		return nil, err
	}
	var b []byte
	err := d.s.Query(`SELECT data FROM chunks WHERE data_id = ? AND grp = ? AND idx = ?`,
		k.DataID, k.Index/d.group, k.Index).Idempotent(true).WithContext(ctx).Scan(&b)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, fmt.Errorf("blobstore/cassandra: get %s/%d: %w", k.DataID, k.Index, blobstore.ErrNotFound)
	}
	if err != nil {
		return nil, wrap(err, "get %s/%d", k.DataID, k.Index)
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}

// Delete removes chunks 0..count-1 of dataID by deleting whole partitions,
// groups 0..(count-1)/GroupSize, a few at a time: one partition tombstone
// per group, whatever the number of chunks.
//
// count < 0 deletes group after group until it finds a group with no live
// rows. Chunks in a later group are then left behind: this happens only if
// a group in the middle is empty, for instance after an earlier Delete
// with a count that was interrupted having removed some groups and not
// others. Callers that know the chunk count should pass it.
func (d *Driver) Delete(ctx context.Context, dataID string, count int) error {
	if dataID == "" {
		return errors.New("blobstore/cassandra: delete: empty data id")
	}
	if count < 0 {
		return d.deleteAll(ctx, dataID)
	}
	if count == 0 {
		return nil
	}
	groups := (count-1)/d.group + 1
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	for range min(groups, deleteConcurrency) {
		wg.Go(func() {
			for {
				g := int(next.Add(1) - 1)
				if g >= groups || ctx.Err() != nil {
					return
				}
				if err := d.deleteGroup(ctx, dataID, g); err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = err
					}
					mu.Unlock()
					cancel()
					return
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

func (d *Driver) deleteGroup(ctx context.Context, dataID string, g int) error {
	err := d.s.Query(`DELETE FROM chunks WHERE data_id = ? AND grp = ?`, dataID, g).
		Idempotent(true).WithContext(ctx).Exec()
	if err != nil {
		return wrap(err, "delete %s group %d", dataID, g)
	}
	return nil
}

// deleteAll deletes the groups of dataID in order up to the first empty
// one.
func (d *Driver) deleteAll(ctx context.Context, dataID string) error {
	for g := 0; ; g++ {
		var idx int
		err := d.s.Query(`SELECT idx FROM chunks WHERE data_id = ? AND grp = ? LIMIT 1`, dataID, g).
			Idempotent(true).WithContext(ctx).Scan(&idx)
		if errors.Is(err, gocql.ErrNotFound) {
			return nil
		}
		if err != nil {
			return wrap(err, "delete %s: probing group %d", dataID, g)
		}
		if err := d.deleteGroup(ctx, dataID, g); err != nil {
			return err
		}
	}
}

// ListDataIDs calls fn once for every data id with live chunks, in token
// order, stopping at the first error fn returns. It scans every partition
// key of the table (SELECT DISTINCT) and remembers the data ids it has
// reported, so its memory grows with the number of data ids: it is meant
// for tests and administration, not for the request path.
func (d *Driver) ListDataIDs(ctx context.Context, fn func(dataID string) error) error {
	iter := d.s.Query(`SELECT DISTINCT data_id, grp FROM chunks`).
		PageSize(listPageSize).Idempotent(true).WithContext(ctx).Iter()
	seen := make(map[string]struct{})
	var (
		id  string
		grp int
	)
	for iter.Scan(&id, &grp) {
		if _, ok := seen[id]; ok {
			continue
		}
		seen[id] = struct{}{}
		if err := fn(id); err != nil {
			iter.Close()
			return err
		}
	}
	if err := iter.Close(); err != nil {
		return wrap(err, "list")
	}
	return nil
}

// Close does nothing: the session belongs to the caller of Open.
func (d *Driver) Close() error { return nil }
