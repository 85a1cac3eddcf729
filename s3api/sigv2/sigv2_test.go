package sigv2

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/s3api/s3err"
)

// The example key pair of the AWS documentation.
const (
	exampleKey    = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

type creds map[string]string

func (c creds) SecretFor(ak string) (string, string, bool) {
	s, ok := c[ak]
	return s, "owner-" + ak, ok
}

var exampleCreds = creds{exampleKey: exampleSecret}

// docVectors are the "Authentication examples" of the Amazon S3 API
// Reference, "Signing and authenticating REST requests (AWS signature
// version 2)" (RESTAuthentication), with the johnsmith bucket addressed
// virtual-host style unless the path names it.
var docVectors = []struct {
	name       string
	method     string
	target     string // request line target, as sent
	hostBucket string
	header     map[string][]string
	sts        string
	signature  string
}{
	{
		name: "Object GET", method: "GET", target: "/photos/puppy.jpg", hostBucket: "johnsmith",
		header:    map[string][]string{"Date": {"Tue, 27 Mar 2007 19:36:42 +0000"}},
		sts:       "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/johnsmith/photos/puppy.jpg",
		signature: "bWq2s1WEIj+Ydj0vQ697zp+IXMU=",
	},
	{
		name: "Object PUT", method: "PUT", target: "/photos/puppy.jpg", hostBucket: "johnsmith",
		header: map[string][]string{"Content-Type": {"image/jpeg"}, "Content-Length": {"94328"},
			"Date": {"Tue, 27 Mar 2007 21:15:45 +0000"}},
		sts:       "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/johnsmith/photos/puppy.jpg",
		signature: "MyyxeRY7whkBe+bq8fHCL/2kKUg=",
	},
	{
		name: "List", method: "GET", target: "/?prefix=photos&max-keys=50&marker=puppy", hostBucket: "johnsmith",
		header:    map[string][]string{"User-Agent": {"Mozilla/5.0"}, "Date": {"Tue, 27 Mar 2007 19:42:41 +0000"}},
		sts:       "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/johnsmith/",
		signature: "htDYFYduRNen8P9ZfE/s9SuKy0U=",
	},
	{
		name: "Fetch", method: "GET", target: "/?acl", hostBucket: "johnsmith",
		header:    map[string][]string{"Date": {"Tue, 27 Mar 2007 19:44:46 +0000"}},
		sts:       "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/johnsmith/?acl",
		signature: "c2WLPFtWHVgbEmeEG93a4cG37dM=",
	},
	{
		name: "Delete", method: "DELETE", target: "/johnsmith/photos/puppy.jpg",
		header: map[string][]string{"User-Agent": {"dotnet"}, "Date": {"Tue, 27 Mar 2007 21:20:27 +0000"},
			"X-Amz-Date": {"Tue, 27 Mar 2007 21:20:26 +0000"}},
		// The documentation puts x-amz-date's value in the Date line.
		sts:       "DELETE\n\n\nTue, 27 Mar 2007 21:20:26 +0000\n/johnsmith/photos/puppy.jpg",
		signature: "lx3byBScXR6KzyMaifNkardMwNk=",
	},
	{
		name: "Upload", method: "PUT", target: "/db-backup.dat.gz", hostBucket: "static.johnsmith.net",
		header: map[string][]string{
			"User-Agent": {"curl/7.15.5"}, "Date": {"Tue, 27 Mar 2007 21:06:08 +0000"},
			"X-Amz-Acl": {"public-read"}, "Content-Type": {"application/x-download"},
			"Content-Md5":             {"4gJE4saaMU4BqNR0kLY+lw=="},
			"X-Amz-Meta-Reviewedby":   {"joe@johnsmith.net", "jane@johnsmith.net"},
			"X-Amz-Meta-Filechecksum": {"0x02661779"}, "X-Amz-Meta-Checksumalgorithm": {"crc32"},
			"Content-Disposition": {"attachment; filename=database.dat"}, "Content-Encoding": {"gzip"},
			"Content-Length": {"5913339"},
		},
		sts: "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\n" +
			"x-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\n" +
			"x-amz-meta-reviewedby:joe@johnsmith.net,jane@johnsmith.net\n/static.johnsmith.net/db-backup.dat.gz",
		signature: "ilyl83RwaSoYIEdixDQcA4OnAnc=",
	},
	{
		name: "List all my buckets", method: "GET", target: "/",
		header:    map[string][]string{"Date": {"Wed, 28 Mar 2007 01:29:59 +0000"}},
		sts:       "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
		signature: "qGdzdERIC03wnaRNKh6OqZehG9s=",
	},
	{
		name: "Unicode keys", method: "GET", target: "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
		header:    map[string][]string{"Date": {"Wed, 28 Mar 2007 01:49:49 +0000"}},
		sts:       "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
		signature: "DNEZGsoieTZ92F3bUfSPQcbGmlM=",
	},
}

func vectorRequest(t testing.TB, method, target string, header map[string][]string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, nil)
	for k, vs := range header {
		r.Header[http.CanonicalHeaderKey(k)] = vs
	}
	return r
}

// TestDocumentationVectors: the StringToSign and signature of each example
// of the documentation, and Verify accepting the signed request at its
// time.
func TestDocumentationVectors(t *testing.T) {
	for _, v := range docVectors {
		t.Run(v.name, func(t *testing.T) {
			r := vectorRequest(t, v.method, v.target, v.header)
			p, q := requestPath(r)
			date, h := r.Header.Get("Date"), r.Header
			if xd := r.Header.Get("X-Amz-Date"); xd != "" {
				date, h = xd, r.Header.Clone()
				h.Del("X-Amz-Date")
			}
			sts := StringToSign(v.method, r.Header.Get("Content-MD5"), r.Header.Get("Content-Type"), date, h,
				CanonicalizedResource(v.hostBucket, p, q))
			if sts != v.sts {
				t.Fatalf("StringToSign:\n%q\nwant\n%q", sts, v.sts)
			}
			if got := Sign(exampleSecret, sts); got != v.signature {
				t.Fatalf("Sign = %s, want %s", got, v.signature)
			}
			r.Header.Set("Authorization", "AWS "+exampleKey+":"+v.signature)
			now, _ := requestTime(r.Header)
			a, err := Verify(r, exampleCreds, v.hostBucket, now.Add(time.Minute))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if a.AccessKey != exampleKey || a.Owner != "owner-"+exampleKey || a.Presigned || a.Anonymous {
				t.Errorf("Auth = %+v", a)
			}
		})
	}
}

// TestQueryStringVector: the documentation's query string example
// (johnsmith, virtual-host style, Expires 1175139620).
func TestQueryStringVector(t *testing.T) {
	target := "/photos/puppy.jpg?AWSAccessKeyId=" + exampleKey + "&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D"
	r := httptest.NewRequest("GET", target, nil)
	if !Is(r) {
		t.Fatal("Is = false for a query-form request")
	}
	a, err := Verify(r, exampleCreds, "johnsmith", time.Unix(1175139620-60, 0))
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !a.Presigned || a.AccessKey != exampleKey {
		t.Errorf("Auth = %+v", a)
	}
	if _, err := Verify(r, exampleCreds, "johnsmith", time.Unix(1175139621, 0)); !errors.Is(err, s3err.AccessDenied) || !strings.Contains(err.Error(), "Request has expired") {
		t.Errorf("after Expires: %v, want AccessDenied Request has expired", err)
	}
	tampered := httptest.NewRequest("GET", strings.Replace(target, "puppy", "kitty", 1), nil)
	if _, err := Verify(tampered, exampleCreds, "johnsmith", time.Unix(1175139620-60, 0)); !errors.Is(err, s3err.SignatureDoesNotMatch) {
		t.Errorf("tampered path: %v, want SignatureDoesNotMatch", err)
	}
}

func signed(t testing.TB, method, target, bucket string, header map[string][]string, key, secret string) *http.Request {
	r := vectorRequest(t, method, target, header)
	p, q := requestPath(r)
	date := r.Header.Get("Date")
	if r.Header.Get("X-Amz-Date") != "" {
		date = ""
	}
	sts := StringToSign(method, r.Header.Get("Content-MD5"), r.Header.Get("Content-Type"), date, r.Header, CanonicalizedResource(bucket, p, q))
	r.Header.Set("Authorization", "AWS "+key+":"+Sign(secret, sts))
	return r
}

func TestErrors(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	date := map[string][]string{"Date": {now.Format(http.TimeFormat)}}
	cases := []struct {
		name string
		r    *http.Request
		now  time.Time
		want *s3err.Error
	}{
		{"unknown key", signed(t, "GET", "/b/k", "", date, "NOPE", "x"), now, s3err.InvalidAccessKeyID},
		{"wrong secret", signed(t, "GET", "/b/k", "", date, exampleKey, "wrong"), now, s3err.SignatureDoesNotMatch},
		{"skew ahead", signed(t, "GET", "/b/k", "", date, exampleKey, exampleSecret), now.Add(16 * time.Minute), s3err.RequestTimeTooSkewed},
		{"skew behind", signed(t, "GET", "/b/k", "", date, exampleKey, exampleSecret), now.Add(-16 * time.Minute), s3err.RequestTimeTooSkewed},
		{"no date", signed(t, "GET", "/b/k", "", nil, exampleKey, exampleSecret), now, s3err.AccessDenied},
		{"malformed", vectorRequest(t, "GET", "/b/k", map[string][]string{"Authorization": {"AWS nocolon"}, "Date": date["Date"]}), now, s3err.InvalidArgument},
		{"query missing Expires", httptest.NewRequest("GET", "/b/k?AWSAccessKeyId=a&Signature=b", nil), now, s3err.AccessDenied},
		{"streaming payload", signed(t, "PUT", "/b/k", "", map[string][]string{"Date": date["Date"], "X-Amz-Content-Sha256": {"STREAMING-AWS4-HMAC-SHA256-PAYLOAD"}}, exampleKey, exampleSecret), now, s3err.InvalidRequest},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.r, exampleCreds, "", c.now)
			if !errors.Is(err, c.want) {
				t.Fatalf("Verify = %v, want %s", err, c.want.Code)
			}
			if strings.Contains(err.Error(), exampleSecret) {
				t.Errorf("message holds the secret: %v", err)
			}
		})
	}
	// x-amz-date as s3cmd sends it: an empty Date line, x-amz-date among
	// the x-amz-* headers.
	xd := signed(t, "GET", "/b/k", "", map[string][]string{"X-Amz-Date": date["Date"]}, exampleKey, exampleSecret)
	if _, err := Verify(xd, exampleCreds, "", now); err != nil {
		t.Errorf("x-amz-date: %v", err)
	}
	ok := signed(t, "GET", "/b/k", "", date, exampleKey, exampleSecret)
	if _, err := Verify(ok, exampleCreds, "", now.Add(14*time.Minute)); err != nil {
		t.Errorf("within skew: %v", err)
	}
	// A header added after signing is caught.
	ok.Header.Set("X-Amz-Meta-Added", "1")
	if _, err := Verify(ok, exampleCreds, "", now); !errors.Is(err, s3err.SignatureDoesNotMatch) {
		t.Errorf("added x-amz header: %v, want SignatureDoesNotMatch", err)
	}
}

func TestCanonicalizedResource(t *testing.T) {
	for _, c := range []struct{ bucket, path, query, want string }{
		{"", "/b/k", "versionId=3&foo=bar&acl", "/b/k?acl&versionId=3"},
		{"b", "/k", "uploadId=x&partNumber=2", "/b/k?partNumber=2&uploadId=x"},
		{"", "/b/k", "response-content-type=text%2Fplain&X-Amz-Foo=1", "/b/k?response-content-type=text/plain"},
		{"", "/b", "uploads=&prefix=a", "/b?uploads"},
		{"b", "", "", "/b/"},
	} {
		if got := CanonicalizedResource(c.bucket, c.path, c.query); got != c.want {
			t.Errorf("CanonicalizedResource(%q, %q, %q) = %q, want %q", c.bucket, c.path, c.query, got, c.want)
		}
	}
}

func TestIs(t *testing.T) {
	for target, want := range map[string]bool{
		"/b/k": false,
		"/b/k?AWSAccessKeyId=a&Signature=s&Expires=1":             true,
		"/b/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=x": false,
	} {
		if got := Is(httptest.NewRequest("GET", target, nil)); got != want {
			t.Errorf("Is(%s) = %v", target, got)
		}
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=x")
	if Is(r) {
		t.Error("Is = true for SigV4")
	}
	r.Header.Set("Authorization", "AWS a:b")
	if !Is(r) {
		t.Error("Is = false for SigV2")
	}
}
