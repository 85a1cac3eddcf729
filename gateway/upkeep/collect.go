package upkeep

import (
	"context"
	"time"
)

// CollectOnce processes up to limit due entries of the collection queue,
// each by the core's collection rule (gateway.Gateway.Collect):
// unreferenced data is deleted, then the entry removed. It is safe to run
// on every gateway at once: deletes are idempotent and a referenced data set
// is never deleted.
func (w *Workers) CollectOnce(ctx context.Context, limit int) (CollectStats, error) {
	var st CollectStats
	es, err := w.meta.DueEntries(ctx, w.now(), limit)
	if err != nil {
		return st, mapMeta(err)
	}
	for _, e := range es {
		deleted, err := w.g.Collect(ctx, e)
		if deleted {
			st.Deleted++
		}
		if err != nil {
			return st, err
		}
		st.Processed++
	}
	return st, nil
}

// CollectStats counts one collection pass.
type CollectStats struct {
	Processed int // queue entries handled
	Deleted   int // data sets deleted
}

// RunCollector runs CollectOnce every interval until ctx ends.
func (w *Workers) RunCollector(ctx context.Context, interval time.Duration, onPass func(CollectStats, error)) {
	runEvery(ctx, interval, func() bool {
		st, err := w.CollectOnce(ctx, 500)
		if onPass != nil {
			onPass(st, err)
		}
		if err != nil && ctx.Err() == nil {
			w.log.Warn("garbage collection pass failed", "err", err)
		}
		return err == nil && st.Processed == 500
	})
}
