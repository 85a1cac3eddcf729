// Package access keeps the access keys dolium accepts and decides what
// their principals may do.
//
// Keys: each key has a secret and an owner (tenant). Buckets belong to
// owners; a key acts for its owner. The package also creates the root key
// pair on first start when none is configured: random, stored under the
// data directory with mode 0600, never a well-known default. Users and
// keys kept in the metadata store, shared by every gateway, are package
// gateway/identity's; this package names what they are (Identity, the
// Directory of the admin operations) and validates configured keys.
//
// Authorisation: Authorize(principal, action, resource, request context)
// answers Allow or Deny, actions named as IAM names them (s3:GetObject) or
// dolium's own (dolium:AdminRead). The request pipeline (package s3api) asks
// it once per request, with the bucket already resolved, so the resource
// carries the bucket's owner, policy, ACL, ownership setting and public
// access block (and, for object reads by others than the bucket's owner,
// the object's ACL); handlers never decide access. The rule: an explicit
// deny in the policy wins; a bucket's owner may do everything on it; then
// an ACL grant (package acl) allows, then the policy's allows; any
// authenticated principal may list its own buckets and create buckets, the
// admin actions are the root owner's, and everything else is denied.
//
// A tenant's canonical user id, as S3 documents and ACLs name it, is its
// owner name (OwnerID: the one place this is decided); an ACL grant may
// also name one user by its stored canonical id (Principal.ACLIDs).
package access
