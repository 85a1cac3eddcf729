package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/dolium/dolium/s3api/s3err"
)

// payloadVerifier hashes a body as it streams and checks the digest at EOF.
type payloadVerifier struct {
	r    io.Reader
	h    hash.Hash
	want []byte // nil if the expected value was not valid hex
	err  error  // sticky
}

// NewPayloadVerifier returns a reader of body that computes its SHA-256 as
// it streams. At the end of body it returns io.EOF only if the digest
// equals expectedSHA256Hex; otherwise it returns an *s3err.Error with code
// XAmzContentSHA256Mismatch, and keeps returning it. Errors of body other
// than io.EOF are passed through.
func NewPayloadVerifier(body io.Reader, expectedSHA256Hex string) io.Reader {
	want, err := hex.DecodeString(expectedSHA256Hex)
	if err != nil || len(want) != sha256.Size {
		want = nil
	}
	return &payloadVerifier{r: body, h: sha256.New(), want: want}
}

func (v *payloadVerifier) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF {
		if v.want == nil || subtle.ConstantTimeCompare(v.h.Sum(nil), v.want) != 1 {
			err = s3err.XAmzContentSHA256Mismatch
		}
	}
	v.err = err
	return n, err
}

// NewBodyReader returns the reader of r's payload as its authentication
// requires, for a request that passed Verify with result a:
//
//   - a hex x-amz-content-sha256: NewPayloadVerifier;
//   - UNSIGNED-PAYLOAD (and anonymous requests without a digest): r.Body;
//   - the STREAMING-* values: NewChunkedReader, with DecodedLength from
//     x-amz-decoded-content-length (required) and trailers handed to
//     onTrailer, which may be nil.
//
// For anonymous requests the x-amz-content-sha256 header is still honoured,
// except that signed streaming is refused.
func NewBodyReader(r *http.Request, a *Auth, onTrailer func(name, value string)) (io.Reader, error) {
	payload := a.PayloadHash
	if a.Anonymous {
		payload = r.Header.Get("X-Amz-Content-Sha256")
		if payload == "" {
			payload = UnsignedPayload
		}
		if !ValidPayloadHash(payload) {
			return nil, s3err.InvalidArgument.With("x-amz-content-sha256 has an invalid value.")
		}
	}
	var opts ChunkedOptions
	switch payload {
	case UnsignedPayload:
		return r.Body, nil
	case StreamingPayload:
		opts = ChunkedOptions{Signed: true}
	case StreamingPayloadTrailer:
		opts = ChunkedOptions{Signed: true, Trailer: true}
	case StreamingUnsignedPayloadTrailer:
		opts = ChunkedOptions{Trailer: true}
	default:
		return NewPayloadVerifier(r.Body, payload), nil
	}
	if opts.Signed && a.Anonymous {
		return nil, s3err.AccessDenied.With("A signed streaming payload requires a signed request.")
	}
	dl := strings.TrimSpace(r.Header.Get("X-Amz-Decoded-Content-Length"))
	if dl == "" {
		return nil, s3err.MissingSecurityHeader.With("Your request is missing a required header: x-amz-decoded-content-length.")
	}
	n, err := strconv.ParseInt(dl, 10, 64)
	if err != nil || n < 0 {
		return nil, s3err.InvalidArgument.With("x-amz-decoded-content-length must be a non-negative integer.")
	}
	opts.DecodedLength = n
	opts.OnTrailer = onTrailer
	if opts.Signed {
		opts.Auth = a
	}
	return NewChunkedReader(r.Body, opts), nil
}
