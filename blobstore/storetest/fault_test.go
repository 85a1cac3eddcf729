package storetest

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
)

// A FaultDriver without faults is the driver it wraps.
func TestFaultDriverContract(t *testing.T) {
	newDriver := func(t *testing.T) blobstore.Driver { return NewFaultDriver(mem.New()) }
	Run(t, newDriver)
	RunStore(t, newDriver)
}

func TestFaultDriverFaults(t *testing.T) {
	ctx := t.Context()
	planted, written := key("planted", 0), key("written", 0)
	blob := []byte("0123456789")
	boom := errors.New("boom")
	for _, tc := range []struct {
		name                   string
		faults                 Faults
		putErr, getErr, delErr error // want (errors.Is), nil for success
		stored                 bool  // Put stored the blob
		damaged                bool  // Get returns the blob with its middle byte flipped
	}{
		{name: "none", stored: true},
		{name: "down", faults: Faults{Down: true}, putErr: blobstore.ErrUnavailable, getErr: ErrDown, delErr: ErrDown},
		{name: "error", faults: Faults{Err: boom}, putErr: boom, getErr: boom, delErr: boom},
		{name: "error on Put only", faults: Faults{Ops: []Op{OpPut}, Err: boom}, putErr: boom},
		{name: "down for Get and Delete", faults: Faults{Ops: []Op{OpGet, OpDelete}, Down: true}, getErr: ErrDown, delErr: ErrDown, stored: true},
		{name: "lost writes", faults: Faults{DropWrites: true}},
		{name: "corrupt", faults: Faults{Corrupt: 0x40}, stored: true, damaged: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFaultDriver(mem.New())
			if err := f.Driver.Put(ctx, planted, blob); err != nil {
				t.Fatal(err)
			}
			f.Set(tc.faults)
			if got := f.Faults(); got.Down != tc.faults.Down || got.Err != tc.faults.Err || got.Corrupt != tc.faults.Corrupt {
				t.Errorf("Faults() = %+v, want %+v", got, tc.faults)
			}
			if err := f.Put(ctx, written, blob); !errors.Is(err, tc.putErr) || (tc.putErr == nil) != (err == nil) {
				t.Errorf("Put = %v, want %v", err, tc.putErr)
			}
			if s, err := f.Driver.Get(ctx, written); (err == nil) != tc.stored || (tc.stored && !bytes.Equal(s, blob)) {
				t.Errorf("after Put the store holds %q, %v; want the blob stored: %v", s, err, tc.stored)
			}
			want := bytes.Clone(blob)
			if tc.damaged {
				want[5] ^= tc.faults.Corrupt
			}
			if b, err := f.Get(ctx, planted); !errors.Is(err, tc.getErr) || (tc.getErr == nil && !bytes.Equal(b, want)) {
				t.Errorf("Get = %q, %v; want %q, %v", b, err, want, tc.getErr)
			}
			if s, _ := f.Driver.Get(ctx, planted); !bytes.Equal(s, blob) {
				t.Errorf("the stored blob changed to %q", s)
			}
			if err := f.Delete(ctx, "planted", 1); !errors.Is(err, tc.delErr) || (tc.delErr == nil) != (err == nil) {
				t.Errorf("Delete = %v, want %v", err, tc.delErr)
			}
			if f.Calls() != 3 || f.Calls(OpPut) != 1 || f.Calls(OpGet, OpDelete) != 2 {
				t.Errorf("calls: %d in all, %d Put, %d Get, %d Delete; want 3, one each", f.Calls(), f.Calls(OpPut), f.Calls(OpGet), f.Calls(OpDelete))
			}
		})
	}
}

func TestFaultDriverHangAndDelay(t *testing.T) {
	f := NewFaultDriver(mem.New())
	f.Set(Faults{Ops: []Op{OpPut}, Hang: true})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := f.Put(ctx, key("h", 0), []byte("x")); !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 50*time.Millisecond {
		t.Errorf("hanging Put = %v after %v, want the context's deadline", err, time.Since(start))
	}
	if _, err := f.Get(t.Context(), key("h", 0)); !blobstore.IsNotFound(err) {
		t.Errorf("Get (not hanging) = %v, want not found", err)
	}

	f.Set(Faults{Delay: 30 * time.Millisecond})
	start = time.Now()
	if err := f.Put(t.Context(), key("d", 0), []byte("x")); err != nil || time.Since(start) < 30*time.Millisecond {
		t.Errorf("delayed Put = %v after %v, want success after the delay", err, time.Since(start))
	}
	f.Set(Faults{Delay: time.Hour})
	ctx, cancel = context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.Get(ctx, key("d", 0)); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get delayed past its deadline = %v, want the context's error", err)
	}
	f.Set(Faults{})
	if _, err := f.Get(t.Context(), key("d", 0)); err != nil {
		t.Errorf("Get after the faults were cleared = %v", err)
	}
}

func TestFaultDriverHooksAndCounters(t *testing.T) {
	f := NewFaultDriver(mem.New())
	gate := make(chan struct{})
	var seen sync.Map
	f.Set(Faults{
		Before: func(ctx context.Context, op Op, k blobstore.ChunkKey) error {
			seen.Store(op.String()+"/"+k.DataID, k.Index)
			if op == OpPut {
				<-gate
			}
			if op == OpDelete && k.DataID == "no" {
				return errInjected
			}
			return nil
		},
		AfterGet: func(k blobstore.ChunkKey, b []byte, err error) ([]byte, error) {
			return append(b, '!'), err
		},
	})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if err := f.Put(t.Context(), key("p", i), []byte("x")); err != nil {
				t.Errorf("Put: %v", err)
			}
		})
	}
	for f.InFlight(OpPut) != 4 {
		time.Sleep(time.Millisecond)
	}
	close(gate)
	wg.Wait()
	if f.InFlight(OpPut) != 0 || f.MaxInFlight(OpPut) != 4 || f.Calls(OpPut) != 4 {
		t.Errorf("puts: %d in flight, at most %d, %d calls; want 0, 4, 4", f.InFlight(OpPut), f.MaxInFlight(OpPut), f.Calls(OpPut))
	}
	if b, err := f.Get(t.Context(), key("p", 2)); err != nil || string(b) != "x!" {
		t.Errorf("Get through AfterGet = %q, %v; want %q", b, err, "x!")
	}
	if err := f.Delete(t.Context(), "no", -1); !errors.Is(err, errInjected) {
		t.Errorf("Delete failed by Before = %v, want %v", err, errInjected)
	}
	if n, ok := seen.Load("Delete/no"); !ok || n != -1 {
		t.Errorf("Before saw Delete with count %v, want -1", n)
	}
	if _, ok := seen.Load("Get/p"); !ok {
		t.Error("Before did not see the Get")
	}
	f.ResetCalls()
	if f.Calls() != 0 || f.MaxInFlight(OpPut) != 0 {
		t.Errorf("after ResetCalls: %d calls, at most %d puts in flight; want 0, 0", f.Calls(), f.MaxInFlight(OpPut))
	}
	if OpDelete.String() != "Delete" || Op(7).String() != "Op(7)" {
		t.Errorf("Op names: %v, %v", OpDelete, Op(7))
	}
}
