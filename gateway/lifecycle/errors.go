package lifecycle

import "net/http"

// Error is an S3 error as AWS answers it for a lifecycle configuration:
// Code is the S3 code name exactly ("MalformedXML", "InvalidArgument",
// "InvalidRequest", "NotImplemented"), so that s3api turns it into its
// s3err value by code (s3err.ByCode) with this Message.
type Error struct {
	Code    string
	Message string
	Status  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches an *Error with the same code and message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code && t.Message == e.Message
}

func invalidArgument(msg string) *Error {
	return &Error{Code: "InvalidArgument", Message: msg, Status: http.StatusBadRequest}
}

func invalidRequest(msg string) *Error {
	return &Error{Code: "InvalidRequest", Message: msg, Status: http.StatusBadRequest}
}

// The errors Parse returns. Compare with errors.Is; do not modify them.
var (
	// ErrMalformedXML: the document does not parse or does not follow the
	// schema.
	ErrMalformedXML = &Error{Code: "MalformedXML", Message: "The XML you provided was not well-formed or did not validate against our published schema.", Status: http.StatusBadRequest}

	// ErrTransition: a Transition or NoncurrentVersionTransition action.
	// dolium has one storage class; see the package documentation.
	ErrTransition = &Error{Code: "NotImplemented", Message: "Transition and NoncurrentVersionTransition actions are not implemented: dolium has one storage class.", Status: http.StatusNotImplemented}

	ErrExpirationDays   = invalidArgument("'Days' for Expiration action must be a positive integer")
	ErrExpirationDate   = invalidArgument("'Date' must be at midnight GMT")
	ErrNoncurrentDays   = invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
	ErrNewerNoncurrent  = invalidArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100")
	ErrAbortDays        = invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
	ErrIDTooLong        = invalidArgument("ID length should not exceed allowed limit of 255")
	ErrDuplicateID      = invalidArgument("Rule ID must be unique. Found same ID for more than one rule")
	ErrSizeRange        = invalidArgument("ObjectSizeGreaterThan must be less than ObjectSizeLessThan")
	ErrNegativeSize     = invalidArgument("ObjectSizeGreaterThan and ObjectSizeLessThan must not be negative")
	ErrNoAction         = invalidRequest("At least one action needs to be specified in a rule")
	ErrAbortWithTags    = invalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
	ErrDeleteMarkerTags = invalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.")
	ErrPrefixTooLong    = invalidRequest("The maximum size of a prefix is 1024")
	ErrDuplicateTagKey  = invalidRequest("Duplicate Tag Keys are not allowed.")
	ErrTagKey           = invalidRequest("A Tag's Key must be a length between 1 and 128")
	ErrTagValue         = invalidRequest("A Tag's Value must be a length between 0 and 256")
)
