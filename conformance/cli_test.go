package conformance

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// awsCLI runs the aws CLI against the target in an isolated environment:
// a fresh HOME, config and credentials file, and no AWS_* variables from the
// caller's environment.
type awsCLI struct {
	bin string
	env []string
}

func newAWSCLI(t *testing.T) *awsCLI {
	t.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv(EnvRequireCLI) != "" {
			t.Fatalf("aws CLI not found on PATH and %s is set", EnvRequireCLI)
		}
		t.Skipf("aws CLI not installed (set %s=1 to make this a failure)", EnvRequireCLI)
	}
	home := t.TempDir()
	cfg := filepath.Join(home, "config")
	creds := filepath.Join(home, "credentials")
	mustOK(t, "write aws config", os.WriteFile(cfg, []byte(fmt.Sprintf(
		"[default]\nregion = %s\ns3 =\n    addressing_style = path\n", tgt.Region)), 0o600))
	mustOK(t, "write aws credentials", os.WriteFile(creds, nil, 0o600))
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_ACCESS_KEY_ID="+tgt.Root.AccessKey,
		"AWS_SECRET_ACCESS_KEY="+tgt.Root.SecretKey,
		"AWS_DEFAULT_REGION="+tgt.Region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
	return &awsCLI{bin: bin, env: env}
}

// run executes `aws --endpoint-url <endpoint> args...` and returns stdout.
func (a *awsCLI) run(t *testing.T, args ...string) string {
	t.Helper()
	full := append([]string{"--endpoint-url", tgt.Endpoint}, args...)
	cmd := exec.CommandContext(ctx(t), a.bin, full...)
	cmd.Env = a.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	t.Logf("aws %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

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
	cli := newAWSCLI(t)
	bucket := bucketName(t)
	dir := t.TempDir()

	cli.run(t, "s3", "mb", "s3://"+bucket)
	cleanupBucket(t, bucket)
	if _, err := rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: &bucket}); err != nil {
		t.Fatalf("HeadBucket after aws s3 mb: %v", err)
	}

	// A 40 MiB file: the CLI uploads it with multipart (8 MiB parts by default).
	const bigSize = 40 * MiB
	big := filepath.Join(dir, "big.bin")
	writePayloadFile(t, big, 91, bigSize)
	wantSHA := payloadSHA256(91, bigSize)
	cli.run(t, "s3", "cp", big, "s3://"+bucket+"/big.bin")
	h, err := rootSDK().HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("big.bin")})
	mustOK(t, "HeadObject big.bin", err)
	if aws.ToInt64(h.ContentLength) != bigSize || !strings.Contains(aws.ToString(h.ETag), "-") {
		t.Errorf("big.bin after aws s3 cp: got length %d ETag %s, want %d and a multipart ETag", aws.ToInt64(h.ContentLength), aws.ToString(h.ETag), bigSize)
	}

	ls := cli.run(t, "s3", "ls", "s3://"+bucket+"/")
	if !strings.Contains(ls, "big.bin") || !strings.Contains(ls, fmt.Sprint(bigSize)) {
		t.Errorf("aws s3 ls: got %q, want a line with big.bin and %d", ls, bigSize)
	}

	back := filepath.Join(dir, "big.back")
	cli.run(t, "s3", "cp", "s3://"+bucket+"/big.bin", back)
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
	cli.run(t, "s3", "sync", src, "s3://"+bucket+"/dir/")
	keys := listKeys(t, bucket)
	if len(keys) != 6 {
		t.Errorf("keys after aws s3 sync up: got %q, want big.bin and 5 under dir/", keys)
	}
	for name := range files {
		checkObject(t, bucket, "dir/"+name, sums[name], files[name])
	}
	dst := filepath.Join(dir, "dst")
	cli.run(t, "s3", "sync", "s3://"+bucket+"/dir/", dst)
	for name, n := range files {
		if got, gn := fileSHA256(t, filepath.Join(dst, name)); got != sums[name] || gn != n {
			t.Errorf("synced back %s: got %d bytes sha256 %s, want %d %s", name, gn, got, n, sums[name])
		}
	}

	cli.run(t, "s3", "rm", "--recursive", "s3://"+bucket)
	if keys := listKeys(t, bucket); len(keys) != 0 {
		t.Errorf("keys after aws s3 rm --recursive: got %q, want none", keys)
	}
	cli.run(t, "s3", "rb", "s3://"+bucket)
	_, err = rootSDK().HeadBucket(ctx(t), &s3.HeadBucketInput{Bucket: &bucket})
	wantErr(t, "HeadBucket after aws s3 rb", err, http.StatusNotFound, "")
}
