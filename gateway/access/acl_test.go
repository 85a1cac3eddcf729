package access

import (
	"fmt"
	"testing"

	"github.com/dolium/dolium/gateway/access/acl"
	"github.com/dolium/dolium/gateway/access/policy"
)

// ACL grants allow after the explicit deny and the owner rule: the
// bucket's ACL for bucket actions, the object's for object reads and its
// ACL operations; not when ACLs are disabled; public grants not under
// IgnorePublicAcls; a public policy's allows not under
// RestrictPublicBuckets.
func TestAuthorizeACL(t *testing.T) {
	alice := Principal{Owner: "alice", AccessKey: "AKALICE"}
	bob := Principal{Owner: "bob", AccessKey: "AKBOB"}
	anon := Principal{Anonymous: true}
	private := acl.Private("alice")
	publicRead, _ := acl.Canned("public-read", "alice", "")
	bobWrites := acl.ACL{Owner: "alice", Grants: []acl.Grant{acl.UserGrant("alice", acl.FullControl), acl.UserGrant("bob", acl.Write)}}
	bobReadsACL := acl.ACL{Owner: "alice", Grants: []acl.Grant{acl.UserGrant("bob", acl.ReadACP)}}
	authRead, _ := acl.Canned("authenticated-read", "alice", "")
	bobOwns := acl.Private("bob")
	res := func(bucketACL, objectACL *acl.ACL) Resource {
		return Resource{Bucket: "bkt", Owner: "alice", Key: "k", ACL: bucketACL, ObjectACL: objectACL}
	}
	mustPolicy := func(doc string) *policy.Policy {
		p, err := policy.Parse([]byte(doc), "bkt")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	denyBob := mustPolicy(`{"Statement":[{"Effect":"Deny","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"arn:aws:s3:::bkt/*"}]}`)
	publicPolicy := mustPolicy(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`)
	bobPolicy := mustPolicy(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`)
	with := func(r Resource, f func(*Resource)) Resource { f(&r); return r }
	tests := []struct {
		name string
		p    Principal
		a    Action
		r    Resource
		want Decision
	}{
		{"private bucket: bob lists", bob, ListBucket, res(&private, nil), Deny},
		{"public-read object: anonymous reads", anon, GetObject, res(&private, &publicRead), Allow},
		{"public-read object: anonymous reads a version", anon, GetObjectVersion, res(&private, &publicRead), Allow},
		{"public-read object: anonymous does not delete", anon, DeleteObject, res(&private, &publicRead), Deny},
		{"public-read bucket: anonymous lists", anon, ListBucket, res(&publicRead, nil), Allow},
		{"public-read bucket: object not readable by it", anon, GetObject, res(&publicRead, &private), Deny},
		{"bucket WRITE: bob puts", bob, PutObject, res(&bobWrites, nil), Allow},
		{"bucket WRITE: bob deletes", bob, DeleteObject, res(&bobWrites, nil), Allow},
		{"bucket WRITE: bob does not list", bob, ListBucket, res(&bobWrites, nil), Deny},
		{"bucket WRITE: anonymous does not put", anon, PutObject, res(&bobWrites, nil), Deny},
		{"bucket WRITE: not the bucket's deletion", bob, DeleteBucket, res(&bobWrites, nil), Deny},
		{"READ_ACP on the bucket", bob, GetBucketAcl, res(&bobReadsACL, nil), Allow},
		{"READ_ACP is not WRITE_ACP", bob, PutBucketAcl, res(&bobReadsACL, nil), Deny},
		{"object READ_ACP", bob, GetObjectAcl, res(&private, &bobReadsACL), Allow},
		{"object owner's full control", bob, PutObjectAcl, res(&private, &bobOwns), Allow},
		{"authenticated-read: bob reads", bob, GetObject, res(&private, &authRead), Allow},
		{"authenticated-read: anonymous does not", anon, GetObject, res(&private, &authRead), Deny},
		{"object ACL not read: nothing granted", anon, GetObject, res(&publicRead, nil), Deny},
		{"ACLs disabled", anon, GetObject, with(res(&publicRead, &publicRead), func(r *Resource) { r.ACLsDisabled = true }), Deny},
		{"ACLs disabled: the owner", alice, GetObject, with(res(&private, &private), func(r *Resource) { r.ACLsDisabled = true }), Allow},
		{"IgnorePublicAcls", anon, GetObject, with(res(&private, &publicRead), func(r *Resource) { r.PublicAccess.IgnorePublicAcls = true }), Deny},
		{"IgnorePublicAcls keeps user grants", bob, PutObject, with(res(&bobWrites, nil), func(r *Resource) { r.PublicAccess.IgnorePublicAcls = true }), Allow},
		{"explicit deny beats a grant", bob, GetObject, with(res(&private, &authRead), func(r *Resource) { r.Policy = denyBob }), Deny},
		{"public policy", anon, GetObject, with(res(&private, nil), func(r *Resource) { r.Policy = publicPolicy }), Allow},
		{"RestrictPublicBuckets: public policy", anon, GetObject, with(res(&private, nil), func(r *Resource) {
			r.Policy, r.PublicAccess.RestrictPublicBuckets = publicPolicy, true
		}), Deny},
		{"RestrictPublicBuckets: not a public policy", bob, GetObject, with(res(&private, nil), func(r *Resource) {
			r.Policy, r.PublicAccess.RestrictPublicBuckets = bobPolicy, true
		}), Allow},
		{"RestrictPublicBuckets: the owner", alice, GetObject, with(res(&private, nil), func(r *Resource) {
			r.Policy, r.PublicAccess.RestrictPublicBuckets = publicPolicy, true
		}), Allow},
	}
	for _, tt := range tests {
		if got := Authorize(tt.p, tt.a, tt.r, RequestContext{}); got != tt.want {
			t.Errorf("%s: Authorize(%s, %s) = %s, want %s", tt.name, tt.p.Owner, tt.a, got, tt.want)
		}
	}
	carol := Principal{Owner: "carol", AccessKey: "c", Identity: Identity{CanonicalID: "c0ffee"}}
	if got := fmt.Sprintf("%v,%v,%v,%s", alice.ACLIDs(), anon.ACLIDs(), carol.ACLIDs(), OwnerID("t")); got != "[alice],[],[carol c0ffee],t" {
		t.Errorf("canonical ids %q", got)
	}
}
