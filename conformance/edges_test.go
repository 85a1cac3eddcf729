package conformance

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Version ids on an unversioned bucket: every object is the "null"
// version. Before, DeleteObjects ignored <VersionId> and deleted the
// current object while DELETE ?versionId= answered 501: a data loss.
// AWS answers an id it never issued with InvalidArgument "Invalid version
// id specified" and deletes nothing; "null" names the current object.
func TestDeleteVersionIDs(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	putMany(t, bucket, []string{"keep", "null-one", "keep2"})
	out, err := cl.DeleteObjects(ctx(t), &s3.DeleteObjectsInput{Bucket: &bucket, Delete: &types.Delete{Objects: []types.ObjectIdentifier{
		{Key: aws.String("keep"), VersionId: aws.String("3sL4kqtJlcpXroDTDmJ-rmSpXd3dIbrHY")},
		{Key: aws.String("null-one"), VersionId: aws.String("null")},
	}}})
	mustOK(t, "DeleteObjects with version ids", err)
	if len(out.Errors) != 1 || aws.ToString(out.Errors[0].Key) != "keep" || aws.ToString(out.Errors[0].Code) != "InvalidArgument" {
		t.Errorf("DeleteObjects errors: got %+v, want one InvalidArgument for keep", out.Errors)
	}
	if len(out.Deleted) != 1 || aws.ToString(out.Deleted[0].Key) != "null-one" || aws.ToString(out.Deleted[0].VersionId) != "null" {
		t.Errorf("DeleteObjects deleted: got %+v, want null-one with VersionId null", out.Deleted)
	}
	r := doRaw(t, &tgt.Root, http.MethodDelete, rawURL(bucket, "keep2", "versionId=3sL4kqtJlcpXroDTDmJ"), nil, nil)
	wantRawErr(t, "DELETE ?versionId=<not issued>", r, http.StatusBadRequest, "InvalidArgument")
	if got := listKeys(t, bucket); !equalStrings(got, []string{"keep", "keep2"}) {
		t.Errorf("keys after deletes with foreign version ids: got %q, want [keep keep2]", got)
	}
	r = doRaw(t, &tgt.Root, http.MethodDelete, rawURL(bucket, "keep2", "versionId=null"), nil, nil)
	if r.Status != http.StatusNoContent {
		t.Errorf("DELETE ?versionId=null: status %d, want 204", r.Status)
	}
}

// AWS requires Content-MD5 or an x-amz-checksum-* value on DeleteObjects.
func TestDeleteObjectsNeedsIntegrityHeader(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	putMany(t, bucket, []string{"a"})
	body := []byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>a</Key></Object></Delete>`)
	r := doRaw(t, &tgt.Root, http.MethodPost, rawURL(bucket, "", "delete="), nil, body)
	wantRawErr(t, "DeleteObjects without Content-MD5", r, http.StatusBadRequest, "InvalidRequest")
	if got := listKeys(t, bucket); !equalStrings(got, []string{"a"}) {
		t.Errorf("keys after a rejected DeleteObjects: got %q, want [a]", got)
	}
	r = doRaw(t, &tgt.Root, http.MethodPost, rawURL(bucket, "", "delete="), http.Header{"Content-Md5": {md5B64(body)}}, body)
	if r.Status != http.StatusOK {
		t.Errorf("DeleteObjects with Content-MD5: status %d, want 200; body %q", r.Status, truncate(r.Body))
	}
}

// UploadPartCopy with a range outside the source: AWS answers
// InvalidArgument (a GET would clamp the range; a copy does not).
func TestUploadPartCopyRangeOutside(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	putBytes(t, bucket, "src", payload(7, 1000))
	up, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("dst")})
	mustOK(t, "CreateMultipartUpload", err)
	for _, rng := range []string{"bytes=0-1000", "bytes=1000-1001", "bytes=500-5000"} {
		_, err = cl.UploadPartCopy(ctx(t), &s3.UploadPartCopyInput{Bucket: &bucket, Key: aws.String("dst"), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), CopySource: aws.String(bucket + "/src"), CopySourceRange: aws.String(rng)})
		wantErr(t, "UploadPartCopy "+rng+" of a 1000-byte source", err, http.StatusBadRequest, "InvalidArgument")
	}
	_, err = cl.UploadPartCopy(ctx(t), &s3.UploadPartCopyInput{Bucket: &bucket, Key: aws.String("dst"), UploadId: up.UploadId,
		PartNumber: aws.Int32(1), CopySource: aws.String(bucket + "/src"), CopySourceRange: aws.String("bytes=0-999")})
	mustOK(t, "UploadPartCopy of the whole source by range", err)
}

// Errors about a copy's source name the source, not the destination.
func TestCopySourceErrorNamesSource(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	r := doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "dst", ""), http.Header{"X-Amz-Copy-Source": {"/" + bucket + "/no-such-source"}}, nil)
	wantRawErr(t, "CopyObject from a missing key", r, http.StatusNotFound, "NoSuchKey")
	if e := parseErrorBody(t, "CopyObject from a missing key", r); e.Key != "no-such-source" {
		t.Errorf("NoSuchKey of a copy source: <Key> %q, want the source key no-such-source", e.Key)
	}
	missing := bucketName(t)
	r = doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "dst", ""), http.Header{"X-Amz-Copy-Source": {"/" + missing + "/k"}}, nil)
	wantRawErr(t, "CopyObject from a missing bucket", r, http.StatusNotFound, "NoSuchBucket")
	if e := parseErrorBody(t, "CopyObject from a missing bucket", r); e.BucketName != missing {
		t.Errorf("NoSuchBucket of a copy source: <BucketName> %q, want %q", e.BucketName, missing)
	}
}

// A CompleteMultipartUpload document past the limit: MaxMessageLengthExceeded.
func TestCompleteBodyTooBig(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	up, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("big")})
	mustOK(t, "CreateMultipartUpload", err)
	var b bytes.Buffer
	b.WriteString(`<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	pad := strings.Repeat(" ", 400)
	for i := 1; b.Len() <= 4<<20; i++ {
		fmt.Fprintf(&b, `<Part><PartNumber>%d</PartNumber><ETag>"0123456789abcdef0123456789abcdef"</ETag>%s</Part>`, i%10000+1, pad)
	}
	b.WriteString(`</CompleteMultipartUpload>`)
	r := doRaw(t, &tgt.Root, http.MethodPost, rawURL(bucket, "big", "uploadId="+aws.ToString(up.UploadId)), nil, b.Bytes())
	wantRawErr(t, "CompleteMultipartUpload of 4 MiB", r, http.StatusBadRequest, "MaxMessageLengthExceeded")
}
