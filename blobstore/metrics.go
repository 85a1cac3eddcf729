package blobstore

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Chunk operation label values.
const (
	opPut    = "put"
	opGet    = "get"
	opDelete = "delete"
)

// metrics are a Store's Prometheus collectors. A nil *metrics records
// nothing, so a Store without a Registerer pays only a nil check.
type metrics struct {
	opSeconds        *prometheus.HistogramVec
	bytesWritten     prometheus.Counter
	bytesRead        prometheus.Counter
	checksumFailures prometheus.Counter
	budgetWaits      prometheus.Counter
	readBudgetWaits  prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	const ns, sub = "dolium", "blobstore"
	m := &metrics{
		opSeconds: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: ns, Subsystem: sub,
			Name:    "chunk_op_duration_seconds",
			Help:    "Latency of chunk operations on the driver, by operation (put, get, delete).",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16), // 0.5ms .. ~16s
		}, []string{"op"}),
		bytesWritten: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub,
			Name: "chunk_written_bytes_total",
			Help: "Payload bytes of chunks written successfully.",
		}),
		bytesRead: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub,
			Name: "chunk_read_bytes_total",
			Help: "Payload bytes of chunks read and verified.",
		}),
		checksumFailures: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub,
			Name: "checksum_failures_total",
			Help: "Chunks read that failed their checksum or framing check.",
		}),
		budgetWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub,
			Name: "write_budget_waits_total",
			Help: "Chunk buffers a Write had to wait for because the write budget (or its client's share) was spent.",
		}),
		readBudgetWaits: prometheus.NewCounter(prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub,
			Name: "read_budget_waits_total",
			Help: "Readers that had to wait for their first chunk because the read budget was spent.",
		}),
	}
	m.opSeconds = register(reg, m.opSeconds)
	m.readBudgetWaits = register(reg, m.readBudgetWaits)
	m.budgetWaits = register(reg, m.budgetWaits)
	m.bytesWritten = register(reg, m.bytesWritten)
	m.bytesRead = register(reg, m.bytesRead)
	m.checksumFailures = register(reg, m.checksumFailures)
	// Export the op series before the first operation, so dashboards see zeros.
	for _, op := range []string{opPut, opGet, opDelete} {
		m.opSeconds.WithLabelValues(op)
	}
	return m
}

// register registers c on reg, or returns the collector already registered
// under the same description, so that Stores sharing a registry share their
// metrics. Any other registration error is a programming error.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	err := reg.Register(c)
	if err == nil {
		return c
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	panic("blobstore: registering metrics: " + err.Error())
}

func (m *metrics) observe(op string, start time.Time) {
	if m != nil {
		m.opSeconds.WithLabelValues(op).Observe(time.Since(start).Seconds())
	}
}

func (m *metrics) addWritten(n int) {
	if m != nil {
		m.bytesWritten.Add(float64(n))
	}
}

func (m *metrics) addRead(n int) {
	if m != nil {
		m.bytesRead.Add(float64(n))
	}
}

func (m *metrics) checksumFailure() {
	if m != nil {
		m.checksumFailures.Inc()
	}
}

func (m *metrics) budgetWait() {
	if m != nil {
		m.budgetWaits.Inc()
	}
}

func (m *metrics) readBudgetWait() {
	if m != nil {
		m.readBudgetWaits.Inc()
	}
}
