// Package conformance is dolium's S3 conformance suite: Go tests that drive an
// S3 endpoint with aws-sdk-go-v2, minio-go and (where installed) the aws CLI,
// one test function per S3 operation.
//
// By default the tests build ./cmd/dolium, start it on a free loopback port
// and run against it (with test/harness). Set DOLIUM_S3_ENDPOINT (with
// DOLIUM_S3_ACCESS_KEY, DOLIUM_S3_SECRET_KEY, and optionally
// DOLIUM_S3_REGION, DOLIUM_S3_ALT_ACCESS_KEY, DOLIUM_S3_ALT_SECRET_KEY) to
// run against any other S3 endpoint instead. The package has no non-test
// code.
package conformance
