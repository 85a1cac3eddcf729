package cassandra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/dolium/dolium/meta"
)

// Identities: users (name) with a rev column for compare-and-set updates,
// access_keys (access_key), identity_settings (name). Every write is a
// lightweight transaction (creates IF NOT EXISTS, deletes IF EXISTS,
// user updates IF rev = ?), so two gateways never both create one name.
// Point reads are at the session's consistency (LOCAL_QUORUM by default,
// which sees every committed LWT of the data centre); listings read the
// whole (small) table and sort it.
const (
	insertUser  = `INSERT INTO users (name, owner, display_name, canonical_id, status, created, policy, rev) VALUES (?, ?, ?, ?, ?, ?, ?, 1) IF NOT EXISTS`
	selectUser  = `SELECT owner, display_name, canonical_id, status, created, policy, rev FROM users WHERE name = ?`
	selectUsers = `SELECT name, owner, display_name, canonical_id, status, created, policy FROM users`
	updateUser  = `UPDATE users SET display_name = ?, status = ?, policy = ?, rev = ? WHERE name = ? IF rev = ?`
	deleteUser  = `DELETE FROM users WHERE name = ? IF EXISTS`

	insertAccessKey  = `INSERT INTO access_keys (access_key, user_name, secret, status, created) VALUES (?, ?, ?, ?, ?) IF NOT EXISTS`
	selectAccessKey  = `SELECT user_name, secret, status, created FROM access_keys WHERE access_key = ?`
	selectAccessKeys = `SELECT access_key, user_name, secret, status, created FROM access_keys`
	updateKeyStatus  = `UPDATE access_keys SET status = ? WHERE access_key = ? IF EXISTS`
	deleteAccessKey  = `DELETE FROM access_keys WHERE access_key = ? IF EXISTS`

	insertSetting = `INSERT INTO identity_settings (name, value) VALUES (?, ?) IF NOT EXISTS`
	selectSetting = `SELECT value FROM identity_settings WHERE name = ?`
)

// CreateUser adds u with INSERT ... IF NOT EXISTS.
func (s *Store) CreateUser(ctx context.Context, u meta.User) error {
	if err := s.check(); err != nil {
		return err
	}
	op := fmt.Sprintf("create user %q", u.Name)
	applied, _, err := cas(s.lwt(ctx, insertUser, u.Name, u.Owner, u.DisplayName, u.CanonicalID, u.Status, u.Created.UTC(), u.Policy))
	if err != nil {
		return s.wrap(op, err)
	}
	if !applied {
		return fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrConflict)
	}
	return nil
}

func (s *Store) readUser(ctx context.Context, name string, serial bool) (meta.User, int64, error) {
	u := meta.User{Name: name}
	var rev int64
	q := s.q(ctx, selectUser, name)
	if serial {
		q = q.Consistency(s.db.Serial)
	}
	err := q.Idempotent(true).Scan(&u.Owner, &u.DisplayName, &u.CanonicalID, &u.Status, &u.Created, &u.Policy, &rev)
	if errors.Is(err, gocql.ErrNotFound) {
		return meta.User{}, 0, fmt.Errorf("meta/cassandra: user %q: %w", name, meta.ErrNotFound)
	}
	if err != nil {
		return meta.User{}, 0, s.wrap(fmt.Sprintf("user %q", name), err)
	}
	u.Created = u.Created.UTC()
	if len(u.Policy) == 0 {
		u.Policy = nil
	}
	return u, rev, nil
}

// GetUser reads the user's row.
func (s *Store) GetUser(ctx context.Context, name string) (meta.User, error) {
	if err := s.check(); err != nil {
		return meta.User{}, err
	}
	u, _, err := s.readUser(ctx, name, false)
	return u, err
}

// ListUsers reads the table and sorts it by name.
func (s *Store) ListUsers(ctx context.Context) ([]meta.User, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.q(ctx, selectUsers).Idempotent(true).PageSize(1000).Iter()
	var out []meta.User
	var u meta.User
	for iter.Scan(&u.Name, &u.Owner, &u.DisplayName, &u.CanonicalID, &u.Status, &u.Created, &u.Policy) {
		u.Created = u.Created.UTC()
		if len(u.Policy) == 0 {
			u.Policy = nil
		}
		out = append(out, u)
		u = meta.User{}
	}
	if err := iter.Close(); err != nil {
		return nil, s.wrap("list users", err)
	}
	slices.SortFunc(out, func(a, b meta.User) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// UpdateUser reads the row at the serial consistency, applies update and
// writes it back with a compare-and-set on rev, retrying if another
// update won.
func (s *Store) UpdateUser(ctx context.Context, name string, update func(*meta.User) error) (meta.User, error) {
	if err := s.check(); err != nil {
		return meta.User{}, err
	}
	op := fmt.Sprintf("update user %q", name)
	for try := 0; try < s.opts.MaxTries; try++ {
		if try > 0 {
			if err := backoff(ctx, try); err != nil {
				return meta.User{}, s.wrap(op, err)
			}
		}
		cur, rev, err := s.readUser(ctx, name, true)
		if err != nil {
			return meta.User{}, err
		}
		u := cur
		if err := update(&u); err != nil {
			return meta.User{}, err
		}
		applied, _, err := cas(s.lwt(ctx, updateUser, u.DisplayName, u.Status, u.Policy, rev+1, name, rev))
		if err != nil {
			return meta.User{}, s.wrap(op, err)
		}
		if applied {
			cur.DisplayName, cur.Status, cur.Policy = u.DisplayName, u.Status, u.Policy
			if len(cur.Policy) == 0 {
				cur.Policy = nil
			}
			return cur, nil
		}
	}
	return meta.User{}, errContention(op, s.opts.MaxTries)
}

// DeleteUser removes the row with DELETE ... IF EXISTS.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	return s.deleteIfExists(ctx, deleteUser, name, fmt.Sprintf("user %q", name))
}

func (s *Store) deleteIfExists(ctx context.Context, stmt, id, what string) error {
	if err := s.check(); err != nil {
		return err
	}
	applied, _, err := cas(s.lwt(ctx, stmt, id))
	if err != nil {
		return s.wrap("delete "+what, err)
	}
	if !applied {
		return fmt.Errorf("meta/cassandra: %s: %w", what, meta.ErrNotFound)
	}
	return nil
}

// CreateAccessKey adds k with INSERT ... IF NOT EXISTS.
func (s *Store) CreateAccessKey(ctx context.Context, k meta.AccessKey) error {
	if err := s.check(); err != nil {
		return err
	}
	op := fmt.Sprintf("create access key %q", k.ID)
	applied, _, err := cas(s.lwt(ctx, insertAccessKey, k.ID, k.User, k.SealedSecret, k.Status, k.Created.UTC()))
	if err != nil {
		return s.wrap(op, err)
	}
	if !applied {
		return fmt.Errorf("meta/cassandra: %s: %w", op, meta.ErrConflict)
	}
	return nil
}

// GetAccessKey reads the key's row.
func (s *Store) GetAccessKey(ctx context.Context, id string) (meta.AccessKey, error) {
	if err := s.check(); err != nil {
		return meta.AccessKey{}, err
	}
	k := meta.AccessKey{ID: id}
	err := s.q(ctx, selectAccessKey, id).Idempotent(true).Scan(&k.User, &k.SealedSecret, &k.Status, &k.Created)
	if errors.Is(err, gocql.ErrNotFound) {
		return meta.AccessKey{}, fmt.Errorf("meta/cassandra: access key %q: %w", id, meta.ErrNotFound)
	}
	if err != nil {
		return meta.AccessKey{}, s.wrap(fmt.Sprintf("access key %q", id), err)
	}
	k.Created = k.Created.UTC()
	return k, nil
}

// ListAccessKeys reads the table, keeps user's keys ("" = all) and sorts
// them by id.
func (s *Store) ListAccessKeys(ctx context.Context, user string) ([]meta.AccessKey, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	iter := s.q(ctx, selectAccessKeys).Idempotent(true).PageSize(1000).Iter()
	var out []meta.AccessKey
	var k meta.AccessKey
	for iter.Scan(&k.ID, &k.User, &k.SealedSecret, &k.Status, &k.Created) {
		if user == "" || k.User == user {
			k.Created = k.Created.UTC()
			out = append(out, k)
		}
		k = meta.AccessKey{}
	}
	if err := iter.Close(); err != nil {
		return nil, s.wrap("list access keys", err)
	}
	slices.SortFunc(out, func(a, b meta.AccessKey) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// SetAccessKeyStatus updates the status with UPDATE ... IF EXISTS and
// reads the row back at the serial consistency.
func (s *Store) SetAccessKeyStatus(ctx context.Context, id, status string) (meta.AccessKey, error) {
	if err := s.check(); err != nil {
		return meta.AccessKey{}, err
	}
	op := fmt.Sprintf("set status of access key %q", id)
	applied, _, err := cas(s.lwt(ctx, updateKeyStatus, status, id))
	if err != nil {
		return meta.AccessKey{}, s.wrap(op, err)
	}
	if !applied {
		return meta.AccessKey{}, fmt.Errorf("meta/cassandra: access key %q: %w", id, meta.ErrNotFound)
	}
	k := meta.AccessKey{ID: id}
	err = s.serialRead(ctx, selectAccessKey, id).Idempotent(true).Scan(&k.User, &k.SealedSecret, &k.Status, &k.Created)
	if errors.Is(err, gocql.ErrNotFound) {
		return meta.AccessKey{}, fmt.Errorf("meta/cassandra: access key %q: %w", id, meta.ErrNotFound)
	}
	if err != nil {
		return meta.AccessKey{}, s.wrap(op, err)
	}
	k.Created = k.Created.UTC()
	return k, nil
}

// DeleteAccessKey removes the row with DELETE ... IF EXISTS.
func (s *Store) DeleteAccessKey(ctx context.Context, id string) error {
	return s.deleteIfExists(ctx, deleteAccessKey, id, fmt.Sprintf("access key %q", id))
}

// ClaimIdentitySetting is INSERT ... IF NOT EXISTS; when another value
// won, it is read back at the serial consistency.
func (s *Store) ClaimIdentitySetting(ctx context.Context, name string, value []byte) ([]byte, bool, error) {
	if err := s.check(); err != nil {
		return nil, false, err
	}
	op := fmt.Sprintf("claim identity setting %q", name)
	applied, _, err := cas(s.lwt(ctx, insertSetting, name, value))
	if err != nil {
		return nil, false, s.wrap(op, err)
	}
	if applied {
		return append([]byte(nil), value...), true, nil
	}
	var stored []byte
	if err := s.serialRead(ctx, selectSetting, name).Idempotent(true).Scan(&stored); err != nil {
		return nil, false, s.wrap(op, err)
	}
	return stored, false, nil
}

// GetIdentitySetting reads the setting at the serial consistency (it is
// read once at start, right after another gateway may have claimed it).
func (s *Store) GetIdentitySetting(ctx context.Context, name string) ([]byte, error) {
	if err := s.check(); err != nil {
		return nil, err
	}
	var v []byte
	err := s.serialRead(ctx, selectSetting, name).Idempotent(true).Scan(&v)
	if errors.Is(err, gocql.ErrNotFound) {
		return nil, fmt.Errorf("meta/cassandra: identity setting %q: %w", name, meta.ErrNotFound)
	}
	if err != nil {
		return nil, s.wrap(fmt.Sprintf("identity setting %q", name), err)
	}
	return v, nil
}
