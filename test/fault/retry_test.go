package fault

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/dolium/dolium/test/faultproxy"
	"github.com/dolium/dolium/test/harness"
)

// An SDK whose connection drops just after the gateway answered retries
// (aws-sdk-go-v2 with its default retryer) and must end in success: a
// retried CompleteMultipartUpload gets the first one's answer (it got 404
// NoSuchUpload before, and the SDK reported a failed upload that had
// succeeded), a retried abort or delete succeeds, a retried PUT stores the
// same bytes once, and nothing is left orphaned.
func TestSDKRetryAfterLostAnswer(t *testing.T) {
	t.Parallel()
	ctx := harness.Context(t, 2*time.Minute)
	data := t.TempDir()
	root := harness.RandomCredentials()
	srv := harness.StartTest(t, harness.Options{DataDir: data, Root: root, Args: []string{"--gc-interval", "300ms", "--upload-grace", "4s", "--reclaim-delay", "1s"}})
	px, err := faultproxy.Start("127.0.0.1:0", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Close() })
	direct := harness.SDKClient(srv.Endpoint, root)
	// The SDK as users run it: default retryer (3 attempts), through the proxy.
	retrying := s3.NewFromConfig(aws.Config{
		Region:      harness.Region,
		Credentials: credentials.NewStaticCredentialsProvider(root.AccessKey, root.SecretKey, ""),
	}, func(o *s3.Options) {
		o.BaseEndpoint = aws.String("http://" + px.Addr())
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
	})
	bucket := "retry"
	if _, err := direct.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}

	// CompleteMultipartUpload whose answer is lost.
	up, err := direct.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	var md5s, want []byte
	for i, n := range []int{5 << 20, 1 << 20} {
		b := cpBytes(n)
		out, err := direct.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("mp"), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(b)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
		sum := md5.Sum(b)
		md5s = append(md5s, sum[:]...)
		want = append(want, b...)
	}
	all := md5.Sum(md5s)
	wantETag := fmt.Sprintf(`"%s-2"`, hex.EncodeToString(all[:]))
	px.SetDropAnswers(1)
	out, err := retrying.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp"),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		t.Fatalf("CompleteMultipartUpload with its first answer lost: %v; want the SDK's retry to succeed", err)
	}
	if got := aws.ToString(out.ETag); got != wantETag {
		t.Errorf("retried CompleteMultipartUpload: ETag %s, want %s", got, wantETag)
	}
	checkBytes(t, direct, bucket, "mp", want)

	// PutObject whose answer is lost: the retry writes the same bytes.
	body := cpBytes(3<<20 + 1)
	px.SetDropAnswers(1)
	if _, err := retrying.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("put"), Body: bytes.NewReader(body)}); err != nil {
		t.Fatalf("PutObject with its first answer lost: %v", err)
	}
	checkBytes(t, direct, bucket, "put", body)

	// AbortMultipartUpload and DeleteObject whose answers are lost.
	up2, err := direct.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("ab")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := direct.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("ab"), UploadId: up2.UploadId,
		PartNumber: aws.Int32(1), Body: bytes.NewReader(cpBytes(1 << 20))}); err != nil {
		t.Fatal(err)
	}
	px.SetDropAnswers(1)
	if _, err := retrying.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: aws.String("ab"), UploadId: up2.UploadId}); err != nil {
		t.Errorf("AbortMultipartUpload with its first answer lost: %v; want success", err)
	}
	px.SetDropAnswers(1)
	if _, err := retrying.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("put")}); err != nil {
		t.Errorf("DeleteObject with its first answer lost: %v; want success", err)
	}
	if _, err := direct.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("put")}); err == nil {
		t.Errorf("put still exists after the retried delete")
	}

	// Nothing orphaned: only mp's two parts remain once collected.
	deadline := time.Now().Add(20 * time.Second)
	for {
		rep := gcVerify(t, ctx, srv)
		if len(rep.Orphans) == 0 && rep.InFlight == 0 && rep.Stored == rep.Referenced {
			if rep.Referenced != 2 {
				t.Errorf("referenced data sets = %d, want 2 (the parts of mp)", rep.Referenced)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the retries and collection: %+v", rep)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

func checkBytes(t *testing.T, cl *s3.Client, bucket, key string, want []byte) {
	t.Helper()
	out, err := cl.GetObject(t.Context(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		t.Fatalf("GET %s: %v", key, err)
	}
	defer out.Body.Close()
	got, err := io.ReadAll(out.Body)
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("GET %s: %d bytes (%v), want the %d bytes written", key, len(got), err, len(want))
	}
}
