package upkeep

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/lifecycle"
	"github.com/dolium/dolium/meta"
)

// The lifecycle worker. Every gateway runs it; a bucket's pass is done by
// one of them at a time, the holder of the bucket's lease
// ("lifecycle/<bucket>" in meta.Leases), at most once per interval: the
// lease's state records when the last complete pass started. A holder
// renews its lease as it goes; one that dies mid-pass leaves the state
// unchanged, so the next holder does that pass again once the lease has
// run out. Doing it again changes nothing that was done: each deletion is
// conditional on the version evaluated still being there and still the
// latest where that matters (gateway.ExpireLatest, ExpireVersion), so a
// version is expired once, and a version written since the listing is
// never touched by a decision made without it.

// LifecycleStats counts what a lifecycle pass did.
type LifecycleStats struct {
	Buckets        int // buckets whose pass this process ran
	Expired        int // current versions expired (a delete marker, or removed if unversioned)
	VersionsPurged int // noncurrent versions deleted for good
	MarkersRemoved int // expired object delete markers removed
	UploadsAborted int // incomplete multipart uploads aborted
	Locked         int // due deletions object lock refused (the version stays)
	Errors         int
}

func (s *LifecycleStats) add(o LifecycleStats) {
	s.Buckets += o.Buckets
	s.Expired += o.Expired
	s.VersionsPurged += o.VersionsPurged
	s.MarkersRemoved += o.MarkersRemoved
	s.UploadsAborted += o.UploadsAborted
	s.Locked += o.Locked
	s.Errors += o.Errors
}

// lifecycleLeaseTTL is how long a bucket's lease is held between renewals;
// a holder renews it every page of versions.
const lifecycleLeaseTTL = time.Minute

type lifecycleState struct {
	// Last is when the last complete pass over the bucket started.
	Last time.Time `json:"last"`
}

// RunLifecycle runs lifecycle passes until ctx ends: every bucket with a
// lifecycle configuration is passed over at most once per interval by one
// gateway, at most rate deletions per second (0: no limit). onPass, if
// set, gets each pass's stats.
func (w *Workers) RunLifecycle(ctx context.Context, interval time.Duration, rate float64, onPass func(LifecycleStats, error)) {
	tick := min(interval/4, time.Minute)
	if tick <= 0 {
		tick = time.Second
	}
	runEvery(ctx, tick, func() bool {
		st, err := w.LifecycleOnce(ctx, interval, rate)
		if onPass != nil {
			onPass(st, err)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Warn("lifecycle pass failed", "err", err)
		}
		return false
	})
}

// LifecycleOnce passes over every bucket with a lifecycle configuration
// whose last pass started at least interval ago and whose lease no other
// gateway holds.
func (w *Workers) LifecycleOnce(ctx context.Context, interval time.Duration, rate float64) (LifecycleStats, error) {
	var total LifecycleStats
	bs, err := w.meta.ListBuckets(ctx)
	if err != nil {
		return total, mapMeta(err)
	}
	pace := newPacer(rate)
	defer pace.stop()
	var firstErr error
	for _, mb := range bs {
		if _, ok := mb.Configs["lifecycle"]; !ok {
			continue
		}
		st, err := w.lifecycleBucket(ctx, mb.Name, interval, pace)
		total.add(st)
		if err != nil {
			if ctx.Err() != nil {
				return total, ctx.Err()
			}
			w.log.Warn("lifecycle pass over a bucket failed", "bucket", mb.Name, "err", err)
			total.Errors++
			if firstErr == nil {
				firstErr = err
			}
		}
	}
	return total, firstErr
}

// lifecycleBucket runs the pass over one bucket if it is due and this
// process gets its lease.
func (w *Workers) lifecycleBucket(ctx context.Context, bucket string, interval time.Duration, pace *pacer) (LifecycleStats, error) {
	var st LifecycleStats
	name := "lifecycle/" + bucket
	start := w.now()
	l, ok, err := w.meta.AcquireLease(ctx, name, w.owner, start, lifecycleLeaseTTL)
	if err != nil || !ok {
		return st, mapMeta(err)
	}
	var state lifecycleState
	if l.State != "" {
		_ = json.Unmarshal([]byte(l.State), &state) // written below only
	}
	if !state.Last.IsZero() && start.Sub(state.Last) < interval {
		return st, mapMeta(w.meta.ReleaseLease(ctx, name, w.owner, l.State))
	}
	renew := func() error {
		_, ok, err := w.meta.AcquireLease(ctx, name, w.owner, w.now(), lifecycleLeaseTTL)
		if err == nil && !ok {
			err = errLeaseLost
		}
		return mapMeta(err)
	}
	b, err := w.g.ResolveBucket(ctx, bucket)
	if err == nil {
		st.Buckets = 1
		err = w.lifecycleVersions(ctx, b, start, pace, renew, &st)
		if err == nil {
			err = w.lifecycleUploads(ctx, b, start, pace, renew, &st)
		}
	}
	if errors.Is(err, gateway.ErrNoSuchBucket) {
		err = nil // deleted meanwhile
	}
	if err != nil {
		// The state stays: the next holder does this pass again.
		w.meta.ReleaseLease(context.WithoutCancel(ctx), name, w.owner, l.State)
		return st, err
	}
	doc, _ := json.Marshal(lifecycleState{Last: start})
	if err := w.meta.ReleaseLease(ctx, name, w.owner, string(doc)); err != nil {
		return st, mapMeta(err)
	}
	return st, nil
}

// lifecycleVersions evaluates every version of b at now, in listing order
// (key ascending, newest first), and applies what is due.
func (w *Workers) lifecycleVersions(ctx context.Context, b gateway.Bucket, now time.Time, pace *pacer, renew func() error, st *LifecycleStats) error {
	ev, ok := w.g.Lifecycle(b)
	if !ok {
		return nil
	}
	var (
		pending *meta.Object // the latest version of key, until we know whether noncurrent ones follow
		key     string
		idx     int       // position of the version in its key's listing
		newer   time.Time // LastModified of the version before (newer than) this one
	)
	flush := func(noncurrent int) error {
		if pending == nil {
			return nil
		}
		o := *pending
		pending = nil
		v := lifecycle.Version{Key: o.Key, Size: o.Size, Tags: o.Tags, LastModified: o.LastModified,
			IsLatest: true, DeleteMarker: o.DeleteMarker, Noncurrent: noncurrent}
		return w.applyLifecycle(ctx, b, o, ev.Version(v, now), pace, st)
	}
	opts := meta.VersionListOptions{Prefix: ev.Config.Prefix(), Limit: 500}
	for {
		page, err := w.meta.ListObjectVersions(ctx, b.Name, opts)
		if err != nil {
			return mapMeta(err)
		}
		for _, o := range page {
			if o.Key != key {
				if err := flush(0); err != nil {
					return err
				}
				key, idx = o.Key, 0
			} else {
				idx++
			}
			if idx == 0 && o.IsLatest {
				pending, newer = &o, o.LastModified
				continue
			}
			if err := flush(1); err != nil {
				return err
			}
			since := newer
			if idx == 0 { // not expected: a key's first version is its latest
				since = o.LastModified
			}
			newer = o.LastModified
			v := lifecycle.Version{Key: o.Key, Size: o.Size, Tags: o.Tags, LastModified: o.LastModified,
				DeleteMarker: o.DeleteMarker, NoncurrentSince: since, NewerNoncurrent: max(idx-1, 0)}
			if err := w.applyLifecycle(ctx, b, o, ev.Version(v, now), pace, st); err != nil {
				return err
			}
		}
		if len(page) < opts.Limit {
			return flush(0)
		}
		last := page[len(page)-1]
		opts.KeyMarker, opts.VersionMarker = last.Key, last.VersionID
		if err := renew(); err != nil {
			return err
		}
	}
}

// applyLifecycle carries out decision d on version o.
func (w *Workers) applyLifecycle(ctx context.Context, b gateway.Bucket, o meta.Object, d lifecycle.Decision, pace *pacer, st *LifecycleStats) error {
	if d.Action == lifecycle.None {
		return nil
	}
	if err := pace.wait(ctx); err != nil {
		return err
	}
	var done bool
	var err error
	switch d.Action {
	case lifecycle.ExpireCurrent:
		done, err = w.g.ExpireLatest(ctx, b, o.Key, o.VersionID)
	default:
		done, err = w.g.ExpireVersion(ctx, b, o.Key, o.S3VersionID(), o.VersionID)
	}
	switch {
	case errors.Is(err, gateway.ErrObjectLocked):
		st.Locked++
		return nil
	case err != nil:
		return err
	case !done:
		return nil
	}
	switch d.Action {
	case lifecycle.ExpireCurrent:
		st.Expired++
	case lifecycle.DeleteNoncurrent:
		st.VersionsPurged++
	case lifecycle.RemoveDeleteMarker:
		st.MarkersRemoved++
	}
	w.log.Debug("lifecycle", "bucket", b.Name, "key", o.Key, "version", o.S3VersionID(), "action", d.Action.String(), "rule", d.RuleID)
	return nil
}

// lifecycleUploads aborts b's incomplete multipart uploads that are due.
func (w *Workers) lifecycleUploads(ctx context.Context, b gateway.Bucket, now time.Time, pace *pacer, renew func() error, st *LifecycleStats) error {
	ev, ok := w.g.Lifecycle(b)
	if !ok {
		return nil
	}
	opts := meta.UploadListOptions{Limit: 500}
	for {
		page, err := w.meta.ListUploads(ctx, b.Name, opts)
		if err != nil {
			return mapMeta(err)
		}
		for _, u := range page {
			if _, due := ev.UploadDue(u.Key, u.Initiated, now); !due {
				continue
			}
			if err := pace.wait(ctx); err != nil {
				return err
			}
			err := w.g.AbortMultipartUpload(ctx, b, u.Key, u.UploadID)
			switch {
			case errors.Is(err, gateway.ErrNoSuchUpload):
			case err != nil:
				return err
			default:
				st.UploadsAborted++
			}
		}
		if len(page) < opts.Limit {
			return nil
		}
		last := page[len(page)-1]
		opts.KeyMarker, opts.UploadIDMarker = last.Key, last.UploadID
		if err := renew(); err != nil {
			return err
		}
	}
}

// pacer spaces actions rate per second apart (rate 0: no limit).
type pacer struct {
	t *time.Ticker
}

func newPacer(rate float64) *pacer {
	if rate <= 0 {
		return &pacer{}
	}
	return &pacer{t: time.NewTicker(time.Duration(float64(time.Second) / rate))}
}

func (p *pacer) wait(ctx context.Context) error {
	if p.t == nil {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-p.t.C:
		return nil
	}
}

func (p *pacer) stop() {
	if p.t != nil {
		p.t.Stop()
	}
}
