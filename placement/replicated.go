package placement

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dolium/dolium/blobstore"
)

// Replicated keeps a full copy of every chunk in each of its zones.
type Replicated struct {
	Options
	// Verify tells a good copy from a damaged one; nil means
	// blobstore.CheckFrame, right for chunks a blobstore.Store writes.
	// Set it, like Options, before first use.
	Verify func(blob []byte) error

	zoneSet
	w int
}

var _ Driver = (*Replicated)(nil)

// NewReplicated returns a driver keeping len(zones) copies of every chunk,
// one per zone; a Put succeeds once writeQuorum (1..len(zones)) copies are
// written. Repairs go to rec, which must not be nil.
func NewReplicated(name string, zones []Zone, writeQuorum int, rec Recorder) (*Replicated, error) {
	zs, err := newZoneSet(name, zones, rec)
	if err != nil {
		return nil, err
	}
	if writeQuorum < 1 || writeQuorum > len(zones) {
		return nil, fmt.Errorf("placement %q: write quorum %d, want 1..%d", name, writeQuorum, len(zones))
	}
	r := &Replicated{zoneSet: zs, w: writeQuorum}
	r.opts = &r.Options
	r.withBreakers()
	return r, nil
}

func (r *Replicated) verify(b []byte) error {
	if r.Verify != nil {
		return r.Verify(b)
	}
	return blobstore.CheckFrame(b)
}

// Put writes b to every zone in parallel and returns when all writes have
// finished (each bounded by ZoneTimeout): nil if at least W succeeded, the
// others then recorded for repair; otherwise an error wrapping
// blobstore.ErrUnavailable.
func (r *Replicated) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	return r.put(ctx, k, r.w, func(int) []byte { return b })
}

// Get returns the first copy that passes Verify, asking the zones in order
// and moving to the next when a zone fails, returns a damaged copy or has
// not answered within HedgeDelay. Zones found missing or corrupt on the way
// are recorded for repair. With no good copy it fails wrapping
// blobstore.ErrUnavailable if some zone did not answer, else
// blobstore.ErrCorrupt if some copy was damaged, else blobstore.ErrNotFound.
func (r *Replicated) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	order := make([]int, len(r.zones))
	for i := range order {
		order[i] = i
	}
	b, states, err := r.get(ctx, k, order)
	if err != nil {
		return nil, err
	}
	if err := r.recordRead(ctx, k, states); err != nil {
		return nil, err
	}
	return b, nil
}

// copyResult is one zone's answer to a read.
type copyResult struct {
	zone  int
	blob  []byte
	state State
	err   error
}

func (r *Replicated) read(ctx context.Context, k blobstore.ChunkKey, i int) copyResult {
	ctx, cancel := r.zoneCtx(ctx)
	defer cancel()
	b, err := r.zones[i].Driver.Get(ctx, k)
	switch {
	case err == nil:
		if err := r.verify(b); err != nil {
			return copyResult{zone: i, state: Corrupt, err: err}
		}
		return copyResult{zone: i, blob: b, state: OK}
	case blobstore.IsNotFound(err):
		return copyResult{zone: i, state: Missing, err: err}
	default:
		return copyResult{zone: i, state: Unreachable, err: err}
	}
}

// get is the hedged read over the zones in order. states tells what each
// zone answered (notAsked for those not asked or still running).
func (r *Replicated) get(ctx context.Context, k blobstore.ChunkKey, order []int) ([]byte, []State, error) {
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // stops the zones still running

	states := make([]State, len(r.zones))
	for i := range states {
		states[i] = notAsked
	}
	errs := make([]error, len(r.zones))
	results := make(chan copyResult, len(order)) // never blocks a sender
	next, pending := 0, 0
	launch := func() bool {
		if next == len(order) {
			return false
		}
		i := order[next]
		next++
		pending++
		go func() { results <- r.read(ctx, k, i) }()
		return true
	}

	launch()
	hedge := time.NewTimer(r.hedgeDelay())
	defer hedge.Stop()
	for pending > 0 {
		select {
		case res := <-results:
			pending--
			states[res.zone], errs[res.zone] = res.state, res.err
			if res.state == OK {
				return res.blob, states, nil
			}
			if launch() {
				hedge.Reset(r.hedgeDelay())
			}
		case <-hedge.C:
			if launch() {
				hedge.Reset(r.hedgeDelay())
			}
		case <-ctx.Done():
			return nil, states, fmt.Errorf("placement %q: get %s/%d: %w", r.name, k.DataID, k.Index, ctx.Err())
		}
	}
	return nil, states, r.readErr(parent, "get", k, states, errs)
}

// Check reads every zone's copy in parallel and reports their states; the
// chunk is recoverable while one good copy remains. It records nothing and
// fails only when ctx ends.
func (r *Replicated) Check(ctx context.Context, k blobstore.ChunkKey) (Health, error) {
	h := Health{Zones: make([]State, len(r.zones))}
	r.each(ctx, func(ctx context.Context, i int) error {
		h.Zones[i] = r.read(ctx, k, i).state
		return nil
	})
	if err := ctx.Err(); err != nil {
		return Health{}, fmt.Errorf("placement %q: check %s/%d: %w", r.name, k.DataID, k.Index, err)
	}
	h.Recoverable = slices.Contains(h.Zones, OK)
	return h, nil
}

// Repair copies a good copy of the chunk into each of the given zones,
// reading the other zones first and the given ones only if no other has a
// good copy. With no good copy it fails wrapping blobstore.ErrNotFound, or
// blobstore.ErrUnavailable if some zone did not answer (the copy may be
// there when it does).
func (r *Replicated) Repair(ctx context.Context, k blobstore.ChunkKey, zones []int) error {
	zones, err := r.repairZones(zones)
	if err != nil || len(zones) == 0 {
		return err
	}
	order := make([]int, 0, len(r.zones))
	for i := range r.zones {
		if !slices.Contains(zones, i) {
			order = append(order, i)
		}
	}
	order = append(order, zones...)
	b, _, err := r.get(ctx, k, order)
	if err != nil {
		if !errors.Is(err, blobstore.ErrUnavailable) && ctx.Err() == nil && !blobstore.IsNotFound(err) {
			err = fmt.Errorf("%w: %w", blobstore.ErrNotFound, err) // every copy damaged
		}
		return fmt.Errorf("placement %q: repair %s/%d: no good copy: %w", r.name, k.DataID, k.Index, err)
	}
	return r.putZones(ctx, k, zones, func(int) []byte { return b })
}
