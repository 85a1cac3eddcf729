package s3api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access/acl"
	"github.com/dolium/dolium/gateway/access/policy"
	"github.com/dolium/dolium/gateway/lifecycle"
	"github.com/dolium/dolium/s3api/s3err"
)

var gatewayErrors = []struct {
	kind error
	s3   *s3err.Error
}{
	{gateway.ErrNoSuchBucket, s3err.NoSuchBucket},
	{gateway.ErrNoSuchKey, s3err.NoSuchKey},
	{gateway.ErrNoSuchUpload, s3err.NoSuchUpload},
	{gateway.ErrBucketAlreadyExists, s3err.BucketAlreadyExists},
	{gateway.ErrBucketAlreadyOwnedByYou, s3err.BucketAlreadyOwnedByYou},
	{gateway.ErrBucketNotEmpty, s3err.BucketNotEmpty},
	{gateway.ErrInvalidBucketName, s3err.InvalidBucketName},
	{gateway.ErrKeyTooLong, s3err.KeyTooLongError},
	{gateway.ErrPreconditionFailed, s3err.PreconditionFailed},
	{gateway.ErrNotModified, s3err.NotModified},
	{gateway.ErrInvalidRange, s3err.InvalidRange},
	{gateway.ErrBadDigest, s3err.BadDigest},
	{gateway.ErrInvalidDigest, s3err.InvalidDigest},
	{gateway.ErrChecksumMismatch, s3err.BadDigest.With("The checksum you specified did not match the calculated checksum.")},
	{gateway.ErrInvalidChecksum, s3err.InvalidRequest.With("Value for x-amz-checksum header is invalid.")},
	{gateway.ErrEntityTooSmall, s3err.EntityTooSmall},
	{gateway.ErrEntityTooLarge, s3err.EntityTooLarge},
	{gateway.ErrIncompleteBody, s3err.IncompleteBody},
	{gateway.ErrInvalidPart, s3err.InvalidPart},
	{gateway.ErrInvalidPartOrder, s3err.InvalidPartOrder},
	{gateway.ErrInvalidPartNumber, s3err.InvalidPartNumber},
	{gateway.ErrInvalidCopySource, s3err.InvalidRequest.With("This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.")},
	{gateway.ErrInvalidArgument, s3err.InvalidArgument},
	{gateway.ErrRequestTimeout, s3err.RequestTimeout},
	{gateway.ErrUnavailable, s3err.ServiceUnavailable},
	{gateway.ErrSlowDown, s3err.SlowDown},
	{gateway.ErrOverloaded, s3err.SlowDown},
	{gateway.ErrInvalidVersionID, s3err.InvalidArgument.With("Invalid version id specified")},
	{gateway.ErrNoSuchVersion, s3err.NoSuchVersion},
	{gateway.ErrNoLifecycle, s3err.NoSuchLifecycleConfiguration},
	{gateway.ErrNoSuchBucketPolicy, s3err.NoSuchBucketPolicy},
	{gateway.ErrNoObjectLock, s3err.InvalidRequest.With("Bucket is missing Object Lock Configuration")},
	{gateway.ErrRetentionInPast, s3err.InvalidArgument.With("The retain until date must be in the future!")},
	{gateway.ErrLockNeedsVersioning, s3err.InvalidBucketState.With("Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration")},
	{gateway.ErrMethodNotAllowed, s3err.MethodNotAllowed.With("The specified method is not allowed against this resource.")},
	{gateway.ErrCopyFromDeleteMarker, s3err.InvalidRequest.With("The source of a copy request may not specifically refer to a delete marker by version id.")},
	{gateway.ErrObjectLocked, s3err.AccessDenied.With("Access Denied because object protected by object lock.")},
	{gateway.ErrInvalidBucketState, s3err.InvalidBucketState.With("An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.")},
	{gateway.ErrDataLost, s3err.DataLost},
	{gateway.ErrMalformedParts, s3err.MalformedXML},
	{gateway.ErrTooManyObjectTags, s3err.BadRequest.With("Object tags cannot be greater than 10")},
	{gateway.ErrTooManyBucketTags, s3err.InvalidTag.With("Bucket tag count cannot be greater than 50")},
	{gateway.ErrTagKeyInvalid, s3err.InvalidTag.With("The TagKey you have provided is invalid")},
	{gateway.ErrTagKeyTooLong, s3err.InvalidTag.With("The TagKey you have provided is too long, max 128")},
	{gateway.ErrTagValueInvalid, s3err.InvalidTag.With("The TagValue you have provided is invalid")},
	{gateway.ErrTagValueTooLong, s3err.InvalidTag.With("The TagValue you have provided is too long, max 256")},
	{gateway.ErrDuplicateTagKey, s3err.InvalidTag.With("Cannot provide multiple Tags with the same key")},
	{gateway.ErrTagReservedPrefix, s3err.InvalidTag.With("Your TagKey cannot be prefixed with aws:")},
	{gateway.ErrTaggingHeader, s3err.InvalidArgument.With("The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters without tag name duplicates.")},
	{gateway.ErrNoSuchTagSet, s3err.NoSuchTagSet},
	{gateway.ErrNoSuchPlacement, s3err.InvalidArgument.With("The placement policy named in x-dolium-placement is not configured.")},
}

var errStoreFull = s3err.SlowDown.With("The store is out of space. Please retry later.")

// toS3 maps any error to the S3 error sent to the client. internal is true
// when the error was not one S3 names: its text must be logged, not sent.
func toS3(err error) (e *s3err.Error, internal bool) {
	var se *s3err.Error
	if errors.As(err, &se) {
		return se, false
	}
	var le *lifecycle.Error
	if errors.As(err, &le) {
		if code, ok := s3err.ByCode(le.Code); ok {
			return code.With(le.Message), false
		}
	}
	var pe *policy.Error
	if errors.As(err, &pe) {
		return s3err.MalformedPolicy.With(pe.Message), false
	}
	var ae *acl.Error
	if errors.As(err, &ae) {
		if se, ok := aclError(ae).(*s3err.Error); ok {
			return se, false
		}
	}
	var re *gateway.CopyRangeError
	if errors.As(err, &re) {
		return s3err.InvalidArgument.With(fmt.Sprintf("Range specified is not valid for source object of size: %d", re.Size)), false
	}
	if gateway.IsStoreFull(err) {
		// AWS has no such condition; a 503 SlowDown (with Retry-After) is
		// what every S3 client retries, and space may come back as the
		// collector reclaims replaced data. The cause is logged.
		return errStoreFull, true
	}
	for _, m := range gatewayErrors {
		if errors.Is(err, m.kind) {
			return m.s3, false
		}
	}
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return s3err.IncompleteBody, false
	case errors.Is(err, context.Canceled):
		return s3err.RequestTimeout, true
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return s3err.EntityTooLarge, false
	}
	return s3err.InternalError, true
}
