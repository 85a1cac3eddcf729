package conformance

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/dolium/dolium/test/harness"
	"github.com/minio/minio-go/v7"
)

const (
	KiB = 1 << 10
	MiB = 1 << 20
)

// ctx returns a context bounded by the test's lifetime and a generous timeout.
func ctx(t *testing.T) context.Context {
	t.Helper()
	return harness.Context(t, 5*time.Minute)
}

// sdkClient returns an aws-sdk-go-v2 S3 client of the target for creds.
// Checksum behaviour is left at the SDK's default (compute and send
// checksums when supported).
func sdkClient(creds harness.Credentials) *s3.Client {
	return harness.SDKClient(tgt.Endpoint, creds, harness.WithRegion(tgt.Region))
}

var (
	rootSDKOnce sync.Once
	rootSDKC    *s3.Client
)

// rootSDK is the shared SDK client of the main tenant.
func rootSDK() *s3.Client {
	rootSDKOnce.Do(func() { rootSDKC = sdkClient(tgt.Root) })
	return rootSDKC
}

// minioClient returns a minio-go client for creds using path-style addressing.
func minioClient(t *testing.T, creds harness.Credentials) *minio.Client {
	t.Helper()
	return minioClientRegion(t, creds, tgt.Region)
}

// minioClientRegion is minioClient with an explicit region ("" lets minio-go
// discover bucket locations from the server).
func minioClientRegion(t *testing.T, creds harness.Credentials, region string) *minio.Client {
	t.Helper()
	c, err := harness.MinioClient(tgt.Endpoint, creds, harness.WithRegion(region))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rootMinio(t *testing.T) *minio.Client {
	t.Helper()
	return minioClient(t, tgt.Root)
}

// needAlt returns the second tenant's credentials, skipping the test when an
// external endpoint was given without them.
func needAlt(t *testing.T) harness.Credentials {
	t.Helper()
	if !tgt.Alt.Valid() {
		if tgt.External {
			t.Skipf("needs a second tenant: set %s and %s", EnvAltAccessKey, EnvAltSecretKey)
		}
		t.Fatalf("local dolium has no alt tenant configured")
	}
	return tgt.Alt
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// bucketName returns a fresh, valid, random bucket name derived from the test name.
func bucketName(t *testing.T) string {
	t.Helper()
	base := nonName.ReplaceAllString(strings.ToLower(strings.TrimPrefix(t.Name(), "Test")), "-")
	base = strings.Trim(base, "-")
	if len(base) > 40 {
		base = strings.Trim(base[:40], "-")
	}
	return "conf-" + base + "-" + harness.RandomHex(5)
}

// createBucketInput creates the right CreateBucket request for the target
// region: no body in us-east-1 (AWS rejects LocationConstraint "us-east-1"),
// a matching LocationConstraint elsewhere.
func createBucketInput(name string) *s3.CreateBucketInput {
	in := &s3.CreateBucketInput{Bucket: aws.String(name)}
	if tgt.Region != "us-east-1" {
		in.CreateBucketConfiguration = &types.CreateBucketConfiguration{
			LocationConstraint: types.BucketLocationConstraint(tgt.Region),
		}
	}
	return in
}

// newBucket creates a fresh bucket owned by the main tenant and removes it
// (with all its objects and uploads) when the test ends.
func newBucket(t *testing.T) string {
	t.Helper()
	name := bucketName(t)
	if _, err := rootSDK().CreateBucket(ctx(t), createBucketInput(name)); err != nil {
		t.Fatalf("CreateBucket %s: %v", name, err)
	}
	cleanupBucket(t, name)
	return name
}

// cleanupBucket registers removal of bucket name (objects, uploads, bucket).
func cleanupBucket(t *testing.T, name string) {
	t.Helper()
	t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		if err := emptyAndDelete(c, rootSDK(), name); err != nil {
			var code string
			_, code = errInfo(err)
			if code != "NoSuchBucket" && code != "NotFound" {
				t.Logf("cleanup of bucket %s: %v", name, err)
			}
		}
	})
}

func emptyAndDelete(c context.Context, cl *s3.Client, name string) error {
	ups, err := cl.ListMultipartUploads(c, &s3.ListMultipartUploadsInput{Bucket: aws.String(name)})
	if err == nil {
		for _, u := range ups.Uploads {
			cl.AbortMultipartUpload(c, &s3.AbortMultipartUploadInput{Bucket: aws.String(name), Key: u.Key, UploadId: u.UploadId})
		}
	}
	// Every version and delete marker (a bucket that never had versioning
	// lists each object as version null).
	p := s3.NewListObjectVersionsPaginator(cl, &s3.ListObjectVersionsInput{Bucket: aws.String(name)})
	for p.HasMorePages() {
		page, err := p.NextPage(c)
		if err != nil {
			return err
		}
		var ids []types.ObjectIdentifier
		for _, o := range page.Versions {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key, VersionId: o.VersionId})
		}
		for _, o := range page.DeleteMarkers {
			ids = append(ids, types.ObjectIdentifier{Key: o.Key, VersionId: o.VersionId})
		}
		if len(ids) == 0 {
			continue
		}
		if _, err := cl.DeleteObjects(c, &s3.DeleteObjectsInput{Bucket: aws.String(name), BypassGovernanceRetention: aws.Bool(true),
			Delete: &types.Delete{Objects: ids, Quiet: aws.Bool(true)}}); err != nil {
			return err
		}
	}
	_, err = cl.DeleteBucket(c, &s3.DeleteBucketInput{Bucket: aws.String(name)})
	return err
}

// payload returns n deterministic pseudo-random bytes for seed.
func payload(seed uint64, n int) []byte {
	b := make([]byte, n)
	io.ReadFull(payloadReader(seed, int64(n)), b)
	return b
}

// payloadReader streams the same bytes as payload without holding them.
func payloadReader(seed uint64, n int64) io.Reader {
	var s [32]byte
	for i := range s {
		s[i] = byte(seed >> (8 * (i % 8)))
	}
	s[31] ^= 0x5a
	return io.LimitReader(rand.NewChaCha8(s), n)
}

// payloadSHA256 is the hex sha256 of payloadReader(seed, n).
func payloadSHA256(seed uint64, n int64) string {
	h := sha256.New()
	io.Copy(h, payloadReader(seed, n))
	return hex.EncodeToString(h.Sum(nil))
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

func md5B64(b []byte) string {
	s := md5.Sum(b)
	return base64.StdEncoding.EncodeToString(s[:])
}

// readSHA256 drains r and returns its hex sha256 and length.
func readSHA256(t *testing.T, r io.Reader) (string, int64) {
	t.Helper()
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		t.Fatalf("reading body: %v (after %d bytes)", err, n)
	}
	return hex.EncodeToString(h.Sum(nil)), n
}

// putBytes stores data at bucket/key with the SDK and returns the ETag.
func putBytes(t *testing.T, bucket, key string, data []byte) string {
	t.Helper()
	out, err := rootSDK().PutObject(ctx(t), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatalf("PutObject %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.ETag)
}

// getBytes reads bucket/key with the SDK.
func getBytes(t *testing.T, bucket, key string) []byte {
	t.Helper()
	out, err := rootSDK().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("GetObject %s/%s body: %v", bucket, key, err)
	}
	return b
}

// checkObject asserts that bucket/key holds exactly the bytes with hex sha256 want.
func checkObject(t *testing.T, bucket, key, wantSHA string, wantLen int64) {
	t.Helper()
	out, err := rootSDK().GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	got, n := readSHA256(t, out.Body)
	if n != wantLen || got != wantSHA {
		t.Errorf("GetObject %s/%s: got %d bytes sha256 %s, want %d bytes sha256 %s", bucket, key, n, got, wantLen, wantSHA)
	}
	if out.ContentLength != nil && *out.ContentLength != wantLen {
		t.Errorf("GetObject %s/%s: got Content-Length %d, want %d", bucket, key, *out.ContentLength, wantLen)
	}
}

// listKeys returns every key in bucket, in listing order.
func listKeys(t *testing.T, bucket string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(rootSDK(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		if err != nil {
			t.Fatalf("ListObjectsV2 %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

// errInfo extracts the HTTP status and S3 error code from an SDK error.
func errInfo(err error) (status int, code string) {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code = ae.ErrorCode()
	}
	return status, code
}

// wantErr asserts that an SDK call failed with the given HTTP status and S3
// error code (code "" checks the status only, e.g. for HEAD requests which
// carry no body).
func wantErr(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got success, want %d %s", what, status, code)
		return
	}
	gs, gc := errInfo(err)
	if gs != status || (code != "" && gc != code) {
		t.Errorf("%s: got %d %q, want %d %q (error: %v)", what, gs, gc, status, code, err)
	}
}

// wantMinioErr is wantErr for minio-go errors.
func wantMinioErr(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got success, want %d %s", what, status, code)
		return
	}
	r := minio.ToErrorResponse(err)
	if r.StatusCode != status || (code != "" && r.Code != code) {
		t.Errorf("%s: got %d %q, want %d %q (error: %v)", what, r.StatusCode, r.Code, status, code, err)
	}
}

// mustOK fails the test immediately when err is not nil.
func mustOK(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// s3Escape percent-encodes s the way S3 wants object keys in paths: every
// byte except unreserved characters and "/".
func s3Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// s3ErrorBody is the XML error document every S3 error response carries.
type s3ErrorBody struct {
	XMLName    xml.Name `xml:"Error"`
	Code       string   `xml:"Code"`
	Message    string   `xml:"Message"`
	Resource   string   `xml:"Resource"`
	RequestID  string   `xml:"RequestId"`
	Key        string   `xml:"Key"`
	BucketName string   `xml:"BucketName"`
}

// rawURL builds the endpoint URL for bucket/key (key escaped with s3Escape)
// plus a raw query string.
func rawURL(bucket, key, rawQuery string) *url.URL {
	u, _ := url.Parse(tgt.Endpoint)
	p := "/"
	if bucket != "" {
		p += bucket
		if key != "" {
			p += "/" + key
		}
	}
	u.Path = p
	u.RawPath = s3Escape(p)
	u.RawQuery = rawQuery
	return u
}

// signRequest signs req with SigV4 for S3. payloadHash "" means the sha256 of body.
func signRequest(t *testing.T, req *http.Request, creds harness.Credentials, body []byte, payloadHash string) {
	t.Helper()
	if payloadHash == "" {
		payloadHash = sha256Hex(body)
	}
	if err := harness.Sign(req, creds, tgt.Region, payloadHash, time.Now()); err != nil {
		t.Fatalf("sign request: %v", err)
	}
}

// doRaw sends a request built by hand; creds nil sends it anonymously.
func doRaw(t *testing.T, creds *harness.Credentials, method string, u *url.URL, hdr http.Header, body []byte) harness.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx(t), method, u.String(), bytes.NewReader(body))
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.URL = u
	if body == nil {
		req.Body = http.NoBody
		req.ContentLength = 0
	}
	for k, vs := range hdr {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if creds != nil {
		signRequest(t, req, *creds, body, "")
	}
	return harness.Do(t, nil, req)
}

// parseErrorBody asserts that r carries a well-formed S3 XML error document
// (Code, Message, RequestId) and an x-amz-request-id header, and returns it.
func parseErrorBody(t *testing.T, what string, r harness.Response) s3ErrorBody {
	t.Helper()
	var e s3ErrorBody
	if err := xml.Unmarshal(r.Body, &e); err != nil {
		t.Errorf("%s: status %d: body is not an XML <Error> document: %v; body %q", what, r.Status, err, truncate(r.Body))
		return e
	}
	if e.Code == "" || e.Message == "" || e.RequestID == "" {
		t.Errorf("%s: error body lacks Code/Message/RequestId: got Code=%q Message=%q RequestId=%q", what, e.Code, e.Message, e.RequestID)
	}
	if rid := r.Header.Get("X-Amz-Request-Id"); rid == "" {
		t.Errorf("%s: got no x-amz-request-id header, want one", what)
	} else if e.RequestID != "" && rid != e.RequestID {
		t.Errorf("%s: x-amz-request-id header %q differs from body RequestId %q", what, rid, e.RequestID)
	}
	return e
}

// wantRawErr asserts the status and XML error code of a raw response.
func wantRawErr(t *testing.T, what string, r harness.Response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("%s: got status %d, want %d %s; body %q", what, r.Status, status, code, truncate(r.Body))
		return
	}
	e := parseErrorBody(t, what, r)
	if e.Code != code {
		t.Errorf("%s: got error code %q, want %q", what, e.Code, code)
	}
}

// truncate shortens a response body for messages.
func truncate(b []byte) string {
	if len(b) > 300 {
		return fmt.Sprintf("%s... (%d bytes)", b[:300], len(b))
	}
	return string(b)
}

// shortKeys shortens very long keys for messages.
func shortKeys(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		if len(k) > 80 {
			k = fmt.Sprintf("%s...(%d bytes)", k[:40], len(k))
		}
		out[i] = k
	}
	return out
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// putMany creates the given keys (small bodies) concurrently.
func putMany(t *testing.T, bucket string, keys []string) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	sem := make(chan struct{}, 16)
	c := ctx(t)
	for _, k := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func(k string) {
			defer wg.Done()
			defer func() { <-sem }()
			_, err := rootSDK().PutObject(c, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(k), Body: strings.NewReader("x:" + k)})
			if err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = fmt.Errorf("PutObject %q: %w", k, err)
				}
				mu.Unlock()
			}
		}(k)
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
}
