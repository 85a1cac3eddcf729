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

// Replicated keeps a full copy of every chunk in each of its zones. Each
// copy names the chunk it belongs to (see the copy format in copies.go and
// the package doc): a copy of another chunk found under a chunk's key is
// corrupt, never served.
type Replicated struct {
	Options
	// Verify tells a good old-format copy (the bare blob, as written before
	// copies carried their identity) from a damaged one; nil means
	// blobstore.CheckFrame, right for chunks a blobstore.Store writes.
	// Copies in the current format carry their own CRC32C and are not
	// passed to Verify. Set it, like Options, before first use.
	Verify func(blob []byte) error
	// RefuseOldCopies makes old-format copies Corrupt instead of readable:
	// for a store whose copies have all been rewritten (Check reports none
	// Outdated), so that no zone can pass a bare blob of another chunk off
	// as this one's.
	RefuseOldCopies bool

	zoneSet
	w    int
	bufs sync.Pool // *[]byte: the framed copy of one Put
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

// verifyOld is the check of old-format copies, nil when they are refused.
func (r *Replicated) verifyOld() func([]byte) error {
	switch {
	case r.RefuseOldCopies:
		return nil
	case r.Verify != nil:
		return r.Verify
	}
	return blobstore.CheckFrame
}

// Put frames b as chunk k's copy and writes it to every zone in parallel,
// returning when all writes have finished (each bounded by ZoneTimeout):
// nil if at least W succeeded, the others then recorded for repair;
// otherwise an error wrapping blobstore.ErrUnavailable.
func (r *Replicated) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	bp, _ := r.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer r.bufs.Put(bp)
	if n := copyLen(k.DataID, b); cap(*bp) < n {
		*bp = make([]byte, 0, n)
	}
	c, err := appendCopy((*bp)[:0], k, b)
	if err != nil {
		return fmt.Errorf("placement %q: put %s/%d: %w", r.name, k.DataID, k.Index, err)
	}
	// No zone holds c once put returns, so the buffer serves the next Put.
	return r.put(ctx, k, r.w, func(int) []byte { return c })
}

// Get returns the blob of the first copy that is good (its CRC passes and
// it names chunk k; an old-format copy: it passes Verify), asking the
// zones in order and moving to the next when a zone fails, returns a
// damaged or foreign copy or has not answered within HedgeDelay. Zones
// found missing or corrupt on the way are recorded for repair. With no
// good copy it fails wrapping blobstore.ErrUnavailable if some zone did not
// answer, else blobstore.ErrCorrupt if some copy was damaged, else
// blobstore.ErrNotFound.
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
	blob  []byte // the chunk's blob, unframed, when state is OK
	old   bool   // an old-format copy
	state State
	err   error
}

func (r *Replicated) read(ctx context.Context, k blobstore.ChunkKey, i int) copyResult {
	ctx, cancel := r.zoneCtx(ctx)
	defer cancel()
	b, err := r.zones[i].Driver.Get(ctx, k)
	switch {
	case err == nil:
		blob, old, err := openCopy(b, k, r.verifyOld())
		if err != nil {
			return copyResult{zone: i, state: Corrupt, err: err}
		}
		return copyResult{zone: i, blob: blob, old: old, state: OK}
	case blobstore.IsNotFound(err):
		return copyResult{zone: i, state: Missing, err: err}
	default:
		return copyResult{zone: i, state: Unreachable, err: err}
	}
}

// get is the hedged read over the zones in order. states tells what each
// zone answered (notAsked for those not asked or still running). Calls
// still running when a copy is found are abandoned (zoneSet.abandon).
func (r *Replicated) get(ctx context.Context, k blobstore.ChunkKey, order []int) ([]byte, []State, error) {
	states := make([]State, len(r.zones))
	for i := range states {
		states[i] = notAsked
	}
	errs := make([]error, len(r.zones))
	calls := make([]*hedgedCall, len(r.zones))   // the calls running
	results := make(chan copyResult, len(order)) // never blocks a sender
	next, pending := 0, 0
	launch := func() bool {
		if next == len(order) {
			return false
		}
		i := order[next]
		next++
		pending++
		cctx, c := startCall(ctx)
		calls[i] = &c
		go func() {
			defer c.end()
			results <- r.read(cctx, k, i)
		}()
		return true
	}

	launch()
	hedge := time.NewTimer(r.hedgeDelay())
	defer hedge.Stop()
	for pending > 0 {
		select {
		case res := <-results:
			pending--
			calls[res.zone] = nil
			states[res.zone], errs[res.zone] = res.state, res.err
			if res.state == OK {
				for _, c := range calls {
					if c != nil {
						r.abandon(*c)
					}
				}
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
	return nil, states, r.readErr(ctx, "get", k, states, errs)
}

// Check reads every zone's copy in parallel and reports their states (a
// copy of another chunk is Corrupt) and, in Outdated, the zones whose good
// copy is in the old format; the chunk is recoverable while one good copy
// remains. It records nothing and fails only when ctx ends.
func (r *Replicated) Check(ctx context.Context, k blobstore.ChunkKey) (Health, error) {
	h := Health{Zones: make([]State, len(r.zones))}
	old := make([]bool, len(r.zones))
	r.each(ctx, func(ctx context.Context, i int) error {
		res := r.read(ctx, k, i)
		h.Zones[i], old[i] = res.state, res.old
		return nil
	})
	if err := ctx.Err(); err != nil {
		return Health{}, fmt.Errorf("placement %q: check %s/%d: %w", r.name, k.DataID, k.Index, err)
	}
	for i, o := range old {
		if o {
			h.Outdated = append(h.Outdated, i)
		}
	}
	h.Recoverable = slices.Contains(h.Zones, OK)
	return h, nil
}

// Repair copies a good copy of the chunk into each of the given zones, in
// the current format (so repairing a zone Check reports Outdated upgrades
// its copy), reading the other zones first and the given ones only if no
// other has a good copy. With no good copy it fails wrapping
// blobstore.ErrNotFound, or blobstore.ErrUnavailable if some zone did not
// answer (the copy may be there when it does).
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
	c, err := appendCopy(make([]byte, 0, copyLen(k.DataID, b)), k, b)
	if err != nil {
		return fmt.Errorf("placement %q: repair %s/%d: %w", r.name, k.DataID, k.Index, err)
	}
	return r.putZones(ctx, k, zones, func(int) []byte { return c })
}
