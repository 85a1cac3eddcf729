package access

import (
	"net/netip"

	"github.com/dolium/dolium/gateway/access/acl"
	"github.com/dolium/dolium/gateway/access/policy"
)

// Action names what a request does, as IAM names it ("s3:GetObject"), or
// one of dolium's own ("dolium:AdminRead").
type Action string

// The S3 actions of the operations dolium serves (the AWS S3 API
// Reference's "Permissions" section of each operation).
const (
	ListAllMyBuckets           Action = "s3:ListAllMyBuckets"           // ListBuckets
	CreateBucket               Action = "s3:CreateBucket"               // CreateBucket
	DeleteBucket               Action = "s3:DeleteBucket"               // DeleteBucket
	ListBucket                 Action = "s3:ListBucket"                 // ListObjects, ListObjectsV2, HeadBucket
	GetBucketLocation          Action = "s3:GetBucketLocation"          // GetBucketLocation
	GetBucketVersioning        Action = "s3:GetBucketVersioning"        // GetBucketVersioning
	GetBucketAcl               Action = "s3:GetBucketAcl"               // GetBucketAcl
	ListBucketMultipartUploads Action = "s3:ListBucketMultipartUploads" // ListMultipartUploads
	ListBucketVersions         Action = "s3:ListBucketVersions"         // ListObjectVersions
	GetObject                  Action = "s3:GetObject"                  // GetObject, HeadObject, a copy's source
	GetObjectAcl               Action = "s3:GetObjectAcl"               // GetObjectAcl
	// PutObject: PutObject, CopyObject, CreateMultipartUpload,
	// UploadPart, UploadPartCopy, CompleteMultipartUpload.
	PutObject                Action = "s3:PutObject"
	DeleteObject             Action = "s3:DeleteObject"             // DeleteObject, DeleteObjects
	AbortMultipartUpload     Action = "s3:AbortMultipartUpload"     // AbortMultipartUpload
	ListMultipartUploadParts Action = "s3:ListMultipartUploadParts" // ListParts

	PutBucketVersioning Action = "s3:PutBucketVersioning" // PutBucketVersioning
	// GetObjectVersion: GetObject, HeadObject and a copy's source with a
	// version id.
	GetObjectVersion Action = "s3:GetObjectVersion"
	// DeleteObjectVersion: DeleteObject, and a DeleteObjects entry, with
	// a version id.
	DeleteObjectVersion Action = "s3:DeleteObjectVersion"
	// BypassGovernanceRetention: x-amz-bypass-governance-retention.
	BypassGovernanceRetention        Action = "s3:BypassGovernanceRetention"
	PutObjectRetention               Action = "s3:PutObjectRetention"               // PutObjectRetention
	GetObjectRetention               Action = "s3:GetObjectRetention"               // GetObjectRetention
	PutObjectLegalHold               Action = "s3:PutObjectLegalHold"               // PutObjectLegalHold
	GetObjectLegalHold               Action = "s3:GetObjectLegalHold"               // GetObjectLegalHold
	PutBucketObjectLockConfiguration Action = "s3:PutBucketObjectLockConfiguration" // PutObjectLockConfiguration
	GetBucketObjectLockConfiguration Action = "s3:GetBucketObjectLockConfiguration" // GetObjectLockConfiguration
	// PutLifecycleConfiguration: PutBucketLifecycleConfiguration and
	// DeleteBucketLifecycle.
	PutLifecycleConfiguration Action = "s3:PutLifecycleConfiguration"
	GetLifecycleConfiguration Action = "s3:GetLifecycleConfiguration" // GetBucketLifecycleConfiguration
	// PutBucketPolicy, GetBucketPolicy, DeleteBucketPolicy: the bucket
	// policy operations; GetBucketPolicyStatus.
	PutBucketPolicy       Action = "s3:PutBucketPolicy"
	GetBucketPolicy       Action = "s3:GetBucketPolicy"
	DeleteBucketPolicy    Action = "s3:DeleteBucketPolicy"
	GetBucketPolicyStatus Action = "s3:GetBucketPolicyStatus"
	PutObjectTagging      Action = "s3:PutObjectTagging"    // PutObjectTagging
	GetObjectTagging      Action = "s3:GetObjectTagging"    // GetObjectTagging
	DeleteObjectTagging   Action = "s3:DeleteObjectTagging" // DeleteObjectTagging
	// PutBucketTagging: PutBucketTagging and DeleteBucketTagging.
	PutBucketTagging    Action = "s3:PutBucketTagging"
	GetBucketTagging    Action = "s3:GetBucketTagging"    // GetBucketTagging
	GetObjectAttributes Action = "s3:GetObjectAttributes" // GetObjectAttributes
	// PutBucketCORS: PutBucketCors and DeleteBucketCors.
	PutBucketCORS Action = "s3:PutBucketCORS"
	GetBucketCORS Action = "s3:GetBucketCORS" // GetBucketCors
	// ACLs (acl.go): PutBucketAcl, PutObjectAcl; the ownership controls
	// and public access block operations.
	PutBucketAcl               Action = "s3:PutBucketAcl"
	PutObjectAcl               Action = "s3:PutObjectAcl"
	PutBucketOwnershipControls Action = "s3:PutBucketOwnershipControls" // Put/DeleteBucketOwnershipControls
	GetBucketOwnershipControls Action = "s3:GetBucketOwnershipControls"
	PutBucketPublicAccessBlock Action = "s3:PutBucketPublicAccessBlock" // Put/DeletePublicAccessBlock
	GetBucketPublicAccessBlock Action = "s3:GetBucketPublicAccessBlock"
)

// dolium's own actions: the operator endpoints.
const (
	// AdminRead: reports (redundancy, zones, placements, gc verification).
	AdminRead Action = "dolium:AdminRead"
	// AdminWrite: operator actions that change state (start a rebuild,
	// queue orphans for collection).
	AdminWrite Action = "dolium:AdminWrite"
)

// Versioned is the action a request with a version id needs instead of a
// (s3:GetObject → s3:GetObjectVersion, s3:DeleteObject →
// s3:DeleteObjectVersion), as IAM names them; a itself otherwise.
func (a Action) Versioned() Action {
	switch a {
	case GetObject:
		return GetObjectVersion
	case DeleteObject:
		return DeleteObjectVersion
	}
	return a
}

// Admin reports whether a is one of dolium's operator actions.
func (a Action) Admin() bool { return a == AdminRead || a == AdminWrite }

// Principal is who a request acts for.
type Principal struct {
	// Owner is the tenant the access key acts for ("" when anonymous).
	Owner string
	// AccessKey is the key the request was signed with ("" when anonymous).
	AccessKey string
	// Anonymous: the request carried no signature.
	Anonymous bool
	// Identity is the user behind the access key (users.go).
	Identity
}

// PolicyIDs are the identifiers a bucket policy's Principal may name p by:
// its tenant (owner) id, the account ARN of that tenant
// (arn:aws:iam::<owner>:root), and its access key.
func (p Principal) PolicyIDs() []string {
	if p.Anonymous || p.Owner == "" {
		return nil
	}
	ids := []string{p.Owner, "arn:aws:iam::" + p.Owner + ":root", p.AccessKey}
	if p.ARN != "" {
		ids = append(ids, p.ARN)
	}
	if p.CanonicalID != "" {
		ids = append(ids, p.CanonicalID)
	}
	return ids
}

// OwnerID is the id by which S3 documents (bucket and object listings,
// ACLs) name tenant owner: the owner name itself. It is the one place
// the mapping is made.
func OwnerID(owner string) string { return owner }

// ACLIDs are the ids an ACL grant may name p by: its owner's id, and the
// canonical id of its user (64 hex digits, as dolium admin user list
// shows it). None when anonymous.
func (p Principal) ACLIDs() []string {
	if p.Anonymous || p.Owner == "" {
		return nil
	}
	if p.CanonicalID != "" {
		return []string{OwnerID(p.Owner), p.CanonicalID}
	}
	return []string{OwnerID(p.Owner)}
}

// Root reports whether p acts for the root owner.
func (p Principal) Root() bool { return !p.Anonymous && p.Owner == RootOwner }

// Resource is what an action is on: a bucket (with what is known of it:
// its owner; later its policy and ACL, so that deciding needs no I/O) and
// a key. The zero Resource is the service itself (ListBuckets, admin).
type Resource struct {
	Bucket string
	// Owner is the bucket's owner; "" when the bucket does not exist yet
	// (CreateBucket) or none is named.
	Owner string
	Key   string
	// Policy is the bucket's policy (nil: none).
	Policy *policy.Policy
	// ACL is the bucket's ACL (nil: none but its owner's).
	ACL *acl.ACL
	// ObjectACL is the object's ACL, for the actions whose ACL permission
	// is on the object (acl.Needed: GetObject, Get/PutObjectAcl), read
	// only when the requester is not the bucket's owner (nil: not read,
	// or no such object).
	ObjectACL *acl.ACL
	// ACLsDisabled: the bucket's object ownership is BucketOwnerEnforced;
	// no ACL grant is evaluated.
	ACLsDisabled bool
	// PublicAccess is the bucket's public access block.
	PublicAccess acl.PublicAccessBlock
}

// RequestContext is what a decision may look at besides who and what:
// where the request came from, how, and condition keys for policies.
type RequestContext struct {
	// SourceIP is the client's address (zero when unknown).
	SourceIP netip.Addr
	// SecureTransport: the request came over TLS (aws:SecureTransport).
	SecureTransport bool
	// Conditions are the policy condition keys of the request, lower-case
	// ("aws:sourceip", "s3:prefix", "s3:x-amz-acl", ...), and their
	// values.
	Conditions map[string][]string
}

// Decision is an authorisation's answer.
type Decision uint8

const (
	// Deny is the answer unless something allows the action.
	Deny Decision = iota
	Allow
)

func (d Decision) String() string {
	if d == Allow {
		return "Allow"
	}
	return "Deny"
}

// Authorizer decides whether a principal may do an action on a resource.
// It is the one place access is decided: the request pipeline asks it for
// every request (and a copy's source), and no handler decides by itself.
type Authorizer interface {
	Authorize(p Principal, a Action, r Resource, rc RequestContext) Decision
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(p Principal, a Action, r Resource, rc RequestContext) Decision

// Authorize calls f.
func (f AuthorizerFunc) Authorize(p Principal, a Action, r Resource, rc RequestContext) Decision {
	return f(p, a, r, rc)
}

// Owners is the default Authorizer: Authorize.
var Owners Authorizer = AuthorizerFunc(Authorize)

// Authorize decides as IAM does for S3, with the sources dolium has: an
// explicit deny in the bucket's policy wins (except that a bucket's owner
// can always read, replace and delete its policy: the way back from a
// policy that locks everyone out, as AWS keeps for the account root);
// then the bucket's owner may do everything on it; then an ACL grant
// (the bucket's ACL for bucket actions, the object's for object reads and
// its ACL operations; none when ACLs are disabled, public grants none
// under IgnorePublicAcls); then the policy's allows (a public policy's
// none under RestrictPublicBuckets), anonymous requests included; else the
// request is denied. The
// admin actions are the root owner's only; any authenticated principal may
// list its own buckets and create buckets.
func Authorize(p Principal, a Action, r Resource, rc RequestContext) Decision {
	authenticated := !p.Anonymous && p.Owner != ""
	switch {
	case a.Admin():
		return allowIf(authenticated && p.Root())
	case a == ListAllMyBuckets || a == CreateBucket:
		return allowIf(authenticated)
	case r.Bucket == "" || r.Owner == "":
		return Deny
	}
	owner := authenticated && r.Owner == p.Owner
	effect := policy.Neither
	if r.Policy != nil {
		effect = r.Policy.Evaluate(policy.Request{
			Principals: p.PolicyIDs(), Anonymous: !authenticated, Action: string(a),
			Resource:   policy.ResourceARN(r.Bucket, r.Key, policy.ObjectAction(string(a))),
			Conditions: rc.Conditions,
		})
	}
	// The user's identity policy, when one is attached: its deny denies,
	// and the user may then do only what it (or the bucket policy, on
	// the owner's buckets) allows; a user without one acts with all of
	// its tenant's rights, as every key did before identity policies.
	idEffect := policy.Neither
	if authenticated && p.Policy != "" {
		idEffect = policy.Denied // a stored policy that no longer parses allows nothing
		if ip, err := policy.ParseIdentity([]byte(p.Policy)); err == nil {
			idEffect = ip.Evaluate(policy.Request{
				Principals: p.PolicyIDs(), Action: string(a),
				Resource:   policy.ResourceARN(r.Bucket, r.Key, policy.ObjectAction(string(a))),
				Conditions: rc.Conditions,
			})
		}
	}
	recovery := owner && p.Policy == "" && (a == GetBucketPolicy || a == PutBucketPolicy || a == DeleteBucketPolicy)
	switch {
	case effect == policy.Denied || idEffect == policy.Denied:
		return allowIf(recovery)
	case owner && p.Policy == "":
		return Allow
	case owner:
		return allowIf(idEffect == policy.Allowed || effect == policy.Allowed)
	}
	// Another tenant, or anonymous: the bucket policy (a public one's
	// allows none under RestrictPublicBuckets: only the owner's account,
	// handled above, may use them) or an ACL grant; a user with an
	// identity policy needs its allow too, as across AWS accounts.
	granted := (effect == policy.Allowed && !(r.PublicAccess.RestrictPublicBuckets && r.Policy.Public())) ||
		aclAllows(p, a, r)
	if p.Policy != "" {
		return allowIf(granted && idEffect == policy.Allowed)
	}
	return allowIf(granted)
}

// aclAllows reports whether the ACL that action a is looked up on grants
// its permission to p.
func aclAllows(p Principal, a Action, r Resource) bool {
	if r.ACLsDisabled {
		return false
	}
	perm, scope, ok := acl.Needed(string(a))
	if !ok {
		return false
	}
	list := r.ACL
	if scope == acl.OnObject {
		list = r.ObjectACL
	}
	if list == nil {
		return false
	}
	return list.Allows(acl.Requester{IDs: p.ACLIDs()}, perm, r.PublicAccess.IgnorePublicAcls)
}

func allowIf(ok bool) Decision {
	if ok {
		return Allow
	}
	return Deny
}
