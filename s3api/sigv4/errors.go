package sigv4

import (
	"net/http"

	"github.com/dolium/dolium/s3api/s3err"
)

// Error is an authentication failure: the S3 layer's error type, so that
// these answer with their S3 code and status like every other S3 error.
// Message is safe to send to the client; errors.Is matches by code.
type Error = s3err.Error

// Sentinel errors, one per code. Returned errors are copies with a more
// specific Message; compare them with errors.Is, never with ==.
var (
	ErrAccessDenied                      = &Error{Code: "AccessDenied", Status: http.StatusForbidden, Message: "Access Denied."}
	ErrInvalidAccessKeyID                = &Error{Code: "InvalidAccessKeyId", Status: http.StatusForbidden, Message: "The AWS Access Key Id you provided does not exist in our records."}
	ErrSignatureDoesNotMatch             = &Error{Code: "SignatureDoesNotMatch", Status: http.StatusForbidden, Message: "The request signature we calculated does not match the signature you provided. Check your key and signing method."}
	ErrRequestTimeTooSkewed              = &Error{Code: "RequestTimeTooSkewed", Status: http.StatusForbidden, Message: "The difference between the request time and the server's time is too large."}
	ErrAuthorizationHeaderMalformed      = &Error{Code: "AuthorizationHeaderMalformed", Status: http.StatusBadRequest, Message: "The authorization header is malformed."}
	ErrAuthorizationQueryParametersError = &Error{Code: "AuthorizationQueryParametersError", Status: http.StatusBadRequest, Message: "Error parsing the X-Amz-Credential parameter."}
	ErrMissingSecurityHeader             = &Error{Code: "MissingSecurityHeader", Status: http.StatusBadRequest, Message: "Your request is missing a required header."}
	ErrXAmzContentSHA256Mismatch         = &Error{Code: "XAmzContentSHA256Mismatch", Status: http.StatusBadRequest, Message: "The provided 'x-amz-content-sha256' header does not match what was computed."}
	ErrInvalidArgument                   = &Error{Code: "InvalidArgument", Status: http.StatusBadRequest, Message: "Invalid argument."}
	ErrIncompleteBody                    = &Error{Code: "IncompleteBody", Status: http.StatusBadRequest, Message: "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	ErrInvalidRequest                    = &Error{Code: "InvalidRequest", Status: http.StatusBadRequest, Message: "Invalid request."}
	ErrBadDigest                         = &Error{Code: "BadDigest", Status: http.StatusBadRequest, Message: "The Content-MD5 or checksum value that you specified did not match what the server received."}
)
