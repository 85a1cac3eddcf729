package pebble

import (
	"context"
	"fmt"
	"time"

	"github.com/dolium/dolium/meta"
)

// Identities are three small tables:
//
//	U | user name        -> userRec
//	K | access key id    -> accessKeyRec
//	I | setting name     -> the setting's bytes
const (
	tagUser        = 'U'
	tagAccessKey   = 'K'
	tagIdentitySet = 'I'
)

type userRec struct {
	Name        string
	Owner       string
	DisplayName string
	CanonicalID string
	Status      string
	Created     time.Time
	Policy      []byte
}

type accessKeyRec struct {
	ID           string
	User         string
	SealedSecret []byte
	Status       string
	Created      time.Time
}

func userKey(name string) []byte     { return append([]byte{tagUser}, name...) }
func accessKeyKey(id string) []byte  { return append([]byte{tagAccessKey}, id...) }
func identitySetKey(n string) []byte { return append([]byte{tagIdentitySet}, n...) }
func (r userRec) user() meta.User    { u := meta.User(r); u.Created = utc(u.Created); return u }
func (r accessKeyRec) key() meta.AccessKey {
	k := meta.AccessKey(r)
	k.Created = utc(k.Created)
	return k
}

// CreateUser adds u; meta.ErrConflict if the name is taken.
func (s *Store) CreateUser(ctx context.Context, u meta.User) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	k := userKey(u.Name)
	defer s.lock(k)()
	if _, ok, err := s.get(k); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("meta/pebble: user %q: %w", u.Name, meta.ErrConflict)
	}
	u.Created = utc(u.Created)
	return s.setRec(k, userRec(u))
}

// GetUser returns the user or meta.ErrNotFound.
func (s *Store) GetUser(ctx context.Context, name string) (meta.User, error) {
	if err := s.begin(ctx); err != nil {
		return meta.User{}, err
	}
	defer s.end()
	var rec userRec
	ok, err := s.getRec(userKey(name), &rec)
	if err != nil {
		return meta.User{}, err
	}
	if !ok {
		return meta.User{}, fmt.Errorf("meta/pebble: user %q: %w", name, meta.ErrNotFound)
	}
	return rec.user(), nil
}

// ListUsers returns every user ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]meta.User, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	var out []meta.User
	lower := []byte{tagUser}
	err := s.scan(ctx, lower, successor(lower), func(_, v []byte) (bool, error) {
		var rec userRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		out = append(out, rec.user())
		return true, nil
	})
	return out, err
}

// UpdateUser applies update to the user's row under its row lock.
func (s *Store) UpdateUser(ctx context.Context, name string, update func(*meta.User) error) (meta.User, error) {
	if err := s.begin(ctx); err != nil {
		return meta.User{}, err
	}
	defer s.end()
	k := userKey(name)
	defer s.lock(k)()
	var rec userRec
	ok, err := s.getRec(k, &rec)
	if err != nil {
		return meta.User{}, err
	}
	if !ok {
		return meta.User{}, fmt.Errorf("meta/pebble: user %q: %w", name, meta.ErrNotFound)
	}
	u := rec.user()
	if err := update(&u); err != nil {
		return meta.User{}, err
	}
	// Only these may change.
	rec.DisplayName, rec.Status, rec.Policy = u.DisplayName, u.Status, u.Policy
	if err := s.setRec(k, rec); err != nil {
		return meta.User{}, err
	}
	return rec.user(), nil
}

// DeleteUser removes the user; meta.ErrNotFound if absent.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.deleteRow(ctx, userKey(name), "user "+name)
}

// deleteRow removes row k, meta.ErrNotFound if absent.
func (s *Store) deleteRow(ctx context.Context, k []byte, what string) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	defer s.lock(k)()
	if _, ok, err := s.get(k); err != nil {
		return err
	} else if !ok {
		return fmt.Errorf("meta/pebble: %s: %w", what, meta.ErrNotFound)
	}
	b := s.db.NewBatch()
	if err := b.Delete(k, nil); err != nil {
		b.Close()
		return fmt.Errorf("meta/pebble: delete: %w", err)
	}
	return s.commit(b)
}

// CreateAccessKey adds k; meta.ErrConflict if its id exists.
func (s *Store) CreateAccessKey(ctx context.Context, k meta.AccessKey) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.end()
	key := accessKeyKey(k.ID)
	defer s.lock(key)()
	if _, ok, err := s.get(key); err != nil {
		return err
	} else if ok {
		return fmt.Errorf("meta/pebble: access key %q: %w", k.ID, meta.ErrConflict)
	}
	k.Created = utc(k.Created)
	return s.setRec(key, accessKeyRec(k))
}

// GetAccessKey returns the key or meta.ErrNotFound.
func (s *Store) GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error) {
	if err := s.begin(ctx); err != nil {
		return meta.AccessKey{}, err
	}
	defer s.end()
	var rec accessKeyRec
	ok, err := s.getRec(accessKeyKey(id), &rec)
	if err != nil {
		return meta.AccessKey{}, err
	}
	if !ok {
		return meta.AccessKey{}, fmt.Errorf("meta/pebble: access key %q: %w", id, meta.ErrNotFound)
	}
	return rec.key(), nil
}

// ListAccessKeys returns user's keys ("" = all) ordered by id.
func (s *Store) ListAccessKeys(ctx context.Context, user string) ([]meta.AccessKey, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	var out []meta.AccessKey
	lower := []byte{tagAccessKey}
	err := s.scan(ctx, lower, successor(lower), func(_, v []byte) (bool, error) {
		var rec accessKeyRec
		if err := decode(v, &rec); err != nil {
			return false, err
		}
		if user == "" || rec.User == user {
			out = append(out, rec.key())
		}
		return true, nil
	})
	return out, err
}

// SetAccessKeyStatus sets the key's status under its row lock.
func (s *Store) SetAccessKeyStatus(ctx context.Context, id, status string) (meta.AccessKey, error) {
	if err := s.begin(ctx); err != nil {
		return meta.AccessKey{}, err
	}
	defer s.end()
	k := accessKeyKey(id)
	defer s.lock(k)()
	var rec accessKeyRec
	ok, err := s.getRec(k, &rec)
	if err != nil {
		return meta.AccessKey{}, err
	}
	if !ok {
		return meta.AccessKey{}, fmt.Errorf("meta/pebble: access key %q: %w", id, meta.ErrNotFound)
	}
	rec.Status = status
	if err := s.setRec(k, rec); err != nil {
		return meta.AccessKey{}, err
	}
	return rec.key(), nil
}

// DeleteAccessKey removes the key; meta.ErrNotFound if absent.
func (s *Store) DeleteAccessKey(ctx context.Context, id string) error {
	return s.deleteRow(ctx, accessKeyKey(id), "access key "+id)
}

// ClaimIdentitySetting stores value under name unless one is stored.
func (s *Store) ClaimIdentitySetting(ctx context.Context, name string, value []byte) ([]byte, bool, error) {
	if err := s.begin(ctx); err != nil {
		return nil, false, err
	}
	defer s.end()
	k := identitySetKey(name)
	defer s.lock(k)()
	if v, ok, err := s.get(k); err != nil || ok {
		return v, false, err
	}
	b := s.db.NewBatch()
	if err := b.Set(k, value, nil); err != nil {
		b.Close()
		return nil, false, fmt.Errorf("meta/pebble: set: %w", err)
	}
	if err := s.commit(b); err != nil {
		return nil, false, err
	}
	return append([]byte(nil), value...), true, nil
}

// GetIdentitySetting returns the value under name or meta.ErrNotFound.
func (s *Store) GetIdentitySetting(ctx context.Context, name string) ([]byte, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.end()
	v, ok, err := s.get(identitySetKey(name))
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("meta/pebble: identity setting %q: %w", name, meta.ErrNotFound)
	}
	return v, nil
}
