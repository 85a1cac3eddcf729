package upgrade

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/test/harness"
)

func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }

// previousRelease is the last commit before versioning changed the object
// index of both stores.
const previousRelease = "b38880c"

// buildPrevious builds dolium at previousRelease from this repository's
// history (git archive, so the working tree is untouched).
func buildPrevious(t *testing.T) string {
	t.Helper()
	root, err := harness.ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	src := t.TempDir()
	archive := exec.Command("git", "-C", root, "archive", "--format=tar", previousRelease)
	extract := exec.Command("tar", "-x", "-C", src)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	extract.Stdin = pipe
	var stderr bytes.Buffer
	archive.Stderr, extract.Stderr = &stderr, &stderr
	if err := extract.Start(); err != nil {
		t.Fatal(err)
	}
	if err := archive.Run(); err != nil {
		t.Fatalf("git archive %s (the test needs the repository's history): %v: %s", previousRelease, err, stderr.String())
	}
	if err := extract.Wait(); err != nil {
		t.Fatalf("tar: %v: %s", err, stderr.String())
	}
	bin := filepath.Join(t.TempDir(), "dolium-previous")
	if err := harness.Build(src, bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

const MiB = 1 << 20

func body(seed byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = seed + byte(i%251)
	}
	return b
}

func get(t *testing.T, cl *s3.Client, bucket, key, version string) []byte {
	t.Helper()
	in := &s3.GetObjectInput{Bucket: &bucket, Key: &key}
	if version != "" {
		in.VersionId = &version
	}
	out, err := cl.GetObject(t.Context(), in)
	if err != nil {
		t.Fatalf("GetObject %s (version %q): %v", key, version, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeWithPrevious stores, with the previous release, an overwritten
// object, a multipart object and a deleted one.
func writeWithPrevious(t *testing.T, cl *s3.Client, bucket string) {
	t.Helper()
	ctx := t.Context()
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []struct {
		key  string
		data []byte
	}{{"small", body(1, 100)}, {"small", body(2, 200)}, {"gone", body(3, 10)}} {
		if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(p.key), Body: bytes.NewReader(p.data)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("gone")}); err != nil {
		t.Fatal(err)
	}
	mp, err := cl.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("multi")})
	if err != nil {
		t.Fatal(err)
	}
	var parts []types.CompletedPart
	for i, data := range [][]byte{body(4, 5*MiB), body(5, MiB)} {
		n := int32(i + 1)
		up, err := cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("multi"), UploadId: mp.UploadId,
			PartNumber: &n, Body: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		parts = append(parts, types.CompletedPart{PartNumber: &n, ETag: up.ETag})
	}
	if _, err := cl.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: aws.String("multi"),
		UploadId: mp.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}}); err != nil {
		t.Fatal(err)
	}
}

// checkWithCurrent reads what the previous release wrote as null
// versions, then versions the bucket and checks the old data stays as the
// null version under the new one.
func checkWithCurrent(t *testing.T, cl *s3.Client, bucket string) {
	t.Helper()
	ctx := t.Context()
	if got := get(t, cl, bucket, "small", ""); !bytes.Equal(got, body(2, 200)) {
		t.Errorf("small after the upgrade: %d bytes, want the last write", len(got))
	}
	if got := get(t, cl, bucket, "multi", "null"); !bytes.Equal(got, append(body(4, 5*MiB), body(5, MiB)...)) {
		t.Errorf("multi?versionId=null after the upgrade: %d bytes, want both parts", len(got))
	}
	lv, err := cl.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range lv.Versions {
		e := aws.ToString(v.Key) + "@" + aws.ToString(v.VersionId)
		if aws.ToBool(v.IsLatest) {
			e += "*"
		}
		got = append(got, e)
	}
	if want := []string{"multi@null*", "small@null*"}; !slices.Equal(got, want) || len(lv.DeleteMarkers) != 0 {
		t.Errorf("versions after the upgrade: %q (markers %d), want %q", got, len(lv.DeleteMarkers), want)
	}
	if _, err := cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
		t.Fatal(err)
	}
	put, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("small"), Body: bytes.NewReader(body(6, 300))})
	if err != nil {
		t.Fatal(err)
	}
	if v := aws.ToString(put.VersionId); v == "" || v == "null" {
		t.Errorf("a PUT after enabling versioning: version %q", v)
	}
	if got := get(t, cl, bucket, "small", "null"); !bytes.Equal(got, body(2, 200)) {
		t.Errorf("the old object as the null version under a new one: %d bytes", len(got))
	}
	if got := get(t, cl, bucket, "small", ""); !bytes.Equal(got, body(6, 300)) {
		t.Errorf("the new latest: %d bytes", len(got))
	}
	if _, err := cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("small"), VersionId: aws.String("null")}); err != nil {
		t.Fatal(err)
	}
	if got := get(t, cl, bucket, "small", ""); !bytes.Equal(got, body(6, 300)) {
		t.Errorf("the latest after deleting the old null version: %d bytes", len(got))
	}
}

func TestUpgradeEmbedded(t *testing.T) {
	prev := buildPrevious(t)
	root := harness.RandomCredentials()
	dir := t.TempDir()
	old := harness.StartTest(t, harness.Options{Binary: prev, DataDir: dir, Root: root})
	writeWithPrevious(t, harness.SDKClient(old.Endpoint, root, harness.WithTimeout(time.Minute)), "legacy")
	if err := old.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	cur := harness.StartTest(t, harness.Options{DataDir: dir, Root: root})
	checkWithCurrent(t, harness.SDKClient(cur.Endpoint, root, harness.WithTimeout(time.Minute)), "legacy")
}

func TestUpgradeCassandra(t *testing.T) {
	prev := buildPrevious(t)
	root := harness.RandomCredentials()
	hosts := cqltest.Hosts()[0]
	ks := harness.TempKeyspace(t, hosts, "upgrade")
	c := harness.Cassandra{Hosts: hosts, Keyspace: ks}
	old := harness.StartTest(t, harness.Options{Binary: prev, DataDir: t.TempDir(), Root: root, Cassandra: c, HealthTimeout: 90 * time.Second})
	writeWithPrevious(t, harness.SDKClient(old.Endpoint, root, harness.WithTimeout(time.Minute)), "legacy")
	if err := old.Stop(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	cur := harness.StartTest(t, harness.Options{DataDir: t.TempDir(), Root: root, Cassandra: c, HealthTimeout: 90 * time.Second})
	checkWithCurrent(t, harness.SDKClient(cur.Endpoint, root, harness.WithTimeout(time.Minute)), "legacy")
}
