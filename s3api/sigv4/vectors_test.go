package sigv4

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/s3api/s3err"
)

// The example credentials and time of the AWS S3 SigV4 documentation.
const (
	exampleAccessKey = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret    = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	exampleRegion    = "us-east-1"
)

var exampleTime = time.Date(2013, 5, 24, 0, 0, 0, 0, time.UTC)

// staticCreds is a Credentials backed by a map of access key to secret;
// the owner is "owner-" + access key.
type staticCreds map[string]string

func (c staticCreds) SecretFor(ak string) (string, string, bool) {
	s, ok := c[ak]
	return s, "owner-" + ak, ok
}

var exampleCreds = staticCreds{exampleAccessKey: exampleSecret}

func authHeader(signedHeaders, sig string) string {
	return "AWS4-HMAC-SHA256 Credential=" + exampleAccessKey + "/20130524/us-east-1/s3/aws4_request,SignedHeaders=" +
		signedHeaders + ",Signature=" + sig
}

// newRequest builds a server-side request as net/http would deliver it.
func newRequest(t *testing.T, method, target string, headers map[string]string, body string) *http.Request {
	t.Helper()
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// Examples from "Signature Calculations for the Authorization Header:
// Transferring Payload in a Single Chunk (AWS Signature Version 4)".
func TestVerifyAWSExamples(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		target  string
		headers map[string]string
		body    string
	}{
		{
			name:   "GET Object",
			method: "GET",
			target: "http://examplebucket.s3.amazonaws.com/test.txt",
			headers: map[string]string{
				"Range":                "bytes=0-9",
				"X-Amz-Content-Sha256": EmptySHA256,
				"X-Amz-Date":           "20130524T000000Z",
				"Authorization": authHeader("host;range;x-amz-content-sha256;x-amz-date",
					"f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"),
			},
		},
		{
			name:   "PUT Object",
			method: "PUT",
			target: "http://examplebucket.s3.amazonaws.com/test$file.text",
			headers: map[string]string{
				"Date":                 "Fri, 24 May 2013 00:00:00 GMT",
				"X-Amz-Date":           "20130524T000000Z",
				"X-Amz-Storage-Class":  "REDUCED_REDUNDANCY",
				"X-Amz-Content-Sha256": "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072",
				"Authorization": authHeader("date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
					"98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"),
			},
			body: "Welcome to Amazon S3.",
		},
		{
			name:   "GET Bucket Lifecycle",
			method: "GET",
			target: "http://examplebucket.s3.amazonaws.com/?lifecycle",
			headers: map[string]string{
				"X-Amz-Date":           "20130524T000000Z",
				"X-Amz-Content-Sha256": EmptySHA256,
				"Authorization": authHeader("host;x-amz-content-sha256;x-amz-date",
					"fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543"),
			},
		},
		{
			name:   "Get Bucket (List Objects)",
			method: "GET",
			target: "http://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
			headers: map[string]string{
				"X-Amz-Date":           "20130524T000000Z",
				"X-Amz-Content-Sha256": EmptySHA256,
				"Authorization": authHeader("host;x-amz-content-sha256;x-amz-date",
					"34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, tt.method, tt.target, tt.headers, tt.body)
			a, err := Verify(r, exampleCreds, exampleRegion, exampleTime.Add(time.Minute))
			if err != nil {
				t.Fatalf("Verify: got %v, want nil", err)
			}
			if a.AccessKey != exampleAccessKey || a.Owner != "owner-"+exampleAccessKey || a.Presigned || a.Anonymous {
				t.Errorf("got %+v, want the example key, its owner, not presigned", a)
			}
			if want := "20130524/us-east-1/s3/aws4_request"; a.Scope != want {
				t.Errorf("Scope: got %q, want %q", a.Scope, want)
			}
			body, err := NewBodyReader(r, a, nil)
			if err != nil {
				t.Fatalf("NewBodyReader: got %v, want nil", err)
			}
			got, err := io.ReadAll(body)
			if err != nil || string(got) != tt.body {
				t.Errorf("body: got %q, %v; want %q, nil", got, err, tt.body)
			}
		})
	}
}

func TestCanonicalRequestExample(t *testing.T) {
	// The GET Object example's canonical request and its hash.
	const wantCanonical = "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n" +
		"x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
		"x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	r := newRequest(t, "GET", "http://examplebucket.s3.amazonaws.com/test.txt", map[string]string{
		"Range": "bytes=0-9", "X-Amz-Content-Sha256": EmptySHA256, "X-Amz-Date": "20130524T000000Z",
	}, "")
	signed := []string{"host", "range", "x-amz-content-sha256", "x-amz-date"}
	got := CanonicalRequest("GET", CanonicalURI(r.URL.EscapedPath()), CanonicalQuery(r.URL.RawQuery),
		canonicalHeaders(r, signed), strings.Join(signed, ";"), EmptySHA256)
	if got != wantCanonical {
		t.Fatalf("got %q, want %q", got, wantCanonical)
	}
	sts := StringToSign(exampleTime, Scope("20130524", exampleRegion, "s3"), sha256Hex([]byte(got)))
	const wantSTS = "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n" +
		"7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
	if sts != wantSTS {
		t.Errorf("StringToSign: got %q, want %q", sts, wantSTS)
	}
	sig := Signature(SigningKey(exampleSecret, "20130524", exampleRegion, "s3"), sts)
	if want := "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"; sig != want {
		t.Errorf("Signature: got %s, want %s", sig, want)
	}
}

// The example of "Authenticating Requests: Using Query Parameters".
const examplePresigned = "http://examplebucket.s3.amazonaws.com/test.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256" +
	"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request" +
	"&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host" +
	"&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"

func TestVerifyPresignedExample(t *testing.T) {
	tests := []struct {
		name     string
		target   string
		now      time.Time
		wantErr  *s3err.Error
		wantText string
	}{
		{"valid at signing", examplePresigned, exampleTime, nil, ""},
		{"valid just before expiry", examplePresigned, exampleTime.Add(86400 * time.Second), nil, ""},
		{"expired", examplePresigned, exampleTime.Add(86401 * time.Second), s3err.AccessDenied, "Request has expired"},
		{"too far in the future", examplePresigned, exampleTime.Add(-16 * time.Minute), s3err.RequestTimeTooSkewed, ""},
		{"tampered path", strings.Replace(examplePresigned, "test.txt", "test2.txt", 1), exampleTime, s3err.SignatureDoesNotMatch, ""},
		{"extra parameter", examplePresigned + "&versionId=1", exampleTime, s3err.SignatureDoesNotMatch, ""},
		{"expires zero", strings.Replace(examplePresigned, "X-Amz-Expires=86400", "X-Amz-Expires=0", 1), exampleTime, s3err.AuthorizationQueryParametersError, ""},
		{"expires over a week", strings.Replace(examplePresigned, "X-Amz-Expires=86400", "X-Amz-Expires=604801", 1), exampleTime, s3err.AuthorizationQueryParametersError, ""},
		{"expires not a number", strings.Replace(examplePresigned, "X-Amz-Expires=86400", "X-Amz-Expires=1d", 1), exampleTime, s3err.AuthorizationQueryParametersError, ""},
		{"no credential", strings.Replace(examplePresigned, "X-Amz-Credential", "X-Amz-Credentail", 1), exampleTime, s3err.AuthorizationQueryParametersError, ""},
		{"bad algorithm", strings.Replace(examplePresigned, "X-Amz-Algorithm=AWS4-HMAC-SHA256", "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256", 1), exampleTime, s3err.AuthorizationQueryParametersError, ""},
		{"wrong region", strings.Replace(examplePresigned, "us-east-1", "eu-west-1", 1), exampleTime, s3err.AuthorizationQueryParametersError, ""},
		{"unknown key", strings.Replace(examplePresigned, "AKIAIOSFODNN7EXAMPLE", "AKIDUNKNOWN", 1), exampleTime, s3err.InvalidAccessKeyID, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, "GET", tt.target, nil, "")
			a, err := Verify(r, exampleCreds, exampleRegion, tt.now)
			checkErr(t, err, tt.wantErr, tt.wantText)
			if tt.wantErr == nil && (!a.Presigned || a.PayloadHash != UnsignedPayload) {
				t.Errorf("got %+v, want presigned with an unsigned payload", a)
			}
		})
	}
}

// checkErr fails unless err matches want (nil for success) and, if
// wantText is set, its message contains wantText.
func checkErr(t *testing.T, err error, want *s3err.Error, wantText string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("got error %v, want nil", err)
		}
		return
	}
	var e *s3err.Error
	if !errors.As(err, &e) || !errors.Is(err, want) {
		t.Fatalf("got error %v, want code %s", err, want.Code)
	}
	if e.Status != want.Status {
		t.Errorf("status: got %d, want %d", e.Status, want.Status)
	}
	if !strings.Contains(e.Message, wantText) {
		t.Errorf("message: got %q, want it to contain %q", e.Message, wantText)
	}
}

// The example of "Signature Calculations for the Authorization Header:
// Transferring Payload in Multiple Chunks (Chunked Upload)".
func TestChunkedAWSExample(t *testing.T) {
	const (
		seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
		// The published value; a copy ending "...485a3d8bb5" circulates
		// and is wrong.
		sig1   = "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
		sig2   = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
		sigEnd = "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
	)
	var body bytes.Buffer
	body.WriteString("10000;chunk-signature=" + sig1 + "\r\n")
	body.Write(bytes.Repeat([]byte{'a'}, 65536))
	body.WriteString("\r\n400;chunk-signature=" + sig2 + "\r\n")
	body.Write(bytes.Repeat([]byte{'a'}, 1024))
	body.WriteString("\r\n0;chunk-signature=" + sigEnd + "\r\n\r\n")
	if got, want := body.Len(), 66824; got != want {
		t.Fatalf("example body length: got %d, want %d", got, want)
	}
	r := newRequest(t, "PUT", "http://s3.amazonaws.com/examplebucket/chunkObject.txt", map[string]string{
		"X-Amz-Date":                   "20130524T000000Z",
		"X-Amz-Storage-Class":          "REDUCED_REDUNDANCY",
		"X-Amz-Content-Sha256":         StreamingPayload,
		"Content-Encoding":             "aws-chunked",
		"X-Amz-Decoded-Content-Length": "66560",
		"Content-Length":               "66824",
		"Authorization": authHeader("content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class",
			seed),
	}, body.String())
	a, err := Verify(r, exampleCreds, exampleRegion, exampleTime)
	if err != nil {
		t.Fatalf("Verify: got %v, want nil", err)
	}
	rd, err := NewBodyReader(r, a, nil)
	if err != nil {
		t.Fatalf("NewBodyReader: got %v, want nil", err)
	}
	got, err := io.ReadAll(rd)
	if err != nil {
		t.Fatalf("read: got %v, want nil", err)
	}
	if want := bytes.Repeat([]byte{'a'}, 66560); !bytes.Equal(got, want) {
		t.Errorf("got %d bytes, want %d bytes of 'a'", len(got), len(want))
	}
}
