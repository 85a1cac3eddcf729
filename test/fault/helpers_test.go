package fault

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/dolium/dolium/test/harness"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	mcreds "github.com/minio/minio-go/v7/pkg/credentials"
)

const region = "us-east-1"

var (
	doliumBin string // built once by TestMain
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "dolium-faulttest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "faulttest:", err)
		os.Exit(1)
	}
	root, err := filepath.Abs("../..")
	if err == nil {
		doliumBin = filepath.Join(dir, "dolium")
		err = harness.Build(root, doliumBin)
	}
	buildErr = err
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// startServer starts dolium on dataDir with args and stops it at the end of
// the test. It fails the test, never skips it, when the server cannot start.
func startServer(t *testing.T, dataDir string, root harness.Credentials, args ...string) *harness.Server {
	t.Helper()
	if buildErr != nil {
		t.Fatalf("building dolium: %v", buildErr)
	}
	s, err := harness.Start(harness.Options{Binary: doliumBin, DataDir: dataDir, Root: root, Args: args})
	if err != nil {
		t.Fatalf("starting dolium: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("tail of dolium output (%s):\n%s", s.Addr, s.LogTail(30))
		}
		s.Kill()
	})
	return s
}

// testCtx is bounded by the test and by d.
func testCtx(t *testing.T, d time.Duration) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), d)
	t.Cleanup(cancel)
	return c
}

func sdkClient(endpoint string, c harness.Credentials) *s3.Client {
	cfg := aws.Config{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
	}
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.RetryMaxAttempts = 1
		o.DisableLogOutputChecksumValidationSkipped = true
	})
}

func minioClient(t *testing.T, endpoint string, c harness.Credentials) *minio.Client {
	t.Helper()
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatalf("parse endpoint: %v", err)
	}
	mc, err := minio.New(u.Host, &minio.Options{
		Creds:        mcreds.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Region:       region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
	if err != nil {
		t.Fatalf("minio.New: %v", err)
	}
	return mc
}

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
