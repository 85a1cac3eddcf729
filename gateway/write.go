package gateway

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"hash"
	"io"
	"time"

	"github.com/dolium/dolium/internal/checksum"
	"github.com/dolium/dolium/meta"
)

// ChecksumInput is the additional checksum a client asked for on an upload.
type ChecksumInput struct {
	// Algorithm to compute ("" = none).
	Algorithm checksum.Algorithm
	// Value is the base64 value the client sent in a header ("" if none).
	Value string
	// Trailer, if set, returns the value the client sent in a trailer; it is
	// called after the body has been read to EOF.
	Trailer func() string
}

// dataInput is what every upload path (PUT, UploadPart, copy) writes.
type dataInput struct {
	bucket, key string
	placement   string // the bucket's placement
	uploadID    string
	partNumber  int
	body        io.Reader
	size        int64  // declared length, -1 if unknown
	contentMD5  string // base64 as sent, "" if none
	checksum    ChecksumInput
	// extra algorithms to compute without an expected value (multipart
	// uploads created with an algorithm, copies).
	extra checksum.Algorithm
}

// hashingReader counts and hashes what passes through it.
type hashingReader struct {
	r      io.Reader
	n      int64
	limit  int64
	md5    hash.Hash
	sums   map[checksum.Algorithm]hash.Hash
	tooBig bool
	err    error // the body's first error other than io.EOF
}

func (h *hashingReader) Read(p []byte) (int, error) {
	n, err := h.r.Read(p)
	if n > 0 {
		if h.n+int64(n) > h.limit {
			h.tooBig = true
			return 0, ErrEntityTooLarge
		}
		h.n += int64(n)
		h.md5.Write(p[:n])
		for _, s := range h.sums {
			s.Write(p[:n])
		}
	}
	if err != nil && err != io.EOF && h.err == nil {
		h.err = err
	}
	return n, err
}

// writeData stores in.body as a new data set and returns its extent and the
// collection entry it queued before writing, so that a crash or an error
// leaves nothing behind for long (on error the data is queued due at once).
// Once the caller has committed a row referencing the data it calls
// committed(entry) to drop that entry.
func (g *Gateway) writeData(ctx context.Context, in dataInput) (meta.Extent, meta.GCEntry, error) {
	start := g.now()
	if in.size > MaxPutSize {
		return meta.Extent{}, meta.GCEntry{}, ErrEntityTooLarge
	}
	var wantMD5 []byte
	if in.contentMD5 != "" {
		b, err := base64.StdEncoding.DecodeString(in.contentMD5)
		if err != nil || len(b) != md5.Size {
			return meta.Extent{}, meta.GCEntry{}, ErrInvalidDigest
		}
		wantMD5 = b
	}
	hr := &hashingReader{r: in.body, limit: MaxPutSize, md5: md5.New(), sums: map[checksum.Algorithm]hash.Hash{}}
	if a := in.checksum.Algorithm; a != "" {
		hr.sums[a] = a.New()
	}
	if a := in.extra; a != "" {
		hr.sums[a] = a.New()
	}
	p, err := g.placements.ByName(in.placement)
	if err != nil {
		return meta.Extent{}, meta.GCEntry{}, err
	}
	blobs := p.Store
	dataID := p.DataID(g.newID())
	entry := meta.GCEntry{
		Due: start.Add(g.cfg.UploadGrace).Truncate(time.Millisecond), DataID: dataID, Bucket: in.bucket, Key: in.key,
		UploadID: in.uploadID, PartNumber: in.partNumber, ChunkSize: blobs.ChunkSize(),
	}
	if in.size > 0 {
		entry.Size = in.size
	}
	if err := g.meta.Enqueue(ctx, entry); err != nil {
		return meta.Extent{}, meta.GCEntry{}, mapMeta(err)
	}
	ext := meta.Extent{DataID: dataID, ChunkSize: blobs.ChunkSize(), PartNumber: in.partNumber}
	fail := func(err error) (meta.Extent, meta.GCEntry, error) {
		// Reclaim now rather than at the end of the grace period. Use a
		// fresh context: the request's may be cancelled already.
		e := entry
		e.Due = g.now().Truncate(time.Millisecond)
		e.Size = hr.n
		qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if qerr := g.meta.Enqueue(qctx, e); qerr != nil {
			g.log.Warn("queue failed upload data", "data_id", dataID, "err", qerr)
		}
		return meta.Extent{}, meta.GCEntry{}, err
	}
	n, err := blobs.Write(ctx, dataID, hr)
	if err != nil && hr.err != nil {
		// The body's failure (a short body, a bad chunk signature) explains
		// the write's failure better than the cancellation it caused.
		err = hr.err
	}
	switch {
	case hr.tooBig:
		return fail(ErrEntityTooLarge)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fail(ErrIncompleteBody)
	case err != nil:
		return fail(mapMeta(err))
	}
	if in.size >= 0 && n != in.size {
		return fail(ErrIncompleteBody)
	}
	sum := hr.md5.Sum(nil)
	if wantMD5 != nil && !bytes.Equal(sum, wantMD5) {
		return fail(ErrBadDigest)
	}
	ext.Size = n
	ext.ETag = hex.EncodeToString(sum)
	ext.Checksums = map[string]string{}
	for a, h := range hr.sums {
		ext.Checksums[string(a)] = checksum.Encode(h.Sum(nil))
	}
	if a := in.checksum.Algorithm; a != "" {
		want := in.checksum.Value
		if in.checksum.Trailer != nil {
			if tv := in.checksum.Trailer(); tv != "" {
				want = tv
			}
		}
		if want != "" && want != ext.Checksums[string(a)] {
			return fail(ErrChecksumMismatch)
		}
	}
	if g.now().Sub(start) > g.cfg.UploadGrace*9/10 {
		// The collector may already be reclaiming this data.
		return fail(ErrRequestTimeout)
	}
	return ext, entry, nil
}

// queueReplaced durably queues data an operation is about to replace or
// drop, due after ReclaimDelay (GETs already streaming it keep working
// until then). It runs before the metadata change, so that a crash at any
// point leaves the data either referenced or queued: if the change never
// happens, the collector finds the data still referenced and only drops
// the entry. It fails if the queue does, and then the change must not be
// made.
func (g *Gateway) queueReplaced(ctx context.Context, bucket, key, uploadID string, exts []meta.Extent) error {
	for _, x := range exts {
		e := meta.GCEntry{
			Due: g.now().Add(g.cfg.ReclaimDelay).Truncate(time.Millisecond), DataID: x.DataID, Bucket: bucket, Key: key,
			UploadID: uploadID, PartNumber: x.PartNumber, Size: x.Size, ChunkSize: x.ChunkSize,
		}
		if err := g.meta.Enqueue(ctx, e); err != nil {
			return mapMeta(err)
		}
	}
	return nil
}

// reclaim is queueReplaced for data already unreferenced (a failed
// upload's, say), best effort: the entry queued before the data was
// written still exists unless it was already processed, so a failure is
// logged for an operator, not returned.
func (g *Gateway) reclaim(ctx context.Context, bucket, key, uploadID string, exts []meta.Extent) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := g.queueReplaced(qctx, bucket, key, uploadID, exts); err != nil {
		g.log.Warn("queue unreferenced data", "bucket", bucket, "key", key, "upload_id", uploadID, "err", err)
	}
}

// committed drops the pending collection entry of data that a committed row
// now references. Failure is harmless: the collector finds the data
// referenced and drops the entry itself.
func (g *Gateway) committed(ctx context.Context, e meta.GCEntry) {
	qctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := g.meta.Remove(qctx, e); err != nil {
		g.log.Debug("drop pending gc entry", "data_id", e.DataID, "err", err)
	}
}
