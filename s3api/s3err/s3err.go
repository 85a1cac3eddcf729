package s3err

import (
	"encoding/xml"
	"net/http"
)

// Error is an S3 error: a code, its HTTP status and a message safe to send
// to clients.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches any *Error with the same code, whatever its message or status:
// errors.Is(err, SignatureDoesNotMatch) holds for every copy made by With,
// wrapped or not. Compare S3 errors this way, never with ==.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code
}

// With returns a copy of e with another message; the copy matches e by
// errors.Is. e itself is never changed.
func (e *Error) With(msg string) *Error { return &Error{Code: e.Code, Status: e.Status, Message: msg} }

// byCode holds every code declared below, for ByCode.
var byCode = map[string]*Error{}

func e(code string, status int, msg string) *Error {
	err := &Error{code, status, msg}
	byCode[code] = err
	return err
}

// ByCode returns the declared error with that code, for errors that name
// their S3 code as a string (the object lock and lifecycle packages):
// s3api answers ByCode(code).With(message). ok is false for a code not
// declared here.
func ByCode(code string) (err *Error, ok bool) {
	err, ok = byCode[code]
	return err, ok
}

// The codes.
var (
	AccessDenied                         = e("AccessDenied", http.StatusForbidden, "Access Denied")
	BadDigest                            = e("BadDigest", http.StatusBadRequest, "The Content-MD5 you specified did not match what we received.")
	BucketAlreadyExists                  = e("BucketAlreadyExists", http.StatusConflict, "The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.")
	BucketAlreadyOwnedByYou              = e("BucketAlreadyOwnedByYou", http.StatusConflict, "Your previous request to create the named bucket succeeded and you already own it.")
	BucketNotEmpty                       = e("BucketNotEmpty", http.StatusConflict, "The bucket you tried to delete is not empty")
	EntityTooLarge                       = e("EntityTooLarge", http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed object size.")
	EntityTooSmall                       = e("EntityTooSmall", http.StatusBadRequest, "Your proposed upload is smaller than the minimum allowed object size.")
	InvalidPolicyDocument                = e("InvalidPolicyDocument", http.StatusBadRequest, "The content of the form does not meet the conditions specified in the policy document.")
	MalformedPOSTRequest                 = e("MalformedPOSTRequest", http.StatusBadRequest, "The body of your POST request is not well-formed multipart/form-data.")
	IncorrectNumberOfFilesInPostRequest  = e("IncorrectNumberOfFilesInPostRequest", http.StatusBadRequest, "POST requires exactly one file upload per request.")
	MaxPostPreDataLengthExceeded         = e("MaxPostPreDataLengthExceededError", http.StatusBadRequest, "Your POST request fields preceding the upload file were too large.")
	IncompleteBody                       = e("IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header")
	InternalError                        = e("InternalError", http.StatusInternalServerError, "We encountered an internal error. Please try again.")
	InvalidArgument                      = e("InvalidArgument", http.StatusBadRequest, "Invalid Argument")
	InvalidBucketName                    = e("InvalidBucketName", http.StatusBadRequest, "The specified bucket is not valid.")
	InvalidDigest                        = e("InvalidDigest", http.StatusBadRequest, "The Content-MD5 you specified is not valid.")
	InvalidLocationConstraint            = e("InvalidLocationConstraint", http.StatusBadRequest, "The specified location constraint is not valid.")
	InvalidPart                          = e("InvalidPart", http.StatusBadRequest, "One or more of the specified parts could not be found. The part might not have been uploaded, or the specified entity tag might not have matched the part's entity tag.")
	InvalidPartOrder                     = e("InvalidPartOrder", http.StatusBadRequest, "The list of parts was not in ascending order. Parts list must be specified in order by part number.")
	InvalidRange                         = e("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "The requested range is not satisfiable")
	InvalidRequest                       = e("InvalidRequest", http.StatusBadRequest, "Invalid Request")
	KeyTooLongError                      = e("KeyTooLongError", http.StatusBadRequest, "Your key is too long")
	MaxMessageLengthExceeded             = e("MaxMessageLengthExceeded", http.StatusBadRequest, "Your request was too big.")
	MalformedXML                         = e("MalformedXML", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema.")
	MethodNotAllowed                     = e("MethodNotAllowed", http.StatusMethodNotAllowed, "The specified method is not allowed against this resource.")
	MissingContentLength                 = e("MissingContentLength", http.StatusLengthRequired, "You must provide the Content-Length HTTP header.")
	NoSuchBucket                         = e("NoSuchBucket", http.StatusNotFound, "The specified bucket does not exist")
	NoSuchKey                            = e("NoSuchKey", http.StatusNotFound, "The specified key does not exist.")
	ObjectLockConfigurationNotFoundError = e("ObjectLockConfigurationNotFoundError", http.StatusNotFound, "Object Lock configuration does not exist for this bucket")
	NoSuchObjectLockConfiguration        = e("NoSuchObjectLockConfiguration", http.StatusNotFound, "The specified object does not have a ObjectLock configuration")
	// InvalidRetentionPeriod: a default retention of zero, negative or too
	// many days or years (PutObjectLockConfiguration).
	InvalidRetentionPeriod = e("InvalidRetentionPeriod", http.StatusBadRequest, "Default retention period must be a positive integer value.")
	// MalformedPolicy: a bucket policy AWS would refuse (the message says why).
	MalformedPolicy = e("MalformedPolicy", http.StatusBadRequest, "Policy has invalid syntax")
	// NoSuchBucketPolicy: GetBucketPolicy of a bucket without one.
	NoSuchBucketPolicy                      = e("NoSuchBucketPolicy", http.StatusNotFound, "The bucket policy does not exist")
	NoSuchVersion                           = e("NoSuchVersion", http.StatusNotFound, "The specified version does not exist.")
	InvalidBucketState                      = e("InvalidBucketState", http.StatusConflict, "The request is not valid with the current state of the bucket.")
	IllegalVersioningConfigurationException = e("IllegalVersioningConfigurationException", http.StatusBadRequest, "The versioning configuration specified in the request is invalid.")
	NoSuchUpload                            = e("NoSuchUpload", http.StatusNotFound, "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.")
	NotImplemented                          = e("NotImplemented", http.StatusNotImplemented, "A header or query you provided implies functionality that is not implemented.")
	NotModified                             = e("NotModified", http.StatusNotModified, "Not Modified")
	PreconditionFailed                      = e("PreconditionFailed", http.StatusPreconditionFailed, "At least one of the pre-conditions you specified did not hold")
	RequestTimeout                          = e("RequestTimeout", http.StatusBadRequest, "Your socket connection to the server was not read from or written to within the timeout period.")
	SlowDown                                = e("SlowDown", http.StatusServiceUnavailable, "Please reduce your request rate.")
	ServiceUnavailable                      = e("ServiceUnavailable", http.StatusServiceUnavailable, "Service is unable to handle request.")
	ConditionalRequestConflict              = e("ConditionalRequestConflict", http.StatusConflict, "A conflicting operation occurred. If using PutObject you can retry the request.")
	InvalidObjectState                      = e("InvalidObjectState", http.StatusForbidden, "The operation is not valid for the current state of the object.")
	XAmzContentSHA256Mismatch               = e("XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed.")
	UnexpectedContent                       = e("UnexpectedContent", http.StatusBadRequest, "This request does not support content")
	InvalidStorageClass                     = e("InvalidStorageClass", http.StatusBadRequest, "The storage class you specified is not valid")
	MissingRequestBodyError                 = e("MissingRequestBodyError", http.StatusBadRequest, "Request Body is empty")
	MetadataTooLarge                        = e("MetadataTooLarge", http.StatusBadRequest, "Your metadata headers exceed the maximum allowed metadata size.")
	// NoSuchLifecycleConfiguration: GetBucketLifecycleConfiguration on a
	// bucket without one (package gateway/lifecycle).
	NoSuchLifecycleConfiguration = e("NoSuchLifecycleConfiguration", http.StatusNotFound, "The lifecycle configuration does not exist")
	// RequestHeaderSectionTooLarge is AWS's answer to more than 8 KiB of
	// request headers; its body carries MaxSizeAllowed.
	RequestHeaderSectionTooLarge = e("RequestHeaderSectionTooLarge", http.StatusBadRequest, "Your request header section exceeds the maximum allowed size.")
	// DataLost is dolium's own: the object's data cannot be read from any
	// zone of its placement, and enough zones answered to know it is gone
	// (not merely unreachable: that is ServiceUnavailable). Retrying does
	// not help.
	DataLost = e("DataLost", http.StatusInternalServerError, "The object's data is lost: too few of its copies or shards remain in the zones of its placement. Restore it from a backup.")
	// InvalidTag: a tag set that breaks S3's limits (PutObjectTagging,
	// PutBucketTagging, x-amz-tagging).
	InvalidTag = e("InvalidTag", http.StatusBadRequest, "The tag provided was not a valid tag. This error can occur if the tag did not pass input validation.")
	// NoSuchTagSet: GetBucketTagging of a bucket without tags.
	NoSuchTagSet = e("NoSuchTagSet", http.StatusNotFound, "The TagSet does not exist")
)

// InvalidPartNumber is InvalidArgument with the message AWS gives for a
// part number out of range; it is not a code of its own.
var InvalidPartNumber = InvalidArgument.With("Part number must be an integer between 1 and 10000, inclusive")

// The ACL codes: PutBucketAcl and PutObjectAcl, the ACL headers of the
// writes, the ownership controls and public access block operations.
var (
	MalformedACLError                    = e("MalformedACLError", http.StatusBadRequest, "The XML you provided was not well-formed or did not validate against our published schema")
	AccessControlListNotSupported        = e("AccessControlListNotSupported", http.StatusBadRequest, "The bucket does not allow ACLs")
	UnresolvableGrantByEmailAddress      = e("UnresolvableGrantByEmailAddress", http.StatusBadRequest, "The e-mail address you provided does not match any account on record.")
	InvalidBucketAclWithObjectOwnership  = e("InvalidBucketAclWithObjectOwnership", http.StatusBadRequest, "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	OwnershipControlsNotFoundError       = e("OwnershipControlsNotFoundError", http.StatusNotFound, "The bucket ownership controls were not found")
	NoSuchPublicAccessBlockConfiguration = e("NoSuchPublicAccessBlockConfiguration", http.StatusNotFound, "The public access block configuration was not found")
)

// The codes of authentication (Signature Version 4) failures. sigv4 returns
// copies of these with a message saying what exactly failed.
var (
	SignatureDoesNotMatch             = e("SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	InvalidAccessKeyID                = e("InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records.")
	RequestTimeTooSkewed              = e("RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the server's time is too large.")
	AuthorizationHeaderMalformed      = e("AuthorizationHeaderMalformed", http.StatusBadRequest, "The authorization header is malformed.")
	AuthorizationQueryParametersError = e("AuthorizationQueryParametersError", http.StatusBadRequest, "Error parsing the X-Amz-Credential parameter.")
	MissingSecurityHeader             = e("MissingSecurityHeader", http.StatusBadRequest, "Your request is missing a required header.")
)

// Body is the XML error document.
type Body struct {
	XMLName xml.Name `xml:"Error"`
	Code    string
	Message string
	// Method and ResourceType are set on a refused CORS preflight
	// (AccessForbidden), as AWS does: the requested method and BUCKET or
	// OBJECT.
	Method       string `xml:",omitempty"`
	ResourceType string `xml:",omitempty"`
	Key          string `xml:",omitempty"`
	BucketName   string `xml:",omitempty"`
	Resource     string
	// Region is set on AuthorizationHeaderMalformed for a wrong region, as
	// AWS does; clients such as s3cmd retry with it.
	Region string `xml:",omitempty"`
	// MaxSizeAllowed is set on RequestHeaderSectionTooLarge, as AWS does.
	MaxSizeAllowed int    `xml:",omitempty"`
	RequestID      string `xml:"RequestId"`
	HostID         string `xml:"HostId"`
}
