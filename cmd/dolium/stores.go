package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/dolium/dolium/blobstore"
	blobcassandra "github.com/dolium/dolium/blobstore/cassandra"
	"github.com/dolium/dolium/blobstore/local"
	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/meta"
	metacassandra "github.com/dolium/dolium/meta/cassandra"
	"github.com/dolium/dolium/meta/pebble"
	"github.com/prometheus/client_golang/prometheus"
)

// openStores opens the metadata and chunk stores that cfg.Store names.
func openStores(ctx context.Context, cfg config, reg prometheus.Registerer, log *slog.Logger) (meta.Store, blobstore.Driver, func(), error) {
	switch cfg.Store {
	case "cassandra":
		cctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		db, err := cqldb.Connect(cctx, cfg.Cassandra, cqldb.NewMetrics(reg))
		if err != nil {
			return nil, nil, nil, fmt.Errorf("cassandra: %w", err)
		}
		ms, err := metacassandra.Open(cctx, db, metacassandra.Options{})
		if err != nil {
			db.Close()
			return nil, nil, nil, fmt.Errorf("metadata store: %w", err)
		}
		drv, err := blobcassandra.Open(cctx, db, blobcassandra.Options{})
		if err != nil {
			ms.Close()
			db.Close()
			return nil, nil, nil, fmt.Errorf("chunk store: %w", err)
		}
		log.Info("connected to Cassandra", "hosts", cfg.Cassandra.Hosts, "keyspace", db.Keyspace)
		return ms, drv, func() { drv.Close(); ms.Close(); db.Close() }, nil
	default:
		ms, err := pebble.Open(filepath.Join(cfg.Data, "meta"), pebble.Options{})
		if err != nil {
			return nil, nil, nil, fmt.Errorf("metadata store: %w", err)
		}
		drv, err := local.Open(filepath.Join(cfg.Data, "chunks"))
		if err != nil {
			ms.Close()
			return nil, nil, nil, fmt.Errorf("chunk store: %w", err)
		}
		return ms, drv, func() { drv.Close(); ms.Close() }, nil
	}
}
