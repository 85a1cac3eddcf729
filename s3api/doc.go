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
// Every request is bounded (Limits): its header section in size, its body
// and its response in time without progress (RequestTimeout; the response
// cut), and its access key in requests in flight and, through the chunk
// stores' shares, in memory (SlowDown). The pipeline's context is not the
// connection's: a client that half-closes its socket after the whole
// request is still served; the context ends when writing to the client
// fails.
//
// Errors from below are mapped to S3 error codes in one place (errors.go);
// anything unmapped is InternalError and its text is logged with the request
// id, never sent to the client. Every response carries x-amz-request-id.
package s3api
