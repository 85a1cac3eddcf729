package harness

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	mcreds "github.com/minio/minio-go/v7/pkg/credentials"
)

// Region is the region of the clients, unless WithRegion says otherwise.
const Region = "us-east-1"

// clientOptions are what ClientOptions set.
type clientOptions struct {
	region  string
	timeout time.Duration
}

// A ClientOption changes a client SDKClient or MinioClient makes.
type ClientOption func(*clientOptions)

// WithRegion makes the client sign for region; for minio-go "" means
// asking the server for each bucket's location.
func WithRegion(region string) ClientOption {
	return func(o *clientOptions) { o.region = region }
}

// WithTimeout bounds each HTTP exchange of an SDK client (its http.Client
// Timeout); minio-go clients have no such bound.
func WithTimeout(d time.Duration) ClientOption {
	return func(o *clientOptions) { o.timeout = d }
}

func clientOpts(opts []ClientOption) clientOptions {
	o := clientOptions{region: Region}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// SDKClient returns an aws-sdk-go-v2 S3 client of endpoint (a base URL)
// signing as c: path-style addressing, one attempt per request (no
// retries, so that a test sees the server's first answer), checksums as
// the SDK does by default.
func SDKClient(endpoint string, c Credentials, opts ...ClientOption) *s3.Client {
	o := clientOpts(opts)
	cfg := aws.Config{
		Region:      o.region,
		Credentials: credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, ""),
	}
	if o.timeout > 0 {
		cfg.HTTPClient = &http.Client{Timeout: o.timeout}
	}
	return s3.NewFromConfig(cfg, func(so *s3.Options) {
		so.BaseEndpoint = aws.String(endpoint)
		so.UsePathStyle = true
		so.RetryMaxAttempts = 1
		so.DisableLogOutputChecksumValidationSkipped = true
	})
}

// MinioClient returns a minio-go client of endpoint (a base URL) signing
// as c: path-style addressing, one attempt per request.
func MinioClient(endpoint string, c Credentials, opts ...ClientOption) (*minio.Client, error) {
	o := clientOpts(opts)
	u, err := url.Parse(endpoint)
	if err != nil {
		return nil, fmt.Errorf("parse endpoint: %w", err)
	}
	mc, err := minio.New(u.Host, &minio.Options{
		Creds:        mcreds.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       o.region,
		BucketLookup: minio.BucketLookupPath,
		MaxRetries:   1,
	})
	if err != nil {
		return nil, fmt.Errorf("minio.New: %w", err)
	}
	return mc, nil
}

// Sign signs req for S3 with SigV4 as c, in region, at time at, declaring
// payloadHash (a hex SHA-256, UNSIGNED-PAYLOAD or a STREAMING-* value) in
// X-Amz-Content-Sha256. The path is signed as sent, not escaped again, as
// S3 clients do.
func Sign(req *http.Request, c Credentials, region, payloadHash string, at time.Time) error {
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	s := v4.NewSigner(func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	return s.SignHTTP(req.Context(), aws.Credentials{AccessKeyID: c.AccessKey, SecretAccessKey: c.SecretKey}, req, payloadHash, "s3", region, at)
}

// Response is an HTTP response read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// ReadResponse reads resp's body whole and closes it.
func ReadResponse(resp *http.Response) (Response, error) {
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		err = fmt.Errorf("read body: %w", err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, err
}

// Do sends req with c (http.DefaultClient when nil) and reads the response
// whole; a failure fails tb at once.
func Do(tb testing.TB, c *http.Client, req *http.Request) Response {
	tb.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err == nil {
		var r Response
		if r, err = ReadResponse(resp); err == nil {
			return r
		}
	}
	tb.Fatalf("%s %.80s: %v", req.Method, req.URL.RequestURI(), err)
	return Response{}
}
