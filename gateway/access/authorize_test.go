package access

import (
	"net/netip"
	"testing"

	"github.com/dolium/dolium/gateway/access/policy"
)

func TestAuthorize(t *testing.T) {
	alice := Principal{Owner: "alice", AccessKey: "AKALICE"}
	bob := Principal{Owner: "bob", AccessKey: "AKBOB"}
	root := Principal{Owner: RootOwner, AccessKey: "AKROOT"}
	anon := Principal{Anonymous: true}
	alices := Resource{Bucket: "bkt", Owner: "alice", Key: "k"}
	roots := Resource{Bucket: "rb", Owner: RootOwner}
	bucketActions := []Action{
		DeleteBucket, ListBucket, GetBucketLocation, GetBucketVersioning, GetBucketAcl,
		ListBucketMultipartUploads, GetObject, GetObjectAcl, PutObject, DeleteObject,
		AbortMultipartUpload, ListMultipartUploadParts,
	}
	rc := RequestContext{SourceIP: netip.MustParseAddr("192.0.2.1")}
	tests := []struct {
		name string
		p    Principal
		a    []Action
		r    Resource
		want Decision
	}{
		{"owner on own bucket", alice, bucketActions, alices, Allow},
		{"another owner", bob, bucketActions, alices, Deny},
		{"root on another owner's bucket", root, bucketActions, alices, Deny},
		{"root on its own bucket", root, bucketActions, roots, Allow},
		{"anonymous on a bucket", anon, bucketActions, alices, Deny},
		{"no owner known", alice, bucketActions, Resource{Bucket: "bkt"}, Deny},
		{"no bucket", alice, bucketActions, Resource{Owner: "alice"}, Deny},
		{"list own buckets, create", alice, []Action{ListAllMyBuckets, CreateBucket}, Resource{Bucket: "new"}, Allow},
		{"anonymous list, create", anon, []Action{ListAllMyBuckets, CreateBucket}, Resource{}, Deny},
		{"admin by root", root, []Action{AdminRead, AdminWrite}, Resource{}, Allow},
		{"admin by another owner", alice, []Action{AdminRead, AdminWrite}, Resource{}, Deny},
		{"admin by the owner of the bucket named", alice, []Action{AdminRead, AdminWrite}, alices, Deny},
		{"admin anonymous", anon, []Action{AdminRead, AdminWrite}, Resource{}, Deny},
		{"anonymous claiming root", Principal{Owner: RootOwner, Anonymous: true}, []Action{AdminRead, GetObject}, roots, Deny},
		{"empty principal", Principal{}, []Action{ListAllMyBuckets, GetObject}, Resource{Bucket: "b"}, Deny},
		{"unknown action", alice, []Action{"s3:PutBucketPolicy"}, alices, Allow},
		{"unknown action, another owner", bob, []Action{"s3:PutBucketPolicy", "dolium:Other"}, alices, Deny},
	}
	for _, tt := range tests {
		for _, a := range tt.a {
			if got := Authorize(tt.p, a, tt.r, rc); got != tt.want {
				t.Errorf("%s: Authorize(%+v, %s, %+v) = %s, want %s", tt.name, tt.p, a, tt.r, got, tt.want)
			}
			if got := Owners.Authorize(tt.p, a, tt.r, rc); got != tt.want {
				t.Errorf("%s: Owners.Authorize(%s) = %s, want %s", tt.name, a, got, tt.want)
			}
		}
	}
}

func TestPrincipalRoot(t *testing.T) {
	for p, want := range map[Principal]bool{
		{Owner: RootOwner, AccessKey: "AK"}: true,
		{Owner: RootOwner, Anonymous: true}: false,
		{Owner: "alice", AccessKey: "AK"}:   false,
		{}:                                  false,
	} {
		if got := p.Root(); got != want {
			t.Errorf("%+v.Root() = %v, want %v", p, got, want)
		}
	}
}

func TestActionNames(t *testing.T) {
	// The names policies will use: exactly IAM's.
	for a, want := range map[Action]string{
		ListAllMyBuckets: "s3:ListAllMyBuckets", CreateBucket: "s3:CreateBucket", DeleteBucket: "s3:DeleteBucket",
		ListBucket: "s3:ListBucket", GetBucketLocation: "s3:GetBucketLocation", GetBucketVersioning: "s3:GetBucketVersioning",
		GetBucketAcl: "s3:GetBucketAcl", ListBucketMultipartUploads: "s3:ListBucketMultipartUploads",
		GetObject: "s3:GetObject", GetObjectAcl: "s3:GetObjectAcl", PutObject: "s3:PutObject", DeleteObject: "s3:DeleteObject",
		AbortMultipartUpload: "s3:AbortMultipartUpload", ListMultipartUploadParts: "s3:ListMultipartUploadParts",
		AdminRead: "dolium:AdminRead", AdminWrite: "dolium:AdminWrite",
	} {
		if string(a) != want {
			t.Errorf("action %q, want %q", a, want)
		}
	}
	if !AdminRead.Admin() || !AdminWrite.Admin() || GetObject.Admin() {
		t.Error("Admin() does not tell dolium's admin actions apart")
	}
}

// TestAuthorizeIdentityPolicy: a user with an identity policy may do only
// what it allows (or the bucket policy does), on its tenant's buckets too;
// its deny wins; on another tenant's bucket both policies must allow.
func TestAuthorizeIdentityPolicy(t *testing.T) {
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::*"]},
		{"Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::*/secret/*"}]}`
	if _, err := policy.ParseIdentity([]byte(readOnly)); err != nil {
		t.Fatal(err)
	}
	reader := Principal{Owner: "alice", AccessKey: "AKREAD", Identity: Identity{User: "reader", ARN: "arn:aws:iam::alice:user/reader", Policy: readOnly}}
	own := Resource{Bucket: "bkt", Owner: "alice", Key: "k"}
	secret := Resource{Bucket: "bkt", Owner: "alice", Key: "secret/k"}
	bobs, err := policy.Parse([]byte(`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::alice:user/reader"},"Action":["s3:GetObject","s3:PutObject"],"Resource":"arn:aws:s3:::bb/*"}]}`), "bb")
	if err != nil {
		t.Fatal(err)
	}
	bob := Resource{Bucket: "bb", Owner: "bob", Key: "k", Policy: bobs}
	for _, c := range []struct {
		name string
		a    Action
		r    Resource
		want Decision
	}{
		{"read own tenant's object", GetObject, own, Allow},
		{"write own tenant's object", PutObject, own, Deny},
		{"read a denied prefix", GetObject, secret, Deny},
		{"read another tenant's, both allow", GetObject, bob, Allow},
		{"write another tenant's, only the bucket allows", PutObject, bob, Deny},
	} {
		if got := Authorize(reader, c.a, c.r, RequestContext{}); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	if _, err := policy.ParseIdentity([]byte(`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`)); err == nil {
		t.Error("an identity policy naming a Principal was accepted")
	}
}
