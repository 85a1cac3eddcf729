package s3api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/meta/pebble"
	"github.com/dolium/dolium/s3api/s3err"
	"github.com/prometheus/client_golang/prometheus"
)

// brokenDriver fails every Put with an error whose text must never reach a
// client.
type brokenDriver struct{ blobstore.Driver }

func (brokenDriver) Put(context.Context, blobstore.ChunkKey, []byte) error {
	return errors.New("disk /secret/path exploded")
}

// testGateway is a core on an embedded metadata store in a temporary
// directory (closed at the test's end) and chunks in drv.
func testGateway(t *testing.T, drv blobstore.Driver, log *slog.Logger) (*gateway.Gateway, *pebble.Store, *blobstore.Store) {
	t.Helper()
	ms, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	blobs := blobstore.New(drv, blobstore.Options{})
	return gateway.New(gateway.Config{Meta: ms, Blobs: blobs, Logger: log}), ms, blobs
}

type testServer struct {
	url  string
	reg  *prometheus.Registry
	logs *bytes.Buffer
	gw   *gateway.Gateway
	keys *access.Keystore
}

func newTestServer(t *testing.T, drv blobstore.Driver, limits ...Limits) *testServer {
	t.Helper()
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	gw, _, _ := testGateway(t, drv, log)
	keys, _ := access.NewKeystore([]access.Key{{AccessKey: "AKTEST", SecretKey: "test-secret", Owner: "alice"}})
	reg := prometheus.NewRegistry()
	o := Options{Gateway: gw, Keys: keys, Logger: log, Registerer: reg}
	if len(limits) > 0 {
		o.Limits = limits[0]
	}
	hs := httptest.NewServer(New(o))
	t.Cleanup(hs.Close)
	return &testServer{url: hs.URL, reg: reg, logs: logs, gw: gw, keys: keys}
}

func (s *testServer) do(t *testing.T, method, path string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, s.url+path, bytes.NewReader(body))
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", h)
	err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKTEST", SecretAccessKey: "test-secret"}, req, h, "s3", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func TestInternalErrorsAreNotLeaked(t *testing.T) {
	s := newTestServer(t, brokenDriver{mem.New()})
	if resp, _ := s.do(t, "PUT", "/bkt", nil); resp.StatusCode != 200 {
		t.Fatalf("CreateBucket status = %d", resp.StatusCode)
	}
	resp, body := s.do(t, "PUT", "/bkt/key", []byte("hello"))
	var e s3err.Body
	if err := xml.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %q is not XML: %v", body, err)
	}
	id := resp.Header.Get("x-amz-request-id")
	if resp.StatusCode != 500 || e.Code != "InternalError" || e.RequestID != id || id == "" {
		t.Errorf("got %d %s request id %q (header %q), want 500 InternalError with the header's id", resp.StatusCode, e.Code, e.RequestID, id)
	}
	if strings.Contains(string(body), "secret") || strings.Contains(string(body), "exploded") {
		t.Errorf("client saw internal error text: %s", body)
	}
	if !strings.Contains(s.logs.String(), "exploded") || !strings.Contains(s.logs.String(), id) {
		t.Errorf("log lacks the internal error with request id %s:\n%s", id, s.logs.String())
	}
	if resp, _ := s.do(t, "GET", "/bkt?list-type=2", nil); resp.StatusCode != 200 {
		t.Errorf("listing after failed put = %d", resp.StatusCode)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	s := newTestServer(t, mem.New())
	s.do(t, "PUT", "/bkt", nil)
	s.do(t, "PUT", "/bkt/k", []byte("12345"))
	s.do(t, "GET", "/bkt/k", nil)
	s.do(t, "GET", "/bkt/missing", nil)
	mfs, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]float64{}
	var rx, tx float64
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			switch mf.GetName() {
			case "dolium_s3_requests_total":
				counts[labels["op"]+" "+labels["status"]] += m.GetCounter().GetValue()
			case "dolium_s3_received_bytes_total":
				if labels["op"] == "PutObject" {
					rx = m.GetCounter().GetValue()
				}
			case "dolium_s3_sent_bytes_total":
				if labels["op"] == "GetObject" {
					tx = m.GetCounter().GetValue()
				}
			}
		}
	}
	for _, k := range []string{"CreateBucket 200", "PutObject 200", "GetObject 200", "GetObject 404"} {
		if counts[k] != 1 {
			t.Errorf("requests_total{%s} = %v, want 1 (all: %v)", k, counts[k], counts)
		}
	}
	if rx != 5 {
		t.Errorf("received bytes for PutObject = %v, want 5", rx)
	}
	if tx < 5 {
		t.Errorf("sent bytes for GetObject = %v, want >= 5", tx)
	}
}

// TestAnonymousDenied: an unsigned request is the anonymous principal,
// which nothing allows without a bucket policy saying so (a bucket that
// does not exist answers NoSuchBucket, to anonymous requests as well, as
// AWS answers them).
func TestAnonymousDenied(t *testing.T) {
	s := newTestServer(t, mem.New())
	if err := s.gw.CreateBucket(t.Context(), "alice", "bkt"); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{"/", "/bkt", "/bkt/key", "/bkt?policy", "/bkt?versions"} {
		resp, err := http.Get(s.url + target)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 403 || !strings.Contains(string(b), "<Code>AccessDenied</Code>") {
			t.Errorf("anonymous GET %s = %d %s, want 403 AccessDenied", target, resp.StatusCode, b)
		}
	}
}

// A signature for another region gets AuthorizationHeaderMalformed with the
// server's region in <Region>, which clients such as s3cmd retry with.
func TestWrongRegionNamesTheRegion(t *testing.T) {
	s := newTestServer(t, mem.New())
	req, _ := http.NewRequest("GET", s.url+"/", nil)
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKTEST", SecretAccessKey: "test-secret"}, req, "UNSIGNED-PAYLOAD", "s3", "US", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e s3err.Body
	xml.Unmarshal(b, &e)
	if resp.StatusCode != 400 || e.Code != "AuthorizationHeaderMalformed" || e.Region != "us-east-1" {
		t.Errorf("got %d %s region %q, want 400 AuthorizationHeaderMalformed region us-east-1", resp.StatusCode, e.Code, e.Region)
	}
}

// Virtual-host style: the bucket comes from the Host; the signature covers
// the request as sent.
func TestVirtualHostStyle(t *testing.T) {
	s := newTestServer(t, mem.New())
	s.do(t, "PUT", "/vh-bucket", nil)
	s.do(t, "PUT", "/vh-bucket/a/b.txt", []byte("hello"))
	hs := httptest.NewServer(New(Options{Gateway: s.gw, Keys: s.keys, Domains: []string{"s3.test"}}))
	defer hs.Close()
	req, _ := http.NewRequest("GET", hs.URL+"/a/b.txt", nil)
	req.Host = "vh-bucket.s3.test"
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKTEST", SecretAccessKey: "test-secret"}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "hello" {
		t.Errorf("virtual-host GET = %d %q, want 200 hello", resp.StatusCode, b)
	}
}

// An accepted request with Expect: 100-continue gets 100 Continue before
// its final response even when its body is empty, as from S3; an
// unauthenticated one gets its final answer without it.
func TestExpectContinueSentEagerly(t *testing.T) {
	s := newTestServer(t, mem.New())
	s.do(t, "PUT", "/exp-bucket", nil)
	raw := func(signed bool) string {
		t.Helper()
		req, _ := http.NewRequest("PUT", s.url+"/exp-bucket/empty", http.NoBody)
		req.Header.Set("Expect", "100-continue")
		req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
		if signed {
			v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: "AKTEST", SecretAccessKey: "test-secret"}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now())
		}
		c, err := net.Dial("tcp", strings.TrimPrefix(s.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var head strings.Builder
		fmt.Fprintf(&head, "PUT /exp-bucket/empty HTTP/1.1\r\nHost: %s\r\nContent-Length: 0\r\n", req.Host)
		for k, vs := range req.Header {
			fmt.Fprintf(&head, "%s: %s\r\n", k, vs[0])
		}
		head.WriteString("\r\n")
		c.Write([]byte(head.String()))
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, _ := io.ReadAll(io.LimitReader(c, 200))
		return string(b)
	}
	if got := raw(true); !strings.HasPrefix(got, "HTTP/1.1 100 Continue\r\n") || !strings.Contains(got, "HTTP/1.1 200 OK") {
		t.Errorf("signed empty PUT with Expect answered %q, want 100 Continue then 200", got)
	}
	if got := raw(false); !strings.HasPrefix(got, "HTTP/1.1 403") {
		t.Errorf("anonymous PUT with Expect answered %q, want 403 without 100 Continue", got)
	}
}
