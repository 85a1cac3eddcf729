package cassandra

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
)

const (
	claimUpload  = `INSERT INTO parts (upload_id, live, bucket, key, upload) VALUES (?, true, ?, ?, ?) IF NOT EXISTS`
	indexUpload  = `INSERT INTO uploads (bucket, key, upload_id, upload) VALUES (?, ?, ?, ?)`
	selectUpload = `SELECT live, bucket, key, upload FROM parts WHERE upload_id = ? LIMIT 1`
	listUploads  = `SELECT key, upload_id, upload FROM uploads WHERE bucket = ? AND (key, upload_id) > (?, ?)`
	listUploadsP = `SELECT key, upload_id, upload FROM uploads WHERE bucket = ? AND key >= ?`
	killUpload   = `UPDATE parts SET live = false WHERE upload_id = ? IF live = true AND bucket = ? AND key = ?`
	unindexUp    = `DELETE FROM uploads WHERE bucket = ? AND key = ? AND upload_id = ?`
	dropParts    = `DELETE FROM parts WHERE upload_id = ?`
	selectPart   = `SELECT data_id, data FROM parts WHERE upload_id = ? AND part_number = ?`
	newPart      = `UPDATE parts SET data_id = ?, data = ? WHERE upload_id = ? AND part_number = ? IF live = true AND data_id = null`
	replacePart  = `UPDATE parts SET data_id = ?, data = ? WHERE upload_id = ? AND part_number = ? IF live = true AND data_id = ?`
	listParts    = `SELECT live, part_number, data FROM parts WHERE upload_id = ? AND part_number > ?`
	listPartsN   = `SELECT live, part_number, data FROM parts WHERE upload_id = ? AND part_number > ? LIMIT ?`
)

// uploadHead is the static part of a parts partition: the claim on an id.
type uploadHead struct {
	live   bool
	bucket string
	key    string
	upload []byte
}

func (s *Store) readHead(ctx context.Context, id string, serial bool) (*uploadHead, error) {
	q := s.q(ctx, selectUpload, id).Idempotent(true)
	if serial {
		q = q.Consistency(s.db.Serial)
	}
	var h uploadHead
	var key []byte
	err := q.Scan(&h.live, &h.bucket, &key, &h.upload)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	h.key = string(key)
	return &h, nil
}

// CreateUpload claims u.UploadID in the parts table with a lightweight
// transaction (meta.ErrConflict if the id is taken, under any key), then
// adds u to the bucket's listing.
func (s *Store) CreateUpload(ctx context.Context, u meta.Upload) error {
	if err := s.check(); err != nil {
		return err
	}
	op := fmt.Sprintf("create upload %q/%q %q", u.Bucket, u.Key, u.UploadID)
	data, err := encodeUpload(u)
	if err != nil {
		return err
	}
	applied, _, err := cas(s.lwt(ctx, claimUpload, u.UploadID, u.Bucket, []byte(u.Key), data))
	if err != nil && casTimeout(err) {
		h, rerr := s.readHead(ctx, u.UploadID, true)
		if rerr == nil && h != nil && h.live && h.bucket == u.Bucket && h.key == u.Key && bytes.Equal(h.upload, data) {
			applied, err = true, nil
		}
	}
	if err != nil {
		return s.wrap(op, err)
	}
	if !applied {
		return fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrConflict)
	}
	err = s.q(ctx, indexUpload, u.Bucket, []byte(u.Key), u.UploadID, data).Idempotent(true).Exec()
	return s.wrap(op, err)
}

// GetUpload returns the upload or meta.ErrNotFound. It reads the claim in
// the parts table, which is authoritative; the uploads table is a listing
// index.
func (s *Store) GetUpload(ctx context.Context, bucket, key, uploadID string) (meta.Upload, error) {
	if err := s.check(); err != nil {
		return meta.Upload{}, err
	}
	h, err := s.readHead(ctx, uploadID, false)
	if err != nil {
		return meta.Upload{}, s.wrap(fmt.Sprintf("get upload %q", uploadID), err)
	}
	if h == nil || !h.live || h.bucket != bucket || h.key != key {
		return meta.Upload{}, fmt.Errorf("meta/cassandra: upload %q/%q %q: %w", bucket, key, uploadID, meta.ErrNotFound)
	}
	return decodeUpload(h.upload, bucket, key, uploadID)
}

// ListUploads returns the bucket's uploads ordered by key then upload id,
// from the bucket's partition of the uploads table.
func (s *Store) ListUploads(ctx context.Context, bucket string, opts meta.UploadListOptions) ([]meta.Upload, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var q *gocql.Query
	if opts.Prefix > opts.KeyMarker {
		q = s.q(ctx, listUploadsP, bucket, []byte(opts.Prefix))
	} else {
		q = s.q(ctx, listUploads, bucket, []byte(opts.KeyMarker), opts.UploadIDMarker)
	}
	pageSize := 1000
	if opts.Limit > 0 {
		pageSize = min(opts.Limit, pageSize)
	}
	iter := q.Idempotent(true).PageSize(pageSize).Iter()
	sc := iter.Scanner()
	var out []meta.Upload
	for sc.Next() && (opts.Limit <= 0 || len(out) < opts.Limit) {
		var key []byte
		var id string
		var data []byte
		if err := sc.Scan(&key, &id, &data); err != nil {
			iter.Close()
			return nil, s.wrap("list uploads", err)
		}
		if !strings.HasPrefix(string(key), opts.Prefix) {
			break // keys are sorted: none further has the prefix
		}
		u, err := decodeUpload(data, bucket, string(key), id)
		if err != nil {
			iter.Close()
			return nil, err
		}
		out = append(out, u)
	}
	if err := iter.Close(); err != nil {
		return nil, s.wrap("list uploads", err)
	}
	return out, nil
}

// DeleteUpload ends the upload with a lightweight transaction that sets
// live to false (so no PutPart can succeed after it), then removes its
// listing row and its parts partition; meta.ErrNotFound if absent.
func (s *Store) DeleteUpload(ctx context.Context, bucket, key, uploadID string) error {
	if err := s.check(); err != nil {
		return err
	}
	op := fmt.Sprintf("delete upload %q/%q %q", bucket, key, uploadID)
	applied, _, err := cas(s.lwt(ctx, killUpload, uploadID, bucket, []byte(key)))
	if err != nil && casTimeout(err) {
		h, rerr := s.readHead(ctx, uploadID, true)
		if rerr == nil && h != nil && !h.live && h.bucket == bucket && h.key == key {
			applied, err = true, nil // ended, by this call or a concurrent one
		}
	}
	if err != nil {
		return s.wrap(op, err)
	}
	// The listing row goes in any case: if the upload is absent, a row
	// left by an earlier DeleteUpload that failed half-way is a ghost.
	if err := s.q(ctx, unindexUp, bucket, []byte(key), uploadID).Idempotent(true).Exec(); err != nil {
		return s.wrap(op, err)
	}
	if !applied {
		return fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrNotFound)
	}
	return s.wrap(op, s.q(ctx, dropParts, uploadID).Idempotent(true).Exec())
}

// partRow is one part row of the parts table.
type partRow struct {
	dataID string
	data   []byte
}

func (s *Store) readPart(ctx context.Context, id string, n int) (*partRow, error) {
	var r partRow
	err := s.serialRead(ctx, selectPart, id, n).Idempotent(true).Scan(&r.dataID, &r.data)
	if errors.Is(err, gocql.ErrNotFound) || err == nil && r.data == nil {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// PutPart records p, replacing and returning any part with the same
// number; meta.ErrNotFound if the upload does not exist. Each write is a
// lightweight transaction conditioned on the upload being live and on the
// part's current data id, in a compare-and-set loop like PutObject's.
func (s *Store) PutPart(ctx context.Context, p meta.Part) (*meta.Part, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("put part %q %d", p.UploadID, p.PartNumber)
	data, err := encodePart(p)
	if err != nil {
		return nil, err
	}
	// The first try assumes a new part number; the failed transaction
	// tells whether the part exists, and later tries read it first.
	var cur *partRow
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if try > 1 {
				if err := backoff(ctx, try-1); err != nil {
					return nil, s.wrap(op, err)
				}
			}
			if cur, err = s.readPart(ctx, p.UploadID, p.PartNumber); err != nil {
				return nil, s.wrap(op, err)
			}
			if cur != nil && cur.dataID == p.Extent.DataID {
				return nil, nil // a retry of a write that was applied
			}
		}
		var q *gocql.Query
		if cur == nil {
			q = s.lwt(ctx, newPart, p.Extent.DataID, data, p.UploadID, p.PartNumber)
		} else {
			q = s.lwt(ctx, replacePart, p.Extent.DataID, data, p.UploadID, p.PartNumber, cur.dataID)
		}
		applied, now, err := cas(q)
		if err != nil && casTimeout(err) {
			if r, rerr := s.readPart(ctx, p.UploadID, p.PartNumber); rerr == nil && r != nil && r.dataID == p.Extent.DataID {
				applied, err = true, nil
			}
		}
		if err != nil {
			return nil, s.wrap(op, err)
		}
		if applied {
			if cur == nil {
				return nil, nil
			}
			replaced, err := decodePart(cur.data, p.UploadID, p.PartNumber)
			if err != nil {
				return nil, err
			}
			return &replaced, nil
		}
		if live, _ := now["live"].(bool); !live {
			return nil, fmt.Errorf("meta/cassandra: %s: upload: %w", op, meta.ErrNotFound)
		}
	}
	return nil, errContention(op, s.opts.MaxTries)
}

// ListParts returns parts with number > after, ascending, at most limit
// (limit <= 0: no limit). The parts of an upload that is not live (being
// deleted) are not listed.
func (s *Store) ListParts(ctx context.Context, uploadID string, after, limit int) ([]meta.Part, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var q *gocql.Query
	if limit > 0 {
		q = s.q(ctx, listPartsN, uploadID, after, limit).PageSize(min(limit, 1000))
	} else {
		q = s.q(ctx, listParts, uploadID, after).PageSize(1000)
	}
	iter := q.Idempotent(true).Iter()
	sc := iter.Scanner()
	var out []meta.Part
	for sc.Next() {
		var live bool
		var n int
		var data []byte
		if err := sc.Scan(&live, &n, &data); err != nil {
			iter.Close()
			return nil, s.wrap("list parts", err)
		}
		if !live {
			iter.Close()
			return nil, nil
		}
		if data == nil {
			continue
		}
		p, err := decodePart(data, uploadID, n)
		if err != nil {
			iter.Close()
			return nil, err
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, s.wrap("list parts", err)
	}
	return out, nil
}
