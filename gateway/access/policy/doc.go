// Package policy is the S3 bucket policy language as pure functions: a
// policy document parsed and validated as AWS validates a
// PutBucketPolicy (MalformedPolicy with AWS's messages), and evaluated for
// one request: whether a statement explicitly denies it, allows it, or
// neither.
//
// It knows nothing of stores or requests: the caller passes the principal's
// identifiers, the action, the resource's ARN and the request's condition
// keys (Request), and combines the answer with the other sources of
// permission (the bucket's owner, identity policies, ACLs) as IAM does:
// an explicit deny wins, then any allow, else the request is denied.
//
// # What a document may hold
//
// Version "2012-10-17" or "2008-10-17" (or none); Id; Statement, one object
// or a list, each with Sid, Effect (Allow or Deny), Principal ("*",
// {"AWS": id or [ids]}, {"CanonicalUser": id or [ids]}) or NotPrincipal,
// Action or NotAction (s3:Name, with * and ? wildcards), Resource or
// NotResource (arn:aws:s3:::bucket, arn:aws:s3:::bucket/key-pattern, with
// wildcards; every resource must be in the policy's bucket), and Condition
// ({operator: {key: value or [values]}}). Operators: String(Not)Equals,
// String(Not)EqualsIgnoreCase, String(Not)Like, Numeric(Not)Equals,
// NumericLessThan(Equals), NumericGreaterThan(Equals), Date(Not)Equals,
// DateLessThan(Equals), DateGreaterThan(Equals), Bool, IpAddress,
// NotIpAddress, Null, each with the IfExists suffix, and the
// ForAnyValue: / ForAllValues: set prefixes. A key the request does not
// have makes a positive operator false and a negated one (Not...) true, as
// AWS documents; with IfExists a missing key makes the operator true.
package policy
