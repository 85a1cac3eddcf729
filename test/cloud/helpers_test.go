package cloud

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/test/faultproxy"
	"github.com/dolium/dolium/test/harness"
)

const (
	zoneBucket = "zone"    // the bucket every cloud keeps its zone's shards in
	zonePrefix = "dolium/" // the zones' key prefix
	testBucket = "data"    // the bucket the tests write through the gateway
	chunkSize  = 1 << 20   // the placements' chunk size
	mib        = 1 << 20
)

func TestMain(m *testing.M) {
	// The scenarios mostly wait (zone timeouts, minio-go's retries against
	// a refusing zone, repair intervals), so run them all at once rather
	// than GOMAXPROCS at a time, unless -parallel is given.
	flag.Parse()
	parallelSet := false
	flag.Visit(func(f *flag.Flag) { parallelSet = parallelSet || f.Name == "test.parallel" })
	if !parallelSet {
		flag.Set("test.parallel", "16")
	}
	minioBin, minioErr = installMinIO()
	os.Exit(harness.Main(m))
}

// cloud is one zone: an S3 server process (dolium on its embedded store,
// or MinIO), reached by the gateway only through a fault proxy.
type cloud struct {
	name   string
	srv    *zoneServer
	proxy  *faultproxy.Proxy
	root   harness.Credentials
	direct *s3.Client // straight to the cloud, bypassing the proxy
}

// startClouds starts n dolium clouds, each with a proxy in front,
// concurrently.
func startClouds(t *testing.T, n int) []*cloud { return startCloudsOf(t, kindDolium, n) }

// startCloudsOf starts n clouds of a kind (kindDolium or kindMinIO).
func startCloudsOf(t *testing.T, kind string, n int) []*cloud {
	t.Helper()
	if _, err := harness.Binary(); err != nil {
		t.Fatal(err)
	}
	if kind == kindMinIO && minioErr != nil {
		t.Fatalf("installing MinIO: %v", minioErr)
	}
	clouds := make([]*cloud, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		c := &cloud{name: fmt.Sprintf("z%d", i), root: harness.RandomCredentials()}
		clouds[i] = c
		c.srv = &zoneServer{kind: kind, dir: t.TempDir(), root: c.root}
		wg.Go(func() { errs[i] = c.srv.start() })
	}
	wg.Wait()
	for i, c := range clouds {
		s := c.srv
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("tail of cloud %s (%s) output:\n%s", c.name, s.kind, s.logTail(15))
			}
			s.kill()
		})
		if errs[i] != nil {
			t.Fatalf("starting cloud %s (%s): %v", c.name, kind, errs[i])
		}
	}
	for _, c := range clouds {
		p, err := faultproxy.Start("127.0.0.1:0", c.srv.addr())
		if err != nil {
			t.Fatalf("proxy for cloud %s: %v", c.name, err)
		}
		t.Cleanup(func() { p.Close() })
		c.proxy = p
		c.direct = sdkClient("http://"+c.srv.addr(), c.root)
	}
	return clouds
}

// placementYAML is one placement policy over all the clouds.
type placementYAML struct {
	name        string
	scheme      string // erasure or replicate
	data        int    // erasure k
	parity      int    // erasure m
	writeQuorum int
}

// gw is the gateway under test and what it needs to be restarted.
type gw struct {
	t         *testing.T
	clouds    []*cloud
	placement placementYAML
	dataDir   string
	root      harness.Credentials
	cfgPath   string
	srv       *harness.Server
	client    *s3.Client
}

// startGateway writes the config (zones pointing at the proxies, the
// placement, default_placement, repair_interval 1s and scrubInterval),
// starts the gateway on a fresh data dir and creates testBucket.
func startGateway(t *testing.T, clouds []*cloud, p placementYAML, scrubInterval string) *gw {
	t.Helper()
	dir := t.TempDir()
	g := &gw{t: t, clouds: clouds, placement: p, dataDir: filepath.Join(dir, "data"),
		root: harness.RandomCredentials(), cfgPath: filepath.Join(dir, "dolium.yaml")}
	g.writeConfig(scrubInterval)
	g.start()
	ctx := harness.Context(t, 30*time.Second)
	if _, err := g.client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return g
}

// writeConfig (re)writes the gateway's config file.
func (g *gw) writeConfig(scrubInterval string) {
	g.t.Helper()
	p := g.placement
	var b strings.Builder
	b.WriteString("log_level: info\nzones:\n")
	for _, c := range g.clouds {
		fmt.Fprintf(&b, "  - name: %s\n    s3:\n      endpoint: \"http://%s\"\n      region: %s\n      access_key: %q\n      secret_key: %q\n      bucket: %s\n      prefix: %q\n      path_style: true\n      create_bucket: true\n",
			c.name, c.proxy.Addr(), harness.Region, c.root.AccessKey, c.root.SecretKey, zoneBucket, zonePrefix)
	}
	fmt.Fprintf(&b, "placements:\n  - name: %s\n    scheme: %s\n", p.name, p.scheme)
	if p.scheme == "erasure" {
		fmt.Fprintf(&b, "    data: %d\n    parity: %d\n", p.data, p.parity)
	}
	if p.writeQuorum > 0 {
		fmt.Fprintf(&b, "    write_quorum: %d\n", p.writeQuorum)
	}
	b.WriteString("    zones: [")
	for i, c := range g.clouds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.name)
	}
	fmt.Fprintf(&b, "]\n    chunk_size: %d\n", chunkSize)
	fmt.Fprintf(&b, "default_placement: %s\nrepair_interval: 1s\nscrub_interval: %s\nscrub_rate: 0\nzone_probe_interval: 1s\n", p.name, scrubInterval)
	if err := os.WriteFile(g.cfgPath, []byte(b.String()), 0o600); err != nil {
		g.t.Fatal(err)
	}
}

// start (re)starts the gateway process on its data dir.
func (g *gw) start() {
	g.t.Helper()
	g.srv = harness.StartTest(g.t, harness.Options{DataDir: g.dataDir, Root: g.root, Args: []string{"--config", g.cfgPath},
		HealthTimeout: 60 * time.Second})
	g.client = sdkClient(g.srv.Endpoint, g.root)
}

// sdkClient is an S3 client of endpoint whose calls give up after three
// minutes.
func sdkClient(endpoint string, c harness.Credentials) *s3.Client {
	return harness.SDKClient(endpoint, c, harness.WithTimeout(3*time.Minute))
}

// obj is an object the gateway acknowledged, with its content's digest.
type obj struct {
	bucket    string // "" = testBucket
	key       string
	size      int
	multipart bool
	sum       [32]byte
}

func (o obj) bkt() string {
	if o.bucket == "" {
		return testBucket
	}
	return o.bucket
}

// payload is size bytes of deterministic pseudo-random content for seed.
func payload(seed string, size int) []byte {
	var key [32]byte
	h := sha256.Sum256([]byte(seed))
	copy(key[:], h[:])
	binary.LittleEndian.PutUint64(key[24:], uint64(size))
	b := make([]byte, size)
	rand.NewChaCha8(key).Read(b)
	return b
}

// standardSet is the object sizes every scenario writes: empty, 1 KiB,
// 3.5 MiB (four chunks) and a 12 MiB multipart upload (parts 5+5+2 MiB).
func standardSet(prefix string) []obj {
	return []obj{
		{key: prefix + "empty", size: 0},
		{key: prefix + "small-1k", size: 1 << 10},
		{key: prefix + "multi-3.5m", size: 7 * mib / 2},
		{key: prefix + "mpu-12m", size: 12 * mib, multipart: true},
	}
}

// put writes o (a PutObject or a multipart upload) and fills in its digest.
func put(ctx context.Context, c *s3.Client, o *obj) error {
	bucket := o.bkt()
	data := payload(bucket+"/"+o.key, o.size)
	o.sum = sha256.Sum256(data)
	if !o.multipart {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(o.key),
			Body: bytes.NewReader(data), ContentLength: aws.Int64(int64(len(data)))})
		if err != nil {
			return fmt.Errorf("put %s (%d bytes): %w", o.key, o.size, err)
		}
		return nil
	}
	cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(o.key)})
	if err != nil {
		return fmt.Errorf("create multipart %s: %w", o.key, err)
	}
	const part = 5 * mib
	var parts []s3types.CompletedPart
	for n, off := int32(1), 0; off < len(data); n, off = n+1, off+part {
		end := min(off+part, len(data))
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(o.key), UploadId: cr.UploadId,
			PartNumber: aws.Int32(n), Body: bytes.NewReader(data[off:end]), ContentLength: aws.Int64(int64(end - off))})
		if err != nil {
			return fmt.Errorf("upload part %d of %s: %w", n, o.key, err)
		}
		parts = append(parts, s3types.CompletedPart{ETag: up.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(o.key),
		UploadId: cr.UploadId, MultipartUpload: &s3types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		return fmt.Errorf("complete multipart %s: %w", o.key, err)
	}
	return nil
}

// putAll writes objs concurrently and returns those acknowledged; every
// failure is a test error.
func putAll(t *testing.T, ctx context.Context, c *s3.Client, objs []obj) []obj {
	t.Helper()
	errs := make([]error, len(objs))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range objs {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			errs[i] = put(ctx, c, &objs[i])
		})
	}
	wg.Wait()
	var acked []obj
	for i, err := range errs {
		if err != nil {
			t.Errorf("write not acknowledged: %v", err)
			continue
		}
		acked = append(acked, objs[i])
	}
	return acked
}

// get reads an object through c and returns its digest and size.
func get(ctx context.Context, c *s3.Client, bucket, key string) ([32]byte, int64, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return [32]byte{}, 0, err
	}
	defer out.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, out.Body)
	if err != nil {
		return [32]byte{}, n, err
	}
	var s [32]byte
	copy(s[:], h.Sum(nil))
	return s, n, nil
}

// verifyAll reads every acknowledged object through the gateway and
// compares digests: zero lost, zero wrong.
func verifyAll(t *testing.T, ctx context.Context, c *s3.Client, objs []obj) {
	t.Helper()
	lost, wrong := 0, 0
	for _, o := range objs {
		s, n, err := get(ctx, c, o.bkt(), o.key)
		switch {
		case err != nil:
			lost++
			t.Errorf("GET %s: %v", o.key, err)
		case s != o.sum || n != int64(o.size):
			wrong++
			t.Errorf("GET %s: %d bytes sha256 %x, want %d bytes sha256 %x", o.key, n, s[:8], o.size, o.sum[:8])
		}
	}
	t.Logf("verified %d acknowledged objects: %d lost, %d wrong", len(objs), lost, wrong)
}

// report fetches the redundancy report (bucket "" = all), root-signed.
func (g *gw) report(ctx context.Context, bucket string) (upkeep.Redundancy, error) {
	var r upkeep.Redundancy
	u := g.srv.Endpoint + "/_dolium/admin/redundancy"
	if bucket != "" {
		u += "?bucket=" + bucket
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return r, err
	}
	empty := sha256.Sum256(nil)
	if err := harness.Sign(req, g.root, harness.Region, hex.EncodeToString(empty[:]), time.Now()); err != nil {
		return r, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return r, err
	}
	res, err := harness.ReadResponse(resp)
	if err != nil {
		return r, err
	}
	if res.Status != http.StatusOK {
		return r, fmt.Errorf("redundancy report: %s: %s", resp.Status, strings.TrimSpace(string(res.Body)))
	}
	if err := json.Unmarshal(res.Body, &r); err != nil {
		return r, fmt.Errorf("redundancy report: %w: %s", err, res.Body)
	}
	return r, nil
}

func fmtReport(r upkeep.Redundancy) string {
	s := fmt.Sprintf("objects=%d fully_redundant=%d degraded=%d unavailable=%d lost=%d single_store=%d chunks=%d chunks_degraded=%d chunks_unavailable=%d chunks_lost=%d repair_queue=%d degraded_objects=%v unavailable_objects=%v lost_objects=%v",
		r.Objects, r.FullyRedundant, r.Degraded, r.Unavailable, r.Lost, r.SingleStore, r.Chunks, r.ChunksDegraded, r.ChunksUnavailable, r.ChunksLost, r.RepairQueue,
		r.DegradedObjects, r.UnavailableObjects, r.LostObjects)
	for _, rb := range r.Rebuilds {
		s += fmt.Sprintf(" rebuild[%s running=%v %d/%d chunks %d bytes failed=%d]", rb.Zone, rb.Running, rb.ChunksDone, rb.ChunksTotal, rb.Bytes, rb.ChunksFailed)
	}
	return s
}

// placedCount is the number of objects with data, i.e. those the report
// can check in the zones. (An empty object has no chunks; see emptyOK.)
func placedCount(objs []obj) (n int) {
	for _, o := range objs {
		if o.size > 0 {
			n++
		}
	}
	return n
}

// chunkCount is the number of chunks objs have at chunkSize.
func chunkCount(objs []obj) (n int) {
	for _, o := range objs {
		n += (o.size + chunkSize - 1) / chunkSize
	}
	return n
}

// fullyRedundant reports whether r shows every one of objs fully redundant
// with nothing queued. Empty objects have no chunk to place: they count
// as fully redundant or as single-store.
func fullyRedundant(r upkeep.Redundancy, objs []obj) bool {
	empty := len(objs) - placedCount(objs)
	return r.Objects == len(objs) && r.Degraded == 0 && r.Unavailable == 0 && r.Lost == 0 && r.ChunksDegraded == 0 &&
		r.ChunksUnavailable == 0 && r.ChunksLost == 0 &&
		r.RepairQueue == 0 && r.FullyRedundant+r.SingleStore == len(objs) && r.SingleStore <= empty &&
		r.Chunks == chunkCount(objs)
}

// waitFullyRedundant polls the report until every object is fully
// redundant with an empty repair queue, failing the test after timeout.
func (g *gw) waitFullyRedundant(t *testing.T, objs []obj, timeout time.Duration) upkeep.Redundancy {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	var last upkeep.Redundancy
	var lastErr error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		last, lastErr = g.report(ctx, "")
		cancel()
		if lastErr == nil && fullyRedundant(last, objs) {
			t.Logf("fully redundant after %v: %s", time.Since(start).Round(100*time.Millisecond), fmtReport(last))
			return last
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("not fully redundant after %v (want %d objects, %d chunks, nothing degraded or lost or queued): last report %s, err %v",
		timeout, len(objs), chunkCount(objs), fmtReport(last), lastErr)
	return last
}

// zoneKeys lists the shard (or copy) keys a cloud holds, straight from
// the cloud, keyed by the key with its object size.
func (c *cloud) zoneKeys(ctx context.Context) (map[string]int64, error) {
	keys := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(c.direct, &s3.ListObjectsV2Input{Bucket: aws.String(zoneBucket), Prefix: aws.String(zonePrefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("list cloud %s: %w", c.name, err)
		}
		for _, o := range page.Contents {
			keys[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	return keys, nil
}

// dataIDs returns the data ids a cloud holds chunks of.
func dataIDs(keys map[string]int64) []string {
	set := map[string]bool{}
	for k := range keys {
		id, _, _ := strings.Cut(strings.TrimPrefix(k, zonePrefix), "/")
		set[id] = true
	}
	var ids []string
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// shardKey is the key of chunk index of dataID in a zone.
func shardKey(dataID string, index int) string {
	return fmt.Sprintf("%s%s/%08d", zonePrefix, dataID, index)
}

// getRaw and putRaw read and write a zone object straight at the cloud.
func (c *cloud) getRaw(ctx context.Context, key string) ([]byte, error) {
	out, err := c.direct.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(zoneBucket), Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

func (c *cloud) putRaw(ctx context.Context, key string, b []byte) error {
	_, err := c.direct.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(zoneBucket), Key: aws.String(key),
		Body: bytes.NewReader(b), ContentLength: aws.Int64(int64(len(b)))})
	return err
}

// expectedKeys is how many shard keys each zone holds for objs.
func expectedKeys(objs []obj) int { return chunkCount(objs) }

// countKeys counts a cloud's keys, failing the test on error.
func (c *cloud) countKeys(t *testing.T, ctx context.Context) int {
	t.Helper()
	keys, err := c.zoneKeys(ctx)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return len(keys)
}
