package pebble

import (
	"fmt"
	"time"

	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/internal/record"
)

// Values are encoded by meta/internal/record: a format-version byte, then
// gob of the private record types below (gob keeps invalid UTF-8 intact).

// The record types are the storage format. They are separate from the meta
// types so that a change to the Go API does not silently change the bytes
// on disk.

type bucketRec struct {
	Name       string
	Owner      string
	Created    time.Time
	Region     string
	Versioning string
	Placement  string
	Shards     int
	ObjectLock bool
	Configs    map[string][]byte
}

type objectRec struct {
	Bucket       string
	Key          string
	VersionID    string
	Size         int64
	ETag         string
	LastModified time.Time
	Owner        string
	Headers      map[string]string
	UserMeta     map[string]string
	Checksums    map[string]string
	ChecksumType string
	Extents      []record.Extent
	// Added with versioning; records written before decode as the null
	// version, not a marker, unlocked and untagged.
	Versioned     bool
	DeleteMarker  bool
	RetentionMode string
	RetainUntil   time.Time
	LegalHold     bool
	LegalHoldSet  bool
	Tags          map[string]string
	// Added with ACLs; older records have none.
	ACL []byte
}

type leaseRec struct {
	Name  string
	Owner string
	Until time.Time
	State string
}

type uploadRec struct {
	Bucket            string
	Key               string
	UploadID          string
	Initiated         time.Time
	Owner             string
	Headers           map[string]string
	UserMeta          map[string]string
	ChecksumAlgorithm string
	ChecksumType      string
	RetentionMode     string
	RetainUntil       time.Time
	LegalHold         bool
	LegalHoldSet      bool
	// Tags: added with object tagging; records written before decode
	// without it (gob matches fields by name).
	Tags map[string]string
	ACL               []byte // added with ACLs
}

// uploadIDRec locates an upload from its id alone.
type uploadIDRec struct {
	Bucket string
	Key    string
}

type partRec struct {
	UploadID     string
	PartNumber   int
	LastModified time.Time
	Extent       record.Extent
}

type gcRec struct {
	Due        time.Time
	DataID     string
	Bucket     string
	Key        string
	UploadID   string
	PartNumber int
	Size       int64
	ChunkSize  int64
}

type repairRec struct {
	Due       time.Time
	Placement string
	DataID    string
	Index     int
	Zone      int
	Delete    bool
	Attempts  int
}

// encode and decode are the shared versioned encoding (meta/internal/record).
func encode(v any) ([]byte, error) {
	b, err := record.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("meta/pebble: %w", err)
	}
	return b, nil
}

func decode(b []byte, v any) error {
	if err := record.Decode(b, v); err != nil {
		return fmt.Errorf("meta/pebble: %w", err)
	}
	return nil
}

func utc(t time.Time) time.Time { return t.UTC() }

func toBucketRec(b meta.Bucket) bucketRec {
	return bucketRec{
		Name: b.Name, Owner: b.Owner, Created: utc(b.Created), Region: b.Region,
		Versioning: b.Versioning, Placement: b.Placement, Shards: b.Shards,
		ObjectLock: b.ObjectLock, Configs: b.Configs,
	}
}

func (r bucketRec) bucket() meta.Bucket {
	return meta.Bucket{
		Name: r.Name, Owner: r.Owner, Created: utc(r.Created), Region: r.Region,
		Versioning: r.Versioning, Placement: r.Placement, Shards: r.Shards,
		ObjectLock: r.ObjectLock, Configs: r.Configs,
	}
}

func toObjectRec(o meta.Object) objectRec {
	r := objectRec{
		Bucket: o.Bucket, Key: o.Key, VersionID: o.VersionID, Size: o.Size,
		ETag: o.ETag, LastModified: utc(o.LastModified), Owner: o.Owner,
		Headers: o.Headers, UserMeta: o.UserMeta, Checksums: o.Checksums,
		ChecksumType: o.ChecksumType,
		Versioned:    o.Versioned, DeleteMarker: o.DeleteMarker,
		RetentionMode: o.Retention.Mode, RetainUntil: utc(o.Retention.Until),
		LegalHold: o.LegalHold, LegalHoldSet: o.LegalHoldSet, Tags: o.Tags, ACL: o.ACL,
	}
	for _, e := range o.Extents {
		r.Extents = append(r.Extents, record.FromExtent(e))
	}
	return r
}

func (r objectRec) object() meta.Object {
	o := meta.Object{
		Bucket: r.Bucket, Key: r.Key, VersionID: r.VersionID, Size: r.Size,
		ETag: r.ETag, LastModified: utc(r.LastModified), Owner: r.Owner,
		Headers: r.Headers, UserMeta: r.UserMeta, Checksums: r.Checksums,
		ChecksumType: r.ChecksumType,
		Versioned:    r.Versioned, DeleteMarker: r.DeleteMarker,
		Retention: meta.Retention{Mode: r.RetentionMode, Until: utc(r.RetainUntil)},
		LegalHold: r.LegalHold, LegalHoldSet: r.LegalHoldSet, Tags: r.Tags, ACL: r.ACL,
	}
	for _, e := range r.Extents {
		o.Extents = append(o.Extents, e.Meta())
	}
	return o
}

func toUploadRec(u meta.Upload) uploadRec {
	return uploadRec{
		Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID, Initiated: utc(u.Initiated),
		Owner: u.Owner, Headers: u.Headers, UserMeta: u.UserMeta,
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType,
		RetentionMode: u.Retention.Mode, RetainUntil: utc(u.Retention.Until), LegalHold: u.LegalHold, LegalHoldSet: u.LegalHoldSet,
		Tags: u.Tags,
		ACL: u.ACL,
	}
}

func (r uploadRec) upload() meta.Upload {
	return meta.Upload{
		Bucket: r.Bucket, Key: r.Key, UploadID: r.UploadID, Initiated: utc(r.Initiated),
		Owner: r.Owner, Headers: r.Headers, UserMeta: r.UserMeta,
		ChecksumAlgorithm: r.ChecksumAlgorithm, ChecksumType: r.ChecksumType,
		Retention: meta.Retention{Mode: r.RetentionMode, Until: utc(r.RetainUntil)}, LegalHold: r.LegalHold, LegalHoldSet: r.LegalHoldSet,
		Tags: r.Tags,
		ACL: r.ACL,
	}
}

func toPartRec(p meta.Part) partRec {
	return partRec{
		UploadID: p.UploadID, PartNumber: p.PartNumber,
		LastModified: utc(p.LastModified), Extent: record.FromExtent(p.Extent),
	}
}

func (r partRec) part() meta.Part {
	return meta.Part{
		UploadID: r.UploadID, PartNumber: r.PartNumber,
		LastModified: utc(r.LastModified), Extent: r.Extent.Meta(),
	}
}

func toGCRec(e meta.GCEntry) gcRec {
	return gcRec{
		Due: utc(e.Due), DataID: e.DataID, Bucket: e.Bucket, Key: e.Key,
		UploadID: e.UploadID, PartNumber: e.PartNumber, Size: e.Size, ChunkSize: e.ChunkSize,
	}
}

func (r gcRec) entry() meta.GCEntry {
	return meta.GCEntry{
		Due: utc(r.Due), DataID: r.DataID, Bucket: r.Bucket, Key: r.Key,
		UploadID: r.UploadID, PartNumber: r.PartNumber, Size: r.Size, ChunkSize: r.ChunkSize,
	}
}

// toRepairRec keeps Due at millisecond precision, that of the entry's key.
func toRepairRec(e meta.RepairEntry) repairRec {
	return repairRec{
		Due: utc(e.Due.Truncate(time.Millisecond)), Placement: e.Placement, DataID: e.DataID,
		Index: e.Index, Zone: e.Zone, Delete: e.Delete, Attempts: e.Attempts,
	}
}

func (r repairRec) entry() meta.RepairEntry {
	return meta.RepairEntry{
		Due: utc(r.Due), Placement: r.Placement, DataID: r.DataID,
		Index: r.Index, Zone: r.Zone, Delete: r.Delete, Attempts: r.Attempts,
	}
}
