package sigv4

import "net/http"

// Error is an authentication failure, carrying the S3 error code and HTTP
// status the S3 layer should answer with. Message is safe to send to the
// client.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is reports whether target is an *Error with the same Code, so that
// errors.Is(err, ErrSignatureDoesNotMatch) matches any message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// with returns a copy of e carrying msg.
func (e *Error) with(msg string) *Error {
	return &Error{Code: e.Code, Status: e.Status, Message: msg}
}

// Sentinel errors, one per code. Returned errors are copies with a more
// specific Message; compare them with errors.Is, never with ==.
var (
	ErrAccessDenied                      = &Error{"AccessDenied", http.StatusForbidden, "Access Denied."}
	ErrInvalidAccessKeyID                = &Error{"InvalidAccessKeyId", http.StatusForbidden, "The AWS Access Key Id you provided does not exist in our records."}
	ErrSignatureDoesNotMatch             = &Error{"SignatureDoesNotMatch", http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method."}
	ErrRequestTimeTooSkewed              = &Error{"RequestTimeTooSkewed", http.StatusForbidden, "The difference between the request time and the server's time is too large."}
	ErrAuthorizationHeaderMalformed      = &Error{"AuthorizationHeaderMalformed", http.StatusBadRequest, "The authorization header is malformed."}
	ErrAuthorizationQueryParametersError = &Error{"AuthorizationQueryParametersError", http.StatusBadRequest, "Error parsing the X-Amz-Credential parameter."}
	ErrMissingSecurityHeader             = &Error{"MissingSecurityHeader", http.StatusBadRequest, "Your request is missing a required header."}
	ErrXAmzContentSHA256Mismatch         = &Error{"XAmzContentSHA256Mismatch", http.StatusBadRequest, "The provided 'x-amz-content-sha256' header does not match what was computed."}
	ErrInvalidArgument                   = &Error{"InvalidArgument", http.StatusBadRequest, "Invalid argument."}
	ErrIncompleteBody                    = &Error{"IncompleteBody", http.StatusBadRequest, "You did not provide the number of bytes specified by the Content-Length HTTP header."}
	ErrInvalidRequest                    = &Error{"InvalidRequest", http.StatusBadRequest, "Invalid request."}
	ErrBadDigest                         = &Error{"BadDigest", http.StatusBadRequest, "The Content-MD5 or checksum value that you specified did not match what the server received."}
)
