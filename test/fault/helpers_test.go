package fault

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/dolium/dolium/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// patternBlock is the unit in which pattern content is generated, so that
// any offset can be read without generating what precedes it.
const patternBlock = 8 << 10

// pattern is size bytes of deterministic pseudo-random content: block i is
// the ChaCha8 stream keyed by (seed, i). It is never held in memory whole.
type pattern struct {
	seed uint64
	size int64
}

func (p pattern) block(i int64, b *[patternBlock]byte) {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[0:], p.seed)
	binary.LittleEndian.PutUint64(key[8:], uint64(i))
	rand.NewChaCha8(key).Read(b[:])
}

// ReadAt implements io.ReaderAt; it is safe for concurrent use.
func (p pattern) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("pattern: negative offset")
	}
	var blk [patternBlock]byte
	n := 0
	for n < len(b) && off < p.size {
		p.block(off/patternBlock, &blk)
		c := copy(b[n:], blk[off%patternBlock:])
		if rem := p.size - off; int64(c) > rem {
			c = int(rem)
		}
		n += c
		off += int64(c)
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// reader returns a fresh io.ReadSeeker (and io.ReaderAt) of the content.
func (p pattern) reader() *patternReader { return &patternReader{p: p} }

// sha256 returns the hex SHA-256 of the content.
func (p pattern) sha256() string {
	h := sha256.New()
	io.Copy(h, io.NewSectionReader(p, 0, p.size))
	return hex.EncodeToString(h.Sum(nil))
}

type patternReader struct {
	p   pattern
	off int64
}

func (r *patternReader) Read(b []byte) (int, error) {
	if r.off >= r.p.size {
		return 0, io.EOF
	}
	if rem := r.p.size - r.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	n, err := r.p.ReadAt(b, r.off)
	r.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (r *patternReader) ReadAt(b []byte, off int64) (int, error) { return r.p.ReadAt(b, off) }

func (r *patternReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += r.off
	case io.SeekEnd:
		offset += r.p.size
	default:
		return 0, errors.New("pattern: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("pattern: negative position")
	}
	r.off = offset
	return offset, nil
}

// hashReader returns the hex SHA-256 and length of what r yields.
func hashReader(r io.Reader) (string, int64, error) {
	h := sha256.New()
	n, err := io.Copy(h, r)
	return hex.EncodeToString(h.Sum(nil)), n, err
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
