package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"sort"
	"strings"
	"time"
)

// Algorithm is the only signing algorithm this package accepts.
const Algorithm = "AWS4-HMAC-SHA256"

// Values of the x-amz-content-sha256 header (and the X-Amz-Content-Sha256
// query parameter) other than a hex SHA-256 digest.
const (
	UnsignedPayload                 = "UNSIGNED-PAYLOAD"
	StreamingPayload                = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	StreamingPayloadTrailer         = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"
	StreamingUnsignedPayloadTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
)

// EmptySHA256 is the hex SHA-256 of the empty string.
const EmptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

const (
	// TimeFormat is the ISO 8601 basic format of X-Amz-Date.
	TimeFormat = "20060102T150405Z"
	// DateFormat is the format of the date in a credential scope.
	DateFormat = "20060102"
	// MaxSkew is the largest accepted difference between the request
	// time and the server clock.
	MaxSkew = 15 * time.Minute
	// MaxExpires is the largest X-Amz-Expires, in seconds (7 days).
	MaxExpires = 604800
)

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// SigningKey derives the signing key:
//
//	kDate    = HMAC("AWS4" + secret, date)
//	kRegion  = HMAC(kDate, region)
//	kService = HMAC(kRegion, service)
//	kSigning = HMAC(kService, "aws4_request")
//
// date is in DateFormat.
func SigningKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// Scope returns the credential scope "date/region/service/aws4_request".
func Scope(date, region, service string) string {
	return date + "/" + region + "/" + service + "/aws4_request"
}

// CanonicalRequest assembles the canonical request:
//
//	HTTPMethod + "\n" +
//	CanonicalURI + "\n" +
//	CanonicalQueryString + "\n" +
//	CanonicalHeaders + "\n" +   (each header already ends in "\n")
//	SignedHeaders + "\n" +
//	HashedPayload
func CanonicalRequest(method, canonicalURI, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash string) string {
	return method + "\n" + canonicalURI + "\n" + canonicalQuery + "\n" +
		canonicalHeaders + "\n" + signedHeaders + "\n" + payloadHash
}

// StringToSign assembles the string to sign:
//
//	"AWS4-HMAC-SHA256" + "\n" + timeStampISO8601 + "\n" + scope + "\n" + hex(SHA256(canonicalRequest))
func StringToSign(t time.Time, scope, canonicalRequestHash string) string {
	return Algorithm + "\n" + t.UTC().Format(TimeFormat) + "\n" + scope + "\n" + canonicalRequestHash
}

// Signature returns hex(HMAC(signingKey, stringToSign)).
func Signature(signingKey []byte, stringToSign string) string {
	return hex.EncodeToString(hmacSHA256(signingKey, stringToSign))
}

// ChunkStringToSign is the string to sign of one aws-chunked chunk:
//
//	"AWS4-HMAC-SHA256-PAYLOAD" + "\n" + timeStampISO8601 + "\n" + scope + "\n" +
//	previousSignature + "\n" + hex(SHA256("")) + "\n" + hex(SHA256(chunkData))
func ChunkStringToSign(t time.Time, scope, prevSignature string, chunk []byte) string {
	return "AWS4-HMAC-SHA256-PAYLOAD\n" + t.UTC().Format(TimeFormat) + "\n" + scope + "\n" +
		prevSignature + "\n" + EmptySHA256 + "\n" + sha256Hex(chunk)
}

// TrailerStringToSign is the string to sign of the trailing headers of an
// aws-chunked body, where canonicalTrailers is each trailer as
// "name:value\n":
//
//	"AWS4-HMAC-SHA256-TRAILER" + "\n" + timeStampISO8601 + "\n" + scope + "\n" +
//	previousSignature + "\n" + hex(SHA256(canonicalTrailers))
func TrailerStringToSign(t time.Time, scope, prevSignature, canonicalTrailers string) string {
	return "AWS4-HMAC-SHA256-TRAILER\n" + t.UTC().Format(TimeFormat) + "\n" + scope + "\n" +
		prevSignature + "\n" + sha256Hex([]byte(canonicalTrailers))
}

// URIEncode encodes s per the SigV4 rules: every byte except the
// unreserved characters A-Z a-z 0-9 - _ . ~ becomes %XX (upper-case hex);
// '/' is kept when encodeSlash is false.
func URIEncode(s string, encodeSlash bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isUnreserved(c) || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&15])
	}
	return b.String()
}

func isUnreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '.' || c == '~'
}

// CanonicalURI returns the canonical URI of an S3 request from its
// escaped path as sent. S3 does not double-encode: each segment is
// unescaped once and re-encoded per URIEncode, and '/' separators (but not
// an escaped %2F) are kept. An empty path is "/".
func CanonicalURI(escapedPath string) string {
	if escapedPath == "" {
		return "/"
	}
	segs := strings.Split(escapedPath, "/")
	for i, s := range segs {
		segs[i] = URIEncode(unescape(s, false), true)
	}
	return strings.Join(segs, "/")
}

// CanonicalQuery returns the canonical query string of rawQuery: every
// parameter except those named in exclude, key and value unescaped as
// by url.ParseQuery ('+' is a space) and re-encoded per URIEncode, sorted
// by key and then value, joined with '&'. A parameter without '=' has an
// empty value.
func CanonicalQuery(rawQuery string, exclude ...string) string {
	type kv struct{ k, v string }
	var params []kv
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		k, v = unescape(k, true), unescape(v, true)
		if contains(exclude, k) {
			continue
		}
		params = append(params, kv{URIEncode(k, true), URIEncode(v, true)})
	}
	sort.Slice(params, func(i, j int) bool {
		if params[i].k != params[j].k {
			return params[i].k < params[j].k
		}
		return params[i].v < params[j].v
	})
	var b strings.Builder
	for i, p := range params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// unescape decodes %XX sequences (and '+' as space when plusIsSpace);
// malformed escapes are kept literally, so the signature decides.
func unescape(s string, plusIsSpace bool) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			b.WriteByte(unhex(s[i+1])<<4 | unhex(s[i+2]))
			i += 2
		case c == '+' && plusIsSpace:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c >= 'a':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// CanonicalHeaderValue trims leading and trailing white space from v and
// collapses each run of spaces to one.
func CanonicalHeaderValue(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' && i > 0 && v[i-1] == ' ' {
			continue
		}
		b.WriteByte(v[i])
	}
	return b.String()
}
