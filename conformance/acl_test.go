package conformance

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/test/harness"
)

const allUsersURI = "http://acs.amazonaws.com/groups/global/AllUsers"

// canonicalID is the canonical user id of cl's tenant, as ListBuckets
// names its owner.
func canonicalID(t *testing.T, cl *s3.Client) string {
	t.Helper()
	out, err := cl.ListBuckets(ctx(t), &s3.ListBucketsInput{})
	mustOK(t, "ListBuckets", err)
	if out.Owner == nil || aws.ToString(out.Owner.ID) == "" {
		t.Fatal("ListBuckets names no owner id")
	}
	return aws.ToString(out.Owner.ID)
}

func anonStatus(t *testing.T, method, bucket, key string) int {
	t.Helper()
	r := doRaw(t, nil, method, rawURL(bucket, key, ""), nil, nil)
	return r.Status
}

// TestACL: ACLs through aws-sdk-go-v2 and raw anonymous requests: a
// public-read object is readable anonymously (and nothing else is); a
// grant to another tenant lets it read the object and its ACL; WRITE on
// a bucket lets it upload; GetBucketAcl and GetObjectAcl answer the
// grants put; malformed ACLs are refused with AWS's codes.
func TestACL(t *testing.T) {
	t.Parallel()
	alt := needAlt(t)
	cl, altCl := rootSDK(), sdkClient(alt)
	altID, rootID := canonicalID(t, altCl), canonicalID(t, cl)
	bucket := newBucket(t)
	putBytes(t, bucket, "private", []byte("private"))

	// Public-read object, from PutObject's x-amz-acl.
	_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("pub"), Body: strings.NewReader("public"),
		ACL: types.ObjectCannedACLPublicRead})
	mustOK(t, "PutObject public-read", err)
	if st := anonStatus(t, http.MethodGet, bucket, "pub"); st != http.StatusOK {
		t.Errorf("anonymous GET of a public-read object: %d, want 200", st)
	}
	if st := anonStatus(t, http.MethodHead, bucket, "pub"); st != http.StatusOK {
		t.Errorf("anonymous HEAD of a public-read object: %d, want 200", st)
	}
	if st := anonStatus(t, http.MethodGet, bucket, "private"); st != http.StatusForbidden {
		t.Errorf("anonymous GET of a private object: %d, want 403", st)
	}
	r := doRaw(t, nil, http.MethodDelete, rawURL(bucket, "pub", ""), nil, nil)
	wantRawErr(t, "anonymous DELETE of a public-read object", r, http.StatusForbidden, "AccessDenied")
	r = doRaw(t, nil, http.MethodGet, rawURL(bucket, "", "list-type=2"), nil, nil)
	wantRawErr(t, "anonymous listing of a private bucket", r, http.StatusForbidden, "AccessDenied")
	got, err := cl.GetObjectAcl(ctx(t), &s3.GetObjectAclInput{Bucket: &bucket, Key: aws.String("pub")})
	mustOK(t, "GetObjectAcl", err)
	if !hasGrant(got.Grants, "", allUsersURI, types.PermissionRead) || !hasGrant(got.Grants, rootID, "", types.PermissionFullControl) {
		t.Errorf("GetObjectAcl of a public-read object: %s", grantsString(got.Grants))
	}

	// A grant to alt, by grant header: alt reads the object and its ACL.
	_, err = altCl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("private")})
	wantErr(t, "alt's GetObject before the grant", err, http.StatusForbidden, "AccessDenied")
	_, err = cl.PutObjectAcl(ctx(t), &s3.PutObjectAclInput{Bucket: &bucket, Key: aws.String("private"),
		GrantRead: aws.String(`id="` + altID + `"`), GrantReadACP: aws.String(`id="` + altID + `"`)})
	mustOK(t, "PutObjectAcl with grant headers", err)
	o, err := altCl.GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("private")})
	mustOK(t, "alt's GetObject after the grant", err)
	o.Body.Close()
	_, err = altCl.GetObjectAcl(ctx(t), &s3.GetObjectAclInput{Bucket: &bucket, Key: aws.String("private")})
	mustOK(t, "alt's GetObjectAcl with READ_ACP", err)
	_, err = altCl.PutObjectAcl(ctx(t), &s3.PutObjectAclInput{Bucket: &bucket, Key: aws.String("private"), ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, "alt's PutObjectAcl without WRITE_ACP", err, http.StatusForbidden, "AccessDenied")
	_, err = altCl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: aws.String("private")})
	wantErr(t, "alt's DeleteObject with READ", err, http.StatusForbidden, "AccessDenied")

	// WRITE on the bucket, by an AccessControlPolicy body: alt uploads.
	_, err = altCl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("from-alt"), Body: strings.NewReader("alt")})
	wantErr(t, "alt's PutObject before WRITE", err, http.StatusForbidden, "AccessDenied")
	_, err = cl.PutBucketAcl(ctx(t), &s3.PutBucketAclInput{Bucket: &bucket, AccessControlPolicy: &types.AccessControlPolicy{
		Owner: &types.Owner{ID: aws.String(rootID)},
		Grants: []types.Grant{
			{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String(rootID)}, Permission: types.PermissionFullControl},
			{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String(altID)}, Permission: types.PermissionWrite},
		}}})
	mustOK(t, "PutBucketAcl with a body", err)
	_, err = altCl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("from-alt"), Body: strings.NewReader("alt")})
	mustOK(t, "alt's PutObject with WRITE", err)
	_, err = altCl.ListObjectsV2(ctx(t), &s3.ListObjectsV2Input{Bucket: &bucket})
	wantErr(t, "alt's listing with WRITE only", err, http.StatusForbidden, "AccessDenied")
	// alt owns what it wrote (ObjectWriter): its own object's ACL names it.
	oa, err := altCl.GetObjectAcl(ctx(t), &s3.GetObjectAclInput{Bucket: &bucket, Key: aws.String("from-alt")})
	mustOK(t, "alt's GetObjectAcl of its own object", err)
	if aws.ToString(oa.Owner.ID) != altID {
		t.Errorf("owner of alt's object: %q, want %q", aws.ToString(oa.Owner.ID), altID)
	}
	ba, err := cl.GetBucketAcl(ctx(t), &s3.GetBucketAclInput{Bucket: &bucket})
	mustOK(t, "GetBucketAcl", err)
	if !hasGrant(ba.Grants, altID, "", types.PermissionWrite) || len(ba.Grants) != 2 || aws.ToString(ba.Owner.ID) != rootID {
		t.Errorf("GetBucketAcl: owner %q, %s", aws.ToString(ba.Owner.ID), grantsString(ba.Grants))
	}

	// A public-read bucket lists anonymously.
	_, err = cl.PutBucketAcl(ctx(t), &s3.PutBucketAclInput{Bucket: &bucket, ACL: types.BucketCannedACLPublicRead})
	mustOK(t, "PutBucketAcl public-read", err)
	r = doRaw(t, nil, http.MethodGet, rawURL(bucket, "", "list-type=2"), nil, nil)
	if r.Status != http.StatusOK {
		t.Errorf("anonymous listing of a public-read bucket: %d, want 200", r.Status)
	}

	// Refused ACLs.
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("x"), Body: strings.NewReader("x"),
		ACL: types.ObjectCannedACL("everyone")})
	wantErr(t, "PutObject with an unknown canned ACL", err, http.StatusBadRequest, "InvalidArgument")
	_, err = cl.PutObjectAcl(ctx(t), &s3.PutObjectAclInput{Bucket: &bucket, Key: aws.String("private"), GrantRead: aws.String(`emailAddress="a@example.com"`)})
	wantErr(t, "PutObjectAcl by e-mail", err, http.StatusBadRequest, "UnresolvableGrantByEmailAddress")
	_, err = cl.PutObjectAcl(ctx(t), &s3.PutObjectAclInput{Bucket: &bucket, Key: aws.String("private"), ACL: types.ObjectCannedACLPrivate,
		GrantRead: aws.String(`id="` + altID + `"`)})
	wantErr(t, "PutObjectAcl with a canned ACL and grants", err, http.StatusBadRequest, "InvalidRequest")
	r = doRaw(t, &tgt.Root, http.MethodPut, rawURL(bucket, "private", "acl"), nil, []byte("<AccessControlPolicy><AccessControlList><Grant>"))
	wantRawErr(t, "PutObjectAcl with malformed XML", r, http.StatusBadRequest, "MalformedACLError")
	_, err = cl.PutObjectAcl(ctx(t), &s3.PutObjectAclInput{Bucket: &bucket, Key: aws.String("nothing"), ACL: types.ObjectCannedACLPrivate})
	wantErr(t, "PutObjectAcl of a missing key", err, http.StatusNotFound, "NoSuchKey")
}

func hasGrant(gs []types.Grant, id, uri string, p types.Permission) bool {
	for _, g := range gs {
		if g.Grantee != nil && g.Permission == p && aws.ToString(g.Grantee.ID) == id && aws.ToString(g.Grantee.URI) == uri {
			return true
		}
	}
	return false
}

func grantsString(gs []types.Grant) string {
	var s []string
	for _, g := range gs {
		if g.Grantee != nil {
			s = append(s, string(g.Grantee.Type)+":"+aws.ToString(g.Grantee.ID)+aws.ToString(g.Grantee.URI)+"="+string(g.Permission))
		}
	}
	return strings.Join(s, " ")
}

// TestOwnershipControls: BucketOwnerEnforced disables ACLs: writes with an
// ACL other than bucket-owner-full-control, PutBucketAcl and PutObjectAcl
// answer AccessControlListNotSupported, and grants no longer allow.
func TestOwnershipControls(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	_, err := cl.GetBucketOwnershipControls(ctx(t), &s3.GetBucketOwnershipControlsInput{Bucket: &bucket})
	wantErr(t, "GetBucketOwnershipControls without any", err, http.StatusNotFound, "OwnershipControlsNotFoundError")
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("pub"), Body: strings.NewReader("p"), ACL: types.ObjectCannedACLPublicRead})
	mustOK(t, "PutObject public-read", err)
	_, err = cl.PutBucketOwnershipControls(ctx(t), &s3.PutBucketOwnershipControlsInput{Bucket: &bucket, OwnershipControls: &types.OwnershipControls{
		Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}})
	mustOK(t, "PutBucketOwnershipControls BucketOwnerEnforced", err)
	got, err := cl.GetBucketOwnershipControls(ctx(t), &s3.GetBucketOwnershipControlsInput{Bucket: &bucket})
	mustOK(t, "GetBucketOwnershipControls", err)
	if len(got.OwnershipControls.Rules) != 1 || got.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Errorf("GetBucketOwnershipControls: %+v", got.OwnershipControls.Rules)
	}
	if st := anonStatus(t, http.MethodGet, bucket, "pub"); st != http.StatusForbidden {
		t.Errorf("anonymous GET of a public-read object with ACLs disabled: %d, want 403", st)
	}
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("x"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, "PutObject public-read with ACLs disabled", err, http.StatusBadRequest, "AccessControlListNotSupported")
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("x"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLBucketOwnerFullControl})
	mustOK(t, "PutObject bucket-owner-full-control with ACLs disabled", err)
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("y"), Body: strings.NewReader("y")})
	mustOK(t, "PutObject without an ACL with ACLs disabled", err)
	_, err = cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: aws.String("m"), GrantRead: aws.String(`uri="` + allUsersURI + `"`)})
	wantErr(t, "CreateMultipartUpload with a grant with ACLs disabled", err, http.StatusBadRequest, "AccessControlListNotSupported")
	_, err = cl.PutBucketAcl(ctx(t), &s3.PutBucketAclInput{Bucket: &bucket, ACL: types.BucketCannedACLPublicRead})
	wantErr(t, "PutBucketAcl with ACLs disabled", err, http.StatusBadRequest, "AccessControlListNotSupported")
	_, err = cl.PutObjectAcl(ctx(t), &s3.PutObjectAclInput{Bucket: &bucket, Key: aws.String("x"), ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, "PutObjectAcl with ACLs disabled", err, http.StatusBadRequest, "AccessControlListNotSupported")
	_, err = cl.GetObjectAcl(ctx(t), &s3.GetObjectAclInput{Bucket: &bucket, Key: aws.String("pub")})
	mustOK(t, "GetObjectAcl with ACLs disabled", err)
	_, err = cl.DeleteBucketOwnershipControls(ctx(t), &s3.DeleteBucketOwnershipControlsInput{Bucket: &bucket})
	mustOK(t, "DeleteBucketOwnershipControls", err)
	if st := anonStatus(t, http.MethodGet, bucket, "pub"); st != http.StatusOK {
		t.Errorf("anonymous GET of a public-read object with ACLs enabled again: %d, want 200", st)
	}
	// A bucket whose ACL grants others cannot be made BucketOwnerEnforced.
	_, err = cl.PutBucketAcl(ctx(t), &s3.PutBucketAclInput{Bucket: &bucket, ACL: types.BucketCannedACLPublicRead})
	mustOK(t, "PutBucketAcl public-read", err)
	_, err = cl.PutBucketOwnershipControls(ctx(t), &s3.PutBucketOwnershipControlsInput{Bucket: &bucket, OwnershipControls: &types.OwnershipControls{
		Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}})
	wantErr(t, "BucketOwnerEnforced over a public bucket ACL", err, http.StatusBadRequest, "InvalidBucketAclWithObjectOwnership")
}

// TestPublicAccessBlock: BlockPublicAcls refuses public ACLs,
// IgnorePublicAcls stops them granting, BlockPublicPolicy refuses a public
// policy, RestrictPublicBuckets stops a public policy granting.
func TestPublicAccessBlock(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	_, err := cl.GetPublicAccessBlock(ctx(t), &s3.GetPublicAccessBlockInput{Bucket: &bucket})
	wantErr(t, "GetPublicAccessBlock without one", err, http.StatusNotFound, "NoSuchPublicAccessBlockConfiguration")
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("pub"), Body: strings.NewReader("p"), ACL: types.ObjectCannedACLPublicRead})
	mustOK(t, "PutObject public-read", err)
	put := func(c types.PublicAccessBlockConfiguration) {
		t.Helper()
		_, err := cl.PutPublicAccessBlock(ctx(t), &s3.PutPublicAccessBlockInput{Bucket: &bucket, PublicAccessBlockConfiguration: &c})
		mustOK(t, "PutPublicAccessBlock", err)
	}
	put(types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true), BlockPublicPolicy: aws.Bool(true)})
	got, err := cl.GetPublicAccessBlock(ctx(t), &s3.GetPublicAccessBlockInput{Bucket: &bucket})
	mustOK(t, "GetPublicAccessBlock", err)
	if c := got.PublicAccessBlockConfiguration; !aws.ToBool(c.BlockPublicAcls) || aws.ToBool(c.IgnorePublicAcls) || !aws.ToBool(c.BlockPublicPolicy) || aws.ToBool(c.RestrictPublicBuckets) {
		t.Errorf("GetPublicAccessBlock: %+v", c)
	}
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("x"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPublicRead})
	wantErr(t, "PutObject public-read under BlockPublicAcls", err, http.StatusForbidden, "AccessDenied")
	_, err = cl.PutBucketAcl(ctx(t), &s3.PutBucketAclInput{Bucket: &bucket, GrantRead: aws.String(`uri="` + allUsersURI + `"`)})
	wantErr(t, "PutBucketAcl granting AllUsers under BlockPublicAcls", err, http.StatusForbidden, "AccessDenied")
	_, err = cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String("x"), Body: strings.NewReader("x"), ACL: types.ObjectCannedACLPrivate})
	mustOK(t, "PutObject private under BlockPublicAcls", err)
	pub := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::` + bucket + `/*"}]}`
	_, err = cl.PutBucketPolicy(ctx(t), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &pub})
	wantErr(t, "PutBucketPolicy public under BlockPublicPolicy", err, http.StatusForbidden, "AccessDenied")
	if st := anonStatus(t, http.MethodGet, bucket, "pub"); st != http.StatusOK {
		t.Errorf("anonymous GET of an existing public-read object under BlockPublicAcls: %d, want 200 (blocking does not ignore)", st)
	}
	put(types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true)})
	if st := anonStatus(t, http.MethodGet, bucket, "pub"); st != http.StatusForbidden {
		t.Errorf("anonymous GET of a public-read object under IgnorePublicAcls: %d, want 403", st)
	}
	put(types.PublicAccessBlockConfiguration{})
	_, err = cl.PutBucketPolicy(ctx(t), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &pub})
	mustOK(t, "PutBucketPolicy public", err)
	put(types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true), RestrictPublicBuckets: aws.Bool(true)})
	if st := anonStatus(t, http.MethodGet, bucket, "pub"); st != http.StatusForbidden {
		t.Errorf("anonymous GET under RestrictPublicBuckets with a public policy: %d, want 403", st)
	}
	_, err = cl.DeletePublicAccessBlock(ctx(t), &s3.DeletePublicAccessBlockInput{Bucket: &bucket})
	mustOK(t, "DeletePublicAccessBlock", err)
	if st := anonStatus(t, http.MethodGet, bucket, "x"); st != http.StatusOK {
		t.Errorf("anonymous GET under the public policy once unblocked: %d, want 200", st)
	}
}

// TestACLAWSCLI: aws s3api put-bucket-acl --acl public-read,
// put-object-acl --grant-read id=..., get-object-acl, get-bucket-acl.
func TestACLAWSCLI(t *testing.T) {
	t.Parallel()
	alt := needAlt(t)
	altID := canonicalID(t, sdkClient(alt))
	cli := harness.NewAWSCLI(t, tgt.Endpoint, tgt.Region, tgt.Root)
	bucket := newBucket(t)
	putBytes(t, bucket, "k", []byte("data"))
	cli.Run(t, "s3api", "put-bucket-acl", "--bucket", bucket, "--acl", "public-read")
	r := doRaw(t, nil, http.MethodGet, rawURL(bucket, "", "list-type=2"), nil, nil)
	if r.Status != http.StatusOK {
		t.Errorf("anonymous listing after put-bucket-acl --acl public-read: %d, want 200", r.Status)
	}
	var bacl struct {
		Grants []struct {
			Grantee    struct{ Type, ID, URI string }
			Permission string
		}
	}
	mustOK(t, "parse get-bucket-acl", json.Unmarshal([]byte(cli.Run(t, "s3api", "get-bucket-acl", "--bucket", bucket)), &bacl))
	found := false
	for _, g := range bacl.Grants {
		found = found || (g.Grantee.URI == allUsersURI && g.Permission == "READ")
	}
	if !found {
		t.Errorf("get-bucket-acl after --acl public-read: %+v", bacl.Grants)
	}
	_, err := sdkClient(alt).GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")})
	wantErr(t, "alt's GetObject before put-object-acl", err, http.StatusForbidden, "AccessDenied")
	cli.Run(t, "s3api", "put-object-acl", "--bucket", bucket, "--key", "k", "--grant-read", "id="+altID)
	var oacl struct {
		Owner  struct{ ID string }
		Grants []struct {
			Grantee    struct{ Type, ID, URI string }
			Permission string
		}
	}
	mustOK(t, "parse get-object-acl", json.Unmarshal([]byte(cli.Run(t, "s3api", "get-object-acl", "--bucket", bucket, "--key", "k")), &oacl))
	if len(oacl.Grants) != 1 || oacl.Grants[0].Grantee.ID != altID || oacl.Grants[0].Permission != "READ" || oacl.Grants[0].Grantee.Type != "CanonicalUser" {
		t.Errorf("get-object-acl after --grant-read: %+v", oacl)
	}
	o, err := sdkClient(alt).GetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String("k")})
	mustOK(t, "alt's GetObject after put-object-acl --grant-read", err)
	o.Body.Close()
}
