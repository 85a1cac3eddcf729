package metatest

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

// t0 is the suite's reference time: millisecond precision, in a zone other
// than UTC so that a backend that drops the zone still compares Equal.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535_000_000, time.FixedZone("UTC+2", 2*3600))

// wantErr fails t unless err is of kind want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

// noErr fails t if err is not nil.
func noErr(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: got error %v, want nil", what, err)
	}
}

func createBucket(t *testing.T, s meta.Store, name string) {
	t.Helper()
	noErr(t, fmt.Sprintf("CreateBucket(%q)", name), s.CreateBucket(t.Context(), meta.Bucket{Name: name, Owner: "owner", Created: t0}))
}

// newObject returns a small object of (bucket, key) with version v.
func newObject(bucket, key, v string) meta.Object {
	return meta.Object{
		Bucket: bucket, Key: key, VersionID: v, Size: 3, ETag: "etag-" + v,
		LastModified: t0, Owner: "owner",
		Extents: []meta.Extent{{DataID: "data-" + v, Size: 3, ChunkSize: 1 << 20}},
	}
}

// fullObject returns an object with every field set.
func fullObject(bucket, key, v string) meta.Object {
	return meta.Object{
		Bucket:       bucket,
		Key:          key,
		VersionID:    v,
		Size:         15 << 20,
		ETag:         "0123456789abcdef0123456789abcdef-2",
		LastModified: t0.Add(time.Hour),
		Owner:        "tenant-1",
		Headers: map[string]string{
			"Content-Type":        "text/plain; charset=utf-8",
			"Content-Encoding":    "gzip",
			"Content-Disposition": `attachment; filename="é.txt"`,
			"Content-Language":    "fr",
			"Cache-Control":       "no-cache",
			"Expires":             "Thu, 01 Dec 1994 16:00:00 GMT",
		},
		UserMeta:     map[string]string{"color": "blue", "empty": "", "naïve": "ünïcode"},
		Checksums:    map[string]string{"CRC32C": "yZRlqg==-2"},
		ChecksumType: "COMPOSITE",
		Extents: []meta.Extent{
			{DataID: "d1-" + v, Size: 10 << 20, ChunkSize: 1 << 20, PartNumber: 1, ETag: "aa", Checksums: map[string]string{"CRC32C": "AAAAAA=="}},
			{DataID: "d2-" + v, Size: 5 << 20, ChunkSize: 4 << 20, PartNumber: 2, ETag: "bb", Checksums: map[string]string{"CRC32C": "BBBBBB=="}},
		},
	}
}

func putObject(t *testing.T, s meta.Store, o meta.Object, cond meta.Cond) *meta.Object {
	t.Helper()
	replaced, err := s.PutObject(t.Context(), o, cond, nil)
	noErr(t, fmt.Sprintf("PutObject(%q/%q, %+v)", o.Bucket, o.Key, cond), err)
	return replaced
}

// timeField compares two times by Equal and clears them for DeepEqual.
func timeField(name string, got, want *time.Time, diffs *[]string) {
	if !got.Equal(*want) {
		*diffs = append(*diffs, fmt.Sprintf("%s: got %v, want %v", name, *got, *want))
	}
	*got, *want = time.Time{}, time.Time{}
}

// normMap makes empty maps nil.
func normMap(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func normExtents(es []meta.Extent) []meta.Extent {
	if len(es) == 0 {
		return nil
	}
	out := make([]meta.Extent, len(es))
	for i, e := range es {
		e.Checksums = normMap(e.Checksums)
		out[i] = e
	}
	return out
}

// diffObject describes how got differs from want ("" if equal).
func diffObject(got, want meta.Object) string {
	var diffs []string
	timeField("LastModified", &got.LastModified, &want.LastModified, &diffs)
	timeField("Retention.Until", &got.Retention.Until, &want.Retention.Until, &diffs)
	for _, o := range []*meta.Object{&got, &want} {
		o.Headers, o.UserMeta, o.Checksums = normMap(o.Headers), normMap(o.UserMeta), normMap(o.Checksums)
		o.Tags = normMap(o.Tags)
		o.IsLatest = false // not stored: the tests that need it check it
		o.Extents = normExtents(o.Extents)
	}
	if !reflect.DeepEqual(got, want) {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func checkObject(t *testing.T, what string, got, want meta.Object) {
	t.Helper()
	if d := diffObject(got, want); d != "" {
		t.Errorf("%s: %s", what, d)
	}
}

func diffBucket(got, want meta.Bucket) string {
	var diffs []string
	timeField("Created", &got.Created, &want.Created, &diffs)
	for _, b := range []*meta.Bucket{&got, &want} {
		if len(b.Configs) == 0 {
			b.Configs = nil
		}
	}
	if !reflect.DeepEqual(got, want) {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func diffUpload(got, want meta.Upload) string {
	var diffs []string
	timeField("Initiated", &got.Initiated, &want.Initiated, &diffs)
	for _, u := range []*meta.Upload{&got, &want} {
		u.Headers, u.UserMeta, u.Tags = normMap(u.Headers), normMap(u.UserMeta), normMap(u.Tags)
	}
	if !reflect.DeepEqual(got, want) {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func diffPart(got, want meta.Part) string {
	var diffs []string
	timeField("LastModified", &got.LastModified, &want.LastModified, &diffs)
	got.Extent.Checksums, want.Extent.Checksums = normMap(got.Extent.Checksums), normMap(want.Extent.Checksums)
	if !reflect.DeepEqual(got, want) {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func diffEntry(got, want meta.GCEntry) string {
	var diffs []string
	timeField("Due", &got.Due, &want.Due, &diffs)
	if got != want {
		diffs = append(diffs, fmt.Sprintf("got %+v, want %+v", got, want))
	}
	return strings.Join(diffs, "; ")
}

func objectKeys(os []meta.Object) []string {
	keys := make([]string, len(os))
	for i, o := range os {
		keys[i] = o.Key
	}
	return keys
}
