package cassandra

import (
	"container/heap"
	"context"
	"fmt"
	"math"

	"github.com/dolium/dolium/meta"
)

// prefixEnd returns the smallest string greater than every string with
// prefix p, and false if there is none (p is empty or all 0xff bytes).
func prefixEnd(p string) (string, bool) {
	b := []byte(p)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// keyRange is a range of keys: lower bound (inclusive or not, or none) and
// exclusive upper bound (or none).
type keyRange struct {
	lower, upper       string
	hasLower, hasUpper bool
	inclusive          bool
}

// listRange is the range of keys that opts selects; false if it is empty.
func listRange(opts meta.ListOptions) (keyRange, bool) {
	var r keyRange
	if opts.After != "" {
		r.lower, r.hasLower = opts.After, true
	}
	if opts.Prefix != "" && opts.Prefix > opts.After {
		r.lower, r.hasLower, r.inclusive = opts.Prefix, true, true
	}
	r.upper, r.hasUpper = prefixEnd(opts.Prefix)
	if !r.hasUpper || r.upper > "\xff" {
		// Heads only: version rows start with 0xFF (objects.go).
		r.upper, r.hasUpper = "\xff", true
	}
	if r.hasUpper && r.hasLower && r.lower >= r.upper {
		return r, false
	}
	return r, true
}

// stmt is the CQL of one shard's slice of r; args are its values after
// (bucket, shard).
func (r keyRange) stmt() (string, []any) {
	q := `SELECT key, version_id, data FROM objects WHERE bucket = ? AND shard = ?`
	var args []any
	if r.hasLower {
		if r.inclusive {
			q += ` AND key >= ?`
		} else {
			q += ` AND key > ?`
		}
		args = append(args, []byte(r.lower))
	}
	if r.hasUpper {
		q += ` AND key < ?`
		args = append(args, []byte(r.upper))
	}
	return q, args
}

type listRow struct {
	key string
	row objectRow
}

// cursor reads one shard's slice page by page.
type cursor struct {
	shard    int
	rows     []listRow
	state    []byte // paging state of the next page
	done     bool   // no page left
	pageSize int
}

// fill reads pages until c has a row or is done.
func (c *cursor) fill(ctx context.Context, s *Store, bucket, stmt string, args []any) error {
	for len(c.rows) == 0 && !c.done {
		vals := append([]any{bucket, c.shard}, args...)
		iter := s.q(ctx, stmt, vals...).Idempotent(true).PageSize(c.pageSize).PageState(c.state).Iter()
		next := iter.PageState()
		sc := iter.Scanner()
		for sc.Next() {
			var r listRow
			var k []byte
			if err := sc.Scan(&k, &r.row.versionID, &r.row.data); err != nil {
				iter.Close()
				return err
			}
			r.key = string(k)
			c.rows = append(c.rows, r)
		}
		if err := sc.Err(); err != nil {
			return err
		}
		c.state = append([]byte(nil), next...)
		c.done = len(next) == 0
		c.pageSize = min(c.pageSize*2, 5000)
	}
	return nil
}

// cursors is a min-heap of non-empty cursors by their first key.
type cursors []*cursor

func (h cursors) Len() int           { return len(h) }
func (h cursors) Less(i, j int) bool { return h[i].rows[0].key < h[j].rows[0].key }
func (h cursors) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cursors) Push(x any)        { *h = append(*h, x.(*cursor)) }
func (h *cursors) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// merge reads the rows of range r from every shard of bucket in
// clustering order (byte order: Cassandra orders blob clustering columns
// as unsigned bytes, as Go compares strings) and calls visit with each
// until it returns false or the rows end. It reads the first page of every
// shard in parallel, sized to about the shard's share of limit (no limit
// if limit <= 0), and reads further pages of a shard only when the merge
// exhausts it. A missing bucket is meta.ErrNotFound.
func (s *Store) merge(ctx context.Context, op, bucket string, r keyRange, limit int, visit func(shard int, lr listRow) (bool, error)) error {
	n, err := s.bucketShards(ctx, bucket)
	if err != nil {
		return err
	}
	stmt, args := r.stmt()
	pageSize := 1000
	if limit > 0 {
		// A shard's share of the first limit keys, with room for the
		// unevenness of hashing (two standard deviations).
		share := float64(limit) / float64(n)
		pageSize = min(limit, int(share+2*math.Sqrt(share))+8)
	}
	cs := make([]*cursor, n)
	err = forShards(ctx, n, func(ctx context.Context, shard int) error {
		cs[shard] = &cursor{shard: shard, pageSize: pageSize}
		return cs[shard].fill(ctx, s, bucket, stmt, args)
	})
	if err != nil {
		return s.wrap(op, err)
	}
	h := make(cursors, 0, n)
	for _, c := range cs {
		if len(c.rows) > 0 {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		c := h[0]
		lr := c.rows[0]
		c.rows = c.rows[1:]
		more, err := visit(c.shard, lr)
		if err != nil || !more {
			return err
		}
		if len(c.rows) == 0 {
			if err := c.fill(ctx, s, bucket, stmt, args); err != nil {
				return s.wrap(op, err)
			}
		}
		if len(c.rows) == 0 {
			heap.Pop(&h)
		} else {
			heap.Fix(&h, 0)
		}
	}
	return nil
}

// ListObjects returns the latest versions of bucket's keys that are not
// delete markers, in ascending key order, from the heads of every shard
// (see merge). A limit of zero or less means no limit.
func (s *Store) ListObjects(ctx context.Context, bucket string, opts meta.ListOptions) ([]meta.Object, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	r, ok := listRange(opts)
	if !ok {
		return nil, nil
	}
	var out []meta.Object
	err := s.merge(ctx, fmt.Sprintf("list objects %q", bucket), bucket, r, opts.Limit, func(_ int, lr listRow) (bool, error) {
		o, err := lr.row.object(bucket, lr.key)
		if err != nil {
			return false, err
		}
		if !o.DeleteMarker {
			o.IsLatest = true
			out = append(out, o)
		}
		return opts.Limit <= 0 || len(out) < opts.Limit, nil
	})
	return out, err
}

// versionRange is the range of version rows that opts selects.
func versionRange(opts meta.VersionListOptions) (keyRange, bool) {
	base := string(appendEscaped([]byte{versionsTag}, opts.Prefix))
	base = base[:len(base)-2] // every key with the prefix
	r := keyRange{lower: base, hasLower: true, inclusive: true}
	r.upper, r.hasUpper = prefixEnd(base)
	if opts.KeyMarker != "" {
		var after keyRange
		if opts.VersionMarker != "" {
			after = keyRange{lower: string(vkey(opts.KeyMarker, opts.VersionMarker)), hasLower: true}
		} else {
			end, _ := prefixEnd(string(keyVersions(opts.KeyMarker)))
			after = keyRange{lower: end, hasLower: true, inclusive: true}
		}
		if after.lower >= r.lower {
			r.lower, r.inclusive = after.lower, after.inclusive
		}
	}
	if r.hasUpper && r.lower >= r.upper {
		return r, false
	}
	return r, true
}

// ListObjectVersions returns versions, key ascending then newest first,
// from the version rows of every shard (see merge). A key's first version
// row is its latest (version ids only grow), except at a version marker,
// where the key's head says.
func (s *Store) ListObjectVersions(ctx context.Context, bucket string, opts meta.VersionListOptions) ([]meta.Object, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	op := fmt.Sprintf("list versions %q", bucket)
	r, ok := versionRange(opts)
	if !ok {
		return nil, nil
	}
	var out []meta.Object
	lastKey, started := "", false
	err := s.merge(ctx, op, bucket, r, opts.Limit, func(shard int, lr listRow) (bool, error) {
		key, ok := keyOfVersionRow([]byte(lr.key))
		if !ok {
			return false, fmt.Errorf("meta/cassandra: %s: malformed version row key %q", op, lr.key)
		}
		o, err := lr.row.object(bucket, key)
		if err != nil {
			return false, err
		}
		first := !started || key != lastKey
		lastKey, started = key, true
		o.IsLatest = first
		if first && key == opts.KeyMarker && opts.VersionMarker != "" {
			head, err := s.readKeyHead(ctx, objectRef{bucket, shard, key}, false)
			if err != nil {
				return false, s.wrap(op, err)
			}
			o.IsLatest = head != nil && head.versionID == o.VersionID
		}
		out = append(out, o)
		return opts.Limit <= 0 || len(out) < opts.Limit, nil
	})
	return out, err
}
