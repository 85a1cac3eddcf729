package s3api

import (
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/internal/checksum"
	"github.com/dolium/dolium/s3api/s3err"
)

// contentHeaders are the content headers S3 stores with an object.
var contentHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires"}

// maxUserMeta is S3's limit on the size of user-defined metadata.
const maxUserMeta = 2048

// objectMetadata reads the stored content headers and x-amz-meta-* values
// of an upload request.
func objectMetadata(h http.Header) (map[string]string, map[string]string, error) {
	hdrs := map[string]string{}
	for _, k := range contentHeaders {
		if v := h.Get(k); v != "" {
			hdrs[k] = v
		}
	}
	// aws-chunked is a transfer detail of the request, not of the object.
	if ce := hdrs["Content-Encoding"]; ce != "" {
		var keep []string
		for _, p := range strings.Split(ce, ",") {
			if p = strings.TrimSpace(p); p != "" && !strings.EqualFold(p, "aws-chunked") {
				keep = append(keep, p)
			}
		}
		if len(keep) == 0 {
			delete(hdrs, "Content-Encoding")
		} else {
			hdrs["Content-Encoding"] = strings.Join(keep, ",")
		}
	}
	um := map[string]string{}
	size := 0
	for k, vs := range h {
		lk := strings.ToLower(k)
		if name, ok := strings.CutPrefix(lk, "x-amz-meta-"); ok && name != "" {
			v := strings.Join(vs, ",")
			um[name] = v
			size += len(name) + len(v)
		}
	}
	if size > maxUserMeta {
		return nil, nil, s3err.MetadataTooLarge
	}
	return hdrs, um, nil
}

// bodySize is the declared payload length: x-amz-decoded-content-length for
// aws-chunked bodies, else Content-Length (-1 if unknown).
func bodySize(r *request) (int64, error) {
	if strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
		v := r.Header.Get("X-Amz-Decoded-Content-Length")
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return 0, s3err.MissingContentLength
		}
		return n, nil
	}
	return r.ContentLength, nil
}

// checksumInput reads the additional checksum of an upload: a
// x-amz-checksum-<alg> header, a trailer announced by x-amz-trailer, or an
// algorithm alone (x-amz-sdk-checksum-algorithm).
func checksumInput(r *request) (gateway.ChecksumInput, error) {
	var in gateway.ChecksumInput
	n := 0
	for _, a := range checksum.All() {
		v := r.Header.Get(a.HeaderName())
		if v == "" {
			continue
		}
		if _, err := checksum.Decode(a, v); err != nil {
			return in, s3err.InvalidRequest.With("Value for " + a.HeaderName() + " header is invalid.")
		}
		in.Algorithm, in.Value = a, v
		n++
	}
	if t := strings.TrimSpace(r.Header.Get("X-Amz-Trailer")); t != "" {
		name := strings.ToLower(t)
		a, ok := checksum.Parse(strings.TrimPrefix(name, "x-amz-checksum-"))
		if !ok || !strings.HasPrefix(name, "x-amz-checksum-") {
			return in, s3err.InvalidRequest.With("The value specified in the x-amz-trailer header is not supported")
		}
		in.Algorithm = a
		in.Trailer = func() string {
			v := r.trailers.get(name)
			if v == "" {
				return "(missing trailer)" // declared but not sent: never matches
			}
			return v
		}
		n++
	}
	if n > 1 {
		return in, s3err.InvalidRequest.With("Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	if n == 0 {
		if v := r.Header.Get("X-Amz-Sdk-Checksum-Algorithm"); v != "" {
			a, ok := checksum.Parse(v)
			if !ok {
				return in, s3err.InvalidRequest.With("Checksum algorithm provided is unsupported.")
			}
			in.Algorithm = a
		}
	}
	return in, nil
}

// verifySmallBody checks Content-MD5 and header checksums of a body read
// whole (XML documents only; object data is verified while it streams).
func verifySmallBody(r *request, b []byte) error {
	if v := r.Header.Get("Content-MD5"); v != "" {
		want, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(want) != md5.Size {
			return s3err.InvalidDigest
		}
		got := md5.Sum(b)
		if string(got[:]) != string(want) {
			return s3err.BadDigest
		}
	}
	in, err := checksumInput(r)
	if err != nil || in.Algorithm == "" {
		return err
	}
	h := in.Algorithm.New()
	h.Write(b)
	got := checksum.Encode(h.Sum(nil))
	want := in.Value
	if in.Trailer != nil {
		want = in.Trailer()
	}
	if want != "" && want != got {
		return s3err.BadDigest.With("The " + string(in.Algorithm) + " you specified did not match the calculated checksum.")
	}
	return nil
}

// parseRange parses a Range header. A header that is absent or not a single
// byte range is ignored (nil, as S3 does); a syntactically valid range is
// returned for the core to check against the object's size.
func parseRange(h string) *gateway.Range {
	spec, ok := strings.CutPrefix(strings.TrimSpace(h), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return nil
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return nil
	}
	if first == "" {
		n, err := strconv.ParseInt(last, 10, 64)
		if err != nil || n <= 0 || !allDigits(last) {
			return nil
		}
		return &gateway.Range{Suffix: n}
	}
	start, err := strconv.ParseInt(first, 10, 64)
	if err != nil || !allDigits(first) {
		return nil
	}
	r := &gateway.Range{Start: start, End: -1}
	if last != "" {
		end, err := strconv.ParseInt(last, 10, 64)
		if err != nil || !allDigits(last) || end < start {
			return nil
		}
		r.End = end
	}
	return r
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func httpTime(v string) *time.Time {
	if v == "" {
		return nil
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return nil
	}
	return &t
}

func readCond(h http.Header, prefix string) gateway.ReadCond {
	return gateway.ReadCond{
		IfMatch:           h.Get(prefix + "If-Match"),
		IfNoneMatch:       h.Get(prefix + "If-None-Match"),
		IfModifiedSince:   httpTime(h.Get(prefix + "If-Modified-Since")),
		IfUnmodifiedSince: httpTime(h.Get(prefix + "If-Unmodified-Since")),
	}
}

func writeCond(h http.Header) (gateway.WriteCond, error) {
	c := gateway.WriteCond{IfMatch: h.Get("If-Match")}
	if v := h.Get("If-None-Match"); v != "" {
		if strings.TrimSpace(v) != "*" {
			return c, s3err.NotImplemented.With("If-None-Match on writes supports only *")
		}
		c.IfNoneMatch = true
	}
	return c, nil
}

// unimplemented answers NotImplemented for a request header that asks for
// what dolium does not do yet: encryption. Accepting the request and
// dropping the header would store plaintext a client asked to have
// encrypted.
func unimplemented(h http.Header) error {
	for name := range h {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-server-side-encryption") ||
			strings.HasPrefix(l, "x-amz-copy-source-server-side-encryption") {
			return s3err.NotImplemented.With("A header you provided implies functionality that is not implemented: " + name + ".")
		}
	}
	return nil
}
