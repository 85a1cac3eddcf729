package s3api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/s3api/s3err"
)

// tenants is a server with three owners' keys: alice, bob and root.
type tenants struct {
	t   *testing.T
	url string
}

var tenantKeys = map[string]access.Key{
	"alice": {AccessKey: "AKALICE", SecretKey: "alice-secret", Owner: "alice"},
	"bob":   {AccessKey: "AKBOB", SecretKey: "bob-secret", Owner: "bob"},
	"root":  {AccessKey: "AKROOT", SecretKey: "root-secret", Owner: access.RootOwner},
}

func newTenants(t *testing.T, opts ...func(*Options)) *tenants {
	t.Helper()
	gw, _, _ := testGateway(t, mem.New(), nil)
	var keys []access.Key
	for _, k := range tenantKeys {
		keys = append(keys, k)
	}
	ks, err := access.NewKeystore(keys)
	if err != nil {
		t.Fatal(err)
	}
	o := Options{Gateway: gw, Keys: ks}
	for _, f := range opts {
		f(&o)
	}
	hs := httptest.NewServer(New(o))
	t.Cleanup(hs.Close)
	return &tenants{t: t, url: hs.URL}
}

type answer struct {
	status int
	body   []byte
	err    s3err.Body
}

// do sends a request signed by who ("" = unsigned).
func (s *tenants) do(who, method, target string, h http.Header, body []byte) answer {
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
	return a
}

func (s *tenants) want(what string, a answer, status int, code string) {
	s.t.Helper()
	if a.status != status || a.err.Code != code {
		s.t.Errorf("%s = %d %s, want %d %s (body %s)", what, a.status, a.err.Code, status, code, a.body)
	}
}

func (s *tenants) ok(what string, a answer) {
	s.t.Helper()
	if a.status/100 != 2 {
		s.t.Fatalf("%s = %d %s", what, a.status, a.body)
	}
}

func uploadID(t *testing.T, a answer) string {
	t.Helper()
	var res struct{ UploadId string }
	if err := xml.Unmarshal(a.body, &res); err != nil || res.UploadId == "" {
		t.Fatalf("CreateMultipartUpload answered %s", a.body)
	}
	return res.UploadId
}

// A bucket is its owner's: another owner's key (root's included) gets
// AccessDenied for everything in it, a copy from it included, and does not
// list it.
func TestOtherOwnerDenied(t *testing.T) {
	s := newTenants(t)
	s.ok("alice creates bkt", s.do("alice", "PUT", "/alice-bkt", nil, nil))
	s.ok("alice puts k", s.do("alice", "PUT", "/alice-bkt/k", nil, []byte("alice's")))
	s.ok("bob creates his bucket", s.do("bob", "PUT", "/bob-bkt", nil, nil))
	up := uploadID(t, s.do("bob", "POST", "/bob-bkt/big?uploads", nil, nil))
	for _, who := range []string{"bob", "root"} {
		for _, c := range []struct{ method, target string }{
			{"GET", "/alice-bkt/k"}, {"HEAD", "/alice-bkt/k"}, {"PUT", "/alice-bkt/k"}, {"DELETE", "/alice-bkt/k"},
			{"GET", "/alice-bkt/k?acl"}, {"POST", "/alice-bkt/k2?uploads"},
			{"GET", "/alice-bkt"}, {"GET", "/alice-bkt?list-type=2"}, {"HEAD", "/alice-bkt"}, {"DELETE", "/alice-bkt"},
			{"GET", "/alice-bkt?location"}, {"GET", "/alice-bkt?versioning"}, {"GET", "/alice-bkt?acl"},
			{"GET", "/alice-bkt?uploads"},
		} {
			a := s.do(who, c.method, c.target, nil, nil)
			if c.method == "HEAD" {
				if a.status != http.StatusForbidden {
					t.Errorf("%s %s %s = %d, want 403", who, c.method, c.target, a.status)
				}
				continue
			}
			s.want(who+" "+c.method+" "+c.target, a, http.StatusForbidden, "AccessDenied")
		}
	}
	cp := http.Header{"X-Amz-Copy-Source": {"/alice-bkt/k"}}
	s.want("bob copies alice's object", s.do("bob", "PUT", "/bob-bkt/stolen", cp, nil), http.StatusForbidden, "AccessDenied")
	s.want("bob copies a part of alice's object", s.do("bob", "PUT", "/bob-bkt/big?partNumber=1&uploadId="+up, cp, nil),
		http.StatusForbidden, "AccessDenied")
	s.want("bob GETs a missing bucket", s.do("bob", "GET", "/no-such-bkt/k", nil, nil), http.StatusNotFound, "NoSuchBucket")
	if a := s.do("bob", "GET", "/", nil, nil); a.status != 200 || strings.Contains(string(a.body), "alice-bkt") || !strings.Contains(string(a.body), "bob-bkt") {
		t.Errorf("bob's ListBuckets = %d %s, want bob-bkt only", a.status, a.body)
	}
	if a := s.do("alice", "GET", "/alice-bkt/k", nil, nil); a.status != 200 || string(a.body) != "alice's" {
		t.Errorf("alice's object after the others' attempts = %d %q", a.status, a.body)
	}
	if a := s.do("bob", "GET", "/bob-bkt/stolen", nil, nil); a.status != http.StatusNotFound {
		t.Errorf("the denied copy left an object: %d %q", a.status, a.body)
	}
	// Alice copies her own object into her own bucket.
	s.ok("alice copies her object", s.do("alice", "PUT", "/alice-bkt/copy", cp, nil))
}

// Parameter and key errors come before the bucket's NoSuchBucket and
// AccessDenied; a copy's source errors come after the destination's
// (for UploadPartCopy: after its upload is found).
func TestErrorPrecedence(t *testing.T) {
	s := newTenants(t)
	s.ok("alice creates bkt", s.do("alice", "PUT", "/alice-bkt", nil, nil))
	s.ok("alice puts k", s.do("alice", "PUT", "/alice-bkt/k", nil, []byte("data")))
	long := "/" + strings.Repeat("k", gateway.MaxKeyLength+1)
	for _, bkt := range []string{"/no-such-bkt", "/alice-bkt"} {
		who := "bob" // on alice-bkt: not his
		s.want("PUT a long key into "+bkt, s.do(who, "PUT", bkt+long, nil, []byte("x")), http.StatusBadRequest, "KeyTooLongError")
		s.want("GET a long key in "+bkt, s.do(who, "GET", bkt+long, nil, nil), http.StatusBadRequest, "KeyTooLongError")
		s.want("list with max-keys=-1 in "+bkt, s.do(who, "GET", bkt+"?max-keys=-1", nil, nil), http.StatusBadRequest, "InvalidArgument")
		s.want("list with a bad encoding-type in "+bkt, s.do(who, "GET", bkt+"?list-type=2&encoding-type=x", nil, nil), http.StatusBadRequest, "InvalidArgument")
		s.want("ListParts with max-parts=x in "+bkt, s.do(who, "GET", bkt+"/k?uploadId=u&max-parts=x", nil, nil), http.StatusBadRequest, "InvalidArgument")
		s.want("UploadPart number 0 in "+bkt, s.do(who, "PUT", bkt+"/k?partNumber=0&uploadId=u", nil, []byte("x")), http.StatusBadRequest, "InvalidArgument")
		s.want("DeleteObjects without Content-MD5 in "+bkt, s.do(who, "POST", bkt+"?delete", nil, []byte("<Delete/>")), http.StatusBadRequest, "InvalidRequest")
		s.want("Complete with a malformed body in "+bkt, s.do(who, "POST", bkt+"/k?uploadId=u", nil, []byte("<nope")), http.StatusBadRequest, "MalformedXML")
		s.want("CopyObject with a bad directive into "+bkt, s.do(who, "PUT", bkt+"/c",
			http.Header{"X-Amz-Copy-Source": {"/alice-bkt/k"}, "X-Amz-Metadata-Directive": {"MOVE"}}, nil), http.StatusBadRequest, "InvalidArgument")
		s.want("CopyObject of a long source key into "+bkt, s.do(who, "PUT", bkt+"/c",
			http.Header{"X-Amz-Copy-Source": {"/alice-bkt" + long}}, nil), http.StatusBadRequest, "KeyTooLongError")
		s.want("If-None-Match other than * on PUT into "+bkt, s.do(who, "PUT", bkt+"/c", http.Header{"If-None-Match": {`"x"`}}, []byte("x")),
			http.StatusNotImplemented, "NotImplemented")
	}
	s.want("GET a missing bucket's key", s.do("bob", "GET", "/no-such-bkt/k", nil, nil), http.StatusNotFound, "NoSuchBucket")
	s.want("GET alice's key by bob", s.do("bob", "GET", "/alice-bkt/k", nil, nil), http.StatusForbidden, "AccessDenied")

	// UploadPartCopy: a missing upload is reported before the source's
	// missing bucket or key; with the upload found, the source's errors name
	// the source.
	missingSrc := http.Header{"X-Amz-Copy-Source": {"/no-such-bkt/k"}}
	s.want("UploadPartCopy to a missing upload from a missing bucket", s.do("alice", "PUT", "/alice-bkt/d?partNumber=1&uploadId=nope", missingSrc, nil),
		http.StatusNotFound, "NoSuchUpload")
	up := uploadID(t, s.do("alice", "POST", "/alice-bkt/d?uploads", nil, nil))
	a := s.do("alice", "PUT", "/alice-bkt/d?partNumber=1&uploadId="+up, missingSrc, nil)
	s.want("UploadPartCopy from a missing bucket", a, http.StatusNotFound, "NoSuchBucket")
	if a.err.BucketName != "no-such-bkt" {
		t.Errorf("UploadPartCopy from a missing bucket names bucket %q, want the source's", a.err.BucketName)
	}
	a = s.do("alice", "PUT", "/alice-bkt/d?partNumber=1&uploadId="+up, http.Header{"X-Amz-Copy-Source": {"/alice-bkt" + long}}, nil)
	s.want("UploadPartCopy from a long source key", a, http.StatusBadRequest, "KeyTooLongError")
	if a.err.Key != long[1:] {
		t.Errorf("UploadPartCopy from a long source key names key %.20q, want the source's", a.err.Key)
	}
	// CopyObject of an object onto itself is illegal before the source is
	// read; from a missing bucket, the error names the source.
	s.want("CopyObject onto itself", s.do("alice", "PUT", "/alice-bkt/k", http.Header{"X-Amz-Copy-Source": {"/alice-bkt/k"}}, nil),
		http.StatusBadRequest, "InvalidRequest")
	a = s.do("alice", "PUT", "/alice-bkt/c", missingSrc, nil)
	s.want("CopyObject from a missing bucket", a, http.StatusNotFound, "NoSuchBucket")
	if a.err.BucketName != "no-such-bkt" {
		t.Errorf("CopyObject from a missing bucket names bucket %q, want the source's", a.err.BucketName)
	}
	s.want("CopyObject into a missing bucket from a missing one", s.do("alice", "PUT", "/other-missing/c", missingSrc, nil),
		http.StatusNotFound, "NoSuchBucket")
	s.want("CreateBucket with a bad location", s.do("alice", "PUT", "/alice-bkt",
		nil, []byte(`<CreateBucketConfiguration><LocationConstraint>mars</LocationConstraint></CreateBucketConfiguration>`)),
		http.StatusBadRequest, "InvalidLocationConstraint")
	s.want("CreateBucket of one's own", s.do("alice", "PUT", "/alice-bkt", nil, nil), http.StatusConflict, "BucketAlreadyOwnedByYou")
	s.want("CreateBucket of another's", s.do("bob", "PUT", "/alice-bkt", nil, nil), http.StatusConflict, "BucketAlreadyExists")
	// Anonymous requests are authorised where others are, after the
	// parameters and the bucket: what no policy allows them is denied.
	s.want("anonymous GET of a missing bucket", s.do("", "GET", "/no-such-bkt", nil, nil), http.StatusNotFound, "NoSuchBucket")
	s.want("anonymous GET of another's bucket", s.do("", "GET", "/alice-bkt", nil, nil), http.StatusForbidden, "AccessDenied")
}
