package s3api

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/s3api/sigv2"
)

// SigV2 virtual-host style: the canonical resource begins with the bucket
// the Host names; path style, with the path's.
func TestSigV2VirtualHost(t *testing.T) {
	s := newTestServer(t, mem.New())
	s.do(t, "PUT", "/vh2-bucket", nil)
	s.do(t, "PUT", "/vh2-bucket/a/b.txt", []byte("hello"))
	hs := httptest.NewServer(New(Options{Gateway: s.gw, Keys: s.keys, Domains: []string{"s3.test"}}))
	defer hs.Close()
	get := func(host, path, resource string) int {
		req, _ := http.NewRequest("GET", hs.URL+path, nil)
		req.Host = host
		date := time.Now().UTC().Format(http.TimeFormat)
		req.Header.Set("Date", date)
		req.Header.Set("Authorization", "AWS AKTEST:"+sigv2.Sign("test-secret", "GET\n\n\n"+date+"\n"+resource))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := get("vh2-bucket.s3.test", "/a/b.txt", "/vh2-bucket/a/b.txt"); st != 200 {
		t.Errorf("virtual-host SigV2 GET = %d, want 200", st)
	}
	if st := get("vh2-bucket.s3.test", "/a/b.txt", "/a/b.txt"); st != 403 {
		t.Errorf("virtual-host SigV2 GET signed without the bucket = %d, want 403", st)
	}
	if st := get("127.0.0.1", "/vh2-bucket/a/b.txt", "/vh2-bucket/a/b.txt"); st != 200 {
		t.Errorf("path-style SigV2 GET = %d, want 200", st)
	}
}
