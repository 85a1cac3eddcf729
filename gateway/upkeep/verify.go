package upkeep

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/meta"
)

// GCReport compares the data sets the chunk stores hold with those the
// metadata references (dolium admin gc --verify).
type GCReport struct {
	// Stored counts the data sets found in the stores that can list
	// theirs; Referenced those that objects and multipart parts reference.
	Stored     int `json:"stored"`
	Referenced int `json:"referenced"`
	// InFlight are unreferenced data sets younger than the upload grace
	// plus the reclaim delay: uploads under way, or data the collector
	// will reclaim on its own. They are not orphans (yet).
	InFlight int `json:"in_flight"`
	// Orphans are unreferenced data sets older than that: nothing will
	// ever reclaim them unless they are queued (Queued counts those this
	// run queued).
	Orphans []string `json:"orphans"`
	Queued  int      `json:"queued"`
	// Missing are referenced data sets that no listable store holds.
	Missing []string `json:"missing"`
	// Unlisted names the stores that cannot list their data sets ("" is
	// the primary store, others are placements).
	Unlisted []string `json:"unlisted,omitempty"`
}

// VerifyGC lists every data set in every store that can list its own and
// every data set the metadata references, and reports the difference. With
// queue, orphans are queued for the collector, due now; the collector still
// checks references before it deletes anything, so queueing is safe even
// if an orphan became referenced meanwhile (it cannot: data ids are never
// reused).
func (w *Workers) VerifyGC(ctx context.Context, queue bool) (GCReport, error) {
	rep := GCReport{Orphans: []string{}, Missing: []string{}}
	start := w.now()
	refs := map[string]meta.Extent{}
	err := w.eachExtent(ctx, "", func(o meta.Object, x meta.Extent) error {
		refs[x.DataID] = x
		return nil
	})
	if err != nil {
		return rep, err
	}
	if err := w.eachPart(ctx, func(u meta.Upload, p meta.Part) error {
		refs[p.Extent.DataID] = p.Extent
		return nil
	}); err != nil {
		return rep, err
	}
	rep.Referenced = len(refs)
	listed := map[*blobstore.Placement]bool{} // placements whose data sets were listed
	stored := map[string]bool{}
	for _, p := range w.placements.All() {
		l, ok := p.Store.Driver().(blobstore.Lister)
		if !ok {
			rep.Unlisted = append(rep.Unlisted, p.Name)
			continue
		}
		listed[p] = true
		err := l.ListDataIDs(ctx, func(id string) error {
			if of, err := w.placements.ForData(id); err != nil || of != p {
				return nil // not a data id of this store's (another placement sharing it)
			}
			stored[id] = true
			return nil
		})
		if err != nil {
			return rep, mapMeta(err)
		}
	}
	rep.Stored = len(stored)
	horizon := start.Add(-w.cfg.UploadGrace - w.cfg.ReclaimDelay)
	for id := range stored {
		if _, ok := refs[id]; ok {
			continue
		}
		if t, ok := dataIDTime(id); ok && t.After(horizon) {
			rep.InFlight++
			continue
		}
		rep.Orphans = append(rep.Orphans, id)
		if queue {
			// Size unknown (-1): the store deletes every chunk it holds of id.
			e := meta.GCEntry{Due: w.now().Truncate(time.Millisecond), DataID: id, Size: -1}
			if err := w.meta.Enqueue(ctx, e); err != nil {
				return rep, mapMeta(err)
			}
			rep.Queued++
		}
	}
	for id := range refs {
		p, err := w.placements.ForData(id)
		if err == nil && listed[p] && !stored[id] && refs[id].Size > 0 {
			rep.Missing = append(rep.Missing, id)
		}
	}
	return rep, nil
}

// dataIDTime is the creation time a data id starts with (newID).
func dataIDTime(id string) (time.Time, bool) {
	if len(id) < 16 {
		return time.Time{}, false
	}
	n, err := strconv.ParseUint(id[:16], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(0, int64(n)).UTC(), true
}

// eachPart calls fn for every part of every multipart upload in progress.
func (w *Workers) eachPart(ctx context.Context, fn func(u meta.Upload, p meta.Part) error) error {
	bs, err := w.meta.ListBuckets(ctx)
	if err != nil {
		return mapMeta(err)
	}
	for _, b := range bs {
		opts := meta.UploadListOptions{Limit: 500}
		for {
			page, err := w.meta.ListUploads(ctx, b.Name, opts)
			if err != nil {
				return mapMeta(err)
			}
			for _, u := range page {
				ps, err := w.allParts(ctx, u.UploadID)
				if err != nil && !errors.Is(err, meta.ErrNotFound) {
					return err
				}
				for _, p := range ps {
					if err := fn(u, p); err != nil {
						return err
					}
				}
				opts.KeyMarker, opts.UploadIDMarker = u.Key, u.UploadID
			}
			if len(page) < 500 {
				break
			}
		}
	}
	return nil
}
