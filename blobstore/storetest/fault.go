package storetest

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"time"

	"github.com/dolium/dolium/blobstore"
)

// Op is a blobstore.Driver operation, as a FaultDriver scopes its faults
// and counts calls.
type Op int

// The operations of a blobstore.Driver.
const (
	OpPut Op = iota
	OpGet
	OpDelete
	numOps
)

var opNames = [numOps]string{OpPut: "Put", OpGet: "Get", OpDelete: "Delete"}

func (o Op) String() string {
	if o >= 0 && o < numOps {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", int(o))
}

// ErrDown is what every call to a FaultDriver that is down returns. It
// wraps blobstore.ErrUnavailable, as a driver's unreachable backend does.
var ErrDown = fmt.Errorf("storetest: driver down: %w", blobstore.ErrUnavailable)

// Faults are what a FaultDriver does to the calls that reach it. The zero
// value does nothing: calls go straight to the wrapped driver.
type Faults struct {
	// Ops limits Down, Err, Hang and Delay to these operations; empty
	// means all of them.
	Ops []Op
	// Down fails every call at once with ErrDown.
	Down bool
	// Err, when set, fails every call with it.
	Err error
	// Hang makes every call wait until its context ends and return the
	// context's error: a black-holed backend.
	Hang bool
	// Delay makes every call wait that long first; a context that ends
	// sooner ends the call with its error.
	Delay time.Duration
	// Corrupt, when not 0, is XORed into the middle byte of every
	// non-empty blob Get returns (a copy: what is stored stays intact).
	Corrupt byte
	// DropWrites makes Put report success without storing anything.
	DropWrites bool
	// Before, when set, runs before each call gets to the wrapped driver
	// (after the faults above); an error fails the call. For Delete, k
	// holds the data id and the count.
	Before func(ctx context.Context, op Op, k blobstore.ChunkKey) error
	// AfterGet, when set, rewrites what Get returns (after Corrupt).
	AfterGet func(k blobstore.ChunkKey, b []byte, err error) ([]byte, error)
}

// FaultDriver wraps a blobstore.Driver and injects the faults it is Set
// to (errors, a down switch, hangs and delays until a context ends,
// corruption, lost writes, hooks), and counts the calls of each
// operation: those that reached it, those in flight now and the most in
// flight at once. It is safe for concurrent use, and its faults may be
// changed while calls run; each call sees the faults set when it began.
//
// The zero value with Driver set is ready to use. Calling the embedded
// Driver directly bypasses the faults, to plant or inspect what is stored.
type FaultDriver struct {
	blobstore.Driver

	faults                       atomic.Pointer[Faults]
	calls, inFlight, maxInFlight [numOps]atomic.Int64
}

// NewFaultDriver returns a FaultDriver over d with no faults set.
func NewFaultDriver(d blobstore.Driver) *FaultDriver { return &FaultDriver{Driver: d} }

// Set replaces the faults.
func (f *FaultDriver) Set(x Faults) { f.faults.Store(&x) }

// Faults returns the faults set now.
func (f *FaultDriver) Faults() Faults {
	if x := f.faults.Load(); x != nil {
		return *x
	}
	return Faults{}
}

// Calls returns how many calls of ops (of every operation when none is
// given) have reached the driver since it was made or ResetCalls, failed
// ones included.
func (f *FaultDriver) Calls(ops ...Op) int64 {
	if len(ops) == 0 {
		ops = []Op{OpPut, OpGet, OpDelete}
	}
	var n int64
	for _, op := range ops {
		n += f.calls[op].Load()
	}
	return n
}

// ResetCalls sets the call counts to zero and the most calls in flight at
// once to those in flight now.
func (f *FaultDriver) ResetCalls() {
	for i := range f.calls {
		f.calls[i].Store(0)
		f.maxInFlight[i].Store(f.inFlight[i].Load())
	}
}

// InFlight returns how many calls of op are running now.
func (f *FaultDriver) InFlight(op Op) int64 { return f.inFlight[op].Load() }

// MaxInFlight returns the most calls of op that ran at once.
func (f *FaultDriver) MaxInFlight(op Op) int64 { return f.maxInFlight[op].Load() }

// begin counts a call of op and applies the faults before the wrapped
// driver is called. The caller must call end(op) when the call is done.
func (f *FaultDriver) begin(ctx context.Context, op Op, k blobstore.ChunkKey) (*Faults, error) {
	f.calls[op].Add(1)
	n := f.inFlight[op].Add(1)
	for {
		m := f.maxInFlight[op].Load()
		if n <= m || f.maxInFlight[op].CompareAndSwap(m, n) {
			break
		}
	}
	x := f.faults.Load()
	if x == nil {
		return &Faults{}, nil
	}
	if len(x.Ops) == 0 || slices.Contains(x.Ops, op) {
		switch {
		case x.Down:
			return x, ErrDown
		case x.Err != nil:
			return x, x.Err
		case x.Hang:
			<-ctx.Done()
			return x, ctx.Err()
		}
		if x.Delay > 0 {
			t := time.NewTimer(x.Delay)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return x, ctx.Err()
			}
		}
	}
	if x.Before != nil {
		if err := x.Before(ctx, op, k); err != nil {
			return x, err
		}
	}
	return x, nil
}

func (f *FaultDriver) end(op Op) { f.inFlight[op].Add(-1) }

// Put implements blobstore.Driver.
func (f *FaultDriver) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	defer f.end(OpPut)
	x, err := f.begin(ctx, OpPut, k)
	if err != nil || x.DropWrites {
		return err
	}
	return f.Driver.Put(ctx, k, b)
}

// Get implements blobstore.Driver.
func (f *FaultDriver) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	defer f.end(OpGet)
	x, err := f.begin(ctx, OpGet, k)
	if err != nil {
		return nil, err
	}
	b, err := f.Driver.Get(ctx, k)
	if err == nil && x.Corrupt != 0 && len(b) > 0 {
		b = bytes.Clone(b)
		b[len(b)/2] ^= x.Corrupt
	}
	if x.AfterGet != nil {
		b, err = x.AfterGet(k, b, err)
	}
	return b, err
}

// Delete implements blobstore.Driver.
func (f *FaultDriver) Delete(ctx context.Context, dataID string, count int) error {
	defer f.end(OpDelete)
	if _, err := f.begin(ctx, OpDelete, blobstore.ChunkKey{DataID: dataID, Index: count}); err != nil {
		return err
	}
	return f.Driver.Delete(ctx, dataID, count)
}
