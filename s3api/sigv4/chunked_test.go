package sigv4

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/dolium/dolium/s3api/s3err"
)

// testAuth is the Auth Verify would return for a request signed with the
// example key at the example time, with the given seed signature.
func testAuth(seed string) *Auth {
	return &Auth{
		Date:       exampleTime,
		Scope:      Scope("20130524", exampleRegion, "s3"),
		SigningKey: SigningKey(exampleSecret, "20130524", exampleRegion, "s3"),
		Signature:  seed,
	}
}

const testSeed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"

type trailer struct{ name, value string }

// encodeChunked is the client side: it frames chunks (and trailers) as
// aws-chunked, signing them when a is not nil.
func encodeChunked(a *Auth, chunks [][]byte, trailers []trailer, withTrailer bool) []byte {
	var b bytes.Buffer
	prev := ""
	if a != nil {
		prev = a.Signature
	}
	for _, c := range append(chunks, nil) {
		fmt.Fprintf(&b, "%x", len(c))
		if a != nil {
			prev = Signature(a.SigningKey, ChunkStringToSign(a.Date, a.Scope, prev, c))
			b.WriteString(";chunk-signature=" + prev)
		}
		b.WriteString("\r\n")
		b.Write(c)
		if len(c) > 0 || !withTrailer {
			b.WriteString("\r\n")
		}
	}
	if withTrailer {
		var canonical strings.Builder
		for _, t := range trailers {
			b.WriteString(t.name + ":" + t.value + "\r\n")
			canonical.WriteString(t.name + ":" + t.value + "\n")
		}
		if a != nil {
			sig := Signature(a.SigningKey, TrailerStringToSign(a.Date, a.Scope, prev, canonical.String()))
			b.WriteString("x-amz-trailer-signature:" + sig + "\r\n")
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

func chunksOf(sizes ...int) ([][]byte, []byte) {
	var chunks [][]byte
	var all []byte
	for i, n := range sizes {
		c := bytes.Repeat([]byte{byte('a' + i)}, n)
		chunks = append(chunks, c)
		all = append(all, c...)
	}
	return chunks, all
}

// readAllSmall reads r in small pieces, to exercise partial reads.
func readAllSmall(r io.Reader) ([]byte, error) {
	var out []byte
	buf := make([]byte, 777)
	for {
		n, err := r.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

func TestChunkedReaderGood(t *testing.T) {
	chunks, data := chunksOf(65536, 8192, 1)
	crc := trailer{"x-amz-checksum-crc32", "AAAAAA=="}
	tests := []struct {
		name     string
		opts     ChunkedOptions
		stream   []byte
		trailers []trailer
	}{
		{"signed", ChunkedOptions{Signed: true, Auth: testAuth(testSeed)},
			encodeChunked(testAuth(testSeed), chunks, nil, false), nil},
		{"signed with trailer", ChunkedOptions{Signed: true, Trailer: true, Auth: testAuth(testSeed)},
			encodeChunked(testAuth(testSeed), chunks, []trailer{crc}, true), []trailer{crc}},
		{"signed with empty trailer", ChunkedOptions{Signed: true, Trailer: true, Auth: testAuth(testSeed)},
			encodeChunked(testAuth(testSeed), chunks, nil, true), nil},
		{"unsigned trailer", ChunkedOptions{Trailer: true},
			encodeChunked(nil, chunks, []trailer{crc}, true), []trailer{crc}},
		{"unsigned no trailer", ChunkedOptions{},
			encodeChunked(nil, chunks, nil, false), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []trailer
			opts := tt.opts
			opts.DecodedLength = int64(len(data))
			opts.OnTrailer = func(n, v string) { got = append(got, trailer{n, v}) }
			out, err := readAllSmall(NewChunkedReader(bytes.NewReader(tt.stream), opts))
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			if !bytes.Equal(out, data) {
				t.Errorf("got %d bytes, want %d matching bytes", len(out), len(data))
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.trailers) {
				t.Errorf("trailers: got %v, want %v", got, tt.trailers)
			}
		})
	}
}

func TestChunkedReaderEmptyBody(t *testing.T) {
	stream := encodeChunked(testAuth(testSeed), nil, nil, false)
	out, err := io.ReadAll(NewChunkedReader(bytes.NewReader(stream), ChunkedOptions{Signed: true, Auth: testAuth(testSeed)}))
	if err != nil || len(out) != 0 {
		t.Errorf("got %q, %v; want empty, nil", out, err)
	}
}

// TestChunkedReaderFailsAtBadChunk checks that the reader returns every
// byte of the good chunks, none of the bad one, and then the error.
func TestChunkedReaderFailsAtBadChunk(t *testing.T) {
	chunks, _ := chunksOf(1000, 1000, 1000)
	good := encodeChunked(testAuth(testSeed), chunks, nil, false)
	secondData := bytes.Index(good, bytes.Repeat([]byte{'b'}, 1000))
	tests := []struct {
		name     string
		edit     func([]byte) []byte
		wantGood int
		want     error
	}{
		{"tampered data in second chunk", func(s []byte) []byte { s[secondData+10] = 'X'; return s }, 1000, s3err.SignatureDoesNotMatch},
		{"tampered signature of first chunk", func(s []byte) []byte {
			i := bytes.Index(s, []byte("chunk-signature=")) + len("chunk-signature=")
			s[i] ^= 1
			return s
		}, 0, s3err.SignatureDoesNotMatch},
		{"first chunk data replaced", func(s []byte) []byte {
			return bytes.Replace(s, bytes.Repeat([]byte{'a'}, 1000), bytes.Repeat([]byte{'c'}, 1000), 1)
		}, 0, s3err.SignatureDoesNotMatch},
		{"wrong seed", func(s []byte) []byte { return encodeChunked(testAuth(strings.Repeat("0", 64)), chunks, nil, false) }, 0, s3err.SignatureDoesNotMatch},
		{"missing signature", func(s []byte) []byte { return encodeChunked(nil, chunks, nil, false) }, 0, s3err.SignatureDoesNotMatch},
		{"truncated in data", func(s []byte) []byte { return s[:secondData+500] }, 1000, s3err.IncompleteBody},
		{"truncated before final chunk", func(s []byte) []byte { return s[:bytes.LastIndex(s, []byte("0;chunk"))] }, 3000, s3err.IncompleteBody},
		{"truncated final CRLF", func(s []byte) []byte { return s[:len(s)-2] }, 3000, s3err.IncompleteBody},
		{"missing CRLF after data", func(s []byte) []byte {
			i := secondData + 1000
			return append(s[:i:i], s[i+2:]...)
		}, 1000, s3err.InvalidRequest},
		{"bad size", func(s []byte) []byte { return append([]byte("zz"), s[3:]...) }, 0, s3err.InvalidRequest},
		{"oversized chunk", func(s []byte) []byte { return append([]byte("1000001"), s[3:]...) }, 0, s3err.InvalidRequest},
		{"header line too long", func(s []byte) []byte { return bytes.Repeat([]byte{'1'}, 5000) }, 0, s3err.InvalidRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := tt.edit(append([]byte(nil), good...))
			opts := ChunkedOptions{Signed: true, Auth: testAuth(testSeed), DecodedLength: 3000}
			out, err := readAllSmall(NewChunkedReader(bytes.NewReader(stream), opts))
			if !errors.Is(err, tt.want) {
				t.Fatalf("got error %v, want %v", err, tt.want)
			}
			if len(out) != tt.wantGood {
				t.Errorf("got %d bytes before the error, want %d", len(out), tt.wantGood)
			}
		})
	}
}

func TestChunkedReaderDecodedLength(t *testing.T) {
	chunks, data := chunksOf(100, 50)
	for _, tt := range []struct {
		name string
		dl   int64
		want error
	}{
		{"exact", int64(len(data)), nil},
		{"unknown", -1, nil},
		{"declared shorter", int64(len(data)) - 1, s3err.IncompleteBody},
		{"declared longer", int64(len(data)) + 1, s3err.IncompleteBody},
		{"zero", 0, s3err.IncompleteBody},
	} {
		t.Run(tt.name, func(t *testing.T) {
			stream := encodeChunked(testAuth(testSeed), chunks, nil, false)
			opts := ChunkedOptions{Signed: true, Auth: testAuth(testSeed), DecodedLength: tt.dl}
			_, err := io.ReadAll(NewChunkedReader(bytes.NewReader(stream), opts))
			if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestChunkedReaderTrailerErrors(t *testing.T) {
	chunks, data := chunksOf(100)
	crc := []trailer{{"x-amz-checksum-crc32", "AAAAAA=="}}
	signedOpts := ChunkedOptions{Signed: true, Trailer: true, Auth: testAuth(testSeed), DecodedLength: int64(len(data))}
	good := encodeChunked(testAuth(testSeed), chunks, crc, true)
	tests := []struct {
		name   string
		opts   ChunkedOptions
		stream []byte
		want   error
	}{
		{"tampered trailer value", signedOpts, bytes.Replace(good, []byte("AAAAAA=="), []byte("BBBBBB=="), 1), s3err.SignatureDoesNotMatch},
		{"tampered trailer signature", signedOpts, bytes.Replace(good, []byte("x-amz-trailer-signature:"), []byte("x-amz-trailer-signature:0"), 1), s3err.SignatureDoesNotMatch},
		{"empty stream", signedOpts, nil, s3err.IncompleteBody},
		{"trailer signature absent", signedOpts, bytes.Replace(good, good[bytes.Index(good, []byte("x-amz-trailer-signature")):len(good)-2], nil, 1), s3err.SignatureDoesNotMatch},
		{"malformed trailer line", ChunkedOptions{Trailer: true, DecodedLength: 100}, []byte("64\r\n" + strings.Repeat("a", 100) + "\r\n0\r\nnocolon\r\n\r\n"), s3err.InvalidRequest},
		{"truncated trailers", ChunkedOptions{Trailer: true, DecodedLength: 100}, encodeChunked(nil, chunks, crc, true)[:len(encodeChunked(nil, chunks, crc, true))-2], s3err.IncompleteBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			opts := tt.opts
			opts.OnTrailer = func(string, string) { called = true }
			_, err := io.ReadAll(NewChunkedReader(bytes.NewReader(tt.stream), opts))
			if !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
			if called {
				t.Errorf("OnTrailer called for a failing body, want no call")
			}
		})
	}
}

func TestChunkedReaderNoAuth(t *testing.T) {
	_, err := io.ReadAll(NewChunkedReader(strings.NewReader("0\r\n\r\n"), ChunkedOptions{Signed: true}))
	if !errors.Is(err, s3err.InvalidRequest) {
		t.Errorf("got %v, want InvalidRequest", err)
	}
}

func TestChunkedReaderPassesBodyErrors(t *testing.T) {
	boom := errors.New("boom")
	_, err := io.ReadAll(NewChunkedReader(io.MultiReader(strings.NewReader("a\r\n12345"), errReader{boom}), ChunkedOptions{DecodedLength: -1}))
	if err != boom {
		t.Errorf("got %v, want %v", err, boom)
	}
}

// TestNewBodyReaderModes checks that the payload hash selects the reader.
func TestNewBodyReaderModes(t *testing.T) {
	chunks, data := chunksOf(10)
	crc := []trailer{{"x-amz-checksum-crc32", "AAAAAA=="}}
	tests := []struct {
		name     string
		auth     *Auth
		header   map[string]string
		body     []byte
		want     error
		trailers int
	}{
		{"hex digest", &Auth{PayloadHash: sha256Hex(data)}, nil, data, nil, 0},
		{"hex digest mismatch", &Auth{PayloadHash: EmptySHA256}, nil, data, s3err.XAmzContentSHA256Mismatch, 0},
		{"unsigned", &Auth{PayloadHash: UnsignedPayload}, nil, data, nil, 0},
		{"streaming signed", withPayload(testAuth(testSeed), StreamingPayload),
			map[string]string{"X-Amz-Decoded-Content-Length": "10"}, encodeChunked(testAuth(testSeed), chunks, nil, false), nil, 0},
		{"streaming signed trailer", withPayload(testAuth(testSeed), StreamingPayloadTrailer),
			map[string]string{"X-Amz-Decoded-Content-Length": "10"}, encodeChunked(testAuth(testSeed), chunks, crc, true), nil, 1},
		{"streaming unsigned trailer", &Auth{PayloadHash: StreamingUnsignedPayloadTrailer},
			map[string]string{"X-Amz-Decoded-Content-Length": "10"}, encodeChunked(nil, chunks, crc, true), nil, 1},
		{"anonymous unsigned trailer", &Auth{Anonymous: true},
			map[string]string{"X-Amz-Decoded-Content-Length": "10", "X-Amz-Content-Sha256": StreamingUnsignedPayloadTrailer}, encodeChunked(nil, chunks, crc, true), nil, 1},
		{"anonymous plain", &Auth{Anonymous: true}, nil, data, nil, 0},
		{"anonymous digest mismatch", &Auth{Anonymous: true}, map[string]string{"X-Amz-Content-Sha256": EmptySHA256}, data, s3err.XAmzContentSHA256Mismatch, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, "PUT", "http://example.com/b/k", tt.header, string(tt.body))
			n := 0
			rd, err := NewBodyReader(r, tt.auth, func(string, string) { n++ })
			if err != nil {
				t.Fatalf("NewBodyReader: got %v, want nil", err)
			}
			out, err := io.ReadAll(rd)
			if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
			if tt.want == nil && !bytes.Equal(out, data) {
				t.Errorf("got %q, want %q", out, data)
			}
			if n != tt.trailers {
				t.Errorf("trailers: got %d, want %d", n, tt.trailers)
			}
		})
	}
}

func TestNewBodyReaderErrors(t *testing.T) {
	tests := []struct {
		name   string
		auth   *Auth
		header map[string]string
		want   error
	}{
		{"missing decoded length", withPayload(testAuth(testSeed), StreamingPayload), nil, s3err.MissingSecurityHeader},
		{"bad decoded length", withPayload(testAuth(testSeed), StreamingPayload), map[string]string{"X-Amz-Decoded-Content-Length": "-1"}, s3err.InvalidArgument},
		{"anonymous signed streaming", &Auth{Anonymous: true}, map[string]string{"X-Amz-Content-Sha256": StreamingPayload, "X-Amz-Decoded-Content-Length": "1"}, s3err.AccessDenied},
		{"anonymous bad digest", &Auth{Anonymous: true}, map[string]string{"X-Amz-Content-Sha256": "nope"}, s3err.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRequest(t, "PUT", "http://example.com/b/k", tt.header, "")
			if _, err := NewBodyReader(r, tt.auth, nil); !errors.Is(err, tt.want) {
				t.Errorf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func withPayload(a *Auth, p string) *Auth {
	a.PayloadHash = p
	return a
}
