// Package s3err holds the S3 error codes dolium answers with, each with the
// HTTP status AWS uses for it (Amazon S3 API Reference, "Error responses"),
// and the XML error body.
//
// It is the one list of S3 codes: the signature errors of sigv4 are here
// too, and no other package declares a code. Each code is one *Error;
// errors carrying more detail are copies made with With. Errors match by
// code with errors.Is (wrapped or not, whatever their message), never by
// pointer identity.
package s3err
