package blobstore

import (
	"bytes"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestWriteBudget: however many Writes run at once, the chunk buffers they
// hold together stay within the write budget.
func TestWriteBudget(t *testing.T) {
	const chunk = 64 << 10
	d := &countingDriver{chunks: map[ChunkKey][]byte{}, delay: 2 * time.Millisecond}
	s := New(d, Options{ChunkSize: chunk, Concurrency: 4, WriteBudget: 3 * (chunk + 5)})
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := bytes.Repeat([]byte{byte(i)}, 10*chunk)
			if _, err := s.Write(context.Background(), fmt.Sprintf("d%d", i), bytes.NewReader(data)); err != nil {
				t.Errorf("Write %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if got := d.maxInFlight.Load(); got > 3 || got < 1 {
		t.Errorf("puts in flight at once = %d, want 1..3 (the budget's buffers)", got)
	}
	if got := len(s.tokens); got != 0 {
		t.Errorf("buffers still held after all Writes = %d, want 0", got)
	}
}

type countingDriver struct {
	mu          sync.Mutex
	chunks      map[ChunkKey][]byte
	delay       time.Duration
	inFlight    atomic.Int64
	maxInFlight atomic.Int64
}

func (d *countingDriver) Put(ctx context.Context, k ChunkKey, b []byte) error {
	n := d.inFlight.Add(1)
	defer d.inFlight.Add(-1)
	for {
		m := d.maxInFlight.Load()
		if n <= m || d.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	time.Sleep(d.delay)
	d.mu.Lock()
	defer d.mu.Unlock()
	d.chunks[k] = append([]byte(nil), b...)
	return nil
}

func (d *countingDriver) Get(_ context.Context, k ChunkKey) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.chunks[k]
	if !ok {
		return nil, ErrNotFound
	}
	return b, nil
}

func (d *countingDriver) Delete(context.Context, string, int) error { return nil }
func (d *countingDriver) Close() error                              { return nil }
