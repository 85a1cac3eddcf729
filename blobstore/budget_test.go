package blobstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/storetest"
)

// TestWriteBudget: however many Writes run at once, the chunk buffers they
// hold together stay within the write budget.
func TestWriteBudget(t *testing.T) {
	const chunk = 64 << 10
	d := storetest.NewFaultDriver(mem.New())
	d.Set(storetest.Faults{Ops: []storetest.Op{storetest.OpPut}, Delay: 2 * time.Millisecond})
	s := blobstore.New(d, blobstore.Options{ChunkSize: chunk, Concurrency: 4, WriteBudget: 3 * (chunk + 5)})
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
	if got := d.MaxInFlight(storetest.OpPut); got > 3 || got < 1 {
		t.Errorf("puts in flight at once = %d, want 1..3 (the budget's buffers)", got)
	}
	if got := blobstore.HeldWrites(s); got != 0 {
		t.Errorf("buffers still held after all Writes = %d, want 0", got)
	}
}

// TestWriteBudgetWaitBounded: a Write that finds the budget spent by a
// stalled upload waits only BudgetWait, then fails with ErrBusy; the stalled
// upload keeps its buffer and finishes once its body comes.
func TestWriteBudgetWaitBounded(t *testing.T) {
	const chunk = 64 << 10
	d := mem.New()
	s := blobstore.New(d, blobstore.Options{ChunkSize: chunk, WriteBudget: chunk + 5, BudgetWait: 50 * time.Millisecond})
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := s.Write(context.Background(), "stalled", pr)
		done <- err
	}()
	waitFor(t, func() bool { return blobstore.HeldWrites(s) == 1 })
	start := time.Now()
	_, err := s.Write(context.Background(), "waiting", bytes.NewReader(make([]byte, chunk)))
	if !errors.Is(err, blobstore.ErrBusy) {
		t.Fatalf("Write with the budget spent = %v, want ErrBusy", err)
	}
	if el := time.Since(start); el < 40*time.Millisecond || el > 2*time.Second {
		t.Errorf("Write gave up after %v, want about the 50ms budget wait", el)
	}
	pw.Write([]byte("late body"))
	pw.Close()
	if err := <-done; err != nil {
		t.Errorf("stalled Write after its body came: %v", err)
	}
	if got := blobstore.HeldWrites(s); got != 0 {
		t.Errorf("write tokens held after all Writes = %d, want 0", got)
	}
}

// TestClientShare: one client's stalled Writes take no more than its share
// of the write budget, so another client's Write goes through at once.
func TestClientShare(t *testing.T) {
	const chunk = 64 << 10
	d := mem.New()
	s := blobstore.New(d, blobstore.Options{ChunkSize: chunk, WriteBudget: 4 * (chunk + 5), ClientShare: 0.5, BudgetWait: 50 * time.Millisecond})
	attacker := blobstore.WithClient(context.Background(), "attacker")
	var pipes []*io.PipeWriter
	errs := make(chan error, 4)
	for i := range 4 {
		pr, pw := io.Pipe()
		pipes = append(pipes, pw)
		go func() {
			_, err := s.Write(attacker, fmt.Sprintf("a%d", i), pr)
			errs <- err
		}()
	}
	// Two of the four stall holding a buffer each; two give up.
	for range 2 {
		if err := <-errs; !errors.Is(err, blobstore.ErrBusy) {
			t.Errorf("attacker's Write beyond its share = %v, want ErrBusy", err)
		}
	}
	if got := blobstore.HeldWrites(s); got != 2 {
		t.Errorf("tokens held by the attacker's stalled Writes = %d, want its share, 2", got)
	}
	victim := blobstore.WithClient(context.Background(), "victim")
	start := time.Now()
	if _, err := s.Write(victim, "v", bytes.NewReader(make([]byte, 3*chunk))); err != nil {
		t.Errorf("victim's Write: %v", err)
	}
	if el := time.Since(start); el > 40*time.Millisecond {
		t.Errorf("victim's Write took %v, want no budget wait", el)
	}
	for _, pw := range pipes {
		pw.Close()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Errorf("attacker's stalled Write after EOF: %v", err)
		}
	}
	if got := blobstore.HeldWrites(s); got != 0 {
		t.Errorf("write tokens held after all Writes = %d, want 0", got)
	}
}

// TestReadBudget: readers that do not read hold one chunk each (no
// read-ahead beyond the budget); once the budget is spent, Open waits
// BudgetWait and fails with ErrBusy; Close gives every token back.
func TestReadBudget(t *testing.T) {
	const chunk = 64 << 10
	d := mem.New()
	s := blobstore.New(d, blobstore.Options{ChunkSize: chunk, ReadBudget: 5 * (chunk + 5), Prefetch: 2, BudgetWait: 50 * time.Millisecond})
	const size = 8 * chunk
	if _, err := s.Write(context.Background(), "obj", bytes.NewReader(make([]byte, size))); err != nil {
		t.Fatal(err)
	}
	r1, err := s.Open(context.Background(), "obj", size, chunk, 0, size)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() bool { return blobstore.HeldReads(s) == 4 }) // the current chunk and Prefetch+1 pending
	var rs []io.ReadCloser
	r2, err := s.Open(context.Background(), "obj", size, chunk, 0, size)
	if err != nil {
		t.Fatalf("second Open with one token free: %v", err)
	}
	rs = append(rs, r1, r2)
	if got := blobstore.HeldReads(s); got != 5 {
		t.Errorf("read tokens held = %d, want 5 (the budget): no read-ahead beyond it", got)
	}
	if _, err := s.Open(context.Background(), "obj", size, chunk, 0, size); !errors.Is(err, blobstore.ErrBusy) {
		t.Errorf("Open with the read budget spent = %v, want ErrBusy", err)
	}
	// A reader with a single token still reads everything.
	if n, err := io.Copy(io.Discard, r2); n != size || err != nil {
		t.Errorf("reading with one token: %d bytes, %v; want %d, nil", n, err, size)
	}
	for _, r := range rs {
		r.Close()
	}
	if got := blobstore.HeldReads(s); got != 0 {
		t.Errorf("read tokens held after Close = %d, want 0", got)
	}
	// Concurrent readers of the whole object, each reading to the end,
	// more of them than the budget has tokens: they wait, never fail.
	s = blobstore.New(d, blobstore.Options{ChunkSize: chunk, ReadBudget: 5 * (chunk + 5), Prefetch: 2, BudgetWait: time.Minute})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := s.Open(context.Background(), "obj", size, chunk, 0, size)
			if err != nil {
				t.Errorf("Open: %v", err)
				return
			}
			defer r.Close()
			if n, err := io.Copy(io.Discard, r); n != size || err != nil {
				t.Errorf("read %d bytes, %v; want %d", n, err, size)
			}
		}()
		if blobstore.HeldReads(s) > 5 {
			t.Errorf("read tokens held = %d, over the budget of 5", blobstore.HeldReads(s))
		}
	}
	wg.Wait()
	if got := blobstore.HeldReads(s); got != 0 {
		t.Errorf("read tokens held after all readers = %d, want 0", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached in 5s")
}
