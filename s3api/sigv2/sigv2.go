package sigv2

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/s3api/s3err"
	"github.com/dolium/dolium/s3api/sigv4"
)

// MaxSkew is the largest accepted difference between a header-form
// request's Date (or x-amz-date) and the server clock.
const MaxSkew = 15 * time.Minute

// scheme is the Authorization header's prefix for SigV2.
const scheme = "AWS "

// signedSubresources are the query parameters that are part of
// CanonicalizedResource; every other parameter is not signed.
var signedSubresources = map[string]bool{
	"acl": true, "attributes": true, "cors": true, "delete": true, "legal-hold": true,
	"lifecycle": true, "location": true, "logging": true, "notification": true,
	"object-lock": true, "partNumber": true, "policy": true, "requestPayment": true,
	"restore": true, "retention": true, "tagging": true, "torrent": true, "uploadId": true,
	"uploads": true, "versionId": true, "versioning": true, "versions": true, "website": true,
	"response-cache-control": true, "response-content-disposition": true,
	"response-content-encoding": true, "response-content-language": true,
	"response-content-type": true, "response-expires": true,
}

// Is reports whether r is signed with SigV2: an "AWS " Authorization
// header, or the AWSAccessKeyId / Signature query parameters without
// SigV4's X-Amz-Algorithm.
func Is(r *http.Request) bool {
	if h := r.Header.Get("Authorization"); h != "" {
		return strings.HasPrefix(h, scheme)
	}
	q := r.URL.Query()
	if q.Has("X-Amz-Algorithm") || q.Has("X-Amz-Signature") {
		return false
	}
	return q.Has("AWSAccessKeyId") || q.Has("Signature")
}

// Sign returns base64(HMAC-SHA1(secret, stringToSign)).
func Sign(secret, stringToSign string) string {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// StringToSign assembles the string SigV2 signs. date is the Date header
// (empty when x-amz-date is sent) or, for the query form, Expires.
func StringToSign(method, contentMD5, contentType, date string, h http.Header, resource string) string {
	return method + "\n" + contentMD5 + "\n" + contentType + "\n" + date + "\n" +
		CanonicalizedAmzHeaders(h) + resource
}

// CanonicalizedAmzHeaders returns "name:value\n" for every x-amz-* header
// of h, names lower-cased and sorted, repeated values joined with ",",
// folded white space replaced by one space and values trimmed.
func CanonicalizedAmzHeaders(h http.Header) string {
	vals := map[string][]string{}
	var names []string
	for name, vs := range h {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-amz-") {
			continue
		}
		if _, ok := vals[lower]; !ok {
			names = append(names, lower)
		}
		for _, v := range vs {
			vals[lower] = append(vals[lower], unfold(v))
		}
	}
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte(':')
		b.WriteString(strings.Join(vals[n], ","))
		b.WriteByte('\n')
	}
	return b.String()
}

// unfold trims v and replaces each run of white space (folded lines
// included) with one space.
func unfold(v string) string {
	return strings.Join(strings.Fields(v), " ")
}

// CanonicalizedResource returns "/" + bucket (when the Host names it:
// virtual-host style) + the path as sent + the signed sub-resources of
// rawQuery, sorted by name, "name" or "name=value" (the value decoded).
func CanonicalizedResource(bucket, rawPath, rawQuery string) string {
	var b strings.Builder
	if bucket != "" {
		b.WriteString("/" + bucket)
	}
	if rawPath == "" {
		rawPath = "/"
	}
	b.WriteString(rawPath)
	type param struct {
		k, v  string
		hasEq bool
	}
	var ps []param
	for _, p := range strings.Split(rawQuery, "&") {
		if p == "" {
			continue
		}
		k, v, hasEq := strings.Cut(p, "=")
		if dk, err := url.QueryUnescape(k); err == nil {
			k = dk
		}
		if !signedSubresources[k] {
			continue
		}
		if dv, err := url.QueryUnescape(v); err == nil {
			v = dv
		}
		ps = append(ps, param{k, v, hasEq && v != ""})
	}
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].k < ps[j].k })
	for i, p := range ps {
		if i == 0 {
			b.WriteByte('?')
		} else {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		if p.hasEq {
			b.WriteByte('=')
			b.WriteString(p.v)
		}
	}
	return b.String()
}

// Verify checks the SigV2 signature of r (header or query form) at time
// now. hostBucket is the bucket a virtual-host-style request names in its
// Host ("" for path style), which CanonicalizedResource begins with. It
// reads neither r.Body nor anything but r's method, URL and Header.
// Failures are *s3err.Error.
func Verify(r *http.Request, creds sigv4.Credentials, hostBucket string, now time.Time) (*sigv4.Auth, error) {
	header := r.Header.Get("Authorization")
	q := r.URL.Query()
	presigned := q.Has("AWSAccessKeyId") || q.Has("Signature") || q.Has("Expires") && !q.Has("X-Amz-Expires")
	var (
		accessKey, signature, date string
		reqTime                    time.Time
	)
	switch {
	case header != "" && (q.Has("AWSAccessKeyId") || q.Has("Signature")):
		return nil, s3err.InvalidArgument.With("Only one auth mechanism allowed; only the Signature query parameter or the Authorization header should be specified.")
	case header != "":
		presigned = false
		cred, ok := strings.CutPrefix(header, scheme)
		i := strings.LastIndexByte(cred, ':')
		if !ok || i <= 0 || i == len(cred)-1 {
			return nil, s3err.InvalidArgument.With("AWS authorization header is invalid.  Expected AwsAccessKeyId:signature")
		}
		accessKey, signature = strings.TrimSpace(cred[:i]), strings.TrimSpace(cred[i+1:])
		t, err := requestTime(r.Header)
		if err != nil {
			return nil, err
		}
		if skew := now.Sub(t); skew > MaxSkew || skew < -MaxSkew {
			return nil, s3err.RequestTimeTooSkewed.With(s3err.RequestTimeTooSkewed.Message)
		}
		reqTime = t
		if r.Header.Get("X-Amz-Date") == "" {
			date = r.Header.Get("Date")
		}
	case presigned:
		accessKey, signature = q.Get("AWSAccessKeyId"), q.Get("Signature")
		expires := q.Get("Expires")
		if accessKey == "" || signature == "" || expires == "" {
			return nil, s3err.AccessDenied.With("Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters")
		}
		// A "+" of the base64 signature sent unescaped reads as a space.
		signature = strings.ReplaceAll(signature, " ", "+")
		exp, err := strconv.ParseInt(expires, 10, 64)
		if err != nil || exp < 0 {
			return nil, s3err.AccessDenied.With("Invalid date (should be seconds since epoch): " + expires)
		}
		if now.Unix() > exp {
			return nil, s3err.AccessDenied.With("Request has expired")
		}
		reqTime = time.Unix(exp, 0).UTC()
		date = expires
	default:
		return &sigv4.Auth{Anonymous: true}, nil
	}
	secret, owner, ok := creds.SecretFor(accessKey)
	if !ok {
		return nil, s3err.InvalidAccessKeyID.With(s3err.InvalidAccessKeyID.Message)
	}
	payload := sigv4.UnsignedPayload
	if v := r.Header.Get("X-Amz-Content-Sha256"); v != "" {
		if strings.HasPrefix(v, "STREAMING-") || !sigv4.ValidPayloadHash(v) {
			return nil, s3err.InvalidRequest.With("x-amz-content-sha256 must be a sha256 value or UNSIGNED-PAYLOAD with Signature Version 2.")
		}
		payload = v
	}
	if !matches(r, hostBucket, date, secret, signature) {
		return nil, s3err.SignatureDoesNotMatch.With(s3err.SignatureDoesNotMatch.Message)
	}
	return &sigv4.Auth{
		AccessKey:   accessKey,
		Owner:       owner,
		Service:     "s3",
		Date:        reqTime,
		Signature:   signature,
		PayloadHash: payload,
		Presigned:   presigned,
	}, nil
}

// matches reports whether signature is the request's. Clients differ in
// two details AWS accepts either way, so each variant is tried (every one
// still signs the method, the resource, the date and every x-amz-*
// header): the path as sent or in Go's escaping of it ("~", "!", ...), and,
// with x-amz-date, either an empty Date line and x-amz-date among the
// x-amz-* headers (s3cmd, the general rule) or x-amz-date's value in the
// Date line (the documentation's Delete example).
func matches(r *http.Request, hostBucket, date, secret, signature string) bool {
	rawPath, rawQuery := requestPath(r)
	paths := []string{rawPath}
	if alt := r.URL.EscapedPath(); alt != rawPath {
		paths = append(paths, alt)
	}
	type variant struct {
		date string
		h    http.Header
	}
	variants := []variant{{date, r.Header}}
	if xd := r.Header.Get("X-Amz-Date"); xd != "" && date == "" {
		h := r.Header.Clone()
		h.Del("X-Amz-Date")
		variants = append(variants, variant{xd, h})
	}
	md5, ctype := r.Header.Get("Content-MD5"), r.Header.Get("Content-Type")
	ok := false
	for _, p := range paths {
		resource := CanonicalizedResource(hostBucket, p, rawQuery)
		for _, v := range variants {
			sts := StringToSign(r.Method, md5, ctype, v.date, v.h, resource)
			if hmac.Equal([]byte(Sign(secret, sts)), []byte(signature)) {
				ok = true
			}
		}
	}
	return ok
}

// requestPath returns the path and query as the client sent them (the
// request line), falling back to r.URL's escaping.
func requestPath(r *http.Request) (string, string) {
	if r.RequestURI != "" && strings.HasPrefix(r.RequestURI, "/") {
		p, q, _ := strings.Cut(r.RequestURI, "?")
		return p, q
	}
	return r.URL.EscapedPath(), r.URL.RawQuery
}

// requestTime reads x-amz-date, falling back to Date (RFC 1123 and the
// other HTTP date formats, or ISO 8601 basic as some clients send in
// x-amz-date).
func requestTime(h http.Header) (time.Time, error) {
	v := h.Get("X-Amz-Date")
	if v == "" {
		v = h.Get("Date")
	}
	if v == "" {
		return time.Time{}, s3err.AccessDenied.With("AWS authentication requires a valid Date or x-amz-date header")
	}
	for _, layout := range []string{time.RFC1123Z, time.RFC1123, time.RFC850, time.ANSIC, sigv4.TimeFormat} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, s3err.AccessDenied.With("AWS authentication requires a valid Date or x-amz-date header")
}
