package gateway

import (
	"time"

	"github.com/dolium/dolium/meta"
)

// Bucket is a bucket as ResolveBucket found it. Every operation on a
// bucket's contents takes one: the caller resolves the bucket and decides
// access (package access) before the core acts, and the core checks no
// ownership itself.
type Bucket struct {
	Name    string
	Owner   string // the tenant that created it
	Created time.Time
	Region  string
	// Versioning is "" (never enabled), "Enabled" or "Suspended".
	Versioning string
	// ObjectLock: object lock is enabled on the bucket.
	ObjectLock bool
	// Configs are the bucket's stored subresource documents by name.
	Configs map[string][]byte
	// Placement names the placement policy of the bucket's data ("" = the
	// primary store).
	Placement string
}

// Object is what the core tells of a stored object.
type Object struct {
	Bucket string
	Key    string
	// VersionID is the S3 version id ("null" for the null version).
	VersionID string
	// IsLatest and DeleteMarker are set by ListObjectVersions.
	IsLatest     bool
	DeleteMarker bool
	// SourceVersionID is set by CopyObject: the version copied.
	SourceVersionID string
	// Retention and LegalHold are the version's object lock state.
	Retention    meta.Retention
	LegalHold    bool
	LegalHoldSet bool // a legal hold was put, ON or OFF
	// Tags are the version's object tags (nil: none).
	Tags         map[string]string
	Size         int64
	ETag         string // unquoted hex MD5, or "<md5>-N" for multipart
	LastModified time.Time
	Owner        string
	// Headers are the stored content headers in canonical form
	// (Content-Type, Content-Encoding, ...).
	Headers map[string]string
	// UserMeta holds x-amz-meta-* values, keyed by the lower-case suffix.
	UserMeta map[string]string
	// Checksums of the whole object: algorithm -> base64 value.
	Checksums map[string]string
	// ChecksumType is "FULL_OBJECT" or "COMPOSITE" ("" when none).
	ChecksumType string
}

// Upload is a multipart upload in progress.
type Upload struct {
	Bucket            string
	Key               string
	UploadID          string
	Initiated         time.Time
	Owner             string
	ChecksumAlgorithm string // "" = none
	ChecksumType      string
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	PartNumber   int
	LastModified time.Time
	Size         int64
	ETag         string // unquoted hex MD5
	// Checksums of the part: algorithm -> base64 value.
	Checksums map[string]string
}

// Source is the object a copy reads (CopyObject, UploadPartCopy), as the
// caller resolved it: the caller resolves the source bucket and decides
// access to it with the destination's. Err, when set, is why the source
// may not be read (ErrNoSuchBucket, access denied; Bucket then holds only
// its Name); the copy answers it, as a *SourceError, where S3 checks the
// source: after the destination's own checks.
type Source struct {
	Bucket Bucket
	Key    string
	// VersionID is the source version's S3 id ("" = the latest).
	VersionID string
	Err       error
}

func bucketInfo(b meta.Bucket) Bucket {
	return Bucket{Name: b.Name, Owner: b.Owner, Created: b.Created, Region: b.Region, Versioning: b.Versioning,
		ObjectLock: b.ObjectLock, Configs: b.Configs, Placement: b.Placement}
}

func objectInfo(o meta.Object) Object {
	return Object{
		Bucket: o.Bucket, Key: o.Key, VersionID: o.S3VersionID(), IsLatest: o.IsLatest, DeleteMarker: o.DeleteMarker,
		Retention: o.Retention, LegalHold: o.LegalHold, LegalHoldSet: o.LegalHoldSet, Tags: o.Tags,
		Size: o.Size, ETag: o.ETag, LastModified: o.LastModified,
		Owner: o.Owner, Headers: o.Headers, UserMeta: o.UserMeta, Checksums: o.Checksums, ChecksumType: o.ChecksumType,
	}
}

func uploadInfo(u meta.Upload) Upload {
	return Upload{Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID, Initiated: u.Initiated, Owner: u.Owner,
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType}
}

func partInfo(p meta.Part) Part {
	return Part{PartNumber: p.PartNumber, LastModified: p.LastModified, Size: p.Extent.Size, ETag: p.Extent.ETag, Checksums: p.Extent.Checksums}
}
