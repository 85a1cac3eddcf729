package sigv4

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dolium/dolium/s3api/s3err"
)

// verifyServer answers each request with the outcome of Verify, as seen
// by a real net/http server.
func verifyServer(t *testing.T, now time.Time) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, err := Verify(r, exampleCreds, exampleRegion, now)
		res := map[string]any{"ok": err == nil}
		if err != nil {
			res["error"] = err.Error()
		} else {
			b, berr := NewBodyReader(r, a, nil)
			if berr == nil {
				_, berr = io.Copy(io.Discard, b)
			}
			if berr != nil {
				res["ok"], res["error"] = false, berr.Error()
			}
		}
		json.NewEncoder(w).Encode(res)
	}))
	t.Cleanup(srv.Close)
	return srv
}

type result struct {
	OK    bool   `json:"ok"`
	Error string `json:"error"`
}

func send(t *testing.T, req *http.Request) result {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("send: %v", err)
	}
	defer resp.Body.Close()
	var res result
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return res
}

var sdkCases = []struct {
	name   string
	method string
	path   string // escaped, as the S3 SDK puts it on the wire
	query  string
	header map[string]string
	body   string
}{
	{name: "simple get", method: "GET", path: "/bucket/key"},
	{name: "root", method: "GET", path: "/"},
	{name: "space", method: "GET", path: "/bucket/my%20key%20with%20spaces.txt"},
	{name: "unicode", method: "GET", path: "/bucket/caf%C3%A9/%E2%9C%93/%F0%9F%98%80"},
	{name: "reserved characters", method: "GET", path: "/bucket/a%2Bb%3Dc%26d%24e%40f%3A%2C%3B%21%27%28%29%2A"},
	{name: "escaped slash", method: "GET", path: "/bucket/dir%2Fname"},
	{name: "tilde and dots", method: "GET", path: "/bucket/~user/.hidden/a..b"},
	{name: "double slash", method: "GET", path: "/bucket//key"},
	{name: "list query", method: "GET", path: "/bucket", query: "list-type=2&prefix=photos%2F2024%20%C3%A9&delimiter=%2F&max-keys=10"},
	{name: "special query", method: "GET", path: "/bucket", query: "prefix=a%2Bb%20c%2A%7E%21&marker=%26%3D%3F&empty="},
	{name: "subresource without value", method: "GET", path: "/bucket", query: "acl"},
	{name: "repeated query key", method: "GET", path: "/bucket", query: "x=2&x=1&a=3"},
	{name: "put with body", method: "PUT", path: "/bucket/obj%20one", header: map[string]string{
		"Content-Type": "text/plain", "X-Amz-Meta-Note": "  two   spaces  ", "X-Amz-Storage-Class": "STANDARD",
	}, body: "hello, world"},
	{name: "multi-value header", method: "PUT", path: "/bucket/k", header: map[string]string{"X-Amz-Meta-A": "1"}, body: "x"},
	{name: "delete", method: "DELETE", path: "/bucket/k", query: "versionId=abc%2Fdef"},
}

func newSDKRequest(t *testing.T, base, method, path, query string, header map[string]string, body string) *http.Request {
	t.Helper()
	u := base + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	if body == "" {
		req.Body, req.ContentLength = http.NoBody, 0
	}
	return req
}

// TestVerifySDKSigned signs requests with aws-sdk-go-v2's signer, as the
// S3 client does (no double encoding), and verifies them on a server.
func TestVerifySDKSigned(t *testing.T) {
	now := time.Now().UTC()
	srv := verifyServer(t, now)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: exampleAccessKey, SecretAccessKey: exampleSecret}
	for _, tc := range sdkCases {
		t.Run(tc.name, func(t *testing.T) {
			req := newSDKRequest(t, srv.URL, tc.method, tc.path, tc.query, tc.header, tc.body)
			if tc.name == "multi-value header" {
				req.Header.Add("X-Amz-Meta-A", "2")
			}
			payload := sha256Hex([]byte(tc.body))
			req.Header.Set("X-Amz-Content-Sha256", payload)
			if err := signer.SignHTTP(context.Background(), creds, req, payload, "s3", exampleRegion, now); err != nil {
				t.Fatal(err)
			}
			if res := send(t, req); !res.OK {
				t.Errorf("got %q, want success", res.Error)
			}
		})
	}
}

func TestVerifySDKPresigned(t *testing.T) {
	now := time.Now().UTC()
	srv := verifyServer(t, now)
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: exampleAccessKey, SecretAccessKey: exampleSecret}
	for _, tc := range sdkCases {
		t.Run(tc.name, func(t *testing.T) {
			req := newSDKRequest(t, srv.URL, tc.method, tc.path, tc.query, tc.header, tc.body)
			q := req.URL.Query()
			q.Set("X-Amz-Expires", "900")
			req.URL.RawQuery = q.Encode()
			url, hdr, err := signer.PresignHTTP(context.Background(), creds, req, UnsignedPayload, "s3", exampleRegion, now)
			if err != nil {
				t.Fatal(err)
			}
			out, err := http.NewRequest(tc.method, url, strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			for k, vs := range hdr {
				if strings.EqualFold(k, "host") {
					continue
				}
				out.Header[k] = vs
			}
			if res := send(t, out); !res.OK {
				t.Errorf("got %q, want success", res.Error)
			}
		})
	}
}

// TestVerifySDKTampered checks that changing a signed request after the
// SDK signed it fails with SignatureDoesNotMatch.
func TestVerifySDKTampered(t *testing.T) {
	now := time.Now().UTC()
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: exampleAccessKey, SecretAccessKey: exampleSecret}
	tamper := map[string]func(r *http.Request){
		"method":       func(r *http.Request) { r.Method = "DELETE" },
		"path":         func(r *http.Request) { r.URL.Path, r.URL.RawPath = "/bucket/other", "" },
		"query":        func(r *http.Request) { r.URL.RawQuery = "prefix=b" },
		"added query":  func(r *http.Request) { r.URL.RawQuery += "&versionId=1" },
		"signed value": func(r *http.Request) { r.Header.Set("X-Amz-Meta-Note", "changed") },
		"host":         func(r *http.Request) { r.Host = "evil.example.com" },
	}
	for name, fn := range tamper {
		t.Run(name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "http://example.com/bucket/key?prefix=a", nil)
			req.Header.Set("X-Amz-Meta-Note", "n")
			req.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
			if err := signer.SignHTTP(context.Background(), creds, req, EmptySHA256, "s3", exampleRegion, now); err != nil {
				t.Fatal(err)
			}
			if _, err := Verify(req, exampleCreds, exampleRegion, now); err != nil {
				t.Fatalf("untampered: got %v, want nil", err)
			}
			fn(req)
			_, err := Verify(req, exampleCreds, exampleRegion, now)
			checkErr(t, err, s3err.SignatureDoesNotMatch, "")
		})
	}
}
