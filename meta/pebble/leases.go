package pebble

import (
	"context"
	"fmt"
	"time"

	"github.com/dolium/dolium/meta"
)

// AcquireLease claims name for owner until now+ttl if it is free, ended or
// owner's already.
func (s *Store) AcquireLease(ctx context.Context, name, owner string, now time.Time, ttl time.Duration) (meta.Lease, bool, error) {
	if err := s.begin(ctx); err != nil {
		return meta.Lease{}, false, err
	}
	defer s.end()
	k := leaseKey(name)
	defer s.lock(k)()
	rec := leaseRec{Name: name}
	if _, err := s.getRec(k, &rec); err != nil {
		return meta.Lease{}, false, err
	}
	if rec.Owner != "" && rec.Owner != owner && rec.Until.After(now) {
		return rec.lease(), false, nil
	}
	rec.Owner, rec.Until = owner, utc(now.Add(ttl).Truncate(time.Millisecond))
	if err := s.setRec(k, rec); err != nil {
		return meta.Lease{}, false, err
	}
	return rec.lease(), true, nil
}

// ReleaseLease ends owner's claim on name and stores state.
func (s *Store) ReleaseLease(ctx context.Context, name, owner, state string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	k := leaseKey(name)
	defer s.lock(k)()
	var rec leaseRec
	ok, err := s.getRec(k, &rec)
	if err != nil {
		return err
	}
	if !ok || rec.Owner != owner {
		return fmt.Errorf("meta/pebble: release lease %q: not held by %q: %w", name, owner, meta.ErrPreconditionFailed)
	}
	rec.Owner, rec.Until, rec.State = "", time.Time{}, state
	return s.setRec(k, rec)
}

func (r leaseRec) lease() meta.Lease {
	return meta.Lease{Name: r.Name, Owner: r.Owner, Until: utc(r.Until), State: r.State}
}
