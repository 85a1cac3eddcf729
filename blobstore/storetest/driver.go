package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/dolium/dolium/blobstore"
)

// Run runs the Driver contract suite against drivers made by newDriver.
func Run(t *testing.T, newDriver func(t *testing.T) blobstore.Driver) {
	suite{
		{"RoundTrip", testRoundTrip},
		{"Overwrite", testOverwrite},
		{"NotRetained", testNotRetained},
		{"GetMissing", testGetMissing},
		{"DeleteMissing", testDeleteMissing},
		{"Delete", testDelete},
		{"DeleteAll", testDeleteAll},
		{"DeletePrefixID", testDeletePrefixID},
		{"Concurrent", testConcurrent},
		{"Lister", testLister},
	}.run(t, newDriver)
}

// suite is a list of named tests, each run on a fresh driver.
type suite []struct {
	name string
	fn   func(t *testing.T, d blobstore.Driver)
}

func (s suite) run(t *testing.T, newDriver func(t *testing.T) blobstore.Driver) {
	for _, tc := range s {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t, newDriver)) })
	}
}

func open(t *testing.T, newDriver func(t *testing.T) blobstore.Driver) blobstore.Driver {
	t.Helper()
	d := newDriver(t)
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return d
}

// randBytes returns n pseudo-random bytes, the same for the same seed.
func randBytes(seed uint64, n int) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	b := make([]byte, n)
	r.Read(b)
	return b
}

func key(id string, i int) blobstore.ChunkKey { return blobstore.ChunkKey{DataID: id, Index: i} }

func mustPut(t *testing.T, d blobstore.Driver, k blobstore.ChunkKey, b []byte) {
	t.Helper()
	if err := d.Put(t.Context(), k, b); err != nil {
		t.Fatalf("Put(%v, %d bytes) = %v", k, len(b), err)
	}
}

func mustGet(t *testing.T, d blobstore.Driver, k blobstore.ChunkKey, want []byte) {
	t.Helper()
	got, err := d.Get(t.Context(), k)
	if err != nil {
		t.Fatalf("Get(%v) = %v, want %d bytes", k, err, len(want))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%v) = %d bytes (%.16x...), want %d bytes (%.16x...)", k, len(got), got, len(want), want)
	}
}

func mustMissing(t *testing.T, d blobstore.Driver, k blobstore.ChunkKey) {
	t.Helper()
	got, err := d.Get(t.Context(), k)
	if !blobstore.IsNotFound(err) {
		t.Fatalf("Get(%v) = %d bytes, %v; want an error for which IsNotFound is true", k, len(got), err)
	}
}

func mustDelete(t *testing.T, d blobstore.Driver, id string, count int) {
	t.Helper()
	if err := d.Delete(t.Context(), id, count); err != nil {
		t.Fatalf("Delete(%q, %d) = %v", id, count, err)
	}
}

func testRoundTrip(t *testing.T, d blobstore.Driver) {
	for _, n := range []int{0, 1, 1 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			k := key(fmt.Sprintf("round-%d", n), 0)
			b := randBytes(uint64(n), n)
			mustPut(t, d, k, b)
			mustGet(t, d, k, b)
		})
	}
	// Indexes are independent of one another.
	for i := range 3 {
		mustPut(t, d, key("multi", i), randBytes(uint64(100+i), 10+i))
	}
	for i := range 3 {
		mustGet(t, d, key("multi", i), randBytes(uint64(100+i), 10+i))
	}
}

func testOverwrite(t *testing.T, d blobstore.Driver) {
	k := key("over", 0)
	mustPut(t, d, k, randBytes(1, 1000))
	mustPut(t, d, k, randBytes(2, 10)) // shorter: no stale tail may survive
	mustGet(t, d, k, randBytes(2, 10))
	mustPut(t, d, k, randBytes(3, 5000))
	mustGet(t, d, k, randBytes(3, 5000))
}

func testNotRetained(t *testing.T, d blobstore.Driver) {
	k := key("retain", 0)
	b := randBytes(1, 100)
	mustPut(t, d, k, b)
	clear(b) // the driver must not have kept b
	mustGet(t, d, k, randBytes(1, 100))
	got, err := d.Get(t.Context(), k)
	if err != nil {
		t.Fatal(err)
	}
	clear(got) // nor handed out its own copy
	mustGet(t, d, k, randBytes(1, 100))
}

func testGetMissing(t *testing.T, d blobstore.Driver) {
	mustMissing(t, d, key("never", 0))
	mustPut(t, d, key("some", 0), []byte("x"))
	mustMissing(t, d, key("some", 1))
}

func testDeleteMissing(t *testing.T, d blobstore.Driver) {
	mustDelete(t, d, "never", 3)
	mustDelete(t, d, "never", -1)
	mustDelete(t, d, "never", 0)
}

func testDelete(t *testing.T, d blobstore.Driver) {
	for i := range 3 {
		mustPut(t, d, key("del", i), []byte{byte(i)})
		mustPut(t, d, key("keep", i), []byte{byte(i)})
	}
	mustDelete(t, d, "del", 3)
	for i := range 3 {
		mustMissing(t, d, key("del", i))
		mustGet(t, d, key("keep", i), []byte{byte(i)})
	}
	mustDelete(t, d, "del", 3) // idempotent
	// The data id is usable again after a delete.
	mustPut(t, d, key("del", 0), []byte("again"))
	mustGet(t, d, key("del", 0), []byte("again"))
}

func testDeleteAll(t *testing.T, d blobstore.Driver) {
	for i := range 5 {
		mustPut(t, d, key("all", i), []byte{byte(i)})
	}
	mustDelete(t, d, "all", -1)
	for i := range 5 {
		mustMissing(t, d, key("all", i))
	}
}

func testDeletePrefixID(t *testing.T, d blobstore.Driver) {
	ids := []string{"abc", "abcd", "ab", "abc-1", "abc.1"}
	for _, id := range ids {
		for i := range 2 {
			mustPut(t, d, key(id, i), []byte(id))
		}
	}
	mustDelete(t, d, "abc", 2)
	mustMissing(t, d, key("abc", 0))
	mustMissing(t, d, key("abc", 1))
	for _, id := range ids[1:] {
		for i := range 2 {
			mustGet(t, d, key(id, i), []byte(id))
		}
	}
}

func testConcurrent(t *testing.T, d blobstore.Driver) {
	const workers, chunks = 8, 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*chunks)
	for w := range workers {
		wg.Go(func() {
			ctx := context.Background()
			id := fmt.Sprintf("conc-%d", w)
			for i := range chunks {
				b := randBytes(uint64(w*chunks+i), 1000+i)
				if err := d.Put(ctx, key(id, i), b); err != nil {
					errs <- fmt.Errorf("Put(%s/%d) = %w", id, i, err)
					return
				}
				got, err := d.Get(ctx, key(id, i))
				if err != nil || !bytes.Equal(got, b) {
					errs <- fmt.Errorf("Get(%s/%d) = %d bytes, %v; want %d bytes", id, i, len(got), err, len(b))
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testLister(t *testing.T, d blobstore.Driver) {
	l, ok := d.(blobstore.Lister)
	if !ok {
		t.Skip("driver does not implement blobstore.Lister")
	}
	list := func() []string {
		t.Helper()
		var ids []string
		err := l.ListDataIDs(t.Context(), func(id string) error {
			ids = append(ids, id)
			return nil
		})
		if err != nil {
			t.Fatalf("ListDataIDs() = %v", err)
		}
		slices.Sort(ids)
		return ids
	}
	if got := list(); len(got) != 0 {
		t.Fatalf("ListDataIDs() on an empty driver = %q, want none", got)
	}
	want := []string{"l-1", "l-2", "l-22", "l-3"}
	for _, id := range want {
		mustPut(t, d, key(id, 0), []byte(id))
		mustPut(t, d, key(id, 1), []byte(id))
	}
	if got := list(); !slices.Equal(got, want) {
		t.Fatalf("ListDataIDs() = %q, want %q", got, want)
	}
	mustDelete(t, d, "l-2", 2)
	want = slices.DeleteFunc(want, func(id string) bool { return id == "l-2" })
	if got := list(); !slices.Equal(got, want) {
		t.Fatalf("ListDataIDs() after Delete(l-2) = %q, want %q", got, want)
	}

	// An error from fn stops the listing and is returned.
	stop := errors.New("stop")
	calls := 0
	err := l.ListDataIDs(t.Context(), func(string) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Fatalf("ListDataIDs(fn failing) = %v after %d calls, want %v after 1", err, calls, stop)
	}
}
