package upkeep

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/meta"
)

// Config wires the Workers.
type Config struct {
	// Gateway is the core whose collection rule the collector applies.
	Gateway *gateway.Gateway
	// Meta is the gateway's metadata store.
	Meta meta.Store
	// Placements are the gateway's placement policies (nil: Blobs alone).
	Placements *blobstore.Placements
	// Blobs, when Placements is nil, is the primary chunk store alone.
	Blobs *blobstore.Store
	// Repairs is the repair queue of the placements (nil: no placements).
	Repairs meta.RepairQueue
	// Zones watches the placements' zones (nil: no zone states, no
	// automatic rebuild of a replaced zone).
	Zones *ZoneMonitor
	// UploadGrace and ReclaimDelay are the gateway's (defaults 1h and
	// 1m): unreferenced data younger than both together may be an upload
	// under way or data the collector will reclaim on its own (VerifyGC).
	UploadGrace, ReclaimDelay time.Duration
	Logger                    *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Workers are one gateway process's background workers. Each Run method
// runs one of them until its context ends; the Once methods run one pass
// (tests, tools). They are safe to run on every gateway at once.
type Workers struct {
	g          *gateway.Gateway
	meta       meta.Store
	placements *blobstore.Placements
	cfg        Config
	log        *slog.Logger

	owner       string        // names this process in rebuild leases
	rebuildPoke chan struct{} // wakes RunRebuilds
	rebuildMu   sync.Mutex
	// rebuildWaiting says why a rebuild this process runs is paused.
	rebuildWaiting map[string]string
	zoneEvents     map[string]*zoneEvent // by zone and kind
}

// New returns the Workers for cfg, filling in defaults. With cfg.Zones,
// it handles the monitor's news (a replaced zone starts a rebuild).
func New(cfg Config) *Workers {
	if cfg.UploadGrace <= 0 {
		cfg.UploadGrace = time.Hour
	}
	if cfg.ReclaimDelay <= 0 {
		cfg.ReclaimDelay = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Placements == nil {
		cfg.Placements, _ = blobstore.NewPlacements(cfg.Blobs) // no named policy: cannot fail
	}
	w := &Workers{g: cfg.Gateway, meta: cfg.Meta, placements: cfg.Placements, cfg: cfg, log: cfg.Logger,
		owner: newOwner(), rebuildPoke: make(chan struct{}, 1),
		rebuildWaiting: map[string]string{}, zoneEvents: map[string]*zoneEvent{}}
	if cfg.Zones != nil {
		cfg.Zones.attach(w.onZoneEvent)
	}
	return w
}

func (w *Workers) now() time.Time { return w.cfg.Now().UTC() }

// mapMeta turns backend error kinds (of either store) into the gateway's
// kinds, as the core does: a store that is away is gateway.ErrUnavailable
// (the admin endpoints answer 503); other errors pass through.
func mapMeta(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, gateway.ErrUnavailable):
		return err
	case errors.Is(err, meta.ErrUnavailable), errors.Is(err, blobstore.ErrUnavailable):
		return fmt.Errorf("%w: %v", gateway.ErrUnavailable, err)
	}
	return err
}

// runEvery calls pass at once and then every interval until ctx ends; while
// pass reports more work, it is called again without waiting.
func runEvery(ctx context.Context, interval time.Duration, pass func() (more bool)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for pass() {
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// eachExtent calls fn for every extent of every version of every object
// of bucket ("" = all buckets), in key order, newest version first. Every
// version, not only the latest: a non-current version's data is as live
// as the current one's (the collector keeps it, see
// Gateway.versionsReference).
func (w *Workers) eachExtent(ctx context.Context, bucket string, fn func(o meta.Object, x meta.Extent) error) error {
	var buckets []string
	if bucket != "" {
		buckets = []string{bucket}
	} else {
		bs, err := w.meta.ListBuckets(ctx)
		if err != nil {
			return mapMeta(err)
		}
		for _, b := range bs {
			buckets = append(buckets, b.Name)
		}
	}
	for _, b := range buckets {
		opts := meta.VersionListOptions{Limit: 500}
		for {
			page, err := w.meta.ListObjectVersions(ctx, b, opts)
			if err != nil {
				return mapMeta(err)
			}
			for _, o := range page {
				for _, x := range o.Extents {
					if err := fn(o, x); err != nil {
						return err
					}
				}
				opts.KeyMarker, opts.VersionMarker = o.Key, o.VersionID
			}
			if len(page) < 500 {
				break
			}
		}
	}
	return nil
}

func chunks(x meta.Extent) int {
	if x.Size == 0 || x.ChunkSize <= 0 {
		return 0
	}
	return int((x.Size + x.ChunkSize - 1) / x.ChunkSize)
}

// allParts lists every part of an upload.
func (w *Workers) allParts(ctx context.Context, uploadID string) ([]meta.Part, error) {
	ps, err := meta.AllParts(ctx, w.meta, uploadID)
	return ps, mapMeta(err)
}
