package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/dolium/dolium/meta"
)

// Object lock error kinds.
var (
	// ErrNoObjectLock: the bucket has no object lock (retention asked for
	// on a bucket without it).
	ErrNoObjectLock = errors.New("bucket has no object lock")
	// ErrNoLockConfiguration: GetObjectLockConfiguration of a bucket
	// without object lock.
	ErrNoLockConfiguration = errors.New("no object lock configuration")
	// ErrNoRetention: the version has no retention.
	ErrNoRetention = errors.New("version has no retention")
	// ErrLockNeedsVersioning: object lock asked for on a bucket whose
	// versioning is not Enabled.
	ErrLockNeedsVersioning = errors.New("object lock needs versioning enabled")
	// ErrRetentionInPast: a retain-until date that is not in the future.
	ErrRetentionInPast = errors.New("retain until date in the past")
)

// Retention modes.
const (
	Governance = "GOVERNANCE"
	Compliance = "COMPLIANCE"
)

// LockConfig is a bucket's default retention: new versions get Mode
// until Days or Years from their creation. The zero value is no default.
type LockConfig struct {
	Mode  string `json:"mode,omitempty"`
	Days  int    `json:"days,omitempty"`
	Years int    `json:"years,omitempty"`
}

// lockConfigName is the bucket configs document of the default retention.
const lockConfigName = "object-lock"

// LockConfig returns b's default retention (zero if none).
func (b Bucket) LockConfig() LockConfig {
	var c LockConfig
	if d, ok := b.Configs[lockConfigName]; ok {
		_ = json.Unmarshal(d, &c) // written by SetLockConfig only
	}
	return c
}

// SetLockConfig enables object lock on b (which must have versioning
// Enabled, or have had object lock from its creation) and sets its
// default retention.
func (g *Gateway) SetLockConfig(ctx context.Context, b Bucket, c LockConfig) error {
	doc, err := json.Marshal(c)
	if err != nil {
		return err
	}
	_, err = g.meta.UpdateBucket(ctx, b.Name, func(mb *meta.Bucket) error {
		if !mb.ObjectLock && mb.Versioning != VersioningEnabled {
			return ErrLockNeedsVersioning
		}
		mb.ObjectLock = true
		m := map[string][]byte{}
		for k, v := range mb.Configs {
			m[k] = v
		}
		m[lockConfigName] = doc
		mb.Configs = m
		return nil
	})
	if errors.Is(err, meta.ErrNotFound) {
		return ErrNoSuchBucket
	}
	return mapMeta(err)
}

// LockInput is the object lock a write asks for (x-amz-object-lock-*).
type LockInput struct {
	Mode      string // "" = none asked: the bucket's default applies
	Until     time.Time
	LegalHold bool
	// HoldSet: x-amz-object-lock-legal-hold was sent (ON or OFF).
	HoldSet bool
}

// applyLock sets o's retention and legal hold for a new version in b: the
// one asked for, else b's default retention.
func (g *Gateway) applyLock(b Bucket, o *meta.Object, in *LockInput) error {
	if in != nil && (in.Mode != "" || in.LegalHold) && !b.ObjectLock {
		return ErrNoObjectLock
	}
	if !b.ObjectLock {
		return nil
	}
	if in != nil {
		o.LegalHold, o.LegalHoldSet = in.LegalHold, in.HoldSet || in.LegalHold
		if in.Mode != "" {
			if !in.Until.After(g.now()) {
				return ErrRetentionInPast
			}
			o.Retention = meta.Retention{Mode: in.Mode, Until: in.Until.UTC()}
			return nil
		}
	}
	if c := b.LockConfig(); c.Mode != "" {
		until := o.LastModified.AddDate(c.Years, 0, c.Days)
		o.Retention = meta.Retention{Mode: c.Mode, Until: until.UTC()}
	}
	return nil
}

// VersionTarget names one version of a key ("" version id: the latest).
type VersionTarget struct {
	Key, VersionID string
}

// resolveVersion returns the S3 version id a target names: the latest's
// when none is given.
func (g *Gateway) resolveVersion(ctx context.Context, b Bucket, t VersionTarget) (string, error) {
	o, err := g.lookup(ctx, b.Name, t.Key, t.VersionID)
	if err != nil {
		var dm *DeleteMarkerError
		if errors.As(err, &dm) {
			return "", ErrMethodNotAllowed
		}
		return "", err
	}
	return o.S3VersionID(), nil
}

// PutRetention sets a version's retention as S3 allows: a longer or
// equal one of the same mode always; a shorter one, another mode or none
// only for GOVERNANCE with bypass; a COMPLIANCE retention never shortened
// nor changed.
func (g *Gateway) PutRetention(ctx context.Context, b Bucket, t VersionTarget, r meta.Retention, bypass bool) (Object, error) {
	if !b.ObjectLock {
		return Object{}, ErrNoObjectLock
	}
	if r.Mode != "" && !r.Until.After(g.now()) {
		return Object{}, ErrRetentionInPast
	}
	v, err := g.resolveVersion(ctx, b, t)
	if err != nil {
		return Object{}, err
	}
	o, err := g.meta.UpdateObjectVersion(ctx, b.Name, t.Key, v, func(o *meta.Object) error {
		cur := o.Retention
		active := cur.Mode != "" && cur.Until.After(g.now())
		// Shortening, removing or changing the mode (even GOVERNANCE to
		// COMPLIANCE, as s3-tests expect of AWS) needs the bypass.
		weaker := r.Mode != cur.Mode || r.Until.Before(cur.Until)
		if active && weaker && (cur.Mode == Compliance || !bypass) {
			return ErrObjectLocked
		}
		o.Retention = meta.Retention{Mode: r.Mode, Until: r.Until.UTC()}
		return nil
	})
	return objectInfo(o), g.mapVersionErr(err)
}

// PutLegalHold sets or clears a version's legal hold.
func (g *Gateway) PutLegalHold(ctx context.Context, b Bucket, t VersionTarget, on bool) (Object, error) {
	if !b.ObjectLock {
		return Object{}, ErrNoObjectLock
	}
	v, err := g.resolveVersion(ctx, b, t)
	if err != nil {
		return Object{}, err
	}
	o, err := g.meta.UpdateObjectVersion(ctx, b.Name, t.Key, v, func(o *meta.Object) error {
		o.LegalHold, o.LegalHoldSet = on, true
		return nil
	})
	return objectInfo(o), g.mapVersionErr(err)
}

// GetLock returns a version (for its Retention and LegalHold).
func (g *Gateway) GetLock(ctx context.Context, b Bucket, t VersionTarget) (Object, error) {
	if !b.ObjectLock {
		return Object{}, ErrNoObjectLock
	}
	o, err := g.lookup(ctx, b.Name, t.Key, t.VersionID)
	var dm *DeleteMarkerError
	if errors.As(err, &dm) {
		return Object{}, ErrMethodNotAllowed
	}
	return objectInfo(o), err
}

func (g *Gateway) mapVersionErr(err error) error {
	if errors.Is(err, meta.ErrNotFound) {
		return ErrNoSuchVersion
	}
	if errors.Is(err, ErrObjectLocked) {
		return err
	}
	return mapMeta(err)
}
