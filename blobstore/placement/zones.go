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

// Defaults for zero Options fields.
const (
	DefaultZoneTimeout = 30 * time.Second
	DefaultHedgeDelay  = 200 * time.Millisecond
)

// Options tunes a placement driver. Both drivers embed it: set the fields
// after New and before the driver's first use. Zero fields take the
// defaults.
type Options struct {
	// ZoneTimeout bounds every call to one zone (default 30s). A zone that
	// does not answer in time counts as unreachable.
	ZoneTimeout time.Duration
	// HedgeDelay is how long a Get waits on the zones asked so far before
	// also asking the next one (default 200ms).
	HedgeDelay time.Duration
	// BreakerCooldown is how long a zone that failed to answer is skipped
	// (calls fail at once) before one call probes it again; 0 turns the
	// breaker off. See breaker for the rules.
	BreakerCooldown time.Duration
	// SlowCall is how long a zone read that a hedged Get no longer needs
	// (another zone answered first) may still run; a zone that has not
	// answered by then counts as unreachable for the breaker. Default: a
	// quarter of ZoneTimeout, but at least twice HedgeDelay and at most
	// ZoneTimeout.
	SlowCall time.Duration
}

func (o *Options) zoneTimeout() time.Duration {
	if o.ZoneTimeout > 0 {
		return o.ZoneTimeout
	}
	return DefaultZoneTimeout
}

func (o *Options) hedgeDelay() time.Duration {
	if o.HedgeDelay > 0 {
		return o.HedgeDelay
	}
	return DefaultHedgeDelay
}

func (o *Options) slowCall() time.Duration {
	t := o.zoneTimeout()
	if o.SlowCall > 0 {
		return min(o.SlowCall, t)
	}
	return min(max(t/4, 2*o.hedgeDelay()), t)
}

// notAsked marks a zone a read did not reach; it never leaves the package.
const notAsked State = -1

// zoneSet is what both schemes share: the zones, the recorder, writes and
// deletes in every zone. opts points at the embedding driver's Options.
type zoneSet struct {
	name  string
	zones []Zone
	rec   Recorder
	opts  *Options
}

func newZoneSet(name string, zones []Zone, rec Recorder) (zoneSet, error) {
	if len(zones) == 0 {
		return zoneSet{}, fmt.Errorf("placement %q: no zones", name)
	}
	for i, z := range zones {
		if z.Driver == nil {
			return zoneSet{}, fmt.Errorf("placement %q: zone %d (%q) has no driver", name, i, z.Name)
		}
	}
	if rec == nil {
		return zoneSet{}, fmt.Errorf("placement %q: nil Recorder", name)
	}
	return zoneSet{name: name, zones: slices.Clone(zones), rec: rec}, nil
}

// Name returns the placement policy's name.
func (z *zoneSet) Name() string { return z.name }

// Zones returns the zones' names in order.
func (z *zoneSet) Zones() []string {
	names := make([]string, len(z.zones))
	for i, zone := range z.zones {
		names[i] = zone.Name
	}
	return names
}

// Close closes every zone's driver.
func (z *zoneSet) Close() error {
	var errs []error
	for _, zone := range z.zones {
		if err := zone.Driver.Close(); err != nil {
			errs = append(errs, fmt.Errorf("zone %q: %w", zone.Name, err))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("placement %q: close: %w", z.name, errors.Join(errs...))
	}
	return nil
}

// DeleteZone deletes chunks 0..count-1 of dataID in one zone.
func (z *zoneSet) DeleteZone(ctx context.Context, dataID string, count int, zone int) error {
	if err := z.checkZone(zone); err != nil {
		return err
	}
	ctx, cancel := z.zoneCtx(ctx)
	defer cancel()
	if err := z.zones[zone].Driver.Delete(ctx, dataID, count); err != nil {
		return fmt.Errorf("placement %q: delete %s in zone %q: %w", z.name, dataID, z.zones[zone].Name, err)
	}
	return nil
}

// Delete deletes chunks 0..count-1 of dataID in every zone in parallel. A
// zone that fails is recorded as a missed delete for the repair worker, so
// Delete fails only when recording fails (or ctx ends before it can).
func (z *zoneSet) Delete(ctx context.Context, dataID string, count int) error {
	errs := z.each(ctx, func(ctx context.Context, i int) error {
		return z.zones[i].Driver.Delete(ctx, dataID, count)
	})
	index := count
	if index < 0 {
		index = -1
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		if rerr := z.rec.Record(ctx, Repair{DataID: dataID, Index: index, Zone: i, Delete: true}); rerr != nil {
			return fmt.Errorf("placement %q: delete %s: zone %q: %v; recording the missed delete: %w",
				z.name, dataID, z.zones[i].Name, err, rerr)
		}
	}
	return nil
}

func (z *zoneSet) checkZone(i int) error {
	if i < 0 || i >= len(z.zones) {
		return fmt.Errorf("placement %q: zone %d out of range [0, %d)", z.name, i, len(z.zones))
	}
	return nil
}

// zoneCtx bounds one zone call by ZoneTimeout; the breaker tells that
// timeout (errZoneTimeout) from the caller's own end by the cause.
func (z *zoneSet) zoneCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, z.opts.zoneTimeout(), errZoneTimeout)
}

// hedgedCall is one zone call of a hedged read: its own context, so that
// the read can end a call it no longer needs without ending the others,
// and let it outlive the read.
type hedgedCall struct {
	start  time.Time
	cancel context.CancelCauseFunc
	detach func() bool // stops the caller's end from ending the call
}

// startCall starts a zone call of a hedged read under ctx, the read's
// caller's context: until the call is abandoned, the caller giving up ends
// it (which tells the breaker nothing about the zone).
func startCall(ctx context.Context) (context.Context, hedgedCall) {
	cctx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	detach := context.AfterFunc(ctx, func() { cancel(context.Cause(ctx)) })
	return cctx, hedgedCall{start: time.Now(), cancel: cancel, detach: detach}
}

// end releases a call that has returned.
func (c hedgedCall) end() {
	c.detach()
	c.cancel(nil)
}

// abandon ends a call a hedged read no longer needs because another zone
// answered first. The call is not cut at once, nor when the read's caller
// is done (a served request ends its context at once): it may run until it
// is SlowCall old. If it answers by then, the zone counts as healthy (slower
// than its peers is not down); if not, it is cancelled with errSlowCall,
// which the breaker counts as a failure. So a zone that black-holes reads
// opens its breaker after one SlowCall, although every read that met it
// was served by another zone and cancelled its call.
func (z *zoneSet) abandon(c hedgedCall) {
	c.detach()
	if d := time.Until(c.start.Add(z.opts.slowCall())); d > 0 {
		time.AfterFunc(d, func() { c.cancel(errSlowCall) })
		return
	}
	c.cancel(errSlowCall)
}

// each runs fn for every zone in parallel, each call bounded by the zone
// timeout, and returns their errors by zone once all have returned.
func (z *zoneSet) each(ctx context.Context, fn func(ctx context.Context, i int) error) []error {
	errs := make([]error, len(z.zones))
	var wg sync.WaitGroup
	for i := range z.zones {
		wg.Go(func() {
			ctx, cancel := z.zoneCtx(ctx)
			defer cancel()
			errs[i] = fn(ctx, i)
		})
	}
	wg.Wait()
	return errs
}

// put writes blobFor(i) to every zone i in parallel and waits for all of
// them, so no write outlives the caller's buffers. It succeeds when at least
// w zones wrote; each zone that failed is then recorded for repair.
func (z *zoneSet) put(ctx context.Context, k blobstore.ChunkKey, w int, blobFor func(i int) []byte) error {
	errs := z.each(ctx, func(ctx context.Context, i int) error {
		return z.zones[i].Driver.Put(ctx, k, blobFor(i))
	})
	failed := 0
	for _, err := range errs {
		if err != nil {
			failed++
		}
	}
	if ok := len(errs) - failed; ok < w {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("placement %q: put %s/%d: %w", z.name, k.DataID, k.Index, err)
		}
		return fmt.Errorf("placement %q: put %s/%d: %d of %d zones wrote, want %d: %w: %w",
			z.name, k.DataID, k.Index, ok, len(errs), w, blobstore.ErrUnavailable, z.zoneErrors(errs))
	}
	for i, err := range errs {
		if err == nil {
			continue
		}
		if rerr := z.rec.Record(ctx, Repair{DataID: k.DataID, Index: k.Index, Zone: i}); rerr != nil {
			return fmt.Errorf("placement %q: put %s/%d: zone %q: %v; recording the repair: %w",
				z.name, k.DataID, k.Index, z.zones[i].Name, err, rerr)
		}
	}
	return nil
}

// putZones writes blobFor(i) to the given zones in parallel (for Repair);
// every write must succeed.
func (z *zoneSet) putZones(ctx context.Context, k blobstore.ChunkKey, zones []int, blobFor func(i int) []byte) error {
	errs := make([]error, len(z.zones))
	var wg sync.WaitGroup
	for _, i := range zones {
		wg.Go(func() {
			ctx, cancel := z.zoneCtx(ctx)
			defer cancel()
			errs[i] = z.zones[i].Driver.Put(ctx, k, blobFor(i))
		})
	}
	wg.Wait()
	if err := z.zoneErrors(errs); err != nil {
		return fmt.Errorf("placement %q: repair %s/%d: %w", z.name, k.DataID, k.Index, err)
	}
	return nil
}

// recordRead records the zones a successful read found missing or corrupt.
func (z *zoneSet) recordRead(ctx context.Context, k blobstore.ChunkKey, states []State) error {
	for i, s := range states {
		if s != Missing && s != Corrupt {
			continue
		}
		if err := z.rec.Record(ctx, Repair{DataID: k.DataID, Index: k.Index, Zone: i}); err != nil {
			return fmt.Errorf("placement %q: get %s/%d: zone %q is %v; recording the repair: %w",
				z.name, k.DataID, k.Index, z.zones[i].Name, s, err)
		}
	}
	return nil
}

// readErr is the error of a read that found no good copy or too few good
// shards: unavailable if any zone did not answer (retrying may help), else
// corrupt if any copy or shard was damaged, else not found.
func (z *zoneSet) readErr(ctx context.Context, op string, k blobstore.ChunkKey, states []State, errs []error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("placement %q: %s %s/%d: %w", z.name, op, k.DataID, k.Index, err)
	}
	kind := blobstore.ErrNotFound
	if slices.Contains(states, Unreachable) {
		kind = blobstore.ErrUnavailable
	} else if slices.Contains(states, Corrupt) {
		kind = blobstore.ErrCorrupt
	}
	if zerr := z.zoneErrors(errs); zerr != nil {
		return fmt.Errorf("placement %q: %s %s/%d: %w: %v", z.name, op, k.DataID, k.Index, kind, zerr)
	}
	return fmt.Errorf("placement %q: %s %s/%d: %w", z.name, op, k.DataID, k.Index, kind)
}

// zoneErrors joins the non-nil errors, each named by its zone.
func (z *zoneSet) zoneErrors(errs []error) error {
	var named []error
	for i, err := range errs {
		if err != nil {
			named = append(named, fmt.Errorf("zone %q: %w", z.zones[i].Name, err))
		}
	}
	return errors.Join(named...)
}

// repairZones checks a Repair's zone list and drops duplicates.
func (z *zoneSet) repairZones(zones []int) ([]int, error) {
	for _, i := range zones {
		if err := z.checkZone(i); err != nil {
			return nil, err
		}
	}
	zones = slices.Clone(zones)
	slices.Sort(zones)
	return slices.Compact(zones), nil
}
