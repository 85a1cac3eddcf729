package cassandra

import (
	"context"
	"errors"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
)

const (
	selectLease = `SELECT owner, until, state, rev FROM leases WHERE name = ?`
	insertLease = `INSERT INTO leases (name, owner, until, state, rev) VALUES (?, ?, ?, '', 1) IF NOT EXISTS`
	updateLease = `UPDATE leases SET owner = ?, until = ?, state = ?, rev = ? WHERE name = ? IF rev = ?`
)

type leaseRow struct {
	l   meta.Lease
	rev int64
}

// readLease reads name's row at the serial consistency (nil if none).
func (s *Store) readLease(ctx context.Context, name string) (*leaseRow, error) {
	r := leaseRow{l: meta.Lease{Name: name}}
	err := s.q(ctx, selectLease, name).Consistency(s.db.Serial).Idempotent(true).Scan(&r.l.Owner, &r.l.Until, &r.l.State, &r.rev)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	r.l.Until = r.l.Until.UTC()
	return &r, nil
}

// AcquireLease claims name for owner until now+ttl if it is free, ended or
// owner's already, by compare-and-set on the row's rev.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (meta.Lease, bool, error) {
	if err := s.check(); err != nil {
		return meta.Lease{}, false, err
	}
	op := fmt.Sprintf("acquire lease %q", name)
	until := now.Add(ttl).Truncate(time.Millisecond).UTC()
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if err := backoff(ctx, try); err != nil {
				return meta.Lease{}, false, s.wrap(op, err)
			}
		}
		cur, err := s.readLease(ctx, name)
		if err != nil {
			return meta.Lease{}, false, s.wrap(op, err)
		}
		var applied bool
		if cur == nil {
			applied, _, err = cas(s.lwt(ctx, insertLease, name, owner, until))
			cur = &leaseRow{l: meta.Lease{Name: name}}
		} else {
			if cur.l.Owner != "" && cur.l.Owner != owner && cur.l.Until.After(now) {
				return cur.l, false, nil
			}
			applied, _, err = cas(s.lwt(ctx, updateLease, owner, until, cur.l.State, cur.rev+1, name, cur.rev))
		}
		if err != nil {
			return meta.Lease{}, false, s.wrap(op, err)
		}
		if applied {
			cur.l.Owner, cur.l.Until = owner, until
			return cur.l, true, nil
		}
	}
	return meta.Lease{}, false, errContention(op, s.opts.MaxTries)
}

// ReleaseLease ends owner's claim on name and stores state.
func (s *Store) ReleaseLease(ctx context.Context, name, owner, state string) error {
	if err := s.check(); err != nil {
		return err
	}
	op := fmt.Sprintf("release lease %q", name)
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if err := backoff(ctx, try); err != nil {
				return s.wrap(op, err)
			}
		}
		cur, err := s.readLease(ctx, name)
		if err != nil {
			return s.wrap(op, err)
		}
		if cur == nil || cur.l.Owner != owner {
			return fmt.Errorf("meta/cassandra: %s: not held by %q: %w", op, owner, meta.ErrPreconditionFailed)
		}
		applied, _, err := cas(s.lwt(ctx, updateLease, "", time.Time{}.UTC(), state, cur.rev+1, name, cur.rev))
		if err != nil {
			return s.wrap(op, err)
		}
		if applied {
			return nil
		}
	}
	return errContention(op, s.opts.MaxTries)
}
