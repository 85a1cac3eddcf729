package storetest

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"testing"
	"testing/iotest"
	"time"

	"github.com/dolium/dolium/blobstore"
)

// storeChunk is the small chunk size RunStore writes with.
const storeChunk = 64 << 10

// RunStore runs a blobstore.Store over drivers made by newDriver: round
// trips, ranges, checksum and missing-chunk detection, cancellation and
// error propagation. Its subtests do not run in parallel, because one of
// them counts goroutines.
func RunStore(t *testing.T, newDriver func(t *testing.T) blobstore.Driver) {
	suite{
		{"RoundTrip", testStoreRoundTrip},
		{"SmallReads", testStoreSmallReads},
		{"Ranges", testStoreRanges},
		{"Corrupt", testStoreCorrupt},
		{"MissingChunk", testStoreMissingChunk},
		{"CloseNoLeak", testStoreCloseNoLeak},
		{"CloseBlockedNoLeak", testStoreCloseBlockedNoLeak},
		{"ReadAfterClose", testStoreReadAfterClose},
		{"ReaderError", testStoreReaderError},
		{"DriverError", testStoreDriverError},
		{"Concurrency", testStoreConcurrency},
		{"CanceledWrite", testStoreCanceledWrite},
		{"Delete", testStoreDelete},
		{"BadArguments", testStoreBadArguments},
		{"Sealed", testStoreSealed},
	}.run(t, newDriver)
}

func newStore(d blobstore.Driver) *blobstore.Store {
	return blobstore.New(d, blobstore.Options{ChunkSize: storeChunk, Concurrency: 3, Prefetch: 2})
}

func mustWrite(t *testing.T, s *blobstore.Store, id string, b []byte) {
	t.Helper()
	n, err := s.Write(t.Context(), id, bytes.NewReader(b))
	if err != nil || n != int64(len(b)) {
		t.Fatalf("Write(%q, %d bytes) = %d, %v; want %d, nil", id, len(b), n, err, len(b))
	}
}

// readRange opens [off, off+length) of id and reads it all.
func readRange(t *testing.T, s *blobstore.Store, id string, size, off, length int64) ([]byte, error) {
	t.Helper()
	r, err := s.Open(t.Context(), id, size, storeChunk, off, length)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

func checkRange(t *testing.T, s *blobstore.Store, id string, data []byte, off, length int64) {
	t.Helper()
	got, err := readRange(t, s, id, int64(len(data)), off, length)
	if err != nil {
		t.Fatalf("reading [%d, %d) of %q: %v", off, off+length, id, err)
	}
	if want := data[off : off+length]; !bytes.Equal(got, want) {
		t.Fatalf("reading [%d, %d) of %q: got %d bytes, want %d (contents differ: %v)", off, off+length, id, len(got), len(want), len(got) == len(want))
	}
}

func testStoreRoundTrip(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	for _, n := range []int{0, 1, storeChunk - 1, storeChunk, storeChunk + 1, storeChunk * 7 / 2, 3 * storeChunk} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			id := fmt.Sprintf("rt-%d", n)
			data := randBytes(uint64(n), n)
			mustWrite(t, s, id, data)

			// Exactly ceil(n/chunk) chunks, each framed (payload + 5 bytes).
			chunks := (n + storeChunk - 1) / storeChunk
			for i := range chunks {
				b, err := d.Get(t.Context(), key(id, i))
				want := min(storeChunk, n-i*storeChunk) + 5
				if err != nil || len(b) != want {
					t.Fatalf("Get(%s/%d) = %d bytes, %v; want %d bytes", id, i, len(b), err, want)
				}
			}
			mustMissing(t, d, key(id, chunks))

			checkRange(t, s, id, data, 0, int64(n))
		})
	}
}

// testStoreSmallReads writes through readers that return little at a time
// and reads back with iotest.TestReader, which reads in many ways.
func testStoreSmallReads(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	data := randBytes(7, storeChunk*5/2)
	readers := map[string]func(io.Reader) io.Reader{
		"OneByte": iotest.OneByteReader,
		"Half":    iotest.HalfReader,
		"DataErr": iotest.DataErrReader,
	}
	for name, wrap := range readers {
		t.Run(name, func(t *testing.T) {
			id := "small-" + name
			n, err := s.Write(t.Context(), id, wrap(bytes.NewReader(data)))
			if err != nil || n != int64(len(data)) {
				t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(data))
			}
			r, err := s.Open(t.Context(), id, int64(len(data)), storeChunk, 0, int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := iotest.TestReader(r, data); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func testStoreRanges(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	const c = storeChunk
	size := int64(c * 7 / 2)
	data := randBytes(35, int(size))
	mustWrite(t, s, "ranges", data)
	tests := []struct{ off, length int64 }{
		{0, 0},
		{0, 1},
		{0, size},
		{1, size - 1},
		{0, c},
		{0, c - 1},
		{0, c + 1},
		{c - 1, 1},
		{c - 1, 2},       // crosses the first boundary
		{c, c},           // exactly the second chunk
		{c - 1, c + 2},   // one byte either side of a whole chunk
		{c / 2, 2 * c},   // three chunks, partial at both ends
		{c + 7, 2*c - 9}, // ends mid chunk 3
		{3 * c, c / 2},   // the short last chunk
		{3*c - 1, c/2 + 1},
		{size - 1, 1}, // the last byte
		{size - 2, 2},
		{size, 0},
		{c / 2, 0},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d+%d", tc.off, tc.length), func(t *testing.T) {
			checkRange(t, s, "ranges", data, tc.off, tc.length)
			r, err := s.Open(t.Context(), "ranges", size, c, tc.off, tc.length)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if err := iotest.TestReader(r, data[tc.off:tc.off+tc.length]); err != nil {
				t.Fatal(err)
			}
		})
	}
}

var errInjected = errors.New("storetest: injected fault")

func testStoreCorrupt(t *testing.T, d blobstore.Driver) {
	size := int64(storeChunk * 7 / 2)
	data := randBytes(1, int(size))
	mustWrite(t, newStore(d), "corrupt", data)

	tests := []struct {
		name  string
		index int
		edit  func(b []byte) []byte
	}{
		{"PayloadFirst", 0, func(b []byte) []byte { b[0] ^= 1; return b }},
		{"PayloadMiddle", 1, func(b []byte) []byte { b[len(b)/2] ^= 0x80; return b }},
		{"PayloadLast", 3, func(b []byte) []byte { b[len(b)-6] ^= 1; return b }},
		{"Checksum", 2, func(b []byte) []byte { b[len(b)-3] ^= 1; return b }},
		{"Version", 1, func(b []byte) []byte { b[len(b)-1] = 99; return b }},
		{"Truncated", 1, func(b []byte) []byte { return b[:len(b)-100] }},
		{"TooShort", 1, func(b []byte) []byte { return b[:3] }},
		{"Empty", 2, func(b []byte) []byte { return b[:0] }},
		// A valid frame of the wrong length (a short chunk where a full
		// one belongs) is caught by the length check.
		{"ShortFrame", 1, func(b []byte) []byte {
			payload := []byte("x")
			sum := crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli))
			return append(binary.BigEndian.AppendUint32(payload, sum), 1)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFaultDriver(d)
			f.Set(Faults{AfterGet: func(k blobstore.ChunkKey, b []byte, err error) ([]byte, error) {
				if err == nil && k.Index == tc.index {
					b = tc.edit(b)
				}
				return b, err
			}})
			s := newStore(f)
			_, err := readRange(t, s, "corrupt", size, 0, size)
			if !errors.Is(err, blobstore.ErrCorrupt) {
				t.Fatalf("reading with chunk %d damaged: %v, want an error wrapping ErrCorrupt", tc.index, err)
			}
			// A range that avoids the damaged chunk reads fine.
			if tc.index != 0 {
				got, err := readRange(t, s, "corrupt", size, 0, storeChunk)
				if err != nil || !bytes.Equal(got, data[:storeChunk]) {
					t.Fatalf("reading chunk 0 only = %d bytes, %v; want %d bytes", len(got), err, storeChunk)
				}
			}
		})
	}
}

func testStoreMissingChunk(t *testing.T, d blobstore.Driver) {
	size := int64(storeChunk * 3)
	mustWrite(t, newStore(d), "missing", randBytes(1, int(size)))
	for _, index := range []int{0, 1, 2} {
		t.Run(fmt.Sprint(index), func(t *testing.T) {
			f := NewFaultDriver(d)
			f.Set(Faults{AfterGet: func(k blobstore.ChunkKey, b []byte, err error) ([]byte, error) {
				if k.Index == index {
					return nil, fmt.Errorf("gone: %w", blobstore.ErrNotFound)
				}
				return b, err
			}})
			_, err := readRange(t, newStore(f), "missing", size, 0, size)
			if !blobstore.IsNotFound(err) {
				t.Fatalf("reading with chunk %d missing: %v, want an error for which IsNotFound is true", index, err)
			}
		})
	}
	// Data that was never written.
	_, err := readRange(t, newStore(d), "never-written", size, storeChunk, 10)
	if !blobstore.IsNotFound(err) {
		t.Fatalf("reading data never written: %v, want an error for which IsNotFound is true", err)
	}
}

// settleGoroutines waits until no more than base goroutines run.
func settleGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines still running, want at most %d:\n%s", runtime.NumGoroutine(), base, buf)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func testStoreCloseNoLeak(t *testing.T, d blobstore.Driver) {
	s := blobstore.New(d, blobstore.Options{ChunkSize: storeChunk, Prefetch: 4})
	size := int64(storeChunk * 10)
	mustWrite(t, s, "leak", randBytes(1, int(size)))
	base := runtime.NumGoroutine()
	for _, read := range []int64{0, 1, storeChunk, storeChunk*2 + 5} {
		r, err := s.Open(t.Context(), "leak", size, storeChunk, 0, size)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.CopyN(io.Discard, r, read); err != nil {
			t.Fatal(err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
		if err := r.Close(); err != nil { // idempotent
			t.Fatalf("second Close() = %v", err)
		}
	}
	settleGoroutines(t, base)
}

// testStoreCloseBlockedNoLeak closes a reader whose prefetches are stuck in
// a slow driver: Close must cancel them and return.
func testStoreCloseBlockedNoLeak(t *testing.T, d blobstore.Driver) {
	size := int64(storeChunk * 6)
	mustWrite(t, newStore(d), "blocked", randBytes(1, int(size)))
	// Chunk 0 comes back; every other Get blocks until its context ends.
	entered := make(chan struct{}, 16)
	blocking := NewFaultDriver(d)
	blocking.Set(Faults{Before: func(ctx context.Context, op Op, k blobstore.ChunkKey) error {
		if op != OpGet || k.Index == 0 {
			return nil
		}
		entered <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}})
	s := blobstore.New(blocking, blobstore.Options{ChunkSize: storeChunk, Prefetch: 3})
	base := runtime.NumGoroutine()
	r, err := s.Open(t.Context(), "blocked", size, storeChunk, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	// Chunk 0 came back; chunks 1..3 are blocked in Get.
	for range 3 {
		select {
		case <-entered:
		case <-time.After(5 * time.Second):
			t.Fatal("prefetches did not start")
		}
	}
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return while prefetches were blocked")
	}
	settleGoroutines(t, base)
}

func testStoreReadAfterClose(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	size := int64(storeChunk * 2)
	mustWrite(t, s, "closed", randBytes(1, int(size)))
	r, err := s.Open(t.Context(), "closed", size, storeChunk, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if n, err := r.Read(make([]byte, 10)); err == nil || err == io.EOF {
		t.Fatalf("Read after Close = %d, %v; want an error", n, err)
	}
}

// bodyError stands for an error type the caller matches with errors.As,
// such as a signature mismatch from a verifying request body reader.
type bodyError struct{ code string }

func (e *bodyError) Error() string { return "body: " + e.code }

// failingReader returns n bytes of data, then err.
type failingReader struct {
	n   int
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, r.err
	}
	k := min(len(p), r.n)
	clear(p[:k])
	r.n -= k
	return k, nil
}

func testStoreReaderError(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	for _, n := range []int{0, 10, storeChunk, storeChunk*2 + 10} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			want := &bodyError{code: "SignatureDoesNotMatch"}
			got, err := s.Write(t.Context(), "rerr", &failingReader{n: n, err: fmt.Errorf("wrapped: %w", want)})
			var be *bodyError
			if !errors.As(err, &be) || be != want {
				t.Fatalf("Write(reader failing after %d bytes) = %d, %v; want the reader's error", n, got, err)
			}
			if got != int64(n) {
				t.Fatalf("Write(reader failing after %d bytes) = %d bytes read, want %d", n, got, n)
			}
			// A sentinel error is kept too.
			_, err = s.Write(t.Context(), "rerr", &failingReader{n: n, err: io.ErrClosedPipe})
			if !errors.Is(err, io.ErrClosedPipe) {
				t.Fatalf("Write(reader failing with io.ErrClosedPipe) = %v", err)
			}
		})
	}
}

func testStoreDriverError(t *testing.T, d blobstore.Driver) {
	for _, failAt := range []int{0, 2, 5} {
		t.Run(fmt.Sprint(failAt), func(t *testing.T) {
			f := NewFaultDriver(d)
			f.Set(Faults{Before: func(ctx context.Context, op Op, k blobstore.ChunkKey) error {
				if op != OpPut {
					return nil
				}
				if k.Index == failAt {
					return errInjected
				}
				time.Sleep(time.Millisecond) // keep some puts in flight
				return nil
			}})
			s := newStore(f)
			_, err := s.Write(t.Context(), "derr", bytes.NewReader(randBytes(1, storeChunk*20)))
			if !errors.Is(err, errInjected) {
				t.Fatalf("Write with Put of chunk %d failing = %v, want %v", failAt, err, errInjected)
			}
			if n := f.InFlight(OpPut); n != 0 {
				t.Fatalf("Write returned with %d puts in flight, want 0", n)
			}
		})
	}
}

func testStoreConcurrency(t *testing.T, d blobstore.Driver) {
	for _, conc := range []int{1, 3} {
		t.Run(fmt.Sprint(conc), func(t *testing.T) {
			f := NewFaultDriver(d)
			f.Set(Faults{Ops: []Op{OpPut}, Delay: 2 * time.Millisecond})
			s := blobstore.New(f, blobstore.Options{ChunkSize: storeChunk, Concurrency: conc})
			data := randBytes(3, storeChunk*12)
			mustWrite(t, s, "conc", data)
			if m := f.MaxInFlight(OpPut); m > int64(conc) {
				t.Fatalf("%d puts in flight, want at most %d", m, conc)
			}
			if n := f.InFlight(OpPut); n != 0 {
				t.Fatalf("Write returned with %d puts in flight, want 0", n)
			}
			checkRange(t, s, "conc", data, 0, int64(len(data)))
		})
	}
}

func testStoreCanceledWrite(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := s.Write(ctx, "canceled", bytes.NewReader(randBytes(1, storeChunk*4)))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Write with a canceled context = %v, want %v", err, context.Canceled)
	}
}

func testStoreDelete(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	size := int64(storeChunk*5/2 + 3)
	data := randBytes(1, int(size))
	mustWrite(t, s, "sdel", data)
	mustWrite(t, s, "sdel-keep", data)
	if err := s.Delete(t.Context(), "sdel", size, storeChunk); err != nil {
		t.Fatalf("Delete() = %v", err)
	}
	for i := range 3 {
		mustMissing(t, d, key("sdel", i))
	}
	if _, err := s.Open(t.Context(), "sdel", size, storeChunk, 0, size); !blobstore.IsNotFound(err) {
		t.Fatalf("Open after Delete = %v, want an error for which IsNotFound is true", err)
	}
	if _, err := readRange(t, s, "sdel", size, storeChunk*2, 10); !blobstore.IsNotFound(err) {
		t.Fatalf("reading the last chunk after Delete = %v, want an error for which IsNotFound is true", err)
	}
	if err := s.Delete(t.Context(), "sdel", size, storeChunk); err != nil {
		t.Fatalf("second Delete() = %v", err)
	}
	if err := s.Delete(t.Context(), "sdel-empty", 0, storeChunk); err != nil {
		t.Fatalf("Delete(size 0) = %v", err)
	}
	checkRange(t, s, "sdel-keep", data, 0, size)
}

func testStoreBadArguments(t *testing.T, d blobstore.Driver) {
	s := newStore(d)
	tests := []struct{ size, chunk, off, length int64 }{
		{-1, storeChunk, 0, 0},
		{10, storeChunk, -1, 1},
		{10, storeChunk, 0, -1},
		{10, storeChunk, 0, 11},
		{10, storeChunk, 11, 0},
		{10, storeChunk, 5, 6},
		{10, 0, 0, 10},
	}
	for _, tc := range tests {
		if r, err := s.Open(t.Context(), "bad", tc.size, tc.chunk, tc.off, tc.length); err == nil {
			r.Close()
			t.Errorf("Open(size %d, chunk %d, off %d, length %d) = nil error, want one", tc.size, tc.chunk, tc.off, tc.length)
		}
	}
	if err := s.Delete(t.Context(), "bad", 10, 0); err == nil {
		t.Errorf("Delete(size 10, chunk 0) = nil error, want one")
	}
}
