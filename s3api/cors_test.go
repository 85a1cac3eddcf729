package s3api

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dolium/dolium/gateway/cors"
	"github.com/dolium/dolium/s3api/s3err"
)

// send is tenants.do with the answer's headers.
func (s *tenants) send(who, method, target string, h http.Header, body []byte) (answer, http.Header) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+target, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if who != "" {
		sum := sha256.Sum256(body)
		ph := hex.EncodeToString(sum[:])
		req.Header.Set("X-Amz-Content-Sha256", ph)
		k := tenantKeys[who]
		if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: k.AccessKey, SecretAccessKey: k.SecretKey},
			req, ph, "s3", "us-east-1", time.Now()); err != nil {
			s.t.Fatal(err)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.body, _ = io.ReadAll(resp.Body)
	xml.Unmarshal(a.body, &a.err)
	return a, resp.Header
}

func md5Header(b []byte) http.Header {
	sum := md5.Sum(b)
	return http.Header{"Content-Md5": {base64.StdEncoding.EncodeToString(sum[:])}}
}

const corsDoc = `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
	`<CORSRule><ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>content-type</AllowedHeader>` +
	`<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://*.example.com</AllowedOrigin>` +
	`<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-version-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds></CORSRule>` +
	`<CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`

// cross is the CORS headers of an answer.
func cross(h http.Header) http.Header {
	out := http.Header{}
	for k, vs := range h {
		if strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
			out[k] = vs
		}
	}
	return out
}

func sameHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if a.Get(k) != b.Get(k) {
			return false
		}
	}
	return true
}

// Put/Get/DeleteBucketCors, the preflight before authentication and the
// CORS headers of actual requests, errors included, as AWS answers them.
func TestCORS(t *testing.T) {
	s := newTenants(t)
	s.ok("create", s.do("alice", "PUT", "/bkt", nil, nil))
	s.ok("create no-cors", s.do("alice", "PUT", "/no-cors", nil, nil))
	s.ok("put key", s.do("alice", "PUT", "/bkt/key", nil, []byte("data")))

	a, _ := s.send("alice", "GET", "/bkt?cors", nil, nil)
	s.want("GetBucketCors without one", a, http.StatusNotFound, "NoSuchCORSConfiguration")
	if a.err.BucketName != "bkt" {
		t.Errorf("NoSuchCORSConfiguration names bucket %q", a.err.BucketName)
	}
	s.want("PutBucketCors without Content-MD5", s.do("alice", "PUT", "/bkt?cors", nil, []byte(corsDoc)), http.StatusBadRequest, "InvalidRequest")
	bad := []byte(strings.Replace(corsDoc, "<AllowedMethod>HEAD", "<AllowedMethod>PATCH", 1))
	a = s.do("alice", "PUT", "/bkt?cors", md5Header(bad), bad)
	s.want("PutBucketCors with PATCH", a, http.StatusBadRequest, "InvalidRequest")
	if a.err.Message != "Found unsupported HTTP method in CORS config. Unsupported method is PATCH" {
		t.Errorf("PutBucketCors with PATCH: %q", a.err.Message)
	}
	empty := []byte(`<CORSConfiguration/>`)
	s.want("PutBucketCors without rules", s.do("alice", "PUT", "/bkt?cors", md5Header(empty), empty), http.StatusBadRequest, "MalformedXML")
	s.want("bob's PutBucketCors", s.do("bob", "PUT", "/bkt?cors", md5Header([]byte(corsDoc)), []byte(corsDoc)), http.StatusForbidden, "AccessDenied")
	s.ok("PutBucketCors", s.do("alice", "PUT", "/bkt?cors", md5Header([]byte(corsDoc)), []byte(corsDoc)))
	got := s.do("alice", "GET", "/bkt?cors", nil, nil)
	c, err := cors.Parse(got.body)
	if err != nil || len(c.Rules) != 2 || c.Rules[0].ID != "site" || *c.Rules[0].MaxAgeSeconds != 600 {
		t.Errorf("GetBucketCors = %s (%v)", got.body, err)
	}

	const origin = "https://app.example.com"
	site := http.Header{
		"Access-Control-Allow-Origin":      {origin},
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Methods":     {"GET, PUT"},
		"Access-Control-Expose-Headers":    {"ETag, x-amz-version-id"},
		"Access-Control-Max-Age":           {"600"},
		"Vary":                             {cors.Vary},
	}
	withHeaders := site.Clone()
	withHeaders.Set("Access-Control-Allow-Headers", "content-type, x-amz-meta-name")
	everyone := http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Methods": {"HEAD"}, "Vary": {cors.Vary}}
	req := func(origin, method, headers string) http.Header {
		h := http.Header{}
		if origin != "" {
			h.Set("Origin", origin)
		}
		if method != "" {
			h.Set("Access-Control-Request-Method", method)
		}
		if headers != "" {
			h.Set("Access-Control-Request-Headers", headers)
		}
		return h
	}
	for _, tc := range []struct {
		target          string
		h               http.Header
		status          int
		code, msg, rtyp string
		want            http.Header
	}{
		{"/bkt", req(origin, "GET", ""), 200, "", "", "", site},
		{"/bkt/key", req(origin, "PUT", "Content-Type, X-Amz-Meta-Name"), 200, "", "", "", withHeaders},
		{"/bkt/key?uploads", req(origin, "PUT", ""), 200, "", "", "", site},
		{"/bkt/no/such/key", req("null", "HEAD", ""), 200, "", "", "", everyone},
		{"/bkt/key", req(origin, "DELETE", ""), 403, "AccessForbidden", s3err.AccessForbidden.Message, "OBJECT", nil},
		{"/bkt", req("https://example.org", "GET", ""), 403, "AccessForbidden", s3err.AccessForbidden.Message, "BUCKET", nil},
		{"/bkt/key", req(origin, "GET", "authorization"), 403, "AccessForbidden", s3err.AccessForbidden.Message, "OBJECT", nil},
		{"/no-cors/key", req(origin, "GET", ""), 403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "BUCKET", nil},
		{"/no-cors/key", req(origin, "", ""), 403, "AccessForbidden", "CORSResponse: CORS is not enabled for this bucket.", "BUCKET", nil},
		{"/missing/key", req(origin, "GET", ""), 403, "AccessForbidden", "CORSResponse: Bucket not found", "BUCKET", nil},
		{"/bkt/key", req("", "GET", ""), 400, "BadRequest", "Insufficient information. Origin request header needed.", "", nil},
		{"/bkt/key", req(origin, "", ""), 400, "BadRequest", "Invalid Access-Control-Request-Method: null", "", nil},
		{"/bkt/key", req(origin, "PATCH", ""), 400, "BadRequest", "Invalid Access-Control-Request-Method: PATCH", "", nil},
	} {
		what := "OPTIONS " + tc.target + " " + tc.h.Get("Origin") + " " + tc.h.Get("Access-Control-Request-Method")
		a, h := s.send("", "OPTIONS", tc.target, tc.h, nil)
		if a.status != tc.status || a.err.Code != tc.code || a.err.Message != tc.msg {
			t.Errorf("%s = %d %s %q, want %d %s %q", what, a.status, a.err.Code, a.err.Message, tc.status, tc.code, tc.msg)
		}
		if tc.code == "AccessForbidden" {
			m := tc.h.Get("Access-Control-Request-Method")
			if m == "" {
				m = "OPTIONS"
			}
			if a.err.Method != m || a.err.ResourceType != tc.rtyp {
				t.Errorf("%s: Method %q ResourceType %q, want %q %q", what, a.err.Method, a.err.ResourceType, m, tc.rtyp)
			}
		}
		if got := cross(h); !sameHeaders(got, tc.want) {
			t.Errorf("%s: CORS headers %v, want %v", what, got, tc.want)
		}
	}

	// Actual requests: the headers of the rule that allows the origin and
	// the method, on errors too; none when no rule does.
	for _, tc := range []struct {
		who, method, target string
		h                   http.Header
		status              int
		want                http.Header
	}{
		{"alice", "GET", "/bkt/key", req(origin, "", ""), 200, site},
		{"alice", "HEAD", "/bkt/key", req("https://example.org", "", ""), 200, everyone},
		{"alice", "GET", "/bkt/key", req("https://example.org", "", ""), 200, nil},
		{"alice", "GET", "/bkt/key", nil, 200, nil},
		{"alice", "GET", "/bkt/missing-key", req(origin, "", ""), 404, site},
		{"", "GET", "/bkt/key", req(origin, "", ""), 403, site},    // unsigned: AccessDenied
		{"bob", "PUT", "/bkt/key", req(origin, "", ""), 403, site}, // another owner
		{"bob", "DELETE", "/bkt/key", req(origin, "", ""), 403, nil},
		{"bob", "DELETE", "/bkt/key", req(origin, "GET", ""), 403, site}, // the method is Access-Control-Request-Method's
		{"alice", "GET", "/bkt/key", req(origin, "DELETE", ""), 200, nil},
		{"alice", "GET", "/no-cors", req(origin, "", ""), 200, nil},
	} {
		what := tc.who + " " + tc.method + " " + tc.target + " " + tc.h.Get("Origin")
		a, h := s.send(tc.who, tc.method, tc.target, tc.h, nil)
		if a.status != tc.status {
			t.Errorf("%s = %d %s, want %d", what, a.status, a.body, tc.status)
		}
		if got := cross(h); !sameHeaders(got, tc.want) {
			t.Errorf("%s: CORS headers %v, want %v", what, got, tc.want)
		}
	}

	s.want("bob's DeleteBucketCors", s.do("bob", "DELETE", "/bkt?cors", nil, nil), http.StatusForbidden, "AccessDenied")
	if a := s.do("alice", "DELETE", "/bkt?cors", nil, nil); a.status != http.StatusNoContent {
		t.Errorf("DeleteBucketCors = %d %s", a.status, a.body)
	}
	if a := s.do("alice", "DELETE", "/bkt?cors", nil, nil); a.status != http.StatusNoContent {
		t.Errorf("DeleteBucketCors again = %d %s", a.status, a.body)
	}
	s.want("GetBucketCors after the delete", s.do("alice", "GET", "/bkt?cors", nil, nil), http.StatusNotFound, "NoSuchCORSConfiguration")
	a, h := s.send("", "OPTIONS", "/bkt/key", req(origin, "GET", ""), nil)
	if a.status != 403 || a.err.Message != "CORSResponse: CORS is not enabled for this bucket." || len(cross(h)) != 0 {
		t.Errorf("preflight after the delete = %d %s %v", a.status, a.body, cross(h))
	}
}
