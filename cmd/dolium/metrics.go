package main

import (
	"context"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/meta"
	"github.com/prometheus/client_golang/prometheus"
)

type gcMetrics struct {
	passes  *prometheus.CounterVec
	deleted prometheus.Counter
}

func newGCMetrics(reg prometheus.Registerer, q meta.Queue) *gcMetrics {
	m := &gcMetrics{
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "gc", Name: "passes_total", Help: "Garbage collection passes by result.",
		}, []string{"result"}),
		deleted: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "gc", Name: "deleted_data_total", Help: "Data sets deleted by the collector.",
		}),
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "dolium", Subsystem: "gc", Name: "queue_depth", Help: "Entries in the garbage collection queue.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := q.Len(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(m.passes, m.deleted, depth)
	return m
}

func (m *gcMetrics) observe(st upkeep.CollectStats, err error) {
	if err != nil {
		m.passes.WithLabelValues("error").Inc()
		return
	}
	m.passes.WithLabelValues("ok").Inc()
	m.deleted.Add(float64(st.Deleted))
}

type lifecycleMetrics struct {
	passes                                             *prometheus.CounterVec
	expired, purged, markers, aborted, locked, buckets prometheus.Counter
	last                                               prometheus.Gauge
}

func newLifecycleMetrics(reg prometheus.Registerer) *lifecycleMetrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dolium", Subsystem: "lifecycle", Name: name, Help: help})
	}
	m := &lifecycleMetrics{
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "lifecycle", Name: "passes_total", Help: "Lifecycle passes by result.",
		}, []string{"result"}),
		buckets: c("buckets_total", "Bucket passes this gateway ran (it held the bucket's lease)."),
		expired: c("objects_expired_total", "Current versions expired: a delete marker added, or the object removed on an unversioned bucket."),
		purged:  c("versions_expired_total", "Noncurrent versions deleted for good."),
		markers: c("delete_markers_removed_total", "Expired object delete markers removed."),
		aborted: c("uploads_aborted_total", "Incomplete multipart uploads aborted."),
		locked:  c("locked_total", "Due deletions refused because object lock protects the version."),
		last: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: "dolium", Subsystem: "lifecycle", Name: "last_run_timestamp_seconds", Help: "When this gateway's last lifecycle pass ended without error.",
		}),
	}
	reg.MustRegister(m.passes, m.buckets, m.expired, m.purged, m.markers, m.aborted, m.locked, m.last)
	return m
}

func (m *lifecycleMetrics) observe(st upkeep.LifecycleStats, err error) {
	m.buckets.Add(float64(st.Buckets))
	m.expired.Add(float64(st.Expired))
	m.purged.Add(float64(st.VersionsPurged))
	m.markers.Add(float64(st.MarkersRemoved))
	m.aborted.Add(float64(st.UploadsAborted))
	m.locked.Add(float64(st.Locked))
	if err != nil {
		m.passes.WithLabelValues("error").Inc()
		return
	}
	m.passes.WithLabelValues("ok").Inc()
	m.last.SetToCurrentTime()
}

type repairMetrics struct {
	repaired, unrecoverable, retried prometheus.Counter
	scrubbed, scrubProblems          prometheus.Counter
	scrubPasses                      *prometheus.CounterVec
}

func newRepairMetrics(reg prometheus.Registerer, q meta.RepairQueue) *repairMetrics {
	c := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: "dolium", Subsystem: "repair", Name: name, Help: help})
	}
	m := &repairMetrics{
		repaired:      c("repaired_total", "Copies or shards rewritten, and missed deletes done, by the repair worker."),
		unrecoverable: c("unrecoverable_total", "Repairs abandoned because too few good copies or shards remain."),
		retried:       c("retried_total", "Repairs put back with backoff because their zone still fails."),
		scrubbed:      c("scrubbed_chunks_total", "Chunks the scrubber checked in every zone."),
		scrubProblems: c("scrub_problems_total", "Missing or corrupt copies or shards the scrubber queued for repair."),
		scrubPasses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "repair", Name: "scrub_passes_total", Help: "Scrub passes by result.",
		}, []string{"result"}),
	}
	depth := prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Namespace: "dolium", Subsystem: "repair", Name: "queue_depth", Help: "Entries in the repair queue.",
	}, func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		n, err := q.RepairLen(ctx)
		if err != nil {
			return -1
		}
		return float64(n)
	})
	reg.MustRegister(m.repaired, m.unrecoverable, m.retried, m.scrubbed, m.scrubProblems, m.scrubPasses, depth)
	return m
}

func (m *repairMetrics) observeRepair(st upkeep.RepairStats, _ error) {
	m.repaired.Add(float64(st.Repaired))
	m.unrecoverable.Add(float64(st.Unrecoverable))
	m.retried.Add(float64(st.Retried))
}

func (m *repairMetrics) observeScrub(st upkeep.ScrubStats, err error) {
	m.scrubbed.Add(float64(st.Chunks))
	m.scrubProblems.Add(float64(st.Problems))
	if err != nil {
		m.scrubPasses.WithLabelValues("error").Inc()
	} else {
		m.scrubPasses.WithLabelValues("ok").Inc()
	}
}

// newDataMetrics counts the reads that found an object's data lost.
func newDataMetrics(reg prometheus.Registerer, gw *gateway.Gateway) {
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Namespace: "dolium", Name: "data_lost_reads_total",
		Help: "Reads (GET, copies) that found an object's data lost: too few good copies or shards while every zone answered.",
	}, func() float64 { return float64(gw.DataLostReads()) }))
}

// rebuildCollector exports every zone rebuild's progress, read from the
// metadata store at each scrape (any gateway shows the same numbers).
type rebuildCollector struct {
	workers                                  *upkeep.Workers
	running, done, total, bytes, failed, eta *prometheus.Desc
}

func newRebuildMetrics(reg prometheus.Registerer, workers *upkeep.Workers) {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("dolium_rebuild_"+name, help, []string{"zone"}, nil)
	}
	reg.MustRegister(&rebuildCollector{
		workers: workers,
		running: d("running", "1 while a rebuild of the zone runs, 0 once it finished."),
		done:    d("chunks_done", "Chunks the zone's last rebuild walked (checked, rewritten where missing)."),
		total:   d("chunks_total", "Chunks the zone's last rebuild has to walk."),
		bytes:   d("bytes", "Bytes of chunk data the zone's last rebuild wrote."),
		failed:  d("chunks_failed", "Chunks the zone's last rebuild could not rebuild (too few good copies or shards)."),
		eta:     d("eta_seconds", "Estimated time left of the zone's rebuild (-1: unknown, 0: finished)."),
	})
}

func (c *rebuildCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.running, c.done, c.total, c.bytes, c.failed, c.eta} {
		ch <- d
	}
}

func (c *rebuildCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	rs, err := c.workers.Rebuilds(ctx)
	if err != nil {
		return
	}
	for _, r := range rs {
		running := 0.0
		if r.Running {
			running = 1
		}
		g := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, r.Zone)
		}
		g(c.running, running)
		g(c.done, float64(r.ChunksDone))
		g(c.total, float64(r.ChunksTotal))
		g(c.bytes, float64(r.Bytes))
		g(c.failed, float64(r.ChunksFailed))
		g(c.eta, r.ETASeconds)
	}
}
