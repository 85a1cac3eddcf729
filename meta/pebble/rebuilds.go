package pebble

import (
	"context"
	"fmt"

	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/internal/record"
)

// Zone rebuilds are the table
//
//	z | zone name -> rebuildRec
type rebuildRec struct {
	Zone    string
	Version int64
	State   record.Rebuild
}

func rebuildKey(zone string) []byte { return append([]byte{tagRebuild}, zone...) }

// PutRebuild writes r if the stored version is r.Version (0: no row).
func (s *Store) PutRebuild(ctx context.Context, r meta.Rebuild) (meta.Rebuild, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Rebuild{}, err
	}
	defer s.end()
	k := rebuildKey(r.Zone)
	defer s.lock(k)()
	var cur rebuildRec
	ok, err := s.getRec(k, &cur)
	if err != nil {
		return meta.Rebuild{}, err
	}
	if !ok {
		cur.Version = 0
	}
	if cur.Version != r.Version {
		return meta.Rebuild{}, fmt.Errorf("meta/pebble: put rebuild %q: version %d, stored %d: %w", r.Zone, r.Version, cur.Version, meta.ErrPreconditionFailed)
	}
	rec := rebuildRec{Zone: r.Zone, Version: r.Version + 1, State: record.FromRebuild(r)}
	if err := s.setRec(k, rec); err != nil {
		return meta.Rebuild{}, err
	}
	return rec.State.Meta(rec.Zone, rec.Version), nil
}

// GetRebuild returns the zone's row or meta.ErrNotFound.
func (s *Store) GetRebuild(ctx context.Context, zone string) (meta.Rebuild, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Rebuild{}, err
	}
	defer s.end()
	var rec rebuildRec
	ok, err := s.getRec(rebuildKey(zone), &rec)
	if err != nil {
		return meta.Rebuild{}, err
	}
	if !ok {
		return meta.Rebuild{}, fmt.Errorf("meta/pebble: rebuild %q: %w", zone, meta.ErrNotFound)
	}
	return rec.State.Meta(rec.Zone, rec.Version), nil
}

// ListRebuilds returns every row ordered by zone name.
func (s *Store) ListRebuilds(ctx context.Context) ([]meta.Rebuild, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	var out []meta.Rebuild
	lower := []byte{tagRebuild}
	err := s.scan(ctx, lower, successor(lower), func(_, v []byte) (bool, error) {
		var rec rebuildRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, rec.State.Meta(rec.Zone, rec.Version))
		return true, nil
	})
	return out, err
}
