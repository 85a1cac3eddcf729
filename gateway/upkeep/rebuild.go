package upkeep

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/placement"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/meta"
)

// A rebuild refills a replaced zone: it walks every chunk the metadata
// places on the zone (the objects of every bucket, then the parts of
// multipart uploads in progress), checks the zone's copy or shard and
// rewrites it from the other zones when it is missing or damaged, at a set
// rate. Its state is a meta.Rebuild row: the gateway holding the row's
// lease works and saves its cursor every second or so; a restarted or
// another gateway takes over an expired lease and resumes at the cursor.
// The work is idempotent (a chunk already good is left alone), so a chunk
// done twice after a takeover costs a check, nothing more.

const (
	rebuildLease   = 20 * time.Second // a lease not renewed for this long may be taken over
	rebuildSave    = time.Second      // progress is saved at least this often
	rebuildWindow  = 8                // chunks checked and rewritten in parallel
	rebuildPoll    = 2 * time.Second  // how often a runner looks for work
	replacedGrace  = 10 * time.Second // a replacement seen this soon after a rebuild started is the same one
	rebuildMaxWait = 30 * time.Second // longest pause while the zone (or too many others) does not answer
)

// ErrNoSuchZone: a rebuild was asked for a zone that no placement uses.
var ErrNoSuchZone = errors.New("no placement uses this zone")

// RebuildStatus is a zone rebuild's progress, for the admin endpoints and
// metrics.
type RebuildStatus struct {
	Zone     string     `json:"zone"`
	Running  bool       `json:"running"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Updated  time.Time  `json:"updated"`
	// Chunks walked (checked, and rewritten where missing) and to walk in
	// all; Total grows if objects are written during the rebuild.
	ChunksDone  int64 `json:"chunks_done"`
	ChunksTotal int64 `json:"chunks_total"`
	// Bytes of chunk data written to the zone.
	Bytes int64 `json:"bytes"`
	// ChunksFailed could not be rebuilt: too few good copies or shards
	// remain anywhere (the redundancy report lists their objects).
	ChunksFailed int64 `json:"chunks_failed"`
	// ETASeconds estimates the time left at the rate so far (-1: unknown).
	ETASeconds float64 `json:"eta_seconds"`
	Owner      string  `json:"owner,omitempty"` // the gateway working on it
	// Waiting says why the rebuild is paused, when this gateway runs it and
	// is waiting for zones to answer.
	Waiting string `json:"waiting,omitempty"`
}

func (w *Workers) rebuildStatus(r meta.Rebuild) RebuildStatus {
	s := RebuildStatus{
		Zone: r.Zone, Running: r.Finished.IsZero(), Started: r.Started, Updated: r.Updated,
		ChunksDone: r.Done, ChunksTotal: max(r.Total, r.Done), Bytes: r.Bytes, ChunksFailed: r.Failed,
		ETASeconds: -1, Owner: r.Owner,
	}
	if !s.Running {
		f := r.Finished
		s.Finished = &f
		s.ETASeconds = 0
		return s
	}
	if elapsed := r.Updated.Sub(r.Started).Seconds(); r.Done > 0 && elapsed > 0 {
		s.ETASeconds = float64(s.ChunksTotal-r.Done) / (float64(r.Done) / elapsed)
	}
	if s.ChunksTotal == 0 && r.Cursor == "" && r.Done == 0 {
		s.ETASeconds = -1 // still counting
	}
	w.rebuildMu.Lock()
	s.Waiting = w.rebuildWaiting[r.Zone]
	w.rebuildMu.Unlock()
	return s
}

// Rebuilds returns every zone rebuild, running or finished, by zone name.
func (w *Workers) Rebuilds(ctx context.Context) ([]RebuildStatus, error) {
	rs, err := w.meta.ListRebuilds(ctx)
	if err != nil {
		return nil, mapMeta(err)
	}
	out := make([]RebuildStatus, 0, len(rs))
	for _, r := range rs {
		out = append(out, w.rebuildStatus(r))
	}
	return out, nil
}

// StartRebuild starts a rebuild of zone from the beginning, unless one is
// running already (then it returns that one and started false). Any
// gateway running RunRebuilds picks it up.
func (w *Workers) StartRebuild(ctx context.Context, zone string) (st RebuildStatus, started bool, err error) {
	return w.startRebuild(ctx, zone, 0)
}

// startRebuild is StartRebuild for a replacement just seen (grace > 0):
// it declines when a rebuild of the zone started less than grace ago (the
// same replacement, met by requests in flight), and restarts a running
// rebuild that started earlier (the zone was emptied again under it).
func (w *Workers) startRebuild(ctx context.Context, zone string, grace time.Duration) (RebuildStatus, bool, error) {
	if len(w.zonePositions(zone)) == 0 {
		return RebuildStatus{}, false, ErrNoSuchZone
	}
	for range 5 {
		cur, err := w.meta.GetRebuild(ctx, zone)
		switch {
		case errors.Is(err, meta.ErrNotFound):
			cur = meta.Rebuild{Zone: zone}
		case err != nil:
			return RebuildStatus{}, false, mapMeta(err)
		case w.now().Sub(cur.Started) < grace, cur.Finished.IsZero() && grace == 0:
			return w.rebuildStatus(cur), false, nil
		}
		now := w.now()
		r, err := w.meta.PutRebuild(ctx, meta.Rebuild{Zone: zone, Version: cur.Version, Started: now, Updated: now})
		if errors.Is(err, meta.ErrPreconditionFailed) {
			continue // someone else wrote the row; look again
		}
		if err != nil {
			return RebuildStatus{}, false, mapMeta(err)
		}
		w.log.Warn("zone rebuild started", "zone", zone, "restarting_a_running_one", cur.Version != 0 && cur.Finished.IsZero())
		w.pokeRebuilds()
		return w.rebuildStatus(r), true, nil
	}
	return RebuildStatus{}, false, fmt.Errorf("%w: the rebuild row of zone %q stays contended", gateway.ErrUnavailable, zone)
}

func (w *Workers) pokeRebuilds() {
	select {
	case w.rebuildPoke <- struct{}{}:
	default:
	}
}

// onZoneEvent handles the zone monitor's news: a zone found replaced
// starts a rebuild; a zone answering again (or replaced) has its queued
// repairs made due now. A burst of the same news is coalesced: one
// handler runs at a time per zone and kind, once more if news came while
// it ran, at most once a second; no news is dropped.
func (w *Workers) onZoneEvent(zone string, replaced bool) {
	key := fmt.Sprintf("%s/%v", zone, replaced)
	w.rebuildMu.Lock()
	ev := w.zoneEvents[key]
	if ev == nil {
		ev = &zoneEvent{}
		w.zoneEvents[key] = ev
	}
	if ev.running {
		ev.again = true
		w.rebuildMu.Unlock()
		return
	}
	ev.running = true
	w.rebuildMu.Unlock()
	go func() {
		for {
			start := time.Now()
			w.handleZoneEvent(zone, replaced)
			if d := time.Second - time.Since(start); d > 0 {
				time.Sleep(d)
			}
			w.rebuildMu.Lock()
			if !ev.again {
				ev.running = false
				w.rebuildMu.Unlock()
				return
			}
			ev.again = false
			w.rebuildMu.Unlock()
		}
	}()
}

// zoneEvent is the coalescing state of one zone's news of one kind.
type zoneEvent struct{ running, again bool }

func (w *Workers) handleZoneEvent(zone string, replaced bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if replaced {
		held, err := w.zoneHoldsData(ctx, zone)
		switch {
		case err != nil:
		case !held:
			w.log.Info("zone's bucket was missing; no chunk is placed there yet", "zone", zone)
		default:
			var started bool
			_, started, err = w.startRebuild(ctx, zone, replacedGrace)
			if started {
				w.log.Warn("zone answered without its bucket: replaced, rebuilding it", "zone", zone)
			}
		}
		if err != nil {
			w.log.Error("starting the rebuild of a replaced zone", "zone", zone, "err", err)
		}
	} else {
		w.log.Info("zone answers again", "zone", zone)
	}
	if err := w.expediteRepairs(ctx, zone); err != nil && ctx.Err() == nil {
		w.log.Warn("rescheduling the repairs of a zone that answers again", "zone", zone, "err", err)
	}
}

// errFound stops a walk at its first chunk.
var errFound = errors.New("found")

// zoneHoldsData reports whether the metadata places any chunk on zone.
func (w *Workers) zoneHoldsData(ctx context.Context, zone string) (bool, error) {
	err := w.walkRebuild(ctx, w.zonePositions(zone), rebuildCursor{}, func(rebuildItem) error { return errFound })
	if errors.Is(err, errFound) {
		return true, nil
	}
	return false, err
}

// expediteRepairs makes the queued repairs of zone (those waiting out a
// backoff) due now: the zone answers again.
func (w *Workers) expediteRepairs(ctx context.Context, zone string) error {
	q := w.cfg.Repairs
	if q == nil {
		return nil
	}
	now := w.now()
	es, err := q.DueRepairs(ctx, now.Add(24*time.Hour), 10000)
	if err != nil {
		return mapMeta(err)
	}
	for _, e := range es {
		if !e.Due.After(now) || w.zoneName(e.Placement, e.Zone) != zone {
			continue
		}
		next := e
		next.Due = now.Truncate(time.Millisecond)
		if err := q.EnqueueRepair(ctx, next); err != nil {
			return mapMeta(err)
		}
		if err := q.RemoveRepair(ctx, e); err != nil {
			return mapMeta(err)
		}
	}
	return nil
}

// RunRebuilds works on zone rebuilds until ctx ends: every few seconds,
// and at once when one is started here, it takes the lease of a running
// rebuild that no live gateway holds and walks it at up to rate chunks
// per second (0: no limit), one rebuild at a time.
func (w *Workers) RunRebuilds(ctx context.Context, rate float64) {
	t := time.NewTicker(rebuildPoll)
	defer t.Stop()
	for {
		for w.rebuildPass(ctx, rate) {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.rebuildPoke:
		}
	}
}

// rebuildPass works on one rebuild it can lease; it reports whether it
// did (there may be more).
func (w *Workers) rebuildPass(ctx context.Context, rate float64) bool {
	rs, err := w.meta.ListRebuilds(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("listing zone rebuilds", "err", err)
		}
		return false
	}
	for _, r := range rs {
		if !r.Finished.IsZero() || r.Owner != "" && r.Owner != w.owner && w.now().Before(r.LeaseUntil) {
			continue
		}
		r.Owner, r.LeaseUntil = w.owner, w.now().Add(rebuildLease)
		r, err := w.meta.PutRebuild(ctx, r)
		if err != nil {
			continue // another gateway took it, or the store is away
		}
		w.log.Info("zone rebuild: working", "zone", r.Zone, "done", r.Done, "total", r.Total)
		if err := w.rebuild(ctx, r, rate); err != nil && ctx.Err() == nil {
			w.log.Warn("zone rebuild stopped", "zone", r.Zone, "err", err)
		}
		return ctx.Err() == nil
	}
	return false
}

// rebuildCursor is where a rebuild's walk resumes. Objects: bucket Bucket,
// versions after key After, version AfterID (every version of keys after
// After if AfterID is ""); if the first of them is Key's version ID, its
// first Skip chunks are done. Uploads (phase Uploads): likewise with uploads after (After,
// AfterID), Key/ID naming the upload partly done.
type rebuildCursor struct {
	Uploads bool   `json:"u,omitempty"`
	Bucket  string `json:"b,omitempty"`
	After   string `json:"a,omitempty"`
	AfterID string `json:"ai,omitempty"`
	Key     string `json:"k,omitempty"`
	ID      string `json:"i,omitempty"`
	Skip    int    `json:"s,omitempty"`
}

// rebuildItem is one chunk to check in one zone position, with the cursor
// that follows it.
type rebuildItem struct {
	pos  zonePos
	key  blobstore.ChunkKey
	size int64 // bytes of chunk data
	next rebuildCursor
}

// walkRebuild calls fn for every chunk placed on positions from cur on, in
// order.
func (w *Workers) walkRebuild(ctx context.Context, positions []zonePos, cur rebuildCursor, fn func(rebuildItem) error) error {
	bs, err := w.meta.ListBuckets(ctx)
	if err != nil {
		return mapMeta(err)
	}
	byPlacement := map[*blobstore.Placement][]zonePos{}
	for _, p := range positions {
		byPlacement[p.placement] = append(byPlacement[p.placement], p)
	}
	// items yields the chunks of extents on the zone; done is how many of
	// the unit's chunks came before, next makes the cursor after the i-th.
	items := func(exts []meta.Extent, skip int, next func(i int) rebuildCursor) error {
		i := 0
		for _, x := range exts {
			pl, err := w.placements.ForData(x.DataID)
			if err != nil {
				continue // a placement no longer configured: on no zone
			}
			for _, p := range byPlacement[pl] {
				for c := range chunks(x) {
					i++
					if i <= skip {
						continue
					}
					size := min(x.ChunkSize, x.Size-int64(c)*x.ChunkSize)
					if err := fn(rebuildItem{pos: p, key: blobstore.ChunkKey{DataID: x.DataID, Index: c}, size: size, next: next(i)}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}
	for _, phaseUploads := range []bool{false, true} {
		if cur.Uploads && !phaseUploads {
			continue
		}
		for _, b := range bs {
			c := rebuildCursor{Uploads: phaseUploads, Bucket: b.Name}
			if cur.Uploads == phaseUploads && cur.Bucket != "" {
				if b.Name < cur.Bucket {
					continue
				}
				if b.Name == cur.Bucket {
					c = cur
				}
			}
			if !phaseUploads {
				if err := w.walkObjects(ctx, c, items); err != nil {
					return err
				}
			} else if err := w.walkUploads(ctx, c, items); err != nil {
				return err
			}
		}
	}
	return nil
}

type itemsFunc func(exts []meta.Extent, skip int, next func(i int) rebuildCursor) error

// walkObjects walks every version of c.Bucket's objects from c on. The
// cursor of an item is the version before it (After, AfterID: a key and
// version marker) and the item's version (Key, ID, Skip chunks of it); a
// cursor saved before versions (AfterID "") resumes at the key after After.
func (w *Workers) walkObjects(ctx context.Context, c rebuildCursor, items itemsFunc) error {
	o := meta.VersionListOptions{KeyMarker: c.After, VersionMarker: c.AfterID, Limit: 500}
	first := true
	for {
		page, err := w.meta.ListObjectVersions(ctx, c.Bucket, o)
		if err != nil {
			return mapMeta(err)
		}
		for _, v := range page {
			skip := 0
			if first && v.Key == c.Key && (c.ID == "" || v.VersionID == c.ID) {
				skip = c.Skip
			}
			first = false
			prevKey, prevID := o.KeyMarker, o.VersionMarker
			err := items(v.Extents, skip, func(i int) rebuildCursor {
				return rebuildCursor{Bucket: c.Bucket, After: prevKey, AfterID: prevID, Key: v.Key, ID: v.VersionID, Skip: i}
			})
			if err != nil {
				return err
			}
			o.KeyMarker, o.VersionMarker = v.Key, v.VersionID
		}
		if len(page) < o.Limit {
			return nil
		}
	}
}

func (w *Workers) walkUploads(ctx context.Context, c rebuildCursor, items itemsFunc) error {
	key, id, first := c.After, c.AfterID, true
	for {
		ups, err := w.meta.ListUploads(ctx, c.Bucket, meta.UploadListOptions{KeyMarker: key, UploadIDMarker: id, Limit: 500})
		if err != nil {
			return mapMeta(err)
		}
		for _, u := range ups {
			parts, err := w.meta.ListParts(ctx, u.UploadID, 0, 0)
			if err != nil && !errors.Is(err, meta.ErrNotFound) {
				return mapMeta(err)
			}
			var exts []meta.Extent
			for _, p := range parts {
				exts = append(exts, p.Extent)
			}
			skip := 0
			if first && u.Key == c.Key && u.UploadID == c.ID {
				skip = c.Skip
			}
			first = false
			pk, pid := key, id
			err = items(exts, skip, func(i int) rebuildCursor {
				return rebuildCursor{Uploads: true, Bucket: c.Bucket, After: pk, AfterID: pid, Key: u.Key, ID: u.UploadID, Skip: i}
			})
			if err != nil {
				return err
			}
			key, id = u.Key, u.UploadID
		}
		if len(ups) < 500 {
			return nil
		}
	}
}

// errLeaseLost stops a rebuild, or a lifecycle pass, whose lease another
// gateway (or a new start) has taken.
var errLeaseLost = errors.New("zone rebuild: lease lost")

// errWaitZones pauses a rebuild: the zone, or too many others, did not
// answer.
var errWaitZones = errors.New("zones did not answer")

// rebuilder is one gateway's work on one leased rebuild.
type rebuilder struct {
	w         *Workers
	r         meta.Rebuild
	positions []zonePos
	lastSave  time.Time
	limit     *limiter
}

// save writes the rebuild's progress and renews the lease. A write whose
// outcome was unknown may have applied: a row still ours is adopted.
func (b *rebuilder) save(ctx context.Context) error {
	w := b.w
	r := b.r
	r.Updated, r.Owner, r.LeaseUntil = w.now(), w.owner, w.now().Add(rebuildLease)
	saved, err := w.meta.PutRebuild(ctx, r)
	if errors.Is(err, meta.ErrPreconditionFailed) {
		cur, gerr := w.meta.GetRebuild(ctx, r.Zone)
		if gerr != nil {
			return mapMeta(gerr)
		}
		if cur.Owner != w.owner || !cur.Started.Equal(r.Started) || !cur.Finished.IsZero() {
			return errLeaseLost
		}
		r.Version = cur.Version
		saved, err = w.meta.PutRebuild(ctx, r)
	}
	if err != nil {
		return mapMeta(err)
	}
	b.r, b.lastSave = saved, w.now()
	return nil
}

func (w *Workers) setWaiting(zone, why string) {
	w.rebuildMu.Lock()
	defer w.rebuildMu.Unlock()
	if why == "" {
		delete(w.rebuildWaiting, zone)
	} else {
		w.rebuildWaiting[zone] = why
	}
}

// rebuild walks a leased rebuild to its end, or until ctx ends or the
// lease is lost.
func (w *Workers) rebuild(ctx context.Context, r meta.Rebuild, rate float64) error {
	b := &rebuilder{w: w, r: r, positions: w.zonePositions(r.Zone), lastSave: w.now(), limit: newLimiter(rate)}
	defer w.setWaiting(r.Zone, "")
	var cur rebuildCursor
	if r.Cursor != "" {
		if err := json.Unmarshal([]byte(r.Cursor), &cur); err != nil {
			return fmt.Errorf("zone rebuild %q: bad cursor %q: %w", r.Zone, r.Cursor, err)
		}
	} else if r.Done == 0 && r.Total == 0 {
		// Count first, so that progress has a total.
		var n int64
		err := w.walkRebuild(ctx, b.positions, rebuildCursor{}, func(rebuildItem) error {
			if n++; n%10000 == 0 && w.now().Sub(b.lastSave) > rebuildLease/4 {
				return b.save(ctx)
			}
			return nil
		})
		if err != nil {
			return err
		}
		b.r.Total = n
		if err := b.save(ctx); err != nil {
			return err
		}
	}
	var window []rebuildItem
	flush := func() error {
		if err := b.doWindow(ctx, window); err != nil {
			return err
		}
		last := window[len(window)-1]
		c, _ := json.Marshal(last.next)
		b.r.Cursor = string(c)
		window = window[:0]
		if w.now().Sub(b.lastSave) >= rebuildSave {
			return b.save(ctx)
		}
		return nil
	}
	err := w.walkRebuild(ctx, b.positions, cur, func(it rebuildItem) error {
		window = append(window, it)
		if len(window) == rebuildWindow {
			return flush()
		}
		return nil
	})
	if err == nil && len(window) > 0 {
		err = flush()
	}
	if err != nil {
		if !errors.Is(err, errLeaseLost) && ctx.Err() == nil {
			b.save(context.WithoutCancel(ctx)) // keep the progress made
		}
		return err
	}
	b.r.Finished = w.now()
	if err := b.save(ctx); err != nil {
		return err
	}
	w.log.Warn("zone rebuild finished", "zone", r.Zone, "chunks", b.r.Done, "bytes", b.r.Bytes,
		"failed", b.r.Failed, "took", w.now().Sub(r.Started).Round(time.Millisecond))
	return nil
}

// doWindow checks and rebuilds a window of chunks in parallel, retrying
// the whole window (done chunks are then found good) while zones do not
// answer.
func (b *rebuilder) doWindow(ctx context.Context, items []rebuildItem) error {
	wait := time.Second
	for {
		var mu sync.Mutex
		var done, failed, bytes int64
		var errs []error
		var wg sync.WaitGroup
		for _, it := range items {
			if err := b.limit.wait(ctx); err != nil {
				return err
			}
			wg.Go(func() {
				n, err := b.w.rebuildChunk(ctx, it)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					done++
					bytes += n
				case errors.Is(err, errChunkLost):
					done++
					failed++
				default:
					errs = append(errs, err)
				}
			})
		}
		wg.Wait()
		if len(errs) == 0 {
			b.r.Done += done
			b.r.Failed += failed
			b.r.Bytes += bytes
			b.w.setWaiting(b.r.Zone, "")
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		why := errors.Join(errs...).Error()
		b.w.setWaiting(b.r.Zone, why)
		b.w.log.Warn("zone rebuild waiting for zones to answer", "zone", b.r.Zone, "retry_in", wait, "err", errs[0])
		if err := b.save(ctx); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, rebuildMaxWait)
	}
}

// errChunkLost: the chunk cannot be rebuilt from what answered.
var errChunkLost = errors.New("too few good copies or shards")

// rebuildChunk checks one chunk in its zone and rewrites it there if it is
// missing or damaged. It returns the bytes written; errChunkLost when too
// few good copies or shards remain while every zone answers; another error
// when the rebuild must wait and retry (a zone did not answer).
func (w *Workers) rebuildChunk(ctx context.Context, it rebuildItem) (int64, error) {
	h, err := it.pos.driver.Check(ctx, it.key)
	if err != nil {
		return 0, err
	}
	switch h.Zones[it.pos.index] {
	case placement.OK:
		if !slices.Contains(h.Outdated, it.pos.index) {
			return 0, nil
		}
		// An old-format copy: rewrite it in the current format.
	case placement.Unreachable:
		return 0, fmt.Errorf("%w: zone %s (placement %s) does not answer", errWaitZones, it.pos.placement.Zones[it.pos.index], it.pos.placement.Name)
	}
	if !h.Recoverable {
		if chunkState(h, it.pos.placement.K) == chunkUnavailable {
			return 0, fmt.Errorf("%w: %s/%d has too few good shards until other zones answer", errWaitZones, it.key.DataID, it.key.Index)
		}
		w.log.Error("zone rebuild: chunk lost, too few good copies or shards remain", "data_id", it.key.DataID, "index", it.key.Index, "placement", it.pos.placement.Name)
		return 0, errChunkLost
	}
	err = it.pos.driver.Repair(ctx, it.key, []int{it.pos.index})
	switch {
	case err == nil:
		return it.size, nil
	case repairGone(err):
		return 0, errChunkLost // lost meanwhile, or deleted by the collector
	}
	return 0, err
}

// limiter spaces calls to at most rate a second (0: no limit).
type limiter struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return &limiter{}
	}
	return &limiter{every: time.Duration(float64(time.Second) / rate)}
}

func (l *limiter) wait(ctx context.Context) error {
	if l.every == 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	now := time.Now()
	if l.next.Before(now) {
		l.next = now
	}
	at := l.next
	l.next = l.next.Add(l.every)
	l.mu.Unlock()
	if d := time.Until(at); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// newOwner names this gateway process in rebuild leases.
func newOwner() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
