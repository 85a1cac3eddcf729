package gateway

import (
	"errors"
	"fmt"
)

// Error kinds returned by the gateway. They name S3 conditions but carry no
// HTTP detail; s3api maps each to its S3 code and status.
var (
	ErrNoSuchBucket            = errors.New("no such bucket")
	ErrNoSuchKey               = errors.New("no such key")
	ErrNoSuchUpload            = errors.New("no such upload")
	ErrBucketAlreadyExists     = errors.New("bucket already exists")
	ErrBucketAlreadyOwnedByYou = errors.New("bucket already owned by you")
	ErrBucketNotEmpty          = errors.New("bucket not empty")
	ErrInvalidBucketName       = errors.New("invalid bucket name")
	ErrKeyTooLong              = errors.New("key too long")
	ErrPreconditionFailed      = errors.New("precondition failed")
	ErrNotModified             = errors.New("not modified")
	ErrInvalidRange            = errors.New("invalid range")
	ErrBadDigest               = errors.New("content-md5 mismatch")
	ErrInvalidDigest           = errors.New("content-md5 malformed")
	ErrChecksumMismatch        = errors.New("checksum mismatch")
	ErrInvalidChecksum         = errors.New("checksum value malformed")
	ErrEntityTooSmall          = errors.New("part too small")
	ErrEntityTooLarge          = errors.New("entity too large")
	ErrIncompleteBody          = errors.New("incomplete body")
	ErrInvalidPart             = errors.New("invalid part")
	ErrInvalidPartOrder        = errors.New("invalid part order")
	ErrInvalidPartNumber       = errors.New("invalid part number")
	ErrInvalidCopySource       = errors.New("invalid copy request")
	ErrInvalidArgument         = errors.New("invalid argument")
	ErrRequestTimeout          = errors.New("upload took too long")
	ErrUnavailable             = errors.New("service unavailable")
	// ErrSlowDown: concurrent writers kept changing a key (or a limit was
	// reached); the client should retry later.
	ErrSlowDown = errors.New("slow down")
	// ErrInvalidVersionID: a version id that names no version this
	// gateway could have written (buckets are unversioned: only "null").
	ErrInvalidVersionID = errors.New("invalid version id")
	// ErrDataLost: an object's data cannot be read from any zone, and
	// enough zones answered to know it is gone (not merely away).
	ErrDataLost = errors.New("object data lost")
)

// ErrMalformedParts: a CompleteMultipartUpload body with no parts.
var ErrMalformedParts = errors.New("complete request lists no parts")

// ErrNoSuchPlacement: a bucket was asked for a placement policy that is not
// configured.
var ErrNoSuchPlacement = errors.New("no such placement policy")

// SourceError is an error about the source of a copy (CopyObject,
// UploadPartCopy): the S3 error then names the source bucket and key.
type SourceError struct {
	Bucket, Key string
	Err         error
}

func (e *SourceError) Error() string {
	return "copy source " + e.Bucket + "/" + e.Key + ": " + e.Err.Error()
}
func (e *SourceError) Unwrap() error { return e.Err }

// CopyRangeError: an x-amz-copy-source-range that does not lie within the
// source object.
type CopyRangeError struct{ Size int64 }

func (e *CopyRangeError) Error() string {
	return fmt.Sprintf("copy source range outside the source object of size %d", e.Size)
}
