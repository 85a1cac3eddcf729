package pebble

import (
	"bytes"
	"context"
	"fmt"
	"math"

	"github.com/dolium/dolium/meta"
)

// Upload ids are one global namespace: parts are keyed by upload id alone
// (ListParts takes no bucket or key), so an index row i|id claims the id and
// locates its upload. Every write to an upload or its parts holds the stripe
// lock of that index row, so DeleteUpload and PutPart are serialized and an
// aborted upload never keeps a part written after the abort.

// CreateUpload records u; meta.ErrConflict if its id exists.
func (s *Store) CreateUpload(ctx context.Context, u meta.Upload) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	ik := uploadIDKey(u.UploadID)
	defer s.lock(ik)()
	_, ok, err := s.get(ik)
	if err != nil {
		return err
	}
	if ok {
		return fmt.Errorf("meta/pebble: create upload %q: %w", u.UploadID, meta.ErrConflict)
	}
	iv, err := encode(uploadIDRec{Bucket: u.Bucket, Key: u.Key})
	if err != nil {
		return err
	}
	uv, err := encode(toUploadRec(u))
	if err != nil {
		return err
	}
	b := s.db.NewBatch()
	if err := b.Set(ik, iv, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: create upload: %w", err)
	}
	if err := b.Set(uploadKey(u.Bucket, u.Key, u.UploadID), uv, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: create upload: %w", err)
	}
	return s.commit(b)
}

// GetUpload returns the upload or meta.ErrNotFound.
func (s *Store) GetUpload(ctx context.Context, bucket, key, uploadID string) (meta.Upload, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Upload{}, err
	}
	defer s.end()
	var rec uploadRec
	ok, err := s.getRec(uploadKey(bucket, key, uploadID), &rec)
	if err != nil {
		return meta.Upload{}, err
	}
	if !ok {
		return meta.Upload{}, fmt.Errorf("meta/pebble: upload %q: %w", uploadID, meta.ErrNotFound)
	}
	return rec.upload(), nil
}

// ListUploads returns the bucket's uploads ordered by key then upload id,
// starting after (KeyMarker, UploadIDMarker) in that order. A Limit of zero
// or less means no limit.
func (s *Store) ListUploads(ctx context.Context, bucket string, opts meta.UploadListOptions) ([]meta.Upload, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	lower := appendEscapedPrefix(uploadsPrefix(bucket), opts.Prefix)
	upper := successor(lower)
	if opts.KeyMarker != "" || opts.UploadIDMarker != "" {
		// The smallest row after (KeyMarker, UploadIDMarker).
		marker := append(uploadKey(bucket, opts.KeyMarker, opts.UploadIDMarker), 0x00)
		if bytes.Compare(marker, lower) > 0 {
			lower = marker
		}
	}
	if upper != nil && bytes.Compare(lower, upper) >= 0 {
		return nil, nil
	}
	var out []meta.Upload
	err := s.scan(ctx, lower, upper, func(_, v []byte) (bool, error) {
		var rec uploadRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, rec.upload())
		return opts.Limit <= 0 || len(out) < opts.Limit, nil
	})
	return out, err
}

// DeleteUpload removes the upload and its part rows; meta.ErrNotFound if
// the upload is absent.
func (s *Store) DeleteUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	ik := uploadIDKey(uploadID)
	defer s.lock(ik)()
	uk := uploadKey(bucket, key, uploadID)
	_, ok, err := s.get(uk)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("meta/pebble: delete upload %q: %w", uploadID, meta.ErrNotFound)
	}
	b := s.db.NewBatch()
	lower := partsPrefix(uploadID)
	for _, err := range []error{
		b.Delete(uk, nil),
		b.Delete(ik, nil),
		b.DeleteRange(lower, successor(lower), nil),
	} {
		if err != nil {
			b.Close()
			return fmt.Errorf("meta/pebble: delete upload: %w", err)
		}
	}
	return s.commit(b)
}

// PutPart records p and returns the part it replaced. It returns
// meta.ErrNotFound if p's upload does not exist.
func (s *Store) PutPart(ctx context.Context, p meta.Part) (*meta.Part, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	ik := uploadIDKey(p.UploadID)
	defer s.lock(ik)()
	_, ok, err := s.get(ik)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("meta/pebble: put part of upload %q: %w", p.UploadID, meta.ErrNotFound)
	}
	k := partKey(p.UploadID, p.PartNumber)
	var cur partRec
	ok, err = s.getRec(k, &cur)
	if err != nil {
		return nil, err
	}
	if err := s.setRec(k, toPartRec(p)); err != nil {
		return nil, err
	}
	if !ok {
		return nil, nil
	}
	replaced := cur.part()
	return &replaced, nil
}

// ListParts returns the upload's parts numbered above after, ascending, at
// most limit of them (zero or less means no limit).
func (s *Store) ListParts(ctx context.Context, uploadID string, after, limit int) ([]meta.Part, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	if after == math.MaxInt {
		return nil, nil
	}
	prefix := partsPrefix(uploadID)
	var out []meta.Part
	err := s.scan(ctx, partKey(uploadID, after+1), successor(prefix), func(_, v []byte) (bool, error) {
		var rec partRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, rec.part())
		return limit <= 0 || len(out) < limit, nil
	})
	return out, err
}
