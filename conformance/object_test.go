package conformance

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/minio/crc64nvme"
	"github.com/minio/minio-go/v7"
)

// statusOf returns the HTTP status of a successful SDK call.
func statusOf(md middleware.Metadata) int {
	if r, ok := awsmiddleware.GetRawResponse(md).(*smithyhttp.Response); ok {
		return r.StatusCode
	}
	return 0
}

func quoted(s string) string { return `"` + s + `"` }

// checksumOf returns the base64 checksum S3 reports for data under algo.
func checksumOf(algo types.ChecksumAlgorithm, data []byte) string {
	var h hash.Hash
	switch algo {
	case types.ChecksumAlgorithmCrc32:
		h = crc32.NewIEEE()
	case types.ChecksumAlgorithmCrc32c:
		h = crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case types.ChecksumAlgorithmCrc64nvme:
		h = crc64nvme.New()
	case types.ChecksumAlgorithmSha1:
		h = sha1.New()
	case types.ChecksumAlgorithmSha256:
		h = sha256.New()
	default:
		panic("unknown checksum algorithm " + string(algo))
	}
	h.Write(data)
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// checksumField picks the checksum of algo out of the output's fields.
func checksumField(algo types.ChecksumAlgorithm, crc32v, crc32c, crc64, sha1v, sha256v *string) string {
	switch algo {
	case types.ChecksumAlgorithmCrc32:
		return aws.ToString(crc32v)
	case types.ChecksumAlgorithmCrc32c:
		return aws.ToString(crc32c)
	case types.ChecksumAlgorithmCrc64nvme:
		return aws.ToString(crc64)
	case types.ChecksumAlgorithmSha1:
		return aws.ToString(sha1v)
	case types.ChecksumAlgorithmSha256:
		return aws.ToString(sha256v)
	}
	return ""
}

func TestPutObject(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	cl := rootSDK()

	t.Run("sizes", func(t *testing.T) {
		for i, size := range []int{0, 1, MiB + 1, 9 * MiB} {
			t.Run(fmt.Sprint(size), func(t *testing.T) {
				data := payload(uint64(100+i), size)
				key := fmt.Sprintf("size/%d", size)
				out, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
				mustOK(t, "PutObject", err)
				if got, want := aws.ToString(out.ETag), quoted(md5Hex(data)); got != want {
					t.Errorf("PutObject ETag: got %s, want %s", got, want)
				}
				checkObject(t, bucket, key, sha256Hex(data), int64(size))
			})
		}
	})

	t.Run("minio", func(t *testing.T) {
		data := payload(7, MiB+1)
		info, err := rootMinio(t).PutObject(ctx(t), bucket, "minio/obj", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{})
		mustOK(t, "minio PutObject", err)
		if info.Size != int64(len(data)) {
			t.Errorf("minio PutObject size: got %d, want %d", info.Size, len(data))
		}
		checkObject(t, bucket, "minio/obj", sha256Hex(data), int64(len(data)))
	})

	t.Run("metadata round trip", func(t *testing.T) {
		expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		key := "meta/obj.txt"
		_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{
			Bucket: &bucket, Key: &key, Body: strings.NewReader("hello"),
			ContentType:        aws.String("text/x-conformance; charset=utf-8"),
			ContentEncoding:    aws.String("br"),
			ContentDisposition: aws.String(`attachment; filename="a b.txt"`),
			ContentLanguage:    aws.String("de-CH"),
			CacheControl:       aws.String("max-age=3600, private"),
			Expires:            aws.Time(expires),
			Metadata:           map[string]string{"color": "blue", "multi-word": "hello world"},
		})
		mustOK(t, "PutObject with metadata", err)

		check := func(op string, ct, ce, cd, cl, cc, exp *string, md map[string]string) {
			t.Helper()
			for _, f := range []struct{ name, got, want string }{
				{"Content-Type", aws.ToString(ct), "text/x-conformance; charset=utf-8"},
				{"Content-Encoding", aws.ToString(ce), "br"},
				{"Content-Disposition", aws.ToString(cd), `attachment; filename="a b.txt"`},
				{"Content-Language", aws.ToString(cl), "de-CH"},
				{"Cache-Control", aws.ToString(cc), "max-age=3600, private"},
				{"x-amz-meta-color", md["color"], "blue"},
				{"x-amz-meta-multi-word", md["multi-word"], "hello world"},
			} {
				if f.got != f.want {
					t.Errorf("%s %s: got %q, want %q", op, f.name, f.got, f.want)
				}
			}
			if got, err := http.ParseTime(aws.ToString(exp)); err != nil || !got.Equal(expires) {
				t.Errorf("%s Expires: got %q, want %s", op, aws.ToString(exp), expires.Format(http.TimeFormat))
			}
		}
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		mustOK(t, "HeadObject", err)
		check("HeadObject", h.ContentType, h.ContentEncoding, h.ContentDisposition, h.ContentLanguage, h.CacheControl, h.ExpiresString, h.Metadata)
		g, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		mustOK(t, "GetObject", err)
		body, _ := io.ReadAll(g.Body)
		g.Body.Close()
		if string(body) != "hello" {
			t.Errorf("GetObject body: got %q, want %q", body, "hello")
		}
		check("GetObject", g.ContentType, g.ContentEncoding, g.ContentDisposition, g.ContentLanguage, g.CacheControl, g.ExpiresString, g.Metadata)
	})

	t.Run("metadata via minio", func(t *testing.T) {
		_, err := rootMinio(t).PutObject(ctx(t), bucket, "meta/minio", strings.NewReader("m"), 1, minio.PutObjectOptions{
			ContentType:  "application/x-minio",
			CacheControl: "no-cache",
			UserMetadata: map[string]string{"Shape": "round"},
		})
		mustOK(t, "minio PutObject", err)
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("meta/minio")})
		mustOK(t, "HeadObject", err)
		if aws.ToString(h.ContentType) != "application/x-minio" || aws.ToString(h.CacheControl) != "no-cache" || h.Metadata["shape"] != "round" {
			t.Errorf("HeadObject: got Content-Type %q Cache-Control %q meta %v, want application/x-minio, no-cache, shape=round",
				aws.ToString(h.ContentType), aws.ToString(h.CacheControl), h.Metadata)
		}
		st, err := rootMinio(t).StatObject(ctx(t), bucket, "meta/minio", minio.StatObjectOptions{})
		mustOK(t, "minio StatObject", err)
		if st.UserMetadata["Shape"] != "round" || st.ContentType != "application/x-minio" {
			t.Errorf("minio StatObject: got meta %v content-type %q, want Shape=round application/x-minio", st.UserMetadata, st.ContentType)
		}
	})

	t.Run("content-md5", func(t *testing.T) {
		data := payload(8, 4096)
		_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("md5/good"), Body: bytes.NewReader(data), ContentMD5: aws.String(md5B64(data))})
		mustOK(t, "PutObject with right Content-MD5", err)
		checkObject(t, bucket, "md5/good", sha256Hex(data), int64(len(data)))

		_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("md5/bad"), Body: bytes.NewReader(data), ContentMD5: aws.String(md5B64([]byte("other")))})
		wantErr(t, "PutObject with wrong Content-MD5", err, http.StatusBadRequest, "BadDigest")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("md5/bad")})
		wantErr(t, "HeadObject after BadDigest", err, http.StatusNotFound, "")

		_, err = rootMinio(t).PutObject(ctx(t), bucket, "md5/minio", bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{SendContentMd5: true})
		mustOK(t, "minio PutObject with SendContentMd5", err)
		checkObject(t, bucket, "md5/minio", sha256Hex(data), int64(len(data)))
	})

	t.Run("checksums", func(t *testing.T) {
		data := payload(9, 300*KiB+5)
		for _, algo := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmCrc32c,
			types.ChecksumAlgorithmCrc64nvme, types.ChecksumAlgorithmSha1, types.ChecksumAlgorithmSha256} {
			t.Run(string(algo), func(t *testing.T) {
				key := "checksum/" + string(algo)
				want := checksumOf(algo, data)
				p, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data), ChecksumAlgorithm: algo})
				mustOK(t, "PutObject", err)
				if got := checksumField(algo, p.ChecksumCRC32, p.ChecksumCRC32C, p.ChecksumCRC64NVME, p.ChecksumSHA1, p.ChecksumSHA256); got != want {
					t.Errorf("PutObject %s: got %q, want %q", algo, got, want)
				}
				h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: types.ChecksumModeEnabled})
				mustOK(t, "HeadObject", err)
				if got := checksumField(algo, h.ChecksumCRC32, h.ChecksumCRC32C, h.ChecksumCRC64NVME, h.ChecksumSHA1, h.ChecksumSHA256); got != want {
					t.Errorf("HeadObject %s: got %q, want %q", algo, got, want)
				}
				g, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: types.ChecksumModeEnabled})
				mustOK(t, "GetObject", err)
				sum, n := readSHA256(t, g.Body) // the SDK also validates the checksum while reading
				g.Body.Close()
				if sum != sha256Hex(data) || n != int64(len(data)) {
					t.Errorf("GetObject body: got %d bytes sha256 %s, want %d bytes %s", n, sum, len(data), sha256Hex(data))
				}
				if got := checksumField(algo, g.ChecksumCRC32, g.ChecksumCRC32C, g.ChecksumCRC64NVME, g.ChecksumSHA1, g.ChecksumSHA256); got != want {
					t.Errorf("GetObject %s: got %q, want %q", algo, got, want)
				}
			})
		}
		t.Run("wrong value", func(t *testing.T) {
			_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("checksum/wrong"), Body: bytes.NewReader(data),
				ChecksumSHA256: aws.String(checksumOf(types.ChecksumAlgorithmSha256, []byte("other")))})
			wantErr(t, "PutObject with wrong x-amz-checksum-sha256", err, http.StatusBadRequest, "BadDigest")
			_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("checksum/wrong")})
			wantErr(t, "HeadObject after wrong checksum", err, http.StatusNotFound, "")
		})
	})

	t.Run("if-none-match", func(t *testing.T) {
		key := "cond/inm"
		_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("first"), IfNoneMatch: aws.String("*")})
		mustOK(t, "PutObject If-None-Match * on new key", err)
		_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("second"), IfNoneMatch: aws.String("*")})
		wantErr(t, "PutObject If-None-Match * on existing key", err, http.StatusPreconditionFailed, "PreconditionFailed")
		if got := string(getBytes(t, bucket, key)); got != "first" {
			t.Errorf("content after failed conditional put: got %q, want %q", got, "first")
		}
	})

	t.Run("if-match", func(t *testing.T) {
		key := "cond/im"
		etag := putBytes(t, bucket, key, []byte("v1"))
		_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("v2"), IfMatch: aws.String(quoted(md5Hex([]byte("nope"))))})
		wantErr(t, "PutObject If-Match wrong etag", err, http.StatusPreconditionFailed, "PreconditionFailed")
		if got := string(getBytes(t, bucket, key)); got != "v1" {
			t.Errorf("content after failed If-Match put: got %q, want v1", got)
		}
		_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("v3"), IfMatch: aws.String(etag)})
		mustOK(t, "PutObject If-Match right etag", err)
		if got := string(getBytes(t, bucket, key)); got != "v3" {
			t.Errorf("content after If-Match put: got %q, want v3", got)
		}
	})

	t.Run("no such bucket", func(t *testing.T) {
		_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: aws.String(bucketName(t)), Key: aws.String("k"), Body: strings.NewReader("x")})
		wantErr(t, "PutObject into missing bucket", err, http.StatusNotFound, "NoSuchBucket")
	})
}

func TestGetObject(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	cl := rootSDK()
	const size = 2*MiB + 123
	data := payload(21, size)
	key := "dir/object.bin"
	etag := putBytes(t, bucket, key, data)
	head, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	mustOK(t, "HeadObject", err)
	lastMod := aws.ToTime(head.LastModified)

	t.Run("whole", func(t *testing.T) {
		out, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		mustOK(t, "GetObject", err)
		sum, n := readSHA256(t, out.Body)
		out.Body.Close()
		if sum != sha256Hex(data) || n != size {
			t.Errorf("GetObject: got %d bytes sha256 %s, want %d bytes %s", n, sum, size, sha256Hex(data))
		}
		if st := statusOf(out.ResultMetadata); st != http.StatusOK {
			t.Errorf("GetObject status: got %d, want 200", st)
		}
		if aws.ToString(out.ETag) != etag {
			t.Errorf("GetObject ETag: got %s, want %s", aws.ToString(out.ETag), etag)
		}
		if aws.ToString(out.AcceptRanges) != "bytes" {
			t.Errorf("GetObject Accept-Ranges: got %q, want bytes", aws.ToString(out.AcceptRanges))
		}
	})

	t.Run("minio", func(t *testing.T) {
		obj, err := rootMinio(t).GetObject(ctx(t), bucket, key, minio.GetObjectOptions{})
		mustOK(t, "minio GetObject", err)
		defer obj.Close()
		sum, n := readSHA256(t, obj)
		if sum != sha256Hex(data) || n != size {
			t.Errorf("minio GetObject: got %d bytes sha256 %s, want %d bytes %s", n, sum, size, sha256Hex(data))
		}
	})

	t.Run("ranges", func(t *testing.T) {
		for _, rc := range []struct {
			spec       string
			start, end int // inclusive
		}{
			{"bytes=0-0", 0, 0},
			{"bytes=10-19", 10, 19},
			{"bytes=1048570-1048590", 1048570, 1048590}, // across a 1 MiB boundary
			{"bytes=100-", 100, size - 1},
			{"bytes=-500", size - 500, size - 1},
			{fmt.Sprintf("bytes=%d-%d", size-10, size+1000), size - 10, size - 1}, // end clamped
		} {
			t.Run(rc.spec, func(t *testing.T) {
				out, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key, Range: aws.String(rc.spec)})
				mustOK(t, "GetObject "+rc.spec, err)
				got, _ := io.ReadAll(out.Body)
				out.Body.Close()
				if st := statusOf(out.ResultMetadata); st != http.StatusPartialContent {
					t.Errorf("status: got %d, want 206", st)
				}
				wantCR := fmt.Sprintf("bytes %d-%d/%d", rc.start, rc.end, size)
				if aws.ToString(out.ContentRange) != wantCR {
					t.Errorf("Content-Range: got %q, want %q", aws.ToString(out.ContentRange), wantCR)
				}
				if want := data[rc.start : rc.end+1]; sha256Hex(got) != sha256Hex(want) {
					t.Errorf("body: got %d bytes sha256 %s, want %d bytes %s", len(got), sha256Hex(got), len(want), sha256Hex(want))
				}
				if aws.ToInt64(out.ContentLength) != int64(rc.end-rc.start+1) {
					t.Errorf("Content-Length: got %d, want %d", aws.ToInt64(out.ContentLength), rc.end-rc.start+1)
				}
			})
		}
		t.Run("minio SetRange", func(t *testing.T) {
			opts := minio.GetObjectOptions{}
			mustOK(t, "SetRange", opts.SetRange(MiB-3, MiB+3))
			obj, err := rootMinio(t).GetObject(ctx(t), bucket, key, opts)
			mustOK(t, "minio GetObject range", err)
			got, err := io.ReadAll(obj)
			obj.Close()
			mustOK(t, "read", err)
			if !bytes.Equal(got, data[MiB-3:MiB+4]) {
				t.Errorf("minio range body: got %d bytes %x, want %x", len(got), got, data[MiB-3:MiB+4])
			}
		})
		t.Run("start beyond size", func(t *testing.T) {
			_, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key, Range: aws.String(fmt.Sprintf("bytes=%d-", size))})
			wantErr(t, "GetObject range past end", err, http.StatusRequestedRangeNotSatisfiable, "InvalidRange")
			_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key, Range: aws.String(fmt.Sprintf("bytes=%d-%d", size+5, size+10))})
			wantErr(t, "GetObject range past end", err, http.StatusRequestedRangeNotSatisfiable, "InvalidRange")
		})
	})

	t.Run("conditional", func(t *testing.T) {
		get := func(in *s3.GetObjectInput) error {
			in.Bucket, in.Key = &bucket, &key
			out, err := cl.GetObject(ctx(t), in)
			if err == nil {
				io.Copy(io.Discard, out.Body)
				out.Body.Close()
			}
			return err
		}
		if err := get(&s3.GetObjectInput{IfMatch: aws.String(etag)}); err != nil {
			t.Errorf("If-Match right etag: got %v, want 200", err)
		}
		wantErr(t, "If-Match wrong etag", get(&s3.GetObjectInput{IfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}), http.StatusPreconditionFailed, "PreconditionFailed")
		wantErr(t, "If-None-Match right etag", get(&s3.GetObjectInput{IfNoneMatch: aws.String(etag)}), http.StatusNotModified, "")
		if err := get(&s3.GetObjectInput{IfNoneMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)}); err != nil {
			t.Errorf("If-None-Match other etag: got %v, want 200", err)
		}
		wantErr(t, "If-Modified-Since LastModified", get(&s3.GetObjectInput{IfModifiedSince: aws.Time(lastMod)}), http.StatusNotModified, "")
		if err := get(&s3.GetObjectInput{IfModifiedSince: aws.Time(lastMod.Add(-time.Hour))}); err != nil {
			t.Errorf("If-Modified-Since an hour before: got %v, want 200", err)
		}
		wantErr(t, "If-Unmodified-Since an hour before", get(&s3.GetObjectInput{IfUnmodifiedSince: aws.Time(lastMod.Add(-time.Hour))}), http.StatusPreconditionFailed, "PreconditionFailed")
		if err := get(&s3.GetObjectInput{IfUnmodifiedSince: aws.Time(lastMod)}); err != nil {
			t.Errorf("If-Unmodified-Since LastModified: got %v, want 200", err)
		}
	})

	t.Run("response overrides", func(t *testing.T) {
		exp := "Wed, 21 Oct 2037 07:28:00 GMT"
		out, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key,
			ResponseContentType:        aws.String("text/x-override"),
			ResponseContentLanguage:    aws.String("fr"),
			ResponseContentDisposition: aws.String(`inline; filename="o.bin"`),
			ResponseContentEncoding:    aws.String("x-enc"),
			ResponseCacheControl:       aws.String("no-store"),
			ResponseExpires:            aws.Time(time.Date(2037, 10, 21, 7, 28, 0, 0, time.UTC)),
		})
		mustOK(t, "GetObject with response-* overrides", err)
		io.Copy(io.Discard, out.Body)
		out.Body.Close()
		for _, f := range []struct{ name, got, want string }{
			{"Content-Type", aws.ToString(out.ContentType), "text/x-override"},
			{"Content-Language", aws.ToString(out.ContentLanguage), "fr"},
			{"Content-Disposition", aws.ToString(out.ContentDisposition), `inline; filename="o.bin"`},
			{"Content-Encoding", aws.ToString(out.ContentEncoding), "x-enc"},
			{"Cache-Control", aws.ToString(out.CacheControl), "no-store"},
			{"Expires", aws.ToString(out.ExpiresString), exp},
		} {
			if f.got != f.want {
				t.Errorf("%s: got %q, want %q", f.name, f.got, f.want)
			}
		}
	})

	t.Run("no such key", func(t *testing.T) {
		_, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("missing")})
		wantErr(t, "GetObject missing key", err, http.StatusNotFound, "NoSuchKey")
		obj, err := rootMinio(t).GetObject(ctx(t), bucket, "missing", minio.GetObjectOptions{})
		if err == nil {
			_, err = obj.Stat()
			obj.Close()
		}
		wantMinioErr(t, "minio GetObject missing key", err, http.StatusNotFound, "NoSuchKey")
	})

	t.Run("no such bucket", func(t *testing.T) {
		_, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: aws.String(bucketName(t)), Key: aws.String("k")})
		wantErr(t, "GetObject missing bucket", err, http.StatusNotFound, "NoSuchBucket")
	})
}

func TestHeadObject(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	cl := rootSDK()
	data := payload(31, 12345)
	key := "head/obj"
	_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data), ContentType: aws.String("application/x-head")})
	mustOK(t, "PutObject", err)
	before := time.Now()

	t.Run("exists", func(t *testing.T) {
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		mustOK(t, "HeadObject", err)
		if aws.ToInt64(h.ContentLength) != int64(len(data)) {
			t.Errorf("Content-Length: got %d, want %d", aws.ToInt64(h.ContentLength), len(data))
		}
		if aws.ToString(h.ETag) != quoted(md5Hex(data)) {
			t.Errorf("ETag: got %s, want %s", aws.ToString(h.ETag), quoted(md5Hex(data)))
		}
		if aws.ToString(h.ContentType) != "application/x-head" {
			t.Errorf("Content-Type: got %q, want application/x-head", aws.ToString(h.ContentType))
		}
		if lm := aws.ToTime(h.LastModified); lm.IsZero() || lm.Sub(before) > 15*time.Minute || before.Sub(lm) > 15*time.Minute {
			t.Errorf("Last-Modified: got %v, want within 15m of %v", lm, before)
		}
	})

	t.Run("minio StatObject", func(t *testing.T) {
		st, err := rootMinio(t).StatObject(ctx(t), bucket, key, minio.StatObjectOptions{})
		mustOK(t, "StatObject", err)
		if st.Size != int64(len(data)) || st.ETag != md5Hex(data) {
			t.Errorf("StatObject: got size %d etag %s, want %d %s", st.Size, st.ETag, len(data), md5Hex(data))
		}
		_, err = rootMinio(t).StatObject(ctx(t), bucket, "missing", minio.StatObjectOptions{})
		wantMinioErr(t, "StatObject missing", err, http.StatusNotFound, "NoSuchKey")
	})

	t.Run("range", func(t *testing.T) {
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key, Range: aws.String("bytes=0-9")})
		mustOK(t, "HeadObject range", err)
		if aws.ToInt64(h.ContentLength) != 10 || aws.ToString(h.ContentRange) != fmt.Sprintf("bytes 0-9/%d", len(data)) {
			t.Errorf("HeadObject range: got length %d Content-Range %q, want 10 and bytes 0-9/%d", aws.ToInt64(h.ContentLength), aws.ToString(h.ContentRange), len(data))
		}
	})

	t.Run("conditional", func(t *testing.T) {
		_, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key, IfNoneMatch: aws.String(quoted(md5Hex(data)))})
		wantErr(t, "HeadObject If-None-Match right etag", err, http.StatusNotModified, "")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key, IfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)})
		wantErr(t, "HeadObject If-Match wrong etag", err, http.StatusPreconditionFailed, "")
	})

	t.Run("missing", func(t *testing.T) {
		_, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("missing")})
		wantErr(t, "HeadObject missing key", err, http.StatusNotFound, "")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String(bucketName(t)), Key: aws.String("k")})
		wantErr(t, "HeadObject missing bucket", err, http.StatusNotFound, "")
	})
}

func TestDeleteObject(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	cl := rootSDK()

	t.Run("existing", func(t *testing.T) {
		putBytes(t, bucket, "del/a", []byte("a"))
		out, err := cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("del/a")})
		mustOK(t, "DeleteObject", err)
		if st := statusOf(out.ResultMetadata); st != http.StatusNoContent {
			t.Errorf("DeleteObject status: got %d, want 204", st)
		}
		_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("del/a")})
		wantErr(t, "GetObject after delete", err, http.StatusNotFound, "NoSuchKey")
	})

	t.Run("missing key", func(t *testing.T) {
		out, err := cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("del/never-existed")})
		mustOK(t, "DeleteObject missing key", err)
		if st := statusOf(out.ResultMetadata); st != http.StatusNoContent {
			t.Errorf("DeleteObject missing key status: got %d, want 204", st)
		}
	})

	t.Run("minio RemoveObject", func(t *testing.T) {
		putBytes(t, bucket, "del/b", []byte("b"))
		putBytes(t, bucket, "del/c", []byte("c"))
		mustOK(t, "RemoveObject", rootMinio(t).RemoveObject(ctx(t), bucket, "del/b", minio.RemoveObjectOptions{}))
		if got := listKeys(t, bucket); !equalStrings(got, []string{"del/c"}) {
			t.Errorf("keys after RemoveObject: got %q, want [del/c]", got)
		}
	})

	t.Run("no such bucket", func(t *testing.T) {
		_, err := cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: aws.String(bucketName(t)), Key: aws.String("k")})
		wantErr(t, "DeleteObject missing bucket", err, http.StatusNotFound, "NoSuchBucket")
	})
}

func TestDeleteObjects(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	ids := func(keys ...string) []types.ObjectIdentifier {
		var out []types.ObjectIdentifier
		for _, k := range keys {
			out = append(out, types.ObjectIdentifier{Key: aws.String(k)})
		}
		return out
	}

	t.Run("verbose", func(t *testing.T) {
		bucket := newBucket(t)
		putMany(t, bucket, []string{"a", "b", "c", "keep1", "keep2"})
		out, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids("a", "b", "c", "missing1", "missing2")}})
		mustOK(t, "DeleteObjects", err)
		var deleted []string
		for _, d := range out.Deleted {
			deleted = append(deleted, aws.ToString(d.Key))
		}
		if want := []string{"a", "b", "c", "missing1", "missing2"}; !equalStrings(sortedCopy(deleted), want) {
			t.Errorf("Deleted: got %q, want %q (missing keys count as deleted)", sortedCopy(deleted), want)
		}
		if len(out.Errors) != 0 {
			t.Errorf("Errors: got %d (%v), want none", len(out.Errors), out.Errors)
		}
		if got := listKeys(t, bucket); !equalStrings(got, []string{"keep1", "keep2"}) {
			t.Errorf("keys after DeleteObjects: got %q, want [keep1 keep2]", got)
		}
	})

	t.Run("quiet", func(t *testing.T) {
		bucket := newBucket(t)
		putMany(t, bucket, []string{"a", "b", "keep"})
		out, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids("a", "b", "missing"), Quiet: aws.Bool(true)}})
		mustOK(t, "DeleteObjects quiet", err)
		if len(out.Deleted) != 0 || len(out.Errors) != 0 {
			t.Errorf("quiet DeleteObjects: got %d Deleted and %d Errors, want none", len(out.Deleted), len(out.Errors))
		}
		if got := listKeys(t, bucket); !equalStrings(got, []string{"keep"}) {
			t.Errorf("keys after quiet DeleteObjects: got %q, want [keep]", got)
		}
	})

	t.Run("minio RemoveObjects", func(t *testing.T) {
		bucket := newBucket(t)
		keys := []string{"m/1", "m/2", "m/3", "m/4"}
		putMany(t, bucket, keys)
		ch := make(chan minio.ObjectInfo, len(keys))
		for _, k := range keys[:3] {
			ch <- minio.ObjectInfo{Key: k}
		}
		close(ch)
		for e := range rootMinio(t).RemoveObjects(ctx(t), bucket, ch, minio.RemoveObjectsOptions{}) {
			t.Errorf("RemoveObjects %s: got error %v, want none", e.ObjectName, e.Err)
		}
		if got := listKeys(t, bucket); !equalStrings(got, []string{"m/4"}) {
			t.Errorf("keys after RemoveObjects: got %q, want [m/4]", got)
		}
	})

	t.Run("1001 keys", func(t *testing.T) {
		bucket := newBucket(t)
		putMany(t, bucket, []string{"k0", "k1", "k2"})
		var keys []string
		for i := 0; i < 1001; i++ {
			keys = append(keys, fmt.Sprintf("k%d", i))
		}
		_, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids(keys...)}})
		wantErr(t, "DeleteObjects with 1001 keys", err, http.StatusBadRequest, "MalformedXML")
		if got := listKeys(t, bucket); !equalStrings(got, []string{"k0", "k1", "k2"}) {
			t.Errorf("keys after rejected DeleteObjects: got %q, want [k0 k1 k2]", got)
		}
	})

	t.Run("no such bucket", func(t *testing.T) {
		_, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: aws.String(bucketName(t)), Delete: &types.Delete{Objects: ids("a")}})
		wantErr(t, "DeleteObjects missing bucket", err, http.StatusNotFound, "NoSuchBucket")
	})
}

func TestCopyObject(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	other := newBucket(t)
	data := payload(41, 256*KiB+3)
	src := "src/object"
	_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &src, Body: bytes.NewReader(data),
		ContentType: aws.String("application/x-src"), Metadata: map[string]string{"origin": "source"}})
	mustOK(t, "PutObject source", err)
	srcETag := quoted(md5Hex(data))
	copySource := func(b, k string) *string { return aws.String(b + "/" + s3Escape(k)) }

	t.Run("same bucket", func(t *testing.T) {
		out, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/same"), CopySource: copySource(bucket, src)})
		mustOK(t, "CopyObject", err)
		if out.CopyObjectResult == nil || aws.ToString(out.CopyObjectResult.ETag) != srcETag {
			t.Errorf("CopyObjectResult ETag: got %v, want %s", out.CopyObjectResult, srcETag)
		}
		checkObject(t, bucket, "dst/same", sha256Hex(data), int64(len(data)))
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("dst/same")})
		mustOK(t, "HeadObject copy", err)
		if aws.ToString(h.ContentType) != "application/x-src" || h.Metadata["origin"] != "source" {
			t.Errorf("metadata directive COPY: got Content-Type %q meta %v, want application/x-src origin=source", aws.ToString(h.ContentType), h.Metadata)
		}
	})

	t.Run("cross bucket minio", func(t *testing.T) {
		_, err := rootMinio(t).CopyObject(ctx(t), minio.CopyDestOptions{Bucket: other, Object: "dst/cross"}, minio.CopySrcOptions{Bucket: bucket, Object: src})
		mustOK(t, "minio CopyObject", err)
		checkObject(t, other, "dst/cross", sha256Hex(data), int64(len(data)))
	})

	t.Run("cross bucket sdk", func(t *testing.T) {
		_, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &other, Key: aws.String("dst/cross-sdk"), CopySource: copySource(bucket, src)})
		mustOK(t, "CopyObject", err)
		checkObject(t, other, "dst/cross-sdk", sha256Hex(data), int64(len(data)))
	})

	t.Run("metadata directive REPLACE", func(t *testing.T) {
		_, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/replace"), CopySource: copySource(bucket, src),
			MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/x-new"), Metadata: map[string]string{"fresh": "yes"}})
		mustOK(t, "CopyObject REPLACE", err)
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("dst/replace")})
		mustOK(t, "HeadObject", err)
		if aws.ToString(h.ContentType) != "text/x-new" || h.Metadata["fresh"] != "yes" || h.Metadata["origin"] != "" {
			t.Errorf("REPLACE: got Content-Type %q meta %v, want text/x-new and only fresh=yes", aws.ToString(h.ContentType), h.Metadata)
		}
		checkObject(t, bucket, "dst/replace", sha256Hex(data), int64(len(data)))
	})

	t.Run("copy-source conditions", func(t *testing.T) {
		_, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/cond"), CopySource: copySource(bucket, src),
			CopySourceIfMatch: aws.String(`"0123456789abcdef0123456789abcdef"`)})
		wantErr(t, "CopyObject x-amz-copy-source-if-match wrong", err, http.StatusPreconditionFailed, "PreconditionFailed")
		_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/cond"), CopySource: copySource(bucket, src),
			CopySourceIfNoneMatch: aws.String(srcETag)})
		wantErr(t, "CopyObject x-amz-copy-source-if-none-match matching", err, http.StatusPreconditionFailed, "PreconditionFailed")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("dst/cond")})
		wantErr(t, "HeadObject after failed conditional copies", err, http.StatusNotFound, "")
		_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/cond"), CopySource: copySource(bucket, src),
			CopySourceIfMatch: aws.String(srcETag)})
		mustOK(t, "CopyObject x-amz-copy-source-if-match right", err)
	})

	t.Run("onto itself", func(t *testing.T) {
		_, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: &src, CopySource: copySource(bucket, src)})
		wantErr(t, "CopyObject onto itself without REPLACE", err, http.StatusBadRequest, "InvalidRequest")
		self := "src/self"
		putBytes(t, bucket, self, []byte("self"))
		_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: &self, CopySource: copySource(bucket, self),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"gen": "2"}})
		mustOK(t, "CopyObject onto itself with REPLACE", err)
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &self})
		mustOK(t, "HeadObject", err)
		if h.Metadata["gen"] != "2" {
			t.Errorf("metadata after self-copy REPLACE: got %v, want gen=2", h.Metadata)
		}
		if got := string(getBytes(t, bucket, self)); got != "self" {
			t.Errorf("content after self-copy: got %q, want self", got)
		}
	})

	t.Run("special characters", func(t *testing.T) {
		special := "dir/spé cial+plus&amp=eq?q#hash%pct ü.txt"
		sdata := payload(42, 999)
		putBytes(t, bucket, special, sdata)
		dst := "copy of " + special
		_, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: &dst, CopySource: copySource(bucket, special)})
		mustOK(t, "CopyObject special key", err)
		checkObject(t, bucket, dst, sha256Hex(sdata), int64(len(sdata)))
		_, err = rootMinio(t).CopyObject(ctx(t), minio.CopyDestOptions{Bucket: other, Object: special}, minio.CopySrcOptions{Bucket: bucket, Object: special})
		mustOK(t, "minio CopyObject special key", err)
		checkObject(t, other, special, sha256Hex(sdata), int64(len(sdata)))
	})

	t.Run("missing source", func(t *testing.T) {
		_, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("dst/x"), CopySource: copySource(bucket, "missing")})
		wantErr(t, "CopyObject missing source", err, http.StatusNotFound, "NoSuchKey")
	})
}
