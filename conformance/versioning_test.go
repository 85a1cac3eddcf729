package conformance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"github.com/minio/minio-go/v7"

	"github.com/dolium/dolium/test/harness"
)

func enableVersioning(t *testing.T, bucket, status string) {
	t.Helper()
	_, err := rootSDK().PutBucketVersioning(ctx(t), &s3.PutBucketVersioningInput{Bucket: &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatus(status)}})
	mustOK(t, "PutBucketVersioning "+status, err)
}

func putVersion(t *testing.T, bucket, key string, data []byte) string {
	t.Helper()
	out, err := rootSDK().PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
	mustOK(t, "PutObject "+key, err)
	return aws.ToString(out.VersionId)
}

func getVersion(t *testing.T, bucket, key, version string) []byte {
	t.Helper()
	out, err := rootSDK().GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: &key, VersionId: aws.String(version)})
	mustOK(t, "GetObject "+key+"?versionId="+version, err)
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	mustOK(t, "read "+key, err)
	if got := aws.ToString(out.VersionId); got != version {
		t.Errorf("GetObject %s?versionId=%s: x-amz-version-id %q", key, version, got)
	}
	return b
}

// responseHeader returns a header of the HTTP response an SDK error
// carries ("" if none).
func responseHeader(err error, name string) string {
	var re *smithyhttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		return re.Response.Header.Get(name)
	}
	return ""
}

// listVersionIDs returns "key@id" entries ("*" latest, "(dm)" markers)
// of one ListObjectVersions page in the order of the XML answer: the SDKs
// split versions and markers into two lists, and only the XML shows their
// order (key ascending, newest first, markers among versions).
func listVersionIDs(t *testing.T, bucket, prefix string) []string {
	t.Helper()
	r := doRaw(t, &tgt.Root, http.MethodGet, rawURL(bucket, "", "versions=&prefix="+s3Escape(prefix)), nil, nil)
	if r.Status != 200 {
		t.Fatalf("ListObjectVersions: status %d: %s", r.Status, truncate(r.Body))
	}
	var res struct {
		Entries []struct {
			XMLName   xml.Name
			Key       string
			VersionId string
			IsLatest  bool
		} `xml:",any"`
	}
	mustOK(t, "parse ListVersionsResult", xml.Unmarshal(r.Body, &res))
	var ids []string
	for _, e := range res.Entries {
		if e.XMLName.Local != "Version" && e.XMLName.Local != "DeleteMarker" {
			continue
		}
		s := e.Key + "@" + e.VersionId
		if e.IsLatest {
			s += "*"
		}
		if e.XMLName.Local == "DeleteMarker" {
			s += "(dm)"
		}
		ids = append(ids, s)
	}
	return ids
}

// TestVersioning drives versioning as the S3 API reference describes it
// ("Working with objects in a versioning-enabled bucket", "Deleting object
// versions", "Working with objects in a versioning-suspended bucket")
// through aws-sdk-go-v2: version ids on writes, reads by version, delete
// markers and their 404/405 answers, copies from a version, removal of
// versions for good, DeleteObjects with versions, and the null version of
// a suspended bucket.
func TestVersioning(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)

	st, err := cl.GetBucketVersioning(ctx(t), &s3.GetBucketVersioningInput{Bucket: &bucket})
	mustOK(t, "GetBucketVersioning", err)
	if st.Status != "" {
		t.Errorf("GetBucketVersioning of a new bucket: %q, want none", st.Status)
	}
	// An object written before versioning is the null version.
	putVersion(t, bucket, "k", []byte("v0"))
	enableVersioning(t, bucket, "Enabled")
	st, err = cl.GetBucketVersioning(ctx(t), &s3.GetBucketVersioningInput{Bucket: &bucket})
	mustOK(t, "GetBucketVersioning", err)
	if st.Status != types.BucketVersioningStatusEnabled {
		t.Errorf("GetBucketVersioning after enabling: %q", st.Status)
	}

	v1 := putVersion(t, bucket, "k", []byte("v1"))
	v2 := putVersion(t, bucket, "k", []byte("v2"))
	if v1 == "" || v1 == "null" || v2 == "" || v1 == v2 {
		t.Fatalf("version ids of two PUTs on a versioned bucket: %q and %q, want two distinct ids", v1, v2)
	}
	if got := getBytes(t, bucket, "k"); string(got) != "v2" {
		t.Errorf("GET k: %q, want the latest v2", got)
	}
	for v, want := range map[string]string{v1: "v1", v2: "v2", "null": "v0"} {
		if got := getVersion(t, bucket, "k", v); string(got) != want {
			t.Errorf("GET k?versionId=%s: %q, want %q", v, got, want)
		}
	}
	h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k"), VersionId: &v1})
	mustOK(t, "HeadObject by version", err)
	if aws.ToString(h.VersionId) != v1 || aws.ToInt64(h.ContentLength) != 2 {
		t.Errorf("HeadObject ?versionId=v1: version %q length %d", aws.ToString(h.VersionId), aws.ToInt64(h.ContentLength))
	}
	if got, want := listVersionIDs(t, bucket, "k"), []string{"k@" + v2 + "*", "k@" + v1, "k@null"}; !slices.Equal(got, want) {
		t.Errorf("ListObjectVersions: %q, want %q", got, want)
	}

	// Bad and unknown version ids.
	_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k"), VersionId: aws.String("not-a-version")})
	wantErr(t, "GET with a malformed version id", err, 400, "InvalidArgument")
	_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k"), VersionId: aws.String("0123456789abcdef0123456789abcdef")})
	wantErr(t, "GET with an unknown version id", err, 404, "NoSuchVersion")

	// DELETE without a version id makes a delete marker.
	del, err := cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k")})
	mustOK(t, "DeleteObject", err)
	dm := aws.ToString(del.VersionId)
	if !aws.ToBool(del.DeleteMarker) || dm == "" || dm == v2 {
		t.Fatalf("DeleteObject on a versioned bucket: marker %v version %q, want a new delete marker", aws.ToBool(del.DeleteMarker), dm)
	}
	_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")})
	wantErr(t, "GET of a key whose latest version is a marker", err, 404, "NoSuchKey")
	if responseHeader(err, "x-amz-delete-marker") != "true" || responseHeader(err, "x-amz-version-id") != dm {
		t.Errorf("GET of a deleted key: x-amz-delete-marker %q x-amz-version-id %q, want true and %s",
			responseHeader(err, "x-amz-delete-marker"), responseHeader(err, "x-amz-version-id"), dm)
	}
	_, err = cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k"), VersionId: &dm})
	wantErr(t, "GET of a delete marker by version id", err, 405, "MethodNotAllowed")
	if responseHeader(err, "x-amz-delete-marker") != "true" || responseHeader(err, "Last-Modified") == "" {
		t.Errorf("GET of a marker by id: headers marker %q last-modified %q", responseHeader(err, "x-amz-delete-marker"), responseHeader(err, "Last-Modified"))
	}
	_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")})
	wantErr(t, "HEAD of a deleted key", err, 404, "NotFound")
	if keys := listKeys(t, bucket); slices.Contains(keys, "k") {
		t.Errorf("ListObjectsV2 lists k, whose latest version is a delete marker: %q", keys)
	}
	if got, want := listVersionIDs(t, bucket, "k"), []string{"k@" + dm + "*(dm)", "k@" + v2, "k@" + v1, "k@null"}; !slices.Equal(got, want) {
		t.Errorf("ListObjectVersions after delete: %q, want %q", got, want)
	}

	// A copy from an old version (to the same key: restoring it) and to
	// another key.
	cp, err := cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy"),
		CopySource: aws.String(bucket + "/k?versionId=" + v1)})
	mustOK(t, "CopyObject from a version", err)
	if aws.ToString(cp.CopySourceVersionId) != v1 || aws.ToString(cp.VersionId) == "" {
		t.Errorf("CopyObject: source version %q new version %q", aws.ToString(cp.CopySourceVersionId), aws.ToString(cp.VersionId))
	}
	if got := getBytes(t, bucket, "copy"); string(got) != "v1" {
		t.Errorf("copy of v1: %q", got)
	}
	_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy2"),
		CopySource: aws.String(bucket + "/k?versionId=" + dm)})
	wantErr(t, "CopyObject from a delete marker's version id", err, 400, "InvalidRequest")
	_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy2"), CopySource: aws.String(bucket + "/k")})
	wantErr(t, "CopyObject from a key whose latest is a marker", err, 404, "NoSuchKey")

	// Removing the marker for good brings v2 back.
	del, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k"), VersionId: &dm})
	mustOK(t, "DeleteObject of the marker by version id", err)
	if !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) != dm {
		t.Errorf("DeleteObject of a marker: marker %v version %q", aws.ToBool(del.DeleteMarker), aws.ToString(del.VersionId))
	}
	if got := getBytes(t, bucket, "k"); string(got) != "v2" {
		t.Errorf("GET k after removing the marker: %q, want v2", got)
	}
	// Deleting a version that does not exist succeeds, as on AWS.
	_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k"), VersionId: aws.String("0123456789abcdef0123456789abcdef")})
	mustOK(t, "DeleteObject of an unknown version", err)

	// DeleteObjects with version ids, and without (a marker).
	dos, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("k"), VersionId: &v1}, {Key: aws.String("copy")},
	}}})
	mustOK(t, "DeleteObjects", err)
	if len(dos.Deleted) != 2 || len(dos.Errors) != 0 {
		t.Fatalf("DeleteObjects: deleted %d errors %d", len(dos.Deleted), len(dos.Errors))
	}
	for _, d := range dos.Deleted {
		switch aws.ToString(d.Key) {
		case "k":
			if aws.ToString(d.VersionId) != v1 || aws.ToBool(d.DeleteMarker) {
				t.Errorf("DeleteObjects k@v1: %+v", d)
			}
		case "copy":
			if !aws.ToBool(d.DeleteMarker) || aws.ToString(d.DeleteMarkerVersionId) == "" {
				t.Errorf("DeleteObjects copy (no version): marker %v id %q, want a marker", aws.ToBool(d.DeleteMarker), aws.ToString(d.DeleteMarkerVersionId))
			}
		}
	}
	if got, want := listVersionIDs(t, bucket, "k"), []string{"k@" + v2 + "*", "k@null"}; !slices.Equal(got, want) {
		t.Errorf("ListObjectVersions after DeleteObjects: %q, want %q", got, want)
	}

	// Suspended: writes replace the null version, the others stay.
	enableVersioning(t, bucket, "Suspended")
	// The S3 API reference's PutObject sample for a suspended bucket has
	// no x-amz-version-id (MinIO and the ceph s3-tests agree); HEAD names
	// the version "null".
	if v := putVersion(t, bucket, "k", []byte("s1")); v != "" {
		t.Errorf("PUT on a suspended bucket: version %q, want no x-amz-version-id", v)
	}
	if h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")}); err != nil || aws.ToString(h.VersionId) != "null" {
		t.Errorf("HEAD after a PUT on a suspended bucket: version %q, %v; want null", aws.ToString(h.VersionId), err)
	}
	putVersion(t, bucket, "k", []byte("s2"))
	if got, want := listVersionIDs(t, bucket, "k"), []string{"k@null*", "k@" + v2}; !slices.Equal(got, want) {
		t.Errorf("ListObjectVersions after suspended PUTs: %q, want %q", got, want)
	}
	if got := getVersion(t, bucket, "k", "null"); string(got) != "s2" {
		t.Errorf("GET k?versionId=null: %q, want s2", got)
	}
	del, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k")})
	mustOK(t, "DeleteObject on a suspended bucket", err)
	if !aws.ToBool(del.DeleteMarker) || aws.ToString(del.VersionId) != "null" {
		t.Errorf("DeleteObject on a suspended bucket: marker %v version %q, want a null marker", aws.ToBool(del.DeleteMarker), aws.ToString(del.VersionId))
	}
	if got, want := listVersionIDs(t, bucket, "k"), []string{"k@null*(dm)", "k@" + v2}; !slices.Equal(got, want) {
		t.Errorf("ListObjectVersions after a suspended delete: %q, want %q", got, want)
	}
}

// TestVersioningConfigurationErrors: what PutBucketVersioning refuses.
func TestVersioningConfigurationErrors(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	for _, c := range []struct {
		body, code string
		status     int
	}{
		{`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>On</Status></VersioningConfiguration>`, "IllegalVersioningConfigurationException", 400},
		{`<VersioningConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status><MfaDelete>Enabled</MfaDelete></VersioningConfiguration>`, "NotImplemented", 501},
		{`<VersioningConfiguration`, "MalformedXML", 400},
	} {
		r := doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "", "versioning="), nil, []byte(c.body))
		wantRawErr(t, "PutBucketVersioning "+c.body, r, c.status, c.code)
	}
	st, err := rootSDK().GetBucketVersioning(ctx(t), &s3.GetBucketVersioningInput{Bucket: &bucket})
	mustOK(t, "GetBucketVersioning", err)
	if st.Status != "" {
		t.Errorf("versioning after refused configurations: %q, want none", st.Status)
	}
}

// TestVersioningMinio: minio-go lists versions and markers (ListObjects
// WithVersions), reads and removes by version id.
func TestVersioningMinio(t *testing.T) {
	t.Parallel()
	mc := rootMinio(t)
	bucket := newBucket(t)
	mustOK(t, "EnableVersioning", mc.EnableVersioning(ctx(t), bucket))
	var ids []string
	for _, body := range []string{"a", "bb"} {
		info, err := mc.PutObject(ctx(t), bucket, "obj", strings.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
		mustOK(t, "minio PutObject", err)
		ids = append(ids, info.VersionID)
	}
	mustOK(t, "minio RemoveObject", mc.RemoveObject(ctx(t), bucket, "obj", minio.RemoveObjectOptions{}))
	var got []string
	for o := range mc.ListObjects(ctx(t), bucket, minio.ListObjectsOptions{WithVersions: true}) {
		mustOK(t, "minio ListObjects WithVersions", o.Err)
		e := o.VersionID
		if o.IsDeleteMarker {
			e = "dm"
		}
		if o.IsLatest {
			e += "*"
		}
		got = append(got, e)
	}
	if want := []string{"dm*", ids[1], ids[0]}; !slices.Equal(got, want) {
		t.Errorf("minio versions: %q, want %q", got, want)
	}
	r, err := mc.GetObject(ctx(t), bucket, "obj", minio.GetObjectOptions{VersionID: ids[0]})
	mustOK(t, "minio GetObject by version", err)
	b, err := io.ReadAll(r)
	r.Close()
	if err != nil || string(b) != "a" {
		t.Errorf("minio GetObject of the first version: %q, %v", b, err)
	}
	mustOK(t, "minio RemoveObject by version", mc.RemoveObject(ctx(t), bucket, "obj", minio.RemoveObjectOptions{VersionID: ids[0]}))
	_, err = mc.StatObject(ctx(t), bucket, "obj", minio.StatObjectOptions{VersionID: ids[0]})
	var me minio.ErrorResponse
	if !errors.As(err, &me) || me.StatusCode != 404 {
		t.Errorf("minio StatObject of a removed version: %v, want 404", err)
	}
}

// TestVersioningAWSCLI: the aws CLI's s3api versioning commands.
func TestVersioningAWSCLI(t *testing.T) {
	t.Parallel()
	cli := harness.NewAWSCLI(t, tgt.Endpoint, tgt.Region, tgt.Root)
	bucket := newBucket(t)
	cli.Run(t, "s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
	if out := cli.Run(t, "s3api", "get-bucket-versioning", "--bucket", bucket); !strings.Contains(out, "Enabled") {
		t.Errorf("get-bucket-versioning: %s", out)
	}
	v1 := putVersion(t, bucket, "f", []byte("first"))
	putVersion(t, bucket, "f", []byte("second"))
	out := cli.Run(t, "s3api", "list-object-versions", "--bucket", bucket)
	if strings.Count(out, `"VersionId"`) != 2 || !strings.Contains(out, v1) {
		t.Errorf("list-object-versions: %s", out)
	}
	dst := t.TempDir() + "/f"
	cli.Run(t, "s3api", "get-object", "--bucket", bucket, "--key", "f", "--version-id", v1, dst)
	data, err := os.ReadFile(dst)
	if err != nil || string(data) != "first" {
		t.Errorf("get-object --version-id: %q, %v, want first", data, err)
	}
}
