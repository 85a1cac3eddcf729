package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"github.com/dolium/dolium/gateway/gatewaytest"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/internal/checksum"
	"github.com/dolium/dolium/meta"
)

type fixture struct {
	g     *Gateway
	drv   *mem.Driver
	ms    meta.Store
	clock *clock
}

type clock = gatewaytest.Clock

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ms, drv := gatewaytest.Stores(t)
	c := gatewaytest.NewClock()
	g := New(Config{
		Meta: ms, Blobs: blobstore.New(drv, blobstore.Options{ChunkSize: 64 << 10}),
		UploadGrace: time.Hour, ReclaimDelay: time.Minute, Now: c.Now,
	})
	if err := g.CreateBucket(context.Background(), "alice", "bkt"); err != nil {
		t.Fatal(err)
	}
	return &fixture{g: g, drv: drv, ms: ms, clock: c}
}

func randBytes(n int, seed int64) []byte { return gatewaytest.RandBytes(n, seed) }

// bucketOf resolves bucket name.
func bucketOf(t testing.TB, g *Gateway, name string) Bucket {
	t.Helper()
	return gatewaytest.Resolve(t, g.ResolveBucket, name)
}

// put stores an object and returns its row.
func (f *fixture) put(t *testing.T, key string, data []byte) meta.Object {
	t.Helper()
	if _, err := f.g.PutObject(context.Background(), bucketOf(t, f.g, "bkt"), PutInput{Key: key, Owner: "alice", Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatalf("PutObject(%q) = %v", key, err)
	}
	o, err := f.ms.GetObject(context.Background(), "bkt", key)
	if err != nil {
		t.Fatalf("GetObject(%q) row = %v", key, err)
	}
	return o
}

func (f *fixture) read(t *testing.T, key string) []byte {
	t.Helper()
	out, err := f.g.GetObject(context.Background(), bucketOf(t, f.g, "bkt"), GetInput{Key: key}, false)
	if err != nil {
		t.Fatalf("GetObject(%q) = %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

// dataSets counts the data ids that have chunks in the driver.
func (f *fixture) dataSets(t *testing.T) int {
	t.Helper()
	n := 0
	if err := f.drv.ListDataIDs(context.Background(), func(string) error { n++; return nil }); err != nil {
		t.Fatal(err)
	}
	return n
}

// collectAll applies the collection rule (Collect) to every due entry, as
// the collector (package gateway/upkeep) does.
func (f *fixture) collectAll(t *testing.T) {
	t.Helper()
	for {
		es, err := f.ms.DueEntries(context.Background(), f.clock.Now(), 100)
		if err != nil {
			t.Fatalf("DueEntries: %v", err)
		}
		if len(es) == 0 {
			return
		}
		for _, e := range es {
			if _, err := f.g.Collect(context.Background(), e); err != nil {
				t.Fatalf("Collect: %v", err)
			}
		}
	}
}

func TestPutGetOverwriteCollect(t *testing.T) {
	f := newFixture(t)
	v1 := randBytes(200<<10, 1)
	o := f.put(t, "k", v1)
	if sum := md5.Sum(v1); o.ETag != hex.EncodeToString(sum[:]) {
		t.Errorf("ETag = %s, want md5 %x", o.ETag, sum)
	}
	if got := f.read(t, "k"); !bytes.Equal(got, v1) {
		t.Fatal("read back differs from what was put")
	}
	v2 := randBytes(70<<10, 2)
	f.put(t, "k", v2)
	if got := f.dataSets(t); got != 2 {
		t.Fatalf("data sets after overwrite = %d, want 2 (old kept for ReclaimDelay)", got)
	}
	f.collectAll(t)
	if got := f.dataSets(t); got != 2 {
		t.Fatalf("data sets before ReclaimDelay passed = %d, want 2", got)
	}
	f.clock.Add(2 * time.Minute)
	f.collectAll(t)
	if got := f.dataSets(t); got != 1 {
		t.Fatalf("data sets after collection = %d, want 1", got)
	}
	if got := f.read(t, "k"); !bytes.Equal(got, v2) {
		t.Fatal("current object damaged by collection")
	}
	if _, err := f.g.DeleteObject(context.Background(), bucketOf(t, f.g, "bkt"), DeleteInput{Key: "k"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(2 * time.Minute)
	f.collectAll(t)
	if got := f.dataSets(t); got != 0 {
		t.Fatalf("data sets after delete and collection = %d, want 0", got)
	}
	if n, _ := f.ms.Len(context.Background()); n != 0 {
		t.Errorf("gc queue length = %d, want 0", n)
	}
}

// failingReader fails after n bytes, like a client that disconnects.
type failingReader struct{ n int }

func (r *failingReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.ErrUnexpectedEOF
	}
	k := min(len(p), r.n)
	r.n -= k
	return k, nil
}

func TestFailedUploadLeavesNothing(t *testing.T) {
	f := newFixture(t)
	f.put(t, "k", []byte("old"))
	_, err := f.g.PutObject(context.Background(), bucketOf(t, f.g, "bkt"), PutInput{Key: "k", Owner: "alice", Body: &failingReader{300 << 10}, Size: 1 << 20})
	if !errors.Is(err, ErrIncompleteBody) {
		t.Fatalf("PutObject with a short body = %v, want ErrIncompleteBody", err)
	}
	if got := f.read(t, "k"); string(got) != "old" {
		t.Fatalf("object after failed overwrite = %q, want %q", got, "old")
	}
	f.collectAll(t)
	if got := f.dataSets(t); got != 1 {
		t.Fatalf("data sets after failed upload collected = %d, want 1", got)
	}
}

func TestAbandonedUploadCollectedAfterGrace(t *testing.T) {
	f := newFixture(t)
	// An upload whose gateway died: data written, entry queued, no commit.
	_, _, err := f.g.writeData(context.Background(), dataInput{bucket: "bkt", key: "lost", body: bytes.NewReader(randBytes(100<<10, 3)), size: 100 << 10})
	if err != nil {
		t.Fatal(err)
	}
	f.collectAll(t)
	if got := f.dataSets(t); got != 1 {
		t.Fatalf("data sets before grace = %d, want 1 (upload may still be running)", got)
	}
	f.clock.Add(61 * time.Minute)
	f.collectAll(t)
	if got := f.dataSets(t); got != 0 {
		t.Fatalf("data sets after grace = %d, want 0", got)
	}
}

func TestConditionalWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	put := func(c WriteCond, body string) error {
		_, err := f.g.PutObject(ctx, bucketOf(t, f.g, "bkt"), PutInput{Key: "c", Owner: "alice", Body: strings.NewReader(body), Size: int64(len(body)), Cond: c})
		return err
	}
	if err := put(WriteCond{IfMatch: "abc"}, "x"); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("If-Match on a missing key = %v, want ErrNoSuchKey", err)
	}
	if err := put(WriteCond{IfNoneMatch: true}, "one"); err != nil {
		t.Fatalf("first If-None-Match put = %v", err)
	}
	if err := put(WriteCond{IfNoneMatch: true}, "two"); !errors.Is(err, ErrPreconditionFailed) {
		t.Errorf("second If-None-Match put = %v, want ErrPreconditionFailed", err)
	}
	if err := put(WriteCond{IfMatch: `"0000"`}, "three"); !errors.Is(err, ErrPreconditionFailed) {
		t.Errorf("If-Match wrong etag = %v, want ErrPreconditionFailed", err)
	}
	sum := md5.Sum([]byte("one"))
	if err := put(WriteCond{IfMatch: `"` + hex.EncodeToString(sum[:]) + `"`}, "four"); err != nil {
		t.Errorf("If-Match right etag = %v, want nil", err)
	}
	if got := f.read(t, "c"); string(got) != "four" {
		t.Errorf("object = %q, want four", got)
	}
	// Racing If-None-Match writers on a fresh key: exactly one wins.
	var wins, fails int
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := f.g.PutObject(ctx, bucketOf(t, f.g, "bkt"), PutInput{Key: "race", Owner: "alice", Body: strings.NewReader(fmt.Sprint(i)), Size: int64(len(fmt.Sprint(i))), Cond: WriteCond{IfNoneMatch: true}})
			mu.Lock()
			defer mu.Unlock()
			if err == nil {
				wins++
			} else if errors.Is(err, ErrPreconditionFailed) {
				fails++
			}
		}()
	}
	wg.Wait()
	if wins != 1 || fails != 11 {
		t.Errorf("racing If-None-Match: %d wins, %d precondition failures; want 1 and 11", wins, fails)
	}
}

func TestReadConditionsAndRanges(t *testing.T) {
	f := newFixture(t)
	data := randBytes(150<<10, 4)
	o := f.put(t, "r", data)
	ctx := context.Background()
	lm := o.LastModified
	before, after := lm.Add(-time.Hour), lm.Add(time.Hour)
	tests := []struct {
		name string
		c    ReadCond
		want error
	}{
		{"if-match ok", ReadCond{IfMatch: `"` + o.ETag + `"`}, nil},
		{"if-match star", ReadCond{IfMatch: "*"}, nil},
		{"if-match bad", ReadCond{IfMatch: `"nope"`}, ErrPreconditionFailed},
		{"if-none-match hit", ReadCond{IfNoneMatch: `"` + o.ETag + `"`}, ErrNotModified},
		{"if-none-match miss", ReadCond{IfNoneMatch: `"nope"`}, nil},
		{"if-modified-since later", ReadCond{IfModifiedSince: &after}, ErrNotModified},
		{"if-modified-since earlier", ReadCond{IfModifiedSince: &before}, nil},
		{"if-unmodified-since earlier", ReadCond{IfUnmodifiedSince: &before}, ErrPreconditionFailed},
		{"if-match wins over if-unmodified-since", ReadCond{IfMatch: o.ETag, IfUnmodifiedSince: &before}, nil},
		{"if-none-match wins over if-modified-since", ReadCond{IfNoneMatch: "nope", IfModifiedSince: &after}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.g.GetObject(ctx, bucketOf(t, f.g, "bkt"), GetInput{Key: "r", Cond: tt.c}, true)
			if !errors.Is(err, tt.want) && !(err == nil && tt.want == nil) {
				t.Errorf("GetObject = %v, want %v", err, tt.want)
			}
		})
	}
	for _, r := range []Range{{Start: 0, End: 0}, {Start: 65535, End: 65537}, {Start: 100000, End: -1}, {Suffix: 70000}} {
		out, err := f.g.GetObject(ctx, bucketOf(t, f.g, "bkt"), GetInput{Key: "r", Range: &r}, false)
		if err != nil {
			t.Fatalf("range %+v: %v", r, err)
		}
		got, _ := io.ReadAll(out.Body)
		out.Body.Close()
		if want := data[out.Offset : out.Offset+out.Length]; !bytes.Equal(got, want) || int64(len(got)) != out.Length {
			t.Errorf("range %+v: got %d bytes at %d, content differs or short", r, len(got), out.Offset)
		}
	}
}

func TestListObjectsDelimiterPaging(t *testing.T) {
	f := newFixture(t)
	keys := []string{"a", "b/1", "b/2", "b/3", "c", "d/x/1", "d/y", "e", "é/1", "f"}
	for _, k := range keys {
		f.put(t, k, []byte(k))
	}
	ctx := context.Background()
	// Page through with max-keys 2, collecting keys and prefixes.
	var got []string
	marker := ""
	for i := 0; ; i++ {
		out, err := f.g.ListObjects(ctx, bucketOf(t, f.g, "bkt"), ListInput{Delimiter: "/", Marker: marker, MaxKeys: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range out.Objects {
			got = append(got, o.Key)
		}
		got = append(got, out.CommonPrefixes...)
		if !out.IsTruncated {
			break
		}
		marker = out.NextMarker
		if i > 20 {
			t.Fatal("listing does not terminate")
		}
	}
	slices.Sort(got)
	want := []string{"a", "b/", "c", "d/", "e", "f", "é/"}
	if !slices.Equal(got, want) {
		t.Errorf("paged delimiter listing = %q, want %q", got, want)
	}
	out, err := f.g.ListObjects(ctx, bucketOf(t, f.g, "bkt"), ListInput{Prefix: "d/", Delimiter: "/", MaxKeys: 1000})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Objects) != 1 || out.Objects[0].Key != "d/y" || !slices.Equal(out.CommonPrefixes, []string{"d/x/"}) {
		t.Errorf("prefix d/ listing = %v objects, prefixes %q", len(out.Objects), out.CommonPrefixes)
	}
	out, _ = f.g.ListObjects(ctx, bucketOf(t, f.g, "bkt"), ListInput{MaxKeys: 3, Marker: "b/2"})
	if len(out.Objects) != 3 || out.Objects[0].Key != "b/3" || !out.IsTruncated {
		t.Errorf("marker b/2 max 3: %d objects, truncated %v", len(out.Objects), out.IsTruncated)
	}
}

func TestMultipart(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, err := f.g.CreateMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CreateUploadInput{Key: "mp", Owner: "alice", ChecksumAlgorithm: checksum.CRC32})
	if err != nil {
		t.Fatal(err)
	}
	parts := [][]byte{randBytes(MinPartSize, 5), randBytes(MinPartSize, 6), randBytes(1000, 7)}
	var done []CompletedPart
	var md5s []byte
	for i, p := range parts {
		pp, err := f.g.UploadPart(ctx, bucketOf(t, f.g, "bkt"), PartInput{Key: "mp", UploadID: u.UploadID, PartNumber: i + 1, Body: bytes.NewReader(p), Size: int64(len(p))})
		if err != nil {
			t.Fatal(err)
		}
		if pp.Checksums["CRC32"] == "" {
			t.Errorf("part %d has no CRC32 though the upload asked for it", i+1)
		}
		done = append(done, CompletedPart{PartNumber: i + 1, ETag: pp.ETag})
		s := md5.Sum(p)
		md5s = append(md5s, s[:]...)
	}
	// Re-upload part 3: the first copy must be reclaimed.
	pp, _ := f.g.UploadPart(ctx, bucketOf(t, f.g, "bkt"), PartInput{Key: "mp", UploadID: u.UploadID, PartNumber: 3, Body: bytes.NewReader(parts[2]), Size: 1000})
	done[2].ETag = pp.ETag
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "mp", Owner: "alice", UploadID: u.UploadID, Parts: []CompletedPart{done[1], done[0]}}); !errors.Is(err, ErrInvalidPartOrder) {
		t.Errorf("out of order complete = %v, want ErrInvalidPartOrder", err)
	}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "mp", Owner: "alice", UploadID: u.UploadID, Parts: []CompletedPart{{PartNumber: 1, ETag: "bad"}}}); !errors.Is(err, ErrInvalidPart) {
		t.Errorf("wrong etag complete = %v, want ErrInvalidPart", err)
	}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "mp", Owner: "alice", UploadID: u.UploadID, Parts: []CompletedPart{done[2], {PartNumber: 4, ETag: done[0].ETag}}}); !errors.Is(err, ErrInvalidPart) {
		t.Errorf("missing part complete = %v, want ErrInvalidPart", err)
	}
	o, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "mp", Owner: "alice", UploadID: u.UploadID, Parts: done})
	if err != nil {
		t.Fatal(err)
	}
	sum := md5.Sum(md5s)
	if want := hex.EncodeToString(sum[:]) + "-3"; o.ETag != want {
		t.Errorf("ETag = %s, want %s", o.ETag, want)
	}
	if !strings.HasSuffix(o.Checksums["CRC32"], "-3") || o.ChecksumType != "COMPOSITE" {
		t.Errorf("checksum = %q type %q, want composite CRC32 ending -3", o.Checksums["CRC32"], o.ChecksumType)
	}
	if got := f.read(t, "mp"); !bytes.Equal(got, slices.Concat(parts...)) {
		t.Error("multipart object content differs")
	}
	f.clock.Add(2 * time.Minute)
	f.collectAll(t)
	if got := f.dataSets(t); got != 3 {
		t.Errorf("data sets after complete and collection = %d, want 3 (the replaced part 3 reclaimed)", got)
	}
	// Small non-last part.
	u2, _ := f.g.CreateMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CreateUploadInput{Key: "small", Owner: "alice"})
	p1, _ := f.g.UploadPart(ctx, bucketOf(t, f.g, "bkt"), PartInput{Key: "small", UploadID: u2.UploadID, PartNumber: 1, Body: strings.NewReader("tiny"), Size: 4})
	p2, _ := f.g.UploadPart(ctx, bucketOf(t, f.g, "bkt"), PartInput{Key: "small", UploadID: u2.UploadID, PartNumber: 2, Body: strings.NewReader("end"), Size: 3})
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "small", Owner: "alice", UploadID: u2.UploadID, Parts: []CompletedPart{{1, p1.ETag, nil}, {2, p2.ETag, nil}}}); !errors.Is(err, ErrEntityTooSmall) {
		t.Errorf("small part complete = %v, want ErrEntityTooSmall", err)
	}
	if err := f.g.AbortMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), "small", u2.UploadID); err != nil {
		t.Fatal(err)
	}
	if err := f.g.AbortMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), "small", u2.UploadID); err != nil {
		t.Errorf("second abort = %v, want nil while the abort's record is kept (TestAbortRetry)", err)
	}
	f.clock.Add(2 * time.Minute)
	f.collectAll(t)
	if got := f.dataSets(t); got != 3 {
		t.Errorf("data sets after abort and collection = %d, want 3", got)
	}
}

func TestOwnership(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.g.CreateBucket(ctx, "bob", "bkt"); !errors.Is(err, ErrBucketAlreadyExists) {
		t.Errorf("bob creates alice's bucket = %v, want ErrBucketAlreadyExists", err)
	}
	if err := f.g.CreateBucket(ctx, "alice", "bkt"); !errors.Is(err, ErrBucketAlreadyOwnedByYou) {
		t.Errorf("alice re-creates her bucket = %v, want ErrBucketAlreadyOwnedByYou", err)
	}
	// Access is the caller's to decide (package access, asked by the
	// request pipeline: s3api's TestOtherOwnerDenied); the core tells it
	// whose the bucket is.
	if b := bucketOf(t, f.g, "bkt"); b.Owner != "alice" || b.Name != "bkt" {
		t.Errorf("ResolveBucket(bkt) = %+v, want alice's bkt", b)
	}
	if _, err := f.g.ResolveBucket(ctx, "nobkt"); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("ResolveBucket of a missing bucket = %v, want ErrNoSuchBucket", err)
	}
	f.put(t, "x", []byte("x"))
	if err := f.g.DeleteBucket(ctx, bucketOf(t, f.g, "bkt")); !errors.Is(err, ErrBucketNotEmpty) {
		t.Errorf("delete non-empty bucket = %v, want ErrBucketNotEmpty", err)
	}
	if bs, _ := f.g.ListBuckets(ctx, "bob"); len(bs) != 0 {
		t.Errorf("bob lists %d buckets, want 0", len(bs))
	}
	if bs, _ := f.g.ListBuckets(ctx, "alice"); len(bs) != 1 || bs[0].Name != "bkt" {
		t.Errorf("alice lists %+v, want [bkt]", bs)
	}
}

func TestValidBucketName(t *testing.T) {
	for name, want := range map[string]bool{
		"abc": true, "my.bucket-1": true, strings.Repeat("a", 63): true,
		"ab": false, strings.Repeat("a", 64): false, "ABC": false, "-abc": false, "abc-": false,
		"a..b": false, "a.-b": false, "192.168.1.1": false, "xn--abc": false, "abc-s3alias": false, "a_b": false,
	} {
		if got := ValidBucketName(name); got != want {
			t.Errorf("ValidBucketName(%q) = %v, want %v", name, got, want)
		}
	}
}

// A gateway that dies between committing a multipart object and deleting
// its upload row leaves the row behind; it must not be listed or usable.
func TestCompletedUploadRowLeftByCrash(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, _ := f.g.CreateMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CreateUploadInput{Key: "z", Owner: "alice"})
	p, err := f.g.UploadPart(ctx, bucketOf(t, f.g, "bkt"), PartInput{Key: "z", UploadID: u.UploadID, PartNumber: 1, Body: strings.NewReader("zz"), Size: 2})
	if err != nil {
		t.Fatal(err)
	}
	// The rows the crash leaves behind.
	urow, err := f.ms.GetUpload(ctx, "bkt", "z", u.UploadID)
	if err != nil {
		t.Fatal(err)
	}
	prows, err := f.ms.ListParts(ctx, u.UploadID, 0, 10)
	if err != nil || len(prows) != 1 {
		t.Fatalf("part rows = %d, %v; want 1", len(prows), err)
	}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "z", Owner: "alice", UploadID: u.UploadID, Parts: []CompletedPart{{PartNumber: 1, ETag: p.ETag}}}); err != nil {
		t.Fatal(err)
	}
	// Put the upload and its part back as the crash would have left them.
	if err := f.ms.CreateUpload(ctx, urow); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ms.PutPart(ctx, prows[0]); err != nil {
		t.Fatal(err)
	}
	out, err := f.g.ListMultipartUploads(ctx, bucketOf(t, f.g, "bkt"), ListUploadsInput{MaxUploads: 10})
	if err != nil || len(out.Uploads) != 0 {
		t.Errorf("ListMultipartUploads = %d uploads, %v; want none", len(out.Uploads), err)
	}
	if _, err := f.ms.GetUpload(ctx, "bkt", "z", u.UploadID); !errors.Is(err, meta.ErrNotFound) {
		t.Errorf("leftover upload row after listing: %v, want it deleted", err)
	}
	if _, _, _, err := f.g.ListParts(ctx, bucketOf(t, f.g, "bkt"), "z", u.UploadID, 0, 10); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("ListParts of the completed upload = %v, want ErrNoSuchUpload", err)
	}
	f.clock.Add(2 * time.Hour)
	f.collectAll(t)
	if got := f.read(t, "z"); string(got) != "zz" {
		t.Errorf("object after cleanup and collection = %q, want zz", got)
	}
}
