package cassandra_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/cassandra"
	"github.com/dolium/dolium/blobstore/storetest"
	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
)

// harness connects the calling test to a fresh keyspace (dropped when it
// ends) and returns newDriver for the contract suites: every driver starts
// on an emptied chunks table, as the suites require.
func harness(t *testing.T) func(t *testing.T) blobstore.Driver {
	db, _ := cqltest.DB(t, "blobstore")
	return func(t *testing.T) blobstore.Driver {
		t.Helper()
		d := open(t, db, cassandra.Options{})
		if err := db.Session.Query(`TRUNCATE chunks`).Exec(); err != nil {
			t.Fatalf("TRUNCATE chunks: %v", err)
		}
		return d
	}
}

func open(t testing.TB, db *cqldb.DB, opts cassandra.Options) *cassandra.Driver {
	t.Helper()
	d, err := cassandra.Open(context.Background(), db, opts)
	if err != nil {
		t.Fatalf("Open(%+v) = %v", opts, err)
	}
	return d
}

func TestDriver(t *testing.T) { storetest.Run(t, harness(t)) }

func TestStore(t *testing.T) { storetest.RunStore(t, harness(t)) }

// countRows returns the number of rows in partition (id, grp), read with
// CQL directly.
func countRows(t *testing.T, db *cqldb.DB, id string, grp int) int {
	t.Helper()
	var n int64
	if err := db.Session.Query(`SELECT COUNT(*) FROM chunks WHERE data_id = ? AND grp = ?`, id, grp).Scan(&n); err != nil {
		t.Fatalf("SELECT COUNT(*) of %s group %d: %v", id, grp, err)
	}
	return int(n)
}

// TestDeletePartitions checks with CQL that Delete empties every partition
// of a data set spanning three groups, and leaves other data sets alone.
func TestDeletePartitions(t *testing.T) {
	db, _ := cqltest.DB(t, "blobstore")
	d := open(t, db, cassandra.Options{})
	g := d.GroupSize()
	const groups = 3
	chunks := 2*g + g/2 // the last group is partial
	for _, count := range []int{chunks, -1} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			id, keep := fmt.Sprintf("parts%d", count), fmt.Sprintf("keep%d", count)
			for i := range chunks {
				for _, dataID := range []string{id, keep} {
					if err := d.Put(t.Context(), blobstore.ChunkKey{DataID: dataID, Index: i}, []byte{byte(i)}); err != nil {
						t.Fatal(err)
					}
				}
			}
			wantRows := []int{g, g, g / 2}
			for grp := range groups {
				if got := countRows(t, db, id, grp); got != wantRows[grp] {
					t.Fatalf("before Delete: %d rows in group %d, want %d", got, grp, wantRows[grp])
				}
			}
			if err := d.Delete(t.Context(), id, count); err != nil {
				t.Fatalf("Delete(%q, %d) = %v", id, count, err)
			}
			for grp := range groups + 1 {
				if got := countRows(t, db, id, grp); got != 0 {
					t.Errorf("after Delete: %d rows in group %d, want 0", got, grp)
				}
				if got, want := countRows(t, db, keep, grp), wantRows[min(grp, groups-1)]*min(1, groups-grp); got != want {
					t.Errorf("after Delete: %d rows in group %d of another data set, want %d", got, grp, want)
				}
			}
		})
	}
}

// TestGroupSize checks that chunks land in partition index/GroupSize and
// that the group size of a keyspace cannot change.
func TestGroupSize(t *testing.T) {
	db, _ := cqltest.DB(t, "blobstore")
	d := open(t, db, cassandra.Options{GroupSize: 4})
	if got := d.GroupSize(); got != 4 {
		t.Fatalf("GroupSize() = %d, want 4", got)
	}
	for i := range 10 {
		if err := d.Put(t.Context(), blobstore.ChunkKey{DataID: "g", Index: i}, []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	for grp, want := range []int{4, 4, 2, 0} {
		if got := countRows(t, db, "g", grp); got != want {
			t.Errorf("%d rows in group %d, want %d", got, grp, want)
		}
	}
	// Zero takes the recorded size; another size is refused.
	d0 := open(t, db, cassandra.Options{})
	if got := d0.GroupSize(); got != 4 {
		t.Errorf("GroupSize() of a second Open with zero options = %d, want the recorded 4", got)
	}
	if b, err := d0.Get(t.Context(), blobstore.ChunkKey{DataID: "g", Index: 9}); err != nil || !bytes.Equal(b, []byte{9}) {
		t.Errorf("Get(g/9) = %v, %v; want [9]", b, err)
	}
	if _, err := cassandra.Open(t.Context(), db, cassandra.Options{GroupSize: 16}); err == nil {
		t.Errorf("Open(GroupSize 16) on a keyspace made with 4 = nil error, want one")
	}
	if _, err := cassandra.Open(t.Context(), db, cassandra.Options{GroupSize: -1}); err == nil {
		t.Errorf("Open(GroupSize -1) = nil error, want one")
	}
}

func TestChunkSizeLimit(t *testing.T) {
	db, _ := cqltest.DB(t, "blobstore")
	d := open(t, db, cassandra.Options{})
	big := bytes.Repeat([]byte{7}, cassandra.MaxChunkSize)
	k := blobstore.ChunkKey{DataID: "big", Index: 0}
	if err := d.Put(t.Context(), k, big); err != nil {
		t.Fatalf("Put(%d bytes) = %v", len(big), err)
	}
	if b, err := d.Get(t.Context(), k); err != nil || !bytes.Equal(b, big) {
		t.Fatalf("Get of a %d-byte chunk = %d bytes, %v", len(big), len(b), err)
	}
	if err := d.Put(t.Context(), k, append(big, 0)); err == nil {
		t.Fatalf("Put(%d bytes) = nil, want an error", len(big)+1)
	}
}

// TestUnavailable checks that a driver whose session cannot serve requests
// fails with ErrUnavailable, never with ErrNotFound.
func TestUnavailable(t *testing.T) {
	_, cfg := cqltest.DB(t, "blobstore")
	db, err := cqldb.Connect(t.Context(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := open(t, db, cassandra.Options{})
	k := blobstore.ChunkKey{DataID: "u", Index: 0}
	if err := d.Put(t.Context(), k, []byte("x")); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := d.Put(t.Context(), k, []byte("x")); !errors.Is(err, cassandra.ErrUnavailable) {
		t.Errorf("Put on a closed session = %v, want an error wrapping ErrUnavailable", err)
	}
	if _, err := d.Get(t.Context(), k); !errors.Is(err, cassandra.ErrUnavailable) || blobstore.IsNotFound(err) {
		t.Errorf("Get on a closed session = %v, want an error wrapping ErrUnavailable only", err)
	}
	for _, count := range []int{1, -1} {
		if err := d.Delete(t.Context(), "u", count); !errors.Is(err, cassandra.ErrUnavailable) {
			t.Errorf("Delete(u, %d) on a closed session = %v, want an error wrapping ErrUnavailable", count, err)
		}
	}
	err = d.ListDataIDs(t.Context(), func(string) error { return nil })
	if !errors.Is(err, cassandra.ErrUnavailable) {
		t.Errorf("ListDataIDs on a closed session = %v, want an error wrapping ErrUnavailable", err)
	}
}

// BenchmarkPutGet measures sequential and parallel puts and gets of 1 MiB
// chunks against the test node.
func BenchmarkPutGet(b *testing.B) {
	const size = 1 << 20
	db, _ := cqltest.DB(b, "blobstore")
	d := open(b, db, cassandra.Options{})
	chunk := bytes.Repeat([]byte("0123456789abcdef"), size/16)
	ctx := context.Background()
	const stored = 32 // chunks the Get benchmarks cycle through
	for i := range stored {
		if err := d.Put(ctx, blobstore.ChunkKey{DataID: "bench-get", Index: i}, chunk); err != nil {
			b.Fatal(err)
		}
	}
	run := func(b *testing.B, op func(i int) error) {
		b.SetBytes(size)
		for i := 0; b.Loop(); i++ {
			if err := op(i); err != nil {
				b.Fatal(err)
			}
		}
	}
	runParallel := func(b *testing.B, op func(i int) error) {
		b.SetBytes(size)
		b.SetParallelism(2) // 2 × GOMAXPROCS requests in flight
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := op(int(next.Add(1))); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	put := func(id string) func(i int) error {
		return func(i int) error {
			return d.Put(ctx, blobstore.ChunkKey{DataID: id, Index: i}, chunk)
		}
	}
	get := func(i int) error {
		_, err := d.Get(ctx, blobstore.ChunkKey{DataID: "bench-get", Index: i % stored})
		return err
	}
	b.Run("Put", func(b *testing.B) { run(b, put("bench-put")) })
	b.Run("Get", func(b *testing.B) { run(b, get) })
	b.Run("PutParallel", func(b *testing.B) { runParallel(b, put("bench-put-parallel")) })
	b.Run("GetParallel", func(b *testing.B) { runParallel(b, get) })
}

func TestUnavailableIsTheBlobstoreKind(t *testing.T) {
	if !errors.Is(cassandra.ErrUnavailable, blobstore.ErrUnavailable) {
		t.Error("ErrUnavailable does not wrap blobstore.ErrUnavailable: the gateway would answer 500, not 503")
	}
}
