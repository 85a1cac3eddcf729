package blobstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Chunk framing:
//
//	payload || CRC32C(payload) as 4 bytes big-endian || version byte
//
// Version 1: the payload is the chunk's bytes. Version 2 (sealed): the
// payload is the chunk's bytes encrypted with AES-256-GCM under the data
// set's own data key, the 16-byte tag appended; see seal.go and
// docs/ENCRYPTION.md. The trailer sits at the end so that a chunk can be
// framed in place in a buffer of ChunkSize+sealOverhead+trailerLen bytes,
// and so that a truncated blob fails its check. The CRC covers what is
// stored, so zones and the scrubber verify sealed chunks without keys.
const (
	formatVersion = 1
	sealedVersion = 2
	trailerLen    = 4 + 1
)

// Defaults applied by New to zero Options fields.
const (
	DefaultChunkSize   = 1 << 20
	DefaultConcurrency = 4
	DefaultPrefetch    = 2
	// DefaultWriteBudget bounds the chunk buffers of all Writes of a Store.
	DefaultWriteBudget = 64 << 20
	// DefaultReadBudget bounds the chunks all readers of a Store hold.
	DefaultReadBudget = 64 << 20
	// DefaultBudgetWait is the longest wait for a chunk buffer.
	DefaultBudgetWait = 10 * time.Second
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Options configures a Store. The zero value is valid.
type Options struct {
	ChunkSize   int64 // bytes per chunk; default 1 MiB
	Concurrency int   // chunk puts in flight per Write; default 4
	Prefetch    int   // chunks read ahead per reader; default 2, negative for none
	// WriteBudget bounds the bytes of chunk buffers held by all Writes of
	// the Store together (default 64 MiB; at least one chunk). Writes beyond
	// it wait for buffers, so memory stays flat however many uploads run.
	WriteBudget int64
	// ReadBudget bounds the bytes of chunks fetched and not yet delivered
	// by all readers of the Store together (default 64 MiB; at least one
	// chunk). A reader always holds one chunk; read-ahead takes more only
	// when the budget has them free.
	ReadBudget int64
	// BudgetWait bounds how long a Write or an Open waits for its first
	// chunk buffer (default 10s); then it fails with ErrBusy.
	BudgetWait time.Duration
	// ClientShare is the fraction (0, 1] of each budget that the Writes and
	// readers of one client (WithClient) may hold together; beyond it they
	// wait as for a spent budget. 0 means 1: no per-client bound.
	ClientShare float64

	// Registerer receives the Store's metrics; nil means no metrics. Stores
	// sharing a Registerer share their metrics.
	Registerer prometheus.Registerer
}

// Store is the chunked, checksummed object data store in front of a Driver.
// It is safe for concurrent use.
type Store struct {
	d           Driver
	chunkSize   int64
	concurrency int
	prefetch    int
	bufs        sync.Pool // *[]byte of cap chunkSize+sealOverhead+trailerLen
	writes      *budget   // chunk buffers of Writes
	reads       *budget   // chunks held by readers
	m           *metrics  // nil when no Registerer
	space       spaceState
}

// New returns a Store over d. Zero Options fields take their defaults.
func New(d Driver, o Options) *Store {
	s := &Store{d: d, chunkSize: o.ChunkSize, concurrency: o.Concurrency, prefetch: o.Prefetch}
	if s.chunkSize <= 0 {
		s.chunkSize = DefaultChunkSize
	}
	if s.concurrency <= 0 {
		s.concurrency = DefaultConcurrency
	}
	switch {
	case s.prefetch == 0:
		s.prefetch = DefaultPrefetch
	case s.prefetch < 0:
		s.prefetch = 0
	}
	if o.WriteBudget <= 0 {
		o.WriteBudget = DefaultWriteBudget
	}
	if o.ReadBudget <= 0 {
		o.ReadBudget = DefaultReadBudget
	}
	if o.BudgetWait <= 0 {
		o.BudgetWait = DefaultBudgetWait
	}
	if o.ClientShare <= 0 || o.ClientShare > 1 {
		o.ClientShare = 1
	}
	if o.Registerer != nil {
		s.m = newMetrics(o.Registerer)
	}
	tokens := func(bytes int64) (int, int) {
		n := int(max(1, bytes/(s.chunkSize+trailerLen)))
		return n, int(float64(n) * o.ClientShare)
	}
	wn, wc := tokens(o.WriteBudget)
	s.writes = newBudget(wn, wc, o.BudgetWait, s.m.budgetWait)
	rn, rc := tokens(o.ReadBudget)
	s.reads = newBudget(rn, rc, o.BudgetWait, s.m.readBudgetWait)
	s.bufs.New = func() any {
		b := make([]byte, s.chunkSize+sealOverhead+trailerLen)
		return &b
	}
	return s
}

// ChunkSize returns the chunk size Write uses. Data must be opened with the
// chunk size it was written with, so callers record it beside the data id.
func (s *Store) ChunkSize() int64 { return s.chunkSize }

// Driver returns the Driver the Store writes through.
func (s *Store) Driver() Driver { return s.d }

// frame appends the trailer of format version to payload, which must have
// trailerLen bytes of spare capacity.
func frame(payload []byte, version byte) []byte {
	sum := crc32.Checksum(payload, castagnoli)
	b := binary.BigEndian.AppendUint32(payload, sum)
	return append(b, version)
}

// unframe checks blob, which must be of format version, and returns its
// payload, which must be want bytes long. Every failure wraps ErrCorrupt.
func unframe(blob []byte, want int64, version byte) ([]byte, error) {
	if len(blob) < trailerLen {
		return nil, fmt.Errorf("%w: blob of %d bytes is shorter than its trailer", ErrCorrupt, len(blob))
	}
	if v := blob[len(blob)-1]; v != version {
		if v == formatVersion || v == sealedVersion {
			return nil, fmt.Errorf("%w: format version %d, want %d (sealed data read without its key, or the reverse)", ErrCorrupt, v, version)
		}
		return nil, fmt.Errorf("%w: unknown format version %d", ErrCorrupt, v)
	}
	payload := blob[:len(blob)-trailerLen]
	sum := binary.BigEndian.Uint32(blob[len(payload):])
	if got := crc32.Checksum(payload, castagnoli); got != sum {
		return nil, fmt.Errorf("%w: crc32c %08x, want %08x", ErrCorrupt, got, sum)
	}
	if int64(len(payload)) != want {
		return nil, fmt.Errorf("%w: payload of %d bytes, want %d", ErrCorrupt, len(payload), want)
	}
	return payload, nil
}

// Write reads r to EOF, cutting it into chunks of s.ChunkSize() stored as
// chunks 0..n-1 of dataID, with at most Concurrency puts in flight; memory
// per Write is at most (Concurrency+1)*ChunkSize, drawn from the write
// budget. It returns the number of bytes read from r. Empty input writes no
// chunks.
//
// Every chunk buffer comes from the write budget and goes back to it once
// its chunk is stored, so concurrent Writes share the budget chunk by
// chunk. A Write waits up to the budget wait for a buffer and fails with
// ErrBusy if none comes free in that time (the budget is held by stalled
// uploads, or the client of ctx holds its whole share).
//
// On any error (from r, the driver or ctx) Write returns after all in-flight
// puts finish. Chunks already written stay: the caller queues dataID for
// garbage collection. A read error from r is returned as is, so errors.Is
// and errors.As see the reader's own error.
func (s *Store) Write(ctx context.Context, dataID string, r io.Reader) (int64, error) {
	return s.write(ctx, dataID, nil, r)
}

// WriteSealed is Write with every chunk encrypted under key, a data key
// of DataKeySize bytes made for this data set alone (NewDataKey): data
// written so must be read with OpenSealed and the same key.
func (s *Store) WriteSealed(ctx context.Context, dataID string, key []byte, r io.Reader) (int64, error) {
	sl, err := newSealer(key, dataID)
	if err != nil {
		return 0, err
	}
	return s.write(ctx, dataID, sl, r)
}

func (s *Store) write(ctx context.Context, dataID string, sl *sealer, r io.Reader) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		putErr  error // first failure of a put or of ctx
		total   int64
		slots   = make(chan struct{}, s.concurrency)
		readErr error
	)
	failed := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return putErr != nil
	}
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if putErr == nil {
			putErr = err
			cancel() // stop the other puts early; their chunks are garbage now
		}
	}

loop:
	for index := 0; !failed(); index++ {
		if err := ctx.Err(); err != nil {
			fail(err)
			break
		}
		b, err := s.getBuf(ctx)
		if err != nil {
			fail(err)
			break
		}
		n, err := io.ReadFull(r, (*b.b)[:s.chunkSize])
		total += int64(n)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			s.putBuf(b)
			readErr = err
			break loop
		}
		if n == 0 {
			s.putBuf(b)
			break loop
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			s.putBuf(b)
			fail(ctx.Err())
			break loop
		}
		wg.Add(1)
		go func(index int, b buf, n int) {
			defer wg.Done()
			defer func() { <-slots }()
			defer s.putBuf(b)
			payload, version := (*b.b)[:n], byte(formatVersion)
			if sl != nil {
				payload, version = sl.seal(index, payload), sealedVersion
			}
			if err := s.put(ctx, ChunkKey{DataID: dataID, Index: index}, frame(payload, version)); err != nil {
				fail(err)
			}
		}(index, b, n)
		if err != nil { // short final chunk: r is at EOF
			break loop
		}
	}
	if readErr != nil {
		cancel()
	}
	wg.Wait()
	if readErr != nil {
		return total, readErr
	}
	return total, putErr
}

// buf is a chunk buffer and the write-budget token it holds.
type buf struct {
	b *[]byte
	g grant
}

// getBuf takes a chunk buffer within the write budget, waiting up to the
// budget wait for one if the budget (or the client's share) is spent.
func (s *Store) getBuf(ctx context.Context) (buf, error) {
	g, err := s.writes.take(ctx, true)
	if err != nil {
		return buf{}, err
	}
	return buf{s.bufs.Get().(*[]byte), g}, nil
}

func (s *Store) putBuf(b buf) {
	s.bufs.Put(b.b)
	s.writes.put(b.g)
}

func (s *Store) put(ctx context.Context, k ChunkKey, blob []byte) error {
	start := time.Now()
	err := s.d.Put(ctx, k, blob)
	s.m.observe(opPut, start)
	s.space.observe(err)
	if err != nil {
		return fmt.Errorf("blobstore: put %s/%d: %w", k.DataID, k.Index, err)
	}
	s.m.addWritten(len(blob) - trailerLen) // stored bytes: a sealed chunk's tag included
	return nil
}

// chunkCount returns how many chunks data of size bytes has.
func chunkCount(size, chunkSize int64) int64 {
	return (size + chunkSize - 1) / chunkSize
}

// Open returns a reader of bytes [off, off+length) of data dataID, whose
// total size is size and which was written with chunkSize. The reader
// fetches chunk by chunk, up to Prefetch chunks ahead in background
// goroutines, and verifies every chunk's checksum: a bad chunk yields an
// error wrapping ErrCorrupt, a missing one an error for which IsNotFound is
// true. Open fetches the first chunk of the range before returning, so a
// missing or bad first chunk is reported by Open itself.
//
// Every chunk fetched and not yet delivered holds a token of the read
// budget. Open waits up to the budget wait for the reader's first token and
// fails with ErrBusy if none comes free (or the client of ctx holds its
// whole share); the reader keeps one token until Close, and reads ahead
// only with tokens the budget has free at once.
//
// Close stops prefetching and returns once no goroutine of the reader is
// left. The reader is not safe for concurrent Reads.
//
// Zero-length data (size 0) has no chunks; its reader returns EOF at once.
func (s *Store) Open(ctx context.Context, dataID string, size, chunkSize, off, length int64) (io.ReadCloser, error) {
	return s.open(ctx, dataID, nil, size, chunkSize, off, length)
}

// OpenSealed is Open of data WriteSealed wrote with key. Every chunk is
// decrypted and authenticated as bound to dataID and its index: a chunk
// changed, truncated, moved to another index or taken from another data
// set fails, wrapping ErrCorrupt. Only the chunks the range touches are
// read and decrypted.
func (s *Store) OpenSealed(ctx context.Context, dataID string, key []byte, size, chunkSize, off, length int64) (io.ReadCloser, error) {
	sl, err := newSealer(key, dataID)
	if err != nil {
		return nil, err
	}
	return s.open(ctx, dataID, sl, size, chunkSize, off, length)
}

func (s *Store) open(ctx context.Context, dataID string, sl *sealer, size, chunkSize, off, length int64) (io.ReadCloser, error) {
	switch {
	case size < 0 || off < 0 || length < 0:
		return nil, fmt.Errorf("blobstore: open %s: negative size %d, offset %d or length %d", dataID, size, off, length)
	case off > size || length > size-off:
		return nil, fmt.Errorf("blobstore: open %s: range [%d, %d) outside data of %d bytes", dataID, off, off+length, size)
	case size > 0 && chunkSize <= 0:
		return nil, fmt.Errorf("blobstore: open %s: chunk size %d", dataID, chunkSize)
	}
	if length == 0 {
		return io.NopCloser(eofReader{}), nil
	}
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{
		s:         s,
		ctx:       ctx,
		cancel:    cancel,
		dataID:    dataID,
		sealer:    sl,
		size:      size,
		chunkSize: chunkSize,
		start:     off,
		end:       off + length,
		next:      off / chunkSize,
		last:      (off + length - 1) / chunkSize,
	}
	if err := r.advance(); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }

var errClosed = errors.New("blobstore: read on closed reader")

type fetched struct {
	payload []byte
	err     error
}

// reader streams a byte range of one data id. Fetches run in goroutines,
// each sending its one result on its own buffered channel, so a fetch never
// blocks on an abandoned reader.
type reader struct {
	s          *Store
	ctx        context.Context
	cancel     context.CancelFunc
	dataID     string
	sealer     *sealer // nil: plain chunks
	size       int64
	chunkSize  int64
	start, end int64 // byte range still to deliver: [start, end)
	next, last int64 // next chunk to fetch; last chunk of the range

	pending []chan fetched // in chunk order, at most Prefetch+1
	cur     []byte         // undelivered bytes of the current chunk
	hasCur  bool           // a chunk is current (its token is held)
	grants  []grant        // read-budget tokens held: one per pending or current chunk, at least one
	err     error          // sticky

	mu     sync.Mutex // orders fill's wg.Add before Close's wg.Wait
	closed atomic.Bool
	wg     sync.WaitGroup
}

func (r *reader) Read(p []byte) (int, error) {
	if r.closed.Load() {
		return 0, errClosed
	}
	for len(r.cur) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.start == r.end {
			return 0, io.EOF
		}
		r.err = r.advance()
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	r.start += int64(n)
	return n, nil
}

// advance makes the next chunk of the range current, starting fetches so
// that up to Prefetch chunks beyond it are on their way.
func (r *reader) advance() error {
	r.cur, r.hasCur = nil, false // the consumed chunk's token is free for the next fetch
	if err := r.fill(); err != nil {
		return err
	}
	if len(r.pending) == 0 {
		return io.ErrUnexpectedEOF // unreachable: start < end means a chunk is left
	}
	res := <-r.pending[0]
	r.pending[0] = nil
	r.pending = r.pending[1:]
	if res.err != nil {
		r.cancel() // the stream is over; stop read-ahead
		return res.err
	}
	index := r.start / r.chunkSize
	chunkStart := index * r.chunkSize
	lo := r.start - chunkStart
	hi := min(r.end-chunkStart, int64(len(res.payload)))
	r.cur, r.hasCur = res.payload[lo:hi], true
	if err := r.fill(); err != nil {
		return err
	}
	r.release()
	return nil
}

// needed is the number of chunks that hold a token: the current one and
// those pending.
func (r *reader) needed() int {
	n := len(r.pending)
	if r.hasCur {
		n++
	}
	return n
}

// fill starts fetches until Prefetch+1 are pending or the range is covered.
// A fetch runs on a token the reader holds spare, else on one taken from
// the read budget: waiting (bounded) when the reader holds none, at once or
// not at all for read-ahead.
func (r *reader) fill() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return errClosed
	}
	for len(r.pending) <= r.s.prefetch && r.next <= r.last {
		if r.needed() >= len(r.grants) {
			g, err := r.s.reads.take(r.ctx, len(r.grants) == 0)
			if errors.Is(err, errNoToken) {
				break // no read-ahead for now
			}
			if err != nil {
				return err
			}
			r.grants = append(r.grants, g)
		}
		ch := make(chan fetched, 1)
		r.pending = append(r.pending, ch)
		index := r.next
		r.next++
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			ch <- r.fetch(index)
		}()
	}
	return nil
}

// release gives back the tokens beyond those of the current and pending
// chunks, keeping at least one so that the reader can always go on.
func (r *reader) release() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed.Load() {
		return // Close gave them all back
	}
	for len(r.grants) > max(1, r.needed()) {
		r.s.reads.put(r.grants[len(r.grants)-1])
		r.grants = r.grants[:len(r.grants)-1]
	}
}

func (r *reader) fetch(index int64) fetched {
	k := ChunkKey{DataID: r.dataID, Index: int(index)}
	start := time.Now()
	blob, err := r.s.d.Get(r.ctx, k)
	r.s.m.observe(opGet, start)
	if err != nil {
		return fetched{err: fmt.Errorf("blobstore: get %s/%d: %w", k.DataID, k.Index, err)}
	}
	want := min(r.chunkSize, r.size-index*r.chunkSize)
	version := byte(formatVersion)
	if r.sealer != nil {
		want += sealOverhead
		version = sealedVersion
	}
	payload, err := unframe(blob, want, version)
	if err == nil && r.sealer != nil {
		payload, err = r.sealer.open(k.Index, payload)
	}
	if err != nil {
		r.s.m.checksumFailure()
		return fetched{err: fmt.Errorf("blobstore: get %s/%d: %w", k.DataID, k.Index, err)}
	}
	r.s.m.addRead(len(payload))
	return fetched{payload: payload}
}

// Close cancels outstanding fetches and waits for their goroutines to end.
// It is idempotent, may be called while a Read is blocked, and always
// returns nil.
func (r *reader) Close() error {
	r.cancel() // first: a fill waiting for a token holds mu until then
	r.mu.Lock()
	closing := !r.closed.Swap(true)
	r.mu.Unlock()
	r.wg.Wait()
	if closing {
		r.mu.Lock()
		for _, g := range r.grants {
			r.s.reads.put(g)
		}
		r.grants = nil
		r.mu.Unlock()
	}
	return nil
}

// Delete removes all chunks of data dataID of size bytes written with
// chunkSize (size < 0: unknown, every chunk the driver holds of it).
// Deleting data that is already gone is not an error.
func (s *Store) Delete(ctx context.Context, dataID string, size, chunkSize int64) error {
	if size > 0 && chunkSize <= 0 {
		return fmt.Errorf("blobstore: delete %s: size %d, chunk size %d", dataID, size, chunkSize)
	}
	var count int64
	switch {
	case size > 0:
		count = chunkCount(size, chunkSize)
	case size < 0:
		count = -1 // size unknown: every chunk the driver holds
	}
	start := time.Now()
	err := s.d.Delete(ctx, dataID, int(count))
	s.m.observe(opDelete, start)
	if err != nil {
		return fmt.Errorf("blobstore: delete %s: %w", dataID, err)
	}
	return nil
}

// CheckFrame verifies a chunk blob as Store writes it (payload, CRC32C,
// format version, plain or sealed) without knowing the payload's expected
// length or any key. Placement drivers use it to tell a good copy from a
// corrupt one; failures wrap ErrCorrupt.
func CheckFrame(blob []byte) error {
	if len(blob) < trailerLen {
		return fmt.Errorf("%w: blob of %d bytes is shorter than its trailer", ErrCorrupt, len(blob))
	}
	version := byte(formatVersion)
	if blob[len(blob)-1] == sealedVersion {
		version = sealedVersion
	}
	_, err := unframe(blob, int64(len(blob)-trailerLen), version)
	return err
}
