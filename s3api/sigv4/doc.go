// Package sigv4 verifies AWS Signature Version 4 on the server side of an
// S3 endpoint, and decodes the aws-chunked payloads that SigV4 signs.
//
// It implements, from the Amazon S3 API Reference, "Authenticating
// Requests (AWS Signature Version 4)":
//
//   - "Signature Calculations for the Authorization Header: Transferring
//     Payload in a Single Chunk" (sig-v4-header-based-auth): Verify with an
//     Authorization header, CanonicalRequest, StringToSign, SigningKey;
//   - "Authenticating Requests: Using Query Parameters"
//     (sigv4-query-string-auth): Verify of presigned URLs;
//   - "Signature Calculations for the Authorization Header: Transferring
//     Payload in Multiple Chunks" (sigv4-streaming): NewChunkedReader with
//     Signed;
//   - "Signature calculations for trailing headers" (sigv4-streaming-trailers)
//     and STREAMING-UNSIGNED-PAYLOAD-TRAILER: NewChunkedReader with Trailer;
//
// and the canonical request rules of the IAM User Guide, "Create a
// canonical request for Signature Version 4", with S3's exception that
// the URI path is not double-encoded.
//
// Guarantees:
//
//   - Signatures are compared with hmac.Equal, in constant time.
//   - Every failure is an *s3err.Error carrying the S3 error code and HTTP
//     status: a copy of one of s3err's codes (s3err.SignatureDoesNotMatch,
//     s3err.InvalidAccessKeyID, ...) with a more specific Message, which
//     never contains the secret, the expected signature or the canonical
//     request. Match codes with errors.Is against the s3err codes.
//   - Verify reads no body. Bodies are verified while they stream and never
//     buffered whole: NewPayloadVerifier checks x-amz-content-sha256 at
//     EOF and never returns io.EOF for a mismatching body; NewChunkedReader
//     holds at most one chunk (MaxChunkSize) and returns no byte of a chunk
//     whose signature does not match.
//   - Request times must be within MaxSkew of the server clock;
//     presigned URLs honour X-Amz-Expires (1 to 604800 seconds).
//   - Every x-amz-* header of a request must be signed.
//
// Signature Version 2 and SigV4A (ECDSA) requests are refused, never
// treated as anonymous (s3api hands SigV2 requests to s3api/sigv2 before
// they reach Verify). POST policy uploads are outside this package, and
// session tokens (X-Amz-Security-Token) are not interpreted: Credentials
// alone decides which access keys exist.
package sigv4
