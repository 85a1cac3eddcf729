package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/tags"

	"github.com/dolium/dolium/test/harness"
)

func tagMap(ts []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func tagSet(m map[string]string) []types.Tag {
	var ts []types.Tag
	for k, v := range m {
		ts = append(ts, types.Tag{Key: aws.String(k), Value: aws.String(v)})
	}
	return ts
}

func objectTags(t *testing.T, bucket, key, version string) map[string]string {
	t.Helper()
	in := &s3.GetObjectTaggingInput{Bucket: &bucket, Key: &key}
	if version != "" {
		in.VersionId = &version
	}
	out, err := rootSDK().GetObjectTagging(ctx(t), in)
	mustOK(t, "GetObjectTagging "+key, err)
	if out == nil {
		return nil
	}
	return tagMap(out.TagSet)
}

// TestObjectTaggingSDK: Put/Get/DeleteObjectTagging, by version, and the
// x-amz-tagging header of PutObject, CopyObject and
// CreateMultipartUpload, with x-amz-tagging-count on GET and HEAD.
func TestObjectTaggingSDK(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	enableVersioning(t, bucket, "Enabled")

	// Untagged: an empty TagSet, no x-amz-tagging-count.
	v1 := putVersion(t, bucket, "k", []byte("one"))
	if got := objectTags(t, bucket, "k", ""); len(got) != 0 {
		t.Errorf("tags of an untagged object = %v, want none", got)
	}
	want := map[string]string{"project": "dolium", "empty": "", "with space": "a+b=c/d:e@f"}
	put, err := cl.PutObjectTagging(ctx(t), &s3.PutObjectTaggingInput{Bucket: &bucket, Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: tagSet(want)}})
	mustOK(t, "PutObjectTagging", err)
	if aws.ToString(put.VersionId) != v1 {
		t.Errorf("PutObjectTagging answered version %q, want %q", aws.ToString(put.VersionId), v1)
	}
	if got := objectTags(t, bucket, "k", ""); !maps.Equal(got, want) {
		t.Errorf("GetObjectTagging = %v, want %v", got, want)
	}
	h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("k")})
	mustOK(t, "HeadObject", err)
	if aws.ToInt32(h.TagCount) != 3 {
		t.Errorf("HEAD x-amz-tagging-count = %d, want 3", aws.ToInt32(h.TagCount))
	}
	g, err := cl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")})
	mustOK(t, "GetObject", err)
	g.Body.Close()
	if aws.ToInt32(g.TagCount) != 3 {
		t.Errorf("GET x-amz-tagging-count = %d, want 3", aws.ToInt32(g.TagCount))
	}

	// A new version has its own tags; the old one keeps its.
	out, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("k"), Body: strings.NewReader("two"),
		Tagging: aws.String("v=2&x%20y=a%2Fb")})
	mustOK(t, "PutObject with x-amz-tagging", err)
	v2 := aws.ToString(out.VersionId)
	if got := objectTags(t, bucket, "k", ""); !maps.Equal(got, map[string]string{"v": "2", "x y": "a/b"}) {
		t.Errorf("tags of the new version = %v, want v=2 and x y=a/b", got)
	}
	if got := objectTags(t, bucket, "k", v1); !maps.Equal(got, want) {
		t.Errorf("tags of the first version = %v, want %v", got, want)
	}
	del, err := cl.DeleteObjectTagging(ctx(t), &s3.DeleteObjectTaggingInput{Bucket: &bucket, Key: aws.String("k"), VersionId: &v1})
	mustOK(t, "DeleteObjectTagging v1", err)
	if aws.ToString(del.VersionId) != v1 {
		t.Errorf("DeleteObjectTagging answered version %q, want %q", aws.ToString(del.VersionId), v1)
	}
	if got := objectTags(t, bucket, "k", v1); len(got) != 0 {
		t.Errorf("tags of v1 after DeleteObjectTagging = %v, want none", got)
	}
	if got := objectTags(t, bucket, "k", v2); len(got) != 2 {
		t.Errorf("tags of v2 after deleting v1's = %v, want kept", got)
	}

	// CopyObject: COPY (the default) copies the source's tags, REPLACE sets x-amz-tagging.
	_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy"), CopySource: aws.String(bucket + "/k")})
	mustOK(t, "CopyObject", err)
	if got := objectTags(t, bucket, "copy", ""); !maps.Equal(got, map[string]string{"v": "2", "x y": "a/b"}) {
		t.Errorf("copy's tags = %v, want the source's", got)
	}
	_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy"), CopySource: aws.String(bucket + "/k"),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("new=1")})
	mustOK(t, "CopyObject REPLACE", err)
	if got := objectTags(t, bucket, "copy", ""); !maps.Equal(got, map[string]string{"new": "1"}) {
		t.Errorf("replacing copy's tags = %v, want new=1", got)
	}
	_, err = cl.CopyObject(ctx(t), &s3.CopyObjectInput{Bucket: &bucket, Key: aws.String("copy-v1"), CopySource: aws.String(bucket + "/k?versionId=" + v1),
		Tagging: aws.String("ignored=1")})
	mustOK(t, "CopyObject of v1", err)
	if got := objectTags(t, bucket, "copy-v1", ""); len(got) != 0 {
		t.Errorf("copy of untagged v1 (x-amz-tagging without REPLACE) = %v, want none", got)
	}

	// Multipart: the upload's tags go to the object.
	mp, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp"), Tagging: aws.String("part=yes")})
	mustOK(t, "CreateMultipartUpload with tagging", err)
	p1, err := cl.UploadPart(ctx(t), &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("data")})
	mustOK(t, "UploadPart", err)
	_, err = cl.CompleteMultipartUpload(ctx(t), &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: p1.ETag}}}})
	mustOK(t, "CompleteMultipartUpload", err)
	if got := objectTags(t, bucket, "mp", ""); !maps.Equal(got, map[string]string{"part": "yes"}) {
		t.Errorf("completed object's tags = %v, want part=yes", got)
	}

	// A delete marker has no tags: MethodNotAllowed, latest or named.
	dm, err := cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("k")})
	mustOK(t, "DeleteObject", err)
	_, err = cl.GetObjectTagging(ctx(t), &s3.GetObjectTaggingInput{Bucket: &bucket, Key: aws.String("k")})
	wantErr(t, "GetObjectTagging under a delete marker", err, http.StatusMethodNotAllowed, "MethodNotAllowed")
	_, err = cl.PutObjectTagging(ctx(t), &s3.PutObjectTaggingInput{Bucket: &bucket, Key: aws.String("k"), VersionId: dm.VersionId,
		Tagging: &types.Tagging{TagSet: tagSet(map[string]string{"a": "b"})}})
	wantErr(t, "PutObjectTagging of a delete marker", err, http.StatusMethodNotAllowed, "MethodNotAllowed")
	_, err = cl.GetObjectTagging(ctx(t), &s3.GetObjectTaggingInput{Bucket: &bucket, Key: aws.String("none")})
	wantErr(t, "GetObjectTagging of a missing key", err, http.StatusNotFound, "NoSuchKey")
}

// TestObjectTaggingMinio: minio-go's tagging calls and its UserTags.
func TestObjectTaggingMinio(t *testing.T) {
	t.Parallel()
	mc := rootMinio(t)
	bucket := newBucket(t)
	_, err := mc.PutObject(ctx(t), bucket, "obj", strings.NewReader("m"), 1, minio.PutObjectOptions{UserTags: map[string]string{"from": "minio"}})
	mustOK(t, "minio PutObject with UserTags", err)
	got, err := mc.GetObjectTagging(ctx(t), bucket, "obj", minio.GetObjectTaggingOptions{})
	mustOK(t, "minio GetObjectTagging", err)
	if !maps.Equal(got.ToMap(), map[string]string{"from": "minio"}) {
		t.Errorf("minio GetObjectTagging = %v, want from=minio", got.ToMap())
	}
	tg, err := tags.NewTags(map[string]string{"a": "1", "b": "2"}, true)
	mustOK(t, "tags.NewTags", err)
	mustOK(t, "minio PutObjectTagging", mc.PutObjectTagging(ctx(t), bucket, "obj", tg, minio.PutObjectTaggingOptions{}))
	got, err = mc.GetObjectTagging(ctx(t), bucket, "obj", minio.GetObjectTaggingOptions{})
	mustOK(t, "minio GetObjectTagging", err)
	if !maps.Equal(got.ToMap(), map[string]string{"a": "1", "b": "2"}) {
		t.Errorf("minio GetObjectTagging after Put = %v, want a=1 b=2", got.ToMap())
	}
	st, err := mc.StatObject(ctx(t), bucket, "obj", minio.StatObjectOptions{})
	mustOK(t, "minio StatObject", err)
	if st.UserTagCount != 2 {
		t.Errorf("minio StatObject UserTagCount = %d, want 2", st.UserTagCount)
	}
	mustOK(t, "minio RemoveObjectTagging", mc.RemoveObjectTagging(ctx(t), bucket, "obj", minio.RemoveObjectTaggingOptions{}))
	got, err = mc.GetObjectTagging(ctx(t), bucket, "obj", minio.GetObjectTaggingOptions{})
	mustOK(t, "minio GetObjectTagging after remove", err)
	if len(got.ToMap()) != 0 {
		t.Errorf("minio GetObjectTagging after remove = %v, want none", got.ToMap())
	}
	// Bucket tags.
	btg, err := tags.NewTags(map[string]string{"team": "storage"}, false)
	mustOK(t, "tags.NewTags", err)
	mustOK(t, "minio SetBucketTagging", mc.SetBucketTagging(ctx(t), bucket, btg))
	bt, err := mc.GetBucketTagging(ctx(t), bucket)
	mustOK(t, "minio GetBucketTagging", err)
	if !maps.Equal(bt.ToMap(), map[string]string{"team": "storage"}) {
		t.Errorf("minio GetBucketTagging = %v, want team=storage", bt.ToMap())
	}
	mustOK(t, "minio RemoveBucketTagging", mc.RemoveBucketTagging(ctx(t), bucket))
	_, err = mc.GetBucketTagging(ctx(t), bucket)
	wantMinioErr(t, "minio GetBucketTagging after remove", err, http.StatusNotFound, "NoSuchTagSet")
}

// TestBucketTaggingSDK: Put/Get/DeleteBucketTagging.
func TestBucketTaggingSDK(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	_, err := cl.GetBucketTagging(ctx(t), &s3.GetBucketTaggingInput{Bucket: &bucket})
	wantErr(t, "GetBucketTagging of an untagged bucket", err, http.StatusNotFound, "NoSuchTagSet")
	want := map[string]string{}
	for i := range 50 {
		want[fmt.Sprintf("key-%02d", i)] = fmt.Sprint(i)
	}
	_, err = cl.PutBucketTagging(ctx(t), &s3.PutBucketTaggingInput{Bucket: &bucket, Tagging: &types.Tagging{TagSet: tagSet(want)}})
	mustOK(t, "PutBucketTagging of 50 tags", err)
	out, err := cl.GetBucketTagging(ctx(t), &s3.GetBucketTaggingInput{Bucket: &bucket})
	mustOK(t, "GetBucketTagging", err)
	if got := tagMap(out.TagSet); !maps.Equal(got, want) {
		t.Errorf("GetBucketTagging = %v, want %v", got, want)
	}
	want["one-more"] = "x"
	_, err = cl.PutBucketTagging(ctx(t), &s3.PutBucketTaggingInput{Bucket: &bucket, Tagging: &types.Tagging{TagSet: tagSet(want)}})
	wantErr(t, "PutBucketTagging of 51 tags", err, http.StatusBadRequest, "InvalidTag")
	_, err = cl.DeleteBucketTagging(ctx(t), &s3.DeleteBucketTaggingInput{Bucket: &bucket})
	mustOK(t, "DeleteBucketTagging", err)
	_, err = cl.GetBucketTagging(ctx(t), &s3.GetBucketTaggingInput{Bucket: &bucket})
	wantErr(t, "GetBucketTagging after delete", err, http.StatusNotFound, "NoSuchTagSet")
	_, err = cl.GetBucketTagging(ctx(t), &s3.GetBucketTaggingInput{Bucket: aws.String(bucketName(t) + "-none")})
	wantErr(t, "GetBucketTagging of a missing bucket", err, http.StatusNotFound, "NoSuchBucket")
}

// TestTaggingErrors: what Put*Tagging and x-amz-tagging refuse, with the
// codes AWS answers.
func TestTaggingErrors(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	putBytes(t, bucket, "k", []byte("x"))
	root := tgt.Root
	doc := func(pairs ...string) []byte {
		var b strings.Builder
		b.WriteString("<Tagging><TagSet>")
		for i := 0; i+1 < len(pairs); i += 2 {
			fmt.Fprintf(&b, "<Tag><Key>%s</Key><Value>%s</Value></Tag>", pairs[i], pairs[i+1])
		}
		b.WriteString("</TagSet></Tagging>")
		return []byte(b.String())
	}
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, fmt.Sprint("k", i), "v")
	}
	md5h := func(b []byte) http.Header { return http.Header{"Content-Md5": {md5B64(b)}} }
	for _, c := range []struct {
		name   string
		body   []byte
		status int
		code   string
	}{
		{"not XML", []byte("<Tagging><TagSet>"), 400, "MalformedXML"},
		{"no TagSet", []byte("<Tagging></Tagging>"), 400, "MalformedXML"},
		{"a Tag without Value", []byte("<Tagging><TagSet><Tag><Key>a</Key></Tag></TagSet></Tagging>"), 400, "MalformedXML"},
		{"eleven tags", doc(eleven...), 400, "BadRequest"},
		{"empty key", doc("", "v"), 400, "InvalidTag"},
		{"key of 129", doc(strings.Repeat("k", 129), "v"), 400, "InvalidTag"},
		{"value of 257", doc("k", strings.Repeat("v", 257)), 400, "InvalidTag"},
		{"duplicate keys", doc("k", "1", "k", "2"), 400, "InvalidTag"},
		{"aws: prefix", doc("aws:k", "1"), 400, "InvalidTag"},
		{"a character S3 does not allow", doc("a,b", "1"), 400, "InvalidTag"},
	} {
		r := doRaw(t, &root, "PUT", rawURL(bucket, "k", "tagging"), md5h(c.body), c.body)
		wantRawErr(t, "PutObjectTagging with "+c.name, r, c.status, c.code)
	}
	ok := doc(strings.Repeat("k", 128), strings.Repeat("v", 256))
	if r := doRaw(t, &root, "PUT", rawURL(bucket, "k", "tagging"), md5h(ok), ok); r.Status != 200 {
		t.Errorf("PutObjectTagging of the longest key and value = %d %s, want 200", r.Status, truncate(r.Body))
	}
	r := doRaw(t, &root, "GET", rawURL(bucket, "k", "tagging"), nil, nil)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte(`<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet><Tag><Key>kkk`)) {
		t.Errorf("GetObjectTagging = %d %s, want the Tagging document", r.Status, truncate(r.Body))
	}
	r = doRaw(t, &root, "PUT", rawURL(bucket, "none", "tagging"), md5h(ok), ok)
	wantRawErr(t, "PutObjectTagging of a missing key", r, 404, "NoSuchKey")
	r = doRaw(t, &root, "GET", rawURL(bucket, "k", "tagging&versionId="), nil, nil)
	wantRawErr(t, "GetObjectTagging with an empty version id", r, 400, "InvalidArgument")

	// x-amz-tagging on PutObject.
	for _, c := range []struct {
		header string
		code   string
	}{
		{"a=1&a=2", "InvalidArgument"},
		{"TagSet=[{Key=string,Value=string}]", "InvalidArgument"},
		{"TagSet%3D%5B%7BKey%3Dstring%7D%5D", "InvalidTag"},
		{"a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1", "BadRequest"},
	} {
		r := doRaw(t, &root, "PUT", rawURL(bucket, "hdr", ""), http.Header{"X-Amz-Tagging": {c.header}}, []byte("x"))
		wantRawErr(t, "PutObject with x-amz-tagging "+c.header, r, 400, c.code)
	}
	r = doRaw(t, &root, "PUT", rawURL(bucket, "hdr", ""), http.Header{"X-Amz-Tagging": {"foo=bar&bar"}}, []byte("x"))
	if r.Status != 200 {
		t.Fatalf("PutObject with x-amz-tagging foo=bar&bar = %d %s", r.Status, truncate(r.Body))
	}
	if got := objectTags(t, bucket, "hdr", ""); !maps.Equal(got, map[string]string{"foo": "bar", "bar": ""}) {
		t.Errorf("tags of foo=bar&bar = %v, want foo=bar and bar empty", got)
	}
	r = doRaw(t, &root, "PUT", rawURL(bucket, "copy", ""), http.Header{"X-Amz-Copy-Source": {bucket + "/k"}, "X-Amz-Tagging-Directive": {"MERGE"}}, nil)
	wantRawErr(t, "CopyObject with an unknown tagging directive", r, 400, "InvalidArgument")

	// PutBucketTagging needs an integrity check of its body, as on AWS.
	bt := doc("a", "b")
	r = doRaw(t, &root, "PUT", rawURL(bucket, "", "tagging"), nil, bt)
	wantRawErr(t, "PutBucketTagging without Content-MD5", r, 400, "InvalidRequest")
	r = doRaw(t, &root, "PUT", rawURL(bucket, "", "tagging"), md5h(bt), bt)
	if r.Status != 204 && r.Status != 200 {
		t.Errorf("PutBucketTagging = %d %s, want success", r.Status, truncate(r.Body))
	}
	r = doRaw(t, &root, "GET", rawURL(bucket, "", "tagging"), nil, nil)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte("<Key>a</Key><Value>b</Value>")) {
		t.Errorf("GetBucketTagging = %d %s", r.Status, truncate(r.Body))
	}
}

// TestGetObjectAttributes: ETag (unquoted), Checksum, ObjectParts with
// x-amz-max-parts and x-amz-part-number-marker, StorageClass, ObjectSize.
func TestGetObjectAttributes(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	etag := putBytes(t, bucket, "single", []byte("hello"))
	all := []types.ObjectAttributes{types.ObjectAttributesEtag, types.ObjectAttributesChecksum, types.ObjectAttributesObjectParts,
		types.ObjectAttributesStorageClass, types.ObjectAttributesObjectSize}
	a, err := cl.GetObjectAttributes(ctx(t), &s3.GetObjectAttributesInput{Bucket: &bucket, Key: aws.String("single"), ObjectAttributes: all})
	mustOK(t, "GetObjectAttributes", err)
	if aws.ToString(a.ETag) != strings.Trim(etag, `"`) || aws.ToInt64(a.ObjectSize) != 5 || a.StorageClass != types.StorageClassStandard || a.ObjectParts != nil || a.LastModified == nil {
		t.Errorf("GetObjectAttributes of a single PUT = ETag %q size %d class %q parts %+v, want ETag %s, 5, STANDARD, no parts",
			aws.ToString(a.ETag), aws.ToInt64(a.ObjectSize), a.StorageClass, a.ObjectParts, etag)
	}
	a, err = cl.GetObjectAttributes(ctx(t), &s3.GetObjectAttributesInput{Bucket: &bucket, Key: aws.String("single"), ObjectAttributes: []types.ObjectAttributes{types.ObjectAttributesObjectSize}})
	mustOK(t, "GetObjectAttributes ObjectSize", err)
	if a.ETag != nil || aws.ToInt64(a.ObjectSize) != 5 || a.StorageClass != "" {
		t.Errorf("GetObjectAttributes of ObjectSize alone = ETag %v size %d class %q, want only the size", a.ETag, aws.ToInt64(a.ObjectSize), a.StorageClass)
	}

	// A multipart object uploaded with CRC32 (COMPOSITE): its parts, a page
	// at a time. Of one without a composite checksum S3 tells the count only.
	mp, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp"), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
	mustOK(t, "CreateMultipartUpload", err)
	var parts []types.CompletedPart
	for i := int32(1); i <= 3; i++ {
		n := 5 * MiB
		if i == 3 {
			n = 100
		}
		p, err := cl.UploadPart(ctx(t), &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("mp"), UploadId: mp.UploadId, PartNumber: aws.Int32(i),
			Body: bytes.NewReader(payload(uint64(i), n)), ChecksumAlgorithm: types.ChecksumAlgorithmCrc32})
		mustOK(t, "UploadPart", err)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(i), ETag: p.ETag, ChecksumCRC32: p.ChecksumCRC32})
	}
	_, err = cl.CompleteMultipartUpload(ctx(t), &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: aws.String("mp"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	mustOK(t, "CompleteMultipartUpload", err)
	a, err = cl.GetObjectAttributes(ctx(t), &s3.GetObjectAttributesInput{Bucket: &bucket, Key: aws.String("mp"), ObjectAttributes: all, MaxParts: aws.Int32(2)})
	mustOK(t, "GetObjectAttributes of the multipart object", err)
	op := a.ObjectParts
	if op == nil || aws.ToInt32(op.TotalPartsCount) != 3 || len(op.Parts) != 2 || !aws.ToBool(op.IsTruncated) || aws.ToString(op.NextPartNumberMarker) != "2" ||
		aws.ToInt32(op.Parts[0].PartNumber) != 1 || aws.ToInt64(op.Parts[0].Size) != 5*MiB || aws.ToString(op.Parts[0].ChecksumCRC32) != aws.ToString(parts[0].ChecksumCRC32) {
		t.Fatalf("first page of parts = %+v", op)
	}
	// The composite checksum without its "-3", as S3 answers it here.
	h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &bucket, Key: aws.String("mp"), ChecksumMode: types.ChecksumModeEnabled})
	mustOK(t, "HeadObject of the multipart object", err)
	if a.Checksum == nil || aws.ToString(a.Checksum.ChecksumCRC32)+"-3" != aws.ToString(h.ChecksumCRC32) || a.Checksum.ChecksumType != types.ChecksumTypeComposite ||
		aws.ToString(a.ETag) != strings.Trim(aws.ToString(h.ETag), `"`) {
		t.Errorf("checksum and ETag of the multipart object = %+v %q, want those of HEAD (%q %q) without the part count and quotes",
			a.Checksum, aws.ToString(a.ETag), aws.ToString(h.ChecksumCRC32), aws.ToString(h.ETag))
	}
	a, err = cl.GetObjectAttributes(ctx(t), &s3.GetObjectAttributesInput{Bucket: &bucket, Key: aws.String("mp"), ObjectAttributes: all,
		MaxParts: aws.Int32(2), PartNumberMarker: op.NextPartNumberMarker})
	mustOK(t, "GetObjectAttributes, second page", err)
	if op := a.ObjectParts; op == nil || len(op.Parts) != 1 || aws.ToBool(op.IsTruncated) || aws.ToInt32(op.Parts[0].PartNumber) != 3 || aws.ToInt64(op.Parts[0].Size) != 100 {
		t.Errorf("second page of parts = %+v", a.ObjectParts)
	}

	// Without a composite checksum: the count alone.
	plain, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("plain")})
	mustOK(t, "CreateMultipartUpload", err)
	pp, err := cl.UploadPart(ctx(t), &s3.UploadPartInput{Bucket: &bucket, Key: aws.String("plain"), UploadId: plain.UploadId, PartNumber: aws.Int32(1), Body: strings.NewReader("p")})
	mustOK(t, "UploadPart", err)
	_, err = cl.CompleteMultipartUpload(ctx(t), &s3.CompleteMultipartUploadInput{Bucket: &bucket, Key: aws.String("plain"), UploadId: plain.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{PartNumber: aws.Int32(1), ETag: pp.ETag}}}})
	mustOK(t, "CompleteMultipartUpload", err)
	a, err = cl.GetObjectAttributes(ctx(t), &s3.GetObjectAttributesInput{Bucket: &bucket, Key: aws.String("plain"), ObjectAttributes: all})
	mustOK(t, "GetObjectAttributes of a multipart object without checksum", err)
	if op := a.ObjectParts; op == nil || aws.ToInt32(op.TotalPartsCount) != 1 || len(op.Parts) != 0 {
		t.Errorf("parts of a multipart object without checksum = %+v, want the count 1 alone", a.ObjectParts)
	}

	// Errors.
	root := tgt.Root
	r := doRaw(t, &root, "GET", rawURL(bucket, "single", "attributes"), nil, nil)
	wantRawErr(t, "GetObjectAttributes without x-amz-object-attributes", r, 400, "InvalidRequest")
	r = doRaw(t, &root, "GET", rawURL(bucket, "single", "attributes"), http.Header{"X-Amz-Object-Attributes": {"ETag,Colour"}}, nil)
	wantRawErr(t, "GetObjectAttributes of an unknown attribute", r, 400, "InvalidArgument")
	r = doRaw(t, &root, "GET", rawURL(bucket, "none", "attributes"), http.Header{"X-Amz-Object-Attributes": {"ETag"}}, nil)
	wantRawErr(t, "GetObjectAttributes of a missing key", r, 404, "NoSuchKey")
	r = doRaw(t, &root, "GET", rawURL(bucket, "single", "attributes"), http.Header{"X-Amz-Object-Attributes": {"ObjectSize"}, "X-Amz-Max-Parts": {"lots"}}, nil)
	if r.Status != 200 || !bytes.Contains(r.Body, []byte("<ObjectSize>5</ObjectSize>")) {
		t.Errorf("GetObjectAttributes with x-amz-max-parts not a number = %d %s, want it ignored", r.Status, truncate(r.Body))
	}
}

// TestTaggingCLI: the aws CLI's put-object-tagging and get-object-tagging,
// and `aws s3 cp` between buckets of an object above its multipart
// threshold. CLI v2 (--copy-props default) reads the source's tags
// (GetObjectTagging) and gives them to the multipart copy (x-amz-tagging
// on CreateMultipartUpload): the copy must carry them. CLI v1 copies no
// tags on a multipart copy (HeadObject, CreateMultipartUpload,
// UploadPartCopy only, as against AWS); the copy must still work, and
// TestMultipartCopyTagsAsCLIv2 makes v2's requests with the SDK.
func TestTaggingCLI(t *testing.T) {
	t.Parallel()
	for _, major := range []int{1, 2} {
		t.Run(fmt.Sprintf("v%d", major), func(t *testing.T) {
			t.Parallel()
			taggingCLI(t, major)
		})
	}
}

func taggingCLI(t *testing.T, major int) {
	cli := harness.NewAWSCLIMajor(t, major, tgt.Endpoint, tgt.Region, tgt.Root)
	src, dst := newBucket(t), newBucket(t)
	dir := t.TempDir()
	const size = 20 * MiB
	file := filepath.Join(dir, "big")
	writePayloadFile(t, file, 17, size)
	cli.Run(t, "s3", "cp", file, "s3://"+src+"/big")
	cli.Run(t, "s3api", "put-object-tagging", "--bucket", src, "--key", "big",
		"--tagging", `{"TagSet":[{"Key":"project","Value":"dolium"},{"Key":"tier","Value":"gold"}]}`)
	var got struct {
		TagSet []struct{ Key, Value string }
	}
	readTags := func(bucket string) map[string]string {
		t.Helper()
		out := cli.Run(t, "s3api", "get-object-tagging", "--bucket", bucket, "--key", "big", "--output", "json")
		got.TagSet = nil
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("get-object-tagging output %q: %v", out, err)
		}
		m := map[string]string{}
		for _, tg := range got.TagSet {
			m[tg.Key] = tg.Value
		}
		return m
	}
	want := map[string]string{"project": "dolium", "tier": "gold"}
	if m := readTags(src); !maps.Equal(m, want) {
		t.Errorf("get-object-tagging = %v, want %v", m, want)
	}
	cli.Run(t, "s3", "cp", "s3://"+src+"/big", "s3://"+dst+"/big")
	h, err := rootSDK().HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &dst, Key: aws.String("big")})
	mustOK(t, "HeadObject of the copy", err)
	if aws.ToInt64(h.ContentLength) != size || !strings.Contains(aws.ToString(h.ETag), "-") {
		t.Errorf("copy: length %d ETag %s, want %d and a multipart ETag", aws.ToInt64(h.ContentLength), aws.ToString(h.ETag), size)
	}
	checkObject(t, dst, "big", payloadSHA256(17, size), size)
	m := readTags(dst)
	if major == 1 {
		t.Logf("CLI v1 copies no tags on a multipart copy; tags of the copy %v", m)
		return
	}
	if !maps.Equal(m, want) {
		t.Errorf("tags of the CLI's multipart copy = %v, want the source's %v", m, want)
	}
}

// TestMultipartCopyTagsAsCLIv2: the requests `aws s3 cp s3://a/big
// s3://b/big` of CLI v2 makes for an object above its multipart threshold:
// HeadObject of the source (x-amz-tagging-count), GetObjectTagging of the
// source, CreateMultipartUpload with the tags in x-amz-tagging,
// UploadPartCopy of each range, CompleteMultipartUpload. The copy has the
// source's tags.
func TestMultipartCopyTagsAsCLIv2(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	src, dst := newBucket(t), newBucket(t)
	const size, partSize = 20 * MiB, 8 * MiB
	_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &src, Key: aws.String("big"), Body: bytes.NewReader(payload(23, size)),
		Tagging: aws.String("project=dolium&note=a%20b%2Bc")})
	mustOK(t, "PutObject with tags", err)
	h, err := cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &src, Key: aws.String("big")})
	mustOK(t, "HeadObject of the source", err)
	if aws.ToInt32(h.TagCount) != 2 {
		t.Errorf("source's x-amz-tagging-count = %d, want 2", aws.ToInt32(h.TagCount))
	}
	tg, err := cl.GetObjectTagging(ctx(t), &s3.GetObjectTaggingInput{Bucket: &src, Key: aws.String("big")})
	mustOK(t, "GetObjectTagging of the source", err)
	q := url.Values{}
	for _, x := range tg.TagSet {
		q.Set(aws.ToString(x.Key), aws.ToString(x.Value))
	}
	mp, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &dst, Key: aws.String("big"), Tagging: aws.String(q.Encode())})
	mustOK(t, "CreateMultipartUpload with the source's tags", err)
	var parts []types.CompletedPart
	for i, off := int32(1), int64(0); off < size; i, off = i+1, off+partSize {
		end := min(off+partSize, size) - 1
		p, err := cl.UploadPartCopy(ctx(t), &s3.UploadPartCopyInput{Bucket: &dst, Key: aws.String("big"), UploadId: mp.UploadId, PartNumber: aws.Int32(i),
			CopySource: aws.String(src + "/big"), CopySourceRange: aws.String(fmt.Sprintf("bytes=%d-%d", off, end))})
		mustOK(t, "UploadPartCopy", err)
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(i), ETag: p.CopyPartResult.ETag})
	}
	_, err = cl.CompleteMultipartUpload(ctx(t), &s3.CompleteMultipartUploadInput{Bucket: &dst, Key: aws.String("big"), UploadId: mp.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	mustOK(t, "CompleteMultipartUpload", err)
	checkObject(t, dst, "big", payloadSHA256(23, size), size)
	if got := objectTags(t, dst, "big", ""); !maps.Equal(got, map[string]string{"project": "dolium", "note": "a b+c"}) {
		t.Errorf("tags of the multipart copy = %v, want the source's", got)
	}
}
