package conformance

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/test/harness"
)

// TestAWSCLIMajors runs the versioning and object lock flows through both
// major versions of the aws CLI: v1 (PyPI's awscli, botocore) and v2
// (Debian's awscli package). They differ in what they send: v1 sends
// CRC32 checksums on PutObject, v2 as packaged sends Content-MD5.
func TestAWSCLIMajors(t *testing.T) {
	t.Parallel()
	for _, major := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", major), func(t *testing.T) {
			t.Parallel()
			cli := harness.NewAWSCLIMajor(t, major, tgt.Endpoint, tgt.Region, tgt.Root)
			t.Run("versioning", func(t *testing.T) { t.Parallel(); cliVersioningFlow(t, cli) })
			t.Run("objectlock", func(t *testing.T) { t.Parallel(); cliObjectLockFlow(t, cli) })
		})
	}
}

// cliVersion is one entry of list-object-versions' Versions or DeleteMarkers.
type cliVersion struct {
	Key       string
	VersionID string `json:"VersionId"`
	IsLatest  bool
	Size      int64
}

type cliVersions struct {
	Versions      []cliVersion
	DeleteMarkers []cliVersion
}

// cliJSON decodes the JSON a CLI command printed into v.
func cliJSON(t *testing.T, what, out string, v any) {
	t.Helper()
	if strings.TrimSpace(out) == "" {
		out = "{}" // v1 prints nothing for an empty result
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: output is not JSON: %v: %q", what, err, truncate([]byte(out)))
	}
}

func cliListVersions(t *testing.T, cli *harness.AWSCLI, bucket, prefix string) cliVersions {
	t.Helper()
	var lv cliVersions
	cliJSON(t, "list-object-versions", cli.Run(t, "s3api", "list-object-versions", "--bucket", bucket, "--prefix", prefix), &lv)
	return lv
}

// cliPut runs put-object with a file holding data and returns the version id.
func cliPut(t *testing.T, cli *harness.AWSCLI, bucket, key string, data []byte, extra ...string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "body")
	mustOK(t, "write body", os.WriteFile(f, data, 0o600))
	var out struct {
		ETag      string
		VersionID string `json:"VersionId"`
	}
	cliJSON(t, "put-object", cli.Run(t, append([]string{"s3api", "put-object", "--bucket", bucket, "--key", key, "--body", f}, extra...)...), &out)
	if out.VersionID == "" || out.ETag != `"`+md5Hex(data)+`"` {
		t.Errorf("put-object %s: VersionId %q ETag %s, want a version id and ETag %q", key, out.VersionID, out.ETag, md5Hex(data))
	}
	return out.VersionID
}

// cliGet runs get-object (of versionID unless "") and returns the body.
func cliGet(t *testing.T, cli *harness.AWSCLI, bucket, key, versionID string) []byte {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "out")
	args := []string{"s3api", "get-object", "--bucket", bucket, "--key", key}
	if versionID != "" {
		args = append(args, "--version-id", versionID)
	}
	cli.Run(t, append(args, dst)...)
	b, err := os.ReadFile(dst)
	mustOK(t, "read get-object output", err)
	return b
}

// cliWantFail runs a command that must fail with code in its error output.
func cliWantFail(t *testing.T, cli *harness.AWSCLI, code string, args ...string) {
	t.Helper()
	out, errOut, err := cli.RunErr(t, args...)
	if err == nil || !strings.Contains(errOut, code) {
		t.Errorf("aws %s: got %v, stdout %q, stderr %q; want a failure with %s", strings.Join(args, " "), err, out, errOut, code)
	}
}

// cliVersioningFlow: versioning on, versions by put-object and s3 cp,
// list-object-versions, get-object and delete-object by version, a
// delete marker from s3 rm and its removal, s3 ls.
func cliVersioningFlow(t *testing.T, cli *harness.AWSCLI) {
	bucket := newBucket(t)
	cli.Run(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	var st struct{ Status string }
	cliJSON(t, "get-bucket-versioning", cli.Run(t, "s3api", "get-bucket-versioning", "--bucket", bucket), &st)
	if st.Status != "Enabled" {
		t.Fatalf("get-bucket-versioning: %q, want Enabled", st.Status)
	}
	v1 := cliPut(t, cli, bucket, "f", []byte("first"))
	v2 := cliPut(t, cli, bucket, "f", []byte("second!"))
	if v1 == v2 {
		t.Fatalf("two put-objects gave the same version id %q", v1)
	}
	src := filepath.Join(t.TempDir(), "g")
	mustOK(t, "write g", os.WriteFile(src, []byte("gg"), 0o600))
	cli.Run(t, "s3", "cp", src, "s3://"+bucket+"/g")
	cli.Run(t, "s3", "cp", src, "s3://"+bucket+"/g")

	lv := cliListVersions(t, cli, bucket, "")
	var got []string
	for _, v := range lv.Versions {
		got = append(got, fmt.Sprintf("%s/%d/%v", v.Key, v.Size, v.IsLatest))
	}
	if want := "f/7/true f/5/false g/2/true g/2/false"; strings.Join(got, " ") != want || len(lv.DeleteMarkers) != 0 ||
		lv.Versions[0].VersionID != v2 || lv.Versions[1].VersionID != v1 {
		t.Errorf("list-object-versions: %q (%+v), want %q, f's ids %s then %s", got, lv, want, v2, v1)
	}
	if b := cliGet(t, cli, bucket, "f", v1); string(b) != "first" {
		t.Errorf("get-object --version-id of the first version: %q", b)
	}

	// s3 rm makes a delete marker: f leaves s3 ls, its versions stay.
	cli.Run(t, "s3", "rm", "s3://"+bucket+"/f")
	if ls := cli.Run(t, "s3", "ls", "s3://"+bucket+"/"); strings.Contains(ls, " f\n") || !strings.Contains(ls, " g\n") {
		t.Errorf("s3 ls after s3 rm f: %q, want g only", ls)
	}
	lv = cliListVersions(t, cli, bucket, "f")
	if len(lv.DeleteMarkers) != 1 || !lv.DeleteMarkers[0].IsLatest || len(lv.Versions) != 2 || lv.Versions[0].IsLatest {
		t.Fatalf("list-object-versions after s3 rm: %+v, want a latest marker over two versions", lv)
	}
	cliWantFail(t, cli, "404", "s3api", "head-object", "--bucket", bucket, "--key", "f")

	// Deleting the marker by version id brings f back.
	var del struct {
		DeleteMarker bool
		VersionID    string `json:"VersionId"`
	}
	cliJSON(t, "delete-object", cli.Run(t, "s3api", "delete-object", "--bucket", bucket, "--key", "f", "--version-id", lv.DeleteMarkers[0].VersionID), &del)
	if !del.DeleteMarker || del.VersionID != lv.DeleteMarkers[0].VersionID {
		t.Errorf("delete-object of the marker: %+v", del)
	}
	if b := cliGet(t, cli, bucket, "f", ""); string(b) != "second!" {
		t.Errorf("get-object after the marker's removal: %q, want second!", b)
	}
	// Deleting a version for good (a fresh struct: the JSON has no
	// DeleteMarker then).
	del.DeleteMarker, del.VersionID = false, ""
	cliJSON(t, "delete-object", cli.Run(t, "s3api", "delete-object", "--bucket", bucket, "--key", "f", "--version-id", v1), &del)
	if del.DeleteMarker || del.VersionID != v1 {
		t.Errorf("delete-object --version-id %s: %+v", v1, del)
	}
	if lv = cliListVersions(t, cli, bucket, "f"); len(lv.Versions) != 1 || lv.Versions[0].VersionID != v2 || len(lv.DeleteMarkers) != 0 {
		t.Errorf("list-object-versions after deleting %s: %+v, want %s alone", v1, lv, v2)
	}
	cliWantFail(t, cli, "404", "s3api", "head-object", "--bucket", bucket, "--key", "f", "--version-id", v1)

	cli.Run(t, "s3", "rm", "--recursive", "s3://"+bucket+"/")
	if ls := cli.Run(t, "s3", "ls", "s3://"+bucket+"/"); strings.TrimSpace(ls) != "" {
		t.Errorf("s3 ls after s3 rm --recursive: %q", ls)
	}
	if lv = cliListVersions(t, cli, bucket, ""); len(lv.DeleteMarkers) != 2 || len(lv.Versions) != 3 {
		t.Errorf("list-object-versions after s3 rm --recursive: %+v, want 2 markers and 3 versions", lv)
	}
}

// cliObjectLockFlow: a bucket made with --object-lock-enabled-for-bucket,
// default GOVERNANCE retention, get-object-retention, delete-object by
// version refused without bypass, legal hold on and off, an explicit
// retention on put-object, s3 cp/rm on the locked bucket.
func cliObjectLockFlow(t *testing.T, cli *harness.AWSCLI) {
	bucket := bucketName(t)
	args := []string{"s3api", "create-bucket", "--bucket", bucket, "--object-lock-enabled-for-bucket"}
	if tgt.Region != "us-east-1" {
		args = append(args, "--create-bucket-configuration", "LocationConstraint="+tgt.Region)
	}
	cli.Run(t, args...)
	cleanupBucket(t, bucket)
	var st struct{ Status string }
	cliJSON(t, "get-bucket-versioning", cli.Run(t, "s3api", "get-bucket-versioning", "--bucket", bucket), &st)
	if st.Status != "Enabled" {
		t.Errorf("get-bucket-versioning of a locked bucket: %q, want Enabled", st.Status)
	}
	cli.Run(t, "s3api", "put-object-lock-configuration", "--bucket", bucket, "--object-lock-configuration",
		`{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Mode":"GOVERNANCE","Days":1}}}`)

	type retention struct {
		Retention struct {
			Mode            string
			RetainUntilDate time.Time
		}
	}
	v := cliPut(t, cli, bucket, "gov", []byte("governed"))
	var ret retention
	cliJSON(t, "get-object-retention", cli.Run(t, "s3api", "get-object-retention", "--bucket", bucket, "--key", "gov", "--version-id", v), &ret)
	if ret.Retention.Mode != "GOVERNANCE" || ret.Retention.RetainUntilDate.Before(time.Now().Add(23*time.Hour)) ||
		ret.Retention.RetainUntilDate.After(time.Now().Add(25*time.Hour)) {
		t.Errorf("get-object-retention under a 1-day default: %+v", ret.Retention)
	}
	var head struct {
		ObjectLockMode            string
		ObjectLockRetainUntilDate time.Time
	}
	cliJSON(t, "head-object", cli.Run(t, "s3api", "head-object", "--bucket", bucket, "--key", "gov", "--version-id", v), &head)
	// The header has whole seconds (ISO 8601 without a fraction), the XML of
	// get-object-retention milliseconds.
	if head.ObjectLockMode != "GOVERNANCE" || !head.ObjectLockRetainUntilDate.Equal(ret.Retention.RetainUntilDate.Truncate(time.Second)) {
		t.Errorf("head-object of a retained version: %+v, want GOVERNANCE until %v", head, ret.Retention.RetainUntilDate)
	}
	cliWantFail(t, cli, "AccessDenied", "s3api", "delete-object", "--bucket", bucket, "--key", "gov", "--version-id", v)

	// Legal hold: not even the bypass deletes a held version.
	cli.Run(t, "s3api", "put-object-legal-hold", "--bucket", bucket, "--key", "gov", "--version-id", v, "--legal-hold", "Status=ON")
	var lh struct{ LegalHold struct{ Status string } }
	cliJSON(t, "get-object-legal-hold", cli.Run(t, "s3api", "get-object-legal-hold", "--bucket", bucket, "--key", "gov", "--version-id", v), &lh)
	if lh.LegalHold.Status != "ON" {
		t.Errorf("get-object-legal-hold: %q, want ON", lh.LegalHold.Status)
	}
	cliWantFail(t, cli, "AccessDenied", "s3api", "delete-object", "--bucket", bucket, "--key", "gov", "--version-id", v, "--bypass-governance-retention")
	cli.Run(t, "s3api", "put-object-legal-hold", "--bucket", bucket, "--key", "gov", "--version-id", v, "--legal-hold", "Status=OFF")
	cli.Run(t, "s3api", "delete-object", "--bucket", bucket, "--key", "gov", "--version-id", v, "--bypass-governance-retention")
	cliWantFail(t, cli, "404", "s3api", "head-object", "--bucket", bucket, "--key", "gov", "--version-id", v)

	// Retention given on put-object overrides the default.
	until := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second)
	v = cliPut(t, cli, bucket, "explicit", []byte("x"), "--object-lock-mode", "GOVERNANCE", "--object-lock-retain-until-date", until.Format(time.RFC3339))
	cliJSON(t, "get-object-retention", cli.Run(t, "s3api", "get-object-retention", "--bucket", bucket, "--key", "explicit", "--version-id", v), &ret)
	if ret.Retention.Mode != "GOVERNANCE" || !ret.Retention.RetainUntilDate.Equal(until) {
		t.Errorf("get-object-retention of an explicit retention: %+v, want GOVERNANCE until %v", ret.Retention, until)
	}

	// s3 cp and s3 rm on a locked bucket: rm makes a delete marker, the
	// locked version stays readable.
	src := filepath.Join(t.TempDir(), "c")
	data := payload(77, 300*KiB)
	mustOK(t, "write c", os.WriteFile(src, data, 0o600))
	cli.Run(t, "s3", "cp", src, "s3://"+bucket+"/dir/c")
	if ls := cli.Run(t, "s3", "ls", "s3://"+bucket+"/dir/"); !strings.Contains(ls, fmt.Sprintf("%d c\n", len(data))) {
		t.Errorf("s3 ls: %q, want c of %d bytes", ls, len(data))
	}
	cli.Run(t, "s3", "rm", "s3://"+bucket+"/dir/c")
	if ls, _, _ := cli.RunErr(t, "s3", "ls", "s3://"+bucket+"/dir/"); strings.Contains(ls, " c\n") {
		t.Errorf("s3 ls after s3 rm: %q, want no c", ls)
	}
	lv := cliListVersions(t, cli, bucket, "dir/")
	if len(lv.Versions) != 1 || len(lv.DeleteMarkers) != 1 || !lv.DeleteMarkers[0].IsLatest {
		t.Fatalf("list-object-versions after s3 rm on a locked bucket: %+v, want a marker over one version", lv)
	}
	cv := lv.Versions[0].VersionID
	if b := cliGet(t, cli, bucket, "dir/c", cv); md5Hex(b) != md5Hex(data) {
		t.Errorf("get-object of the locked version under a marker: %d bytes, want the %d put", len(b), len(data))
	}
	cliWantFail(t, cli, "AccessDenied", "s3api", "delete-object", "--bucket", bucket, "--key", "dir/c", "--version-id", cv)
	cliJSON(t, "get-object-retention", cli.Run(t, "s3api", "get-object-retention", "--bucket", bucket, "--key", "dir/c", "--version-id", cv), &ret)
	if ret.Retention.Mode != "GOVERNANCE" {
		t.Errorf("retention of a version s3 cp wrote: %+v, want the default GOVERNANCE", ret.Retention)
	}
}
