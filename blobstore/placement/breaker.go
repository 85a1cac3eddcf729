package placement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dolium/dolium/blobstore"
)

// BreakerState is a zone's circuit-breaker state.
type BreakerState int

const (
	// BreakerClosed: calls go to the zone.
	BreakerClosed BreakerState = iota
	// BreakerOpen: the zone failed to answer; calls fail at once (wrapping
	// blobstore.ErrUnavailable) until the cooldown ends.
	BreakerOpen
	// BreakerHalfOpen: the cooldown has ended and one call is probing the
	// zone; the others still fail at once.
	BreakerHalfOpen
)

func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerOpen:
		return "open"
	case BreakerHalfOpen:
		return "half-open"
	}
	return fmt.Sprintf("BreakerState(%d)", int(s))
}

// ZoneState is one zone's breaker state as a placement driver sees it.
type ZoneState struct {
	Name    string
	Breaker BreakerState
	// Since is when the breaker entered its state (zero: closed since the
	// start).
	Since time.Time
	// ProbeAt is, for an open breaker, when the next call probes the zone.
	ProbeAt time.Time
	// LastError is the failure that last opened the breaker (nil while
	// closed).
	LastError error
}

// Skipped reports whether calls to the zone currently fail at once.
func (s ZoneState) Skipped() bool { return s.Breaker != BreakerClosed }

// ZoneStater is what Replicated and Erasure offer to show their zones'
// breakers (for `dolium admin zones`, metrics, the repair worker).
type ZoneStater interface {
	// ZoneStates returns every zone's breaker state, in zone order. With
	// the breaker off (BreakerCooldown 0) every zone is closed.
	ZoneStates() []ZoneState
}

var (
	_ ZoneStater = (*Replicated)(nil)
	_ ZoneStater = (*Erasure)(nil)
)

// errZoneSkipped is the error of a call the breaker did not let through.
var errZoneSkipped = fmt.Errorf("zone marked unreachable, skipped until its cooldown ends: %w", blobstore.ErrUnavailable)

// The causes of a zone call's context ending that are the zone's fault:
// it did not answer within ZoneTimeout, or, for a read another zone
// answered first, within SlowCall (see zoneSet.abandon).
var (
	errZoneTimeout = fmt.Errorf("zone did not answer within the zone timeout: %w", blobstore.ErrUnavailable)
	errSlowCall    = fmt.Errorf("zone did not answer within the slow-call limit while other zones did: %w", blobstore.ErrUnavailable)
)

// breaker wraps one zone's driver and keeps a dead zone from costing every
// call a zone timeout.
//
// A call fails for the zone when the zone did not answer: any error but
// not-found (blobstore.ErrNotFound, which blobstore.ErrReplaced errors wrap
// too: a zone whose bucket is gone answers), corruption, or the end of the
// call's context by the caller; a context ended by ZoneTimeout, or by
// SlowCall for a hedged read that no longer needed the call, is the zone's
// failure. A hedged read that found its copy elsewhere lets its call to a
// slower zone run on until SlowCall (zoneSet.abandon), so a zone merely
// slower than its peers answers in time and stays closed, while a stopped
// or black-holed one counts as failed after SlowCall although no read
// waited for it.
//
// One failure opens the breaker: calls fail at once with errZoneSkipped
// for BreakerCooldown. Then the first call probes the zone (half-open)
// while every other call keeps failing at once: a probe that gets an
// answer closes the breaker at once; one that fails opens it for another
// cooldown. The probe runs detached from its caller under its own
// ZoneTimeout (a write's probe on a copy of the blob), and its caller
// waits for it at most SlowCall (see probe). So a dead zone costs the
// requests in flight when it died one zone timeout, and then at most one
// request per cooldown SlowCall (a read's probe: HedgeDelay, as the hedge
// serves it), not every request a zone timeout. A probe that has not
// returned after twice ZoneTimeout (a driver ignoring its context) is
// given up and the next call probes.
//
// Results of calls let through under an earlier state (a call still
// running when another's failure opened the breaker) are ignored: each
// state change starts a new generation. With a zero cooldown the breaker
// is off.
type breaker struct {
	blobstore.Driver
	opts *Options

	mu      sync.Mutex
	state   BreakerState
	gen     uint64    // bumped at every state change
	since   time.Time // when state was entered
	until   time.Time // open: when the next probe may go
	lastErr error
}

// ticket is what allow hands a call that may go: the generation it went in
// and whether it is the probe.
type ticket struct {
	gen   uint64
	probe bool
}

func (b *breaker) setState(s BreakerState, now time.Time) {
	b.state, b.since = s, now
	b.gen++
}

// allow says whether a call may go to the zone now.
func (b *breaker) allow() (ticket, error) {
	if b.opts.BreakerCooldown <= 0 {
		return ticket{}, nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	switch b.state {
	case BreakerOpen:
		if now.Before(b.until) {
			return ticket{}, errZoneSkipped
		}
	case BreakerHalfOpen:
		if now.Sub(b.since) < 2*b.opts.zoneTimeout() {
			return ticket{}, errZoneSkipped
		}
		// The probe never returned: give it up, this call probes.
	default:
		return ticket{gen: b.gen}, nil
	}
	b.setState(BreakerHalfOpen, now)
	return ticket{gen: b.gen, probe: true}, nil
}

// verdict classifies a call's outcome.
type verdict int

const (
	answered     verdict = iota // the zone answered (success, not found, corrupt)
	failed                      // the zone did not answer
	inconclusive                // the caller ended the call: says nothing
)

func judge(ctx context.Context, err error) verdict {
	switch {
	case err == nil, blobstore.IsNotFound(err), errors.Is(err, blobstore.ErrReplaced), errors.Is(err, blobstore.ErrCorrupt):
		return answered
	case ctx.Err() != nil:
		if c := context.Cause(ctx); errors.Is(c, errZoneTimeout) || errors.Is(c, errSlowCall) {
			return failed
		}
		return inconclusive
	}
	return failed
}

// observe updates the state with a call's outcome.
func (b *breaker) observe(ctx context.Context, t ticket, err error) {
	if b.opts.BreakerCooldown <= 0 {
		return
	}
	v := judge(ctx, err)
	b.mu.Lock()
	defer b.mu.Unlock()
	if t.gen != b.gen {
		return // let through under an earlier state
	}
	now := time.Now()
	switch {
	case v == failed:
		if c := context.Cause(ctx); c != nil && ctx.Err() != nil {
			err = c
		}
		b.setState(BreakerOpen, now)
		b.until, b.lastErr = now.Add(b.opts.BreakerCooldown), err
	case !t.probe:
		// A closed breaker stays closed.
	case v == answered:
		b.setState(BreakerClosed, now)
		b.until, b.lastErr = time.Time{}, nil
	default:
		// The probe ended without a verdict (it is detached from its
		// caller, so only a context it was given could end it): the next
		// call probes.
		b.setState(BreakerOpen, now)
		b.until = now
	}
}

// zoneState returns the breaker's state for ZoneStates.
func (b *breaker) zoneState(name string) ZoneState {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := ZoneState{Name: name, Breaker: b.state, Since: b.since, LastError: b.lastErr}
	if b.state == BreakerOpen {
		s.ProbeAt = b.until
	}
	if b.opts.BreakerCooldown <= 0 {
		s = ZoneState{Name: name}
	}
	return s
}

// probe runs the probe call fn detached from the caller: under its own
// ZoneTimeout, whatever the caller does. The caller waits for it at most
// SlowCall; a probe still running then fails for the caller with
// errProbePending (so a write's probe of a dead zone costs that write
// SlowCall, not ZoneTimeout) and goes on to its verdict in the background.
func (b *breaker) probe(ctx context.Context, t ticket, fn func(ctx context.Context) error) error {
	done := make(chan error, 1)
	go func() {
		pctx, cancel := context.WithTimeoutCause(context.WithoutCancel(ctx), b.opts.zoneTimeout(), errZoneTimeout)
		defer cancel()
		err := fn(pctx)
		b.observe(pctx, t, err)
		done <- err
	}()
	wait := time.NewTimer(b.opts.slowCall())
	defer wait.Stop()
	select {
	case err := <-done:
		return err
	case <-wait.C:
		return errProbePending
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

var errProbePending = fmt.Errorf("zone probe still unanswered after the slow-call limit: %w", blobstore.ErrUnavailable)

func (b *breaker) Put(ctx context.Context, k blobstore.ChunkKey, p []byte) error {
	t, err := b.allow()
	if err != nil {
		return err
	}
	if t.probe {
		q := slices.Clone(p) // the probe may outlive this Put, p may not be retained
		return b.probe(ctx, t, func(ctx context.Context) error { return b.Driver.Put(ctx, k, q) })
	}
	err = b.Driver.Put(ctx, k, p)
	b.observe(ctx, t, err)
	return err
}

func (b *breaker) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	t, err := b.allow()
	if err != nil {
		return nil, err
	}
	if t.probe {
		var p []byte // written by the probe, read only once it has returned
		if err := b.probe(ctx, t, func(ctx context.Context) (err error) { p, err = b.Driver.Get(ctx, k); return err }); err != nil {
			return nil, err
		}
		return p, nil
	}
	p, err := b.Driver.Get(ctx, k)
	b.observe(ctx, t, err)
	return p, err
}

func (b *breaker) Delete(ctx context.Context, dataID string, count int) error {
	t, err := b.allow()
	if err != nil {
		return err
	}
	if t.probe {
		return b.probe(ctx, t, func(ctx context.Context) error { return b.Driver.Delete(ctx, dataID, count) })
	}
	err = b.Driver.Delete(ctx, dataID, count)
	b.observe(ctx, t, err)
	return err
}

// withBreakers wraps every zone's driver in a breaker reading opts.
func (z *zoneSet) withBreakers() {
	for i := range z.zones {
		z.zones[i].Driver = &breaker{Driver: z.zones[i].Driver, opts: z.opts}
	}
}

// ZoneStates returns every zone's breaker state, in zone order.
func (z *zoneSet) ZoneStates() []ZoneState {
	out := make([]ZoneState, len(z.zones))
	for i, zone := range z.zones {
		if b, ok := zone.Driver.(*breaker); ok {
			out[i] = b.zoneState(zone.Name)
		} else {
			out[i] = ZoneState{Name: zone.Name}
		}
	}
	return out
}
