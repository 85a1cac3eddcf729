package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/dolium/dolium/blobstore"
	blobcassandra "github.com/dolium/dolium/blobstore/cassandra"
	"github.com/dolium/dolium/blobstore/local"
	"github.com/dolium/dolium/blobstore/placement"
	blobs3 "github.com/dolium/dolium/blobstore/s3"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/meta"
	"github.com/prometheus/client_golang/prometheus"
)

// zoneConfig is one storage zone: exactly one of Local, S3, Cassandra.
type zoneConfig struct {
	Name  string `yaml:"name"`
	Local *struct {
		Path string `yaml:"path"`
	} `yaml:"local"`
	S3 *struct {
		Endpoint     string `yaml:"endpoint"`
		Region       string `yaml:"region"`
		AccessKey    string `yaml:"access_key"`
		SecretKey    string `yaml:"secret_key"`
		Bucket       string `yaml:"bucket"`
		Prefix       string `yaml:"prefix"`
		PathStyle    bool   `yaml:"path_style"`
		CAFile       string `yaml:"ca_file"`
		CreateBucket bool   `yaml:"create_bucket"`
	} `yaml:"s3"`
	// Cassandra keeps the zone's chunks in a (usually other) Cassandra
	// cluster or data centre.
	Cassandra *cqldb.Config `yaml:"cassandra"`
}

// placementConfig is one placement policy over named zones.
type placementConfig struct {
	Name        string   `yaml:"name"`
	Scheme      string   `yaml:"scheme"` // replicate or erasure
	Data        int      `yaml:"data"`   // erasure: k
	Parity      int      `yaml:"parity"` // erasure: m
	WriteQuorum int      `yaml:"write_quorum"`
	Zones       []string `yaml:"zones"`
	ChunkSize   int64    `yaml:"chunk_size"`
}

// openZone opens one zone's driver.
func openZone(ctx context.Context, z zoneConfig, mon *upkeep.ZoneMonitor, log *slog.Logger) (blobstore.Driver, func(), error) {
	switch {
	case z.Local != nil:
		d, err := local.Open(z.Local.Path)
		if err != nil {
			return nil, nil, err
		}
		return d, func() { d.Close() }, nil
	case z.S3 != nil:
		o := z.S3
		d, err := blobs3.Open(ctx, blobs3.Options{
			Endpoint: o.Endpoint, Region: o.Region, AccessKey: o.AccessKey, SecretKey: o.SecretKey,
			Bucket: o.Bucket, Prefix: o.Prefix, PathStyle: o.PathStyle, CAFile: o.CAFile, CreateBucket: o.CreateBucket,
			OnReplaced: func() { mon.Replaced(z.Name) },
		})
		if err != nil && d == nil {
			return nil, nil, err
		}
		if err != nil {
			log.Warn("zone unreachable at start; serving without it until it answers", "zone", z.Name, "err", err)
		}
		return d, func() { d.Close() }, nil
	case z.Cassandra != nil:
		db, err := cqldb.Connect(ctx, *z.Cassandra, nil)
		if err != nil {
			return nil, nil, err
		}
		d, err := blobcassandra.Open(ctx, db, blobcassandra.Options{})
		if err != nil {
			db.Close()
			return nil, nil, err
		}
		return d, func() { d.Close(); db.Close() }, nil
	}
	return nil, nil, fmt.Errorf("zone %q: give one of local, s3, cassandra", z.Name)
}

// openPlacements resolves every placement policy once, each with its
// Store, into the set the gateway and its workers use, beside the primary
// store blobs. Their drivers record what they find missing in q; every
// zone is watched by mon.
func openPlacements(ctx context.Context, cfg config, blobs *blobstore.Store, q meta.RepairQueue, mon *upkeep.ZoneMonitor, reg prometheus.Registerer, log *slog.Logger) (*blobstore.Placements, func(), error) {
	stores := map[string]*blobstore.Placement{}
	var named []*blobstore.Placement
	var closers []func()
	closeAll := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	if len(cfg.Placements) == 0 {
		set, err := blobstore.NewPlacements(blobs)
		return set, closeAll, err
	}
	if q == nil {
		return nil, nil, fmt.Errorf("placements need a metadata store with a repair queue")
	}
	zones := map[string]blobstore.Driver{}
	octx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	for _, z := range cfg.Zones {
		if _, dup := zones[z.Name]; dup || z.Name == "" {
			closeAll()
			return nil, nil, fmt.Errorf("zone name %q empty or given twice", z.Name)
		}
		d, c, err := openZone(octx, z, mon, log)
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("zone %q: %w", z.Name, err)
		}
		zones[z.Name], closers = mon.Wrap(z.Name, d), append(closers, c)
	}
	for _, p := range cfg.Placements {
		if _, dup := stores[p.Name]; dup || !validPlacementName(p.Name) {
			closeAll()
			return nil, nil, fmt.Errorf("placement name %q invalid (lower-case letters, digits, '-') or given twice", p.Name)
		}
		var zs []placement.Zone
		for _, n := range p.Zones {
			d, ok := zones[n]
			if !ok {
				closeAll()
				return nil, nil, fmt.Errorf("placement %q: no zone %q", p.Name, n)
			}
			zs = append(zs, placement.Zone{Name: n, Driver: nopCloser{d}})
		}
		rec := upkeep.RepairRecorder(q, p.Name, nil)
		var d placement.Driver
		var err error
		switch p.Scheme {
		case "replicate":
			d, err = placement.NewReplicated(p.Name, zs, p.WriteQuorum, rec)
		case "erasure":
			d, err = placement.NewErasure(p.Name, zs, p.Data, p.Parity, p.WriteQuorum, rec)
		default:
			err = fmt.Errorf("scheme %q: want replicate or erasure", p.Scheme)
		}
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("placement %q: %w", p.Name, err)
		}
		opts := placement.Options{ZoneTimeout: cfg.ZoneTimeout, BreakerCooldown: cfg.ZoneBreaker}
		switch x := d.(type) {
		case *placement.Replicated:
			x.Options = opts
		case *placement.Erasure:
			x.Options = opts
		}
		resolved, err := placement.Resolve(blobstore.New(d, storeOptions(cfg, p.ChunkSize, reg)))
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("placement %q: %w", p.Name, err)
		}
		stores[p.Name] = resolved
		named = append(named, resolved)
	}
	if cfg.DefaultPlacement != "" {
		if _, ok := stores[cfg.DefaultPlacement]; !ok {
			closeAll()
			return nil, nil, fmt.Errorf("default_placement %q is not a configured placement", cfg.DefaultPlacement)
		}
	}
	set, err := blobstore.NewPlacements(blobs, named...)
	if err != nil {
		closeAll()
		return nil, nil, err
	}
	return set, closeAll, nil
}

func validPlacementName(n string) bool {
	if n == "" || len(n) > 32 {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// nopCloser keeps a placement's Close from closing a zone that other
// placements share; zones are closed once, by openPlacements' closer.
type nopCloser struct{ blobstore.Driver }

func (nopCloser) Close() error { return nil }
