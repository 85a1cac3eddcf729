package sigv4

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dolium/dolium/s3api/s3err"
)

func FuzzParseAuthorization(f *testing.F) {
	const sig = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-date, Signature=" + sig)
	f.Add("AWS4-HMAC-SHA256 Signature=" + sig + ",SignedHeaders=host,Credential=a/b/c/d/e/20130524/r/s3/aws4_request")
	f.Add("AWS4-HMAC-SHA256 Credential=/,SignedHeaders=;,Signature=")
	f.Add("AWS4-HMAC-SHA256")
	f.Add("AWS AKID:sig")
	f.Add("")
	f.Fuzz(func(t *testing.T, h string) {
		ak, date, region, service, signed, s, err := ParseAuthorization(h)
		if err != nil {
			if !errors.Is(err, s3err.AuthorizationHeaderMalformed) {
				t.Fatalf("got error %v, want AuthorizationHeaderMalformed", err)
			}
			return
		}
		if ak == "" || len(date) != 8 || region == "" || service == "" || len(signed) == 0 || !validSignature(s) {
			t.Fatalf("accepted %q with empty or invalid parts: %q %q %q %q %q %q", h, ak, date, region, service, signed, s)
		}
		for _, name := range signed {
			if name == "" || name != strings.ToLower(name) {
				t.Fatalf("accepted signed header %q", name)
			}
		}
	})
}

func FuzzChunkedReader(f *testing.F) {
	chunks, _ := chunksOf(100, 10)
	crc := []trailer{{"x-amz-checksum-crc32", "AAAAAA=="}}
	f.Add(encodeChunked(testAuth(testSeed), chunks, nil, false), true, false)
	f.Add(encodeChunked(testAuth(testSeed), chunks, crc, true), true, true)
	f.Add(encodeChunked(nil, chunks, crc, true), false, true)
	f.Add(encodeChunked(nil, chunks, nil, false), false, false)
	f.Add([]byte("ffffffff\r\n"), false, false)
	f.Add([]byte("5;ext\r\nabc"), false, false)
	f.Add([]byte("0\r\nx:y\r\n"), false, true)
	f.Add([]byte{}, false, false)
	f.Fuzz(func(t *testing.T, stream []byte, signed, withTrailer bool) {
		opts := ChunkedOptions{Signed: signed, Trailer: withTrailer, Auth: testAuth(testSeed), DecodedLength: -1}
		n, err := io.Copy(io.Discard, NewChunkedReader(bytes.NewReader(stream), opts))
		if n > int64(len(stream)) {
			t.Fatalf("got %d bytes from a %d-byte stream, want at most %d", n, len(stream), len(stream))
		}
		var e *s3err.Error
		if err != nil && !errors.As(err, &e) {
			t.Fatalf("got error %v (%T), want *s3err.Error", err, err)
		}
	})
}
