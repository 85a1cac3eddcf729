package fault

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
)

// tenant is an access key of its own owner.
type tenant struct {
	harness.Credentials
	owner string
}

func newTenant(owner string) tenant { return tenant{harness.RandomCredentials(), owner} }

// startConfigured starts dolium with a YAML config file holding the
// tenants' keys and the settings in yaml. Limits go in the file rather than
// on the command line, so that a build without them starts all the same
// (and fails the test's assertions rather than its start).
func startConfigured(t *testing.T, dataDir string, root harness.Credentials, yaml string, tenants ...tenant) *harness.Server {
	t.Helper()
	var b strings.Builder
	b.WriteString(yaml)
	b.WriteString("\nkeys:\n")
	for _, tn := range tenants {
		fmt.Fprintf(&b, "  - {access_key: %s, secret_key: %s, owner: %s}\n", tn.AccessKey, tn.SecretKey, tn.owner)
	}
	return harness.StartTest(t, harness.Options{DataDir: dataDir, Root: root, Config: b.String()})
}

// signed returns a request signed by c with payloadHash as
// x-amz-content-sha256; body may be nil.
func signed(ctx context.Context, method, url string, c harness.Credentials, payloadHash string, body []byte) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	return req, harness.Sign(req, c, harness.Region, payloadHash, time.Now())
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
func readResponse(conn net.Conn, req *http.Request) (harness.Response, error) {
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		return harness.Response{}, err
	}
	return harness.ReadResponse(resp)
}

// attack runs attacker connections until stopped.
type attack struct {
	srv    *harness.Server
	c      harness.Credentials
	stop   chan struct{}
	wg     sync.WaitGroup
	open   atomic.Int64 // connections sending or holding a request now
	answer sync.Map     // status code -> *atomic.Int64: answers the attackers got
}

func newAttack(srv *harness.Server, c harness.Credentials) *attack {
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
			a.count(r.Status)
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

func sampleRSS(s *harness.Server) *rssSampler {
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
	root := harness.RandomCredentials()
	mallory, alice := newTenant("mallory"), newTenant("alice")
	srv := startConfigured(t, filepath.Join(t.TempDir(), "data"), root, fmt.Sprintf(`
memory_limit: %d
body_timeout: 5s
send_timeout: 3s
budget_wait: 2s
`, memoryLimit), mallory, alice)
	ctx := harness.Context(t, 2*time.Minute)
	attacker, victim := harness.SDKClient(srv.Endpoint, mallory.Credentials), harness.SDKClient(srv.Endpoint, alice.Credentials)
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

// dialSend opens a connection and writes b on it.
func dialSend(t *testing.T, addr string, b []byte) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.Write(b); err != nil {
		t.Fatalf("write request: %v", err)
	}
	return conn
}

// startStall starts dolium with the budget settings in yaml and a bucket
// "stall", and returns the server, its root key and the root's client.
func startStall(t *testing.T, yaml string) (*harness.Server, harness.Credentials, *s3.Client) {
	t.Helper()
	root := harness.RandomCredentials()
	srv := startConfigured(t, filepath.Join(t.TempDir(), "data"), root, yaml)
	sdk := harness.SDKClient(srv.Endpoint, root)
	if _, err := sdk.CreateBucket(harness.Context(t, time.Minute), &s3.CreateBucketInput{Bucket: aws.String("stall")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	return srv, root, sdk
}

// TestStalledUpload: an upload whose body stops coming holds the only chunk
// buffer of the write budget. Another PUT waits budget_wait and gets 503
// SlowDown with Retry-After; the stalled one gets 400 RequestTimeout after
// body_timeout without progress, which frees the buffer for the next PUT.
func TestStalledUpload(t *testing.T) {
	const (
		bodyTimeout = 2 * time.Second
		budgetWait  = 500 * time.Millisecond
	)
	srv, root, sdk := startStall(t, fmt.Sprintf(`
write_budget: %d
key_budget_share: 1
body_timeout: %v
budget_wait: %v
`, 1<<20+5, bodyTimeout, budgetWait))
	ctx := harness.Context(t, time.Minute)

	req, err := signed(ctx, http.MethodPut, srv.Endpoint+"/stall/stalled", root, unsignedPayload, nil)
	if err != nil {
		t.Fatal(err)
	}
	stalled := dialSend(t, srv.Addr, append(head(req, 3*mib), bytes.Repeat([]byte("s"), 100)...))
	lastByte := time.Now()
	stalledResp := make(chan harness.Response, 1)
	go func() {
		stalled.SetReadDeadline(time.Now().Add(30 * time.Second))
		r, err := readResponse(stalled, req)
		if err != nil {
			r.Status = -1
			r.Body = []byte(err.Error())
		}
		stalledResp <- r
	}()
	time.Sleep(200 * time.Millisecond) // the stalled PUT takes the buffer

	body := []byte("waits for the budget")
	wreq, err := signed(ctx, http.MethodPut, srv.Endpoint+"/stall/waiting", root, sha256Hex(body), body)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	r := harness.Do(t, &http.Client{Timeout: 10 * time.Second}, wreq)
	wantError(t, "PUT while the budget is held", r, http.StatusServiceUnavailable, "SlowDown")
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("SlowDown without Retry-After; headers %v", r.Header)
	}
	if el := time.Since(start); el < budgetWait/2 || el > budgetWait+3*time.Second {
		t.Errorf("SlowDown came after %v, want about budget_wait (%v)", el, budgetWait)
	}

	r = <-stalledResp
	wantError(t, "stalled PUT body", r, http.StatusBadRequest, "RequestTimeout")
	if el := time.Since(lastByte); el < bodyTimeout || el > bodyTimeout+5*time.Second {
		t.Errorf("RequestTimeout came %v after the last byte, want about body_timeout (%v)", el, bodyTimeout)
	}

	// The buffer is free again: the next PUT goes through at once.
	wreq, _ = signed(ctx, http.MethodPut, srv.Endpoint+"/stall/after", root, sha256Hex(body), body)
	start = time.Now()
	if r := harness.Do(t, &http.Client{Timeout: 10 * time.Second}, wreq); r.Status != http.StatusOK {
		t.Errorf("PUT after the stalled one timed out: got %d %q, want 200; body %.300s", r.Status, errCode(r.Body), r.Body)
	} else if el := time.Since(start); el > budgetWait {
		t.Errorf("PUT after the stalled one took %v, want no wait for the budget", el)
	}
	objs, err := listAll(ctx, sdk, "stall")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := objs["stalled"]; ok || len(objs) != 1 {
		t.Errorf("objects after the stalled upload: %v, want only \"after\"", objs)
	}
}

// TestStalledReader: a GET whose client stops reading holds the read
// budget (here one chunk). Another GET waits budget_wait and gets 503
// SlowDown; after send_timeout without progress the stalled response is
// cut, its chunks given back, and GETs are served again.
func TestStalledReader(t *testing.T) {
	const (
		sendTimeout = 2 * time.Second
		budgetWait  = 500 * time.Millisecond
		size        = 16 * mib
	)
	srv, root, sdk := startStall(t, fmt.Sprintf(`
read_budget: %d
key_budget_share: 1
send_timeout: %v
budget_wait: %v
`, 1<<20+5, sendTimeout, budgetWait))
	ctx := harness.Context(t, time.Minute)
	big := pattern{seed: 3, size: size}
	if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String("stall"), Key: aws.String("big"), Body: big.reader()}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}

	req, err := signed(ctx, http.MethodGet, srv.Endpoint+"/stall/big", root, emptySHA256, nil)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.DialTimeout("tcp", srv.Addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.(*net.TCPConn).SetReadBuffer(4 << 10) // a client that reads nothing, with little kernel buffer
	if _, err := conn.Write(head(req, -1)); err != nil {
		t.Fatal(err)
	}
	stalledAt := time.Now()
	time.Sleep(300 * time.Millisecond)

	greq, _ := signed(ctx, http.MethodGet, srv.Endpoint+"/stall/big", root, emptySHA256, nil)
	r := harness.Do(t, &http.Client{Timeout: 10 * time.Second}, greq)
	wantError(t, "GET while a stalled reader holds the read budget", r, http.StatusServiceUnavailable, "SlowDown")
	if r.Header.Get("Retry-After") == "" {
		t.Errorf("SlowDown without Retry-After; headers %v", r.Header)
	}

	// The stalled response is cut after send_timeout, which gives its
	// chunk back: GETs are served again (the stalled client never read,
	// so nothing else could have ended its response).
	time.Sleep(time.Until(stalledAt.Add(sendTimeout + time.Second)))
	sum, n, err := readBack(ctx, sdk, "stall", "big")
	if err != nil || n != size || sum != big.sha256() {
		t.Errorf("GET after the stalled reader was cut: %d bytes, %v; want the %d-byte object", n, err, int64(size))
	}
}

// TestHeaderSize: a request with more than 8 KiB of headers gets AWS's
// 400 RequestHeaderSectionTooLarge (with MaxSizeAllowed), not net/http's
// plain-text 431; one just under goes through.
func TestHeaderSize(t *testing.T) {
	h := newBadInput(t)
	ctx := harness.Context(t, 30*time.Second)
	for _, tc := range []struct {
		pad    int
		status int
		code   string
	}{
		{6 << 10, http.StatusOK, ""},
		{9 << 10, http.StatusBadRequest, "RequestHeaderSectionTooLarge"},
		{40 << 10, http.StatusBadRequest, "RequestHeaderSectionTooLarge"},
	} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.url(h.bucket, keepKey, "").String(), nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Pad", strings.Repeat("p", tc.pad))
		sign(t, req, h.root, emptySHA256, time.Now())
		r := h.do(t, req)
		what := fmt.Sprintf("GET with a %d-byte header", tc.pad)
		if tc.status == http.StatusOK {
			if r.Status != http.StatusOK || !bytes.Equal(r.Body, h.keep) {
				t.Errorf("%s: got %d %q, want 200 with keep's content", what, r.Status, errCode(r.Body))
			}
			continue
		}
		wantError(t, what, r, tc.status, tc.code)
		if !bytes.Contains(r.Body, []byte("<MaxSizeAllowed>8192</MaxSizeAllowed>")) {
			t.Errorf("%s: body lacks <MaxSizeAllowed>8192</MaxSizeAllowed>: %.300s", what, r.Body)
		}
	}
}
