package gateway

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/access/acl"
	"github.com/dolium/dolium/meta"
)

// The bucket configs documents of ACLs: the bucket's ACL (acl.ACL.Encode),
// its object ownership setting (the setting's name) and its public access
// block (JSON of acl.PublicAccessBlock). A bucket without an "acl"
// document has the private ACL (its owner's full control); without
// "ownership" its objects belong to their writers (ObjectWriter) and ACLs
// are enabled; without "publicAccessBlock" nothing is blocked.
const (
	aclConfigName       = "acl"
	ownershipConfigName = "ownership"
	publicConfigName    = "publicAccessBlock"
)

// ACL errors, with their S3 codes (s3api answers them by code).
var (
	ErrNoOwnershipControls   = &acl.Error{Code: "OwnershipControlsNotFoundError"}
	ErrNoPublicAccessBlock   = &acl.Error{Code: "NoSuchPublicAccessBlockConfiguration"}
	ErrACLNotSupported       = &acl.Error{Code: "AccessControlListNotSupported"}
	ErrBucketACLWithEnforced = &acl.Error{Code: "InvalidBucketAclWithObjectOwnership"}
	ErrPublicACLBlocked      = &acl.Error{Code: "AccessDenied"}
	ErrPublicPolicyBlocked   = &acl.Error{Code: "AccessDenied"}
	ErrACLOwnerChange        = &acl.Error{Code: "AccessDenied"}
)

// OwnerID is the canonical id of the bucket's owner.
func (b Bucket) OwnerID() string { return access.OwnerID(b.Owner) }

// ACL returns b's ACL: the stored one, or the private ACL of its owner.
func (b Bucket) ACL() acl.ACL {
	if doc, ok := b.Configs[aclConfigName]; ok {
		if a, err := acl.Decode(doc); err == nil {
			return a
		}
	}
	return acl.Private(b.OwnerID())
}

// Ownership returns b's object ownership setting ("" when none is set:
// ObjectWriter's behaviour).
func (b Bucket) Ownership() string { return string(b.Configs[ownershipConfigName]) }

// ACLsDisabled reports whether b's ownership is BucketOwnerEnforced.
func (b Bucket) ACLsDisabled() bool { return b.Ownership() == acl.BucketOwnerEnforced }

// PublicAccessBlock returns b's public access block (ok false: none).
func (b Bucket) PublicAccessBlock() (c acl.PublicAccessBlock, ok bool) {
	doc, ok := b.Configs[publicConfigName]
	if !ok {
		return c, false
	}
	if json.Unmarshal(doc, &c) != nil {
		return acl.PublicAccessBlock{}, false
	}
	return c, true
}

// CheckACL refuses an ACL a request asks b to take, for b or one of its
// objects: with b's ACLs disabled, any ACL but bucket-owner-full-control
// or grants of full control to b's owner (ErrACLNotSupported; canned is
// the x-amz-acl value, "" when none); a public one under BlockPublicAcls
// (ErrPublicACLBlocked).
func (b Bucket) CheckACL(a acl.ACL, canned string) error {
	if b.ACLsDisabled() && canned != acl.CannedBucketOwnerFullControl {
		if canned != "" {
			return ErrACLNotSupported
		}
		for _, g := range a.Grants {
			if g.Grantee.Type != acl.CanonicalUser || g.Grantee.ID != b.OwnerID() || g.Permission != acl.FullControl {
				return ErrACLNotSupported
			}
		}
	}
	if pab, _ := b.PublicAccessBlock(); pab.BlockPublicAcls && a.Public() {
		return ErrPublicACLBlocked
	}
	return nil
}

// PutBucketACL replaces b's ACL with a, after CheckACL.
func (g *Gateway) PutBucketACL(ctx context.Context, b Bucket, a acl.ACL, canned string) error {
	if err := b.CheckACL(a, canned); err != nil {
		return err
	}
	if a.Owner != b.OwnerID() {
		return ErrACLOwnerChange
	}
	return g.setConfig(ctx, b.Name, aclConfigName, a.Encode())
}

// PutOwnership sets b's object ownership. BucketOwnerEnforced is refused
// (ErrBucketACLWithEnforced) while b's ACL grants anyone but its owner.
func (g *Gateway) PutOwnership(ctx context.Context, b Bucket, setting string) error {
	if a := b.ACL(); setting == acl.BucketOwnerEnforced && !a.OnlyOwner() {
		return ErrBucketACLWithEnforced
	}
	return g.setConfig(ctx, b.Name, ownershipConfigName, []byte(setting))
}

// GetOwnership returns b's object ownership, or ErrNoOwnershipControls.
func (g *Gateway) GetOwnership(b Bucket) (string, error) {
	if s := b.Ownership(); s != "" {
		return s, nil
	}
	return "", ErrNoOwnershipControls
}

// DeleteOwnership removes b's object ownership setting.
func (g *Gateway) DeleteOwnership(ctx context.Context, b Bucket) error {
	return g.setConfig(ctx, b.Name, ownershipConfigName, nil)
}

// PutPublicAccessBlock sets b's public access block.
func (g *Gateway) PutPublicAccessBlock(ctx context.Context, b Bucket, c acl.PublicAccessBlock) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return g.setConfig(ctx, b.Name, publicConfigName, doc)
}

// GetPublicAccessBlock returns b's public access block, or
// ErrNoPublicAccessBlock.
func (g *Gateway) GetPublicAccessBlock(b Bucket) (acl.PublicAccessBlock, error) {
	c, ok := b.PublicAccessBlock()
	if !ok {
		return c, ErrNoPublicAccessBlock
	}
	return c, nil
}

// DeletePublicAccessBlock removes b's public access block.
func (g *Gateway) DeletePublicAccessBlock(ctx context.Context, b Bucket) error {
	return g.setConfig(ctx, b.Name, publicConfigName, nil)
}

// ObjectACL returns the ACL of a version of an object in b (the latest
// when t.VersionID is ""): the stored one, or its owner's private ACL;
// with ACLs disabled, the bucket owner's private ACL. Errors as
// GetObject's (a delete marker: ErrMethodNotAllowed when named by
// version, ErrNoSuchKey when the latest).
func (g *Gateway) ObjectACL(ctx context.Context, b Bucket, t VersionTarget) (acl.ACL, Object, error) {
	o, err := g.lookup(ctx, b.Name, t.Key, t.VersionID)
	if err != nil {
		return acl.ACL{}, Object{}, err
	}
	return objectACL(b, o), objectInfo(o), nil
}

func objectACL(b Bucket, o meta.Object) acl.ACL {
	if b.ACLsDisabled() {
		return acl.Private(b.OwnerID())
	}
	if o.ACL != nil {
		if a, err := acl.Decode(o.ACL); err == nil {
			return a
		}
	}
	return acl.Private(access.OwnerID(o.Owner))
}

// PutObjectACL replaces the ACL of a version of an object in b, after
// CheckACL; the ACL's owner must be the object's (ErrACLOwnerChange).
func (g *Gateway) PutObjectACL(ctx context.Context, b Bucket, t VersionTarget, a acl.ACL, canned string) (Object, error) {
	if err := b.CheckACL(a, canned); err != nil {
		return Object{}, err
	}
	v, err := g.resolveVersion(ctx, b, t)
	if err != nil {
		return Object{}, err
	}
	o, err := g.meta.UpdateObjectVersion(ctx, b.Name, t.Key, v, func(o *meta.Object) error {
		if a.Owner != access.OwnerID(o.Owner) {
			return ErrACLOwnerChange
		}
		o.ACL = a.Encode()
		return nil
	})
	if errors.Is(err, ErrACLOwnerChange) {
		return Object{}, err
	}
	return objectInfo(o), g.mapVersionErr(err)
}

// newBucketConfigs are the configs documents a new bucket starts with:
// its ACL and ownership setting when the request named them.
func newBucketConfigs(in CreateBucketInput) map[string][]byte {
	if in.ACL == nil && in.Ownership == "" {
		return nil
	}
	m := map[string][]byte{}
	if in.ACL != nil {
		m[aclConfigName] = in.ACL
	}
	if in.Ownership != "" {
		m[ownershipConfigName] = []byte(in.Ownership)
	}
	return m
}
