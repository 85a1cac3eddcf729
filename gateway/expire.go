package gateway

import (
	"context"
	"errors"
	"time"

	"github.com/dolium/dolium/gateway/lifecycle"
	"github.com/dolium/dolium/meta"
)

// Bucket lifecycle in the core: the configuration kept in the bucket's
// configs (as lifecycle.Marshal writes it, so that generated rule ids
// stay), the x-amz-expiration and x-amz-abort-date of what a rule will
// expire, and the two deletions the lifecycle worker (package upkeep)
// makes, each conditional on the version it evaluated still being there.

// ErrNoLifecycle: GetBucketLifecycleConfiguration of a bucket without one.
var ErrNoLifecycle = errors.New("no lifecycle configuration")

// lifecycleConfigName is the bucket configs document of the lifecycle.
const lifecycleConfigName = "lifecycle"

// Lifecycle returns the evaluator of b's lifecycle configuration, with the
// gateway's lifecycle day (Config.LifecycleDay); ok is false if b has
// none.
func (g *Gateway) Lifecycle(b Bucket) (ev lifecycle.Evaluator, ok bool) {
	doc, found := b.Configs[lifecycleConfigName]
	if !found {
		return lifecycle.Evaluator{}, false
	}
	c, err := lifecycle.Parse(doc)
	if err != nil { // stored by PutLifecycle after the same Parse: not expected
		g.log.Error("stored lifecycle configuration does not parse", "bucket", b.Name, "err", err)
		return lifecycle.Evaluator{}, false
	}
	return lifecycle.Evaluator{Config: c, Day: g.cfg.LifecycleDay}, true
}

// PutLifecycle replaces b's lifecycle configuration with the document
// body. An invalid document is a *lifecycle.Error with AWS's code and
// message; the stored configuration is then unchanged.
func (g *Gateway) PutLifecycle(ctx context.Context, b Bucket, body []byte) error {
	c, err := lifecycle.Parse(body)
	if err != nil {
		return err
	}
	return g.setConfig(ctx, b.Name, lifecycleConfigName, c.Marshal())
}

// GetLifecycle returns b's lifecycle configuration document, or
// ErrNoLifecycle.
func (g *Gateway) GetLifecycle(b Bucket) ([]byte, error) {
	doc, ok := b.Configs[lifecycleConfigName]
	if !ok {
		return nil, ErrNoLifecycle
	}
	return doc, nil
}

// DeleteLifecycle removes b's lifecycle configuration (none: no error).
func (g *Gateway) DeleteLifecycle(ctx context.Context, b Bucket) error {
	return g.setConfig(ctx, b.Name, lifecycleConfigName, nil)
}

// setConfig sets (doc nil: removes) the bucket configs document name.
func (g *Gateway) setConfig(ctx context.Context, bucket, name string, doc []byte) error {
	_, err := g.meta.UpdateBucket(ctx, bucket, func(mb *meta.Bucket) error {
		m := map[string][]byte{}
		for k, v := range mb.Configs {
			m[k] = v
		}
		if doc == nil {
			delete(m, name)
		} else {
			m[name] = doc
		}
		mb.Configs = m
		return nil
	})
	if errors.Is(err, meta.ErrNotFound) {
		return ErrNoSuchBucket
	}
	return mapMeta(err)
}

// Expiration is the x-amz-expiration header of the latest version o of a
// key in b ("" when no enabled rule expires it); a rule filtering on tags
// selects it by o.Tags.
func (g *Gateway) Expiration(b Bucket, o Object) string {
	ev, ok := g.Lifecycle(b)
	if !ok || o.DeleteMarker {
		return ""
	}
	x, ok := ev.Expiry(lifecycle.Version{Key: o.Key, Size: o.Size, Tags: o.Tags, LastModified: o.LastModified, IsLatest: true})
	if !ok {
		return ""
	}
	return x.Header()
}

// AbortDate is when b's lifecycle aborts an upload of key initiated at
// initiated, and by which rule (ok false: no rule does).
func (g *Gateway) AbortDate(b Bucket, key string, initiated time.Time) (date time.Time, ruleID string, ok bool) {
	ev, found := g.Lifecycle(b)
	if !found {
		return time.Time{}, "", false
	}
	x, ok := ev.Upload(key, initiated)
	return x.Date, x.RuleID, ok
}

// ExpireLatest is a lifecycle Expiration of key's current version, whose
// meta version id is versionID: a delete marker on a versioned or
// suspended bucket, the object removed on an unversioned one; only if
// that version is still the latest. done is false when it is not (nothing
// is changed); ErrObjectLocked when object lock keeps it (a suspended
// bucket's locked null version).
func (g *Gateway) ExpireLatest(ctx context.Context, b Bucket, key, versionID string) (done bool, err error) {
	if b.Versioning == "" {
		_, done, err = g.deleteVersion(ctx, b.Name, key, meta.NullVersion, versionID, false)
		return done, err
	}
	m := meta.Object{Bucket: b.Name, Key: key, DeleteMarker: true, Versioned: versioned(b), LastModified: g.now(), Owner: b.Owner}
	err = g.writeLatest(ctx, &m, WriteCond{latest: versionID}, nil, false)
	if errors.Is(err, ErrPreconditionFailed) {
		return false, nil
	}
	return err == nil, err
}

// ExpireVersion is a lifecycle deletion of one version of key for good (a
// noncurrent version, or an expired object delete marker): S3 version id
// s3ID, meta version id versionID. done is false when that version is no
// longer there; ErrObjectLocked when object lock protects it (no bypass).
func (g *Gateway) ExpireVersion(ctx context.Context, b Bucket, key, s3ID, versionID string) (done bool, err error) {
	_, done, err = g.deleteVersion(ctx, b.Name, key, s3ID, versionID, false)
	return done, err
}
