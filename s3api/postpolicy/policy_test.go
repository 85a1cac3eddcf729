package postpolicy

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/s3api/s3err"
	"github.com/dolium/dolium/s3api/sigv2"
	"github.com/dolium/dolium/s3api/sigv4"
)

type creds map[string]string

func (c creds) SecretFor(ak string) (string, string, bool) { s, ok := c[ak]; return s, "o", ok }

var now = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

const doc = `{"expiration": "2024-05-01T13:00:00.000Z",
 "conditions": [{"bucket": "johnsmith"}, ["starts-with", "$key", "user/eric/"], {"acl": "private"},
  ["eq", "$success_action_status", "201"], ["starts-with", "$Content-Type", "image/"],
  ["content-length-range", 10, "1000"], {"x-amz-meta-uuid": "14365123651274"}]}`

func TestCheck(t *testing.T) {
	p, err := Parse(b64(doc))
	if err != nil {
		t.Fatal(err)
	}
	if !p.HasLength || p.MinLength != 10 || p.MaxLength != 1000 {
		t.Errorf("length range %v %d %d", p.HasLength, p.MinLength, p.MaxLength)
	}
	good := map[string]string{"key": "user/eric/a.jpg", "acl": "private", "success_action_status": "201",
		"content-type": "image/jpeg", "x-amz-meta-uuid": "14365123651274", "policy": "x", "signature": "s",
		"awsaccesskeyid": "a", "x-ignore-me": "1"}
	if err := p.Check(good, "johnsmith", now); err != nil {
		t.Fatalf("Check: %v", err)
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range good {
			m[a] = b
		}
		if v == "<none>" {
			delete(m, k)
		} else {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		name   string
		fields map[string]string
		bucket string
		at     time.Time
		want   string
	}{
		{"prefix", with("key", "user/bob/a.jpg"), "johnsmith", now, `Policy Condition failed: ["starts-with", "$key", "user/eric/"]`},
		{"eq", with("success_action_status", "200"), "johnsmith", now, `Policy Condition failed: ["eq", "$success_action_status", "201"]`},
		{"exact", with("acl", "public-read"), "johnsmith", now, `Policy Condition failed: ["eq", "$acl", "private"]`},
		{"missing", with("x-amz-meta-uuid", "<none>"), "johnsmith", now, `Policy Condition failed: ["eq", "$x-amz-meta-uuid", "14365123651274"]`},
		{"bucket", good, "other", now, `Policy Condition failed: ["eq", "$bucket", "johnsmith"]`},
		{"extra", with("x-amz-meta-other", "1"), "johnsmith", now, "Extra input fields: x-amz-meta-other"},
		{"expired", good, "johnsmith", now.Add(time.Hour), "Policy expired."},
	} {
		err := p.Check(c.fields, c.bucket, c.at)
		if !errors.Is(err, s3err.AccessDenied) || !strings.Contains(err.Error(), "Invalid according to Policy: "+c.want) {
			t.Errorf("%s: %v, want AccessDenied %q", c.name, err, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{"!!!", b64("{"), b64(`{"conditions": []}`), b64(`{"expiration": "2024-05-01T13:00:00Z"}`),
		b64(`{"expiration": "tomorrow", "conditions": []}`), b64(`{"expiration": "2024-05-01T13:00:00Z", "conditions": [["nope", "$a", "b"]]}`),
		b64(`{"expiration": "2024-05-01T13:00:00Z", "conditions": [["content-length-range", 5, 1]]}`),
		b64(`{"expiration": "2024-05-01T13:00:00Z", "conditions": [["eq", "key", "b"]]}`)} {
		if _, err := Parse(bad); !errors.Is(err, s3err.InvalidPolicyDocument) {
			t.Errorf("Parse(%q) = %v, want InvalidPolicyDocument", bad, err)
		}
	}
}

func TestVerifySignature(t *testing.T) {
	c := creds{"AK": "secret"}
	policy := b64(doc)
	v2 := map[string]string{"policy": policy, "awsaccesskeyid": "AK", "signature": sigv2.Sign("secret", policy)}
	if a, err := VerifySignature(v2, c, "us-east-1"); err != nil || a.AccessKey != "AK" {
		t.Fatalf("SigV2: %v %+v", err, a)
	}
	key := sigv4.SigningKey("secret", "20240501", "us-east-1", "s3")
	m := hmac.New(sha256.New, key)
	m.Write([]byte(policy))
	v4 := map[string]string{"policy": policy, "x-amz-algorithm": sigv4.Algorithm, "x-amz-credential": "AK/20240501/us-east-1/s3/aws4_request",
		"x-amz-date": "20240501T120000Z", "x-amz-signature": hex.EncodeToString(m.Sum(nil))}
	if a, err := VerifySignature(v4, c, "us-east-1"); err != nil || a.AccessKey != "AK" {
		t.Fatalf("SigV4: %v %+v", err, a)
	}
	if a, err := VerifySignature(map[string]string{"key": "k"}, c, "us-east-1"); err != nil || !a.Anonymous {
		t.Errorf("unsigned: %v %+v", err, a)
	}
	tamper := func(m map[string]string, k, v string) map[string]string {
		n := map[string]string{}
		for a, b := range m {
			n[a] = b
		}
		n[k] = v
		return n
	}
	for name, c2 := range map[string]struct {
		f    map[string]string
		want *s3err.Error
	}{
		"v2 policy changed": {tamper(v2, "policy", b64(doc+" ")), s3err.SignatureDoesNotMatch},
		"v2 unknown key":    {tamper(v2, "awsaccesskeyid", "NO"), s3err.InvalidAccessKeyID},
		"v4 policy changed": {tamper(v4, "policy", b64(doc+" ")), s3err.SignatureDoesNotMatch},
		"v4 unknown key":    {tamper(v4, "x-amz-credential", "NO/20240501/us-east-1/s3/aws4_request"), s3err.InvalidAccessKeyID},
		"v4 region":         {tamper(v4, "x-amz-credential", "AK/20240501/eu-west-1/s3/aws4_request"), s3err.AuthorizationQueryParametersError},
		"both":              {tamper(v4, "awsaccesskeyid", "AK"), s3err.InvalidArgument},
	} {
		if _, err := VerifySignature(c2.f, c, "us-east-1"); !errors.Is(err, c2.want) {
			t.Errorf("%s: %v, want %s", name, err, c2.want.Code)
		}
	}
}

// FuzzParse: Parse never panics; a parsed policy's length range is sane.
func FuzzParse(f *testing.F) {
	f.Add(doc)
	f.Add(`{"expiration":"2024-01-01T00:00:00Z","conditions":[{"a":1},["eq"],["content-length-range",1e3,2e3]]}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := Parse(b64(s))
		if err != nil {
			var e *s3err.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an s3err", err)
			}
			return
		}
		if p.HasLength && (p.MinLength < 0 || p.MaxLength < p.MinLength) {
			t.Fatalf("length range %d..%d", p.MinLength, p.MaxLength)
		}
		_ = p.Check(map[string]string{"key": "k"}, "b", time.Unix(0, 0))
	})
}
