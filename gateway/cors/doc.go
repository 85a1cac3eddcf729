// Package cors is S3's cross-origin resource sharing as pure functions:
// the PutBucketCors document (CORSConfiguration) parsed and validated as
// AWS validates it, written back as GetBucketCors answers it, and the
// rule matching S3 does for a preflight (OPTIONS) request and for an
// actual request that carries an Origin header.
//
// It imports neither the core nor s3api nor meta, and reads no clock,
// store or request: the caller passes the origin, the method and the
// requested headers, and sets the headers a Match gives.
//
// # Validation
//
// Parse answers, with AWS's codes and messages:
//
//   - MalformedXML: not well-formed; an element the schema does not have,
//     or a single element repeated; no CORSRule; a rule without an
//     AllowedOrigin or an AllowedMethod; a MaxAgeSeconds that is not an
//     integer;
//   - InvalidRequest "Found unsupported HTTP method in CORS config.
//     Unsupported method is X": an AllowedMethod other than GET, PUT,
//     POST, DELETE and HEAD (case-sensitive; an empty one names "");
//   - InvalidRequest `AllowedOrigin "X" can not have more than one
//     wildcard.`
//
// Those are AWS's answers as recorded by S3 implementations that compare
// themselves with AWS. The following are AWS's documented limits with
// dolium's choice of answer, where no recorded AWS answer was found: more
// than MaxRules rules and a negative MaxAgeSeconds (MalformedXML), an
// AllowedHeader with more than one wildcard (InvalidRequest, worded as the
// AllowedOrigin one), an ID over 255 characters (InvalidArgument, as for
// lifecycle rules). The 64 KB bound of the document is the caller's
// (s3api answers MaxMessageLengthExceeded).
//
// # Matching
//
// As on AWS, the first rule that matches decides:
//
//   - the Origin must match one of the rule's AllowedOrigin patterns: a
//     pattern without '*' must equal the origin byte for byte; one '*'
//     stands for any run of bytes, the empty one included, and the
//     pattern is anchored at both ends ("http://*.example.com");
//   - the method (a preflight's Access-Control-Request-Method; an actual
//     request's Access-Control-Request-Method when it has one, else its
//     own method) must be one of the rule's AllowedMethod;
//   - for a preflight, every name of Access-Control-Request-Headers must
//     match one of the rule's AllowedHeader patterns, without regard to
//     case ('*' as for origins). A rule without AllowedHeader allows no
//     requested header. An actual request's headers are not checked.
//
// The headers of a match (Match.Set) are Access-Control-Allow-Origin (the
// origin, or "*" when the pattern that matched is "*"),
// Access-Control-Allow-Credentials: true (unless "*"),
// Access-Control-Allow-Methods (the rule's methods), -Expose-Headers,
// -Max-Age, Vary: Origin, Access-Control-Request-Headers,
// Access-Control-Request-Method; a preflight also gets
// Access-Control-Allow-Headers: the requested names, lowercase, in the
// order requested.
package cors
