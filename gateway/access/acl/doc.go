// Package acl is the access control list model of S3, as pure functions:
// no I/O, no HTTP.
//
// An ACL is an owner and a list of grants. A grantee is a canonical user
// (by id) or one of the predefined groups (AllUsers: anyone, anonymous
// requests included; AuthenticatedUsers: any signed request; LogDelivery,
// kept but granting nothing dolium serves). Permissions are READ, WRITE,
// READ_ACP, WRITE_ACP and FULL_CONTROL (all four).
//
// The package parses the three ways a request states an ACL: a canned ACL
// (x-amz-acl: private, public-read, public-read-write, authenticated-read,
// bucket-owner-read, bucket-owner-full-control; Canned), the grant headers
// (x-amz-grant-read, -write, -read-acp, -write-acp, -full-control with
// comma-separated id="..." and uri="..." grantees; ParseGrantHeaders) and
// the AccessControlPolicy XML body (ParseXML). Errors are *Error values
// with AWS's code and message (InvalidArgument, MalformedACLError,
// UnresolvableGrantByEmailAddress: dolium keeps no e-mail addresses).
//
// Needed says which permission an S3 action asks of an ACL, and on what
// (the bucket's ACL or the object's), as the S3 User Guide's "Access
// control list (ACL) overview" tables it; ACL.Allows evaluates a grant.
//
// The bucket configurations that govern ACLs are here too: the object
// ownership rule (OwnershipControls: BucketOwnerEnforced disables ACLs,
// BucketOwnerPreferred, ObjectWriter) and the public access block
// (PublicAccessBlock).
//
// Grants name canonical ids; the caller says what a principal's canonical
// id is (package access: a tenant's owner name).
package acl
