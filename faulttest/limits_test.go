package faulttest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// tenant is an access key of its own owner.
type tenant struct {
	Credentials
	owner string
}

func newTenant(owner string) tenant { return tenant{RandomCredentials(), owner} }

// startConfigured starts dolium with a YAML config file holding the
// tenants' keys and the settings in yaml. Limits go in the file rather than
// on the command line, so that a build without them starts all the same
// (and fails the test's assertions rather than its start).
func startConfigured(t *testing.T, dataDir string, root Credentials, yaml string, tenants ...tenant) *Server {
	t.Helper()
	var b strings.Builder
	b.WriteString(yaml)
	b.WriteString("\nkeys:\n")
	for _, tn := range tenants {
		fmt.Fprintf(&b, "  - {access_key: %s, secret_key: %s, owner: %s}\n", tn.AccessKey, tn.SecretKey, tn.owner)
	}
	file := filepath.Join(t.TempDir(), "dolium.yaml")
	if err := os.WriteFile(file, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return startServer(t, dataDir, root, "--config", file)
}

// signed returns a request signed by c with payloadHash as
// x-amz-content-sha256; body may be nil.
func signed(ctx context.Context, method, url string, c Credentials, payloadHash string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	err = s.SignHTTP(ctx, aws.Credentials{AccessKeyID: c.AccessKey, SecretAccessKey: c.SecretKey}, req, payloadHash, "s3", region, time.Now())
	return req, err
}

// head is req's request line and header section as sent on the wire, with
// contentLength as Content-Length (none if negative).
func head(req *http.Request, contentLength int64) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", req.Method, req.URL.RequestURI(), req.URL.Host)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	if contentLength >= 0 {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", contentLength)
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// readResponse reads one response from conn whole.
func readResponse(conn net.Conn, req *http.Request) (rawResp, error) {
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return rawResp{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return rawResp{resp.StatusCode, resp.Header, b}, err
}

// attack runs attacker connections until stopped.
type attack struct {
	srv    *Server
	c      Credentials
	stop   chan struct{}
	wg     sync.WaitGroup
	open   atomic.Int64 // connections sending or holding a request now
	answer sync.Map     // status code -> *atomic.Int64: answers the attackers got
}

func newAttack(srv *Server, c Credentials) *attack {
	return &attack{srv: srv, c: c, stop: make(chan struct{})}
}

func (a *attack) count(status int) {
	v, _ := a.answer.LoadOrStore(status, new(atomic.Int64))
	v.(*atomic.Int64).Add(1)
}

func (a *attack) answers() map[int]int64 {
	m := map[int]int64{}
	a.answer.Range(func(k, v any) bool {
		m[k.(int)] = v.(*atomic.Int64).Load()
		return true
	})
	return m
}

func (a *attack) stopped() bool {
	select {
	case <-a.stop:
		return true
	default:
		return false
	}
}

// pause waits d or until the attack stops; it reports whether to go on.
func (a *attack) pause(d time.Duration) bool {
	select {
	case <-a.stop:
		return false
	case <-time.After(d):
		return true
	}
}

// trickle keeps one PUT open that declares size bytes and sends one byte a
// second; when the server answers (or cuts it), it opens another.
func (a *attack) trickle(url string, size int64) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for !a.stopped() {
			a.trickleOnce(url, size)
			if !a.pause(200 * time.Millisecond) {
				return
			}
		}
	}()
}

func (a *attack) trickleOnce(url string, size int64) {
	req, err := signed(context.Background(), http.MethodPut, url, a.c, unsignedPayload, nil)
	if err != nil {
		return
	}
	conn, err := net.DialTimeout("tcp", a.srv.Addr, 5*time.Second)
	if err != nil {
		return
	}
	defer conn.Close()
	if _, err := conn.Write(head(req, size)); err != nil {
		return
	}
	a.open.Add(1)
	defer a.open.Add(-1)
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		if r, err := readResponse(conn, req); err == nil {
			a.count(r.status)
		}
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-a.stop:
			return
		case <-answered:
			return
		case <-tick.C:
			if _, err := conn.Write([]byte{'x'}); err != nil {
				return
			}
		}
	}
}

// stall keeps one GET of url open without ever reading its response; each
// connection is held for hold, then replaced by a fresh one.
func (a *attack) stall(url string, hold time.Duration) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		for !a.stopped() {
			req, err := signed(context.Background(), http.MethodGet, url, a.c, emptySHA256, nil)
			if err != nil {
				return
			}
			conn, err := net.DialTimeout("tcp", a.srv.Addr, 5*time.Second)
			if err != nil {
				a.pause(200 * time.Millisecond)
				continue
			}
			if _, err := conn.Write(head(req, -1)); err == nil {
				a.open.Add(1)
				a.pause(hold)
				a.open.Add(-1)
			}
			conn.Close()
		}
	}()
}

func (a *attack) end() {
	close(a.stop)
	a.wg.Wait()
}

// p99 is the 99th percentile of ds (which it sorts).
func p99(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := (len(ds)*99 + 99) / 100
	return ds[min(i, len(ds))-1]
}

// victimLoad PUTs and GETs objects of size bytes in turn for d, and returns
// each request's latency and the errors.
func victimLoad(ctx context.Context, c *s3.Client, bucket string, size int, d time.Duration) (puts, gets []time.Duration, errs []error) {
	data := make([]byte, size)
	pattern{seed: 9, size: int64(size)}.ReadAt(data, 0)
	for i, end := 0, time.Now().Add(d); time.Now().Before(end); i++ {
		key := fmt.Sprintf("v%04d", i)
		rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		start := time.Now()
		_, err := c.PutObject(rctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)})
		puts = append(puts, time.Since(start))
		cancel()
		if err != nil {
			errs = append(errs, fmt.Errorf("PUT %s: %w", key, err))
			continue
		}
		rctx, cancel = context.WithTimeout(ctx, 20*time.Second)
		start = time.Now()
		sum, n, err := readBack(rctx, c, bucket, key)
		gets = append(gets, time.Since(start))
		cancel()
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("GET %s: %w", key, err))
		case n != int64(size) || sum != sha256Hex(data):
			errs = append(errs, fmt.Errorf("GET %s: %d bytes sha256 %s, want %d bytes %s", key, n, sum, size, sha256Hex(data)))
		}
	}
	return puts, gets, errs
}

// rssSampler records the process's largest RSS while it runs.
type rssSampler struct {
	max  atomic.Int64
	stop chan struct{}
	done chan struct{}
}

func sampleRSS(s *Server) *rssSampler {
	r := &rssSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(r.done)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if cur, _, err := s.RSS(); err == nil && cur > r.max.Load() {
				r.max.Store(cur)
			}
			select {
			case <-r.stop:
				return
			case <-t.C:
			}
		}
	}()
	return r
}

func (r *rssSampler) end() int64 {
	close(r.stop)
	<-r.done
	return r.max.Load()
}

const mib = 1 << 20

// TestOneKeyCannotStall is issue 7's Stall and Memory cases at once: one
// access key opens 75 PUTs that declare 10 MiB and send a byte a second,
// and 200 GETs of a 16 MiB object that never read, reconnecting whenever
// the gateway lets one go. Meanwhile another key's PUTs and GETs must keep
// their latency (p99, printed with and without the attack) and succeed,
// and the gateway's RSS must stay under its memory limit.
func TestOneKeyCannotStall(t *testing.T) {
	const (
		memoryLimit = 192 * mib
		tricklers   = 75
		stallers    = 200
		bigSize     = 16 * mib
		victimSize  = 512 << 10
		phase       = 6 * time.Second
		p99Bound    = 3 * time.Second
	)
	root := RandomCredentials()
	mallory, alice := newTenant("mallory"), newTenant("alice")
	srv := startConfigured(t, filepath.Join(t.TempDir(), "data"), root, fmt.Sprintf(`
memory_limit: %d
body_timeout: 5s
send_timeout: 3s
budget_wait: 2s
`, memoryLimit), mallory, alice)
	ctx := testCtx(t, 2*time.Minute)
	attacker, victim := sdkClient(srv.Endpoint, mallory.Credentials), sdkClient(srv.Endpoint, alice.Credentials)
	for c, b := range map[*s3.Client]string{attacker: "mallory", victim: "alice"} {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("CreateBucket %s: %v", b, err)
		}
	}
	big := pattern{seed: 16, size: bigSize}
	if _, err := attacker.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("mallory"), Key: aws.String("big"), Body: big.reader()}); err != nil {
		t.Fatalf("PutObject big: %v", err)
	}

	basePuts, baseGets, errs := victimLoad(ctx, victim, "alice", victimSize, phase)
	for _, err := range errs {
		t.Errorf("without attack: %v", err)
	}
	basePut, baseGet := p99(basePuts), p99(baseGets)

	rss := sampleRSS(srv)
	a := newAttack(srv, mallory.Credentials)
	for i := range tricklers {
		a.trickle(fmt.Sprintf("%s/mallory/trickle-%d", srv.Endpoint, i), 10*mib)
	}
	for range stallers {
		a.stall(srv.Endpoint+"/mallory/big", 6*time.Second)
	}
	time.Sleep(3 * time.Second) // let the attack take hold
	openAtStart := a.open.Load()
	puts, gets, errs := victimLoad(ctx, victim, "alice", victimSize, phase)
	openAtEnd := a.open.Load()
	a.end()
	peak := rss.end()
	_, hwm, _ := srv.RSS()
	for _, err := range errs {
		t.Errorf("under attack: %v", err)
	}
	attackPut, attackGet := p99(puts), p99(gets)
	t.Logf("victim p99 without attack: PUT %v, GET %v (%d requests)", basePut, baseGet, len(basePuts)+len(baseGets))
	t.Logf("victim p99 under attack:   PUT %v, GET %v (%d requests)", attackPut, attackGet, len(puts)+len(gets))
	t.Logf("attacker connections open: %d when the victim started, %d when it ended; answers to the attacker: %v", openAtStart, openAtEnd, a.answers())
	t.Logf("gateway RSS: peak sampled during the attack %d MiB, VmHWM %d MiB; memory limit %d MiB", peak/mib, hwm/mib, memoryLimit/mib)

	if openAtStart < 100 {
		t.Errorf("attacker connections open when the victim started = %d, want at least 100 (the attack did not take hold)", openAtStart)
	}
	if len(puts) < 5 {
		t.Errorf("victim requests under attack: %d PUTs in %v, want at least 5", len(puts), phase)
	}
	for _, p := range []struct {
		what string
		got  time.Duration
	}{{"PUT", attackPut}, {"GET", attackGet}} {
		if p.got > p99Bound {
			t.Errorf("victim %s p99 under attack = %v, want at most %v", p.what, p.got, p99Bound)
		}
	}
	if peak >= memoryLimit {
		t.Errorf("gateway RSS peaked at %d MiB under attack, want under the memory limit of %d MiB", peak/mib, memoryLimit/mib)
	}
	if srv.Exited() {
		t.Errorf("dolium exited during the attack")
	}
}
