package gateway

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/dolium/dolium/meta"
)

// referenced reports whether e's data is still used by the current object
// (e.Bucket, e.Key) or by part e.PartNumber of upload e.UploadID.
func (g *Gateway) referenced(ctx context.Context, e meta.GCEntry) (bool, error) {
	if e.Bucket == "" {
		return false, nil // an orphan VerifyGC found: nothing names it
	}
	o, err := g.meta.GetObject(ctx, e.Bucket, e.Key)
	switch {
	case err == nil:
		if slices.Contains(o.DataIDs(), e.DataID) {
			return true, nil
		}
	case errors.Is(err, meta.ErrNotFound):
		o = meta.Object{}
	default:
		return false, err
	}
	if e.UploadID == "" {
		return false, nil
	}
	u, err := g.meta.GetUpload(ctx, e.Bucket, e.Key, e.UploadID)
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	if g.completedInto(ctx, u, o) {
		// Committed but not finished (the gateway died in between): the
		// parts the object does not use are referenced no more.
		return false, nil
	}
	ps, err := g.meta.ListParts(ctx, e.UploadID, e.PartNumber-1, 1)
	if err != nil {
		return false, err
	}
	return len(ps) == 1 && ps[0].PartNumber == e.PartNumber && ps[0].Extent.DataID == e.DataID, nil
}

// CollectOnce processes up to limit due entries of the collection queue:
// unreferenced data is deleted, then the entry removed. It is safe to run
// on every gateway at once: deletes are idempotent and a referenced data set
// is never deleted.
func (g *Gateway) CollectOnce(ctx context.Context, limit int) (CollectStats, error) {
	var st CollectStats
	es, err := g.meta.DueEntries(ctx, g.now(), limit)
	if err != nil {
		return st, mapMeta(err)
	}
	for _, e := range es {
		ref, err := g.referenced(ctx, e)
		if err != nil {
			return st, mapMeta(err)
		}
		if !ref {
			blobs, err := g.storeOf(e.DataID)
			if err != nil {
				return st, err
			}
			if err := blobs.Delete(ctx, e.DataID, e.Size, e.ChunkSize); err != nil {
				return st, mapMeta(err)
			}
			st.Deleted++
		}
		if err := g.meta.Remove(ctx, e); err != nil {
			return st, mapMeta(err)
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
func (g *Gateway) RunCollector(ctx context.Context, interval time.Duration, onPass func(CollectStats, error)) {
	runEvery(ctx, interval, func() bool {
		st, err := g.CollectOnce(ctx, 500)
		if onPass != nil {
			onPass(st, err)
		}
		if err != nil && ctx.Err() == nil {
			g.log.Warn("garbage collection pass failed", "err", err)
		}
		return err == nil && st.Processed == 500
	})
}
