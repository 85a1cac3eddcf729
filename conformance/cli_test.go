package conformance

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
)

func fileSHA256(t *testing.T, path string) (string, int64) {
	t.Helper()
	f, err := os.Open(path)
	mustOK(t, "open "+filepath.Base(path), err)
	defer f.Close()
	return readSHA256(t, f)
}

func writePayloadFile(t *testing.T, path string, seed uint64, n int64) {
	t.Helper()
	f, err := os.Create(path)
	mustOK(t, "create "+filepath.Base(path), err)
	_, err = io.Copy(f, payloadReader(seed, n))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	mustOK(t, "write "+filepath.Base(path), err)
}

func TestAWSCLI(t *testing.T) {
	t.Parallel()
	cli := harness.NewAWSCLI(t, tgt.Endpoint, tgt.Region, tgt.Root)
	bucket := bucketName(t)
	dir := t.TempDir()

	cli.Run(t, "s3", "mb", "s3://"+bucket)
	cleanupBucket(t, bucket)
	if _, err := rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: &bucket}); err != nil {
		t.Fatalf("HeadBucket after aws s3 mb: %v", err)
	}

	// A 40 MiB file: the CLI uploads it with multipart (8 MiB parts by default).
	const bigSize = 40 * MiB
	big := filepath.Join(dir, "big.bin")
	writePayloadFile(t, big, 91, bigSize)
	wantSHA := payloadSHA256(91, bigSize)
	cli.Run(t, "s3", "cp", big, "s3://"+bucket+"/big.bin")
	h, err := rootSDK().HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("big.bin")})
	mustOK(t, "HeadObject big.bin", err)
	if aws.ToInt64(h.ContentLength) != bigSize || !strings.Contains(aws.ToString(h.ETag), "-") {
		t.Errorf("big.bin after aws s3 cp: got length %d ETag %s, want %d and a multipart ETag", aws.ToInt64(h.ContentLength), aws.ToString(h.ETag), bigSize)
	}

	ls := cli.Run(t, "s3", "ls", "s3://"+bucket+"/")
	if !strings.Contains(ls, "big.bin") || !strings.Contains(ls, fmt.Sprint(bigSize)) {
		t.Errorf("aws s3 ls: got %q, want a line with big.bin and %d", ls, bigSize)
	}

	back := filepath.Join(dir, "big.back")
	cli.Run(t, "s3", "cp", "s3://"+bucket+"/big.bin", back)
	if got, n := fileSHA256(t, back); got != wantSHA || n != bigSize {
		t.Errorf("aws s3 cp back: got %d bytes sha256 %s, want %d %s", n, got, bigSize, wantSHA)
	}
	os.Remove(back)

	// sync a directory of 5 files up and down again.
	src := filepath.Join(dir, "src")
	mustOK(t, "mkdir", os.MkdirAll(filepath.Join(src, "nested"), 0o755))
	files := map[string]int64{"one.txt": 1, "two.bin": 4 * KiB, "three.bin": 300 * KiB, "nested/four.bin": 2*MiB + 3, "nested/five name.txt": 0}
	sums := map[string]string{}
	seed := uint64(200)
	for name, n := range files {
		seed++
		writePayloadFile(t, filepath.Join(src, name), seed, n)
		sums[name] = payloadSHA256(seed, n)
	}
	cli.Run(t, "s3", "sync", src, "s3://"+bucket+"/dir/")
	keys := listKeys(t, bucket)
	if len(keys) != 6 {
		t.Errorf("keys after aws s3 sync up: got %q, want big.bin and 5 under dir/", keys)
	}
	for name := range files {
		checkObject(t, bucket, "dir/"+name, sums[name], files[name])
	}
	dst := filepath.Join(dir, "dst")
	cli.Run(t, "s3", "sync", "s3://"+bucket+"/dir/", dst)
	for name, n := range files {
		if got, gn := fileSHA256(t, filepath.Join(dst, name)); got != sums[name] || gn != n {
			t.Errorf("synced back %s: got %d bytes sha256 %s, want %d %s", name, gn, got, n, sums[name])
		}
	}

	cli.Run(t, "s3", "rm", "--recursive", "s3://"+bucket)
	if keys := listKeys(t, bucket); len(keys) != 0 {
		t.Errorf("keys after aws s3 rm --recursive: got %q, want none", keys)
	}
	cli.Run(t, "s3", "rb", "s3://"+bucket)
	_, err = rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: &bucket})
	wantErr(t, "HeadBucket after aws s3 rb", err, http.StatusNotFound, "")
}
