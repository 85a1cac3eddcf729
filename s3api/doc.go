// Package s3api speaks the Amazon S3 REST protocol (path-style addressing)
// in front of the gateway core, and serves dolium's admin endpoints.
//
// Every operation is declared once, in the operation table (operations.go):
// its name, the action it needs (an IAM action name such as s3:GetObject,
// or dolium:AdminRead), whether it addresses a bucket that must exist,
// whether it has a copy source, the parameters it reads, and its handler.
//
// One pipeline serves every request, each step once and in one place:
// assign a request id → route (a pure function, Route) → header limits →
// authenticate (SigV4 header or presigned query, package sigv4; the body
// wrapped in its verifier: payload SHA-256, aws-chunked signatures,
// trailing checksums) → parse and check the operation's parameters (its
// handler's first half) → resolve the bucket through the core
// (NoSuchBucket) → authorise: one call to an access.Authorizer with the
// principal, action, bucket and its owner, key and request context
// (AccessDenied) → for copies, resolve the source bucket and authorise
// s3:GetObject on it → act (the handler's second half: it calls the core
// with the resolved bucket and never decides access) → encode (one place
// writes headers, XML or JSON bodies and errors, and records metrics).
//
// The admin endpoints under AdminPrefix are operations of the same table
// with dolium's own actions (root only), JSON bodies and errors; what they
// report comes from a Maintenance.
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
