package conformance

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
)

// TestListObjectVersionsUnversioned: on a bucket that was never versioned,
// ListObjectVersions lists every object once, as version "null", the latest,
// in key order, with prefix, delimiter, paging by key-marker and
// version-id-marker, and no delete markers (the S3 API reference:
// "objects stored in a bucket with versioning never enabled have a version
// ID of null"). Tools and test suites that empty a bucket list its versions
// first, on unversioned buckets too. aws-sdk-go-v2 and minio-go (its
// ListObjects WithVersions) drive it.
func TestListObjectVersionsUnversioned(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	putMany(t, bucket, treeKeys)
	list := func(t *testing.T, in s3.ListObjectVersionsInput) *s3.ListObjectVersionsOutput {
		t.Helper()
		in.Bucket = &bucket
		out, err := cl.ListObjectVersions(ctx(t), &in)
		mustOK(t, "ListObjectVersions", err)
		return out
	}
	versionKeys := func(t *testing.T, out *s3.ListObjectVersionsOutput) []string {
		t.Helper()
		keys := []string{}
		for _, v := range out.Versions {
			if aws.ToString(v.VersionId) != "null" || !aws.ToBool(v.IsLatest) || aws.ToString(v.ETag) == "" || v.LastModified == nil {
				t.Errorf("version of %s: id %q latest %v etag %q; want null, latest, with ETag and date",
					aws.ToString(v.Key), aws.ToString(v.VersionId), aws.ToBool(v.IsLatest), aws.ToString(v.ETag))
			}
			keys = append(keys, aws.ToString(v.Key))
		}
		if len(out.DeleteMarkers) != 0 {
			t.Errorf("delete markers %v on an unversioned bucket", out.DeleteMarkers)
		}
		return keys
	}

	t.Run("all", func(t *testing.T) {
		out := list(t, s3.ListObjectVersionsInput{})
		wantList(t, "all versions", versionKeys(t, out), prefixes(out.CommonPrefixes), treeKeys, nil)
		if aws.ToBool(out.IsTruncated) {
			t.Error("IsTruncated on a complete listing")
		}
	})
	t.Run("prefix and delimiter", func(t *testing.T) {
		out := list(t, s3.ListObjectVersionsInput{Prefix: aws.String("dir/"), Delimiter: aws.String("/")})
		wantList(t, "dir/ with /", versionKeys(t, out), prefixes(out.CommonPrefixes), []string{"dir/b.txt", "dir/c.txt"}, []string{"dir/sub/"})
	})
	t.Run("paging", func(t *testing.T) {
		var got []string
		in := s3.ListObjectVersionsInput{MaxKeys: aws.Int32(2)}
		for page := 0; ; page++ {
			if page > len(treeKeys) {
				t.Fatal("paging does not end")
			}
			out := list(t, in)
			keys := versionKeys(t, out)
			if len(keys) > 2 {
				t.Errorf("page %d has %d versions, max-keys 2", page, len(keys))
			}
			got = append(got, keys...)
			if !aws.ToBool(out.IsTruncated) {
				break
			}
			if aws.ToString(out.NextKeyMarker) != keys[len(keys)-1] || aws.ToString(out.NextVersionIdMarker) != "null" {
				t.Fatalf("page %d: next markers %q/%q, want %q/null", page, aws.ToString(out.NextKeyMarker),
					aws.ToString(out.NextVersionIdMarker), keys[len(keys)-1])
			}
			in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
		}
		wantList(t, "paged versions", got, nil, treeKeys, nil)
	})
	t.Run("bad markers", func(t *testing.T) {
		_, err := cl.ListObjectVersions(ctx(t), &s3.ListObjectVersionsInput{Bucket: &bucket, VersionIdMarker: aws.String("null")})
		wantErr(t, "version-id-marker without key-marker", err, http.StatusBadRequest, "InvalidArgument")
		_, err = cl.ListObjectVersions(ctx(t), &s3.ListObjectVersionsInput{Bucket: &bucket, KeyMarker: aws.String("a.txt"), VersionIdMarker: aws.String("3HL4kqtJlcpXroDTDmJ")})
		wantErr(t, "a version-id-marker no version has", err, http.StatusBadRequest, "InvalidArgument")
		_, err = cl.ListObjectVersions(ctx(t), &s3.ListObjectVersionsInput{Bucket: aws.String(bucketName(t))})
		wantErr(t, "versions of a missing bucket", err, http.StatusNotFound, "NoSuchBucket")
	})
	t.Run("minio-go", func(t *testing.T) {
		var got []string
		for o := range rootMinio(t).ListObjects(ctx(t), bucket, minio.ListObjectsOptions{WithVersions: true, Recursive: true}) {
			if o.Err != nil {
				t.Fatalf("minio-go versions listing: %v", o.Err)
			}
			if o.VersionID != "null" || !o.IsLatest || o.IsDeleteMarker {
				t.Errorf("minio-go version of %s: id %q latest %v marker %v", o.Key, o.VersionID, o.IsLatest, o.IsDeleteMarker)
			}
			got = append(got, o.Key)
		}
		wantList(t, "minio-go versions", got, nil, treeKeys, nil)
	})
}
