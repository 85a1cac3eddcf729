package s3api

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/s3api/s3err"
)

// gatedDriver blocks every Get until gate is closed.
type gatedDriver struct {
	blobstore.Driver
	gate    chan struct{}
	waiting chan struct{} // gets a value when a Get starts waiting
}

func (d *gatedDriver) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	select {
	case d.waiting <- struct{}{}:
	default:
	}
	select {
	case <-d.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return d.Driver.Get(ctx, k)
}

func errorBody(t *testing.T, b []byte) s3err.Body {
	t.Helper()
	var e s3err.Body
	if err := xml.Unmarshal(b, &e); err != nil {
		t.Fatalf("error body %q is not XML: %v", b, err)
	}
	return e
}

// TestKeyMaxRequests: an access key with KeyMaxRequests requests in flight
// gets SlowDown (503, Retry-After) for the next, until one ends.
func TestKeyMaxRequests(t *testing.T) {
	d := &gatedDriver{Driver: mem.New(), gate: make(chan struct{}), waiting: make(chan struct{}, 1)}
	s := newTestServer(t, d, Limits{KeyMaxRequests: 1})
	s.do(t, "PUT", "/bkt", nil)
	if resp, b := s.do(t, "PUT", "/bkt/k", []byte("data")); resp.StatusCode != 200 {
		t.Fatalf("PutObject = %d %s", resp.StatusCode, b)
	}
	first := make(chan int, 1)
	go func() {
		resp, _ := s.do(t, "GET", "/bkt/k", nil)
		first <- resp.StatusCode
	}()
	<-d.waiting // the first GET is in flight
	resp, b := s.do(t, "GET", "/bkt/k", nil)
	if e := errorBody(t, b); resp.StatusCode != http.StatusServiceUnavailable || e.Code != "SlowDown" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second request of the key = %d %s (Retry-After %q), want 503 SlowDown with Retry-After", resp.StatusCode, e.Code, resp.Header.Get("Retry-After"))
	}
	close(d.gate)
	if st := <-first; st != http.StatusOK {
		t.Errorf("first GET = %d, want 200", st)
	}
	if resp, _ := s.do(t, "GET", "/bkt/k", nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GET after the first ended = %d, want 200", resp.StatusCode)
	}
}

// TestHeaderLimit: header fields over MaxHeaderBytes get AWS's
// RequestHeaderSectionTooLarge with MaxSizeAllowed.
func TestHeaderLimit(t *testing.T) {
	s := newTestServer(t, mem.New(), Limits{MaxHeaderBytes: 8192})
	req, _ := http.NewRequest("GET", s.url+"/bkt", nil)
	req.Header.Set("X-Pad", strings.Repeat("x", 8192))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	e := errorBody(t, body)
	if resp.StatusCode != 400 || e.Code != "RequestHeaderSectionTooLarge" || e.MaxSizeAllowed != 8192 {
		t.Errorf("got %d %s MaxSizeAllowed %d, want 400 RequestHeaderSectionTooLarge 8192", resp.StatusCode, e.Code, e.MaxSizeAllowed)
	}
}

// fullDriver fails every Put as a full disk does.
type fullDriver struct{ blobstore.Driver }

func (fullDriver) Put(context.Context, blobstore.ChunkKey, []byte) error {
	return fmt.Errorf("write /secret/chunk: %w", syscall.ENOSPC)
}

// TestStoreFull: an upload that meets a full disk gets 503 SlowDown with
// Retry-After and no internal detail; the cause is logged.
func TestStoreFull(t *testing.T) {
	s := newTestServer(t, fullDriver{mem.New()})
	s.do(t, "PUT", "/bkt", nil)
	resp, b := s.do(t, "PUT", "/bkt/k", []byte("data"))
	e := errorBody(t, b)
	if resp.StatusCode != http.StatusServiceUnavailable || e.Code != "SlowDown" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("PUT on a full store = %d %s (Retry-After %q), want 503 SlowDown with Retry-After", resp.StatusCode, e.Code, resp.Header.Get("Retry-After"))
	}
	if strings.Contains(string(b), "secret") || strings.Contains(string(b), "no space left") {
		t.Errorf("client saw internal error text: %s", b)
	}
	if !strings.Contains(s.logs.String(), "no space left") {
		t.Errorf("log lacks the cause:\n%s", s.logs.String())
	}
	if err := s.gw.Ready(context.Background()); !errors.Is(err, gateway.ErrStoreFull) {
		t.Errorf("Ready after a put found the store full = %v, want ErrStoreFull", err)
	}
}
