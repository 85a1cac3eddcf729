// Package lifecycle is S3 bucket lifecycle as pure functions: the
// PutBucketLifecycleConfiguration document parsed and validated as AWS
// validates it, written back as GetBucketLifecycleConfiguration answers it,
// and evaluated: which action is due on a version at a given time, the
// x-amz-expiration header of an object, when a multipart upload is due for
// abort.
//
// It imports neither the core nor s3api nor meta: Version is its own small
// description of a version, and nothing here reads a clock, a store or a
// request; the caller passes now. The worker that lists versions and
// applies the decisions, and object lock's veto on deletions, are the
// core's.
//
// # Days
//
// As on AWS, a count of days runs from the object's creation (a noncurrent
// version's from when it became noncurrent, an upload's from its
// initiation) and the result is rounded up to the next midnight UTC
// (Evaluator.After). Evaluator.Day sets the length of a day, 24 hours by
// default; a test sets seconds and the same rules expire objects while it
// waits. Midnight is then a multiple of Day since the Unix epoch.
//
// # Validation
//
// Parse answers, with AWS's codes and messages:
//
//   - MalformedXML: not well-formed; an element the schema does not have,
//     or a single element repeated; no rule or more than 1000; a Status
//     other than Enabled or Disabled; both or neither of Filter and the
//     legacy Prefix; more than one of Prefix, Tag, And and the size bounds
//     in a Filter, or an empty And; an Expiration with not exactly one of
//     Days, Date and ExpiredObjectDeleteMarker (so ExpiredObjectDeleteMarker
//     with Days or Date); a number or date that does not parse;
//   - InvalidArgument: "'Days' for Expiration action must be a positive
//     integer", "'Date' must be at midnight GMT", "'NoncurrentDays' for
//     NoncurrentVersionExpiration action must be a positive integer" (also
//     when NoncurrentDays is missing, as AWS answers),
//     "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must
//     be a positive integer", "ID length should not exceed allowed limit of
//     255", "Rule ID must be unique. Found same ID for more than one rule";
//   - InvalidRequest: "AbortIncompleteMultipartUpload cannot be specified
//     with Tags.", "The maximum size of a prefix is 1024".
//
// Those are AWS's answers as quoted in public issue threads and in the
// tests of S3 implementations that compare themselves with AWS. The
// following are AWS's rules with messages of dolium's wording, where no
// AWS answer was found to copy: NewerNoncurrentVersions outside 1..100,
// negative or crossed size bounds (InvalidArgument), a rule with no action,
// ExpiredObjectDeleteMarker with tags, tag keys repeated, too long or
// empty, tag values too long (InvalidRequest).
//
// A rule sent without an ID gets a generated one, as on AWS. Store
// Marshal's output rather than the request body so that it stays.
//
// # Transitions
//
// A Transition or NoncurrentVersionTransition answers NotImplemented (501,
// ErrTransition). AWS accepts them, but dolium has a single storage class:
// there is nothing to transition to, and accepting the rule while never
// applying it would tell the client its data moved when it did not (the
// same policy as for the write headers dolium does not implement). It is
// not InvalidStorageClass or MalformedXML either, which would tell the
// client that its document is wrong when it is valid S3.
//
// # Evaluation
//
// Evaluator.Version returns the earliest due action of the enabled rules
// whose filter selects the version: expire the current version, delete a
// noncurrent version, remove an expired object delete marker. The caller
// acts on it according to the bucket's versioning state (see the Action
// constants) and never deletes a version object lock protects.
package lifecycle
