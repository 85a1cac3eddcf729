package cassandra_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/cassandra"
	"github.com/dolium/dolium/meta/metatest"
)

// One keyspace serves the whole test binary: creating one takes seconds,
// while emptying the tables between tests takes a fraction of one.
var (
	sharedOnce sync.Once
	sharedDB   *cqldb.DB
	sharedCfg  cqldb.Config
	sharedErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedDB != nil {
		sharedDB.Session.Query("DROP KEYSPACE IF EXISTS " + sharedCfg.Keyspace).Exec()
		sharedDB.Close()
	}
	os.Exit(code)
}

// testDB returns the shared keyspace, with the meta tables migrated. It
// fails t (never skips) when Cassandra is unreachable.
func testDB(t *testing.T) *cqldb.DB {
	t.Helper()
	sharedOnce.Do(func() {
		sharedCfg = cqltest.Config("metatest")
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		sharedDB, sharedErr = cqldb.Connect(ctx, sharedCfg, nil)
		if sharedErr != nil {
			return
		}
		var s *cassandra.Store
		if s, sharedErr = cassandra.Open(ctx, sharedDB, cassandra.Options{}); sharedErr == nil {
			s.Close()
		}
	})
	if sharedErr != nil {
		t.Fatalf("Cassandra at %v is not reachable (start it with `make cassandra-start`): %v", sharedCfg.Hosts, sharedErr)
	}
	return sharedDB
}

var tables = []string{"buckets", "objects", "uploads", "parts", "gc_queue", "gc_mark", "repair_queue", "completions", "rebuilds", "leases", "users", "access_keys", "identity_settings"}

// newStore empties the shared keyspace's tables and opens a store on it.
// Only tables with a row are truncated: TRUNCATE costs about 0.1 s.
func newStore(t *testing.T) *cassandra.Store {
	t.Helper()
	db := testDB(t)
	ctx := t.Context()
	for _, table := range tables {
		iter := db.Session.Query("SELECT * FROM " + table + " LIMIT 1").WithContext(ctx).Iter()
		n := iter.NumRows()
		if err := iter.Close(); err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		if n == 0 {
			continue
		}
		if err := db.Session.Query("TRUNCATE " + table).WithContext(ctx).Exec(); err != nil {
			t.Fatalf("TRUNCATE %s: %v", table, err)
		}
	}
	s, err := cassandra.Open(ctx, db, cassandra.Options{})
	if err != nil {
		t.Fatalf("Open: got error %v, want nil", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: got error %v, want nil", err)
		}
	})
	return s
}

func TestContract(t *testing.T) {
	metatest.Run(t, func(t *testing.T) meta.Store { return newStore(t) })
}

// TestListMany lists 50,000 keys of a 16-shard bucket in pages of 1000:
// every key comes back once, in order.
func TestListMany(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "many", Created: time.Now(), Shards: 16}); err != nil {
		t.Fatalf("CreateBucket: got error %v, want nil", err)
	}
	const n = 50_000
	keys := make([]string, n)
	for i := range keys {
		// Shared prefixes of varying length, not in write order.
		keys[i] = fmt.Sprintf("%c/%x/%d", 'a'+i%7, i%251, i)
	}
	start := time.Now()
	work := make(chan string)
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for k := range work {
				o := meta.Object{Bucket: "many", Key: k, VersionID: "v-" + k, LastModified: time.Now(),
					Extents: []meta.Extent{{DataID: "d-" + k, Size: 1}}}
				if _, err := s.PutObject(ctx, o, meta.Cond{}, nil); err != nil {
					errs <- fmt.Errorf("PutObject(%q): %w", k, err)
					return
				}
			}
		})
	}
	go func() {
		defer close(work)
		for _, k := range keys {
			select {
			case work <- k:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("%v, want nil error", err)
	}
	t.Logf("wrote %d keys in %v", n, time.Since(start))

	start = time.Now()
	slices.Sort(keys)
	var got []string
	o := meta.ListOptions{Limit: 1000}
	for pages := 0; ; pages++ {
		if pages > n/1000+1 {
			t.Fatalf("ListObjects: no end after %d pages", pages)
		}
		page, err := s.ListObjects(ctx, "many", o)
		if err != nil {
			t.Fatalf("ListObjects(%#v): got error %v, want nil", o, err)
		}
		for _, obj := range page {
			got = append(got, obj.Key)
			if obj.VersionID != "v-"+obj.Key {
				t.Fatalf("ListObjects: key %q has version %q, want %q", obj.Key, obj.VersionID, "v-"+obj.Key)
			}
		}
		if len(page) < o.Limit {
			break
		}
		o.After = page[len(page)-1].Key
	}
	t.Logf("listed %d keys in %v", len(got), time.Since(start))
	if len(got) != n {
		t.Fatalf("ListObjects paging: got %d keys, want %d", len(got), n)
	}
	for i := range got {
		if got[i] != keys[i] {
			t.Fatalf("ListObjects paging: key %d is %q, want %q", i, got[i], keys[i])
		}
	}
}

// TestSchemaTooNew: a keyspace migrated by a newer dolium is not opened.
func TestSchemaTooNew(t *testing.T) {
	db := testDB(t)
	ctx := t.Context()
	var v int
	if err := db.Session.Query(`SELECT version FROM schema_versions WHERE component = 'meta'`).WithContext(ctx).Scan(&v); err != nil {
		t.Fatalf("read schema version: %v", err)
	}
	setVersion := func(v int) {
		t.Helper()
		if err := db.Session.Query(`UPDATE schema_versions SET version = ? WHERE component = 'meta'`, v).WithContext(ctx).Exec(); err != nil {
			t.Fatalf("set schema version: %v", err)
		}
	}
	setVersion(v + 1)
	defer setVersion(v)
	_, err := cassandra.Open(ctx, db, cassandra.Options{})
	if !errors.Is(err, cqldb.ErrSchemaTooNew) {
		t.Errorf("Open of a newer schema: got error %v, want %v", err, cqldb.ErrSchemaTooNew)
	}
}

// TestClosed: after Close every method fails with meta.ErrUnavailable.
func TestClosed(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	s.Close()
	_, errGet := s.GetObject(ctx, "b", "k")
	_, errPut := s.PutObject(ctx, meta.Object{Bucket: "b", Key: "k"}, meta.Cond{}, nil)
	_, errDue := s.DueEntries(ctx, time.Now(), 1)
	_, errRepairs := s.DueRepairs(ctx, time.Now(), 1)
	errEnqueue := s.EnqueueRepair(ctx, meta.RepairEntry{Due: time.Now(), DataID: "d"})
	for i, err := range []error{s.Ping(ctx), errGet, errPut, errDue, s.CreateBucket(ctx, meta.Bucket{Name: "b"}), errRepairs, errEnqueue} {
		if !errors.Is(err, meta.ErrUnavailable) {
			t.Errorf("call %d after Close: got error %v, want %v", i, err, meta.ErrUnavailable)
		}
	}
}

// TestRecreateBucket: a deleted name keeps its listing shard count, so a
// gateway that cached it still writes where listings read.
func TestRecreateBucket(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	mustNil := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: got error %v, want nil", what, err)
		}
	}
	mustNil("CreateBucket", s.CreateBucket(ctx, meta.Bucket{Name: "b", Shards: 3}))
	mustNil("DeleteBucket", s.DeleteBucket(ctx, "b"))
	mustNil("CreateBucket again", s.CreateBucket(ctx, meta.Bucket{Name: "b", Owner: "o2", Shards: 40}))
	if err := s.CreateBucket(ctx, meta.Bucket{Name: "b", Shards: 1}); !errors.Is(err, meta.ErrConflict) {
		t.Fatalf("CreateBucket of a recreated name: got error %v, want %v", err, meta.ErrConflict)
	}
	b, err := s.GetBucket(ctx, "b")
	mustNil("GetBucket", err)
	if b.Owner != "o2" || b.Shards != 40 {
		t.Errorf("GetBucket: got %+v, want owner o2 and 40 shards", b)
	}
	other, err := cassandra.Open(ctx, testDB(t), cassandra.Options{})
	mustNil("Open", err)
	for i := range 30 {
		_, err := s.PutObject(ctx, meta.Object{Bucket: "b", Key: fmt.Sprint(i), VersionID: "v"}, meta.Cond{}, nil)
		mustNil("PutObject", err)
	}
	for _, st := range []*cassandra.Store{s, other} {
		got, err := st.ListObjects(ctx, "b", meta.ListOptions{})
		mustNil("ListObjects", err)
		if len(got) != 30 {
			t.Errorf("ListObjects: got %d objects, want 30", len(got))
		}
	}
	if err := s.DeleteBucket(ctx, "b"); !errors.Is(err, meta.ErrConflict) {
		t.Errorf("DeleteBucket of a full bucket: got error %v, want %v", err, meta.ErrConflict)
	}
}

// TestQueueMark: the low-water mark moves past drained slots, and an entry
// enqueued below it afterwards is still found.
func TestQueueMark(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond)
	old := meta.GCEntry{Due: now.Add(-72 * time.Hour), DataID: "old"}
	if err := s.Enqueue(ctx, old); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	ids := func(when time.Time) []string {
		t.Helper()
		es, err := s.DueEntries(ctx, when, 10)
		if err != nil {
			t.Fatalf("DueEntries: %v", err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.DataID)
		}
		return out
	}
	if got := ids(now); !slices.Equal(got, []string{"old"}) {
		t.Fatalf("DueEntries: got %q, want [old]", got)
	}
	if err := s.Remove(ctx, old); err != nil {
		t.Fatalf("Remove: %v", err)
	}
	// This pass moves the mark to an hour before now.
	if got := ids(now); len(got) != 0 {
		t.Fatalf("DueEntries after Remove: got %q, want none", got)
	}
	older := meta.GCEntry{Due: now.Add(-100 * time.Hour), DataID: "older"}
	if err := s.Enqueue(ctx, older); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if got := ids(now); !slices.Equal(got, []string{"older"}) {
		t.Fatalf("DueEntries of an entry below the mark: got %q, want [older]", got)
	}
	if n, err := s.Len(ctx); err != nil || n != 1 {
		t.Errorf("Len: got %d, %v, want 1", n, err)
	}
}

// TestRepairQueueMark: the repair queue's low-water mark is its own. A GC
// pass that drains its queue does not move it, and the repair mark moves
// past drained slots and comes down for an entry enqueued below it.
func TestRepairQueueMark(t *testing.T) {
	s := newStore(t)
	ctx := t.Context()
	now := time.Now().Truncate(time.Millisecond)
	old := meta.RepairEntry{Due: now.Add(-72 * time.Hour), DataID: "old", Index: 3, Zone: 1, Placement: "p"}
	if err := s.EnqueueRepair(ctx, old); err != nil {
		t.Fatalf("EnqueueRepair: %v", err)
	}
	ids := func(when time.Time) []string {
		t.Helper()
		es, err := s.DueRepairs(ctx, when, 10)
		if err != nil {
			t.Fatalf("DueRepairs: %v", err)
		}
		var out []string
		for _, e := range es {
			out = append(out, e.DataID)
		}
		return out
	}
	// A GC pass over an empty GC queue moves the GC mark to an hour ago.
	if es, err := s.DueEntries(ctx, now, 10); err != nil || len(es) != 0 {
		t.Fatalf("DueEntries: got %+v, %v, want none", es, err)
	}
	if got := ids(now); !slices.Equal(got, []string{"old"}) {
		t.Fatalf("DueRepairs after a GC pass: got %q, want [old]", got)
	}
	if err := s.RemoveRepair(ctx, old); err != nil {
		t.Fatalf("RemoveRepair: %v", err)
	}
	// This pass moves the repair mark to an hour before now.
	if got := ids(now); len(got) != 0 {
		t.Fatalf("DueRepairs after RemoveRepair: got %q, want none", got)
	}
	older := meta.RepairEntry{Due: now.Add(-100 * time.Hour), DataID: "older", Delete: true, Index: -1}
	if err := s.EnqueueRepair(ctx, older); err != nil {
		t.Fatalf("EnqueueRepair: %v", err)
	}
	if got := ids(now); !slices.Equal(got, []string{"older"}) {
		t.Fatalf("DueRepairs of an entry below the mark: got %q, want [older]", got)
	}
	if n, err := s.RepairLen(ctx); err != nil || n != 1 {
		t.Errorf("RepairLen: got %d, %v, want 1", n, err)
	}
	if n, err := s.Len(ctx); err != nil || n != 0 {
		t.Errorf("Len of the GC queue: got %d, %v, want 0", n, err)
	}
}

// TestListVersionsMany pages through 10,000 versions of 4,000 keys of a
// 16-shard bucket, written concurrently, against a model (see
// metatest.ListVersionsMany).
func TestListVersionsMany(t *testing.T) {
	metatest.ListVersionsMany(t, newStore(t), metatest.ManyOptions{Keys: 4000, Versions: 10_000, Writers: 64})
}

// TestVersionRace: writers racing on the same keys leave each key one
// latest version, its greatest, and lose no acknowledged version.
func TestVersionRace(t *testing.T) {
	metatest.VersionRace(t, newStore(t), metatest.RaceOptions{Keys: 4, Writers: 16, Ops: 25})
}
