// Package fault holds dolium's fault tests: they build cmd/dolium, run
// it as a separate process and attack it from outside, with SIGKILL in the
// middle of uploads and with malformed, truncated, mis-signed and oversized
// requests. Every test asserts both the S3 error a client sees and that the
// store did not change.
package fault
