// Package postpolicy reads and checks the policy document of an S3
// browser-form upload ("POST Object"; "Browser-based uploads using POST"
// in the Amazon S3 documentation, for SigV4 and SigV2), and verifies the
// form's signature over it.
//
// A policy is base64 of a JSON document:
//
//	{"expiration": "2007-12-01T12:00:00.000Z",
//	 "conditions": [
//	   {"bucket": "johnsmith"},
//	   ["starts-with", "$key", "user/eric/"],
//	   ["eq", "$success_action_status", "201"],
//	   ["content-length-range", 1048579, 10485760]]}
//
// Conditions are exact matches (an object, or "eq"), prefixes
// ("starts-with"; the empty prefix allows any value) and the file's size
// range ("content-length-range", bytes, inclusive). Field names are
// matched without regard to case, values exactly. As on AWS, every form
// field but file, policy, the signature fields (x-amz-signature,
// signature, AWSAccessKeyId) and those named x-ignore-* must be named by
// a condition ("Extra input fields").
//
// Failures are *s3err.Error with AWS's codes and messages:
// InvalidPolicyDocument for a document that cannot be read, AccessDenied
// "Invalid according to Policy: Policy expired." and "... Policy Condition
// failed: [...]", and, from the caller's size check, EntityTooLarge /
// EntityTooSmall.
//
// VerifySignature accepts the SigV4 fields (x-amz-algorithm,
// x-amz-credential, x-amz-date, x-amz-signature: hex HMAC-SHA256 of the
// policy with the credential scope's signing key) or the SigV2 fields
// (AWSAccessKeyId, signature: base64 HMAC-SHA1 of the policy), compared
// with hmac.Equal; a form with neither is anonymous.
package postpolicy
