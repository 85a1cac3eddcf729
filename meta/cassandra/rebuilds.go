package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/internal/record"
)

const (
	insertRebuild  = `INSERT INTO rebuilds (zone, version, state) VALUES (?, 1, ?) IF NOT EXISTS`
	updateRebuild  = `UPDATE rebuilds SET version = ?, state = ? WHERE zone = ? IF version = ?`
	selectRebuild  = `SELECT version, state FROM rebuilds WHERE zone = ?`
	selectRebuilds = `SELECT zone, version, state FROM rebuilds`
)

// PutRebuild writes r with a lightweight transaction on its version.
func (s *Store) PutRebuild(ctx context.Context, r meta.Rebuild) (meta.Rebuild, error) {
	if err := s.check(); err != nil {
		return meta.Rebuild{}, err
	}
	state, err := encode(record.FromRebuild(r))
	if err != nil {
		return meta.Rebuild{}, err
	}
	op := fmt.Sprintf("put rebuild %q", r.Zone)
	var applied bool
	if r.Version == 0 {
		applied, _, err = cas(s.lwt(ctx, insertRebuild, r.Zone, state))
	} else {
		applied, _, err = cas(s.lwt(ctx, updateRebuild, r.Version+1, state, r.Zone, r.Version))
	}
	if err != nil {
		return meta.Rebuild{}, s.wrap(op, err)
	}
	if !applied {
		return meta.Rebuild{}, fmt.Errorf("meta/cassandra: %s: version %d is not the stored one: %w", op, r.Version, meta.ErrPreconditionFailed)
	}
	r.Version++
	var rec record.Rebuild
	if err := decode(state, &rec); err != nil {
		return meta.Rebuild{}, err
	}
	return rec.Meta(r.Zone, r.Version), nil
}

// GetRebuild reads the zone's row at the serial consistency, so that it
// sees every committed PutRebuild.
func (s *Store) GetRebuild(ctx context.Context, zone string) (meta.Rebuild, error) {
	if err := s.check(); err != nil {
		return meta.Rebuild{}, err
	}
	var version int64
	var state []byte
	err := s.serialRead(ctx, selectRebuild, zone).Idempotent(true).Scan(&version, &state)
	if errors.Is(err, gocql.ErrNotFound) {
		return meta.Rebuild{}, fmt.Errorf("meta/cassandra: rebuild %q: %w", zone, meta.ErrNotFound)
	}
	if err != nil {
		return meta.Rebuild{}, s.wrap(fmt.Sprintf("rebuild %q", zone), err)
	}
	var rec record.Rebuild
	if err := decode(state, &rec); err != nil {
		return meta.Rebuild{}, err
	}
	return rec.Meta(zone, version), nil
}

// ListRebuilds reads the (small) table and sorts it by zone.
func (s *Store) ListRebuilds(ctx context.Context) ([]meta.Rebuild, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.q(ctx, selectRebuilds).Idempotent(true).PageSize(1000).Iter()
	var out []meta.Rebuild
	var (
		zone    string
		version int64
		state   []byte
	)
	for iter.Scan(&zone, &version, &state) {
		var rec record.Rebuild
		if err := decode(state, &rec); err != nil {
			iter.Close()
			return nil, err
		}
		out = append(out, rec.Meta(zone, version))
	}
	if err := iter.Close(); err != nil {
		return nil, s.wrap("list rebuilds", err)
	}
	slices.SortFunc(out, func(a, b meta.Rebuild) int { return strings.Compare(a.Zone, b.Zone) })
	return out, nil
}
