// Package s3api speaks the Amazon S3 REST protocol (path-style addressing)
// in front of the gateway core.
//
// One pipeline serves every request: assign a request id → route (a pure
// function, Route) → authenticate (SigV4 header or presigned query, package
// sigv4) → wrap the body in its verifier (payload SHA-256, aws-chunked
// signatures, trailing checksums) → run the operation's thin handler, which
// parses, calls the core and returns a response value → encode (one place
// writes headers, XML bodies and errors, and records metrics).
//
// Errors from below are mapped to S3 error codes in one place (errors.go);
// anything unmapped is InternalError and its text is logged with the request
// id, never sent to the client. Every response carries x-amz-request-id.
package s3api
