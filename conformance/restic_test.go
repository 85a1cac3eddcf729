package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/test/harness"
)

// restic runs the restic binary on one repository in a bucket of the
// target, in an isolated environment (own HOME and cache, no AWS_* or
// RESTIC_* variables from the caller).
type restic struct {
	bin string
	env []string
}

func newRestic(t *testing.T, bucket string) *restic {
	t.Helper()
	bin := harness.LookTool(t, "restic")
	home := t.TempDir()
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "RESTIC_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"RESTIC_REPOSITORY=s3:"+tgt.Endpoint+"/"+bucket,
		"RESTIC_PASSWORD="+harness.RandomHex(12),
		"RESTIC_CACHE_DIR="+filepath.Join(home, "cache"),
		"AWS_ACCESS_KEY_ID="+tgt.Root.AccessKey,
		"AWS_SECRET_ACCESS_KEY="+tgt.Root.SecretKey,
	)
	return &restic{bin: bin, env: env}
}

// run executes `restic -o s3.bucket-lookup=path -o s3.region=R args...`,
// bounded by the test and five minutes, and returns its standard output;
// a failure fails the test at once.
func (r *restic) run(t *testing.T, args ...string) string {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, r.bin, append([]string{"-o", "s3.bucket-lookup=path", "-o", "s3.region=" + tgt.Region}, args...)...)
	cmd.Env = r.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	t.Logf("restic %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("restic %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

type resticSnapshot struct {
	ID    string   `json:"id"`
	Paths []string `json:"paths"`
}

func (r *restic) snapshots(t *testing.T) []resticSnapshot {
	t.Helper()
	var s []resticSnapshot
	out := r.run(t, "snapshots", "--json")
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("restic snapshots --json: %v: %q", err, truncate([]byte(out)))
	}
	return s
}

// makeBackupTree fills dir with files of many sizes (empty, tiny, two
// identical ones restic stores once, several MiB), nested directories and
// a symlink, and returns the sha256 of each regular file by relative path.
func makeBackupTree(t *testing.T, dir string, seed uint64) map[string]string {
	t.Helper()
	files := map[string]int64{
		"empty": 0, "one": 1, "small.txt": 4 * KiB, "mid.bin": 700 * KiB, "big.bin": 9*MiB + 17,
		"a/b/c/deep.bin": 64*KiB + 1, "a/same1": 1 * MiB, "a/same2": 1 * MiB, "name with spaces": 3,
	}
	sums := map[string]string{}
	for name, n := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		mustOK(t, "mkdir", os.MkdirAll(filepath.Dir(p), 0o755))
		s := seed + uint64(n)
		if strings.HasPrefix(name, "a/same") {
			s = seed // identical contents
		}
		writePayloadFile(t, p, s, n)
		sums[name] = payloadSHA256(s, n)
	}
	mustOK(t, "symlink", os.Symlink("a/b/c/deep.bin", filepath.Join(dir, "link")))
	return sums
}

// compareTree asserts that dir holds exactly the regular files of want,
// byte for byte, and the symlink makeBackupTree made.
func compareTree(t *testing.T, dir string, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		got[filepath.ToSlash(rel)], _ = fileSHA256(t, p)
		return nil
	})
	mustOK(t, "walk restored tree", err)
	for name, sum := range want {
		if got[name] != sum {
			t.Errorf("restored %s: sha256 %q, want %s", name, got[name], sum)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("restored tree has %s, which was not backed up", name)
		}
	}
	if l, err := os.Readlink(filepath.Join(dir, "link")); err != nil || l != "a/b/c/deep.bin" {
		t.Errorf("restored symlink: %q, %v", l, err)
	}
}

// resticRoundTrip runs init, two backups (the second after changes),
// snapshots, check --read-data and a restore compared byte for byte, and
// returns the runner, the two snapshots and the source directory.
func resticRoundTrip(t *testing.T, bucket string) (*restic, []resticSnapshot) {
	t.Helper()
	r := newRestic(t, bucket)
	work := t.TempDir()
	src := filepath.Join(work, "src")
	want := makeBackupTree(t, src, 500)

	r.run(t, "init")
	r.run(t, "backup", src)
	// Change the tree: one file rewritten, one removed, one added.
	writePayloadFile(t, filepath.Join(src, "mid.bin"), 9001, 701*KiB)
	want["mid.bin"] = payloadSHA256(9001, 701*KiB)
	mustOK(t, "remove", os.Remove(filepath.Join(src, "one")))
	delete(want, "one")
	writePayloadFile(t, filepath.Join(src, "a", "new.bin"), 9002, 2*MiB+5)
	want["a/new.bin"] = payloadSHA256(9002, 2*MiB+5)
	r.run(t, "backup", src)

	snaps := r.snapshots(t)
	if len(snaps) != 2 || len(snaps[1].Paths) != 1 || snaps[1].Paths[0] != src {
		t.Fatalf("restic snapshots: %+v, want 2 of %s", snaps, src)
	}
	r.run(t, "check", "--read-data")
	// restore recreates the backed-up directory's absolute path under the
	// target (restic 0.14 does; later releases too).
	dst := filepath.Join(work, "restore")
	r.run(t, "restore", "latest", "--target", dst)
	compareTree(t, filepath.Join(dst, src), want)
	return r, snaps
}

// objVersion is one version or delete marker in a bucket.
type objVersion struct {
	key, id string
	marker  bool
}

func allVersions(t *testing.T, bucket string) []objVersion {
	t.Helper()
	var vs []objVersion
	p := s3.NewListObjectVersionsPaginator(rootSDK(), &s3.ListObjectVersionsInput{Bucket: &bucket})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx(t))
		mustOK(t, "ListObjectVersions", err)
		for _, v := range page.Versions {
			vs = append(vs, objVersion{key: aws.ToString(v.Key), id: aws.ToString(v.VersionId)})
		}
		for _, v := range page.DeleteMarkers {
			vs = append(vs, objVersion{key: aws.ToString(v.Key), id: aws.ToString(v.VersionId), marker: true})
		}
	}
	return vs
}

// TestResticVersioned: restic on a versioned bucket, with forget --prune
// (its deletes leave delete markers, and the repository stays sound).
func TestResticVersioned(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	_, err := rootSDK().PutBucketVersioning(ctx(t), &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}})
	mustOK(t, "PutBucketVersioning", err)
	r, snaps := resticRoundTrip(t, bucket)

	r.run(t, "forget", "--keep-last", "1", "--prune")
	if s := r.snapshots(t); len(s) != 1 || s[0].ID != snaps[1].ID {
		t.Errorf("snapshots after forget --keep-last 1: %+v, want %s", s, snaps[1].ID)
	}
	r.run(t, "check", "--read-data")
	marked := false
	for _, v := range allVersions(t, bucket) {
		marked = marked || v.marker && v.key == "snapshots/"+snaps[0].ID
	}
	if !marked {
		t.Errorf("no delete marker for the forgotten snapshots/%s", snaps[0].ID)
	}
}

// TestResticObjectLock: restic on a bucket created with object lock and a
// default GOVERNANCE retention of one day. restic sends Content-MD5 on
// every PUT (as AWS requires on such buckets); its forget --prune only
// adds delete markers, every version it wrote stays listed, readable and
// intact (restic names data, index and snapshot files by the sha256 of
// their contents), and deleting them by version id without the bypass is
// refused.
func TestResticObjectLock(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newLockedBucket(t)
	_, err := cl.PutObjectLockConfiguration(ctx(t), &s3.PutObjectLockConfigurationInput{Bucket: &bucket,
		ObjectLockConfiguration: &types.ObjectLockConfiguration{ObjectLockEnabled: types.ObjectLockEnabledEnabled,
			Rule: &types.ObjectLockRule{DefaultRetention: &types.DefaultRetention{Mode: types.ObjectLockRetentionModeGovernance, Days: aws.Int32(1)}}}})
	mustOK(t, "PutObjectLockConfiguration", err)
	r, snaps := resticRoundTrip(t, bucket)

	before := allVersions(t, bucket)
	written := map[objVersion]bool{}
	for _, v := range before {
		if !v.marker {
			written[v] = true
		}
	}
	r.run(t, "forget", "--keep-last", "1", "--prune")
	if s := r.snapshots(t); len(s) != 1 || s[0].ID != snaps[1].ID {
		t.Errorf("snapshots after forget --keep-last 1: %+v, want %s", s, snaps[1].ID)
	}
	r.run(t, "check", "--read-data")

	after := allVersions(t, bucket)
	markers := map[string]bool{}
	present := map[objVersion]bool{}
	for _, v := range after {
		if v.marker {
			markers[v.key] = true
		} else {
			present[v] = true
		}
	}
	if !markers["snapshots/"+snaps[0].ID] {
		t.Errorf("no delete marker for the forgotten snapshots/%s: restic did not delete it", snaps[0].ID)
	}
	var hidden []objVersion // versions restic deleted, kept by the lock
	for v := range written {
		if !present[v] {
			t.Errorf("version %s of %s was written by restic and is gone after forget --prune", v.id, v.key)
		}
		if markers[v.key] {
			hidden = append(hidden, v)
		}
	}
	if len(hidden) == 0 {
		t.Fatalf("forget --prune deleted nothing restic had written (markers on %d keys)", len(markers))
	}
	// Every version, deleted by restic or not, reads back intact and is
	// under the default retention.
	for v := range present {
		out, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &v.key, VersionId: &v.id})
		mustOK(t, "GetObject "+v.key+" version "+v.id, err)
		b, err := io.ReadAll(out.Body)
		out.Body.Close()
		mustOK(t, "read "+v.key, err)
		dir := strings.SplitN(v.key, "/", 2)[0]
		if (dir == "data" || dir == "index" || dir == "snapshots" || dir == "keys") && sha256Hex(b) != path.Base(v.key) {
			t.Errorf("version %s of %s: %d bytes of sha256 %s, not the content restic named it by", v.id, v.key, len(b), sha256Hex(b))
		}
		if out.ObjectLockMode != types.ObjectLockModeGovernance || out.ObjectLockRetainUntilDate == nil ||
			out.ObjectLockRetainUntilDate.Before(time.Now().Add(23*time.Hour)) {
			t.Errorf("version %s of %s: lock %q until %v, want the 1-day GOVERNANCE default", v.id, v.key, out.ObjectLockMode, out.ObjectLockRetainUntilDate)
		}
	}
	// Nor can they be deleted by version id without the bypass.
	v := hidden[0]
	_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: &v.key, VersionId: &v.id})
	wantErr(t, "DeleteObject of a locked restic version", err, http.StatusForbidden, "AccessDenied")
	var ids []types.ObjectIdentifier
	for _, h := range hidden {
		ids = append(ids, types.ObjectIdentifier{Key: aws.String(h.key), VersionId: aws.String(h.id)})
	}
	dos, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: ids}})
	mustOK(t, "DeleteObjects", err)
	if len(dos.Errors) != len(ids) || len(dos.Deleted) != 0 {
		t.Errorf("DeleteObjects of %d locked versions: %d deleted, %d errors, want all refused", len(ids), len(dos.Deleted), len(dos.Errors))
	}
	for _, e := range dos.Errors {
		if aws.ToString(e.Code) != "AccessDenied" {
			t.Errorf("DeleteObjects of locked %s: %s, want AccessDenied", aws.ToString(e.Key), aws.ToString(e.Code))
		}
	}
	if n := len(allVersions(t, bucket)); n != len(after) {
		t.Errorf("versions after the refused deletes: %d, want %d", n, len(after))
	}
}
