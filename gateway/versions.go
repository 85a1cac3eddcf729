package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/dolium/dolium/internal/failpoint"
	"github.com/dolium/dolium/meta"
)

// Error kinds of versioning and object lock.
var (
	// ErrNoSuchVersion: the version id names no version of the key.
	ErrNoSuchVersion = errors.New("no such version")
	// ErrMethodNotAllowed: a GET or HEAD named a delete marker by its id.
	ErrMethodNotAllowed = errors.New("method not allowed on a delete marker")
	// ErrCopyFromDeleteMarker: a copy's source names a delete marker.
	ErrCopyFromDeleteMarker = errors.New("copy source is a delete marker")
	// ErrObjectLocked: the version is under retention or legal hold.
	ErrObjectLocked = errors.New("object protected by object lock")
	// ErrInvalidBucketState: the bucket's state forbids the change (a
	// locked bucket's versioning cannot be suspended).
	ErrInvalidBucketState = errors.New("invalid bucket state")
)

// DeleteMarkerError is a read whose version is a delete marker: Err is
// ErrNoSuchKey (the latest version is a marker) or ErrMethodNotAllowed (a
// marker named by its id). S3 answers it with the marker's headers.
type DeleteMarkerError struct {
	VersionID    string // the marker's S3 version id
	LastModified time.Time
	Err          error
}

func (e *DeleteMarkerError) Error() string { return e.Err.Error() + " (delete marker)" }
func (e *DeleteMarkerError) Unwrap() error { return e.Err }

// Versioning states of a bucket.
const (
	VersioningEnabled   = "Enabled"
	VersioningSuspended = "Suspended"
)

// versioned tells whether new versions in b get their own version ids
// (otherwise each write replaces the key's null version).
func versioned(b Bucket) bool { return b.Versioning == VersioningEnabled }

// checkVersionID accepts "null" and the ids this gateway makes (32 hex
// digits, meta.NextVersionID); anything else names no version.
func checkVersionID(v string) error {
	if v == meta.NullVersion {
		return nil
	}
	if len(v) != 32 {
		return ErrInvalidVersionID
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return ErrInvalidVersionID
		}
	}
	return nil
}

// protected tells whether version o may not be removed or replaced now:
// a legal hold, or a retention date in the future (COMPLIANCE always;
// GOVERNANCE unless bypass, which the caller grants only to a principal
// allowed s3:BypassGovernanceRetention that asked for it).
func (g *Gateway) protected(o meta.Object, bypass bool) error {
	if o.LegalHold {
		return ErrObjectLocked
	}
	if o.Retention.Mode != "" && o.Retention.Until.After(g.now()) {
		if o.Retention.Mode == "GOVERNANCE" && bypass {
			return nil
		}
		return ErrObjectLocked
	}
	return nil
}

// lookup reads the version a GET names: the latest ("" version id) or one
// by S3 version id. A delete marker is a *DeleteMarkerError.
func (g *Gateway) lookup(ctx context.Context, bucket, key, versionID string) (meta.Object, error) {
	var (
		o   meta.Object
		err error
	)
	if versionID == "" {
		o, err = g.meta.GetObject(ctx, bucket, key)
	} else {
		if err := checkVersionID(versionID); err != nil {
			return o, err
		}
		o, err = g.meta.GetObjectVersion(ctx, bucket, key, versionID)
	}
	switch {
	case errors.Is(err, meta.ErrNotFound) && versionID != "":
		return o, ErrNoSuchVersion
	case errors.Is(err, meta.ErrNotFound):
		return o, ErrNoSuchKey
	case err != nil:
		return o, mapMeta(err)
	case o.DeleteMarker && versionID == "":
		return o, &DeleteMarkerError{VersionID: o.S3VersionID(), LastModified: o.LastModified, Err: ErrNoSuchKey}
	case o.DeleteMarker:
		return o, &DeleteMarkerError{VersionID: o.S3VersionID(), LastModified: o.LastModified, Err: ErrMethodNotAllowed}
	}
	return o, nil
}

// DeleteInput is a DeleteObject request.
type DeleteInput struct {
	Key       string
	VersionID string // S3 version id to remove for good ("" = the latest)
	Owner     string // the requester: a delete marker's owner
	// Bypass: x-amz-bypass-governance-retention was asked for and the
	// requester is allowed s3:BypassGovernanceRetention.
	Bypass bool
}

// DeleteOutput tells what a delete did, for x-amz-version-id and
// x-amz-delete-marker.
type DeleteOutput struct {
	VersionID    string // the S3 version id removed or the marker made ("" = none)
	DeleteMarker bool   // a marker was made, or the version removed was one
}

// DeleteObject deletes as S3 does. Without a version id: on an unversioned
// bucket the key's (null) object is removed; on a versioned one a delete
// marker becomes the latest version; on a suspended one a null delete
// marker replaces the null version. With a version id, that version is
// removed for good unless object lock protects it. Deleting what does
// not exist succeeds.
func (g *Gateway) DeleteObject(ctx context.Context, b Bucket, in DeleteInput) (DeleteOutput, error) {
	if err := CheckKey(in.Key); err != nil {
		return DeleteOutput{}, err
	}
	if in.VersionID != "" {
		if err := checkVersionID(in.VersionID); err != nil {
			return DeleteOutput{}, err
		}
		out, _, err := g.deleteVersion(ctx, b.Name, in.Key, in.VersionID, "", in.Bypass)
		return out, err
	}
	if b.Versioning == "" {
		_, _, err := g.deleteVersion(ctx, b.Name, in.Key, meta.NullVersion, "", in.Bypass)
		return DeleteOutput{}, err // S3 names no version in an unversioned bucket
	}
	m := meta.Object{
		Bucket: b.Name, Key: in.Key, DeleteMarker: true, Versioned: versioned(b),
		LastModified: g.now(), Owner: in.Owner,
	}
	failpoint.Hit("delete.before-write")
	if err := g.writeLatest(ctx, &m, WriteCond{}, nil, in.Bypass); err != nil {
		return DeleteOutput{}, err
	}
	failpoint.Hit("delete.after-write")
	return DeleteOutput{VersionID: m.S3VersionID(), DeleteMarker: true}, nil
}

// deleteVersion removes the version S3 calls versionID (if want is set,
// only while its meta version id is want): its data is queued first, and
// it is removed only if it is still the version queued and not protected.
// done tells whether it removed a version.
func (g *Gateway) deleteVersion(ctx context.Context, bucket, key, versionID, want string, bypass bool) (out DeleteOutput, done bool, err error) {
	out = DeleteOutput{VersionID: versionID}
	for try := 0; ; try++ {
		v, err := g.meta.GetObjectVersion(ctx, bucket, key, versionID)
		if errors.Is(err, meta.ErrNotFound) {
			return out, false, nil
		}
		if err != nil {
			return out, false, mapMeta(err)
		}
		if want != "" && v.VersionID != want {
			return out, false, nil
		}
		out.DeleteMarker = v.DeleteMarker
		if err := g.protected(v, bypass); err != nil {
			return out, false, err
		}
		if err := g.queueReplaced(ctx, bucket, key, "", v.Extents); err != nil {
			return out, false, err
		}
		failpoint.Hit("commit.after-queue")
		failpoint.Hit("delete.before-write")
		_, err = g.meta.DeleteObjectVersion(ctx, bucket, key, versionID, func(x meta.Object) error {
			if x.VersionID != v.VersionID {
				return errMoved
			}
			return g.protected(x, bypass)
		})
		switch {
		case err == nil:
			failpoint.Hit("delete.after-write")
			return out, true, nil
		case errors.Is(err, meta.ErrNotFound):
			failpoint.Hit("delete.after-write")
			return out, false, nil
		case !errors.Is(err, errMoved):
			return out, false, mapMeta(err)
		}
		if try+1 >= commitTries {
			return out, false, ErrSlowDown
		}
		if err := sleepCtx(ctx, time.Duration(try+1)*time.Millisecond); err != nil {
			return out, false, err
		}
	}
}

// SetVersioning sets b's versioning state to Enabled or Suspended. A
// bucket with object lock stays Enabled.
func (g *Gateway) SetVersioning(ctx context.Context, b Bucket, status string) error {
	if status != VersioningEnabled && status != VersioningSuspended {
		return ErrInvalidArgument
	}
	_, err := g.meta.UpdateBucket(ctx, b.Name, func(mb *meta.Bucket) error {
		if mb.ObjectLock && status != VersioningEnabled {
			return ErrInvalidBucketState
		}
		mb.Versioning = status
		return nil
	})
	if errors.Is(err, meta.ErrNotFound) {
		return ErrNoSuchBucket
	}
	return mapMeta(err)
}
