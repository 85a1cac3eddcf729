package sigv4

import (
	"bufio"
	"crypto/hmac"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/dolium/dolium/s3api/s3err"
)

// MaxChunkSize is the largest aws-chunked chunk accepted (16 MiB).
const MaxChunkSize = 16 << 20

const (
	maxLine     = 4096 // longest chunk header or trailer line
	maxTrailers = 16
)

// ChunkedOptions configures NewChunkedReader.
type ChunkedOptions struct {
	// Signed selects STREAMING-AWS4-HMAC-SHA256-PAYLOAD(-TRAILER): every
	// chunk carries a chunk-signature chained from Auth.Signature.
	Signed bool
	// Trailer selects the -TRAILER variants: trailing headers follow the
	// final chunk, signed by x-amz-trailer-signature when Signed.
	Trailer bool
	// Auth is the result of Verify; required when Signed, for its
	// SigningKey, Date, Scope and seed Signature.
	Auth *Auth
	// DecodedLength is x-amz-decoded-content-length. The body must decode
	// to exactly this many bytes; a negative value disables the check.
	DecodedLength int64
	// OnTrailer, if not nil, receives each trailing header (lower-case
	// name, trimmed value) once the trailer has been verified and before
	// Read returns io.EOF.
	OnTrailer func(name, value string)
}

// chunkedReader decodes an aws-chunked body.
type chunkedReader struct {
	br   *bufio.Reader
	opts ChunkedOptions

	prevSig   string // signature of the previous chunk, or the seed
	pending   []byte // verified bytes of the current chunk not yet read (Signed)
	store     []byte // backing array of pending, reused between chunks
	remaining int64  // bytes of the current chunk not yet read (unsigned)
	needCRLF  bool   // the CRLF after the current chunk's data is unread
	total     int64  // decoded bytes so far
	err       error  // sticky; io.EOF after a complete body
}

// NewChunkedReader returns a reader of the data in an aws-chunked body:
//
//	hex-size[;chunk-signature=SIG]\r\n data \r\n ... 0[;chunk-signature=SIG]\r\n [trailers] \r\n
//
// It streams, holding at most one chunk (of at most MaxChunkSize bytes) in
// memory, and only when Signed, because a chunk is verified before any of
// its bytes are returned. Errors are *s3err.Error: SignatureDoesNotMatch at a
// bad chunk or trailer signature, IncompleteBody for a truncated body or a
// decoded length other than DecodedLength, InvalidRequest for malformed
// framing. Errors of body other than io.EOF are passed through.
//
// Checking a trailing checksum against the data is left to the caller.
func NewChunkedReader(body io.Reader, opts ChunkedOptions) io.Reader {
	r := &chunkedReader{br: bufio.NewReaderSize(body, maxLine), opts: opts}
	if opts.Signed {
		if opts.Auth == nil || len(opts.Auth.SigningKey) == 0 {
			r.err = s3err.InvalidRequest.With("signed aws-chunked body without request credentials")
		} else {
			r.prevSig = opts.Auth.Signature
		}
	}
	return r
}

func (r *chunkedReader) Read(p []byte) (int, error) {
	for r.err == nil {
		if len(p) == 0 {
			return 0, nil
		}
		if len(r.pending) > 0 {
			n := copy(p, r.pending)
			r.pending = r.pending[n:]
			return n, nil
		}
		if r.remaining > 0 {
			return r.readUnsigned(p)
		}
		r.err = r.nextChunk()
	}
	return 0, r.err
}

// readUnsigned streams bytes of the current unsigned chunk.
func (r *chunkedReader) readUnsigned(p []byte) (int, error) {
	if int64(len(p)) > r.remaining {
		p = p[:r.remaining]
	}
	n, err := r.br.Read(p)
	r.remaining -= int64(n)
	if err == io.EOF && r.remaining > 0 {
		err = truncated()
	}
	if err != nil && err != io.EOF {
		r.err = err
		return n, err
	}
	return n, nil
}

// nextChunk reads the next chunk header and, when Signed, its verified
// data. It returns io.EOF after the final chunk and its trailers.
func (r *chunkedReader) nextChunk() error {
	if r.needCRLF {
		if err := r.readCRLF(); err != nil {
			return err
		}
		r.needCRLF = false
	}
	line, err := r.readLine()
	if err != nil {
		return err
	}
	size, sig, err := parseChunkHeader(line, r.opts.Signed)
	if err != nil {
		return err
	}
	if r.opts.DecodedLength >= 0 && r.total+size > r.opts.DecodedLength {
		return s3err.IncompleteBody.With("The aws-chunked body is longer than x-amz-decoded-content-length.")
	}
	r.total += size
	if r.opts.Signed {
		data, err := r.readData(size)
		if err != nil {
			return err
		}
		a := r.opts.Auth
		want := Signature(a.SigningKey, ChunkStringToSign(a.Date, a.Scope, r.prevSig, data))
		if !hmac.Equal([]byte(want), []byte(sig)) {
			return s3err.SignatureDoesNotMatch.With("The chunk signature we calculated does not match the signature you provided.")
		}
		if size > 0 {
			// Frame the chunk completely before releasing any of it.
			if err := r.readCRLF(); err != nil {
				return err
			}
		}
		r.prevSig = sig
		r.pending = data
	} else {
		r.remaining = size
		r.needCRLF = size > 0
	}
	if size > 0 {
		return nil
	}
	return r.finish()
}

// finish reads what follows the final chunk's header.
func (r *chunkedReader) finish() error {
	if r.opts.DecodedLength >= 0 && r.total != r.opts.DecodedLength {
		return s3err.IncompleteBody.With("The aws-chunked body is shorter than x-amz-decoded-content-length.")
	}
	if !r.opts.Trailer {
		if err := r.readCRLF(); err != nil {
			return err
		}
		return io.EOF
	}
	names, values, err := r.readTrailers()
	if err != nil {
		return err
	}
	if r.opts.OnTrailer != nil {
		for i := range names {
			r.opts.OnTrailer(names[i], values[i])
		}
	}
	return io.EOF
}

// readTrailers reads trailing header lines up to the empty line and, when
// Signed, checks x-amz-trailer-signature.
func (r *chunkedReader) readTrailers() (names, values []string, err error) {
	var canonical strings.Builder
	var sig string
	for {
		line, err := r.readLine()
		if err != nil {
			return nil, nil, err
		}
		if line == "" {
			break
		}
		if len(names) == maxTrailers {
			return nil, nil, s3err.InvalidRequest.With("Too many trailing headers.")
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.ToLower(strings.TrimSpace(name))
		value = strings.TrimSpace(value)
		if !ok || name == "" {
			return nil, nil, s3err.InvalidRequest.With("Malformed trailing header.")
		}
		if name == "x-amz-trailer-signature" {
			sig = value
			continue
		}
		names = append(names, name)
		values = append(values, value)
		canonical.WriteString(name + ":" + value + "\n")
	}
	if r.opts.Signed {
		a := r.opts.Auth
		want := Signature(a.SigningKey, TrailerStringToSign(a.Date, a.Scope, r.prevSig, canonical.String()))
		if !hmac.Equal([]byte(want), []byte(sig)) {
			return nil, nil, s3err.SignatureDoesNotMatch.With("The trailer signature we calculated does not match the signature you provided.")
		}
	}
	return names, values, nil
}

// parseChunkHeader parses "hex-size" or "hex-size;chunk-signature=SIG".
// Unsigned chunks may carry (ignored) extensions; signed chunks must
// carry exactly a chunk-signature.
func parseChunkHeader(line string, signed bool) (size int64, sig string, err error) {
	sizeHex, ext, hasExt := strings.Cut(line, ";")
	if sizeHex == "" || len(sizeHex) > 8 {
		return 0, "", s3err.InvalidRequest.With("Malformed aws-chunked chunk size.")
	}
	n, perr := strconv.ParseUint(sizeHex, 16, 64)
	if perr != nil {
		return 0, "", s3err.InvalidRequest.With("Malformed aws-chunked chunk size.")
	}
	if n > MaxChunkSize {
		return 0, "", s3err.InvalidRequest.With("aws-chunked chunk size exceeds " + strconv.Itoa(MaxChunkSize) + " bytes.")
	}
	if signed {
		sig, ok := strings.CutPrefix(ext, "chunk-signature=")
		if !hasExt || !ok || !validSignature(sig) {
			return 0, "", s3err.SignatureDoesNotMatch.With("Missing or malformed chunk-signature.")
		}
		return int64(n), sig, nil
	}
	return int64(n), "", nil
}

// readLine reads a CRLF-terminated line of at most maxLine bytes and
// returns it without the CRLF.
func (r *chunkedReader) readLine() (string, error) {
	b, err := r.br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return "", s3err.InvalidRequest.With("aws-chunked line too long.")
	case err == io.EOF:
		return "", truncated()
	case err != nil:
		return "", err
	}
	if len(b) < 2 || b[len(b)-2] != '\r' {
		return "", s3err.InvalidRequest.With("aws-chunked line not terminated by CRLF.")
	}
	return string(b[:len(b)-2]), nil
}

// readCRLF consumes the CRLF that ends a chunk's data.
func (r *chunkedReader) readCRLF() error {
	var b [2]byte
	if _, err := io.ReadFull(r.br, b[:]); err != nil {
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return truncated()
		}
		return err
	}
	if b != [2]byte{'\r', '\n'} {
		return s3err.InvalidRequest.With("aws-chunked chunk data not followed by CRLF.")
	}
	return nil
}

// readData reads a whole chunk into the reusable buffer. The buffer grows
// as the data arrives, not to the declared size at once, so a client that
// declares a large chunk and sends it slowly holds only what it sent.
func (r *chunkedReader) readData(size int64) ([]byte, error) {
	data := r.store[:0]
	for int64(len(data)) < size {
		if len(data) == cap(data) {
			grown := make([]byte, len(data), min(size, max(64<<10, 2*int64(cap(data)))))
			copy(grown, data)
			data = grown
			r.store = grown
		}
		n, err := r.br.Read(data[len(data):min(int64(cap(data)), size)])
		data = data[:len(data)+n]
		if err == io.EOF && int64(len(data)) < size {
			return nil, truncated()
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
	}
	return data, nil
}

func truncated() error {
	return s3err.IncompleteBody.With("The aws-chunked body ended early.")
}
