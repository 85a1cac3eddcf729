package gateway

import (
	"context"
	"errors"
	"slices"

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
	if err == nil {
		// Any version of the key may hold the data, not only the latest.
		if ref, err := g.versionsReference(ctx, e.Bucket, e.Key, e.DataID); err != nil || ref {
			return ref, err
		}
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

// Collect handles one due entry of the collection queue, the rule the
// collector (package gateway/upkeep) applies to each: e's data is deleted
// unless the current object of e's key or e's part still references it
// now, then the entry is removed (deleted says whether the data was). It
// is safe on every gateway at once: deletes are idempotent and a
// referenced data set is never deleted. Everything an operation replaces
// or drops is queued before the metadata changes (queueReplaced), so data
// is either still referenced here or queued.
func (g *Gateway) Collect(ctx context.Context, e meta.GCEntry) (deleted bool, err error) {
	ref, err := g.referenced(ctx, e)
	if err != nil {
		return false, mapMeta(err)
	}
	if !ref {
		p, err := g.placements.ForData(e.DataID)
		if err != nil {
			return false, err
		}
		if err := p.Store.Delete(ctx, e.DataID, e.Size, e.ChunkSize); err != nil {
			return false, mapMeta(err)
		}
		deleted = true
	}
	if err := g.meta.Remove(ctx, e); err != nil {
		return deleted, mapMeta(err)
	}
	return deleted, nil
}

// versionsReference tells whether a version of (bucket, key) references
// dataID, paging through the key's versions.
func (g *Gateway) versionsReference(ctx context.Context, bucket, key, dataID string) (bool, error) {
	opts := meta.VersionListOptions{Prefix: key, Limit: 100}
	for {
		vs, err := g.meta.ListObjectVersions(ctx, bucket, opts)
		if err != nil {
			return false, err
		}
		for _, v := range vs {
			if v.Key != key {
				return false, nil
			}
			if slices.Contains(v.DataIDs(), dataID) {
				return true, nil
			}
		}
		if len(vs) < opts.Limit {
			return false, nil
		}
		last := vs[len(vs)-1]
		opts.KeyMarker, opts.VersionMarker = last.Key, last.VersionID
	}
}
