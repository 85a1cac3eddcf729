package placement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/storetest"
)

type nopRecorder struct{}

func (nopRecorder) Record(context.Context, Repair) error { return nil }

// A black-holed zone costs one write the zone timeout; with the breaker the
// following writes skip it at once, and after the cooldown it is probed
// again.
func TestBreakerSkipsUnreachableZone(t *testing.T) {
	// A zone whose writes never answer until their context ends.
	h := storetest.NewFaultDriver(mem.New())
	zones := []Zone{{"a", mem.New()}, {"b", mem.New()}, {"c", h}}
	r, err := NewReplicated("rep", zones, 2, nopRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	r.ZoneTimeout = 300 * time.Millisecond
	r.BreakerCooldown = 400 * time.Millisecond
	h.Set(storetest.Faults{Ops: []storetest.Op{storetest.OpPut}, Hang: true})
	ctx := context.Background()
	blob := []byte("x")
	start := time.Now()
	if err := r.Put(ctx, blobstore.ChunkKey{DataID: "d", Index: 0}, blob); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 250*time.Millisecond {
		t.Fatalf("first write took %v, want it to wait for the zone timeout", d)
	}
	start = time.Now()
	for i := 1; i <= 10; i++ {
		if err := r.Put(ctx, blobstore.ChunkKey{DataID: "d", Index: i}, blob); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Errorf("10 writes with the zone marked down took %v, want them to skip it", d)
	}
	if n := h.Calls(storetest.OpPut); n != 1 {
		t.Errorf("calls reaching the black-holed zone = %d, want 1", n)
	}
	h.Set(storetest.Faults{})
	time.Sleep(450 * time.Millisecond)
	if err := r.Put(ctx, blobstore.ChunkKey{DataID: "d", Index: 11}, blob); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Driver.Get(ctx, blobstore.ChunkKey{DataID: "d", Index: 11}); err != nil {
		t.Errorf("after the cooldown the zone was not written again: %v", err)
	}
	if !errors.Is(errZoneSkipped, blobstore.ErrUnavailable) {
		t.Error("a skipped zone's error must read as unavailable")
	}
}

// breakerTimings: reads that skip the dead zone take microseconds on mem
// zones; reads that wait on it take at least hedgeDelay. The margins are
// wide for a loaded machine and the race detector.
const (
	hedgeDelay = 150 * time.Millisecond
	slowCall   = 300 * time.Millisecond
	zoneTO     = 600 * time.Millisecond
	cooldown   = 700 * time.Millisecond
)

// fakeZones are n zones for the breaker tests, each up, black-holed
// (every call waits for its context to end) or slow as a test sets it.
func fakeZones(n int) ([]Zone, []*storetest.FaultDriver) {
	zones := make([]Zone, n)
	fakes := make([]*storetest.FaultDriver, n)
	for i := range zones {
		fakes[i] = storetest.NewFaultDriver(mem.New())
		zones[i] = Zone{Name: fmt.Sprintf("z%d", i), Driver: fakes[i]}
	}
	return zones, fakes
}

func setTimings(o *Options) {
	o.HedgeDelay, o.SlowCall, o.ZoneTimeout, o.BreakerCooldown = hedgeDelay, slowCall, zoneTO, cooldown
}

// waitBreaker polls until zone i's breaker is in state want.
func waitBreaker(t *testing.T, d ZoneStater, i int, want BreakerState, within time.Duration) ZoneState {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		s := d.ZoneStates()[i]
		if s.Breaker == want {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("zone %d breaker %v after %v, want %v", i, s.Breaker, within, want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// burst runs n calls of fn at once and returns each one's duration.
func burst(n int, fn func(i int) error) ([]time.Duration, []error) {
	took := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			t0 := time.Now()
			errs[i] = fn(i)
			took[i] = time.Since(t0)
		})
	}
	close(start)
	wg.Wait()
	return took, errs
}

func countOver(ds []time.Duration, limit time.Duration) (n int) {
	for _, d := range ds {
		if d >= limit {
			n++
		}
	}
	return n
}

// TestBreakerBlackholeReads: a black-holed zone first in every read's
// order. The first read pays the hedge delay and leaves its call running;
// that call fails after SlowCall and opens the breaker although no read
// waited for it. Then reads skip the zone (no call reaches it, latency of
// the healthy zones); after the cooldown exactly one call of a burst of
// concurrent reads and writes probes it, the others keep skipping; the
// failed probe opens the breaker again; once the zone is back a successful
// probe closes the breaker at once.
func TestBreakerBlackholeReads(t *testing.T) {
	zones, fakes := fakeZones(3)
	r, err := NewReplicated("rep", zones, 2, nopRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	setTimings(&r.Options)
	r.Verify = func([]byte) error { return nil }
	ctx := t.Context()
	const n = 40
	for i := range n {
		if err := r.Put(ctx, blobstore.ChunkKey{DataID: "d", Index: i}, []byte("chunk")); err != nil {
			t.Fatal(err)
		}
	}
	dead := fakes[0]
	dead.Set(storetest.Faults{Hang: true})
	dead.ResetCalls()

	// Every read's context ends as soon as it returns, as a served
	// request's does: the abandoned calls must outlive it.
	get := func(k blobstore.ChunkKey) error {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		_, err := r.Get(ctx, k)
		return err
	}
	t0 := time.Now()
	if err := get(blobstore.ChunkKey{DataID: "d", Index: 0}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(t0); d < hedgeDelay || d > zoneTO {
		t.Errorf("first read took %v, want the hedge delay (%v), not the zone timeout", d, hedgeDelay)
	}
	if s := r.ZoneStates()[0]; s.Breaker != BreakerClosed {
		t.Errorf("breaker %v right after the read, want closed until SlowCall", s.Breaker)
	}
	s := waitBreaker(t, r, 0, BreakerOpen, slowCall+200*time.Millisecond)
	if !s.Skipped() || !errors.Is(s.LastError, errSlowCall) || s.ProbeAt.IsZero() {
		t.Errorf("zone state %+v: want skipped, opened by a slow call, a probe time", s)
	}
	opened := time.Now()

	took, errs := burst(n, func(i int) error { return get(blobstore.ChunkKey{DataID: "d", Index: i}) })
	if got := dead.Calls(); got != 1 {
		t.Errorf("calls reaching the dead zone while open = %d, want 1 (the first read's)", got)
	}
	if c := countOver(took, hedgeDelay); c != 0 || errors.Join(errs...) != nil {
		t.Errorf("%d of %d reads with the breaker open took the hedge delay or more (errors: %v)", c, n, errors.Join(errs...))
	}
	slices.Sort(took)
	t.Logf("reads with the zone skipped: p50 %v, max %v", took[n/2], took[n-1])

	time.Sleep(time.Until(opened.Add(cooldown + 20*time.Millisecond)))
	dead.ResetCalls()
	took, errs = burst(2*n, func(i int) error {
		k := blobstore.ChunkKey{DataID: "d", Index: i % n}
		if i%2 == 0 {
			return get(k)
		}
		return r.Put(ctx, k, []byte("chunk"))
	})
	if got := dead.Calls(); got != 1 {
		t.Errorf("calls reaching the dead zone in a burst of %d reads and writes after the cooldown = %d, want 1 (the probe)", 2*n, got)
	}
	if c := countOver(took, hedgeDelay); c > 1 || errors.Join(errs...) != nil {
		t.Errorf("%d calls of the burst waited on the dead zone, want at most the probe (errors: %v)", c, errors.Join(errs...))
	}
	if s := r.ZoneStates()[0]; s.Breaker == BreakerClosed {
		t.Errorf("breaker closed after a failed probe")
	}
	waitBreaker(t, r, 0, BreakerOpen, zoneTO)

	// The zone answers again: the probe after the next cooldown closes the
	// breaker at once, and the next calls all go to it.
	dead.Set(storetest.Faults{})
	time.Sleep(cooldown + 20*time.Millisecond)
	if _, err := r.Get(ctx, blobstore.ChunkKey{DataID: "d", Index: 1}); err != nil {
		t.Fatal(err)
	}
	if s := r.ZoneStates()[0]; s.Breaker != BreakerClosed || s.LastError != nil {
		t.Fatalf("zone state after a successful probe = %+v, want closed", s)
	}
	dead.ResetCalls()
	if _, errs := burst(10, func(i int) error { return r.Put(ctx, blobstore.ChunkKey{DataID: "e", Index: i}, []byte("x")) }); errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	if got := dead.Calls(); got != 10 {
		t.Errorf("writes reaching the zone after it closed = %d, want 10", got)
	}
}

// TestBreakerBlackholeWrites: with a black-holed zone every write of the
// first burst waits for the zone timeout once; then writes skip it; after
// the cooldown one write probes (and waits SlowCall, its probe going on
// detached), the others do not.
func TestBreakerBlackholeWrites(t *testing.T) {
	zones, fakes := fakeZones(3)
	e, err := NewErasure("ec", zones, 2, 1, 2, nopRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	setTimings(&e.Options)
	ctx := t.Context()
	dead := fakes[2]
	dead.Set(storetest.Faults{Hang: true})
	const n = 20
	put := func(i int) error {
		return e.Put(ctx, blobstore.ChunkKey{DataID: "w", Index: i}, []byte(fmt.Sprintf("chunk %d", i)))
	}
	took, errs := burst(n, put)
	if errors.Join(errs...) != nil || countOver(took, zoneTO) != n {
		t.Fatalf("first burst: %d of %d writes waited the zone timeout (errors %v), want all", countOver(took, zoneTO), n, errors.Join(errs...))
	}
	opened := time.Now()
	if s := e.ZoneStates()[2]; s.Breaker != BreakerOpen || !errors.Is(s.LastError, errZoneTimeout) {
		t.Fatalf("zone state %+v, want open by the zone timeout", s)
	}
	dead.ResetCalls()
	took, _ = burst(n, put)
	if c := countOver(took, hedgeDelay); c != 0 || dead.Calls() != 0 {
		t.Errorf("open: %d writes slow, %d calls reaching the zone; want 0, 0", c, dead.Calls())
	}
	time.Sleep(time.Until(opened.Add(cooldown + 20*time.Millisecond)))
	took, errs = burst(n, put)
	if got := dead.Calls(); got != 1 {
		t.Errorf("calls reaching the dead zone after the cooldown = %d, want 1", got)
	}
	// The probing write waits SlowCall for the zone, not ZoneTimeout; the
	// others do not wait.
	if c := countOver(took, slowCall); c != 1 || countOver(took, hedgeDelay) != 1 || countOver(took, zoneTO) != 0 || errors.Join(errs...) != nil {
		t.Errorf("after the cooldown %d writes waited SlowCall, %d the zone timeout; want exactly the probe, none (errors %v)",
			c, countOver(took, zoneTO), errors.Join(errs...))
	}
	if s := e.ZoneStates()[2]; s.Breaker != BreakerHalfOpen {
		t.Errorf("while the detached probe runs: breaker %v, want half-open", s.Breaker)
	}
	waitBreaker(t, e, 2, BreakerOpen, zoneTO)
	// Reads of data shard 0 and 1 never needed zone 2; they stay fast.
	for i := range n {
		if _, err := e.Get(ctx, blobstore.ChunkKey{DataID: "w", Index: i}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestBreakerSlowZone: a healthy zone slower than its peers (but within
// SlowCall) loses every hedge yet is never tripped: its calls, left to run
// after the read is served, answer in time.
func TestBreakerSlowZone(t *testing.T) {
	zones, fakes := fakeZones(3)
	r, err := NewReplicated("rep", zones, 3, nopRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	setTimings(&r.Options)
	r.HedgeDelay = 20 * time.Millisecond
	r.Verify = func([]byte) error { return nil }
	ctx := t.Context()
	for i := range 10 {
		if err := r.Put(ctx, blobstore.ChunkKey{DataID: "s", Index: i}, []byte("chunk")); err != nil {
			t.Fatal(err)
		}
	}
	fakes[0].Set(storetest.Faults{Delay: slowCall / 3})
	took, errs := burst(30, func(i int) error {
		_, err := r.Get(ctx, blobstore.ChunkKey{DataID: "s", Index: i % 10})
		return err
	})
	if errors.Join(errs...) != nil {
		t.Fatal(errors.Join(errs...))
	}
	if c := countOver(took, slowCall/3); c != 0 {
		t.Errorf("%d reads waited for the slow zone, want them served by the hedge", c)
	}
	time.Sleep(slowCall)
	for range 3 {
		if s := r.ZoneStates()[0]; s.Breaker != BreakerClosed {
			t.Fatalf("slower-than-its-peers zone: breaker %v (%v), want closed", s.Breaker, s.LastError)
		}
		if err := r.Put(ctx, blobstore.ChunkKey{DataID: "s", Index: 0}, []byte("chunk")); err != nil {
			t.Fatalf("W=3 write with the slow zone = %v", err)
		}
	}
}

// TestBreakerAnswers: a zone answering not found, replaced (ErrReplaced
// with ErrNotFound) or corrupt has answered; a caller cancelling its call
// says nothing: none of them opens the breaker.
func TestBreakerAnswers(t *testing.T) {
	zones, fakes := fakeZones(2)
	r, err := NewReplicated("rep", zones, 1, nopRecorder{})
	if err != nil {
		t.Fatal(err)
	}
	setTimings(&r.Options)
	ctx := t.Context()
	k := blobstore.ChunkKey{DataID: "x", Index: 0}
	for _, e := range []error{
		fmt.Errorf("bucket gone: %w: %w", blobstore.ErrReplaced, blobstore.ErrNotFound),
		fmt.Errorf("no such key: %w", blobstore.ErrNotFound),
		fmt.Errorf("bad bytes: %w", blobstore.ErrCorrupt),
	} {
		fakes[0].Set(storetest.Faults{Err: e})
		for range 3 {
			r.Get(ctx, k)
			r.Put(ctx, k, []byte("x"))
		}
		if s := r.ZoneStates()[0]; s.Breaker != BreakerClosed {
			t.Errorf("after %v: breaker %v, want closed", e, s.Breaker)
		}
	}
	fakes[0].Set(storetest.Faults{Hang: true})
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	r.Put(cctx, k, []byte("x"))
	cancel()
	if s := r.ZoneStates()[0]; s.Breaker != BreakerClosed {
		t.Errorf("after the caller's own deadline: breaker %v, want closed", s.Breaker)
	}
	// A probe whose caller gives up goes on detached: the zone stays
	// half-open (others skip it) until the probe's verdict.
	boom := fmt.Errorf("refused: %w", blobstore.ErrUnavailable)
	fakes[0].Set(storetest.Faults{Err: boom})
	r.Put(ctx, k, []byte("x"))
	waitBreaker(t, r, 0, BreakerOpen, time.Second)
	fakes[0].Set(storetest.Faults{Hang: true})
	time.Sleep(cooldown + 20*time.Millisecond)
	fakes[0].ResetCalls()
	cctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
	r.Put(cctx, k, []byte("x"))
	cancel()
	r.Put(ctx, k, []byte("x"))
	if s := r.ZoneStates()[0]; s.Breaker != BreakerHalfOpen || fakes[0].Calls() != 1 {
		t.Errorf("after a cancelled probe: %+v, %d calls; want half-open, 1 call", s, fakes[0].Calls())
	}
	waitBreaker(t, r, 0, BreakerOpen, 2*zoneTO)
	time.Sleep(cooldown + 20*time.Millisecond)
	fakes[0].Set(storetest.Faults{})
	if err := r.Put(ctx, k, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if s := r.ZoneStates()[0]; s.Breaker != BreakerClosed {
		t.Errorf("after a successful probe: breaker %v, want closed", s.Breaker)
	}
	if got := (BreakerState(7)).String(); got != "BreakerState(7)" || BreakerHalfOpen.String() != "half-open" {
		t.Errorf("String() = %q, %q", got, BreakerHalfOpen.String())
	}
}
