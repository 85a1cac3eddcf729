package identity

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/access/policy"
	"github.com/dolium/dolium/meta"
)

// MaxPolicyBytes bounds an identity policy document (IAM's limit for a
// managed policy is 6,144 characters; S3's for a bucket policy 20 KiB).
const MaxPolicyBytes = 20 << 10

var _ access.Directory = (*Store)(nil)

func userInfo(u meta.User) access.UserInfo {
	return access.UserInfo{Name: u.Name, Owner: u.Owner, DisplayName: u.DisplayName, ARN: access.UserARN(u.Owner, u.Name),
		CanonicalID: u.CanonicalID, Status: u.Status, Created: u.Created, Policy: u.Policy}
}

func keyInfo(k meta.AccessKey) access.KeyInfo {
	return access.KeyInfo{AccessKey: k.ID, User: k.User, Status: k.Status, Created: k.Created}
}

func userErr(err error, name string) error {
	if errors.Is(err, meta.ErrNotFound) {
		return fmt.Errorf("%w: %s", access.ErrNoSuchUser, name)
	}
	return err
}

func keyErr(err error, id string) error {
	if errors.Is(err, meta.ErrNotFound) {
		return fmt.Errorf("%w: %s", access.ErrNoSuchKey, id)
	}
	return err
}

// newCanonicalID returns 64 random hex digits.
func newCanonicalID() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

func (s *Store) now() time.Time { return s.opts.Now().UTC().Truncate(time.Millisecond) }

// CreateUser adds a user acting for owner ("" = name).
func (s *Store) CreateUser(ctx context.Context, name, owner, displayName string) (access.UserInfo, error) {
	if owner == "" {
		owner = name
	}
	if !access.ValidName(name) {
		return access.UserInfo{}, access.Invalidf("user name %q: want 1 to 64 letters, digits or +=,.@_-", name)
	}
	if !access.ValidName(owner) {
		return access.UserInfo{}, access.Invalidf("owner %q: want 1 to 64 letters, digits or +=,.@_-", owner)
	}
	if (name == access.RootOwner) != (owner == access.RootOwner) {
		return access.UserInfo{}, access.Invalidf("only the root user acts for the root owner")
	}
	u := meta.User{Name: name, Owner: owner, DisplayName: displayName, CanonicalID: newCanonicalID(), Status: meta.StatusActive, Created: s.now()}
	if err := s.ms.CreateUser(ctx, u); err != nil {
		if errors.Is(err, meta.ErrConflict) {
			return access.UserInfo{}, fmt.Errorf("%w: %s", access.ErrUserExists, name)
		}
		return access.UserInfo{}, err
	}
	return userInfo(u), nil
}

// GetUser returns the user.
func (s *Store) GetUser(ctx context.Context, name string) (access.UserInfo, error) {
	u, err := s.ms.GetUser(ctx, name)
	if err != nil {
		return access.UserInfo{}, userErr(err, name)
	}
	return userInfo(u), nil
}

// ListUsers returns every user ordered by name.
func (s *Store) ListUsers(ctx context.Context) ([]access.UserInfo, error) {
	us, err := s.ms.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]access.UserInfo, 0, len(us))
	for _, u := range us {
		out = append(out, userInfo(u))
	}
	return out, nil
}

// DeleteUser removes a user without access keys; never the root user.
func (s *Store) DeleteUser(ctx context.Context, name string) error {
	if name == access.RootOwner {
		return access.Invalidf("the root user cannot be removed")
	}
	if _, err := s.ms.GetUser(ctx, name); err != nil {
		return userErr(err, name)
	}
	keys, err := s.ms.ListAccessKeys(ctx, name)
	if err != nil {
		return err
	}
	if len(keys) > 0 {
		return fmt.Errorf("%w: %s has %d (delete them first)", access.ErrUserHasKeys, name, len(keys))
	}
	if err := s.ms.DeleteUser(ctx, name); err != nil {
		return userErr(err, name)
	}
	s.Invalidate("")
	return nil
}

// CreateKey makes a new access key for user and stores its secret sealed.
func (s *Store) CreateKey(ctx context.Context, user string) (access.KeyInfo, error) {
	u, err := s.ms.GetUser(ctx, user)
	if err != nil {
		return access.KeyInfo{}, userErr(err, user)
	}
	k, err := access.Generate(u.Owner)
	if err != nil {
		return access.KeyInfo{}, err
	}
	mk, err := s.storeKey(ctx, k.AccessKey, u.Name, k.SecretKey)
	if err != nil {
		return access.KeyInfo{}, err
	}
	info := keyInfo(mk)
	info.Owner, info.Secret = u.Owner, k.SecretKey
	return info, nil
}

// storeKey seals secret and creates the key row.
func (s *Store) storeKey(ctx context.Context, id, user, secret string) (meta.AccessKey, error) {
	sealed, err := s.seal.seal(id, []byte(secret))
	if err != nil {
		return meta.AccessKey{}, err
	}
	mk := meta.AccessKey{ID: id, User: user, SealedSecret: sealed, Status: meta.StatusActive, Created: s.now()}
	if err := s.ms.CreateAccessKey(ctx, mk); err != nil {
		return meta.AccessKey{}, err
	}
	s.Invalidate(id)
	return mk, nil
}

// ListKeys returns user's keys ("" = all), without secrets.
func (s *Store) ListKeys(ctx context.Context, user string) ([]access.KeyInfo, error) {
	if user != "" {
		if _, err := s.ms.GetUser(ctx, user); err != nil {
			return nil, userErr(err, user)
		}
	}
	ks, err := s.ms.ListAccessKeys(ctx, user)
	if err != nil {
		return nil, err
	}
	out := make([]access.KeyInfo, 0, len(ks))
	for _, k := range ks {
		out = append(out, keyInfo(k))
	}
	return out, nil
}

// SetKeyStatus makes a key Active or Inactive; it takes effect on this
// gateway at once, on the others within the cache's TTL.
func (s *Store) SetKeyStatus(ctx context.Context, accessKey, status string) (access.KeyInfo, error) {
	if status != meta.StatusActive && status != meta.StatusInactive {
		return access.KeyInfo{}, access.Invalidf("status %q: want Active or Inactive", status)
	}
	if accessKey == s.root.AccessKey {
		return access.KeyInfo{}, access.Invalidf("the root key is configured (or bootstrapped), not stored: it cannot be disabled")
	}
	k, err := s.ms.SetAccessKeyStatus(ctx, accessKey, status)
	s.Invalidate(accessKey)
	if err != nil {
		return access.KeyInfo{}, keyErr(err, accessKey)
	}
	return keyInfo(k), nil
}

// DeleteKey removes a key.
func (s *Store) DeleteKey(ctx context.Context, accessKey string) error {
	if accessKey == s.root.AccessKey {
		return access.Invalidf("the root key is configured (or bootstrapped), not stored: it cannot be deleted")
	}
	err := s.ms.DeleteAccessKey(ctx, accessKey)
	s.Invalidate(accessKey)
	return keyErr(err, accessKey)
}

// AttachPolicy stores doc, an IAM identity policy of S3 actions (checked
// by policy.ParseIdentity), as user's identity policy, compacted;
// access.Authorize evaluates it.
func (s *Store) AttachPolicy(ctx context.Context, user string, doc []byte) (access.UserInfo, error) {
	if len(doc) > MaxPolicyBytes {
		return access.UserInfo{}, access.Invalidf("policy document of %d bytes: at most %d", len(doc), MaxPolicyBytes)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(doc, &obj); err != nil {
		return access.UserInfo{}, access.Invalidf("policy document is not a JSON object: %v", err)
	}
	if _, err := policy.ParseIdentity(doc); err != nil {
		return access.UserInfo{}, access.Invalidf("policy document: %v", err)
	}
	var b bytes.Buffer
	if err := json.Compact(&b, doc); err != nil {
		return access.UserInfo{}, access.Invalidf("policy document: %v", err)
	}
	return s.setPolicy(ctx, user, b.Bytes())
}

// DetachPolicy removes user's identity policy.
func (s *Store) DetachPolicy(ctx context.Context, user string) (access.UserInfo, error) {
	return s.setPolicy(ctx, user, nil)
}

func (s *Store) setPolicy(ctx context.Context, user string, doc []byte) (access.UserInfo, error) {
	u, err := s.ms.UpdateUser(ctx, user, func(u *meta.User) error { u.Policy = doc; return nil })
	if err != nil {
		return access.UserInfo{}, userErr(err, user)
	}
	s.Invalidate("") // the principals of every key of the user carry it
	if user == access.RootOwner {
		s.mu.Lock()
		s.rootP.Identity = identityOf(u)
		s.mu.Unlock()
	}
	return userInfo(u), nil
}
