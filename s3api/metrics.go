package s3api

import (
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	rx, tx   *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "s3", Name: "requests_total",
			Help: "S3 requests by operation and HTTP status.",
		}, []string{"op", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "dolium", Subsystem: "s3", Name: "request_duration_seconds",
			Help:    "S3 request latency by operation, until the response is fully written.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18),
		}, []string{"op"}),
		rx: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "s3", Name: "received_bytes_total",
			Help: "Request body bytes received, by operation.",
		}, []string{"op"}),
		tx: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "s3", Name: "sent_bytes_total",
			Help: "Response body bytes sent, by operation.",
		}, []string{"op"}),
	}
	if reg != nil {
		reg.MustRegister(m.requests, m.latency, m.rx, m.tx)
	}
	return m
}

func (m *metrics) observe(op OpName, status int, d time.Duration, rx, tx int64) {
	o := string(op)
	m.requests.WithLabelValues(o, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(o).Observe(d.Seconds())
	m.rx.WithLabelValues(o).Add(float64(rx))
	m.tx.WithLabelValues(o).Add(float64(tx))
}
