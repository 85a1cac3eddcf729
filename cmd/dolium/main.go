package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/s3api"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

func main() {
	if len(os.Args) >= 2 && os.Args[1] == "admin" {
		if err := adminMain(os.Args[2:], os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, "dolium admin:", err)
			var ee exitError
			if errors.As(err, &ee) {
				os.Exit(ee.code)
			}
			os.Exit(1)
		}
		return
	}
	if len(os.Args) < 2 || os.Args[1] != "serve" {
		fmt.Fprintln(os.Stderr, "usage: dolium serve [flags]   (dolium serve -h lists them)\n       dolium admin ...         (dolium admin lists the commands)")
		os.Exit(2)
	}
	cfg, err := loadConfig(os.Args[2:], os.Getenv)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dolium:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "dolium:", err)
		os.Exit(1)
	}
}

func newLogger(cfg config) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

func serve(ctx context.Context, cfg config) error {
	log := newLogger(cfg)
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return err
	}
	root, rootCandidate, generated, err := configuredRoot(cfg)
	if err != nil {
		return err
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	ms, drv, closeStores, err := openStores(ctx, cfg, reg, log)
	if err != nil {
		return err
	}
	defer closeStores()
	keys, ident, err := openIdentities(ctx, cfg, ms, root, rootCandidate, log)
	if err != nil {
		return err
	}
	root = ident.Root
	rootWhere := ""
	switch {
	case generated:
		rootWhere = "saved in " + filepath.Join(cfg.Data, access.RootFile)
	case ident.Generated:
		rootWhere = "stored (sealed) in the metadata store, for every gateway on it"
	}
	if os.Getenv("GOMEMLIMIT") == "" && cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit)
	}
	blobs := blobstore.New(drv, storeOptions(cfg, cfg.ChunkSize, reg))
	repairs, _ := ms.(meta.RepairQueue)
	zones := upkeep.NewZoneMonitor()
	placements, closePlacements, err := openPlacements(ctx, cfg, blobs, repairs, zones, reg, log)
	if err != nil {
		return err
	}
	defer closePlacements()
	gw := gateway.New(gateway.Config{
		Meta: ms, Placements: placements, DefaultPlacement: cfg.DefaultPlacement,
		Region: cfg.Region, UploadGrace: cfg.UploadGrace, ReclaimDelay: cfg.ReclaimDelay, CompletionTTL: cfg.CompletionTTL, Logger: log,
		LifecycleDay: cfg.LifecycleDay,
	})
	workers := upkeep.New(upkeep.Config{
		Gateway: gw, Meta: ms, Placements: placements, Repairs: repairs, Zones: zones,
		UploadGrace: cfg.UploadGrace, ReclaimDelay: cfg.ReclaimDelay, Logger: log,
	})
	gcm := newGCMetrics(reg, ms)
	newDataMetrics(reg, gw)
	s3 := s3api.New(s3api.Options{Gateway: gw, Keys: keys, Identities: keys, Region: cfg.Region, Logger: log, Registerer: reg, Domains: cfg.Domains,
		Limits:      s3api.Limits{BodyTimeout: cfg.BodyTimeout, SendTimeout: cfg.SendTimeout, MaxHeaderBytes: cfg.MaxHeaderBytes, KeyMaxRequests: cfg.KeyMaxRequests},
		Maintenance: workers, ProbeTimeout: cfg.ZoneTimeout})

	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           withOps(s3, gw, promhttp.HandlerFor(reg, promhttp.HandlerOpts{})),
		ReadHeaderTimeout: 30 * time.Second,
		// The S3 handler answers headers over MaxHeaderBytes with an S3
		// error; only far larger ones meet net/http's own 431.
		MaxHeaderBytes: max(64<<10, 4*cfg.MaxHeaderBytes),
		IdleTimeout:    2 * time.Minute,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	go workers.RunCollector(ctx, cfg.GCInterval, gcm.observe)
	go workers.RunLifecycle(ctx, cfg.LifecycleInterval, cfg.LifecycleRate, newLifecycleMetrics(reg).observe)
	if len(placements.Names()) > 0 {
		rm := newRepairMetrics(reg, repairs)
		go workers.RunRepairs(ctx, cfg.RepairInterval, rm.observeRepair)
		go workers.RunScrubber(ctx, cfg.ScrubInterval, cfg.ScrubRate, rm.observeScrub)
		go workers.RunRebuilds(ctx, cfg.RebuildRate)
		go workers.RunZoneProbes(ctx, cfg.ZoneProbeInterval, cfg.ZoneTimeout)
		newRebuildMetrics(reg, workers)
	}

	printBanner(ln.Addr().String(), cfg, root, rootWhere)
	log.Info("serving S3", "listen", ln.Addr().String(), "store", cfg.Store, "data", cfg.Data, "region", cfg.Region,
		"keys_imported", ident.Imported, "keys_kept", ident.Kept, "sealing_key", ident.Source)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// storeOptions are the chunk store options of cfg for chunks of chunkSize.
func storeOptions(cfg config, chunkSize int64, reg prometheus.Registerer) blobstore.Options {
	return blobstore.Options{
		ChunkSize: chunkSize, WriteBudget: cfg.WriteBudget, ReadBudget: cfg.ReadBudget,
		BudgetWait: cfg.BudgetWait, ClientShare: cfg.KeyBudgetShare, Registerer: reg,
	}
}

// withOps serves /healthz, /readyz and /metrics to requests that carry no
// S3 authentication (these are the only unauthenticated endpoints); every
// other request, and any signed one, goes to S3 (the admin endpoints
// included).
func withOps(s3 http.Handler, gw *gateway.Gateway, metrics http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		signed := r.Header.Get("Authorization") != "" || r.URL.Query().Has("X-Amz-Signature")
		if !signed && r.Method == http.MethodGet {
			switch r.URL.Path {
			case "/healthz":
				w.Write([]byte("ok\n"))
				return
			case "/readyz":
				ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
				defer cancel()
				if err := gw.Ready(ctx); err != nil {
					msg := "not ready"
					if errors.Is(err, gateway.ErrStoreFull) {
						msg = "not ready: store full"
					}
					http.Error(w, msg, http.StatusServiceUnavailable)
					return
				}
				w.Write([]byte("ready\n"))
				return
			case "/metrics":
				metrics.ServeHTTP(w, r)
				return
			}
		}
		s3.ServeHTTP(w, r)
	})
}

func printBanner(addr string, cfg config, root access.Key, generatedWhere string) {
	endpoint := "http://" + addr
	var b strings.Builder
	where := "data in " + cfg.Data
	if cfg.Store == "cassandra" {
		where = fmt.Sprintf("Cassandra %s, keyspace %s", strings.Join(cfg.Cassandra.Hosts, ","), cfg.Cassandra.Keyspace)
	}
	fmt.Fprintf(&b, "\ndolium is serving S3 at %s (region %s, %s)\n\n", endpoint, cfg.Region, where)
	if generatedWhere != "" {
		fmt.Fprintf(&b, "A root key pair was generated and %s:\n", generatedWhere)
	}
	fmt.Fprintf(&b, "  AWS_ACCESS_KEY_ID=%s\n  AWS_SECRET_ACCESS_KEY=%s\n\n", root.AccessKey, root.SecretKey)
	fmt.Fprintf(&b, "Try it:\n  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s\n", root.AccessKey, root.SecretKey, cfg.Region)
	fmt.Fprintf(&b, "  aws --endpoint-url %s s3 mb s3://demo\n", endpoint)
	fmt.Fprintf(&b, "  aws --endpoint-url %s s3 cp README.md s3://demo/\n", endpoint)
	fmt.Fprintf(&b, "  aws --endpoint-url %s s3 ls s3://demo/\n\n", endpoint)
	os.Stdout.WriteString(b.String())
}
