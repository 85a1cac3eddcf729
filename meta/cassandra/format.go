package cassandra

import (
	"fmt"
	"time"

	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/internal/record"
)

// Values are encoded by meta/internal/record: a format-version byte, then
// gob of the private record types below (gob keeps invalid UTF-8 intact).

// The record types are the storage format, separate from the meta types so
// that a change to the Go API does not silently change the stored bytes.
// Bucket, key and ids are columns, not repeated here.

type objectRec struct {
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

type uploadRec struct {
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

type partRec struct {
	LastModified time.Time
	Extent       record.Extent
}

// encode and decode are the shared versioned encoding (meta/internal/record).
func encode(v any) ([]byte, error) {
	b, err := record.Encode(v)
	if err != nil {
		return nil, fmt.Errorf("meta/cassandra: %w", err)
	}
	return b, nil
}

func decode(b []byte, v any) error {
	if err := record.Decode(b, v); err != nil {
		return fmt.Errorf("meta/cassandra: %w", err)
	}
	return nil
}

func encodeObject(o meta.Object) ([]byte, error) {
	r := objectRec{
		Size: o.Size, ETag: o.ETag, LastModified: o.LastModified.UTC(), Owner: o.Owner,
		Headers: o.Headers, UserMeta: o.UserMeta, Checksums: o.Checksums, ChecksumType: o.ChecksumType,
		Versioned: o.Versioned, DeleteMarker: o.DeleteMarker, RetentionMode: o.Retention.Mode,
		RetainUntil: o.Retention.Until.UTC(), LegalHold: o.LegalHold, LegalHoldSet: o.LegalHoldSet, Tags: o.Tags, ACL: o.ACL,
	}
	for _, e := range o.Extents {
		r.Extents = append(r.Extents, record.FromExtent(e))
	}
	return encode(r)
}

// objectRow is one row of the objects table.
type objectRow struct {
	versionID string
	data      []byte
	nullVID   string // head rows: the key's null version id ("" none)
}

func (r objectRow) object(bucket, key string) (meta.Object, error) {
	var rec objectRec
	if err := decode(r.data, &rec); err != nil {
		return meta.Object{}, err
	}
	o := meta.Object{
		Bucket: bucket, Key: key, VersionID: r.versionID,
		Size: rec.Size, ETag: rec.ETag, LastModified: rec.LastModified, Owner: rec.Owner,
		Headers: rec.Headers, UserMeta: rec.UserMeta, Checksums: rec.Checksums, ChecksumType: rec.ChecksumType,
		Versioned: rec.Versioned, DeleteMarker: rec.DeleteMarker,
		Retention: meta.Retention{Mode: rec.RetentionMode, Until: rec.RetainUntil.UTC()},
		LegalHold: rec.LegalHold, LegalHoldSet: rec.LegalHoldSet, Tags: rec.Tags, ACL: rec.ACL,
	}
	for _, e := range rec.Extents {
		o.Extents = append(o.Extents, e.Meta())
	}
	return o, nil
}

func encodeUpload(u meta.Upload) ([]byte, error) {
	return encode(uploadRec{
		Initiated: u.Initiated.UTC(), Owner: u.Owner, Headers: u.Headers, UserMeta: u.UserMeta,
		ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType,
		RetentionMode: u.Retention.Mode, RetainUntil: u.Retention.Until.UTC(), LegalHold: u.LegalHold, LegalHoldSet: u.LegalHoldSet,
		Tags: u.Tags,
		ACL: u.ACL,
	})
}

func decodeUpload(data []byte, bucket, key, id string) (meta.Upload, error) {
	var r uploadRec
	if err := decode(data, &r); err != nil {
		return meta.Upload{}, err
	}
	return meta.Upload{
		Bucket: bucket, Key: key, UploadID: id, Initiated: r.Initiated, Owner: r.Owner,
		Headers: r.Headers, UserMeta: r.UserMeta, ChecksumAlgorithm: r.ChecksumAlgorithm, ChecksumType: r.ChecksumType,
		Retention: meta.Retention{Mode: r.RetentionMode, Until: r.RetainUntil.UTC()}, LegalHold: r.LegalHold, LegalHoldSet: r.LegalHoldSet,
		Tags: r.Tags,
		ACL: r.ACL,
	}, nil
}

func encodePart(p meta.Part) ([]byte, error) {
	return encode(partRec{LastModified: p.LastModified.UTC(), Extent: record.FromExtent(p.Extent)})
}

func decodePart(data []byte, uploadID string, n int) (meta.Part, error) {
	var r partRec
	if err := decode(data, &r); err != nil {
		return meta.Part{}, err
	}
	return meta.Part{UploadID: uploadID, PartNumber: n, LastModified: r.LastModified, Extent: r.Extent.Meta()}, nil
}
