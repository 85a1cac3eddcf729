package gateway

import (
	"context"
	"errors"

	"github.com/dolium/dolium/gateway/access/policy"
)

// ErrNoSuchBucketPolicy: GetBucketPolicy of a bucket without one.
var ErrNoSuchBucketPolicy = errors.New("no bucket policy")

// policyConfigName is the bucket configs document of the bucket policy:
// the JSON as the client sent it (GetBucketPolicy answers it unchanged).
const policyConfigName = "policy"

// Policy returns b's bucket policy, nil if it has none.
func (b Bucket) Policy() *policy.Policy {
	doc, ok := b.Configs[policyConfigName]
	if !ok {
		return nil
	}
	p, err := policy.Parse(doc, b.Name)
	if err != nil { // stored by PutBucketPolicy after the same Parse
		return nil
	}
	return p
}

// PutBucketPolicy validates doc as b's policy (a *policy.Error when AWS
// would refuse it; nothing is changed then) and stores it. A public
// policy is refused (ErrPublicPolicyBlocked) under BlockPublicPolicy.
func (g *Gateway) PutBucketPolicy(ctx context.Context, b Bucket, doc []byte) error {
	p, err := policy.Parse(doc, b.Name)
	if err != nil {
		return err
	}
	if pab, _ := b.PublicAccessBlock(); pab.BlockPublicPolicy && p.Public() {
		return ErrPublicPolicyBlocked
	}
	return g.setConfig(ctx, b.Name, policyConfigName, append([]byte(nil), doc...))
}

// GetBucketPolicy returns b's policy document, or ErrNoSuchBucketPolicy.
func (g *Gateway) GetBucketPolicy(b Bucket) ([]byte, error) {
	doc, ok := b.Configs[policyConfigName]
	if !ok {
		return nil, ErrNoSuchBucketPolicy
	}
	return doc, nil
}

// DeleteBucketPolicy removes b's policy (none: no error).
func (g *Gateway) DeleteBucketPolicy(ctx context.Context, b Bucket) error {
	return g.setConfig(ctx, b.Name, policyConfigName, nil)
}
