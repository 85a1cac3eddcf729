package sigv4

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dolium/dolium/s3api/s3err"
)

// sdkSign signs r in place with aws-sdk-go-v2 as the S3 client does.
func sdkSign(t *testing.T, r *http.Request, region string, at time.Time) {
	t.Helper()
	signer := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	creds := aws.Credentials{AccessKeyID: exampleAccessKey, SecretAccessKey: exampleSecret}
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if err := signer.SignHTTP(context.Background(), creds, r, payload, "s3", region, at); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyErrors(t *testing.T) {
	now := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		signedAt time.Time
		region   string
		payload  string
		mutate   func(r *http.Request)
		want     *s3err.Error
		wantText string
	}{
		{name: "ok", want: nil},
		{name: "ok at the skew limit", signedAt: now.Add(-MaxSkew), want: nil},
		{name: "too old", signedAt: now.Add(-MaxSkew - time.Second), want: s3err.RequestTimeTooSkewed},
		{name: "too new", signedAt: now.Add(MaxSkew + time.Second), want: s3err.RequestTimeTooSkewed},
		{name: "wrong region", region: "eu-west-1", want: s3err.AuthorizationHeaderMalformed, wantText: "'eu-west-1' is wrong; expecting 'us-east-1'"},
		{name: "unknown key", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), exampleAccessKey, "AKIDNOPE", 1))
		}, want: s3err.InvalidAccessKeyID},
		{name: "wrong signature", mutate: func(r *http.Request) {
			h := r.Header.Get("Authorization")
			r.Header.Set("Authorization", h[:len(h)-4]+"0000")
		}, want: s3err.SignatureDoesNotMatch},
		{name: "invalid payload hash", payload: "not-a-hash", want: s3err.InvalidArgument},
		{name: "missing payload hash", mutate: func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, want: s3err.InvalidRequest, wantText: "x-amz-content-sha256"},
		{name: "unsigned amz header", mutate: func(r *http.Request) { r.Header.Set("X-Amz-Acl", "public-read") }, want: s3err.AccessDenied, wantText: "x-amz-acl"},
		{name: "no date", mutate: func(r *http.Request) { r.Header.Del("X-Amz-Date") }, want: s3err.AccessDenied, wantText: "Date"},
		{name: "bad date", mutate: func(r *http.Request) { r.Header.Set("X-Amz-Date", "yesterday") }, want: s3err.AccessDenied},
		{name: "scope date differs", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/20240301/", "/20240302/", 1))
		}, want: s3err.AuthorizationHeaderMalformed, wantText: "credential date"},
		{name: "host not signed", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=host;", "SignedHeaders=", 1))
		}, want: s3err.AuthorizationHeaderMalformed, wantText: "host"},
		{name: "sigv2", mutate: func(r *http.Request) { r.Header.Set("Authorization", "AWS AKID:c2lnbmF0dXJl") }, want: s3err.InvalidRequest},
		{name: "sigv4a", mutate: func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-ECDSA-P256-SHA256 Credential=AK/20240301/s3/aws4_request, SignedHeaders=host, Signature=00")
		}, want: s3err.InvalidRequest},
		{name: "header and query", mutate: func(r *http.Request) { r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256" }, want: s3err.InvalidArgument},
		{name: "sigv2 query", mutate: func(r *http.Request) {
			r.Header.Del("Authorization")
			r.URL.RawQuery = "AWSAccessKeyId=AK&Signature=x&Expires=1"
		}, want: s3err.InvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "http://example.com/bucket/key", nil)
			payload := tt.payload
			if payload == "" {
				payload = EmptySHA256
			}
			r.Header.Set("X-Amz-Content-Sha256", payload)
			at, region := tt.signedAt, tt.region
			if at.IsZero() {
				at = now
			}
			if region == "" {
				region = exampleRegion
			}
			sdkSign(t, r, region, at)
			if tt.mutate != nil {
				tt.mutate(r)
			}
			_, err := Verify(r, exampleCreds, exampleRegion, now)
			checkErr(t, err, tt.want, tt.wantText)
		})
	}
}

func TestVerifyAnonymous(t *testing.T) {
	r := httptest.NewRequest("GET", "http://example.com/bucket/key?prefix=a", nil)
	a, err := Verify(r, exampleCreds, exampleRegion, time.Now())
	if err != nil || !reflect.DeepEqual(a, &Auth{Anonymous: true}) {
		t.Errorf("got %+v, %v; want &Auth{Anonymous: true}, nil", a, err)
	}
}

func TestVerifyDateHeaderFallback(t *testing.T) {
	// Sign with an explicit Date and no X-Amz-Date, using the exported
	// building blocks.
	at := time.Date(2024, 3, 1, 12, 0, 0, 0, time.UTC)
	r := httptest.NewRequest("GET", "http://example.com/bucket/key", nil)
	r.Header.Set("Date", at.Format(http.TimeFormat))
	r.Header.Set("X-Amz-Content-Sha256", EmptySHA256)
	signed := []string{"date", "host", "x-amz-content-sha256"}
	canonical := CanonicalRequest("GET", "/bucket/key", "", canonicalHeaders(r, signed), strings.Join(signed, ";"), EmptySHA256)
	scope := Scope("20240301", exampleRegion, "s3")
	sig := Signature(SigningKey(exampleSecret, "20240301", exampleRegion, "s3"), StringToSign(at, scope, sha256Hex([]byte(canonical))))
	r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+exampleAccessKey+"/"+scope+", SignedHeaders="+strings.Join(signed, ";")+", Signature="+sig)
	a, err := Verify(r, exampleCreds, exampleRegion, at.Add(time.Minute))
	if err != nil || !a.Date.Equal(at) {
		t.Errorf("got %+v, %v; want Date %v, nil", a, err, at)
	}
}

func TestParseAuthorization(t *testing.T) {
	const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	const cred = "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request"
	ok := []struct{ name, h string }{
		{"sdk form", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;range;x-amz-date, Signature=" + sig},
		{"no spaces", "AWS4-HMAC-SHA256 " + cred + ",SignedHeaders=host;range;x-amz-date,Signature=" + sig},
		{"reordered", "AWS4-HMAC-SHA256 Signature=" + sig + ", SignedHeaders=host;range;x-amz-date, " + cred},
		{"extra spaces", "AWS4-HMAC-SHA256   " + cred + " ,  SignedHeaders=host;range;x-amz-date ,\tSignature=" + sig + " "},
		{"spaces only", "AWS4-HMAC-SHA256 " + cred + " SignedHeaders=host;range;x-amz-date Signature=" + sig},
	}
	for _, tt := range ok {
		t.Run(tt.name, func(t *testing.T) {
			ak, date, region, service, signed, gotSig, err := ParseAuthorization(tt.h)
			if err != nil {
				t.Fatalf("got %v, want nil", err)
			}
			got := []string{ak, date, region, service, strings.Join(signed, ";"), gotSig}
			want := []string{"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3", "host;range;x-amz-date", sig}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	bad := []struct{ name, h string }{
		{"empty", ""},
		{"other algorithm", "AWS4-HMAC-SHA512 " + cred + ", SignedHeaders=host, Signature=" + sig},
		{"no separator", "AWS4-HMAC-SHA256" + cred + ", SignedHeaders=host, Signature=" + sig},
		{"missing signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host"},
		{"missing credential", "AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + sig},
		{"empty signed headers", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=, Signature=" + sig},
		{"empty signed header name", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host;;x, Signature=" + sig},
		{"upper-case signed header", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=Host, Signature=" + sig},
		{"duplicate component", "AWS4-HMAC-SHA256 " + cred + ", " + cred + ", SignedHeaders=host, Signature=" + sig},
		{"unknown component", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=" + sig + ", Foo=bar"},
		{"component without =", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature"},
		{"short signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=abc"},
		{"upper-case signature", "AWS4-HMAC-SHA256 " + cred + ", SignedHeaders=host, Signature=" + strings.ToUpper(sig)},
		{"short credential", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3, SignedHeaders=host, Signature=" + sig},
		{"bad terminal", "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws5_request, SignedHeaders=host, Signature=" + sig},
		{"bad date", "AWS4-HMAC-SHA256 Credential=AK/2013-05-24/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + sig},
		{"empty access key", "AWS4-HMAC-SHA256 Credential=/20130524/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=" + sig},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, _, _, _, _, _, err := ParseAuthorization(tt.h)
			checkErr(t, err, s3err.AuthorizationHeaderMalformed, "")
		})
	}
}

func TestCanonicalURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "/"},
		{"/", "/"},
		{"/bucket/test$file.text", "/bucket/test%24file.text"},
		{"/bucket/my%20key", "/bucket/my%20key"},
		{"/bucket/a+b", "/bucket/a%2Bb"},
		{"/bucket/dir%2Fname", "/bucket/dir%2Fname"},
		{"/bucket/%7euser", "/bucket/~user"},
		{"/bucket/caf%c3%a9", "/bucket/caf%C3%A9"},
		{"/bucket/100%", "/bucket/100%25"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CanonicalURI(tt.in); got != tt.want {
				t.Errorf("CanonicalURI(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalQuery(t *testing.T) {
	tests := []struct {
		in      string
		exclude []string
		want    string
	}{
		{"", nil, ""},
		{"lifecycle", nil, "lifecycle="},
		{"prefix=J&max-keys=2", nil, "max-keys=2&prefix=J"},
		{"b=2&a=1&a=0", nil, "a=0&a=1&b=2"},
		{"p=a+b&q=a%20b&r=%7E*", nil, "p=a%20b&q=a%20b&r=~%2A"},
		{"k=v&X-Amz-Signature=abc", []string{"X-Amz-Signature"}, "k=v"},
		{"&&a=1&", nil, "a=1"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := CanonicalQuery(tt.in, tt.exclude...); got != tt.want {
				t.Errorf("CanonicalQuery(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestCanonicalHeaderValue(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a", "a"},
		{"  a  b   c ", "a b c"},
		{"\ta\t", "a"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := CanonicalHeaderValue(tt.in); got != tt.want {
			t.Errorf("CanonicalHeaderValue(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPayloadVerifier(t *testing.T) {
	const body = "Welcome to Amazon S3."
	good := sha256Hex([]byte(body))
	tests := []struct {
		name     string
		expected string
		want     error
	}{
		{"match", good, nil},
		{"mismatch", EmptySHA256, s3err.XAmzContentSHA256Mismatch},
		{"upper-case hex", strings.ToUpper(good), nil},
		{"not hex", "zz", s3err.XAmzContentSHA256Mismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := io.ReadAll(NewPayloadVerifier(strings.NewReader(body), tt.expected))
			if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if string(got) != body {
				t.Errorf("got %q, want %q", got, body)
			}
		})
	}
	t.Run("error is sticky", func(t *testing.T) {
		r := NewPayloadVerifier(strings.NewReader(body), EmptySHA256)
		io.ReadAll(r)
		if _, err := r.Read(make([]byte, 1)); !errors.Is(err, s3err.XAmzContentSHA256Mismatch) {
			t.Errorf("got %v, want XAmzContentSHA256Mismatch", err)
		}
	})
	t.Run("body errors pass through", func(t *testing.T) {
		boom := errors.New("boom")
		_, err := io.ReadAll(NewPayloadVerifier(io.MultiReader(strings.NewReader("x"), errReader{boom}), good))
		if err != boom {
			t.Errorf("got %v, want %v", err, boom)
		}
	})
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }
