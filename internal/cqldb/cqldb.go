package cqldb

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
	"github.com/prometheus/client_golang/prometheus"
)

// Config describes a Cassandra cluster and how to use it.
type Config struct {
	// Hosts are contact points, "host" or "host:port".
	Hosts []string `yaml:"hosts"`
	// Keyspace holds dolium's tables (default "dolium").
	Keyspace string `yaml:"keyspace"`
	// LocalDC is this gateway's data centre: queries go to its nodes first
	// and LOCAL_* consistency levels refer to it. Empty: no DC preference.
	LocalDC string `yaml:"local_dc"`
	// Replication of the keyspace when dolium creates it:
	// "SimpleStrategy:1" or "NetworkTopologyStrategy:dc1=3,dc2=3".
	Replication string `yaml:"replication"`
	// Consistency for reads and writes (default LOCAL_QUORUM) and the
	// serial consistency of conditional writes (default LOCAL_SERIAL).
	Consistency       string `yaml:"consistency"`
	SerialConsistency string `yaml:"serial_consistency"`
	// Timeout per query (default 5s) and ConnectTimeout (default 5s).
	Timeout        time.Duration `yaml:"timeout"`
	ConnectTimeout time.Duration `yaml:"connect_timeout"`
	Username       string        `yaml:"username"`
	Password       string        `yaml:"password"`
}

func (c *Config) defaults() {
	if c.Keyspace == "" {
		c.Keyspace = "dolium"
	}
	if c.Replication == "" {
		c.Replication = "SimpleStrategy:1"
	}
	if c.Consistency == "" {
		c.Consistency = "LOCAL_QUORUM"
	}
	if c.SerialConsistency == "" {
		c.SerialConsistency = "LOCAL_SERIAL"
	}
	if c.Timeout <= 0 {
		c.Timeout = 5 * time.Second
	}
	if c.ConnectTimeout <= 0 {
		c.ConnectTimeout = 5 * time.Second
	}
}

// DB is a connected session in dolium's keyspace.
type DB struct {
	Session  *gocql.Session
	Keyspace string
	// Serial is the consistency of the serial phase of LWTs.
	Serial gocql.Consistency
}

// Close closes the session.
func (db *DB) Close() { db.Session.Close() }

var keyspaceName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]{0,47}$`)

// ReplicationMap turns the Replication setting into CQL's replication map.
func ReplicationMap(s string) (string, error) {
	class, args, _ := strings.Cut(s, ":")
	switch class {
	case "SimpleStrategy":
		n, err := strconv.Atoi(args)
		if err != nil || n < 1 {
			return "", fmt.Errorf("cqldb: replication %q: want SimpleStrategy:<factor>", s)
		}
		return fmt.Sprintf("{'class': 'SimpleStrategy', 'replication_factor': %d}", n), nil
	case "NetworkTopologyStrategy":
		var parts []string
		for _, kv := range strings.Split(args, ",") {
			dc, f, ok := strings.Cut(strings.TrimSpace(kv), "=")
			n, err := strconv.Atoi(f)
			if !ok || err != nil || n < 1 || !regexp.MustCompile(`^[A-Za-z0-9_.-]+$`).MatchString(dc) {
				return "", fmt.Errorf("cqldb: replication %q: want NetworkTopologyStrategy:dc1=3,dc2=3", s)
			}
			parts = append(parts, fmt.Sprintf("'%s': %d", dc, n))
		}
		sort.Strings(parts)
		return "{'class': 'NetworkTopologyStrategy', " + strings.Join(parts, ", ") + "}", nil
	}
	return "", fmt.Errorf("cqldb: unknown replication class in %q", s)
}

func cluster(cfg Config, keyspace string, reg *Metrics) (*gocql.ClusterConfig, error) {
	cons, err := gocql.ParseConsistencyWrapper(cfg.Consistency)
	if err != nil {
		return nil, fmt.Errorf("cqldb: consistency %q: %w", cfg.Consistency, err)
	}
	var hosts []string
	port := 9042
	for _, h := range cfg.Hosts {
		if host, p, err := net.SplitHostPort(h); err == nil {
			n, err := strconv.Atoi(p)
			if err != nil {
				return nil, fmt.Errorf("cqldb: host %q: bad port", h)
			}
			hosts, port = append(hosts, host), n
		} else {
			hosts = append(hosts, h)
		}
	}
	if len(hosts) == 0 {
		return nil, errors.New("cqldb: no hosts")
	}
	c := gocql.NewCluster(hosts...)
	c.Port = port
	c.Keyspace = keyspace
	c.Consistency = cons
	c.Timeout = cfg.Timeout
	c.ConnectTimeout = cfg.ConnectTimeout
	c.NumConns = 2
	c.MaxWaitSchemaAgreement = 15 * time.Second
	c.RetryPolicy = &gocql.ExponentialBackoffRetryPolicy{NumRetries: 2, Min: 50 * time.Millisecond, Max: time.Second}
	c.ReconnectInterval = 2 * time.Second
	c.DisableInitialHostLookup = false
	if cfg.LocalDC != "" {
		// Only the local data centre's nodes: gocql's DC-aware policy would
		// otherwise fall back to remote nodes, and LOCAL_QUORUM would then
		// silently mean the remote DC (cross-cloud latency, and a gateway
		// that claims its DC is up when it is not). With its DC down the
		// gateway answers 503; clients use a gateway in another cloud.
		c.HostFilter = gocql.DataCenterHostFilter(cfg.LocalDC)
		c.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.DCAwareRoundRobinPolicy(cfg.LocalDC))
	} else {
		c.PoolConfig.HostSelectionPolicy = gocql.TokenAwareHostPolicy(gocql.RoundRobinHostPolicy())
	}
	if cfg.Username != "" {
		c.Authenticator = gocql.PasswordAuthenticator{Username: cfg.Username, Password: cfg.Password}
	}
	if reg != nil {
		c.QueryObserver = reg
		c.BatchObserver = reg
	}
	return c, nil
}

// Connect opens a session, creating the keyspace if it does not exist.
// Metrics, if not nil, observes every query.
func Connect(ctx context.Context, cfg Config, m *Metrics) (*DB, error) {
	cfg.defaults()
	if !keyspaceName.MatchString(cfg.Keyspace) {
		return nil, fmt.Errorf("cqldb: invalid keyspace name %q", cfg.Keyspace)
	}
	repl, err := ReplicationMap(cfg.Replication)
	if err != nil {
		return nil, err
	}
	serial, err := gocql.ParseConsistencyWrapper(cfg.SerialConsistency)
	if err != nil || (serial != gocql.Serial && serial != gocql.LocalSerial) {
		return nil, fmt.Errorf("cqldb: serial consistency %q: want SERIAL or LOCAL_SERIAL", cfg.SerialConsistency)
	}
	// A keyspace-less session creates the keyspace.
	boot, err := cluster(cfg, "", nil)
	if err != nil {
		return nil, err
	}
	bs, err := boot.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("cqldb: connect: %w", err)
	}
	err = bs.Query(fmt.Sprintf("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s", cfg.Keyspace, repl)).
		Consistency(gocql.All).WithContext(ctx).Exec()
	if err != nil {
		// ALL may fail when a node is down; the keyspace may exist anyway.
		err = bs.Query(fmt.Sprintf("CREATE KEYSPACE IF NOT EXISTS %s WITH replication = %s", cfg.Keyspace, repl)).WithContext(ctx).Exec()
	}
	bs.Close()
	if err != nil {
		return nil, fmt.Errorf("cqldb: create keyspace: %w", err)
	}
	c, err := cluster(cfg, cfg.Keyspace, m)
	if err != nil {
		return nil, err
	}
	s, err := c.CreateSession()
	if err != nil {
		return nil, fmt.Errorf("cqldb: connect: %w", err)
	}
	return &DB{Session: s, Keyspace: cfg.Keyspace, Serial: serial}, nil
}

// ErrSchemaTooNew: the keyspace was migrated by a newer dolium.
var ErrSchemaTooNew = errors.New("cqldb: schema is newer than this dolium knows")

// Migrate brings component's tables to len(steps): step i (0-based) moves
// the schema from version i to i+1. Every step must be idempotent (CREATE
// ... IF NOT EXISTS): two gateways may run it at once. It returns
// ErrSchemaTooNew if the stored version is beyond len(steps).
func (db *DB) Migrate(ctx context.Context, component string, steps []string) error {
	s := db.Session
	if err := s.Query(`CREATE TABLE IF NOT EXISTS schema_versions (component text PRIMARY KEY, version int, updated timestamp)`).
		WithContext(ctx).Exec(); err != nil {
		return fmt.Errorf("cqldb: schema_versions: %w", err)
	}
	db.agree(ctx)
	var v int
	err := s.Query(`SELECT version FROM schema_versions WHERE component = ?`, component).
		SerialConsistency(db.Serial).WithContext(ctx).Scan(&v)
	if err != nil && !errors.Is(err, gocql.ErrNotFound) {
		return fmt.Errorf("cqldb: read schema version: %w", err)
	}
	if v > len(steps) {
		return fmt.Errorf("%w: %s is at version %d, this build knows %d", ErrSchemaTooNew, component, v, len(steps))
	}
	for i := v; i < len(steps); i++ {
		if err := s.Query(steps[i]).WithContext(ctx).Exec(); err != nil {
			return fmt.Errorf("cqldb: %s migration %d: %w", component, i+1, err)
		}
		db.agree(ctx)
		if err := s.Query(`INSERT INTO schema_versions (component, version, updated) VALUES (?, ?, ?)`,
			component, i+1, time.Now()).WithContext(ctx).Exec(); err != nil {
			return fmt.Errorf("cqldb: record schema version: %w", err)
		}
	}
	return nil
}

// agree waits for the nodes that answer to agree on the schema. It is
// best effort: with a data centre down agreement cannot be reached, and the
// migration steps are idempotent, so dolium proceeds.
func (db *DB) agree(ctx context.Context) {
	_ = db.Session.AwaitSchemaAgreement(ctx)
}

// Metrics observes queries: latency and errors per table and operation.
type Metrics struct {
	latency *prometheus.HistogramVec
	errors  *prometheus.CounterVec
}

// NewMetrics registers the query metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "dolium", Subsystem: "cassandra", Name: "query_duration_seconds",
			Help:    "Cassandra query latency by table and statement kind.",
			Buckets: prometheus.ExponentialBuckets(0.0002, 2, 16),
		}, []string{"table", "op"}),
		errors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "dolium", Subsystem: "cassandra", Name: "query_errors_total",
			Help: "Cassandra query errors by table and statement kind.",
		}, []string{"table", "op"}),
	}
	if reg != nil {
		reg.MustRegister(m.latency, m.errors)
	}
	return m
}

var tableRE = regexp.MustCompile(`(?i)\b(?:from|into|update|table(?: if not exists)?)\s+([a-z0-9_."]+)`)

// StatementLabels returns the table and kind of a CQL statement.
func StatementLabels(stmt string) (table, op string) {
	f := strings.Fields(stmt)
	if len(f) == 0 {
		return "unknown", "unknown"
	}
	op = strings.ToLower(f[0])
	table = "unknown"
	if m := tableRE.FindStringSubmatch(stmt); m != nil {
		table = strings.ToLower(strings.Trim(m[1][strings.LastIndex(m[1], ".")+1:], `"`))
	}
	return table, op
}

// ObserveQuery implements gocql.QueryObserver.
func (m *Metrics) ObserveQuery(_ context.Context, q gocql.ObservedQuery) {
	table, op := StatementLabels(q.Statement)
	m.latency.WithLabelValues(table, op).Observe(q.End.Sub(q.Start).Seconds())
	if q.Err != nil {
		m.errors.WithLabelValues(table, op).Inc()
	}
}

// ObserveBatch implements gocql.BatchObserver: a batch is one round trip,
// labelled with its first statement's table and op "batch".
func (m *Metrics) ObserveBatch(_ context.Context, b gocql.ObservedBatch) {
	table := "unknown"
	if len(b.Statements) > 0 {
		table, _ = StatementLabels(b.Statements[0])
	}
	m.latency.WithLabelValues(table, "batch").Observe(b.End.Sub(b.Start).Seconds())
	if b.Err != nil {
		m.errors.WithLabelValues(table, "batch").Inc()
	}
}

// IsUnavailable reports whether err means the cluster cannot serve the
// request now (nodes down, timeouts, no connections), as opposed to a bad
// query.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, gocql.ErrNoConnections) || errors.Is(err, gocql.ErrTimeoutNoResponse) ||
		errors.Is(err, gocql.ErrConnectionClosed) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var re gocql.RequestError
	if errors.As(err, &re) {
		switch re.Code() {
		case gocql.ErrCodeUnavailable, gocql.ErrCodeWriteTimeout, gocql.ErrCodeReadTimeout,
			gocql.ErrCodeOverloaded, gocql.ErrCodeBootstrapping, gocql.ErrCodeTruncate,
			gocql.ErrCodeWriteFailure, gocql.ErrCodeReadFailure:
			return true
		}
	}
	var ne net.Error
	return errors.As(err, &ne)
}
