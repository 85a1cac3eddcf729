// Package sigv2 verifies AWS Signature Version 2 on the server side of an
// S3 endpoint, as the Amazon S3 API Reference describes it in "Signing and
// authenticating REST requests (AWS signature version 2)"
// (RESTAuthentication):
//
//   - the header form, "Authorization: AWS AKID:signature", where the
//     signature is base64(HMAC-SHA1(secret, StringToSign)) and
//
//     StringToSign = Method + "\n" + Content-MD5 + "\n" + Content-Type + "\n" +
//     Date + "\n" + CanonicalizedAmzHeaders + CanonicalizedResource;
//
//     x-amz-date, when present, stands for Date (whose line is then empty);
//
//   - the query form ("Query string request authentication alternative"):
//     AWSAccessKeyId, Signature and Expires (seconds since the epoch), with
//     Expires in Date's place.
//
// CanonicalizedResource is "/" + bucket for a virtual-host-style request
// (the caller says which bucket the Host names) followed by the path as
// the client sent it, then the sub-resources AWS signs (acl, uploads,
// versionId, the response-* overrides, ...), sorted, with their decoded
// values. Every other query parameter is left out, as AWS does.
//
// Verify returns the same *sigv4.Auth as sigv4.Verify, so the request
// pipeline treats both alike: its PayloadHash is sigv4.UnsignedPayload
// (SigV2 does not sign the body; Content-MD5, when sent, is signed and
// checked by the core), or the hex digest of an x-amz-content-sha256
// header the client sent, which is then verified as for SigV4.
//
// Guarantees:
//
//   - Signatures are compared with hmac.Equal, in constant time.
//   - Header-form requests must be within MaxSkew (15 minutes) of the
//     server clock (RequestTimeTooSkewed); a query-form URL past its
//     Expires answers AccessDenied "Request has expired".
//   - An unknown access key answers InvalidAccessKeyId, a wrong signature
//     SignatureDoesNotMatch (both 403), as AWS. Messages never contain the
//     secret or the expected signature.
//   - Verify reads no body.
//
// Sign and StringToSign are exported for clients and tests; the POST
// policy form (s3api/postpolicy) signs its policy document with Sign too.
package sigv2
