package fault

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
	"github.com/minio/minio-go/v7"
)

// Upload methods: the client and the S3 operations used.
const (
	minioPut       = "minio-put"       // minio-go, one PutObject (aws-chunked, signed chunks)
	minioMultipart = "minio-multipart" // minio-go, multipart with 5 MiB parts
	sdkPut         = "sdk-put"         // aws-sdk-go-v2 PutObject
)

var methods = []string{minioPut, minioMultipart, sdkPut}

const (
	minSize      = 8 << 20
	maxSize      = 40 << 20
	partSize     = 5 << 20
	crashWorkers = 8
)

// upload is one object some writer tried to store.
type upload struct {
	key    string
	method string
	pat    pattern
	sha    string // SHA-256 of the content, recorded before sending
	acked  bool   // the server answered success
	err    error
}

// newUpload derives the content of key deterministically from its name.
// Sizes are deliberately not multiples of the chunk or part size.
func newUpload(key, method string) *upload {
	h := fnv.New64a()
	h.Write([]byte(key))
	seed := h.Sum64()
	size := minSize + int64(seed%uint64(maxSize-minSize+1))
	u := &upload{key: key, method: method, pat: pattern{seed: seed, size: size}}
	u.sha = u.pat.sha256()
	return u
}

// uploader sends uploads and records their outcome.
type uploader struct {
	bucket string
	mc     *minio.Client
	sdk    *s3.Client

	mu       sync.Mutex
	uploads  map[string]*upload
	firstAck chan struct{} // closed at the first acknowledged upload
	ackOnce  sync.Once
}

func newUploader(t *testing.T, endpoint string, c harness.Credentials, bucket string) *uploader {
	mc, err := harness.MinioClient(endpoint, c)
	if err != nil {
		t.Fatal(err)
	}
	return &uploader{
		bucket: bucket, mc: mc, sdk: harness.SDKClient(endpoint, c),
		uploads: map[string]*upload{}, firstAck: make(chan struct{}),
	}
}

// send stores u with its method, reading the body from body if it is not
// nil (a stalling reader) and from u's pattern otherwise.
func (up *uploader) send(ctx context.Context, u *upload, body *stallReader) error {
	up.mu.Lock()
	up.uploads[u.key] = u
	up.mu.Unlock()
	err := up.put(ctx, u, body)
	up.mu.Lock()
	u.acked, u.err = err == nil, err
	up.mu.Unlock()
	if err == nil {
		up.ackOnce.Do(func() { close(up.firstAck) })
	}
	return err
}

func (up *uploader) put(ctx context.Context, u *upload, body *stallReader) error {
	size := u.pat.size
	switch u.method {
	case minioPut, minioMultipart:
		opts := minio.PutObjectOptions{ContentType: "application/octet-stream"}
		if u.method == minioPut {
			opts.DisableMultipart = true
		} else {
			opts.PartSize = partSize
		}
		var info minio.UploadInfo
		var err error
		if body != nil {
			info, err = up.mc.PutObject(ctx, up.bucket, u.key, body, size, opts)
		} else {
			info, err = up.mc.PutObject(ctx, up.bucket, u.key, u.pat.reader(), size, opts)
		}
		if err != nil {
			return err
		}
		if info.Size != size {
			return fmt.Errorf("minio PutObject %s: got size %d, want %d", u.key, info.Size, size)
		}
		return nil
	case sdkPut:
		_, err := up.sdk.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(up.bucket), Key: aws.String(u.key),
			Body: u.pat.reader(), ContentLength: aws.Int64(size),
		})
		return err
	}
	return fmt.Errorf("unknown upload method %q", u.method)
}

func (up *uploader) snapshot() map[string]upload {
	up.mu.Lock()
	defer up.mu.Unlock()
	m := make(map[string]upload, len(up.uploads))
	for k, u := range up.uploads {
		m[k] = *u
	}
	return m
}

// stallReader passes the first after bytes of r, then signals reached and
// blocks until release is closed, then fails. It has no Seek or ReadAt, so
// clients stream it.
type stallReader struct {
	r       *patternReader
	after   int64
	n       int64
	reached chan struct{}
	release chan struct{}
	once    sync.Once
}

func (s *stallReader) Read(p []byte) (int, error) {
	if s.n >= s.after {
		s.once.Do(func() { close(s.reached) })
		<-s.release
		return 0, errors.New("stalled upload abandoned")
	}
	if rem := s.after - s.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := s.r.Read(p)
	s.n += int64(n)
	return n, err
}

// listed is an object as ListObjectsV2 shows it.
type listed struct {
	size int64
	etag string
}

// parts is the number of data sets the object references: N for a
// multipart ETag "…-N", else 1.
func (l listed) parts() int {
	etag := strings.Trim(l.etag, `"`)
	if i := strings.LastIndexByte(etag, '-'); i >= 0 {
		if n, err := strconv.Atoi(etag[i+1:]); err == nil && n > 0 {
			return n
		}
	}
	return 1
}

func listAll(ctx context.Context, c *s3.Client, bucket string) (map[string]listed, error) {
	out := map[string]listed{}
	p := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = listed{size: aws.ToInt64(o.Size), etag: aws.ToString(o.ETag)}
		}
	}
	return out, nil
}

// readBack returns the SHA-256 and length of the object's content.
func readBack(ctx context.Context, c *s3.Client, bucket, key string) (string, int64, error) {
	out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return "", 0, err
	}
	defer out.Body.Close()
	return hashReader(out.Body)
}

// pendingUpload is an unfinished multipart upload.
type pendingUpload struct {
	key, uploadID string
	parts         int
}

// abortPending aborts every unfinished multipart upload of bucket and
// returns them with the number of parts each held.
func abortPending(ctx context.Context, c *s3.Client, bucket string) ([]pendingUpload, error) {
	out, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		return nil, fmt.Errorf("ListMultipartUploads: %w", err)
	}
	if aws.ToBool(out.IsTruncated) {
		return nil, errors.New("ListMultipartUploads: unexpectedly truncated")
	}
	var pending []pendingUpload
	for _, u := range out.Uploads {
		ps, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId})
		if err != nil {
			return nil, fmt.Errorf("ListParts %s: %w", aws.ToString(u.Key), err)
		}
		pending = append(pending, pendingUpload{key: aws.ToString(u.Key), uploadID: aws.ToString(u.UploadId), parts: len(ps.Parts)})
		if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId}); err != nil {
			return nil, fmt.Errorf("AbortMultipartUpload %s: %w", aws.ToString(u.Key), err)
		}
	}
	return pending, nil
}

// checkStore verifies every listed object against the uploads that
// produced it, and every acknowledged upload against the listing. It
// returns the listing.
func checkStore(t *testing.T, ctx context.Context, c *s3.Client, bucket string, uploads map[string]upload) map[string]listed {
	t.Helper()
	objs, err := listAll(ctx, c, bucket)
	if err != nil {
		t.Fatalf("ListObjectsV2: %v", err)
	}
	keys := slices.Sorted(maps.Keys(objs))
	for _, key := range keys {
		o := objs[key]
		u, ok := uploads[key]
		if !ok {
			t.Errorf("listing shows %q, which no writer sent", key)
			continue
		}
		if o.size != u.pat.size {
			t.Errorf("%s (%s, acked=%v): listed size %d, want %d", key, u.method, u.acked, o.size, u.pat.size)
		}
		sum, n, err := readBack(ctx, c, bucket, key)
		switch {
		case err != nil:
			t.Errorf("GET %s (%s, acked=%v), listed: %v", key, u.method, u.acked, err)
		case sum != u.sha || n != u.pat.size:
			t.Errorf("%s (%s, acked=%v): got %d bytes sha256 %s, want %d bytes %s", key, u.method, u.acked, n, sum, u.pat.size, u.sha)
		case !u.acked:
			t.Logf("%s (%s) committed without an acknowledgement reaching the client (%v); content is complete", key, u.method, u.err)
		}
	}
	for key, u := range uploads {
		if _, ok := objs[key]; u.acked && !ok {
			t.Errorf("acknowledged %s (%s, %d bytes) is not listed", key, u.method, u.pat.size)
		}
	}
	return objs
}

// refsOf is the number of data sets objs reference.
func refsOf(objs map[string]listed) int {
	n := 0
	for _, o := range objs {
		n += o.parts()
	}
	return n
}

func TestCrashDuringUploads(t *testing.T) {
	start := time.Now()
	root := harness.RandomCredentials()
	data := filepath.Join(t.TempDir(), "data")
	args := []string{"--gc-interval", "1s", "--upload-grace", "5s", "--reclaim-delay", "1s"}
	srv := harness.StartTest(t, harness.Options{DataDir: data, Root: root, Args: args})
	const bucket = "crash-uploads"
	mc, err := harness.MinioClient(srv.Endpoint, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := mc.MakeBucket(harness.Context(t, 30*time.Second), bucket, minio.MakeBucketOptions{Region: harness.Region}); err != nil {
		t.Fatalf("MakeBucket: %v", err)
	}

	// Round 1: eight writers upload until the kill. Writer 0's only
	// upload stalls after 4 MiB; the others start once its data is on
	// disk, so at least one upload surely has data and no commit when the
	// process dies.
	up := newUploader(t, srv.Endpoint, root, bucket)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var wg sync.WaitGroup
	stalled := newUpload("r1/w0/000", minioPut)
	stall := &stallReader{r: stalled.pat.reader(), after: 4 << 20, reached: make(chan struct{}), release: make(chan struct{})}
	wg.Add(1)
	go func() {
		defer wg.Done()
		up.send(ctx, stalled, stall)
	}()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		n, err := harness.ChunkDirs(data)
		if err != nil {
			t.Fatalf("count chunk dirs: %v", err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the stalled upload wrote no chunk within 30s")
		}
	}
	uploadStart := time.Now()
	for w := 1; w < crashWorkers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				up.send(ctx, newUpload(fmt.Sprintf("r1/w%d/%03d", w, i), methods[(w+i)%len(methods)]), nil)
			}
		}()
	}
	// Kill 2.5s into the uploads, and not before one was acknowledged.
	select {
	case <-up.firstAck:
	case <-time.After(30 * time.Second):
		t.Fatal("no upload was acknowledged within 30s")
	}
	time.Sleep(time.Until(uploadStart.Add(2500 * time.Millisecond)))
	killedAt := time.Now()
	if err := srv.Kill(); err != nil {
		t.Fatalf("kill dolium: %v", err)
	}
	cancel()
	close(stall.release)
	wg.Wait()
	round1 := up.snapshot()
	acked := 0
	for _, u := range round1 {
		if u.acked {
			acked++
		}
	}
	t.Logf("round 1: %d uploads started, %d acknowledged, killed %v into the uploads", len(round1), acked, killedAt.Sub(uploadStart).Round(time.Millisecond))

	// The process is dead: the chunk directories are what a restart finds.
	dirsAtRestart, err := harness.ChunkDirs(data)
	if err != nil {
		t.Fatalf("count chunk dirs: %v", err)
	}

	srv = harness.StartTest(t, harness.Options{DataDir: data, Root: root, Args: args})
	sdk := harness.SDKClient(srv.Endpoint, root)
	vctx := harness.Context(t, 60*time.Second)
	objs := checkStore(t, vctx, sdk, bucket, round1)
	refs := refsOf(objs)
	pending, err := abortPending(vctx, sdk, bucket)
	if err != nil {
		t.Fatalf("abort unfinished uploads: %v", err)
	}
	pendingParts := 0
	for _, p := range pending {
		if _, ok := objs[p.key]; ok {
			// Its parts are the object's data: do not count them twice.
			t.Errorf("ListMultipartUploads after restart: got upload %s of %s with %d parts, whose object is committed; want a completed upload no longer listed",
				p.uploadID, p.key, p.parts)
			continue
		}
		pendingParts += p.parts
	}
	t.Logf("after restart: %d data-id dirs; visible objects reference %d; %d unfinished multipart uploads held %d parts (aborted)",
		dirsAtRestart, refs, len(pending), pendingParts)
	if dirsAtRestart <= refs+pendingParts {
		t.Errorf("data-id dirs at restart: got %d, want more than the %d referenced (%d by objects, %d by unfinished uploads): the kill should have left orphans",
			dirsAtRestart, refs+pendingParts, refs, pendingParts)
	}

	// The collector removes the orphans once their grace period has passed,
	// and aborted parts after the reclaim delay, and never referenced data.
	deadline := time.Now().Add(30 * time.Second)
	n := -1
	for time.Now().Before(deadline) {
		if n, err = harness.ChunkDirs(data); err != nil {
			t.Fatalf("count chunk dirs: %v", err)
		}
		if n < refs {
			t.Fatalf("data-id dirs: got %d, fewer than the %d visible objects reference", n, refs)
		}
		if n == refs {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	if n != refs {
		t.Errorf("data-id dirs 30s after restart: got %d, want %d (those of visible objects)", n, refs)
	} else {
		t.Logf("orphans collected %v after the kill", time.Since(killedAt).Round(time.Millisecond))
	}
	// Collection must not have touched live data.
	checkStore(t, vctx, sdk, bucket, round1)

	// Round 2: the restarted store takes new uploads.
	up2 := newUploader(t, srv.Endpoint, root, bucket)
	for k, u := range round1 {
		up2.uploads[k] = &u
	}
	var wg2 sync.WaitGroup
	for i := range 6 {
		wg2.Add(1)
		go func() {
			defer wg2.Done()
			u := newUpload(fmt.Sprintf("r2/%03d", i), methods[i%len(methods)])
			if err := up2.send(vctx, u, nil); err != nil {
				t.Errorf("round 2 %s (%s): %v", u.key, u.method, err)
			}
		}()
	}
	wg2.Wait()
	refs = refsOf(checkStore(t, vctx, sdk, bucket, up2.snapshot()))
	if n, err := harness.ChunkDirs(data); err != nil || n != refs {
		t.Errorf("data-id dirs after round 2: got %d (%v), want %d", n, err, refs)
	}
	t.Logf("total %v", time.Since(start).Round(time.Millisecond))
}
