// Package s3err holds the S3 error codes dolium answers with, each with the
// HTTP status AWS uses for it (Amazon S3 API Reference, "Error responses"),
// and the XML error body.
package s3err
