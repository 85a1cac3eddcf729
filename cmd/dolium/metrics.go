package main

import (
	"context"
	"time"

	"github.com/dolium/dolium/gateway"
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

func (m *gcMetrics) observe(st gateway.CollectStats, err error) {
	if err != nil {
		m.passes.WithLabelValues("error").Inc()
		return
	}
	m.passes.WithLabelValues("ok").Inc()
	m.deleted.Add(float64(st.Deleted))
}
