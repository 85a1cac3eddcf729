package s3api

import (
	"context"
	"io"
	"net/http"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/access/acl"
	"github.com/dolium/dolium/gateway/access/policy"
	"github.com/dolium/dolium/s3api/s3err"
)

// ACLs: PutBucketAcl, GetBucketAcl, PutObjectAcl, GetObjectAcl; the ACL
// headers of CreateBucket, PutObject, CopyObject and
// CreateMultipartUpload; Put/Get/DeleteBucketOwnershipControls and
// Put/Get/DeletePublicAccessBlock. The model is gateway/access/acl; the
// documents are bucket configuration and an object version's field
// (package gateway); access.Authorize evaluates the grants.

// aclHeaderNames are the request headers that state an ACL.
var aclHeaderNames = []string{"x-amz-acl", "x-amz-grant-*"}

// aclInput is the ACL a request states: a canned ACL (x-amz-acl), grants
// (x-amz-grant-*) or an AccessControlPolicy body (PutBucketAcl,
// PutObjectAcl only).
type aclInput struct {
	canned string
	grants []acl.Grant
	body   *acl.ACL
}

func (in aclInput) set() bool { return in.canned != "" || in.grants != nil || in.body != nil }

// aclHeaders parses a request's x-amz-acl and x-amz-grant-* headers, before
// the bucket is resolved: an unknown canned ACL or a malformed grant is
// InvalidArgument, both kinds at once InvalidRequest.
func aclHeaders(h http.Header) (aclInput, error) {
	in := aclInput{canned: h.Get("X-Amz-Acl")}
	grants, found, err := acl.ParseGrantHeaders(h.Get)
	if err != nil {
		return in, aclError(err)
	}
	if found {
		in.grants = append([]acl.Grant{}, grants...)
	}
	if in.canned != "" {
		if found {
			return in, s3err.InvalidRequest.With("Specifying both Canned ACLs and Header Grants is not allowed")
		}
		if _, err := acl.Canned(in.canned, "", ""); err != nil {
			return in, aclError(err)
		}
	}
	return in, nil
}

// aclError is err (an *acl.Error) as its S3 error.
func aclError(err error) error {
	if ae, ok := err.(*acl.Error); ok {
		if e, ok := s3err.ByCode(ae.Code); ok {
			if ae.Message != "" {
				return e.With(ae.Message)
			}
			return e
		}
	}
	return err
}

// build is the ACL in states for a resource owned by ownerID in a bucket
// owned by bucketOwnerID.
func (in aclInput) build(ownerID, bucketOwnerID string) (acl.ACL, error) {
	switch {
	case in.canned != "":
		return acl.Canned(in.canned, ownerID, bucketOwnerID)
	case in.body != nil:
		a := *in.body
		if a.Owner == "" {
			a.Owner = ownerID
		}
		return a, nil
	}
	return acl.ACL{Owner: ownerID, Grants: in.grants}, nil
}

// objectWrite is the owner and the encoded ACL of an object a write
// creates in r.bucket: the writer owns it, except under
// BucketOwnerEnforced (and under BucketOwnerPreferred when it asks for
// bucket-owner-full-control), where the bucket's owner does. An ACL the
// bucket refuses is its error (AccessControlListNotSupported,
// AccessDenied); under BucketOwnerEnforced no ACL is stored.
func objectWrite(r *request, in aclInput) (owner string, doc []byte, err error) {
	b := r.bucket
	owner = r.principal.Owner
	switch b.Ownership() {
	case acl.BucketOwnerEnforced:
		owner = b.Owner
	case acl.BucketOwnerPreferred:
		if in.canned == acl.CannedBucketOwnerFullControl {
			owner = b.Owner
		}
	}
	if !in.set() {
		return owner, nil, nil
	}
	a, err := in.build(access.OwnerID(owner), b.OwnerID())
	if err != nil {
		return "", nil, aclError(err)
	}
	if err := b.CheckACL(a, in.canned); err != nil {
		return "", nil, aclError(err)
	}
	if b.ACLsDisabled() {
		return owner, nil, nil
	}
	return owner, a.Encode(), nil
}

// bucketResource is what access is decided on for key in bucket b: its
// owner, policy, ACL, ownership and public access block.
func bucketResource(b gateway.Bucket, key string, pol *policy.Policy) access.Resource {
	a := b.ACL()
	pab, _ := b.PublicAccessBlock()
	return access.Resource{Bucket: b.Name, Owner: b.Owner, Key: key, Policy: pol,
		ACL: &a, ACLsDisabled: b.ACLsDisabled(), PublicAccess: pab}
}

// objectACLRead: the operations whose ACL permission is on the object
// (READ, READ_ACP, WRITE_ACP), for which the object's ACL is read before
// authorisation when the requester does not own the bucket.
var objectACLRead = map[OpName]bool{OpGetObject: true, OpHeadObject: true, OpGetObjectAcl: true, OpPutObjectAcl: true}

// withObjectACL adds the ACL of the object version res names to res, when
// p does not own the bucket and ACLs are enabled (the owner's requests
// read nothing more). An object that cannot be read leaves res unchanged:
// nothing is granted, and the operation answers as it would.
func (s *Server) withObjectACL(ctx context.Context, p access.Principal, b gateway.Bucket, versionID string, res *access.Resource) {
	if (!p.Anonymous && p.Owner == b.Owner) || b.ACLsDisabled() {
		return
	}
	a, _, err := s.gw.ObjectACL(ctx, b, gateway.VersionTarget{Key: res.Key, VersionID: versionID})
	if err == nil {
		res.ObjectACL = &a
	}
}

// putACLInput reads the ACL of PutBucketAcl and PutObjectAcl: exactly one
// of a canned ACL, grant headers or an AccessControlPolicy body.
func putACLInput(r *request) (aclInput, error) {
	in, err := aclHeaders(r.Header)
	if err != nil {
		return in, err
	}
	b, err := io.ReadAll(io.LimitReader(r.body, maxXMLBody+1))
	if err != nil {
		return in, err
	}
	if int64(len(b)) > maxXMLBody {
		return in, s3err.MalformedACLError
	}
	if err := verifySmallBody(r, b); err != nil {
		return in, err
	}
	switch {
	case len(b) > 0 && in.set():
		return in, s3err.UnexpectedContent
	case len(b) > 0:
		a, err := acl.ParseXML(b)
		if err != nil {
			return in, aclError(err)
		}
		in.body = &a
	case !in.set():
		return in, s3err.MissingSecurityHeader.With("Your request was missing a required header")
	}
	return in, nil
}

func putBucketAcl(s *Server, r *request) (act, error) {
	in, err := putACLInput(r)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		a, err := in.build(r.bucket.OwnerID(), "")
		if err != nil {
			return nil, aclError(err)
		}
		if err := s.gw.PutBucketACL(r.Context(), r.bucket, a, in.canned); err != nil {
			return nil, aclError(err)
		}
		return &response{}, nil
	}, nil
}

func getBucketAcl(s *Server, r *request) (*response, error) {
	return &response{xml: r.bucket.ACL().Document()}, nil
}

func putObjectAcl(s *Server, r *request) (act, error) {
	in, err := putACLInput(r)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		cur, _, err := s.gw.ObjectACL(r.Context(), r.bucket, versionTarget(r))
		if err != nil {
			return nil, err
		}
		a, err := in.build(cur.Owner, r.bucket.OwnerID())
		if err != nil {
			return nil, aclError(err)
		}
		o, err := s.gw.PutObjectACL(r.Context(), r.bucket, versionTarget(r), a, in.canned)
		if err != nil {
			return nil, aclError(err)
		}
		resp := &response{}
		setVersionID(resp, r.bucket, o.VersionID)
		return resp, nil
	}, nil
}

func getObjectAcl(s *Server, r *request) (*response, error) {
	a, o, err := s.gw.ObjectACL(r.Context(), r.bucket, versionTarget(r))
	if err != nil {
		return nil, err
	}
	resp := &response{xml: a.Document()}
	setVersionID(resp, r.bucket, o.VersionID)
	return resp, nil
}

// objectOwnershipHeader reads CreateBucket's x-amz-object-ownership.
func objectOwnershipHeader(h http.Header) (string, error) {
	v := h.Get("X-Amz-Object-Ownership")
	switch v {
	case "", acl.BucketOwnerEnforced, acl.BucketOwnerPreferred, acl.ObjectWriter:
		return v, nil
	}
	return "", s3err.InvalidArgument.With("Invalid x-amz-object-ownership header: " + v)
}

// createBucketACL is the encoded ACL and ownership setting of a new bucket.
func createBucketACL(r *request) (doc []byte, ownership string, err error) {
	in, err := aclHeaders(r.Header)
	if err != nil {
		return nil, "", err
	}
	if ownership, err = objectOwnershipHeader(r.Header); err != nil {
		return nil, "", err
	}
	if !in.set() {
		return nil, ownership, nil
	}
	id := access.OwnerID(r.principal.Owner)
	a, err := in.build(id, "")
	if err != nil {
		return nil, "", aclError(err)
	}
	if ownership == acl.BucketOwnerEnforced && !(in.canned == acl.CannedBucketOwnerFullControl || a.OnlyOwner()) {
		return nil, "", s3err.InvalidBucketAclWithObjectOwnership
	}
	return a.Encode(), ownership, nil
}

func putBucketOwnershipControls(s *Server, r *request) (act, error) {
	b, err := io.ReadAll(io.LimitReader(r.body, maxXMLBody+1))
	if err != nil {
		return nil, err
	}
	if err := verifySmallBody(r, b); err != nil {
		return nil, err
	}
	setting, err := acl.ParseOwnership(b)
	if err != nil {
		return nil, aclError(err)
	}
	return func() (*response, error) {
		if err := s.gw.PutOwnership(r.Context(), r.bucket, setting); err != nil {
			return nil, aclError(err)
		}
		return &response{}, nil
	}, nil
}

func getBucketOwnershipControls(s *Server, r *request) (*response, error) {
	setting, err := s.gw.GetOwnership(r.bucket)
	if err != nil {
		return nil, aclError(err)
	}
	return &response{xml: acl.OwnershipDocument(setting)}, nil
}

func deleteBucketOwnershipControls(s *Server, r *request) (*response, error) {
	if err := s.gw.DeleteOwnership(r.Context(), r.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

func putPublicAccessBlock(s *Server, r *request) (act, error) {
	b, err := io.ReadAll(io.LimitReader(r.body, maxXMLBody+1))
	if err != nil {
		return nil, err
	}
	if err := verifySmallBody(r, b); err != nil {
		return nil, err
	}
	c, err := acl.ParsePublicAccessBlock(b)
	if err != nil {
		return nil, aclError(err)
	}
	return func() (*response, error) {
		if err := s.gw.PutPublicAccessBlock(r.Context(), r.bucket, c); err != nil {
			return nil, err
		}
		return &response{}, nil
	}, nil
}

func getPublicAccessBlock(s *Server, r *request) (*response, error) {
	c, err := s.gw.GetPublicAccessBlock(r.bucket)
	if err != nil {
		return nil, aclError(err)
	}
	return &response{xml: c.Document()}, nil
}

func deletePublicAccessBlock(s *Server, r *request) (*response, error) {
	if err := s.gw.DeletePublicAccessBlock(r.Context(), r.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}
