package conformance

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
	"github.com/minio/minio-go/v7"
)

func TestAccessControl(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	key := "private/object"
	putBytes(t, bucket, key, []byte("secret"))

	t.Run("anonymous", func(t *testing.T) {
		resp, err := http.Get(rawURL(bucket, key, "").String())
		mustOK(t, "anonymous GET", err)
		r, _ := harness.ReadResponse(resp)
		wantRawErr(t, "anonymous GET object", r, http.StatusForbidden, "AccessDenied")
		if bytes.Contains(r.Body, []byte("secret")) && r.Status == http.StatusOK {
			t.Errorf("anonymous GET object: got the object's content")
		}
		r = doRaw(t, nil, http.MethodGet, rawURL(bucket, "", "list-type=2"), nil, nil)
		wantRawErr(t, "anonymous ListObjectsV2", r, http.StatusForbidden, "AccessDenied")
		r = doRaw(t, nil, http.MethodPut, rawURL(bucket, "anon-put", ""), nil, []byte("x"))
		wantRawErr(t, "anonymous PutObject", r, http.StatusForbidden, "AccessDenied")
		if got := listKeys(t, bucket); !equalStrings(got, []string{key}) {
			t.Errorf("keys after anonymous PUT: got %q, want [%s]", got, key)
		}
	})

	t.Run("other tenant", func(t *testing.T) {
		alt := sdkClient(needAlt(t))
		_, err := alt.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		wantErr(t, "alt GetObject", err, http.StatusForbidden, "AccessDenied")
		_, err = alt.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("alt-put"), Body: strings.NewReader("x")})
		wantErr(t, "alt PutObject", err, http.StatusForbidden, "AccessDenied")
		_, err = alt.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader("overwrite")})
		wantErr(t, "alt PutObject over root's object", err, http.StatusForbidden, "AccessDenied")
		_, err = alt.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &bucket})
		wantErr(t, "alt ListObjectsV2", err, http.StatusForbidden, "AccessDenied")
		_, err = alt.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: &key})
		wantErr(t, "alt DeleteObject", err, http.StatusForbidden, "AccessDenied")
		obj, err := minioClient(t, needAlt(t)).GetObject(ctx(t), bucket, key, minio.GetObjectOptions{})
		if err == nil {
			_, err = obj.Stat()
			obj.Close()
		}
		wantMinioErr(t, "alt minio GetObject", err, http.StatusForbidden, "AccessDenied")
		if got := listKeys(t, bucket); !equalStrings(got, []string{key}) {
			t.Errorf("keys after alt's attempts: got %q, want [%s]", got, key)
		}
		if got := string(getBytes(t, bucket, key)); got != "secret" {
			t.Errorf("content after alt's attempts: got %q, want secret", got)
		}
	})

	t.Run("unknown access key", func(t *testing.T) {
		bad := sdkClient(harness.Credentials{AccessKey: "AKIAUNKNOWN" + strings.ToUpper(harness.RandomHex(5)), SecretKey: harness.RandomHex(20)})
		_, err := bad.ListBuckets(ctx(t), &s3.ListBucketsInput{})
		wantErr(t, "ListBuckets with unknown key", err, http.StatusForbidden, "InvalidAccessKeyId")
		_, err = bad.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
		wantErr(t, "GetObject with unknown key", err, http.StatusForbidden, "InvalidAccessKeyId")
	})

	t.Run("wrong secret", func(t *testing.T) {
		creds := harness.Credentials{AccessKey: tgt.Root.AccessKey, SecretKey: tgt.Root.SecretKey + "x"}
		bad := sdkClient(creds)
		_, err := bad.ListBuckets(ctx(t), &s3.ListBucketsInput{})
		wantErr(t, "ListBuckets with wrong secret", err, http.StatusForbidden, "SignatureDoesNotMatch")
		_, err = bad.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("bad-sig"), Body: strings.NewReader("x")})
		wantErr(t, "PutObject with wrong secret", err, http.StatusForbidden, "SignatureDoesNotMatch")
		_, err = minioClient(t, creds).StatObject(ctx(t), bucket, key, minio.StatObjectOptions{})
		wantMinioErr(t, "minio StatObject with wrong secret", err, http.StatusForbidden, "")
		if got := listKeys(t, bucket); !equalStrings(got, []string{key}) {
			t.Errorf("keys after badly signed PUT: got %q, want [%s]", got, key)
		}
	})
}

func TestPresigned(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	data := payload(61, 200*KiB+1)
	key := "presigned/get me.bin"
	putBytes(t, bucket, key, data)
	mc := rootMinio(t)

	t.Run("minio get", func(t *testing.T) {
		u, err := mc.PresignedGetObject(ctx(t), bucket, key, time.Minute, url.Values{"response-content-type": {"application/x-presigned"}})
		mustOK(t, "PresignedGetObject", err)
		r := harness.Do(t, nil, mustRequest(t, http.MethodGet, u.String(), nil))
		if r.Status != http.StatusOK || sha256Hex(r.Body) != sha256Hex(data) {
			t.Errorf("presigned GET: got status %d, %d bytes sha256 %s; want 200, %d bytes %s", r.Status, len(r.Body), sha256Hex(r.Body), len(data), sha256Hex(data))
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/x-presigned" {
			t.Errorf("presigned GET response-content-type: got %q, want application/x-presigned", ct)
		}
	})

	t.Run("minio put", func(t *testing.T) {
		u, err := mc.PresignedPutObject(ctx(t), bucket, "presigned/put.bin", time.Minute)
		mustOK(t, "PresignedPutObject", err)
		body := payload(62, 70*KiB)
		r := harness.Do(t, nil, mustRequest(t, http.MethodPut, u.String(), body))
		if r.Status != http.StatusOK {
			t.Fatalf("presigned PUT: got status %d, want 200; body %q", r.Status, truncate(r.Body))
		}
		checkObject(t, bucket, "presigned/put.bin", sha256Hex(body), int64(len(body)))
	})

	pc := s3.NewPresignClient(rootSDK())

	t.Run("sdk get", func(t *testing.T) {
		p, err := pc.PresignGetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key}, s3.WithPresignExpires(time.Minute))
		mustOK(t, "PresignGetObject", err)
		req := mustRequest(t, p.Method, p.URL, nil)
		for k, vs := range p.SignedHeader {
			if !strings.EqualFold(k, "host") {
				req.Header[k] = vs
			}
		}
		r := harness.Do(t, nil, req)
		if r.Status != http.StatusOK || sha256Hex(r.Body) != sha256Hex(data) {
			t.Errorf("SDK presigned GET: got status %d, %d bytes; want 200, %d bytes sha256 %s", r.Status, len(r.Body), len(data), sha256Hex(data))
		}
	})

	t.Run("sdk put", func(t *testing.T) {
		body := payload(63, 33*KiB)
		k := "presigned/sdk-put.bin"
		p, err := pc.PresignPutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &k}, s3.WithPresignExpires(time.Minute))
		mustOK(t, "PresignPutObject", err)
		req := mustRequest(t, p.Method, p.URL, body)
		for h, vs := range p.SignedHeader {
			if !strings.EqualFold(h, "host") {
				req.Header[h] = vs
			}
		}
		r := harness.Do(t, nil, req)
		if r.Status != http.StatusOK {
			t.Fatalf("SDK presigned PUT: got status %d, want 200; body %q", r.Status, truncate(r.Body))
		}
		checkObject(t, bucket, k, sha256Hex(body), int64(len(body)))
	})

	t.Run("tampered", func(t *testing.T) {
		u, err := mc.PresignedGetObject(ctx(t), bucket, key, time.Minute, nil)
		mustOK(t, "PresignedGetObject", err)
		q := u.Query()
		sig := q.Get("X-Amz-Signature")
		if sig == "" {
			t.Fatalf("presigned URL has no X-Amz-Signature: %s", u.RawQuery)
		}
		flip := "0"
		if sig[0] == '0' {
			flip = "1"
		}
		q.Set("X-Amz-Signature", flip+sig[1:])
		u.RawQuery = q.Encode()
		r := harness.Do(t, nil, mustRequest(t, http.MethodGet, u.String(), nil))
		wantRawErr(t, "presigned GET with altered signature", r, http.StatusForbidden, "SignatureDoesNotMatch")
	})

	t.Run("expired", func(t *testing.T) {
		u, err := mc.PresignedGetObject(ctx(t), bucket, key, time.Second, nil)
		mustOK(t, "PresignedGetObject", err)
		time.Sleep(2 * time.Second) // let the URL expire: time is what is tested
		r := harness.Do(t, nil, mustRequest(t, http.MethodGet, u.String(), nil))
		wantRawErr(t, "expired presigned GET", r, http.StatusForbidden, "AccessDenied")
	})
}

func mustRequest(t *testing.T, method, u string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx(t), method, u, rd)
	mustOK(t, "new request", err)
	return req
}
