package placement

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dolium/dolium/blobstore"
)

// Erasure keeps every chunk as k data and m parity shards (EncodeShards),
// shard i in zone i. Any m zones may be lost.
type Erasure struct {
	Options

	zoneSet
	k, m, w int
	bufs    sync.Pool // *[]byte: the shards of one Put
}

var _ Driver = (*Erasure)(nil)

// NewErasure returns a driver coding every chunk into k data and m parity
// shards over len(zones) == k+m zones (k >= 1, m >= 1, k+m <= MaxShards). A
// Put succeeds once writeQuorum shards are written: k..k+m, or 0 for the
// default k+1 (capped at k+m), which keeps a chunk readable through the
// loss of one more zone than the one that missed the write. Repairs go to
// rec, which must not be nil.
func NewErasure(name string, zones []Zone, k, m, writeQuorum int, rec Recorder) (*Erasure, error) {
	if err := checkKM(k, m); err != nil {
		return nil, fmt.Errorf("placement %q: %w", name, err)
	}
	if len(zones) != k+m {
		return nil, fmt.Errorf("placement %q: %d zones, want k+m = %d", name, len(zones), k+m)
	}
	zs, err := newZoneSet(name, zones, rec)
	if err != nil {
		return nil, err
	}
	if writeQuorum == 0 {
		writeQuorum = min(k+1, k+m)
	}
	if writeQuorum < k || writeQuorum > k+m {
		return nil, fmt.Errorf("placement %q: write quorum %d, want %d..%d", name, writeQuorum, k, k+m)
	}
	e := &Erasure{zoneSet: zs, k: k, m: m, w: writeQuorum}
	e.opts = &e.Options
	e.withBreakers()
	return e, nil
}

// Put encodes b into k+m shards and writes shard i to zone i, all in
// parallel, returning when all writes have finished (each bounded by
// ZoneTimeout): nil if at least W succeeded, the others then recorded for
// repair; otherwise an error wrapping blobstore.ErrUnavailable.
func (e *Erasure) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	bp, _ := e.bufs.Get().(*[]byte)
	if bp == nil {
		bp = new([]byte)
	}
	defer e.bufs.Put(bp)
	shards, buf, err := encodeShards(*bp, b, e.k, e.m)
	if err != nil {
		return fmt.Errorf("placement %q: put %s/%d: %w", e.name, k.DataID, k.Index, err)
	}
	*bp = buf // kept for the next Put: no zone holds the shards after put
	return e.put(ctx, k, e.w, func(i int) []byte { return shards[i] })
}

// Get reads the k data shards in parallel and, when one fails, is damaged
// or has not answered within HedgeDelay, a parity shard more; it decodes
// from the first k good shards (with all data shards good there is nothing
// to decode). Zones found missing, damaged or holding a stale shard are
// recorded for repair. Without k good shards it fails wrapping
// blobstore.ErrUnavailable if some zone did not answer, else
// blobstore.ErrCorrupt if some shard was damaged, else blobstore.ErrNotFound.
func (e *Erasure) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	b, states, err := e.get(ctx, k)
	if err != nil {
		return nil, err
	}
	if err := e.recordRead(ctx, k, states); err != nil {
		return nil, err
	}
	return b, nil
}

// shardResult is one zone's answer to a read.
type shardResult struct {
	zone  int
	shard *parsedShard // when state is OK
	state State
	err   error
}

func (e *Erasure) read(ctx context.Context, k blobstore.ChunkKey, i int) shardResult {
	ctx, cancel := e.zoneCtx(ctx)
	defer cancel()
	b, err := e.zones[i].Driver.Get(ctx, k)
	switch {
	case err == nil:
		p, err := parseShard(b, i, e.k, e.m)
		if err != nil {
			return shardResult{zone: i, state: Corrupt, err: fmt.Errorf("%w: %v", blobstore.ErrCorrupt, err)}
		}
		return shardResult{zone: i, shard: &p, state: OK}
	case blobstore.IsNotFound(err):
		return shardResult{zone: i, state: Missing, err: err}
	default:
		return shardResult{zone: i, state: Unreachable, err: err}
	}
}

// get is the hedged read. states tells what each zone answered (notAsked
// for those not asked or still running); shards of another blob than the
// one decoded are reported Corrupt. Calls still running when k good shards
// are in are abandoned (zoneSet.abandon).
func (e *Erasure) get(ctx context.Context, k blobstore.ChunkKey) ([]byte, []State, error) {
	n := len(e.zones)
	states := make([]State, n)
	for i := range states {
		states[i] = notAsked
	}
	errs := make([]error, n)
	parsed := make([]*parsedShard, n)
	calls := make([]*hedgedCall, n)      // the calls running
	results := make(chan shardResult, n) // never blocks a sender
	next, pending := 0, 0
	launch := func() bool {
		if next == n {
			return false
		}
		i := next
		next++
		pending++
		cctx, c := startCall(ctx)
		calls[i] = &c
		go func() {
			defer c.end()
			results <- e.read(cctx, k, i)
		}()
		return true
	}

	hedge := time.NewTimer(e.hedgeDelay())
	defer hedge.Stop()
	for {
		_, good, _ := pickBlob(parsed)
		if good >= e.k {
			break
		}
		// Keep enough shards asked for to reach k if they all answer.
		for pending+good < e.k && launch() {
		}
		if pending == 0 {
			id, _, _ := pickBlob(parsed)
			markStale(states, parsed, id)
			return nil, states, e.readErr(ctx, "get", k, states, errs)
		}
		select {
		case res := <-results:
			pending--
			calls[res.zone] = nil
			states[res.zone], errs[res.zone], parsed[res.zone] = res.state, res.err, res.shard
		case <-hedge.C:
			if launch() {
				hedge.Reset(e.hedgeDelay())
			}
		case <-ctx.Done():
			return nil, states, fmt.Errorf("placement %q: get %s/%d: %w", e.name, k.DataID, k.Index, ctx.Err())
		}
	}
	for _, c := range calls {
		if c != nil {
			e.abandon(*c)
		}
	}
	b, id, err := decodeParsed(parsed, e.k, e.m)
	if err != nil {
		return nil, states, fmt.Errorf("placement %q: get %s/%d: %w", e.name, k.DataID, k.Index, err)
	}
	markStale(states, parsed, id)
	return b, states, nil
}

// markStale reports as Corrupt the good shards of another blob than id.
func markStale(states []State, parsed []*parsedShard, id blobID) {
	for i, p := range parsed {
		if p != nil && p.blob() != id {
			states[i] = Corrupt
		}
	}
}

// Check reads every zone's shard in parallel and reports their states; a
// shard that passes its own checks but belongs to another blob than most
// (a stale shard) is Corrupt. The chunk is recoverable while k good shards
// remain. It records nothing and fails only when ctx ends.
func (e *Erasure) Check(ctx context.Context, k blobstore.ChunkKey) (Health, error) {
	h := Health{Zones: make([]State, len(e.zones))}
	parsed := make([]*parsedShard, len(e.zones))
	e.each(ctx, func(ctx context.Context, i int) error {
		res := e.read(ctx, k, i)
		h.Zones[i], parsed[i] = res.state, res.shard
		return nil
	})
	if err := ctx.Err(); err != nil {
		return Health{}, fmt.Errorf("placement %q: check %s/%d: %w", e.name, k.DataID, k.Index, err)
	}
	id, good, _ := pickBlob(parsed)
	markStale(h.Zones, parsed, id)
	h.Recoverable = good >= e.k
	return h, nil
}

// Repair decodes the chunk from k good shards (any zones' good shards,
// including those of the given zones), encodes it again and writes each
// given zone's shard. Without k good shards it fails wrapping
// blobstore.ErrNotFound, or blobstore.ErrUnavailable if some zone did not
// answer (its shard may be there when it does).
func (e *Erasure) Repair(ctx context.Context, k blobstore.ChunkKey, zones []int) error {
	zones, err := e.repairZones(zones)
	if err != nil || len(zones) == 0 {
		return err
	}
	b, states, err := e.get(ctx, k)
	if err != nil {
		if ctx.Err() == nil && !slices.Contains(states, Unreachable) && !blobstore.IsNotFound(err) {
			err = fmt.Errorf("%w: %w", blobstore.ErrNotFound, err) // too few good shards
		}
		return fmt.Errorf("placement %q: repair %s/%d: %w", e.name, k.DataID, k.Index, err)
	}
	shards, err := EncodeShards(b, e.k, e.m)
	if err != nil {
		return fmt.Errorf("placement %q: repair %s/%d: %w", e.name, k.DataID, k.Index, err)
	}
	return e.putZones(ctx, k, zones, func(i int) []byte { return shards[i] })
}
