package pebble

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sync"

	pebbledb "github.com/cockroachdb/pebble"

	"github.com/dolium/dolium/meta"
)

// Options configures Open. The zero value is a sensible default for a
// small machine.
type Options struct {
	// CacheSize is the block cache size in bytes (default 16 MiB).
	CacheSize int64
	// MemTableSize is the size in bytes of one memtable (default 4 MiB).
	MemTableSize uint64
	// Logger receives Pebble's informational messages; nil discards them.
	Logger *slog.Logger
}

const (
	defaultCacheSize    = 16 << 20
	defaultMemTableSize = 4 << 20
	stripes             = 256
)

// errClosed is returned by every method after Close. It wraps
// meta.ErrUnavailable: a gateway shutting down answers 503, and the client
// retries elsewhere.
var errClosed = fmt.Errorf("meta/pebble: store closed: %w", meta.ErrUnavailable)

// Store is a meta.Store kept in a Pebble database in one directory. It is
// safe for concurrent use; only one process may open a directory at a time.
type Store struct {
	db   *pebbledb.DB
	seed maphash.Seed
	// locks serialize read-modify-write operations on the same row; a row
	// key hashes to one stripe, so unrelated rows rarely contend.
	locks [stripes]sync.Mutex

	// closeMu is held shared by every operation and exclusively by Close,
	// so that Close waits for operations in flight and none starts after.
	closeMu sync.RWMutex
	closed  bool
}

var _ meta.Store = (*Store)(nil)

// Open opens or creates the store in dir.
func Open(dir string, opts Options) (*Store, error) {
	cacheSize := opts.CacheSize
	if cacheSize <= 0 {
		cacheSize = defaultCacheSize
	}
	memTableSize := opts.MemTableSize
	if memTableSize == 0 {
		memTableSize = defaultMemTableSize
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	cache := pebbledb.NewCache(cacheSize)
	defer cache.Unref() // the DB holds its own reference
	db, err := pebbledb.Open(dir, &pebbledb.Options{
		Cache:        cache,
		MemTableSize: memTableSize,
		Logger:       pebbleLogger{logger},
	})
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: open: %w", err)
	}
	st := &Store{db: db, seed: maphash.MakeSeed()}
	if err := st.upgrade(); err != nil {
		db.Close()
		return nil, err
	}
	return st, nil
}

// objectsFormat is the format of the object index: "2" is heads plus
// version rows (versioning). A store without the state row was written
// before versioning: it has heads only.
const objectsFormat = "2"

// upgrade brings a store written by an earlier release to the current
// format: every object of a pre-versioning store is its key's null
// version, so it gets its version row and null pointer. It runs at Open,
// before any other operation, and is idempotent: a crash midway redoes it.
func (s *Store) upgrade() error {
	v, ok, err := s.get(stateKey("objects-format"))
	if err != nil {
		return err
	}
	if ok && string(v) == objectsFormat {
		return nil
	}
	lower := []byte{tagObject}
	b := s.db.NewBatch()
	n := 0
	flush := func() error {
		if err := s.commit(b); err != nil {
			return err
		}
		b, n = s.db.NewBatch(), 0
		return nil
	}
	err = s.scan(context.Background(), lower, successor(lower), func(_, v []byte) (bool, error) {
		var rec objectRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		if err := b.Set(versionKey(rec.Bucket, rec.Key, rec.VersionID), v, nil); err != nil {
			return false, err
		}
		if !rec.Versioned {
			if err := b.Set(nullKey(rec.Bucket, rec.Key), []byte(rec.VersionID), nil); err != nil {
				return false, err
			}
		}
		if n++; n >= 1000 {
			return true, flush()
		}
		return true, nil
	})
	if err == nil {
		err = b.Set(stateKey("objects-format"), []byte(objectsFormat), nil)
	}
	if err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: upgrade to versioned objects: %w", err)
	}
	return s.commit(b)
}

// Close closes the database. Operations after Close fail with an error that
// wraps meta.ErrUnavailable.
func (s *Store) Close() error {
	s.closeMu.Lock()
	defer s.closeMu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("meta/pebble: close: %w", err)
	}
	return nil
}

// Ping returns nil while the store is open.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	s.end()
	return nil
}

// begin starts an operation: it checks ctx and takes closeMu shared. Every
// caller that gets nil must call s.end.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errClosed
	}
	return nil
}

func (s *Store) end() { s.closeMu.RUnlock() }

// lock takes the stripe lock of row key k and returns its unlock.
func (s *Store) lock(k []byte) func() {
	m := &s.locks[maphash.Bytes(s.seed, k)%stripes]
	m.Lock()
	return m.Unlock
}

// get reads the value of k; ok is false if k is absent.
func (s *Store) get(k []byte) (v []byte, ok bool, err error) {
	v, closer, err := s.db.Get(k)
	if errors.Is(err, pebbledb.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("meta/pebble: get: %w", err)
	}
	v = bytes.Clone(v)
	if err := closer.Close(); err != nil {
		return nil, false, fmt.Errorf("meta/pebble: get: %w", err)
	}
	return v, true, nil
}

// getRec reads and decodes the value of k into rec.
func (s *Store) getRec(k []byte, rec any) (ok bool, err error) {
	v, ok, err := s.get(k)
	if err != nil || !ok {
		return ok, err
	}
	return true, decode(v, rec)
}

// commit applies b durably: it returns once the batch is in the fsynced
// WAL. Concurrent commits share one fsync (group commit).
func (s *Store) commit(b *pebbledb.Batch) error {
	defer b.Close()
	if err := b.Commit(pebbledb.Sync); err != nil {
		return fmt.Errorf("meta/pebble: commit: %w", err)
	}
	return nil
}

// setRec writes rec at k durably.
func (s *Store) setRec(k []byte, rec any) error {
	v, err := encode(rec)
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	if err := b.Set(k, v, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: set: %w", err)
	}
	return s.commit(b)
}

// scan calls fn for each key in [lower, upper) in order until fn returns
// false or an error. A nil upper means no upper bound.
func (s *Store) scan(ctx context.Context, lower, upper []byte, fn func(k, v []byte) (more bool, err error)) (err error) {
	it, err := s.db.NewIter(&pebbledb.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("meta/pebble: scan: %w", err)
	}
	defer func() {
		if cerr := it.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("meta/pebble: scan: %w", cerr)
		}
	}()
	n := 0
	for valid := it.First(); valid; valid = it.Next() {
		if n++; n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		more, err := fn(it.Key(), it.Value())
		if err != nil || !more {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("meta/pebble: scan: %w", err)
	}
	return nil
}

// pebbleLogger adapts slog to Pebble's logger.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Info(fmt.Sprintf(format, args...), "component", "pebble")
}

// Fatalf logs and panics: Pebble calls it on corruption it cannot survive
// and expects it not to return.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error(msg, "component", "pebble")
	panic("meta/pebble: " + msg)
}
