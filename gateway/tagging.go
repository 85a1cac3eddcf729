package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf16"

	"github.com/dolium/dolium/meta"
)

// Tagging: a version's object tags (Put/Get/DeleteObjectTagging, the
// x-amz-tagging header of writes) and a bucket's tag set
// (Put/Get/DeleteBucketTagging), with the limits S3 documents: at most 10
// tags per object and 50 per bucket, keys of 1 to 128 and values of 0 to
// 256 UTF-16 code units (S3 counts so) of Unicode letters, digits, white
// space and _ . : / = + - @, unique keys, none starting with "aws:".

// Tagging error kinds; s3api answers each with AWS's code and message.
var (
	// ErrTooManyObjectTags: more than MaxObjectTags (AWS answers
	// BadRequest "Object tags cannot be greater than 10").
	ErrTooManyObjectTags = errors.New("more than 10 object tags")
	// ErrTooManyBucketTags: more than MaxBucketTags.
	ErrTooManyBucketTags = errors.New("more than 50 bucket tags")
	ErrTagKeyInvalid     = errors.New("invalid tag key")
	ErrTagKeyTooLong     = errors.New("tag key too long")
	ErrTagValueInvalid   = errors.New("invalid tag value")
	ErrTagValueTooLong   = errors.New("tag value too long")
	ErrDuplicateTagKey   = errors.New("duplicate tag key")
	ErrTagReservedPrefix = errors.New("tag key with the reserved prefix aws:")
	// ErrTaggingHeader: an x-amz-tagging header that is not a URL query
	// string of unique keys.
	ErrTaggingHeader = errors.New("malformed x-amz-tagging header")
	// ErrNoSuchTagSet: GetBucketTagging of a bucket without tags.
	ErrNoSuchTagSet = errors.New("no tag set")
)

// Tag limits.
const (
	MaxObjectTags   = 10
	MaxBucketTags   = 50
	MaxTagKeyLength = 128
	MaxTagValLength = 256
)

// Tag is one key and value of a tag set, in the order the client sent it.
type Tag struct {
	Key, Value string
}

// utf16Len is the length of s in UTF-16 code units, as S3 counts a tag.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// tagChars reports whether s holds only the characters S3 allows in tags.
func tagChars(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Zs, r) || unicode.IsSpace(r) {
			continue
		}
		if !strings.ContainsRune("_.:/=+-@", r) {
			return false
		}
	}
	return true
}

// CheckTags validates a tag set of at most max tags (MaxObjectTags or
// MaxBucketTags) and returns it as a map (nil when empty).
func CheckTags(tags []Tag, max int) (map[string]string, error) {
	if len(tags) > max {
		if max == MaxBucketTags {
			return nil, ErrTooManyBucketTags
		}
		return nil, ErrTooManyObjectTags
	}
	var m map[string]string
	for _, t := range tags {
		switch {
		case t.Key == "" || !tagChars(t.Key):
			return nil, ErrTagKeyInvalid
		case utf16Len(t.Key) > MaxTagKeyLength:
			return nil, ErrTagKeyTooLong
		case !tagChars(t.Value):
			return nil, ErrTagValueInvalid
		case utf16Len(t.Value) > MaxTagValLength:
			return nil, ErrTagValueTooLong
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, ErrTagReservedPrefix
		}
		if _, dup := m[t.Key]; dup {
			return nil, ErrDuplicateTagKey
		}
		if m == nil {
			m = map[string]string{}
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

// ParseTaggingHeader parses an x-amz-tagging header ("k1=v1&k2=v2",
// URL-encoded; a key without "=" has the empty value) into an object's
// tags (nil when the header is empty).
func ParseTaggingHeader(h string) (map[string]string, error) {
	if h == "" {
		return nil, nil
	}
	var tags []Tag
	seen := map[string]bool{}
	for _, pair := range strings.Split(h, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if strings.Contains(v, "=") {
			return nil, ErrTaggingHeader
		}
		key, err1 := url.QueryUnescape(k)
		val, err2 := url.QueryUnescape(v)
		if err1 != nil || err2 != nil || seen[key] {
			return nil, ErrTaggingHeader
		}
		seen[key] = true
		tags = append(tags, Tag{key, val})
	}
	return CheckTags(tags, MaxObjectTags)
}

// SortedTags returns tags as a tag set in key order.
func SortedTags(tags map[string]string) []Tag {
	out := make([]Tag, 0, len(tags))
	for k, v := range tags {
		out = append(out, Tag{k, v})
	}
	slices.SortFunc(out, func(a, b Tag) int { return strings.Compare(a.Key, b.Key) })
	return out
}

// taggingTarget resolves the version a tagging operation names: a delete
// marker, named or the latest, is MethodNotAllowed (as AWS answers), with
// the marker's headers.
func (g *Gateway) taggingTarget(ctx context.Context, b Bucket, t VersionTarget) (meta.Object, error) {
	if err := CheckKey(t.Key); err != nil {
		return meta.Object{}, err
	}
	o, err := g.lookup(ctx, b.Name, t.Key, t.VersionID)
	var dm *DeleteMarkerError
	if errors.As(err, &dm) {
		return o, &DeleteMarkerError{VersionID: dm.VersionID, LastModified: dm.LastModified, Err: ErrMethodNotAllowed}
	}
	return o, err
}

// PutObjectTagging replaces the tags of a version (tags nil or empty:
// removes them) and returns the version.
func (g *Gateway) PutObjectTagging(ctx context.Context, b Bucket, t VersionTarget, tags map[string]string) (Object, error) {
	cur, err := g.taggingTarget(ctx, b, t)
	if err != nil {
		return Object{}, err
	}
	if len(tags) == 0 {
		tags = nil
	}
	o, err := g.meta.UpdateObjectVersion(ctx, b.Name, t.Key, cur.S3VersionID(), func(o *meta.Object) error {
		if o.DeleteMarker {
			return ErrMethodNotAllowed
		}
		o.Tags = tags
		return nil
	})
	if errors.Is(err, ErrMethodNotAllowed) {
		return Object{}, err
	}
	return objectInfo(o), g.mapVersionErr(err)
}

// GetObjectTagging returns a version, with its Tags.
func (g *Gateway) GetObjectTagging(ctx context.Context, b Bucket, t VersionTarget) (Object, error) {
	o, err := g.taggingTarget(ctx, b, t)
	if err != nil {
		return Object{}, err
	}
	return objectInfo(o), nil
}

// DeleteObjectTagging removes a version's tags.
func (g *Gateway) DeleteObjectTagging(ctx context.Context, b Bucket, t VersionTarget) (Object, error) {
	return g.PutObjectTagging(ctx, b, t, nil)
}

// bucketTagsName is the bucket configs document of the bucket's tag set
// (a JSON object of key to value).
const bucketTagsName = "tagging"

// PutBucketTagging replaces b's tag set (validated with CheckTags; empty:
// removes it).
func (g *Gateway) PutBucketTagging(ctx context.Context, b Bucket, tags map[string]string) error {
	if len(tags) == 0 {
		return g.setConfig(ctx, b.Name, bucketTagsName, nil)
	}
	doc, err := json.Marshal(tags)
	if err != nil {
		return err
	}
	return g.setConfig(ctx, b.Name, bucketTagsName, doc)
}

// BucketTagging returns b's tag set, or ErrNoSuchTagSet.
func (g *Gateway) BucketTagging(b Bucket) (map[string]string, error) {
	doc, ok := b.Configs[bucketTagsName]
	if !ok {
		return nil, ErrNoSuchTagSet
	}
	var tags map[string]string
	if err := json.Unmarshal(doc, &tags); err != nil {
		return nil, err
	}
	if len(tags) == 0 {
		return nil, ErrNoSuchTagSet
	}
	return tags, nil
}

// DeleteBucketTagging removes b's tag set (none: no error).
func (g *Gateway) DeleteBucketTagging(ctx context.Context, b Bucket) error {
	return g.setConfig(ctx, b.Name, bucketTagsName, nil)
}

// ObjectAttributes is what GetObjectAttributes tells of a version: the
// version and, for a multipart object, a page of its parts.
type ObjectAttributes struct {
	Object Object
	// Multipart: the object was made by CompleteMultipartUpload; PartsCount
	// is its number of parts and Parts those after the marker asked for.
	Multipart  bool
	PartsCount int
	Parts      []Part
	// Truncated: more parts follow the last of Parts.
	Truncated bool
}

// GetObjectAttributes returns a version's attributes and up to maxParts
// of its parts numbered above marker (maxParts <= 0: 1000).
func (g *Gateway) GetObjectAttributes(ctx context.Context, b Bucket, t VersionTarget, maxParts, marker int) (ObjectAttributes, error) {
	if err := CheckKey(t.Key); err != nil {
		return ObjectAttributes{}, err
	}
	o, err := g.lookup(ctx, b.Name, t.Key, t.VersionID)
	if err != nil {
		return ObjectAttributes{}, err
	}
	if maxParts <= 0 {
		maxParts = 1000
	}
	out := ObjectAttributes{Object: objectInfo(o)}
	for _, x := range o.Extents {
		if x.PartNumber <= 0 {
			continue
		}
		out.Multipart = true
		out.PartsCount++
		if x.PartNumber <= marker {
			continue
		}
		if len(out.Parts) == maxParts {
			out.Truncated = true
			continue
		}
		out.Parts = append(out.Parts, Part{PartNumber: x.PartNumber, LastModified: o.LastModified, Size: x.Size, ETag: x.ETag, Checksums: x.Checksums})
	}
	return out, nil
}

// nonEmpty is tags, or nil when it has none (a version without tags
// stores none).
func nonEmpty(tags map[string]string) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	return tags
}
