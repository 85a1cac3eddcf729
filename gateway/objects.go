package gateway

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/dolium/dolium/internal/checksum"
	"github.com/dolium/dolium/internal/failpoint"
	"github.com/dolium/dolium/meta"
)

// WriteCond is the condition of a conditional write (PutObject,
// CompleteMultipartUpload): If-None-Match: * and If-Match: <etag>.
type WriteCond struct {
	IfNoneMatch bool   // If-None-Match: *
	IfMatch     string // If-Match etag (unquoted or quoted), "" if none
	// latest, for the lifecycle worker: the latest version must be this
	// one (a meta version id, not a delete marker).
	latest string
}

// PutInput is a PutObject request.
type PutInput struct {
	Key string
	// Owner is the new object's owner: the requester's.
	Owner      string
	Body       io.Reader
	Size       int64 // declared length; -1 if unknown
	Headers    map[string]string
	UserMeta   map[string]string
	ContentMD5 string // base64, "" if none
	Checksum   ChecksumInput
	Cond       WriteCond
	Lock       *LockInput // x-amz-object-lock-* (nil: none asked)
	// Tags of the new version (x-amz-tagging, checked; nil: none).
	Tags map[string]string
	// ACL is the new object's ACL, encoded (acl.ACL.Encode; nil: private).
	ACL []byte
}

// CheckKey reports whether key can name an object: ErrKeyTooLong, or
// ErrInvalidArgument for the empty key.
func CheckKey(key string) error {
	if len(key) > MaxKeyLength {
		return ErrKeyTooLong
	}
	if key == "" {
		return ErrInvalidArgument
	}
	return nil
}

// PutObject stores an object in bucket b and returns it as committed.
func (g *Gateway) PutObject(ctx context.Context, b Bucket, in PutInput) (Object, error) {
	if err := CheckKey(in.Key); err != nil {
		return Object{}, err
	}
	// Fail a write that cannot succeed before reading its body.
	if err := g.checkWriteCond(ctx, b.Name, in.Key, in.Cond); err != nil {
		return Object{}, err
	}
	if err := g.applyLock(b, &meta.Object{LastModified: g.now()}, in.Lock); err != nil {
		return Object{}, err
	}
	ext, entry, err := g.writeData(ctx, dataInput{
		bucket: b.Name, key: in.Key, placement: b.Placement, body: in.Body, size: in.Size,
		contentMD5: in.ContentMD5, checksum: in.Checksum,
	})
	if err != nil {
		return Object{}, err
	}
	o := meta.Object{
		Bucket: b.Name, Key: in.Key, Size: ext.Size, ETag: ext.ETag,
		LastModified: g.now(), Owner: in.Owner, Headers: in.Headers, UserMeta: in.UserMeta,
		Checksums: ext.Checksums, Extents: []meta.Extent{ext}, Tags: nonEmpty(in.Tags), ACL: in.ACL,
	}
	if len(o.Checksums) > 0 {
		o.ChecksumType = "FULL_OBJECT"
	}
	if err := g.applyLock(b, &o, in.Lock); err != nil {
		g.reclaim(ctx, o.Bucket, o.Key, "", o.Extents)
		return Object{}, err
	}
	err = g.commit(ctx, b, &o, in.Cond, nil, entry)
	return objectInfo(o), err
}

// commitTries bounds how often commit re-reads a key that concurrent
// writers keep changing before it gives up with ErrSlowDown.
const commitTries = 16

// commit makes o the latest version of its key, as a new version if b's
// versioning is Enabled, else as the key's null version, if the client's
// conditions wc hold. It assigns o.VersionID (greater than the latest's;
// prepare, when set, is called with o each time the id is assigned, before
// the write). Whatever o replaces is queued for collection durably before
// o's row is written, and o's row is written only if the key still holds
// what was queued, so that every crash point leaves the replaced data
// either referenced or queued. On success the pending entries of o's own
// data are dropped; on failure o's data is reclaimed (a single PUT's) or
// left to its upload (multipart parts).
func (g *Gateway) commit(ctx context.Context, b Bucket, o *meta.Object, wc WriteCond, prepare func(meta.Object) error, entries ...meta.GCEntry) error {
	o.Versioned = versioned(b)
	err := g.writeLatest(ctx, o, wc, prepare, false)
	if err == nil {
		failpoint.Hit("commit.after-write")
		for _, e := range entries {
			g.committed(ctx, e)
		}
		return nil
	}
	if len(entries) > 0 && entries[0].UploadID == "" {
		// Data of a single PUT or copy: reclaim it now; multipart parts
		// stay with their upload.
		g.reclaim(ctx, o.Bucket, o.Key, "", o.Extents)
	}
	return err
}

// errMoved: the version a write read changed before the write; look again.
var errMoved = errors.New("version changed")

// writeLatest writes o (an object or a delete marker, o.Versioned already
// set) as the latest version of its key under the condition "the key's
// latest version is the one read", after checking the client's conditions
// wc against it. A null version replaces the key's null version, whose
// data is queued first; a locked null version is not replaced (bypass:
// the request may bypass governance retention). It re-reads and tries
// again when a concurrent writer changed the key in between.
func (g *Gateway) writeLatest(ctx context.Context, o *meta.Object, wc WriteCond, prepare func(meta.Object) error, bypass bool) error {
	for try := 0; ; try++ {
		have, err := g.latest(ctx, o.Bucket, o.Key)
		if err != nil {
			return err
		}
		if err := wc.holds(visible(have)); err != nil {
			return err
		}
		cond := meta.Cond{IfNoneMatch: have == nil}
		after := ""
		if have != nil {
			cond.IfVersion, after = have.VersionID, have.VersionID
		}
		if o.VersionID == "" || o.VersionID <= after {
			o.VersionID = meta.NextVersionID(g.now(), after)
			if prepare != nil {
				if err := prepare(*o); err != nil {
					return err
				}
			}
		}
		var check func(meta.Object) error
		// A null version replaces the key's null version, if it has one:
		// none when the key has no version at all (have nil, and the write
		// is conditional on that), so it is only looked up otherwise.
		if !o.Versioned && have != nil {
			var null meta.Object
			var err error
			if !have.Versioned {
				null = *have // the latest is the null version (always, unversioned)
			} else {
				null, err = g.meta.GetObjectVersion(ctx, o.Bucket, o.Key, meta.NullVersion)
			}
			switch {
			case err == nil:
				if err := g.protected(null, bypass); err != nil {
					return err
				}
				if err := g.queueReplaced(ctx, o.Bucket, o.Key, "", null.Extents); err != nil {
					return err
				}
				failpoint.Hit("commit.after-queue")
				check = func(x meta.Object) error {
					if x.VersionID != null.VersionID {
						return errMoved
					}
					return g.protected(x, bypass)
				}
			case errors.Is(err, meta.ErrNotFound):
				check = func(meta.Object) error { return errMoved } // one appeared since
			default:
				return mapMeta(err)
			}
		}
		failpoint.Hit("commit.before-write")
		_, err = g.meta.PutObject(ctx, *o, cond, check)
		if err == nil {
			return nil
		}
		if !errors.Is(err, meta.ErrPreconditionFailed) && !errors.Is(err, errMoved) {
			return mapMeta(err)
		}
		// The key changed since it was read. Its new content was queued
		// by the writer that replaced it, and ours stays referenced.
		if try+1 >= commitTries {
			return ErrSlowDown
		}
		if err := sleepCtx(ctx, time.Duration(try+1)*time.Millisecond); err != nil {
			return err
		}
	}
}

// latest reads the key's latest version (nil if it has none).
func (g *Gateway) latest(ctx context.Context, bucket, key string) (*meta.Object, error) {
	cur, err := g.meta.GetObject(ctx, bucket, key)
	switch {
	case err == nil:
		return &cur, nil
	case errors.Is(err, meta.ErrNotFound):
		return nil, nil
	}
	return nil, mapMeta(err)
}

// visible is the object the client's conditions see: the latest version
// unless it is a delete marker.
func visible(o *meta.Object) *meta.Object {
	if o == nil || o.DeleteMarker {
		return nil
	}
	return o
}

// holds checks the client's write conditions against the current object
// (nil if none).
func (wc WriteCond) holds(cur *meta.Object) error {
	switch {
	case wc.IfMatch != "" && cur == nil:
		return ErrNoSuchKey
	case wc.IfMatch != "" && !etagMatches(wc.IfMatch, cur.ETag):
		return ErrPreconditionFailed
	case wc.IfNoneMatch && cur != nil:
		return ErrPreconditionFailed
	case wc.latest != "" && (cur == nil || cur.VersionID != wc.latest):
		return ErrPreconditionFailed
	}
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (g *Gateway) checkWriteCond(ctx context.Context, bucket, key string, wc WriteCond) error {
	if !wc.IfNoneMatch && wc.IfMatch == "" {
		return nil
	}
	cur, err := g.latest(ctx, bucket, key)
	if err != nil {
		return err
	}
	return wc.holds(visible(cur))
}

// etagMatches compares an If-Match / If-None-Match header value (a list of
// quoted or bare etags, or "*") with an object's ETag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		t = strings.TrimPrefix(t, "W/")
		t = strings.Trim(t, `"`)
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// ReadCond holds the conditional headers of a GET or HEAD (RFC 7232).
type ReadCond struct {
	IfMatch           string
	IfNoneMatch       string
	IfModifiedSince   *time.Time
	IfUnmodifiedSince *time.Time
}

// check evaluates c against o as S3 does (RFC 7232 section 6 order):
// If-Match, else If-Unmodified-Since -> 412; If-None-Match, else
// If-Modified-Since -> 304 (ErrNotModified) for reads.
func (c ReadCond) check(o meta.Object) error {
	lm := o.LastModified.Truncate(time.Second)
	if c.IfMatch != "" {
		if !etagMatches(c.IfMatch, o.ETag) {
			return ErrPreconditionFailed
		}
	} else if c.IfUnmodifiedSince != nil && lm.After(*c.IfUnmodifiedSince) {
		return ErrPreconditionFailed
	}
	if c.IfNoneMatch != "" {
		if etagMatches(c.IfNoneMatch, o.ETag) {
			return ErrNotModified
		}
	} else if c.IfModifiedSince != nil && !lm.After(*c.IfModifiedSince) {
		return ErrNotModified
	}
	return nil
}

// Range is a parsed HTTP byte range: bytes=Start-End (End < 0: open) or,
// when Suffix > 0, the last Suffix bytes.
type Range struct {
	Start, End int64
	Suffix     int64
}

// Resolve returns the offset and length of r within an object of size.
func (r Range) Resolve(size int64) (off, length int64, err error) {
	if r.Suffix > 0 {
		if size == 0 {
			return 0, 0, ErrInvalidRange
		}
		if r.Suffix > size {
			r.Suffix = size
		}
		return size - r.Suffix, r.Suffix, nil
	}
	if r.Start >= size {
		return 0, 0, ErrInvalidRange
	}
	end := r.End
	if end < 0 || end >= size {
		end = size - 1
	}
	if end < r.Start {
		return 0, 0, ErrInvalidRange
	}
	return r.Start, end - r.Start + 1, nil
}

// GetInput is a GetObject or HeadObject request.
type GetInput struct {
	Key string
	// VersionID is the S3 version id to read ("" = the latest).
	VersionID string
	Range     *Range
	Cond      ReadCond
}

// GetOutput is an object and, for GET, a reader of the requested bytes.
type GetOutput struct {
	Object Object
	// Body streams bytes [Offset, Offset+Length); nil for HEAD. The caller
	// closes it.
	Body           io.ReadCloser
	Offset, Length int64
	Partial        bool // a Range was served
}

// GetObject returns an object of bucket b and, unless head, its body.
// Conditional failures return ErrPreconditionFailed or ErrNotModified.
func (g *Gateway) GetObject(ctx context.Context, b Bucket, in GetInput, head bool) (*GetOutput, error) {
	_, out, err := g.getObject(ctx, b.Name, in, head)
	return out, err
}

// getObject is GetObject that also returns the object's row (for copies).
func (g *Gateway) getObject(ctx context.Context, bucket string, in GetInput, head bool) (meta.Object, *GetOutput, error) {
	if err := CheckKey(in.Key); err != nil {
		return meta.Object{}, nil, err
	}
	o, err := g.lookup(ctx, bucket, in.Key, in.VersionID)
	if err != nil {
		return o, nil, err
	}
	if err := in.Cond.check(o); err != nil {
		return o, &GetOutput{Object: objectInfo(o)}, err
	}
	out := &GetOutput{Object: objectInfo(o), Length: o.Size}
	if in.Range != nil {
		off, n, err := in.Range.Resolve(o.Size)
		if err != nil {
			return o, out, err
		}
		out.Offset, out.Length, out.Partial = off, n, true
	}
	if !head {
		body, err := g.openObject(ctx, o, out.Offset, out.Length)
		if err != nil {
			return o, nil, err
		}
		out.Body = body
	}
	return o, out, nil
}

// readSource reads a copy's source (its bytes too unless head). Every
// failure is a *SourceError; a failed read condition is
// ErrPreconditionFailed, never ErrNotModified.
func (g *Gateway) readSource(ctx context.Context, src Source, in GetInput, head bool) (meta.Object, *GetOutput, error) {
	in.Key, in.VersionID = src.Key, src.VersionID
	err := CheckKey(in.Key)
	if err == nil {
		err = src.Err
	}
	var (
		o   meta.Object
		out *GetOutput
	)
	if err == nil {
		o, out, err = g.getObject(ctx, src.Bucket.Name, in, head)
	}
	if errors.Is(err, ErrNotModified) {
		err = ErrPreconditionFailed
	}
	var dm *DeleteMarkerError
	if errors.As(err, &dm) {
		// A copy reads no delete marker: the latest one is a missing key,
		// one named by version id an invalid request (as AWS answers).
		err = ErrNoSuchKey
		if src.VersionID != "" {
			err = ErrCopyFromDeleteMarker
		}
	}
	if err != nil {
		return o, out, &SourceError{Bucket: src.Bucket.Name, Key: src.Key, Err: err}
	}
	return o, out, nil
}

// openObject streams bytes [off, off+length) of o across its extents,
// opening each extent's data only when the read reaches it. The first
// extent is opened (and its first chunk read) at once, so that a store
// failure is reported before a response is under way.
func (g *Gateway) openObject(ctx context.Context, o meta.Object, off, length int64) (io.ReadCloser, error) {
	r := &extentReader{ctx: ctx, g: g, bucket: o.Bucket, key: o.Key, exts: o.Extents, off: off, left: length}
	if length > 0 {
		if err := r.next(); err != nil {
			return nil, err
		}
	}
	return r, nil
}

type extentReader struct {
	ctx         context.Context
	g           *Gateway
	bucket, key string
	exts        []meta.Extent
	dataID      string // of the extent being read
	off         int64  // offset within the remaining extents
	left        int64
	cur         io.ReadCloser
}

// next opens the extent holding the next byte.
func (r *extentReader) next() error {
	for len(r.exts) > 0 && r.off >= r.exts[0].Size {
		r.off -= r.exts[0].Size
		r.exts = r.exts[1:]
	}
	if len(r.exts) == 0 {
		return io.ErrUnexpectedEOF
	}
	x := r.exts[0]
	n := min(x.Size-r.off, r.left)
	p, err := r.g.placements.ForData(x.DataID)
	if err != nil {
		return err
	}
	rc, err := p.Store.Open(r.ctx, x.DataID, x.Size, x.ChunkSize, r.off, n)
	if err != nil {
		return r.g.readErr(r.bucket, r.key, x.DataID, err)
	}
	r.cur, r.dataID = rc, x.DataID
	r.exts = r.exts[1:]
	r.off = 0
	return nil
}

func (r *extentReader) Read(p []byte) (int, error) {
	for {
		if r.left <= 0 {
			return 0, io.EOF
		}
		if r.cur == nil {
			if err := r.next(); err != nil {
				return 0, err
			}
		}
		if int64(len(p)) > r.left {
			p = p[:r.left]
		}
		n, err := r.cur.Read(p)
		r.left -= int64(n)
		if err == io.EOF {
			r.cur.Close()
			r.cur = nil
			err = nil
		} else if err != nil {
			err = r.g.readErr(r.bucket, r.key, r.dataID, err)
		}
		if n > 0 || err != nil {
			return n, err
		}
	}
}

func (r *extentReader) Close() error {
	if r.cur != nil {
		return r.cur.Close()
	}
	return nil
}

// DeleteTarget is one entry of DeleteObjects.
type DeleteTarget struct {
	Key       string
	VersionID string // "" = the latest
}

// DeleteResult is the outcome for one entry of DeleteObjects.
type DeleteResult struct {
	DeleteTarget
	DeleteOutput
	Err error
}

// DeleteObjects deletes up to MaxDeleteObjects entries, each as
// DeleteObject would.
func (g *Gateway) DeleteObjects(ctx context.Context, b Bucket, owner string, bypass bool, targets []DeleteTarget) ([]DeleteResult, error) {
	if len(targets) > MaxDeleteObjects {
		return nil, ErrInvalidArgument
	}
	res := make([]DeleteResult, len(targets))
	for i, t := range targets {
		res[i].DeleteTarget = t
		res[i].DeleteOutput, res[i].Err = g.DeleteObject(ctx, b, DeleteInput{Key: t.Key, VersionID: t.VersionID, Owner: owner, Bypass: bypass})
	}
	return res, nil
}

// CopyInput is a CopyObject request.
type CopyInput struct {
	Src Source
	Key string
	// Owner is the new object's owner: the requester's.
	Owner string
	// Replace is true for x-amz-metadata-directive: REPLACE; Headers and
	// UserMeta are then the new metadata.
	Replace  bool
	Headers  map[string]string
	UserMeta map[string]string
	// SrcCond holds x-amz-copy-source-if-*; any failure is 412.
	SrcCond ReadCond
	Cond    WriteCond
	Lock    *LockInput
	// ChecksumAlgorithm to compute for the copy ("" = the source's).
	ChecksumAlgorithm checksum.Algorithm
	// ReplaceTags is true for x-amz-tagging-directive: REPLACE; Tags are
	// then the copy's tags (x-amz-tagging). Otherwise the source
	// version's tags are copied.
	ReplaceTags bool
	Tags        map[string]string
	// ACL is the copy's ACL, encoded (nil: private; the source's ACL is
	// not copied, as in S3).
	ACL []byte
}

// CopyObject copies an object's bytes into a new object of bucket dst
// (data is never shared between objects, so each can be deleted on its
// own).
func (g *Gateway) CopyObject(ctx context.Context, dst Bucket, in CopyInput) (Object, error) {
	if err := CheckKey(in.Key); err != nil {
		return Object{}, err
	}
	if err := CheckKey(in.Src.Key); err != nil {
		return Object{}, err
	}
	if in.Src.Bucket.Name == dst.Name && in.Src.Key == in.Key && in.Src.VersionID == "" && !in.Replace {
		return Object{}, ErrInvalidCopySource
	}
	so, _, err := g.readSource(ctx, in.Src, GetInput{Cond: in.SrcCond}, true)
	if err != nil {
		return Object{}, err
	}
	if err := g.checkWriteCond(ctx, dst.Name, in.Key, in.Cond); err != nil {
		return Object{}, err
	}
	alg := in.ChecksumAlgorithm
	if alg == "" {
		for a := range so.Checksums {
			if p, ok := checksum.Parse(a); ok {
				alg = p
			}
		}
	}
	body, err := g.openObject(ctx, so, 0, so.Size)
	if err != nil {
		return Object{}, err
	}
	defer body.Close()
	ext, entry, err := g.writeData(ctx, dataInput{
		bucket: dst.Name, key: in.Key, placement: dst.Placement, body: body, size: so.Size, extra: alg,
	})
	if err != nil {
		if errors.Is(err, ErrIncompleteBody) {
			err = errors.New("copy source shorter than its size")
		}
		return Object{}, err
	}
	o := meta.Object{
		Bucket: dst.Name, Key: in.Key, Size: ext.Size, ETag: ext.ETag,
		LastModified: g.now(), Owner: in.Owner, Headers: so.Headers, UserMeta: so.UserMeta,
		Checksums: ext.Checksums, Extents: []meta.Extent{ext}, ACL: in.ACL,
	}
	if in.Replace {
		o.Headers, o.UserMeta = in.Headers, in.UserMeta
	}
	o.Tags = nonEmpty(so.Tags)
	if in.ReplaceTags {
		o.Tags = nonEmpty(in.Tags)
	}
	if len(o.Checksums) > 0 {
		o.ChecksumType = "FULL_OBJECT"
	}
	if err := g.applyLock(dst, &o, in.Lock); err != nil {
		g.reclaim(ctx, o.Bucket, o.Key, "", o.Extents)
		return Object{}, err
	}
	err = g.commit(ctx, dst, &o, in.Cond, nil, entry)
	out := objectInfo(o)
	out.SourceVersionID = so.S3VersionID()
	return out, err
}
