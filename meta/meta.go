package meta

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Error kinds. Backends wrap these; callers use errors.Is.
var (
	// ErrNotFound: the bucket, object, upload or part does not exist.
	ErrNotFound = errors.New("meta: not found")
	// ErrConflict: a create found the row already there (bucket name taken,
	// upload id reused), or a delete found a bucket that is not empty.
	ErrConflict = errors.New("meta: conflict")
	// ErrPreconditionFailed: a conditional write's condition did not hold.
	ErrPreconditionFailed = errors.New("meta: precondition failed")
	// ErrUnavailable: the backend cannot be reached now; the request may be
	// retried. The S3 layer maps it to ServiceUnavailable (503).
	ErrUnavailable = errors.New("meta: unavailable")
)

// Bucket is one bucket's row.
type Bucket struct {
	Name    string
	Owner   string // the tenant that created it
	Created time.Time
	Region  string
	// Versioning is "" (never enabled), "Enabled" or "Suspended". Once a
	// bucket was Enabled it is never "" again.
	Versioning string
	// ObjectLock: object lock was enabled at creation (it cannot be turned
	// off; Versioning is then "Enabled" for good).
	ObjectLock bool
	// Configs holds the bucket's subresource documents by name, as the
	// gateway validated and stored them: "lifecycle", "object-lock" (the
	// default retention), "tagging" (the bucket's tags), "policy",
	// "cors", "acl", "ownership", "publicAccessBlock", later
	// "encryption"... Absent
	// names are not configured.
	Configs map[string][]byte
	// Placement names the placement policy of the bucket's data ("" = default).
	Placement string
	// Shards is the number of listing shards of the bucket's object index
	// (fixed at creation). Backends that do not shard may ignore it.
	Shards int
}

// Extent is one contiguous run of an object's bytes kept as one blob data
// set (a single PUT has one extent; a multipart object one per part).
type Extent struct {
	DataID    string // blobstore data id holding the bytes
	Size      int64
	ChunkSize int64 // chunk size the data was cut with
	// PartNumber and ETag are those of the multipart part ("" for single PUT).
	PartNumber int
	ETag       string
	// Checksums of the part as the client sent them: algorithm
	// ("CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256") -> base64 value.
	Checksums map[string]string
}

// NullVersion is the S3 version id of a key's null version: the version
// written while the bucket was unversioned or suspended. A key has at most
// one.
const NullVersion = "null"

// Retention is the object lock retention of one version.
type Retention struct {
	Mode  string    // "GOVERNANCE" or "COMPLIANCE" ("" = none)
	Until time.Time // retain until date
}

// Object is one version of one key: an object or a delete marker.
type Object struct {
	Bucket string
	Key    string
	// VersionID is the version's store identity (compared as a byte
	// string; no 0x00 byte): unique per write, and
	// time-ordered within a key (a key's later versions have greater ids;
	// NextVersionID makes one). It is also the S3 version id, except for
	// the null version (see Versioned and S3VersionID).
	VersionID string
	// Versioned: the version was written while versioning was Enabled and
	// S3 names it by VersionID. Otherwise it is the key's null version.
	Versioned bool
	// DeleteMarker: this version is a delete marker (no data).
	DeleteMarker bool
	// IsLatest is set on what ListObjectVersions and GetObjectVersion
	// return: the version is its key's latest. Not stored.
	IsLatest bool
	// Retention and LegalHold are the version's object lock state.
	Retention Retention
	LegalHold bool
	// LegalHoldSet: a legal hold was put on the version, ON or OFF
	// (GetObjectLegalHold of a version never given one answers that it
	// has none).
	LegalHoldSet bool
	// Tags are the version's object tags (nil = none).
	Tags map[string]string
	// ACL is the version's access control list as gateway/access/acl
	// encodes it (nil: none set, its owner's full control only).
	ACL []byte

	Size         int64
	ETag         string // quoted-less hex MD5, or "md5-N" for multipart
	LastModified time.Time
	Owner        string
	// Headers are the stored content headers in canonical form:
	// Content-Type, Content-Encoding, Content-Disposition, Content-Language,
	// Cache-Control, Expires.
	Headers map[string]string
	// UserMeta holds x-amz-meta-* values, keyed by the lower-case suffix.
	UserMeta map[string]string
	// Checksums of the whole object: algorithm -> base64 value. For a
	// multipart object the value is the composite "<b64>-N" form.
	Checksums map[string]string
	// ChecksumType is "FULL_OBJECT" or "COMPOSITE" ("" when none).
	ChecksumType string
	Extents      []Extent
}

// S3VersionID is the version id S3 clients see: VersionID, or "null".
func (o *Object) S3VersionID() string {
	if !o.Versioned {
		return NullVersion
	}
	return o.VersionID
}

// DataIDs lists the blob data ids the object references.
func (o *Object) DataIDs() []string {
	ids := make([]string, 0, len(o.Extents))
	for _, e := range o.Extents {
		ids = append(ids, e.DataID)
	}
	return ids
}

// Cond is the condition of a conditional object write, on the key's
// latest version (which may be a delete marker). The zero value is
// unconditional.
type Cond struct {
	// IfNoneMatch: the write succeeds only if the key has no version at all.
	IfNoneMatch bool
	// IfVersion, when set, is the VersionID the latest version must have.
	IfVersion string
}

// VersionListOptions selects a range of versions in ListObjectVersions
// order: key ascending, then newest version first.
type VersionListOptions struct {
	Prefix string // only keys with this prefix
	// KeyMarker and VersionMarker: start after this position. With
	// VersionMarker "" the listing starts at the first key greater than
	// KeyMarker; otherwise at the versions of KeyMarker older than
	// VersionMarker (a VersionID, which need not exist any more), then at
	// the following keys.
	KeyMarker, VersionMarker string
	Limit                    int // at most this many (>0)
}

// ListOptions selects a range of keys in ascending order.
type ListOptions struct {
	Prefix string // only keys with this prefix
	After  string // only keys strictly greater than this
	Limit  int    // at most this many (>0)
}

// Buckets is the bucket table. Bucket names are one global namespace.
type Buckets interface {
	// CreateBucket claims b.Name; ErrConflict if the name is taken (by anyone).
	CreateBucket(ctx context.Context, b Bucket) error
	// GetBucket returns the bucket or ErrNotFound.
	GetBucket(ctx context.Context, name string) (Bucket, error)
	// ListBuckets returns every bucket ordered by name.
	ListBuckets(ctx context.Context) ([]Bucket, error)
	// UpdateBucket applies update to the bucket's row atomically and
	// returns the row as stored: update is called with the current row
	// (perhaps more than once, if a concurrent update won) and may change
	// Versioning, ObjectLock and Configs; an error from update is returned
	// as is and nothing is written. ErrNotFound if absent.
	UpdateBucket(ctx context.Context, name string, update func(*Bucket) error) (Bucket, error)
	// DeleteBucket removes the bucket row; ErrNotFound if absent,
	// ErrConflict if the backend sees objects in it (callers also check
	// emptiness first, with Objects.ListObjects and Uploads.ListUploads).
	DeleteBucket(ctx context.Context, name string) error
}

// Objects is the object index: every version of every key, and each key's
// latest version. A key "exists" while it has a version; its latest version
// is the one with the greatest VersionID.
type Objects interface {
	// PutObject makes o the latest version of (o.Bucket, o.Key)
	// atomically, if cond holds for the key's latest version. o.VersionID
	// must be greater than the latest's (the caller read it; cond.IfVersion
	// pins it), or ErrPreconditionFailed. If o.Versioned, o is added to
	// the key's versions; otherwise o becomes the key's null version and
	// the null version it had (anywhere in its history) is removed, but
	// only if check (when not nil) accepts it, called under the write's
	// atomicity. The removed null version is returned (nil if none) so
	// that the caller can reclaim its data. A retry of a write that was
	// applied (o.VersionID is already the latest) returns (nil, nil).
	PutObject(ctx context.Context, o Object, cond Cond, check func(Object) error) (replaced *Object, err error)
	// GetObject returns the key's latest version, which may be a delete
	// marker, or ErrNotFound if the key has no version.
	GetObject(ctx context.Context, bucket, key string) (Object, error)
	// GetObjectVersion returns the version whose S3 version id is
	// versionID ("null": the null version), IsLatest set, or ErrNotFound.
	GetObjectVersion(ctx context.Context, bucket, key, versionID string) (Object, error)
	// DeleteObjectVersion removes the version whose S3 version id is
	// versionID, if check (when not nil) accepts it, called with the
	// version under the delete's atomicity: an update or delete of that
	// version cannot come between check and the removal. If it was the
	// latest, the next newest version (object or marker) becomes the
	// latest. Returns the removed version; ErrNotFound if there is none.
	DeleteObjectVersion(ctx context.Context, bucket, key, versionID string, check func(Object) error) (Object, error)
	// UpdateObjectVersion applies update to the version whose S3 version
	// id is versionID, atomically (update may be called more than once if
	// a concurrent change won), and returns it as stored. update may
	// change only Retention, LegalHold, Tags and ACL; an error from update is
	// returned as is and nothing is written. ErrNotFound if absent.
	UpdateObjectVersion(ctx context.Context, bucket, key, versionID string, update func(*Object) error) (Object, error)
	// ListObjects returns the latest versions of bucket's keys that are
	// not delete markers, in ascending key order.
	ListObjects(ctx context.Context, bucket string, opts ListOptions) ([]Object, error)
	// ListObjectVersions returns versions of bucket, delete markers
	// included, key ascending then newest first, IsLatest set.
	ListObjectVersions(ctx context.Context, bucket string, opts VersionListOptions) ([]Object, error)
}

// Upload is one multipart upload in progress.
type Upload struct {
	Bucket    string
	Key       string
	UploadID  string
	Initiated time.Time
	Owner     string
	Headers   map[string]string
	UserMeta  map[string]string
	// ChecksumAlgorithm requested at creation ("" = none), and its type.
	ChecksumAlgorithm string
	ChecksumType      string
	// Retention and LegalHold asked for at creation (object lock), for
	// the completed object.
	Retention    Retention
	LegalHold    bool
	LegalHoldSet bool
	// Tags asked for at creation (x-amz-tagging), for the completed
	// object (nil = none).
	Tags map[string]string
	// ACL asked for at creation (x-amz-acl, x-amz-grant-*), for the
	// completed object (nil: none).
	ACL []byte
}

// Part is one uploaded part of a multipart upload.
type Part struct {
	UploadID     string
	PartNumber   int
	LastModified time.Time
	Extent       Extent // Extent.PartNumber == PartNumber; ETag is the part's MD5 hex
}

// UploadListOptions selects uploads of a bucket in (key, upload id) order.
type UploadListOptions struct {
	Prefix         string
	KeyMarker      string // only uploads with key > KeyMarker, or key == KeyMarker and
	UploadIDMarker string // upload id > UploadIDMarker
	Limit          int
}

// Uploads is the multipart table.
type Uploads interface {
	// CreateUpload records u; ErrConflict if its id exists.
	CreateUpload(ctx context.Context, u Upload) error
	// GetUpload returns the upload or ErrNotFound.
	GetUpload(ctx context.Context, bucket, key, uploadID string) (Upload, error)
	// ListUploads returns the bucket's uploads ordered by key then upload id.
	ListUploads(ctx context.Context, bucket string, opts UploadListOptions) ([]Upload, error)
	// DeleteUpload removes the upload and all its part rows (not their data);
	// ErrNotFound if absent.
	DeleteUpload(ctx context.Context, bucket, key, uploadID string) error
	// PutPart records p, replacing and returning any part with the same
	// number (nil if none). ErrNotFound if the upload does not exist.
	// Upload ids are unique across all buckets and keys.
	PutPart(ctx context.Context, p Part) (replaced *Part, err error)
	// ListParts returns parts with number > after, ascending, at most limit
	// (limit <= 0: no limit).
	ListParts(ctx context.Context, uploadID string, after, limit int) ([]Part, error)
}

// AllParts lists every part of an upload, ascending, in pages of 1000.
func AllParts(ctx context.Context, u Uploads, uploadID string) ([]Part, error) {
	var all []Part
	after := 0
	for {
		ps, err := u.ListParts(ctx, uploadID, after, 1000)
		if err != nil {
			return nil, err
		}
		all = append(all, ps...)
		if len(ps) < 1000 {
			return all, nil
		}
		after = ps[len(ps)-1].PartNumber
	}
}

// GCEntry names blob data that may be garbage: written by an upload that may
// never commit, or replaced or deleted. When it is due, the collector deletes
// the data unless the object (Bucket, Key) or the part (UploadID, PartNumber)
// still references DataID.
//
// Times are kept at millisecond precision (Cassandra's): callers create
// entries with Due truncated to the millisecond, so that Remove of an entry
// they created matches what DueEntries returns.
type GCEntry struct {
	Due        time.Time
	DataID     string
	Bucket     string
	Key        string
	UploadID   string // set for multipart part data
	PartNumber int
	Size       int64
	ChunkSize  int64
}

// Queue is the durable garbage-collection queue.
type Queue interface {
	// Enqueue adds e (idempotent for the same Due and DataID).
	Enqueue(ctx context.Context, e GCEntry) error
	// DueEntries returns up to limit entries with Due <= now, oldest first
	// (ties in DataID order).
	DueEntries(ctx context.Context, now time.Time, limit int) ([]GCEntry, error)
	// Remove deletes e (no error if absent).
	Remove(ctx context.Context, e GCEntry) error
	// Len counts entries (for metrics).
	Len(ctx context.Context) (int64, error)
}

// Completion records how a multipart upload ended, kept for a while after
// the upload itself is gone so that a retried CompleteMultipartUpload or
// AbortMultipartUpload (an SDK whose connection dropped after the first
// one succeeded) gets the answer the first one got.
type Completion struct {
	UploadID string
	Bucket   string
	Key      string
	// Aborted: the upload was aborted; otherwise it was completed into
	// the object below.
	Aborted bool
	// Parts is a digest of the part list the completion named (numbers and
	// ETags), so that only the same request is answered from the record.
	Parts        string
	VersionID    string
	ETag         string
	Size         int64
	Checksums    map[string]string
	ChecksumType string
	Done         time.Time
}

// Completions keeps completion records for a limited time.
type Completions interface {
	// PutCompletion records c (replacing any record of c.UploadID), to be
	// kept for ttl from now (by the store's clock) and then dropped.
	PutCompletion(ctx context.Context, c Completion, ttl time.Duration) error
	// GetCompletion returns the record of uploadID, or ErrNotFound if there
	// is none or it has expired.
	GetCompletion(ctx context.Context, uploadID string) (Completion, error)
}

// Store is a whole metadata backend.
type Store interface {
	Buckets
	Objects
	Uploads
	Completions
	Queue
	RepairQueue
	Rebuilds
	Leases
	Identities
	// Ping tells whether the backend answers now (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// RepairEntry names one copy or shard of a chunk that a zone of a placement
// lacks or holds corrupt (Delete false), or a delete that a zone missed
// because it was unreachable (Delete true: remove chunks 0..Index-1 of
// DataID there, Index being the chunk count, -1 if unknown).
//
// Entries are identified by (Due, DataID, Index, Zone, Delete); Due is kept
// at millisecond precision like GCEntry.Due.
type RepairEntry struct {
	Due       time.Time
	Placement string // the placement policy's name
	DataID    string
	Index     int
	Zone      int // the zone's position in the placement's zone list
	Delete    bool
	Attempts  int // failed attempts so far (for backoff)
}

// RepairQueue is the durable queue of repairs across zones. Several
// gateways drain it at once; a repair is idempotent.
type RepairQueue interface {
	// EnqueueRepair adds e (idempotent for the same identity).
	EnqueueRepair(ctx context.Context, e RepairEntry) error
	// DueRepairs returns up to limit entries with Due <= now, oldest first.
	DueRepairs(ctx context.Context, now time.Time, limit int) ([]RepairEntry, error)
	// RemoveRepair deletes e (no error if absent).
	RemoveRepair(ctx context.Context, e RepairEntry) error
	// RepairLen counts entries (for metrics and the redundancy report).
	RepairLen(ctx context.Context) (int64, error)
}

// Rebuild is the durable state of one zone's rebuild: after a zone was
// found replaced (empty), a gateway walks every chunk placed on it and
// re-creates what it lacks. Gateways share the row: the one holding the
// lease (Owner until LeaseUntil) works, and saves its progress with
// PutRebuild, so a restart or another gateway resumes at Cursor.
type Rebuild struct {
	Zone string // the zone's name
	// Version is the row's compare-and-set token: 0 for a row never
	// written; PutRebuild stores Version+1.
	Version  int64
	Started  time.Time
	Finished time.Time // zero while the rebuild runs
	Updated  time.Time // of the last saved progress
	// Cursor is where the walk resumes; its format is the caller's.
	Cursor string
	// Chunks walked so far, chunks to walk in all (counted at the start),
	// bytes of chunk data written to the zone, and chunks that could not
	// be rebuilt (too few good copies or shards anywhere).
	Done, Total, Bytes, Failed int64
	// Owner holds the lease until LeaseUntil.
	Owner      string
	LeaseUntil time.Time
}

// Rebuilds is the table of zone rebuilds, one row per zone name.
type Rebuilds interface {
	// PutRebuild writes r if the stored row's version is r.Version (0: no
	// row yet), and returns r as stored, with Version r.Version+1.
	// ErrPreconditionFailed if the version does not match.
	PutRebuild(ctx context.Context, r Rebuild) (Rebuild, error)
	// GetRebuild returns the zone's row or ErrNotFound.
	GetRebuild(ctx context.Context, zone string) (Rebuild, error)
	// ListRebuilds returns every row ordered by zone name.
	ListRebuilds(ctx context.Context) ([]Rebuild, error)
}

// Lease is a named claim, held by one owner until a time, that gateways
// share for work one of them at a time should do (the lifecycle worker's
// pass over a bucket). State is the holder's note of its progress, kept
// across holders.
type Lease struct {
	Name  string
	Owner string    // "" when released
	Until time.Time // the claim ends then (millisecond precision)
	State string
}

// Leases is the table of leases, one row per name.
type Leases interface {
	// AcquireLease claims name for owner until now+ttl if nobody holds it,
	// its claim ended before now, or owner holds it already (a renewal).
	// It returns the lease as stored and whether owner holds it now; a
	// lease held by another owner is returned with false.
	AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (Lease, bool, error)
	// ReleaseLease ends owner's claim on name and stores state, if owner
	// holds it; ErrPreconditionFailed if not (the claim ended and someone
	// else took it).
	ReleaseLease(ctx context.Context, name, owner, state string) error
}

// NextVersionID returns a new version id: 16 hex digits of the time in
// nanoseconds, then 16 random hex digits, so ids sort by time and are
// URL-safe. The id is greater than after (a key's latest VersionID, "" if
// none) even if the clock is behind it: its time is then after's plus one
// nanosecond.
func NextVersionID(now time.Time, after string) string {
	n := uint64(now.UnixNano())
	if len(after) >= 16 {
		if t, err := strconv.ParseUint(after[:16], 16, 64); err == nil && t >= n {
			n = t + 1
		}
	}
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return fmt.Sprintf("%016x%s", n, hex.EncodeToString(b[:]))
}
