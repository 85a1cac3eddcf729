package gateway

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"testing"

	"github.com/dolium/dolium/internal/checksum"
)

func TestCheckTags(t *testing.T) {
	many := func(n int) []Tag {
		var ts []Tag
		for i := range n {
			ts = append(ts, Tag{Key: "k" + string(rune('a'+i%26)) + strings.Repeat("x", i/26), Value: "v"})
		}
		return ts
	}
	for _, c := range []struct {
		name string
		tags []Tag
		max  int
		err  error
	}{
		{"none", nil, MaxObjectTags, nil},
		{"ten", many(10), MaxObjectTags, nil},
		{"eleven", many(11), MaxObjectTags, ErrTooManyObjectTags},
		{"fifty on a bucket", many(50), MaxBucketTags, nil},
		{"fifty-one on a bucket", many(51), MaxBucketTags, ErrTooManyBucketTags},
		{"longest", []Tag{{strings.Repeat("k", 128), strings.Repeat("v", 256)}}, MaxObjectTags, nil},
		{"empty value", []Tag{{"k", ""}}, MaxObjectTags, nil},
		{"allowed symbols and letters", []Tag{{"a b_.:/=+-@ü1", "Ünï cödé_.:/=+-@"}}, MaxObjectTags, nil},
		{"empty key", []Tag{{"", "v"}}, MaxObjectTags, ErrTagKeyInvalid},
		{"key too long", []Tag{{strings.Repeat("k", 129), "v"}}, MaxObjectTags, ErrTagKeyTooLong},
		// S3 counts UTF-16 code units: 65 characters outside the BMP are 130.
		{"key too long in UTF-16", []Tag{{strings.Repeat("𝒜", 65), "v"}}, MaxObjectTags, ErrTagKeyTooLong},
		{"value too long", []Tag{{"k", strings.Repeat("v", 257)}}, MaxObjectTags, ErrTagValueTooLong},
		{"key with a bracket", []Tag{{"a[b", "v"}}, MaxObjectTags, ErrTagKeyInvalid},
		{"value with a comma", []Tag{{"k", "a,b"}}, MaxObjectTags, ErrTagValueInvalid},
		{"duplicate", []Tag{{"k", "1"}, {"k", "2"}}, MaxObjectTags, ErrDuplicateTagKey},
		{"reserved prefix", []Tag{{"aws:x", "v"}}, MaxObjectTags, ErrTagReservedPrefix},
	} {
		m, err := CheckTags(c.tags, c.max)
		if !errors.Is(err, c.err) {
			t.Errorf("%s: CheckTags = %v, want %v", c.name, err, c.err)
			continue
		}
		if err == nil && len(m) != len(c.tags) {
			t.Errorf("%s: CheckTags = %d tags, want %d", c.name, len(m), len(c.tags))
		}
	}
	// 𝒜 is a letter (so the key above fails for its length, not its
	// characters) once it fits.
	if _, err := CheckTags([]Tag{{strings.Repeat("𝒜", 64), "v"}}, MaxObjectTags); err != nil {
		t.Errorf("64 non-BMP letters (128 UTF-16 units) = %v, want accepted", err)
	}
	if _, err := CheckTags([]Tag{{"k", strings.Repeat("𝒜", 129)}}, MaxObjectTags); !errors.Is(err, ErrTagValueTooLong) {
		t.Errorf("129 non-BMP letters in a value = %v, want ErrTagValueTooLong", err)
	}
}

func TestParseTaggingHeader(t *testing.T) {
	for _, c := range []struct {
		h    string
		want map[string]string
		err  error
	}{
		{"", nil, nil},
		{"a=b&c=d", map[string]string{"a": "b", "c": "d"}, nil},
		{"foo=bar&bar", map[string]string{"foo": "bar", "bar": ""}, nil},
		{"k%20x=v%2Fw&plus=a+b", map[string]string{"k x": "v/w", "plus": "a b"}, nil},
		{"a=%3D", map[string]string{"a": "="}, nil},
		{"a=1&a=2", nil, ErrTaggingHeader},
		{"TagSet=[{Key=string,Value=string}]", nil, ErrTaggingHeader},
		{"a=%zz", nil, ErrTaggingHeader},
		{"TagSet%3D%5B%7BKey%3Dstring%7D%5D", nil, ErrTagKeyInvalid},
		{"a=1&b=1&c=1&d=1&e=1&f=1&g=1&h=1&i=1&j=1&k=1", nil, ErrTooManyObjectTags},
		{"aws%3Ax=1", nil, ErrTagReservedPrefix},
	} {
		got, err := ParseTaggingHeader(c.h)
		if !errors.Is(err, c.err) || !maps.Equal(got, c.want) {
			t.Errorf("ParseTaggingHeader(%q) = %v, %v; want %v, %v", c.h, got, err, c.want, c.err)
		}
	}
}

// Tags belong to a version: Put/Get/DeleteObjectTagging change only the
// version named, writes take x-amz-tagging, copies copy or replace the
// source's, a multipart upload gives its tags to the completed object, and
// a delete marker has none to give (MethodNotAllowed).
func TestObjectTagging(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.g.SetVersioning(ctx, bucketOf(t, f.g, "bkt"), VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	b := bucketOf(t, f.g, "bkt")
	v1, err := f.g.PutObject(ctx, b, PutInput{Key: "k", Owner: "alice", Body: strings.NewReader("one"), Size: 3, Tags: map[string]string{"a": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := f.g.PutObject(ctx, b, PutInput{Key: "k", Owner: "alice", Body: strings.NewReader("two"), Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	tagsOf := func(what string, vt VersionTarget) map[string]string {
		t.Helper()
		o, err := f.g.GetObjectTagging(ctx, b, vt)
		if err != nil {
			t.Fatalf("GetObjectTagging(%s) = %v", what, err)
		}
		return o.Tags
	}
	if got := tagsOf("v1", VersionTarget{"k", v1.VersionID}); !maps.Equal(got, map[string]string{"a": "1"}) {
		t.Errorf("v1 tags = %v, want those of its PUT", got)
	}
	if got := tagsOf("latest", VersionTarget{"k", ""}); got != nil {
		t.Errorf("latest tags = %v, want none", got)
	}
	o, err := f.g.PutObjectTagging(ctx, b, VersionTarget{"k", ""}, map[string]string{"x": "y"})
	if err != nil || o.VersionID != v2.VersionID {
		t.Fatalf("PutObjectTagging(latest) = %+v, %v; want version %s", o, err, v2.VersionID)
	}
	if got := tagsOf("v1", VersionTarget{"k", v1.VersionID}); !maps.Equal(got, map[string]string{"a": "1"}) {
		t.Errorf("v1 tags after tagging the latest = %v, want unchanged", got)
	}
	out, err := f.g.GetObject(ctx, b, GetInput{Key: "k"}, true)
	if err != nil || !maps.Equal(out.Object.Tags, map[string]string{"x": "y"}) {
		t.Errorf("HEAD after tagging = %+v, %v; want tags x=y", out, err)
	}
	if _, err := f.g.DeleteObjectTagging(ctx, b, VersionTarget{"k", v1.VersionID}); err != nil {
		t.Fatal(err)
	}
	if got := tagsOf("v1", VersionTarget{"k", v1.VersionID}); got != nil {
		t.Errorf("v1 tags after DeleteObjectTagging = %v, want none", got)
	}
	if _, err := f.g.PutObjectTagging(ctx, b, VersionTarget{"k", "0000000000000000ffffffffffffffff"}, nil); !errors.Is(err, ErrNoSuchVersion) {
		t.Errorf("PutObjectTagging of a missing version = %v, want ErrNoSuchVersion", err)
	}
	if _, err := f.g.PutObjectTagging(ctx, b, VersionTarget{"none", ""}, nil); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("PutObjectTagging of a missing key = %v, want ErrNoSuchKey", err)
	}

	// Copies: COPY (the default) takes the source version's tags, REPLACE the given ones.
	c1, err := f.g.CopyObject(ctx, b, CopyInput{Src: Source{Bucket: b, Key: "k"}, Key: "c1", Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagsOf("copy", VersionTarget{"c1", c1.VersionID}); !maps.Equal(got, map[string]string{"x": "y"}) {
		t.Errorf("copy's tags = %v, want the source's", got)
	}
	c2, err := f.g.CopyObject(ctx, b, CopyInput{Src: Source{Bucket: b, Key: "k"}, Key: "c2", Owner: "alice", ReplaceTags: true, Tags: map[string]string{"r": "s"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagsOf("replacing copy", VersionTarget{"c2", c2.VersionID}); !maps.Equal(got, map[string]string{"r": "s"}) {
		t.Errorf("replacing copy's tags = %v, want r=s", got)
	}
	c3, err := f.g.CopyObject(ctx, b, CopyInput{Src: Source{Bucket: b, Key: "k"}, Key: "c3", Owner: "alice", ReplaceTags: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagsOf("replacing copy without tags", VersionTarget{"c3", c3.VersionID}); got != nil {
		t.Errorf("copy replacing with no tags = %v, want none", got)
	}

	// Multipart: the upload's tags go to the completed object.
	u, err := f.g.CreateMultipartUpload(ctx, b, CreateUploadInput{Key: "mp", Owner: "alice", Tags: map[string]string{"m": "p"}})
	if err != nil {
		t.Fatal(err)
	}
	p, err := f.g.UploadPart(ctx, b, PartInput{Key: "mp", UploadID: u.UploadID, PartNumber: 1, Body: strings.NewReader("part"), Size: 4})
	if err != nil {
		t.Fatal(err)
	}
	mo, err := f.g.CompleteMultipartUpload(ctx, b, CompleteInput{Key: "mp", Owner: "alice", UploadID: u.UploadID, Parts: []CompletedPart{{PartNumber: 1, ETag: p.ETag}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := tagsOf("completed", VersionTarget{"mp", mo.VersionID}); !maps.Equal(got, map[string]string{"m": "p"}) {
		t.Errorf("completed object's tags = %v, want the upload's", got)
	}

	// A delete marker, latest or named, is MethodNotAllowed.
	del, err := f.g.DeleteObject(ctx, b, DeleteInput{Key: "k", Owner: "alice"})
	if err != nil || !del.DeleteMarker {
		t.Fatalf("DeleteObject = %+v, %v; want a delete marker", del, err)
	}
	for _, vt := range []VersionTarget{{"k", ""}, {"k", del.VersionID}} {
		_, err := f.g.PutObjectTagging(ctx, b, vt, map[string]string{"a": "b"})
		var dm *DeleteMarkerError
		if !errors.Is(err, ErrMethodNotAllowed) || !errors.As(err, &dm) || dm.VersionID != del.VersionID {
			t.Errorf("PutObjectTagging(%+v) of a delete marker = %v, want MethodNotAllowed naming the marker", vt, err)
		}
		if _, err := f.g.GetObjectTagging(ctx, b, vt); !errors.Is(err, ErrMethodNotAllowed) {
			t.Errorf("GetObjectTagging(%+v) of a delete marker = %v, want MethodNotAllowed", vt, err)
		}
	}
	if got := tagsOf("v2 under the marker", VersionTarget{"k", v2.VersionID}); !maps.Equal(got, map[string]string{"x": "y"}) {
		t.Errorf("v2 tags under a delete marker = %v, want kept", got)
	}
}

func TestBucketTagging(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.g.BucketTagging(bucketOf(t, f.g, "bkt")); !errors.Is(err, ErrNoSuchTagSet) {
		t.Errorf("BucketTagging of an untagged bucket = %v, want ErrNoSuchTagSet", err)
	}
	want := map[string]string{"team": "storage", "cost": ""}
	if err := f.g.PutBucketTagging(ctx, bucketOf(t, f.g, "bkt"), want); err != nil {
		t.Fatal(err)
	}
	if got, err := f.g.BucketTagging(bucketOf(t, f.g, "bkt")); err != nil || !maps.Equal(got, want) {
		t.Errorf("BucketTagging = %v, %v; want %v", got, err, want)
	}
	if err := f.g.DeleteBucketTagging(ctx, bucketOf(t, f.g, "bkt")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.g.BucketTagging(bucketOf(t, f.g, "bkt")); !errors.Is(err, ErrNoSuchTagSet) {
		t.Errorf("BucketTagging after delete = %v, want ErrNoSuchTagSet", err)
	}
	if err := f.g.DeleteBucketTagging(ctx, bucketOf(t, f.g, "bkt")); err != nil {
		t.Errorf("DeleteBucketTagging without tags = %v, want nil", err)
	}
	if err := f.g.PutBucketTagging(ctx, Bucket{Name: "none"}, want); !errors.Is(err, ErrNoSuchBucket) {
		t.Errorf("PutBucketTagging of a missing bucket = %v, want ErrNoSuchBucket", err)
	}
}

func TestGetObjectAttributes(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := bucketOf(t, f.g, "bkt")
	f.put(t, "single", []byte("hello"))
	a, err := f.g.GetObjectAttributes(ctx, b, VersionTarget{"single", ""}, 0, 0)
	if err != nil || a.Multipart || a.PartsCount != 0 || a.Object.Size != 5 {
		t.Errorf("attributes of a single PUT = %+v, %v; want size 5 and no parts", a, err)
	}
	u, err := f.g.CreateMultipartUpload(ctx, b, CreateUploadInput{Key: "mp", Owner: "alice", ChecksumAlgorithm: checksum.CRC32})
	if err != nil {
		t.Fatal(err)
	}
	var done []CompletedPart
	for i := range 3 {
		data := randBytes(MinPartSize, int64(i))
		if i == 2 {
			data = data[:10]
		}
		p, err := f.g.UploadPart(ctx, b, PartInput{Key: "mp", UploadID: u.UploadID, PartNumber: i + 1, Body: bytes.NewReader(data), Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		done = append(done, CompletedPart{PartNumber: i + 1, ETag: p.ETag})
	}
	if _, err := f.g.CompleteMultipartUpload(ctx, b, CompleteInput{Key: "mp", Owner: "alice", UploadID: u.UploadID, Parts: done}); err != nil {
		t.Fatal(err)
	}
	a, err = f.g.GetObjectAttributes(ctx, b, VersionTarget{"mp", ""}, 2, 0)
	if err != nil || !a.Multipart || a.PartsCount != 3 || len(a.Parts) != 2 || !a.Truncated || a.Parts[0].PartNumber != 1 || a.Parts[0].Size != MinPartSize || a.Parts[0].Checksums["CRC32"] == "" {
		t.Errorf("first page of parts = %+v, %v; want parts 1 and 2 of 3 with their CRC32, truncated", a, err)
	}
	a, err = f.g.GetObjectAttributes(ctx, b, VersionTarget{"mp", ""}, 2, 2)
	if err != nil || len(a.Parts) != 1 || a.Truncated || a.Parts[0].PartNumber != 3 || a.Parts[0].Size != 10 {
		t.Errorf("second page of parts = %+v, %v; want part 3 alone", a, err)
	}
	if _, err := f.g.GetObjectAttributes(ctx, b, VersionTarget{"none", ""}, 0, 0); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("attributes of a missing key = %v, want ErrNoSuchKey", err)
	}
}

// A lifecycle rule filtering on a tag selects the versions that have it,
// for x-amz-expiration as for the worker.
func TestExpirationByTag(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	doc := `<LifecycleConfiguration><Rule><ID>tagged</ID><Filter><Tag><Key>tmp</Key><Value>yes</Value></Tag></Filter>` +
		`<Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule></LifecycleConfiguration>`
	if err := f.g.PutLifecycle(ctx, bucketOf(t, f.g, "bkt"), []byte(doc)); err != nil {
		t.Fatal(err)
	}
	b := bucketOf(t, f.g, "bkt")
	tagged, err := f.g.PutObject(ctx, b, PutInput{Key: "a", Owner: "alice", Body: strings.NewReader("x"), Size: 1, Tags: map[string]string{"tmp": "yes"}})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := f.g.PutObject(ctx, b, PutInput{Key: "b", Owner: "alice", Body: strings.NewReader("x"), Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	if h := f.g.Expiration(b, tagged); !strings.Contains(h, `rule-id="tagged"`) {
		t.Errorf("x-amz-expiration of the tagged object = %q, want the tagged rule", h)
	}
	if h := f.g.Expiration(b, plain); h != "" {
		t.Errorf("x-amz-expiration of the untagged object = %q, want none", h)
	}
}
