package upkeep

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/placement"
	"github.com/dolium/dolium/meta"
)

// RepairRecorder returns the placement.Recorder of a placement policy: it
// puts what the policy's driver finds missing into the repair queue.
func RepairRecorder(q meta.RepairQueue, placementName string, now func() time.Time) placement.Recorder {
	if now == nil {
		now = time.Now
	}
	return recorder{q: q, name: placementName, now: now}
}

type recorder struct {
	q    meta.RepairQueue
	name string
	now  func() time.Time
}

func (r recorder) Record(ctx context.Context, rp placement.Repair) error {
	// A fresh context: the request's may be ending, and a lost record is a
	// chunk left degraded until the scrubber finds it.
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return r.q.EnqueueRepair(qctx, meta.RepairEntry{
		Due: r.now().UTC().Truncate(time.Millisecond), Placement: r.name,
		DataID: rp.DataID, Index: rp.Index, Zone: rp.Zone, Delete: rp.Delete,
	})
}

// zoned is what the workers need of a placement policy's driver beyond
// the typed policy (blobstore.Placement): a chunk's health in each zone, its
// repair, and a delete a zone missed. Both schemes of blobstore/placement
// offer it.
type zoned interface {
	Check(ctx context.Context, k blobstore.ChunkKey) (placement.Health, error)
	Repair(ctx context.Context, k blobstore.ChunkKey, zones []int) error
	DeleteZone(ctx context.Context, dataID string, count int, zone int) error
}

var (
	_ zoned = (*placement.Replicated)(nil)
	_ zoned = (*placement.Erasure)(nil)
)

// zonesOf returns the zone operations of a policy's driver.
func zonesOf(p *blobstore.Placement) (zoned, error) {
	d, ok := p.Store.Driver().(zoned)
	if p.Scheme == blobstore.Primary || !ok {
		return nil, fmt.Errorf("placement %q has no zones", p.Name)
	}
	return d, nil
}

// RepairStats counts one repair pass.
type RepairStats struct {
	Processed     int // entries handled
	Repaired      int // copies or shards rewritten, or missed deletes done
	Unrecoverable int // chunks too few good copies or shards remain of
	Retried       int // entries put back with backoff (zone still away)
}

// maxRepairBackoff bounds the wait between two attempts of a repair: a
// zone that is away for long is retried this often (one probe per zone
// per pass, see RepairOnce), and its repairs are made due at once when it
// answers again (expediteRepairs).
const maxRepairBackoff = 2 * time.Minute

// repairBackoff is the wait before attempt n+1 of a repair.
func repairBackoff(attempts int) time.Duration {
	d := time.Second << min(attempts, 9) // 1s, 2s, 4s, ...
	return min(d, maxRepairBackoff)
}

// repairGone reports whether a failed repair can never succeed: nothing
// good is left to rebuild from. A write-back that failed (the zone did not
// answer, its breaker skipped it, or its bucket is gone: ErrReplaced) is
// never that, whatever else the error wraps.
func repairGone(err error) bool {
	return errors.Is(err, blobstore.ErrNotFound) && !errors.Is(err, blobstore.ErrReplaced) &&
		!errors.Is(err, blobstore.ErrUnavailable)
}

// RepairOnce handles up to limit due repairs. It is safe on every gateway
// at once: a repair rewrites the same bytes, and removing an entry twice is
// harmless. An entry whose zone failed its last call is not attempted, but
// put back with backoff, except for one per zone and pass, which probes
// the zone. Only an entry with nothing good left to rebuild from is
// dropped (and counted unrecoverable); every other failure is retried.
func (w *Workers) RepairOnce(ctx context.Context, limit int) (RepairStats, error) {
	var st RepairStats
	q := w.cfg.Repairs
	if q == nil {
		return st, nil
	}
	es, err := q.DueRepairs(ctx, w.now(), limit)
	if err != nil {
		return st, mapMeta(err)
	}
	probed := map[string]bool{}
	for _, e := range es {
		zone := w.zoneName(e.Placement, e.Zone)
		err := errZoneSkippedDown
		if !w.cfg.Zones.down(zone) || !probed[zone] {
			probed[zone] = true
			err = w.repair(ctx, e)
		}
		switch {
		case err == nil:
			st.Repaired++
		case repairGone(err):
			// Nothing good is left to rebuild from: deleted data (the
			// collector got there first) or a lost chunk.
			st.Unrecoverable++
			w.log.Warn("repair: chunk cannot be rebuilt", "placement", e.Placement, "data_id", e.DataID, "index", e.Index, "zone", e.Zone, "err", err)
		default:
			next := e
			next.Attempts++
			next.Due = w.now().Add(repairBackoff(e.Attempts)).Truncate(time.Millisecond)
			if qerr := q.EnqueueRepair(ctx, next); qerr != nil {
				return st, mapMeta(qerr)
			}
			st.Retried++
		}
		if err := q.RemoveRepair(ctx, e); err != nil {
			return st, mapMeta(err)
		}
		st.Processed++
	}
	return st, nil
}

// errZoneSkippedDown: a repair not attempted because its zone failed its last call.
var errZoneSkippedDown = fmt.Errorf("zone failed its last call: %w", blobstore.ErrUnavailable)

func (w *Workers) repair(ctx context.Context, e meta.RepairEntry) error {
	p, err := w.placements.ByName(e.Placement)
	if err != nil {
		return fmt.Errorf("%w: %v", blobstore.ErrNotFound, err)
	}
	d, err := zonesOf(p)
	if err != nil {
		return fmt.Errorf("%w: %v", blobstore.ErrNotFound, err)
	}
	if e.Delete {
		return d.DeleteZone(ctx, e.DataID, e.Index, e.Zone)
	}
	return d.Repair(ctx, blobstore.ChunkKey{DataID: e.DataID, Index: e.Index}, []int{e.Zone})
}

// RunRepairs runs RepairOnce every interval until ctx ends.
func (w *Workers) RunRepairs(ctx context.Context, interval time.Duration, onPass func(RepairStats, error)) {
	runEvery(ctx, interval, func() bool {
		st, err := w.RepairOnce(ctx, 200)
		if onPass != nil {
			onPass(st, err)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Warn("repair pass failed", "err", err)
		}
		return err == nil && st.Processed == 200
	})
}

// ScrubStats counts one scrub pass.
type ScrubStats struct {
	Chunks   int // chunks checked in every zone
	Problems int // missing or corrupt copies or shards queued for repair
}

// ScrubOnce re-reads every chunk of every placed object in every zone, at
// most rate chunks per second (0: no limit), verifying checksums, and
// queues what is missing or corrupt for repair. Unreachable zones are left
// to the write path's records and the next pass.
func (w *Workers) ScrubOnce(ctx context.Context, rate float64) (ScrubStats, error) {
	var st ScrubStats
	var tick <-chan time.Time
	if rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer t.Stop()
		tick = t.C
	}
	err := w.eachExtent(ctx, "", func(o meta.Object, x meta.Extent) error {
		p, err := w.placements.ForData(x.DataID)
		if err != nil || p.Scheme == blobstore.Primary {
			return nil // the primary store, or a placement no longer configured: nothing to check against
		}
		d, err := zonesOf(p)
		if err != nil {
			return nil
		}
		var rec placement.Recorder
		if q := w.cfg.Repairs; q != nil {
			rec = RepairRecorder(q, p.Name, w.cfg.Now)
		}
		for i := range chunks(x) {
			if tick != nil {
				select {
				case <-tick:
				case <-ctx.Done():
					return ctx.Err()
				}
			}
			h, err := d.Check(ctx, blobstore.ChunkKey{DataID: x.DataID, Index: i})
			if err != nil {
				return err
			}
			st.Chunks++
			// Missing, corrupt, and old-format copies (rewritten in the
			// self-identifying format).
			for _, z := range h.NeedsRepair() {
				st.Problems++
				if rec != nil {
					if err := rec.Record(ctx, placement.Repair{DataID: x.DataID, Index: i, Zone: z}); err != nil {
						return mapMeta(err)
					}
				}
			}
		}
		return nil
	})
	return st, err
}

// RunScrubber runs ScrubOnce every interval until ctx ends.
func (w *Workers) RunScrubber(ctx context.Context, interval time.Duration, rate float64, onPass func(ScrubStats, error)) {
	runEvery(ctx, interval, func() bool {
		st, err := w.ScrubOnce(ctx, rate)
		if onPass != nil {
			onPass(st, err)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Warn("scrub pass failed", "err", err)
		}
		return false
	})
}

// Redundancy is the redundancy report of a bucket or of the whole system.
// Each object is counted by its worst chunk: lost, else unavailable, else
// degraded, else fully redundant.
type Redundancy struct {
	Objects        int `json:"objects"`
	FullyRedundant int `json:"fully_redundant"` // every chunk good in every zone
	// Degraded: some copy or shard missing, corrupt or unreachable, every
	// chunk readable now from what answered.
	Degraded int `json:"degraded"`
	// Unavailable: some chunk has too few good copies or shards among the
	// zones that answered, but enough of its zones did not answer that it
	// may come back with them.
	Unavailable int `json:"unavailable"`
	// Lost: some chunk has too few good copies or shards even if every zone
	// that did not answer held a good one: its data is gone.
	Lost              int   `json:"lost"`
	SingleStore       int   `json:"single_store"` // kept in the primary store, not across zones
	Chunks            int   `json:"chunks"`
	ChunksDegraded    int   `json:"chunks_degraded"`
	ChunksUnavailable int   `json:"chunks_unavailable"`
	ChunksLost        int   `json:"chunks_lost"`
	RepairQueue       int64 `json:"repair_queue"`
	// The first 100 degraded, unavailable and lost objects, as bucket/key
	// (bucket/key?versionId=id for a non-current version).
	DegradedObjects    []string `json:"degraded_objects,omitempty"`
	UnavailableObjects []string `json:"unavailable_objects,omitempty"`
	LostObjects        []string `json:"lost_objects,omitempty"`
	// Zone rebuilds, running or finished.
	Rebuilds []RebuildStatus `json:"rebuilds,omitempty"`
}

// chunk states, ordered: worse is greater.
const (
	chunkFull = iota
	chunkDegraded
	chunkUnavailable
	chunkLost
)

// chunkState classifies a chunk's health; needed is how many good copies
// or shards its placement needs.
func chunkState(h placement.Health, needed int) int {
	good, away := 0, 0
	for _, s := range h.Zones {
		switch s {
		case placement.OK:
			good++
		case placement.Unreachable:
			away++
		}
	}
	switch {
	case h.Recoverable && good == len(h.Zones):
		return chunkFull
	case h.Recoverable:
		return chunkDegraded
	case good+away >= needed && away > 0:
		return chunkUnavailable
	}
	return chunkLost
}

// RedundancyReport checks every chunk of every object version of bucket
// ("" = all) in every zone and classifies the versions by their worst
// chunk (a non-current version counts as an object of its own, named
// bucket/key?versionId=id).
func (w *Workers) RedundancyReport(ctx context.Context, bucket string) (Redundancy, error) {
	var r Redundancy
	type objState struct {
		id     string
		placed bool
		worst  int
	}
	var objs []*objState
	byID := map[string]*objState{}
	err := w.eachExtent(ctx, bucket, func(o meta.Object, x meta.Extent) error {
		id := o.Bucket + "/" + o.Key
		if !o.IsLatest {
			id += "?versionId=" + o.S3VersionID()
		}
		os, ok := byID[id]
		if !ok {
			os = &objState{id: id}
			byID[id] = os
			objs = append(objs, os)
		}
		p, err := w.placements.ForData(x.DataID)
		if err == nil && p.Scheme == blobstore.Primary {
			return nil
		}
		os.placed = true
		var d zoned
		if err == nil {
			d, err = zonesOf(p)
		}
		if err != nil {
			os.worst = chunkLost // its placement is no longer configured
			return nil
		}
		needed := p.K
		for i := range chunks(x) {
			h, err := d.Check(ctx, blobstore.ChunkKey{DataID: x.DataID, Index: i})
			if err != nil {
				return err
			}
			r.Chunks++
			s := chunkState(h, needed)
			switch s {
			case chunkDegraded:
				r.ChunksDegraded++
			case chunkUnavailable:
				r.ChunksUnavailable++
			case chunkLost:
				r.ChunksLost++
			}
			os.worst = max(os.worst, s)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	add := func(list *[]string, id string) {
		if len(*list) < 100 {
			*list = append(*list, id)
		}
	}
	for _, os := range objs {
		r.Objects++
		switch {
		case !os.placed:
			r.SingleStore++
		case os.worst == chunkFull:
			r.FullyRedundant++
		case os.worst == chunkDegraded:
			r.Degraded++
			add(&r.DegradedObjects, os.id)
		case os.worst == chunkUnavailable:
			r.Unavailable++
			add(&r.UnavailableObjects, os.id)
		default:
			r.Lost++
			add(&r.LostObjects, os.id)
		}
	}
	if q := w.cfg.Repairs; q != nil {
		n, err := q.RepairLen(ctx)
		if err != nil {
			return r, mapMeta(err)
		}
		r.RepairQueue = n
	}
	if len(w.placements.Names()) > 0 {
		rs, err := w.Rebuilds(ctx)
		if err != nil {
			return r, err
		}
		r.Rebuilds = rs
	}
	return r, nil
}
