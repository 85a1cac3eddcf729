package faultproxy_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dolium/dolium/test/faultproxy"
)

// echoServer accepts connections and writes back what it reads.
func echoServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
	return ln.Addr().String()
}

// httpServer serves GET /?n=N with N bytes of a fixed pattern.
func httpServer(t *testing.T) string {
	t.Helper()
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, _ := strconv.Atoi(r.URL.Query().Get("n"))
		w.Header().Set("Content-Length", strconv.Itoa(n))
		w.Write(pattern(n))
	}))
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return b
}

func start(t *testing.T, target string) *faultproxy.Proxy {
	t.Helper()
	p, err := faultproxy.Start("127.0.0.1:0", target)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return p
}

func client(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{DisableKeepAlives: true}}
}

// get fetches n bytes through p and checks them.
func get(t *testing.T, c *http.Client, p *faultproxy.Proxy, n int) error {
	t.Helper()
	resp, err := c.Get(fmt.Sprintf("http://%s/?n=%d", p.Addr(), n))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if !bytes.Equal(b, pattern(n)) {
		return fmt.Errorf("got %d bytes, want %d bytes of the pattern", len(b), n)
	}
	return nil
}

func mustGet(t *testing.T, c *http.Client, p *faultproxy.Proxy, n int) {
	t.Helper()
	if err := get(t, c, p, n); err != nil {
		t.Fatalf("GET %d bytes through the proxy: %v", n, err)
	}
}

// dialEcho opens a connection through p and checks one echo on it.
func dialEcho(t *testing.T, p *faultproxy.Proxy) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	echo(t, c, "hello")
	return c
}

func echo(t *testing.T, c net.Conn, msg string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatalf("Write = %v", err)
	}
	got := make([]byte, len(msg))
	if _, err := io.ReadFull(c, got); err != nil || string(got) != msg {
		t.Fatalf("echo = %q, %v; want %q", got, err, msg)
	}
}

// mustBeCut checks that c fails, not times out, within a second.
func mustBeCut(t *testing.T, c net.Conn) {
	t.Helper()
	c.SetDeadline(time.Now().Add(time.Second))
	c.Write([]byte("x")) // may fail already
	n, err := c.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("Read on a cut connection = %d, %v; want EOF or a reset", n, err)
	}
}

func TestPass(t *testing.T) {
	p := start(t, echoServer(t))
	c := dialEcho(t, p)
	echo(t, c, string(pattern(1<<20)))

	h := start(t, httpServer(t))
	mustGet(t, client(5*time.Second), h, 3<<20)
}

func TestHalfClose(t *testing.T) {
	p := start(t, echoServer(t))
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	c.Write([]byte("last words"))
	c.(*net.TCPConn).CloseWrite()
	got, err := io.ReadAll(c)
	if err != nil || string(got) != "last words" {
		t.Fatalf("reply after CloseWrite = %q, %v; want %q, nil", got, err, "last words")
	}
}

func TestRefuse(t *testing.T) {
	p := start(t, httpServer(t))
	c := client(5 * time.Second)
	mustGet(t, c, p, 10)

	p.SetMode(faultproxy.Refuse)
	t0 := time.Now()
	err := get(t, c, p, 10)
	if elapsed := time.Since(t0); err == nil || elapsed > time.Second {
		t.Fatalf("GET while refusing = %v after %v, want an error in under 1s", err, elapsed)
	}
	t.Logf("GET while refusing: %v after %v", err, time.Since(t0))

	p.SetMode(faultproxy.Pass)
	mustGet(t, c, p, 10)
}

func TestRefuseCutsOpen(t *testing.T) {
	p := start(t, echoServer(t))
	c := dialEcho(t, p)
	p.SetMode(faultproxy.Refuse)
	mustBeCut(t, c)
}

func TestTargetDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	target := ln.Addr().String()
	ln.Close()
	p := start(t, target)
	// The reset may come before the dial returns, or after.
	c, err := net.Dial("tcp", p.Addr())
	if err != nil {
		return
	}
	defer c.Close()
	mustBeCut(t, c)
}

func TestBlackhole(t *testing.T) {
	p := start(t, httpServer(t))
	mustGet(t, client(5*time.Second), p, 10)

	p.SetMode(faultproxy.Blackhole)
	const timeout = 300 * time.Millisecond
	t0 := time.Now()
	err := get(t, client(timeout), p, 10)
	elapsed := time.Since(t0)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || elapsed < timeout {
		t.Fatalf("GET while blackholed = %v after %v, want a timeout after %v", err, elapsed, timeout)
	}

	p.SetMode(faultproxy.Pass)
	mustGet(t, client(5*time.Second), p, 10)
}

// TestBlackholeOpen checks that a connection open before the partition
// hangs, as across a real partition, rather than failing fast.
func TestBlackholeOpen(t *testing.T) {
	p := start(t, echoServer(t))
	c := dialEcho(t, p)
	p.SetMode(faultproxy.Blackhole)
	c.SetDeadline(time.Now().Add(300 * time.Millisecond))
	if _, err := c.Write([]byte("anyone?")); err != nil {
		t.Fatalf("Write while blackholed = %v, want it accepted", err)
	}
	n, err := c.Read(make([]byte, 10))
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("Read while blackholed = %d, %v; want a timeout", n, err)
	}
	// Ending the partition resets what it held, so no client waits on.
	p.SetMode(faultproxy.Pass)
	mustBeCut(t, c)
	dialEcho(t, p)
}

func TestSlow(t *testing.T) {
	p := start(t, httpServer(t))
	c := client(10 * time.Second)
	const size = 1 << 20 // at least 16 chunks of SlowChunk
	t0 := time.Now()
	mustGet(t, c, p, size)
	fast := time.Since(t0)

	const delay = 20 * time.Millisecond
	p.SetDelay(delay)
	p.SetMode(faultproxy.Slow)
	t0 = time.Now()
	mustGet(t, c, p, size)
	slow := time.Since(t0)
	if min := size / faultproxy.SlowChunk * delay; slow < min {
		t.Fatalf("GET of %d bytes with %v per %d bytes took %v, want at least %v", size, delay, faultproxy.SlowChunk, slow, min)
	}
	t.Logf("GET of %d bytes: %v in Pass, %v in Slow (%v per %d bytes)", size, fast, slow, delay, faultproxy.SlowChunk)

	// Back in Pass the delay no longer applies: at a second per chunk the
	// GET would take 16s, past the client's timeout.
	p.SetMode(faultproxy.Pass)
	p.SetDelay(time.Second)
	mustGet(t, client(5*time.Second), p, size)
}

func TestReset(t *testing.T) {
	p := start(t, httpServer(t))
	const after = 100 << 10
	p.SetResetAfter(after)
	p.SetMode(faultproxy.Reset)

	resp, err := client(5 * time.Second).Get(fmt.Sprintf("http://%s/?n=%d", p.Addr(), 1<<20))
	if err != nil {
		t.Fatalf("GET = %v, want the response to start", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil || len(b) >= after {
		t.Fatalf("reading 1 MiB through Reset after %d bytes = %d bytes, %v; want an error before %d bytes", after, len(b), err, after)
	}
	if !bytes.Equal(b, pattern(len(b))) {
		t.Fatalf("the %d bytes read before the reset differ from the data sent", len(b))
	}
	t.Logf("cut after %d bytes of body: %v", len(b), err)

	// Small exchanges under the allowance pass.
	mustGet(t, client(5*time.Second), p, 1000)

	p.SetMode(faultproxy.Pass)
	mustGet(t, client(5*time.Second), p, 1<<20)
}

func TestResetCutsOpen(t *testing.T) {
	p := start(t, echoServer(t))
	c := dialEcho(t, p)
	p.SetResetAfter(1 << 30)
	p.SetMode(faultproxy.Reset)
	mustBeCut(t, c)
}

func TestClose(t *testing.T) {
	p, err := faultproxy.Start("127.0.0.1:0", echoServer(t))
	if err != nil {
		t.Fatal(err)
	}
	c := dialEcho(t, p)
	done := make(chan error, 1)
	go func() { done <- p.Close() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Close() = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return with a connection open")
	}
	mustBeCut(t, c)
	if c, err := net.DialTimeout("tcp", p.Addr(), time.Second); err == nil {
		c.Close()
		t.Fatal("Dial after Close succeeded, want it refused")
	}
	if err := p.Close(); err != nil {
		t.Fatalf("second Close() = %v", err)
	}
}

func TestModeString(t *testing.T) {
	for m, want := range map[faultproxy.Mode]string{
		faultproxy.Pass: "Pass", faultproxy.Refuse: "Refuse", faultproxy.Blackhole: "Blackhole",
		faultproxy.Slow: "Slow", faultproxy.Reset: "Reset", faultproxy.Mode(9): "Mode(9)",
	} {
		if got := m.String(); got != want {
			t.Errorf("Mode(%d).String() = %q, want %q", int(m), got, want)
		}
	}
}

// SetDropAnswers: the target serves the request, the client never sees
// the answer (its connection is reset), and the next request goes through.
func TestDropAnswers(t *testing.T) {
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, "ok")
	}))
	t.Cleanup(srv.Close)
	p, err := faultproxy.Start("127.0.0.1:0", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	p.SetDropAnswers(1)
	cl := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	if resp, err := cl.Get("http://" + p.Addr() + "/"); err == nil {
		resp.Body.Close()
		t.Fatalf("GET with an answer to drop: status %d, want a connection error", resp.StatusCode)
	}
	if n := served.Load(); n != 1 {
		t.Fatalf("target served %d requests, want 1 (the dropped answer's)", n)
	}
	resp, err := cl.Get("http://" + p.Addr() + "/")
	if err != nil {
		t.Fatalf("GET after the drop: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if n := served.Load(); string(b) != "ok" || n != 2 {
		t.Fatalf("GET after the drop: %q, served %d; want ok, 2", b, n)
	}
}
