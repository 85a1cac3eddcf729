package s3

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/dolium/dolium/blobstore"
)

// DefaultTimeout bounds one request when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// maxPrealloc is the largest Content-Length Get trusts for allocating the
// result at once; larger (or unknown) sizes are read with io.ReadAll.
const maxPrealloc = 1 << 30

// ErrUnavailable is wrapped by the errors of operations that failed because
// the provider could not be reached or did not answer in time, or answered
// with a server error (5xx) or throttling. It wraps blobstore.ErrUnavailable.
var ErrUnavailable = fmt.Errorf("blobstore/s3: %w", blobstore.ErrUnavailable)

// errTimeout is the cancellation cause of a request that ran out of time.
var errTimeout = errors.New("request timed out")

// Options configure a Driver.
type Options struct {
	Endpoint  string // host:port (HTTPS) or URL (http:// or https://)
	Region    string // empty: found out from the endpoint or the bucket's location
	AccessKey string
	SecretKey string
	Bucket    string
	Prefix    string // key prefix, e.g. "dolium/"
	// PathStyle forces path-style addressing (endpoint/bucket/key). Else
	// the bucket is a virtual host where the provider supports it
	// (minio.BucketLookupAuto); IP endpoints always get path style.
	PathStyle bool
	CAFile    string        // PEM file of CAs trusted besides the system's
	Insecure  bool          // skip TLS certificate verification (tests only)
	Timeout   time.Duration // bounds each request (default DefaultTimeout)
	// CreateBucket creates the bucket at Open if it does not exist; else a
	// missing bucket fails Open. Later, a bucket found missing (the zone
	// was replaced) is created again too.
	CreateBucket bool
	// OnReplaced, if set, is called whenever a request finds the bucket
	// missing after Open (the provider lost or replaced the zone's
	// bucket), and when Open creates the bucket (a new zone, or one
	// replaced while no gateway ran: the caller tells them apart by what
	// its metadata places there). It is called on the request's goroutine
	// and must not block.
	OnReplaced func()
}

// Driver is a blobstore.Driver keeping chunks as objects in one bucket. It
// is safe for concurrent use.
type Driver struct {
	client    *minio.Client
	transport *http.Transport
	bucket    string
	prefix    string
	timeout   time.Duration
	// region and create: when set, a bucket found missing on a write is
	// created again (a provider that lost or replaced the zone's bucket).
	region     string
	create     bool
	onReplaced func()
	// lastCreate is when a missing bucket was last created again (Unix
	// nanoseconds), so that a burst of reads makes one MakeBucket request.
	lastCreate atomic.Int64
}

var (
	_ blobstore.Driver = (*Driver)(nil)
	_ blobstore.Lister = (*Driver)(nil)
)

// Open returns a Driver for o.Bucket at o.Endpoint. It checks that the
// bucket exists (creating it if o.CreateBucket is set), so a wrong
// endpoint, bad credentials or a missing bucket fail Open rather than the
// first Put. An unreachable provider fails with an error wrapping
// ErrUnavailable.
//
// If the provider cannot be reached, Open returns a usable driver together
// with an error wrapping blobstore.ErrUnavailable; configuration errors
// (bad endpoint, credentials, missing bucket) return no driver.
func Open(ctx context.Context, o Options) (*Driver, error) {
	if o.Bucket == "" {
		return nil, errors.New("blobstore/s3: open: no bucket")
	}
	host, secure, err := parseEndpoint(o.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("blobstore/s3: open: %w", err)
	}
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("blobstore/s3: open: %w", err)
	}
	if err := configureTLS(tr, o.CAFile, o.Insecure); err != nil {
		return nil, fmt.Errorf("blobstore/s3: open: %w", err)
	}
	lookup := minio.BucketLookupAuto
	if o.PathStyle {
		lookup = minio.BucketLookupPath
	}
	client, err := minio.New(host, &minio.Options{
		Creds:        credentials.NewStaticV4(o.AccessKey, o.SecretKey, ""),
		Secure:       secure,
		Transport:    tr,
		Region:       o.Region,
		BucketLookup: lookup,
		// A zone is one of several: the placement above has other copies
		// or shards and a repair queue, so a few quick retries beat
		// minio-go's default of 10 with back-off (seconds per refused call).
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("blobstore/s3: open: %w", err)
	}
	d := &Driver{client: client, transport: tr, bucket: o.Bucket, prefix: o.Prefix, timeout: o.Timeout,
		region: o.Region, create: o.CreateBucket, onReplaced: o.OnReplaced}
	if d.timeout <= 0 {
		d.timeout = DefaultTimeout
	}
	if err := d.checkBucket(ctx, o.Region, o.CreateBucket); err != nil {
		if errors.Is(err, blobstore.ErrUnavailable) {
			// The provider is away, not misconfigured: the zone must not
			// keep the gateway from starting (its data is elsewhere too).
			// The driver works once the provider answers.
			return d, err
		}
		tr.CloseIdleConnections()
		return nil, err
	}
	return d, nil
}

// parseEndpoint splits an endpoint into host[:port] and whether it uses
// TLS. A bare host:port means HTTPS.
func parseEndpoint(endpoint string) (host string, secure bool, err error) {
	if endpoint == "" {
		return "", false, errors.New("no endpoint")
	}
	if !strings.Contains(endpoint, "://") {
		return endpoint, true, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", false, fmt.Errorf("endpoint %q: %w", endpoint, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", false, fmt.Errorf("endpoint %q: scheme must be http or https", endpoint)
	case u.Host == "":
		return "", false, fmt.Errorf("endpoint %q: no host", endpoint)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.User != nil:
		return "", false, fmt.Errorf("endpoint %q: want scheme://host[:port] only", endpoint)
	}
	return u.Host, u.Scheme == "https", nil
}

// configureTLS adds the CAs in caFile to the system's and turns off
// verification if insecure.
func configureTLS(tr *http.Transport, caFile string, insecure bool) error {
	if caFile == "" && !insecure {
		return nil
	}
	if tr.TLSClientConfig == nil {
		tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return fmt.Errorf("CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("CA file %s: no PEM certificates", caFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	tr.TLSClientConfig.InsecureSkipVerify = insecure
	return nil
}

func (d *Driver) checkBucket(ctx context.Context, region string, create bool) error {
	rctx, cancel := d.requestContext(ctx)
	defer cancel()
	ok, err := d.client.BucketExists(rctx, d.bucket)
	if err != nil {
		return d.fail(rctx, err, "open: bucket %s", d.bucket)
	}
	if ok {
		return nil
	}
	if !create {
		return fmt.Errorf("blobstore/s3: open: bucket %s does not exist", d.bucket)
	}
	err = d.client.MakeBucket(rctx, d.bucket, minio.MakeBucketOptions{Region: region})
	if err != nil && errorCode(err) != "BucketAlreadyOwnedByYou" {
		return d.fail(rctx, err, "open: create bucket %s", d.bucket)
	}
	if err == nil {
		d.replaced() // a new zone, or one replaced while no one looked
	}
	return nil
}

// objectKey is the object name of chunk k: Prefix + dataID + "/" + index,
// zero-padded to eight digits so that listings order chunks by index.
func (d *Driver) objectKey(k blobstore.ChunkKey) string {
	return fmt.Sprintf("%s%s/%08d", d.prefix, k.DataID, k.Index)
}

// dataPrefix is the common prefix of every chunk of dataID.
func (d *Driver) dataPrefix(dataID string) string { return d.prefix + dataID + "/" }

func checkDataID(op, id string) error {
	if id == "" || strings.Contains(id, "/") {
		return fmt.Errorf("blobstore/s3: %s: invalid data id %q", op, id)
	}
	return nil
}

func checkKey(op string, k blobstore.ChunkKey) error {
	if err := checkDataID(op, k.DataID); err != nil {
		return err
	}
	if k.Index < 0 {
		return fmt.Errorf("blobstore/s3: %s %s: negative index %d", op, k.DataID, k.Index)
	}
	return nil
}

// Put stores b as chunk k with one PUT request of exactly len(b) bytes.
// The provider acknowledges a PUT once the object is durable, and a
// single PUT replaces an object atomically.
func (d *Driver) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	if err := checkKey("put", k); err != nil {
		return err
	}
	key := d.objectKey(k)
	rctx, cancel := d.requestContext(ctx)
	defer cancel()
	// A bytes.Reader is seekable, so minio-go neither copies it nor loses
	// it on a retry; DisableMultipart keeps any chunk size one request.
	put := func() error {
		_, err := d.client.PutObject(rctx, d.bucket, key, bytes.NewReader(b), int64(len(b)), minio.PutObjectOptions{
			ContentType:      "application/octet-stream",
			DisableMultipart: true,
		})
		return err
	}
	err := put()
	if err != nil && errorCode(err) == "NoSuchBucket" {
		// The zone came back empty (a replaced provider): make the bucket
		// again, if configured to, so that this write and the rebuild can
		// refill it.
		d.replaced()
		if d.create {
			if cerr := d.checkBucket(rctx, d.region, true); cerr == nil {
				err = put()
			}
		}
	}
	if err != nil && errorCode(err) == "NoSuchBucket" && rctx.Err() == nil {
		// Not a missing chunk: the write failed because the zone has no
		// bucket (and the driver was not told to create one).
		return fmt.Errorf("blobstore/s3: put %s: bucket %s: %w: %w", key, d.bucket, blobstore.ErrReplaced, err)
	}
	if err != nil {
		return d.fail(rctx, err, "put %s", key)
	}
	return nil
}

// replaced reports that a request found the bucket missing.
func (d *Driver) replaced() {
	if d.onReplaced != nil {
		d.onReplaced()
	}
}

// recreate is called when a read finds the bucket missing: it reports the
// replacement and, if the driver creates buckets, creates it again (at
// most once a second, however many reads find it missing).
func (d *Driver) recreate(ctx context.Context) {
	d.replaced()
	if !d.create {
		return
	}
	now, last := time.Now().UnixNano(), d.lastCreate.Load()
	if now-last < int64(time.Second) || !d.lastCreate.CompareAndSwap(last, now) {
		return
	}
	rctx, cancel := d.requestContext(context.WithoutCancel(ctx))
	defer cancel()
	d.checkBucket(rctx, d.region, true) // a failure shows on the next request
}

// Get returns chunk k with one GET request, reading the body into a
// buffer of the response's Content-Length.
func (d *Driver) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	if err := checkKey("get", k); err != nil {
		return nil, err
	}
	key := d.objectKey(k)
	rctx, cancel := d.requestContext(ctx)
	defer cancel()
	// minio.Core's GetObject is the plain request: the body and its size,
	// with no Stat and no read-ahead goroutine of minio.Object.
	body, info, _, err := minio.Core{Client: d.client}.GetObject(rctx, d.bucket, key, minio.GetObjectOptions{})
	if err != nil {
		if errorCode(err) == "NoSuchBucket" {
			d.recreate(ctx)
		}
		return nil, d.fail(rctx, err, "get %s", key)
	}
	defer body.Close()
	var b []byte
	if info.Size >= 0 && info.Size <= maxPrealloc {
		// net/http ends the body at Content-Length and reports a short
		// body as io.ErrUnexpectedEOF.
		b = make([]byte, info.Size)
		_, err = io.ReadFull(body, b)
	} else {
		b, err = io.ReadAll(body)
	}
	if err != nil {
		return nil, d.fail(rctx, err, "get %s", key)
	}
	return b, nil
}

// Delete removes chunks 0..count-1 of dataID with multi-object DELETE
// requests of up to 1000 keys, or, with count < 0, every object under the
// data id's prefix, listing and deleting page by page. Missing chunks are
// not an error.
func (d *Driver) Delete(ctx context.Context, dataID string, count int) error {
	if err := checkDataID("delete", dataID); err != nil {
		return err
	}
	if count == 0 {
		return nil
	}
	rctx, progress, stop := d.idleContext(ctx)
	defer stop()
	var listErr error
	var keys iter.Seq[minio.ObjectInfo]
	if count > 0 {
		keys = func(yield func(minio.ObjectInfo) bool) {
			for i := range count {
				if !yield(minio.ObjectInfo{Key: d.objectKey(blobstore.ChunkKey{DataID: dataID, Index: i})}) {
					return
				}
			}
		}
	} else {
		listing := d.client.ListObjectsIter(rctx, d.bucket, minio.ListObjectsOptions{Prefix: d.dataPrefix(dataID), Recursive: true})
		keys = func(yield func(minio.ObjectInfo) bool) {
			for obj := range listing {
				if obj.Err != nil {
					listErr = obj.Err
					return
				}
				progress()
				if !yield(minio.ObjectInfo{Key: obj.Key}) {
					return
				}
			}
		}
	}
	results, err := d.client.RemoveObjectsWithIter(rctx, d.bucket, keys, minio.RemoveObjectsOptions{})
	if err != nil {
		return fmt.Errorf("blobstore/s3: delete %s: %w", dataID, err)
	}
	for res := range results {
		progress()
		switch code := errorCode(res.Err); {
		case res.Err == nil, code == "NoSuchKey":
		case code == "NoSuchBucket":
			// Nothing is left to delete in a bucket that is gone.
			listErr = res.Err
		default:
			return d.fail(rctx, res.Err, "delete %s", res.ObjectName)
		}
	}
	if errorCode(listErr) == "NoSuchBucket" {
		d.replaced()
		return nil
	}
	if listErr != nil {
		return d.fail(rctx, listErr, "delete %s: list", dataID)
	}
	if err := rctx.Err(); err != nil { // the listing ends silently on cancellation
		return d.fail(rctx, err, "delete %s", dataID)
	}
	return nil
}

// ListDataIDs calls fn once for each data id with a chunk in the bucket
// under Prefix. It lists with delimiter "/", so the provider returns one
// common prefix per data id rather than one entry per chunk.
func (d *Driver) ListDataIDs(ctx context.Context, fn func(dataID string) error) error {
	rctx, progress, stop := d.idleContext(ctx)
	defer stop()
	last := ""
	for obj := range d.client.ListObjectsIter(rctx, d.bucket, minio.ListObjectsOptions{Prefix: d.prefix}) {
		if obj.Err != nil {
			if errorCode(obj.Err) == "NoSuchBucket" {
				d.recreate(ctx)
			}
			return d.fail(rctx, obj.Err, "list %s", d.prefix)
		}
		progress()
		id, ok := strings.CutSuffix(strings.TrimPrefix(obj.Key, d.prefix), "/")
		if !ok || id == "" || id == last { // an object beside the data ids, or a repeat
			continue
		}
		last = id
		if err := fn(id); err != nil {
			return err
		}
	}
	if err := rctx.Err(); err != nil {
		return d.fail(rctx, err, "list %s", d.prefix)
	}
	return nil
}

// Close releases the Driver's idle connections. It does not wait for
// requests in flight.
func (d *Driver) Close() error {
	d.transport.CloseIdleConnections()
	return nil
}

// requestContext bounds one request (with minio-go's retries) by the
// Driver's timeout.
func (d *Driver) requestContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeoutCause(ctx, d.timeout, errTimeout)
}

// idleContext bounds an operation of many requests: the returned context
// ends when progress was not called for the Driver's timeout.
func (d *Driver) idleContext(ctx context.Context) (rctx context.Context, progress, stop func()) {
	rctx, cancel := context.WithCancelCause(ctx)
	t := time.AfterFunc(d.timeout, func() { cancel(errTimeout) })
	return rctx, func() { t.Reset(d.timeout) }, func() { t.Stop(); cancel(nil) }
}

// fail turns err, from a request made with rctx, into the Driver's error:
// wrapping blobstore.ErrNotFound for a missing key, ErrUnavailable when the
// provider could not serve the request, and the caller's context error
// when the caller gave up.
func (d *Driver) fail(rctx context.Context, err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	cause := context.Cause(rctx)
	switch {
	case errors.Is(cause, errTimeout):
		return fmt.Errorf("%w: %s: no answer within %v: %w", ErrUnavailable, what, d.timeout, err)
	case cause != nil:
		if errors.Is(err, cause) {
			return fmt.Errorf("blobstore/s3: %s: %w", what, err)
		}
		return fmt.Errorf("blobstore/s3: %s: %w (%w)", what, cause, err)
	case errorCode(err) == "NoSuchKey":
		return fmt.Errorf("blobstore/s3: %s: %w: %w", what, blobstore.ErrNotFound, err)
	case errorCode(err) == "NoSuchBucket":
		// The bucket is gone: so is every chunk that was in it.
		return fmt.Errorf("blobstore/s3: %s: bucket %s: %w: %w: %w", what, d.bucket, blobstore.ErrReplaced, blobstore.ErrNotFound, err)
	case unavailable(err):
		return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
	}
	return fmt.Errorf("blobstore/s3: %s: %w", what, err)
}

// errorCode returns the S3 error code of err, or "".
func errorCode(err error) string {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		return er.Code
	}
	return ""
}

// unavailable reports whether err means the provider could not serve a
// request now: a server error, throttling, or a failed connection. Errors
// of TLS verification are configuration errors, not outages.
func unavailable(err error) bool {
	var er minio.ErrorResponse
	if errors.As(err, &er) {
		switch er.Code {
		case "SlowDown", "ServiceUnavailable", "InternalError", "RequestTimeout", "Throttling", "RequestLimitExceeded":
			return true
		}
		return er.StatusCode >= 500 || er.StatusCode == http.StatusTooManyRequests || er.StatusCode == http.StatusRequestTimeout
	}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalid     x509.CertificateInvalidError
		verifyError *tls.CertificateVerificationError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verifyError) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}
