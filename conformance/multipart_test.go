package conformance

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/crc64nvme"
	"github.com/minio/minio-go/v7"
)

// multipartETag is the S3 ETag of an object assembled from parts.
func multipartETag(parts [][]byte) string {
	h := md5.New()
	for _, p := range parts {
		s := md5.Sum(p)
		h.Write(s[:])
	}
	return quoted(fmt.Sprintf("%s-%d", hex.EncodeToString(h.Sum(nil)), len(parts)))
}

func createUpload(t *testing.T, bucket, key string, algo types.ChecksumAlgorithm) string {
	t.Helper()
	in := &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key, ChecksumAlgorithm: algo}
	if algo == types.ChecksumAlgorithmCrc64nvme {
		in.ChecksumType = types.ChecksumTypeFullObject
	}
	out, err := rootSDK().CreateMultipartUpload(ctx(t), in)
	mustOK(t, "CreateMultipartUpload", err)
	if aws.ToString(out.UploadId) == "" {
		t.Fatalf("CreateMultipartUpload: got empty UploadId")
	}
	return aws.ToString(out.UploadId)
}

func uploadPart(t *testing.T, bucket, key, id string, n int32, data []byte, algo types.ChecksumAlgorithm) types.CompletedPart {
	t.Helper()
	out, err := rootSDK().UploadPart(ctx(t), &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: &id, PartNumber: aws.Int32(n),
		Body: bytes.NewReader(data), ChecksumAlgorithm: algo})
	mustOK(t, fmt.Sprintf("UploadPart %d", n), err)
	if got, want := aws.ToString(out.ETag), quoted(md5Hex(data)); got != want {
		t.Errorf("UploadPart %d ETag: got %s, want %s", n, got, want)
	}
	return types.CompletedPart{PartNumber: aws.Int32(n), ETag: out.ETag,
		ChecksumCRC32: out.ChecksumCRC32, ChecksumCRC32C: out.ChecksumCRC32C, ChecksumCRC64NVME: out.ChecksumCRC64NVME,
		ChecksumSHA1: out.ChecksumSHA1, ChecksumSHA256: out.ChecksumSHA256}
}

func complete(t *testing.T, bucket, key, id string, parts []types.CompletedPart) (*s3.CompleteMultipartUploadOutput, error) {
	t.Helper()
	return rootSDK().CompleteMultipartUpload(ctx(t), &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: &id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
}

func TestMultipartUpload(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	sizes := []int{5 * MiB, 5 * MiB, 1 * MiB}
	parts := make([][]byte, len(sizes))
	whole := sha256.New()
	for i, n := range sizes {
		parts[i] = payload(uint64(500+i), n)
		whole.Write(parts[i])
	}
	wholeSHA := hex.EncodeToString(whole.Sum(nil))
	total := int64(11 * MiB)

	t.Run("three parts", func(t *testing.T) {
		key := "mp/three parts.bin"
		id := createUpload(t, bucket, key, "")
		var done []types.CompletedPart
		for i, p := range parts {
			done = append(done, uploadPart(t, bucket, key, id, int32(i+1), p, ""))
		}

		lp, err := cl.ListParts(ctx(t), &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: &id})
		mustOK(t, "ListParts", err)
		if len(lp.Parts) != 3 {
			t.Errorf("ListParts: got %d parts, want 3", len(lp.Parts))
		}
		for i, p := range lp.Parts {
			if i < 3 && (aws.ToInt32(p.PartNumber) != int32(i+1) || aws.ToInt64(p.Size) != int64(sizes[i]) || aws.ToString(p.ETag) != quoted(md5Hex(parts[i]))) {
				t.Errorf("ListParts part %d: got number %d size %d etag %s, want %d %d %s", i, aws.ToInt32(p.PartNumber), aws.ToInt64(p.Size), aws.ToString(p.ETag), i+1, sizes[i], quoted(md5Hex(parts[i])))
			}
		}
		lp, err = cl.ListParts(ctx(t), &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: &id, MaxParts: aws.Int32(2)})
		mustOK(t, "ListParts max-parts 2", err)
		if len(lp.Parts) != 2 || !aws.ToBool(lp.IsTruncated) || aws.ToString(lp.NextPartNumberMarker) != "2" {
			t.Errorf("ListParts max-parts 2: got %d parts truncated %v next marker %q, want 2 true \"2\"", len(lp.Parts), aws.ToBool(lp.IsTruncated), aws.ToString(lp.NextPartNumberMarker))
		}

		lu, err := cl.ListMultipartUploads(ctx(t), &s3.ListMultipartUploadsInput{Bucket: &bucket, Prefix: aws.String("mp/three")})
		mustOK(t, "ListMultipartUploads", err)
		found := false
		for _, u := range lu.Uploads {
			if aws.ToString(u.UploadId) == id && aws.ToString(u.Key) == key {
				found = true
			}
		}
		if !found {
			t.Errorf("ListMultipartUploads: got %d uploads without %s/%s", len(lu.Uploads), key, id)
		}
		if got := listKeys(t, bucket); len(got) != 0 && strings.Contains(strings.Join(got, "\n"), key) {
			t.Errorf("object visible before CompleteMultipartUpload: got keys %q", got)
		}

		out, err := complete(t, bucket, key, id, done)
		mustOK(t, "CompleteMultipartUpload", err)
		if got, want := aws.ToString(out.ETag), multipartETag(parts); got != want {
			t.Errorf("CompleteMultipartUpload ETag: got %s, want %s", got, want)
		}
		checkObject(t, bucket, key, wholeSHA, total)
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		mustOK(t, "HeadObject", err)
		if aws.ToString(h.ETag) != multipartETag(parts) || aws.ToInt64(h.ContentLength) != total {
			t.Errorf("HeadObject: got ETag %s length %d, want %s %d", aws.ToString(h.ETag), aws.ToInt64(h.ContentLength), multipartETag(parts), total)
		}
		// A range across the first part boundary.
		g, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key, Range: aws.String(fmt.Sprintf("bytes=%d-%d", 5*MiB-10, 5*MiB+9))})
		mustOK(t, "GetObject range", err)
		got, _ := readAllClose(g.Body)
		want := append(append([]byte{}, parts[0][5*MiB-10:]...), parts[1][:10]...)
		if !bytes.Equal(got, want) {
			t.Errorf("range across parts: got %x, want %x", got, want)
		}
		lu, err = cl.ListMultipartUploads(ctx(t), &s3.ListMultipartUploadsInput{Bucket: &bucket, Prefix: aws.String("mp/three")})
		mustOK(t, "ListMultipartUploads", err)
		if len(lu.Uploads) != 0 {
			t.Errorf("ListMultipartUploads after complete: got %d uploads, want 0", len(lu.Uploads))
		}
	})

	t.Run("abort", func(t *testing.T) {
		key := "mp/aborted"
		id := createUpload(t, bucket, key, "")
		uploadPart(t, bucket, key, id, 1, parts[2], "")
		_, err := cl.AbortMultipartUpload(ctx(t), &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: &id})
		mustOK(t, "AbortMultipartUpload", err)
		_, err = cl.ListParts(ctx(t), &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: &id})
		wantErr(t, "ListParts after abort", err, http.StatusNotFound, "NoSuchUpload")
		_, err = cl.UploadPart(ctx(t), &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: &id, PartNumber: aws.Int32(2), Body: strings.NewReader("x")})
		wantErr(t, "UploadPart after abort", err, http.StatusNotFound, "NoSuchUpload")
		_, err = complete(t, bucket, key, id, []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: aws.String(quoted(md5Hex(parts[2])))}})
		wantErr(t, "CompleteMultipartUpload after abort", err, http.StatusNotFound, "NoSuchUpload")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		wantErr(t, "HeadObject of aborted upload", err, http.StatusNotFound, "")
		_, err = cl.ListParts(ctx(t), &s3.ListPartsInput{Bucket: &bucket, Key: &key, UploadId: aws.String("no-such-upload-id")})
		wantErr(t, "ListParts unknown upload id", err, http.StatusNotFound, "NoSuchUpload")
	})

	t.Run("entity too small", func(t *testing.T) {
		key := "mp/small"
		id := createUpload(t, bucket, key, "")
		p1 := uploadPart(t, bucket, key, id, 1, payload(1, KiB), "")
		p2 := uploadPart(t, bucket, key, id, 2, payload(2, KiB), "")
		_, err := complete(t, bucket, key, id, []types.CompletedPart{p1, p2})
		wantErr(t, "CompleteMultipartUpload with a small non-last part", err, http.StatusBadRequest, "EntityTooSmall")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		wantErr(t, "HeadObject after EntityTooSmall", err, http.StatusNotFound, "")
	})

	t.Run("invalid part and order", func(t *testing.T) {
		key := "mp/invalid"
		id := createUpload(t, bucket, key, "")
		p1 := uploadPart(t, bucket, key, id, 1, parts[0], "")
		p2 := uploadPart(t, bucket, key, id, 2, parts[1], "")
		_, err := complete(t, bucket, key, id, []types.CompletedPart{p2, p1})
		wantErr(t, "CompleteMultipartUpload parts out of order", err, http.StatusBadRequest, "InvalidPartOrder")
		bad := types.CompletedPart{PartNumber: aws.Int32(1), ETag: aws.String(quoted(md5Hex([]byte("wrong"))))}
		_, err = complete(t, bucket, key, id, []types.CompletedPart{bad, p2})
		wantErr(t, "CompleteMultipartUpload wrong part ETag", err, http.StatusBadRequest, "InvalidPart")
		missing := types.CompletedPart{PartNumber: aws.Int32(3), ETag: aws.String(quoted(md5Hex(parts[2])))}
		_, err = complete(t, bucket, key, id, []types.CompletedPart{p1, p2, missing})
		wantErr(t, "CompleteMultipartUpload part never uploaded", err, http.StatusBadRequest, "InvalidPart")
		_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
		wantErr(t, "HeadObject after failed completes", err, http.StatusNotFound, "")
		// The upload survives failed completions.
		_, err = complete(t, bucket, key, id, []types.CompletedPart{p1, p2})
		mustOK(t, "CompleteMultipartUpload after failures", err)
		h := sha256.New()
		h.Write(parts[0])
		h.Write(parts[1])
		checkObject(t, bucket, key, hex.EncodeToString(h.Sum(nil)), 10*MiB)
	})

	t.Run("checksum CRC32 composite", func(t *testing.T) {
		key := "mp/crc32"
		id := createUpload(t, bucket, key, types.ChecksumAlgorithmCrc32)
		var done []types.CompletedPart
		var raw []byte
		for i, p := range parts {
			cp := uploadPart(t, bucket, key, id, int32(i+1), p, types.ChecksumAlgorithmCrc32)
			if want := checksumOf(types.ChecksumAlgorithmCrc32, p); aws.ToString(cp.ChecksumCRC32) != want {
				t.Errorf("UploadPart %d CRC32: got %q, want %q", i+1, aws.ToString(cp.ChecksumCRC32), want)
			}
			b, _ := base64.StdEncoding.DecodeString(checksumOf(types.ChecksumAlgorithmCrc32, p))
			raw = append(raw, b...)
			done = append(done, cp)
		}
		out, err := complete(t, bucket, key, id, done)
		mustOK(t, "CompleteMultipartUpload", err)
		c := crc32.ChecksumIEEE(raw)
		want := base64.StdEncoding.EncodeToString([]byte{byte(c >> 24), byte(c >> 16), byte(c >> 8), byte(c)}) + "-3"
		if aws.ToString(out.ChecksumCRC32) != want {
			t.Errorf("CompleteMultipartUpload CRC32: got %q, want %q (CRC32 of the part CRC32s)", aws.ToString(out.ChecksumCRC32), want)
		}
		h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: types.ChecksumModeEnabled})
		mustOK(t, "HeadObject", err)
		if aws.ToString(h.ChecksumCRC32) != want || h.ChecksumType != types.ChecksumTypeComposite {
			t.Errorf("HeadObject: got CRC32 %q type %q, want %q COMPOSITE", aws.ToString(h.ChecksumCRC32), h.ChecksumType, want)
		}
		checkObject(t, bucket, key, wholeSHA, total)
	})

	t.Run("checksum CRC64NVME full object", func(t *testing.T) {
		key := "mp/crc64nvme"
		id := createUpload(t, bucket, key, types.ChecksumAlgorithmCrc64nvme)
		var done []types.CompletedPart
		for i, p := range parts {
			done = append(done, uploadPart(t, bucket, key, id, int32(i+1), p, types.ChecksumAlgorithmCrc64nvme))
		}
		out, err := complete(t, bucket, key, id, done)
		mustOK(t, "CompleteMultipartUpload", err)
		full := crc64nvme.New()
		for _, p := range parts {
			full.Write(p)
		}
		want := base64.StdEncoding.EncodeToString(full.Sum(nil))
		if aws.ToString(out.ChecksumCRC64NVME) != want {
			t.Errorf("CompleteMultipartUpload CRC64NVME: got %q, want %q (of the whole object)", aws.ToString(out.ChecksumCRC64NVME), want)
		}
		g, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key, ChecksumMode: types.ChecksumModeEnabled})
		mustOK(t, "GetObject", err)
		sum, n := readSHA256(t, g.Body) // the SDK validates the full-object checksum
		g.Body.Close()
		if sum != wholeSHA || n != total {
			t.Errorf("GetObject: got %d bytes sha256 %s, want %d %s", n, sum, total, wholeSHA)
		}
		if aws.ToString(g.ChecksumCRC64NVME) != want || g.ChecksumType != types.ChecksumTypeFullObject {
			t.Errorf("GetObject: got CRC64NVME %q type %q, want %q FULL_OBJECT", aws.ToString(g.ChecksumCRC64NVME), g.ChecksumType, want)
		}
	})

	t.Run("minio 70 MiB stream", func(t *testing.T) {
		const size = 70 * MiB
		key := "mp/minio-stream"
		info, err := rootMinio(t).PutObject(ctx(t), bucket, key, payloadReader(77, size), size, minio.PutObjectOptions{PartSize: 5 * MiB})
		mustOK(t, "minio PutObject 70 MiB", err)
		if !strings.HasSuffix(strings.Trim(info.ETag, `"`), "-14") {
			t.Errorf("minio PutObject ETag: got %q, want a multipart ETag ending in -14", info.ETag)
		}
		obj, err := rootMinio(t).GetObject(ctx(t), bucket, key, minio.GetObjectOptions{})
		mustOK(t, "minio GetObject", err)
		sum, n := readSHA256(t, obj)
		obj.Close()
		if want := payloadSHA256(77, size); sum != want || n != size {
			t.Errorf("minio GetObject: got %d bytes sha256 %s, want %d %s", n, sum, size, want)
		}
	})
}

func readAllClose(r interface {
	Read([]byte) (int, error)
	Close() error
}) ([]byte, error) {
	defer r.Close()
	var b bytes.Buffer
	_, err := b.ReadFrom(r)
	return b.Bytes(), err
}
