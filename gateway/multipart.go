package gateway

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dolium/dolium/internal/checksum"
	"github.com/dolium/dolium/internal/failpoint"
	"github.com/dolium/dolium/meta"
)

// CreateUploadInput is a CreateMultipartUpload request.
type CreateUploadInput struct {
	Key string
	// Owner is the upload's (and the object's) owner: the requester's.
	Owner             string
	Headers           map[string]string
	UserMeta          map[string]string
	ChecksumAlgorithm checksum.Algorithm // "" = none
	ChecksumType      string             // "COMPOSITE", "FULL_OBJECT" or "" (default per algorithm)
	Lock              *LockInput         // x-amz-object-lock-* (nil: none asked)
	// Tags for the completed object (x-amz-tagging, checked; nil: none).
	Tags map[string]string
	// ACL is the completed object's ACL, encoded (nil: private).
	ACL []byte
}

// CreateMultipartUpload starts an upload in bucket b and returns it.
func (g *Gateway) CreateMultipartUpload(ctx context.Context, b Bucket, in CreateUploadInput) (Upload, error) {
	if err := CheckKey(in.Key); err != nil {
		return Upload{}, err
	}
	ct := in.ChecksumType
	if in.ChecksumAlgorithm == "" {
		if ct != "" {
			return Upload{}, ErrInvalidArgument
		}
	} else if ct == "" {
		ct = "COMPOSITE"
		if in.ChecksumAlgorithm == checksum.CRC64NVME {
			ct = "FULL_OBJECT"
		}
	}
	switch {
	case ct == "", ct == "COMPOSITE" && in.ChecksumAlgorithm != checksum.CRC64NVME:
	case ct == "FULL_OBJECT" && strings.HasPrefix(string(in.ChecksumAlgorithm), "CRC"):
	default:
		return Upload{}, ErrInvalidArgument
	}
	u := meta.Upload{
		Bucket: b.Name, Key: in.Key, UploadID: g.newID(), Initiated: g.now(), Owner: in.Owner,
		Headers: in.Headers, UserMeta: in.UserMeta,
		ChecksumAlgorithm: string(in.ChecksumAlgorithm), ChecksumType: ct,
		Tags: nonEmpty(in.Tags), ACL: in.ACL,
	}
	if in.Lock != nil {
		lk := meta.Object{LastModified: g.now()}
		if err := g.applyLock(b, &lk, in.Lock); err != nil {
			return Upload{}, err
		}
		u.Retention, u.LegalHold, u.LegalHoldSet = lk.Retention, lk.LegalHold, lk.LegalHoldSet
	}
	return uploadInfo(u), mapMeta(g.meta.CreateUpload(ctx, u))
}

// upload returns upload uploadID of key in bucket b: an upload of another
// key or bucket is ErrNoSuchUpload.
func (g *Gateway) upload(ctx context.Context, b Bucket, key, uploadID string) (meta.Upload, error) {
	if err := CheckKey(key); err != nil {
		return meta.Upload{}, err
	}
	u, err := g.meta.GetUpload(ctx, b.Name, key, uploadID)
	if errors.Is(err, meta.ErrNotFound) {
		return u, ErrNoSuchUpload
	}
	if err != nil {
		return u, mapMeta(err)
	}
	if g.completed(ctx, u) {
		return u, ErrNoSuchUpload
	}
	return u, nil
}

// completed reports whether u was completed but its row survived (the
// gateway died between committing the object and deleting the upload), and
// if so finishes it: records the completion and deletes the row. The
// object's first extent is then one of u's parts. Its data is safe either
// way: the collector never deletes referenced data.
//
// A completion writes its record before it commits the object. An upload
// that has such a record while its key does not hold the recorded object
// either never committed (the gateway died in between) or was overwritten
// since; either way it is over, and it is ended as aborted: its parts are
// queued (the collector keeps whatever an object still references) and its
// rows deleted. Without this, an upload whose completion committed, whose
// gateway died before deleting it, and whose object was overwritten before
// anyone looked, stayed listed with parts whose data the overwrite had
// reclaimed.
func (g *Gateway) completed(ctx context.Context, u meta.Upload) bool {
	o, err := g.meta.GetObject(ctx, u.Bucket, u.Key)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		o = meta.Object{}
	case err != nil:
		return false
	}
	return g.completedInto(ctx, u, o)
}

// completedInto is completed with the current object of u's key already
// read (the zero Object if there is none).
func (g *Gateway) completedInto(ctx context.Context, u meta.Upload, o meta.Object) bool {
	if len(o.Extents) > 0 && o.Extents[0].PartNumber != 0 {
		first := o.Extents[0]
		ps, err := g.meta.ListParts(ctx, u.UploadID, first.PartNumber-1, 1)
		if err == nil && len(ps) == 1 && ps[0].Extent.DataID == first.DataID {
			g.finishUpload(ctx, u, o)
			return true
		}
	}
	c, err := g.meta.GetCompletion(ctx, u.UploadID)
	if err != nil || c.Aborted || c.VersionID == "" || c.Bucket != u.Bucket || c.Key != u.Key || c.VersionID == o.VersionID {
		return false
	}
	// The completed version may be there but no longer the latest.
	if v, ok, err := g.versionByID(ctx, u.Bucket, u.Key, c.VersionID); err != nil {
		return false
	} else if ok {
		g.finishUpload(ctx, u, v)
		return true
	}
	g.abandonUpload(ctx, u)
	return true
}

// versionByID finds a key's version by its store id, whether it is the
// null version or a versioned one.
func (g *Gateway) versionByID(ctx context.Context, bucket, key, id string) (meta.Object, bool, error) {
	for _, v := range []string{id, meta.NullVersion} {
		o, err := g.meta.GetObjectVersion(ctx, bucket, key, v)
		switch {
		case err == nil && o.VersionID == id:
			return o, true, nil
		case err != nil && !errors.Is(err, meta.ErrNotFound):
			return o, false, err
		}
	}
	return meta.Object{}, false, nil
}

// abandonUpload ends an upload whose completion is known not to hold (see
// completed) as an abort would.
func (g *Gateway) abandonUpload(ctx context.Context, u meta.Upload) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := g.endUpload(ctx, u); err != nil && !errors.Is(err, meta.ErrNotFound) {
		g.log.Warn("end an upload whose completion did not hold", "upload_id", u.UploadID, "err", err)
		return
	}
	g.log.Info("ended an upload whose completion did not hold", "upload_id", u.UploadID, "bucket", u.Bucket, "key", u.Key)
}

// endUpload aborts u: its parts are queued before its rows are deleted,
// then the abort is recorded (so a retried abort succeeds). It returns an
// error wrapping meta.ErrNotFound if the upload was gone already.
func (g *Gateway) endUpload(ctx context.Context, u meta.Upload) error {
	parts, err := g.allParts(ctx, u.UploadID)
	if err != nil {
		return err
	}
	exts := make([]meta.Extent, len(parts))
	for i, p := range parts {
		exts[i] = p.Extent
	}
	if err := g.queueReplaced(ctx, u.Bucket, u.Key, u.UploadID, exts); err != nil {
		return err
	}
	failpoint.Hit("abort.after-queue")
	if err := g.meta.DeleteUpload(ctx, u.Bucket, u.Key, u.UploadID); err != nil {
		return err
	}
	failpoint.Hit("abort.after-delete")
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	c := meta.Completion{UploadID: u.UploadID, Bucket: u.Bucket, Key: u.Key, Aborted: true, Done: g.now()}
	if err := g.meta.PutCompletion(rctx, c, g.cfg.CompletionTTL); err != nil {
		g.log.Warn("record upload abort", "upload_id", u.UploadID, "err", err)
	}
	return nil
}

// finishUpload ends a completed upload: it records the completion (so a
// retried CompleteMultipartUpload gets the same answer), then deletes the
// upload's rows. Parts the object does not use were queued before the
// object was committed.
func (g *Gateway) finishUpload(ctx context.Context, u meta.Upload, o meta.Object) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := g.meta.PutCompletion(ctx, g.completionOf(u, o), g.cfg.CompletionTTL); err != nil {
		g.log.Warn("record upload completion", "upload_id", u.UploadID, "err", err)
	}
	failpoint.Hit("complete.after-record")
	if err := g.meta.DeleteUpload(ctx, u.Bucket, u.Key, u.UploadID); err != nil && !errors.Is(err, meta.ErrNotFound) {
		g.log.Warn("delete completed upload", "upload_id", u.UploadID, "err", err)
	}
}

// completionOf is the record of u completed into o.
func (g *Gateway) completionOf(u meta.Upload, o meta.Object) meta.Completion {
	return meta.Completion{
		UploadID: u.UploadID, Bucket: u.Bucket, Key: u.Key, Parts: partsDigest(extentParts(o.Extents)),
		VersionID: o.VersionID, ETag: o.ETag, Size: o.Size, Checksums: o.Checksums, ChecksumType: o.ChecksumType,
		Done: g.now(),
	}
}

// partRef is a part as a completion names it.
type partRef struct {
	number int
	etag   string // unquoted
}

func extentParts(exts []meta.Extent) []partRef {
	ps := make([]partRef, len(exts))
	for i, x := range exts {
		ps[i] = partRef{x.PartNumber, x.ETag}
	}
	return ps
}

// partsDigest identifies a part list, so that only a retry of the same
// completion is answered from its record.
func partsDigest(ps []partRef) string {
	h := sha256.New()
	for _, p := range ps {
		fmt.Fprintf(h, "%d:%s\n", p.number, strings.Trim(strings.TrimPrefix(p.etag, "W/"), `"`))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// completion returns the completion record of an upload of (bucket, key),
// if one is kept.
func (g *Gateway) completion(ctx context.Context, bucket, key, uploadID string) (meta.Completion, bool, error) {
	c, err := g.meta.GetCompletion(ctx, uploadID)
	if errors.Is(err, meta.ErrNotFound) {
		return c, false, nil
	}
	if err != nil {
		return c, false, mapMeta(err)
	}
	return c, c.Bucket == bucket && c.Key == key, nil
}

// PartInput is an UploadPart request.
type PartInput struct {
	Key, UploadID string
	PartNumber    int
	Body          io.Reader
	Size          int64
	ContentMD5    string
	Checksum      ChecksumInput
}

// UploadPart stores one part of an upload in bucket b.
func (g *Gateway) UploadPart(ctx context.Context, b Bucket, in PartInput) (Part, error) {
	if in.PartNumber < 1 || in.PartNumber > MaxPartNumber {
		return Part{}, ErrInvalidPartNumber
	}
	u, err := g.upload(ctx, b, in.Key, in.UploadID)
	if err != nil {
		return Part{}, err
	}
	if in.Checksum.Algorithm != "" && u.ChecksumAlgorithm != "" && string(in.Checksum.Algorithm) != u.ChecksumAlgorithm {
		return Part{}, ErrInvalidArgument
	}
	extra, _ := checksum.Parse(u.ChecksumAlgorithm)
	ext, _, err := g.writeData(ctx, dataInput{
		bucket: b.Name, key: in.Key, placement: b.Placement, uploadID: in.UploadID, partNumber: in.PartNumber,
		body: in.Body, size: in.Size, contentMD5: in.ContentMD5, checksum: in.Checksum, extra: extra,
	})
	if err != nil {
		return Part{}, err
	}
	p, err := g.putPart(ctx, u, meta.Part{UploadID: in.UploadID, PartNumber: in.PartNumber, LastModified: g.now(), Extent: ext})
	return partInfo(p), err
}

// putPart records part p of upload u. The part it replaces is queued
// before the row changes. The pending entry of p's own data (due when the
// upload grace ends) is kept: the collector drops it then, finding the data
// referenced by the part or by the completed object; until then it also
// covers a concurrent upload of the same part number replacing p before
// queueing it.
func (g *Gateway) putPart(ctx context.Context, u meta.Upload, p meta.Part) (meta.Part, error) {
	cur, err := g.meta.ListParts(ctx, u.UploadID, p.PartNumber-1, 1)
	if err == nil && len(cur) == 1 && cur[0].PartNumber == p.PartNumber {
		err = g.queueReplaced(ctx, u.Bucket, u.Key, u.UploadID, []meta.Extent{cur[0].Extent})
	}
	if err != nil {
		g.reclaim(ctx, u.Bucket, u.Key, u.UploadID, []meta.Extent{p.Extent})
		return meta.Part{}, mapMeta(err)
	}
	failpoint.Hit("part.before-write")
	replaced, err := g.meta.PutPart(ctx, p)
	if err != nil {
		g.reclaim(ctx, u.Bucket, u.Key, u.UploadID, []meta.Extent{p.Extent})
		if errors.Is(err, meta.ErrNotFound) {
			return meta.Part{}, ErrNoSuchUpload // aborted meanwhile
		}
		return meta.Part{}, mapMeta(err)
	}
	failpoint.Hit("part.after-write")
	if replaced != nil && (len(cur) == 0 || replaced.Extent.DataID != cur[0].Extent.DataID) {
		// Raced with another upload of this part number.
		g.reclaim(ctx, u.Bucket, u.Key, u.UploadID, []meta.Extent{replaced.Extent})
	}
	// An abort that raced this part has already listed the parts it
	// reclaims; reclaim this one if the upload is gone.
	if _, err := g.meta.GetUpload(ctx, u.Bucket, u.Key, u.UploadID); errors.Is(err, meta.ErrNotFound) {
		g.reclaim(ctx, u.Bucket, u.Key, u.UploadID, []meta.Extent{p.Extent})
		return meta.Part{}, ErrNoSuchUpload
	}
	return p, nil
}

// CopyPartInput is an UploadPartCopy request.
type CopyPartInput struct {
	Src           Source
	Key, UploadID string
	PartNumber    int
	Range         *Range // x-amz-copy-source-range, nil = whole object
	SrcCond       ReadCond
}

// UploadPartCopy stores a part of an upload in bucket b copied from (a
// range of) an existing object.
func (g *Gateway) UploadPartCopy(ctx context.Context, b Bucket, in CopyPartInput) (Part, error) {
	if in.PartNumber < 1 || in.PartNumber > MaxPartNumber {
		return Part{}, ErrInvalidPartNumber
	}
	u, err := g.upload(ctx, b, in.Key, in.UploadID)
	if err != nil {
		return Part{}, err
	}
	if in.Range != nil {
		// Unlike a GET's, a copy range must lie within the source.
		so, _, err := g.readSource(ctx, in.Src, GetInput{}, true)
		if err != nil {
			return Part{}, err
		}
		if size := so.Size; in.Range.Start >= size || in.Range.End >= size {
			return Part{}, &CopyRangeError{Size: size}
		}
	}
	_, src, err := g.readSource(ctx, in.Src, GetInput{Range: in.Range, Cond: in.SrcCond}, false)
	if err != nil {
		return Part{}, err
	}
	defer src.Body.Close()
	extra, _ := checksum.Parse(u.ChecksumAlgorithm)
	ext, _, err := g.writeData(ctx, dataInput{
		bucket: b.Name, key: in.Key, placement: b.Placement, uploadID: in.UploadID, partNumber: in.PartNumber,
		body: src.Body, size: src.Length, extra: extra,
	})
	if err != nil {
		return Part{}, err
	}
	p, err := g.putPart(ctx, u, meta.Part{UploadID: in.UploadID, PartNumber: in.PartNumber, LastModified: g.now(), Extent: ext})
	return partInfo(p), err
}

// CompletedPart is one entry of a CompleteMultipartUpload body.
type CompletedPart struct {
	PartNumber int
	ETag       string
	Checksums  map[string]string // algorithm -> base64, as the client sent
}

// CompleteInput is a CompleteMultipartUpload request.
type CompleteInput struct {
	Key, UploadID string
	// Owner is the new object's owner: the requester's.
	Owner string
	Parts []CompletedPart
	Cond  WriteCond
	// Checksum is the whole-object checksum the client sent, if any
	// (x-amz-checksum-<alg> on the complete request).
	ChecksumAlgorithm checksum.Algorithm
	ChecksumValue     string
}

// allParts lists every part of an upload.
func (g *Gateway) allParts(ctx context.Context, uploadID string) ([]meta.Part, error) {
	ps, err := meta.AllParts(ctx, g.meta, uploadID)
	return ps, mapMeta(err)
}

// CompleteMultipartUpload assembles the listed parts of an upload in
// bucket b into the object.
//
// A retry of a completion that succeeded (same part list) answers what the
// first one did, from the completion record kept for CompletionTTL.
func (g *Gateway) CompleteMultipartUpload(ctx context.Context, b Bucket, in CompleteInput) (Object, error) {
	o, err := g.complete(ctx, b, in)
	return objectInfo(o), err
}

func (g *Gateway) complete(ctx context.Context, b Bucket, in CompleteInput) (meta.Object, error) {
	u, err := g.upload(ctx, b, in.Key, in.UploadID)
	if errors.Is(err, ErrNoSuchUpload) {
		refs := make([]partRef, len(in.Parts))
		for i, p := range in.Parts {
			refs[i] = partRef{p.PartNumber, p.ETag}
		}
		c, ok, cerr := g.completion(ctx, b.Name, in.Key, in.UploadID)
		if cerr != nil {
			return meta.Object{}, cerr
		}
		if ok && !c.Aborted && c.Parts == partsDigest(refs) {
			return meta.Object{
				Bucket: c.Bucket, Key: c.Key, VersionID: c.VersionID, Versioned: versioned(b), ETag: c.ETag, Size: c.Size,
				Checksums: c.Checksums, ChecksumType: c.ChecksumType, LastModified: c.Done,
			}, nil
		}
	}
	if err != nil {
		return meta.Object{}, err
	}
	if len(in.Parts) == 0 {
		return meta.Object{}, ErrMalformedParts
	}
	stored, err := g.allParts(ctx, in.UploadID)
	if err != nil {
		return meta.Object{}, err
	}
	byNum := make(map[int]meta.Part, len(stored))
	for _, p := range stored {
		byNum[p.PartNumber] = p
	}
	alg, _ := checksum.Parse(u.ChecksumAlgorithm)
	var (
		exts     []meta.Extent
		md5s     []byte
		size     int64
		sums     []string
		sizes    []int64
		used     = map[int]bool{}
		tooSmall bool
	)
	for i, cp := range in.Parts {
		if i > 0 && cp.PartNumber <= in.Parts[i-1].PartNumber {
			return meta.Object{}, ErrInvalidPartOrder
		}
		p, ok := byNum[cp.PartNumber]
		if !ok || !etagMatches(cp.ETag, p.Extent.ETag) {
			return meta.Object{}, ErrInvalidPart
		}
		for a, v := range cp.Checksums {
			if have, ok := p.Extent.Checksums[a]; ok && have != v {
				return meta.Object{}, ErrInvalidPart
			}
		}
		if i < len(in.Parts)-1 && p.Extent.Size < MinPartSize {
			tooSmall = true // reported once every part is known to exist
		}
		b, err := hex.DecodeString(p.Extent.ETag)
		if err != nil {
			return meta.Object{}, fmt.Errorf("part %d etag %q: %w", p.PartNumber, p.Extent.ETag, err)
		}
		md5s = append(md5s, b...)
		exts = append(exts, p.Extent)
		size += p.Extent.Size
		used[p.PartNumber] = true
		if alg != "" {
			sums = append(sums, p.Extent.Checksums[string(alg)])
			sizes = append(sizes, p.Extent.Size)
		}
	}
	if tooSmall {
		return meta.Object{}, ErrEntityTooSmall
	}
	sum := md5.Sum(md5s)
	o := meta.Object{
		Bucket: b.Name, Key: in.Key, Size: size,
		ETag:         fmt.Sprintf("%s-%d", hex.EncodeToString(sum[:]), len(in.Parts)),
		LastModified: g.now(), Owner: in.Owner, Headers: u.Headers, UserMeta: u.UserMeta, Extents: exts,
		Tags: nonEmpty(u.Tags),
		ACL: u.ACL,
	}
	o.LegalHold, o.LegalHoldSet = u.LegalHold, u.LegalHoldSet
	if u.Retention.Mode != "" {
		o.Retention = u.Retention
	} else if err := g.applyLock(b, &o, nil); err != nil { // the bucket's default retention
		return meta.Object{}, err
	}
	if alg != "" {
		var v string
		if u.ChecksumType == "FULL_OBJECT" {
			v, err = checksum.CombineFull(alg, sums, sizes)
		} else {
			v, err = checksum.Composite(alg, sums)
		}
		if err != nil {
			return meta.Object{}, fmt.Errorf("object checksum: %w", err)
		}
		if in.ChecksumValue != "" && in.ChecksumAlgorithm == alg && in.ChecksumValue != v {
			return meta.Object{}, ErrChecksumMismatch
		}
		o.Checksums = map[string]string{string(alg): v}
		o.ChecksumType = u.ChecksumType
	}
	// Parts the object leaves out are queued before it is committed: once
	// the upload is finished nothing references them.
	var unused []meta.Extent
	for _, p := range stored {
		if !used[p.PartNumber] {
			unused = append(unused, p.Extent)
		}
	}
	if err := g.queueReplaced(ctx, b.Name, in.Key, in.UploadID, unused); err != nil {
		return meta.Object{}, err
	}
	// The completion's record goes first too (see completed), with the
	// version id the commit gives the object.
	intent := func(o meta.Object) error {
		if err := g.meta.PutCompletion(ctx, g.completionOf(u, o), g.cfg.CompletionTTL); err != nil {
			return mapMeta(err)
		}
		failpoint.Hit("complete.after-intent")
		return nil
	}
	if err := g.commit(ctx, b, &o, in.Cond, intent); err != nil {
		// Withdraw the record: the upload goes on (a retry may succeed).
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if werr := g.meta.PutCompletion(wctx, meta.Completion{UploadID: u.UploadID, Bucket: u.Bucket, Key: u.Key, Done: g.now()}, g.cfg.CompletionTTL); werr != nil {
			g.log.Warn("withdraw upload completion", "upload_id", u.UploadID, "err", werr)
		}
		return meta.Object{}, err
	}
	failpoint.Hit("complete.after-commit")
	g.finishUpload(ctx, u, o)
	return o, nil
}

// AbortMultipartUpload deletes an upload and reclaims its parts. Aborting
// an upload that was already aborted or completed succeeds while its
// completion record is kept (AWS answers 204 for some hours too), so that
// a retried abort does not report a failure; later it is NoSuchUpload.
func (g *Gateway) AbortMultipartUpload(ctx context.Context, b Bucket, key, uploadID string) error {
	u, err := g.upload(ctx, b, key, uploadID)
	if errors.Is(err, ErrNoSuchUpload) {
		if _, ok, cerr := g.completion(ctx, b.Name, key, uploadID); cerr != nil {
			return cerr
		} else if ok {
			return nil
		}
	}
	if err != nil {
		return err
	}
	if err := g.endUpload(ctx, u); err != nil {
		if errors.Is(err, meta.ErrNotFound) {
			return ErrNoSuchUpload
		}
		return mapMeta(err)
	}
	return nil
}

// ListParts returns up to max parts after marker, and whether more remain.
func (g *Gateway) ListParts(ctx context.Context, b Bucket, key, uploadID string, marker, max int) (Upload, []Part, bool, error) {
	u, err := g.upload(ctx, b, key, uploadID)
	if err != nil {
		return uploadInfo(u), nil, false, err
	}
	ps, err := g.meta.ListParts(ctx, uploadID, marker, max+1)
	if err != nil {
		return uploadInfo(u), nil, false, mapMeta(err)
	}
	trunc := len(ps) > max
	if trunc {
		ps = ps[:max]
	}
	parts := make([]Part, len(ps))
	for i, p := range ps {
		parts[i] = partInfo(p)
	}
	return uploadInfo(u), parts, trunc, nil
}

// ListUploadsInput is a ListMultipartUploads request.
type ListUploadsInput struct {
	Prefix, Delimiter         string
	KeyMarker, UploadIDMarker string
	MaxUploads                int
}

// ListUploadsOutput is one page of uploads.
type ListUploadsOutput struct {
	Uploads                           []Upload
	CommonPrefixes                    []string
	IsTruncated                       bool
	NextKeyMarker, NextUploadIDMarker string
}

// ListMultipartUploads lists uploads in progress in key, upload id order.
func (g *Gateway) ListMultipartUploads(ctx context.Context, b Bucket, in ListUploadsInput) (ListUploadsOutput, error) {
	var out ListUploadsOutput
	bucket := b.Name
	if in.MaxUploads <= 0 {
		return out, nil
	}
	keyMarker, idMarker := in.KeyMarker, in.UploadIDMarker
	if idMarker == "" && keyMarker != "" {
		// S3: with only a key marker, uploads of that key are skipped.
		idMarker = "\xff" // every upload id sorts before this
	}
	count := 0
	for {
		page, err := g.meta.ListUploads(ctx, bucket, meta.UploadListOptions{
			Prefix: in.Prefix, KeyMarker: keyMarker, UploadIDMarker: idMarker, Limit: 1000,
		})
		if err != nil {
			return out, mapMeta(err)
		}
		if len(page) == 0 {
			return out, nil
		}
		skipped := false
		for _, u := range page {
			if in.Delimiter != "" {
				rest := u.Key[len(in.Prefix):]
				if i := strings.Index(rest, in.Delimiter); i >= 0 {
					cp := in.Prefix + rest[:i+len(in.Delimiter)]
					if count == in.MaxUploads {
						out.IsTruncated = true
						return out, nil
					}
					if len(out.CommonPrefixes) == 0 || out.CommonPrefixes[len(out.CommonPrefixes)-1] != cp {
						out.CommonPrefixes = append(out.CommonPrefixes, cp)
						count++
					}
					out.NextKeyMarker, out.NextUploadIDMarker = cp, ""
					keyMarker, idMarker = afterPrefix(cp), ""
					skipped = true
					break
				}
			}
			if g.completed(ctx, u) {
				keyMarker, idMarker = u.Key, u.UploadID
				continue
			}
			if count == in.MaxUploads {
				out.IsTruncated = true
				return out, nil
			}
			out.Uploads = append(out.Uploads, uploadInfo(u))
			out.NextKeyMarker, out.NextUploadIDMarker = u.Key, u.UploadID
			keyMarker, idMarker = u.Key, u.UploadID
			count++
		}
		if !skipped && len(page) < 1000 {
			return out, nil
		}
	}
}
