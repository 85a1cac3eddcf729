package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/meta"
)

// Limits from the S3 API.
const (
	MaxKeyLength     = 1024
	MaxPutSize       = 5 << 30 // 5 GiB, a single PutObject or UploadPart
	MinPartSize      = 5 << 20 // every part but the last
	MaxPartNumber    = 10000
	MaxDeleteObjects = 1000
	DefaultMaxKeys   = 1000
)

// Config wires a Gateway.
type Config struct {
	Meta meta.Store
	// Placements are the placement policies, resolved at start-up: the
	// primary chunk store (local files or the Cassandra cluster's chunk
	// table, placement "") and the named policies (data spread across
	// zones), each with its own Store and chunk size.
	Placements *blobstore.Placements
	// Blobs, when Placements is nil, is the primary chunk store alone.
	Blobs *blobstore.Store
	// DefaultPlacement is given to buckets created without one ("" = the
	// primary store).
	DefaultPlacement string
	// Region reported by GetBucketLocation and stored on new buckets.
	Region string
	// UploadGrace is how long an upload may take before its data may be
	// collected as abandoned (default 1h). An upload that takes longer fails
	// with ErrRequestTimeout instead of committing data the collector may
	// already be deleting.
	UploadGrace time.Duration
	// ReclaimDelay is how long replaced or deleted data stays readable for
	// GETs already streaming it (default 1m).
	ReclaimDelay time.Duration
	// CompletionTTL is how long the record of a completed or aborted
	// multipart upload is kept, so a retried request gets the first one's
	// answer (default 24h).
	CompletionTTL time.Duration
	// LifecycleDay is the length of a lifecycle day: rules' Days,
	// NoncurrentDays and DaysAfterInitiation count it (default 24h; tests
	// set seconds, see lifecycle.Evaluator.Day).
	LifecycleDay time.Duration
	// BucketShards is the listing shard count given to new buckets (default 16).
	BucketShards int
	Logger       *slog.Logger
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Gateway implements S3 object semantics. It is safe for concurrent use.
type Gateway struct {
	meta       meta.Store
	placements *blobstore.Placements
	cfg        Config
	log        *slog.Logger
	seq        atomic.Uint64
	dataLost   atomic.Uint64 // reads that found data lost
}

// New returns a Gateway for cfg, filling in defaults.
func New(cfg Config) *Gateway {
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if cfg.UploadGrace <= 0 {
		cfg.UploadGrace = time.Hour
	}
	if cfg.ReclaimDelay <= 0 {
		cfg.ReclaimDelay = time.Minute
	}
	if cfg.CompletionTTL <= 0 {
		cfg.CompletionTTL = 24 * time.Hour
	}
	if cfg.BucketShards <= 0 {
		cfg.BucketShards = 16
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Placements == nil {
		cfg.Placements, _ = blobstore.NewPlacements(cfg.Blobs) // no named policy: cannot fail
	}
	return &Gateway{meta: cfg.Meta, placements: cfg.Placements, cfg: cfg, log: cfg.Logger}
}

// Placements names the configured placement policies.
func (g *Gateway) Placements() []string { return g.placements.Names() }

// Region is the gateway's region.
func (g *Gateway) Region() string { return g.cfg.Region }

// Ready reports whether the metadata store answers and the chunk stores
// have space (ErrStoreFull when one is out of it).
func (g *Gateway) Ready(ctx context.Context) error {
	if err := g.meta.Ping(ctx); err != nil {
		return mapMeta(err)
	}
	if g.full() {
		return ErrStoreFull
	}
	return nil
}

func (g *Gateway) now() time.Time { return g.cfg.Now().UTC() }

// newID returns a unique, time-ordered identifier (hex).
func (g *Gateway) newID() string {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return fmt.Sprintf("%016x%s", g.now().UnixNano(), hex.EncodeToString(b[:]))
}

// mapMeta turns backend error kinds (of either store) into gateway kinds
// where they mean the same thing to every caller; other errors pass through.
func mapMeta(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrUnavailable):
		return err
	case errors.Is(err, meta.ErrUnavailable), errors.Is(err, blobstore.ErrUnavailable):
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	return err
}

// readErr maps the failure of a read of object bucket/key's data: data
// that too few zones hold good copies or shards of, while every zone that
// could hold them answered, is lost (ErrDataLost): logged as an error and
// counted (DataLostReads). Data that may come back when zones answer is
// ErrUnavailable.
func (g *Gateway) readErr(bucket, key, dataID string, err error) error {
	if err == nil || errors.Is(err, ErrDataLost) || errors.Is(err, blobstore.ErrUnavailable) || errors.Is(err, context.Canceled) {
		return mapMeta(err)
	}
	if errors.Is(err, blobstore.ErrNotFound) || errors.Is(err, blobstore.ErrCorrupt) {
		g.dataLost.Add(1)
		g.log.Error("DATA LOST: an object's data can no longer be read from any zone; restore it from a backup",
			"bucket", bucket, "key", key, "data_id", dataID, "err", err)
		return fmt.Errorf("%w: %v", ErrDataLost, err)
	}
	return mapMeta(err)
}

// DataLostReads counts the reads that found an object's data lost.
func (g *Gateway) DataLostReads() uint64 { return g.dataLost.Load() }

// ValidBucketName reports whether name follows S3's bucket naming rules
// (general purpose buckets).
func ValidBucketName(name string) bool {
	if len(name) < 3 || len(name) > 63 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '.' || c == '-':
			if i == 0 || i == len(name)-1 {
				return false
			}
		default:
			return false
		}
	}
	if strings.Contains(name, "..") || strings.Contains(name, ".-") || strings.Contains(name, "-.") {
		return false
	}
	if net.ParseIP(name) != nil {
		return false
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return false
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3"} {
		if strings.HasSuffix(name, s) {
			return false
		}
	}
	return true
}

// CreateBucket creates bucket name owned by owner, its data placed by
// placement ("" = the configured default).
func (g *Gateway) CreateBucket(ctx context.Context, owner, name string, placement ...string) error {
	return g.CreateBucketWith(ctx, CreateBucketInput{Owner: owner, Name: name, Placement: first(placement)})
}

func first(s []string) string {
	if len(s) > 0 {
		return s[0]
	}
	return ""
}

// CreateBucketInput is a CreateBucket request.
type CreateBucketInput struct {
	Owner, Name string
	Placement   string // "" = the default placement
	// ObjectLock: x-amz-bucket-object-lock-enabled; the bucket is then
	// versioned from the start, for good.
	ObjectLock bool
	// ACL is the bucket's ACL, encoded (nil: private); Ownership its
	// object ownership setting (x-amz-object-ownership; "": none).
	ACL       []byte
	Ownership string
}

// CreateBucketWith creates a bucket.
func (g *Gateway) CreateBucketWith(ctx context.Context, in CreateBucketInput) error {
	owner, name := in.Owner, in.Name
	placement := []string{in.Placement}
	if !ValidBucketName(name) {
		return ErrInvalidBucketName
	}
	p := g.cfg.DefaultPlacement
	if len(placement) > 0 && placement[0] != "" {
		p = placement[0]
	}
	if _, err := g.placements.ByName(p); err != nil {
		return fmt.Errorf("%w: %v", ErrNoSuchPlacement, err)
	}
	err := g.meta.CreateBucket(ctx, meta.Bucket{
		Name: name, Owner: owner, Created: g.now(), Region: g.cfg.Region, Shards: g.cfg.BucketShards, Placement: p,
		ObjectLock: in.ObjectLock, Versioning: map[bool]string{true: VersioningEnabled}[in.ObjectLock],
		Configs: newBucketConfigs(in),
	})
	if errors.Is(err, meta.ErrConflict) {
		b, gerr := g.meta.GetBucket(ctx, name)
		if gerr == nil && b.Owner == owner {
			return ErrBucketAlreadyOwnedByYou
		}
		return ErrBucketAlreadyExists
	}
	return mapMeta(err)
}

// ResolveBucket returns bucket name, or ErrNoSuchBucket. It decides no
// access: the caller does (package access), with the bucket's owner.
func (g *Gateway) ResolveBucket(ctx context.Context, name string) (Bucket, error) {
	b, err := g.meta.GetBucket(ctx, name)
	if errors.Is(err, meta.ErrNotFound) {
		return Bucket{}, ErrNoSuchBucket
	}
	if err != nil {
		return Bucket{}, mapMeta(err)
	}
	return bucketInfo(b), nil
}

// ListBuckets lists owner's buckets by name.
func (g *Gateway) ListBuckets(ctx context.Context, owner string) ([]Bucket, error) {
	all, err := g.meta.ListBuckets(ctx)
	if err != nil {
		return nil, mapMeta(err)
	}
	var mine []Bucket
	for _, b := range all {
		if b.Owner == owner {
			mine = append(mine, bucketInfo(b))
		}
	}
	return mine, nil
}

// DeleteBucket deletes an empty bucket (no objects, no uploads in progress).
func (g *Gateway) DeleteBucket(ctx context.Context, b Bucket) error {
	name := b.Name
	objs, err := g.meta.ListObjects(ctx, name, meta.ListOptions{Limit: 1})
	if err != nil {
		return mapMeta(err)
	}
	ups, err := g.meta.ListUploads(ctx, name, meta.UploadListOptions{Limit: 1})
	if err != nil {
		return mapMeta(err)
	}
	if len(objs) > 0 || len(ups) > 0 {
		return ErrBucketNotEmpty
	}
	err = g.meta.DeleteBucket(ctx, name)
	if errors.Is(err, meta.ErrNotFound) {
		return ErrNoSuchBucket
	}
	if errors.Is(err, meta.ErrConflict) {
		return ErrBucketNotEmpty
	}
	return mapMeta(err)
}
