package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/internal/cqldb"
	"gopkg.in/yaml.v3"
)

// config is everything `dolium serve` can be told. Precedence: flags, then
// environment variables, then the YAML file (--config), then defaults.
type config struct {
	Listen string `yaml:"listen"`
	Data   string `yaml:"data"`
	Region string `yaml:"region"`
	// Domains enable virtual-host-style requests (bucket.<domain>).
	Domains      []string      `yaml:"domains"`
	LogLevel     string        `yaml:"log_level"`
	LogFormat    string        `yaml:"log_format"`
	ChunkSize    int64         `yaml:"chunk_size"`
	GCInterval   time.Duration `yaml:"gc_interval"`
	UploadGrace  time.Duration `yaml:"upload_grace"`
	ReclaimDelay time.Duration `yaml:"reclaim_delay"`
	// CompletionTTL is how long a completed or aborted upload's record
	// answers retries.
	CompletionTTL time.Duration `yaml:"completion_ttl"`
	// WriteBudget bounds the chunk buffers of all uploads together (bytes).
	WriteBudget int64 `yaml:"write_budget"`
	// ReadBudget bounds the chunks all GETs hold fetched and not yet sent
	// (bytes); BudgetWait bounds the wait for either budget (then 503
	// SlowDown).
	ReadBudget int64         `yaml:"read_budget"`
	BudgetWait time.Duration `yaml:"budget_wait"`
	// KeyBudgetShare is the fraction of each budget one access key may
	// hold; KeyMaxRequests the requests it may have in flight (0: no limit).
	KeyBudgetShare float64 `yaml:"key_budget_share"`
	KeyMaxRequests int     `yaml:"key_max_requests"`
	// BodyTimeout and SendTimeout: a request body or a response that makes
	// no progress this long is failed (RequestTimeout) or cut (0: never).
	BodyTimeout time.Duration `yaml:"body_timeout"`
	SendTimeout time.Duration `yaml:"send_timeout"`
	// MaxHeaderBytes caps a request's header fields (400
	// RequestHeaderSectionTooLarge beyond it).
	MaxHeaderBytes int `yaml:"max_header_bytes"`
	// MemoryLimit is the Go runtime's soft memory limit (bytes; 0: none).
	// The GOMEMLIMIT environment variable, when set, wins.
	MemoryLimit int64 `yaml:"memory_limit"`
	// Store is "embedded" (Pebble metadata, chunk files under Data) or
	// "cassandra" (metadata and chunks in the Cassandra cluster below).
	Store     string       `yaml:"store"`
	Cassandra cqldb.Config `yaml:"cassandra"`
	// Zones and Placements spread data across clouds (YAML only);
	// DefaultPlacement is given to new buckets ("" = the primary store).
	Zones            []zoneConfig      `yaml:"zones"`
	Placements       []placementConfig `yaml:"placements"`
	DefaultPlacement string            `yaml:"default_placement"`
	RepairInterval   time.Duration     `yaml:"repair_interval"`
	ScrubInterval    time.Duration     `yaml:"scrub_interval"`
	ScrubRate        float64           `yaml:"scrub_rate"` // chunks per second, 0 = unlimited
	// LifecycleInterval is how often each bucket's lifecycle rules are
	// applied (by one gateway of all); LifecycleRate bounds the deletions
	// per second (0 = unlimited); LifecycleDay is the length of a
	// lifecycle day (24h; tests and trials set seconds).
	LifecycleInterval time.Duration `yaml:"lifecycle_interval"`
	LifecycleRate     float64       `yaml:"lifecycle_rate"`
	LifecycleDay      time.Duration `yaml:"lifecycle_day"`
	// RebuildRate bounds a zone rebuild (chunks per second, 0 = unlimited);
	// ZoneProbeInterval is how often every zone is probed (0 = never).
	RebuildRate       float64       `yaml:"rebuild_rate"`
	ZoneProbeInterval time.Duration `yaml:"zone_probe_interval"`
	// ZoneTimeout bounds one call to one zone; ZoneBreaker is how long a
	// zone that did not answer is skipped before it is tried again.
	ZoneTimeout time.Duration `yaml:"zone_timeout"`
	ZoneBreaker time.Duration `yaml:"zone_breaker"`
	Root        access.Key    `yaml:"root"`
	Keys        []access.Key  `yaml:"keys"`
	// IdentityKey seals the access key secrets in the metadata store
	// (gateway/identity); "" derives the sealing key from the root secret.
	IdentityKey string `yaml:"identity_key"`
}

func defaults() config {
	return config{
		Listen: "127.0.0.1:9000", Data: "./data", Region: "us-east-1", LogLevel: "info", LogFormat: "text",
		ChunkSize: 1 << 20, GCInterval: 30 * time.Second, UploadGrace: time.Hour, ReclaimDelay: time.Minute, CompletionTTL: 24 * time.Hour,
		Store: "embedded", WriteBudget: 64 << 20, MemoryLimit: 192 << 20,
		ReadBudget: 64 << 20, BudgetWait: 10 * time.Second, KeyBudgetShare: 0.5, KeyMaxRequests: 256,
		BodyTimeout: 30 * time.Second, SendTimeout: 30 * time.Second, MaxHeaderBytes: 8 << 10,
		RepairInterval: 5 * time.Second, ScrubInterval: 24 * time.Hour, ScrubRate: 50,
		LifecycleInterval: time.Hour, LifecycleRate: 100, LifecycleDay: 24 * time.Hour,
		RebuildRate: 100, ZoneProbeInterval: 10 * time.Second,
		ZoneTimeout: 10 * time.Second, ZoneBreaker: 5 * time.Second,
	}
}

// envVars maps each setting to its environment variable.
var envVars = []struct {
	name string
	set  func(c *config, v string) error
}{
	{"DOLIUM_LISTEN", func(c *config, v string) error { c.Listen = v; return nil }},
	{"DOLIUM_DATA", func(c *config, v string) error { c.Data = v; return nil }},
	{"DOLIUM_REGION", func(c *config, v string) error { c.Region = v; return nil }},
	{"DOLIUM_DOMAINS", func(c *config, v string) error { c.Domains = splitList(v); return nil }},
	{"DOLIUM_LOG_LEVEL", func(c *config, v string) error { c.LogLevel = v; return nil }},
	{"DOLIUM_LOG_FORMAT", func(c *config, v string) error { c.LogFormat = v; return nil }},
	{"DOLIUM_CHUNK_SIZE", func(c *config, v string) (err error) { c.ChunkSize, err = strconv.ParseInt(v, 10, 64); return }},
	{"DOLIUM_GC_INTERVAL", func(c *config, v string) (err error) { c.GCInterval, err = time.ParseDuration(v); return }},
	{"DOLIUM_UPLOAD_GRACE", func(c *config, v string) (err error) { c.UploadGrace, err = time.ParseDuration(v); return }},
	{"DOLIUM_RECLAIM_DELAY", func(c *config, v string) (err error) { c.ReclaimDelay, err = time.ParseDuration(v); return }},
	{"DOLIUM_COMPLETION_TTL", func(c *config, v string) (err error) { c.CompletionTTL, err = time.ParseDuration(v); return }},
	{"DOLIUM_WRITE_BUDGET", func(c *config, v string) (err error) { c.WriteBudget, err = strconv.ParseInt(v, 10, 64); return }},
	{"DOLIUM_READ_BUDGET", func(c *config, v string) (err error) { c.ReadBudget, err = strconv.ParseInt(v, 10, 64); return }},
	{"DOLIUM_BUDGET_WAIT", func(c *config, v string) (err error) { c.BudgetWait, err = time.ParseDuration(v); return }},
	{"DOLIUM_KEY_BUDGET_SHARE", func(c *config, v string) (err error) { c.KeyBudgetShare, err = strconv.ParseFloat(v, 64); return }},
	{"DOLIUM_KEY_MAX_REQUESTS", func(c *config, v string) (err error) { c.KeyMaxRequests, err = strconv.Atoi(v); return }},
	{"DOLIUM_BODY_TIMEOUT", func(c *config, v string) (err error) { c.BodyTimeout, err = time.ParseDuration(v); return }},
	{"DOLIUM_SEND_TIMEOUT", func(c *config, v string) (err error) { c.SendTimeout, err = time.ParseDuration(v); return }},
	{"DOLIUM_MAX_HEADER_BYTES", func(c *config, v string) (err error) { c.MaxHeaderBytes, err = strconv.Atoi(v); return }},
	{"DOLIUM_MEMORY_LIMIT", func(c *config, v string) (err error) { c.MemoryLimit, err = strconv.ParseInt(v, 10, 64); return }},
	{"DOLIUM_DEFAULT_PLACEMENT", func(c *config, v string) error { c.DefaultPlacement = v; return nil }},
	{"DOLIUM_REPAIR_INTERVAL", func(c *config, v string) (err error) { c.RepairInterval, err = time.ParseDuration(v); return }},
	{"DOLIUM_SCRUB_INTERVAL", func(c *config, v string) (err error) { c.ScrubInterval, err = time.ParseDuration(v); return }},
	{"DOLIUM_LIFECYCLE_INTERVAL", func(c *config, v string) (err error) { c.LifecycleInterval, err = time.ParseDuration(v); return }},
	{"DOLIUM_LIFECYCLE_RATE", func(c *config, v string) (err error) { c.LifecycleRate, err = strconv.ParseFloat(v, 64); return }},
	{"DOLIUM_LIFECYCLE_DAY", func(c *config, v string) (err error) { c.LifecycleDay, err = time.ParseDuration(v); return }},
	{"DOLIUM_REBUILD_RATE", func(c *config, v string) (err error) { c.RebuildRate, err = strconv.ParseFloat(v, 64); return }},
	{"DOLIUM_ZONE_PROBE_INTERVAL", func(c *config, v string) (err error) { c.ZoneProbeInterval, err = time.ParseDuration(v); return }},
	{"DOLIUM_STORE", func(c *config, v string) error { c.Store = v; return nil }},
	{"DOLIUM_CASSANDRA_HOSTS", func(c *config, v string) error { c.Cassandra.Hosts = splitList(v); return nil }},
	{"DOLIUM_CASSANDRA_KEYSPACE", func(c *config, v string) error { c.Cassandra.Keyspace = v; return nil }},
	{"DOLIUM_CASSANDRA_LOCAL_DC", func(c *config, v string) error { c.Cassandra.LocalDC = v; return nil }},
	{"DOLIUM_CASSANDRA_REPLICATION", func(c *config, v string) error { c.Cassandra.Replication = v; return nil }},
	{"DOLIUM_CASSANDRA_CONSISTENCY", func(c *config, v string) error { c.Cassandra.Consistency = v; return nil }},
	{"DOLIUM_CASSANDRA_USERNAME", func(c *config, v string) error { c.Cassandra.Username = v; return nil }},
	{"DOLIUM_CASSANDRA_PASSWORD", func(c *config, v string) error { c.Cassandra.Password = v; return nil }},
	{"DOLIUM_ROOT_ACCESS_KEY", func(c *config, v string) error { c.Root.AccessKey = v; return nil }},
	{"DOLIUM_ROOT_SECRET_KEY", func(c *config, v string) error { c.Root.SecretKey = v; return nil }},
	{"DOLIUM_IDENTITY_KEY", func(c *config, v string) error { c.IdentityKey = v; return nil }},
}

// loadConfig parses args (after "serve") and the environment.
func loadConfig(args []string, getenv func(string) string) (config, error) {
	c := defaults()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	path := fs.String("config", getenv("DOLIUM_CONFIG"), "YAML config file (env DOLIUM_CONFIG)")
	listen := fs.String("listen", "", "address to serve S3 on (env DOLIUM_LISTEN; default "+c.Listen+")")
	data := fs.String("data", "", "data directory of the embedded store (env DOLIUM_DATA; default "+c.Data+")")
	region := fs.String("region", "", "region (env DOLIUM_REGION; default "+c.Region+")")
	logLevel := fs.String("log-level", "", "debug, info, warn or error (env DOLIUM_LOG_LEVEL)")
	logFormat := fs.String("log-format", "", "text or json (env DOLIUM_LOG_FORMAT)")
	chunk := fs.Int64("chunk-size", 0, "chunk size in bytes (env DOLIUM_CHUNK_SIZE; default 1048576)")
	gcInterval := fs.Duration("gc-interval", 0, "garbage collector period (env DOLIUM_GC_INTERVAL; default 30s)")
	lcInterval := fs.Duration("lifecycle-interval", 0, "how often lifecycle rules are applied to each bucket (env DOLIUM_LIFECYCLE_INTERVAL; default 1h)")
	lcDay := fs.Duration("lifecycle-day", 0, "length of a lifecycle day, for trials and tests (env DOLIUM_LIFECYCLE_DAY; default 24h)")
	grace := fs.Duration("upload-grace", 0, "time after which an unfinished upload's data is collected (env DOLIUM_UPLOAD_GRACE; default 1h)")
	reclaim := fs.Duration("reclaim-delay", 0, "how long replaced data stays readable (env DOLIUM_RECLAIM_DELAY; default 1m)")
	completionTTL := fs.Duration("completion-ttl", 0, "how long a finished multipart upload answers retries (env DOLIUM_COMPLETION_TTL; default 24h)")
	budget := fs.Int64("write-budget", 0, "bytes of chunk buffers all uploads may hold together (env DOLIUM_WRITE_BUDGET; default 64 MiB)")
	memLimit := fs.Int64("memory-limit", -1, "Go soft memory limit in bytes, 0 for none (env DOLIUM_MEMORY_LIMIT; default 192 MiB; GOMEMLIMIT wins)")
	readBudget := fs.Int64("read-budget", 0, "bytes of chunks all GETs may hold fetched and not yet sent (env DOLIUM_READ_BUDGET; default 64 MiB)")
	budgetWait := fs.Duration("budget-wait", 0, "longest wait for the write or read budget, then 503 SlowDown (env DOLIUM_BUDGET_WAIT; default 10s)")
	keyShare := fs.Float64("key-budget-share", 0, "fraction (0,1] of each budget one access key may hold (env DOLIUM_KEY_BUDGET_SHARE; default 0.5)")
	keyMax := fs.Int("key-max-requests", -1, "requests one access key may have in flight, 0 for no limit (env DOLIUM_KEY_MAX_REQUESTS; default 256)")
	bodyTimeout := fs.Duration("body-timeout", -1, "a request body with no progress this long fails with RequestTimeout, 0 for never (env DOLIUM_BODY_TIMEOUT; default 30s)")
	sendTimeout := fs.Duration("send-timeout", -1, "a response the client does not read this long is cut, 0 for never (env DOLIUM_SEND_TIMEOUT; default 30s)")
	maxHeader := fs.Int("max-header-bytes", 0, "bytes of request headers allowed (env DOLIUM_MAX_HEADER_BYTES; default 8192)")
	domains := fs.String("domains", "", "comma-separated domains for virtual-host-style requests, bucket.<domain> (env DOLIUM_DOMAINS)")
	store := fs.String("store", "", "embedded or cassandra (env DOLIUM_STORE; default embedded)")
	cHosts := fs.String("cassandra-hosts", "", "comma-separated Cassandra contact points host[:port] (env DOLIUM_CASSANDRA_HOSTS)")
	cKeyspace := fs.String("cassandra-keyspace", "", "keyspace (env DOLIUM_CASSANDRA_KEYSPACE; default dolium)")
	cDC := fs.String("cassandra-local-dc", "", "this gateway's data centre (env DOLIUM_CASSANDRA_LOCAL_DC)")
	cRepl := fs.String("cassandra-replication", "", "keyspace replication when dolium creates it: SimpleStrategy:N or NetworkTopologyStrategy:dc1=N,dc2=M (env DOLIUM_CASSANDRA_REPLICATION)")
	cCons := fs.String("cassandra-consistency", "", "read/write consistency (env DOLIUM_CASSANDRA_CONSISTENCY; default LOCAL_QUORUM)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if *path != "" {
		b, err := os.ReadFile(*path)
		if err != nil {
			return c, err
		}
		if err := yaml.Unmarshal(b, &c); err != nil {
			return c, fmt.Errorf("%s: %w", *path, err)
		}
	}
	for _, e := range envVars {
		if v := getenv(e.name); v != "" {
			if err := e.set(&c, v); err != nil {
				return c, fmt.Errorf("%s: %w", e.name, err)
			}
		}
	}
	if *domains != "" {
		c.Domains = splitList(*domains)
	}
	if *cHosts != "" {
		c.Cassandra.Hosts = splitList(*cHosts)
	}
	for p, v := range map[*string]string{&c.Store: *store, &c.Cassandra.Keyspace: *cKeyspace, &c.Cassandra.LocalDC: *cDC,
		&c.Cassandra.Replication: *cRepl, &c.Cassandra.Consistency: *cCons} {
		if v != "" {
			*p = v
		}
	}
	for p, v := range map[*string]string{&c.Listen: *listen, &c.Data: *data, &c.Region: *region, &c.LogLevel: *logLevel, &c.LogFormat: *logFormat} {
		if v != "" {
			*p = v
		}
	}
	if *chunk > 0 {
		c.ChunkSize = *chunk
	}
	if *gcInterval > 0 {
		c.GCInterval = *gcInterval
	}
	if *grace > 0 {
		c.UploadGrace = *grace
	}
	if *lcInterval > 0 {
		c.LifecycleInterval = *lcInterval
	}
	if *lcDay > 0 {
		c.LifecycleDay = *lcDay
	}
	if *reclaim > 0 {
		c.ReclaimDelay = *reclaim
	}
	if *completionTTL > 0 {
		c.CompletionTTL = *completionTTL
	}
	if *budget > 0 {
		c.WriteBudget = *budget
	}
	if *memLimit >= 0 {
		c.MemoryLimit = *memLimit
	}
	if *readBudget > 0 {
		c.ReadBudget = *readBudget
	}
	if *budgetWait > 0 {
		c.BudgetWait = *budgetWait
	}
	if *keyShare != 0 {
		c.KeyBudgetShare = *keyShare
	}
	if *keyMax >= 0 {
		c.KeyMaxRequests = *keyMax
	}
	if *bodyTimeout >= 0 {
		c.BodyTimeout = *bodyTimeout
	}
	if *sendTimeout >= 0 {
		c.SendTimeout = *sendTimeout
	}
	if *maxHeader > 0 {
		c.MaxHeaderBytes = *maxHeader
	}
	if c.KeyBudgetShare <= 0 || c.KeyBudgetShare > 1 {
		return c, fmt.Errorf("key budget share %v out of range (0, 1]", c.KeyBudgetShare)
	}
	if c.BudgetWait <= 0 || c.KeyMaxRequests < 0 || c.BodyTimeout < 0 || c.SendTimeout < 0 || c.MaxHeaderBytes < 1024 {
		return c, fmt.Errorf("budget wait must be positive, key max requests and timeouts not negative, max header bytes at least 1024")
	}
	if c.ChunkSize < 64<<10 || c.ChunkSize > 16<<20 {
		return c, fmt.Errorf("chunk size %d out of range [64 KiB, 16 MiB]", c.ChunkSize)
	}
	switch c.Store {
	case "embedded":
	case "cassandra":
		if len(c.Cassandra.Hosts) == 0 {
			c.Cassandra.Hosts = []string{"127.0.0.1:9042"}
		}
	default:
		return c, fmt.Errorf("store %q: want embedded or cassandra", c.Store)
	}
	if (c.Root.AccessKey == "") != (c.Root.SecretKey == "") {
		return c, fmt.Errorf("set both DOLIUM_ROOT_ACCESS_KEY and DOLIUM_ROOT_SECRET_KEY, or neither")
	}
	return c, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
