package access

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Identity is who is behind an access key: the user, as the identity
// store (package gateway/identity) knows it. It is the zero Identity for
// keys that are not the store's.
type Identity struct {
	// User is the user's name.
	User string
	// ARN is the user's principal id, ARN-shaped as IAM's:
	// arn:aws:iam::<owner>:user/<name>, the owner (tenant) standing in
	// the account field; the root owner's root user is
	// arn:aws:iam::root:root (see UserARN).
	ARN string
	// CanonicalID is the user's canonical id: 64 lower-case hex digits.
	CanonicalID string
	// Policy is the user's identity policy (an IAM policy JSON document;
	// "" when none is attached). It is stored and carried, not yet
	// evaluated. (A string, so that Principal stays comparable.)
	Policy string
}

// UserARN is the principal id of user name acting for owner.
func UserARN(owner, name string) string {
	if owner == RootOwner && name == RootOwner {
		return "arn:aws:iam::root:root"
	}
	return "arn:aws:iam::" + owner + ":user/" + name
}

// PrincipalSource is what credentials (sigv4.Credentials) that know
// users implement besides SecretFor: the whole principal of an access
// key SecretFor just accepted.
type PrincipalSource interface {
	PrincipalFor(accessKey string) (Principal, bool)
}

// ValidName reports whether s may name a user or an owner: 1 to 64 of
// IAM's user-name characters (letters, digits, + = , . @ _ -).
func ValidName(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '+' || c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-':
		default:
			return false
		}
	}
	return true
}

// UserInfo is a user as the admin operations show it.
type UserInfo struct {
	Name        string       `json:"name"`
	Owner       string       `json:"owner"`
	DisplayName string       `json:"display_name"`
	ARN         string       `json:"arn"`
	CanonicalID string       `json:"canonical_id"`
	Status      string       `json:"status"`
	Created     time.Time    `json:"created"`
	Policy      jsonDocument `json:"policy,omitempty"`
}

// KeyInfo is an access key as the admin operations show it. Secret is
// set only in the answer to its creation.
type KeyInfo struct {
	AccessKey string    `json:"access_key"`
	User      string    `json:"user"`
	Owner     string    `json:"owner,omitempty"`
	Status    string    `json:"status"`
	Created   time.Time `json:"created"`
	Secret    string    `json:"secret_key,omitempty"`
}

// jsonDocument is a JSON document carried as is.
type jsonDocument []byte

// MarshalJSON writes the document itself.
func (d jsonDocument) MarshalJSON() ([]byte, error) {
	if len(d) == 0 {
		return []byte("null"), nil
	}
	return d, nil
}

// UnmarshalJSON keeps the document.
func (d *jsonDocument) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = nil
		return nil
	}
	*d = append((*d)[:0], b...)
	return nil
}

// Errors of a Directory. Others (the store away) are the store's.
var (
	ErrNoSuchUser  = errors.New("access: no such user")
	ErrNoSuchKey   = errors.New("access: no such access key")
	ErrUserExists  = errors.New("access: user exists")
	ErrUserHasKeys = errors.New("access: user has access keys")
	// ErrInvalid: a name, status or policy document is not acceptable;
	// the error's text says what.
	ErrInvalid = errors.New("access: invalid")
)

// Invalidf is an ErrInvalid saying what.
func Invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// Directory is what the admin operations change: users, their access
// keys and identity policies, in the store every gateway shares.
type Directory interface {
	// CreateUser adds user name acting for owner ("" = name).
	CreateUser(ctx context.Context, name, owner, displayName string) (UserInfo, error)
	// GetUser returns the user or ErrNoSuchUser.
	GetUser(ctx context.Context, name string) (UserInfo, error)
	// ListUsers returns every user ordered by name.
	ListUsers(ctx context.Context) ([]UserInfo, error)
	// DeleteUser removes a user that has no access keys
	// (ErrUserHasKeys); the root user cannot be removed.
	DeleteUser(ctx context.Context, name string) error
	// CreateKey makes a new access key for user; the answer carries its
	// secret, the only time it is shown.
	CreateKey(ctx context.Context, user string) (KeyInfo, error)
	// ListKeys returns user's keys ("" = every user's), ordered by id.
	ListKeys(ctx context.Context, user string) ([]KeyInfo, error)
	// SetKeyStatus makes a key "Active" or "Inactive".
	SetKeyStatus(ctx context.Context, accessKey, status string) (KeyInfo, error)
	// DeleteKey removes a key.
	DeleteKey(ctx context.Context, accessKey string) error
	// AttachPolicy stores doc (a JSON object) as user's identity policy,
	// replacing any; DetachPolicy removes it.
	AttachPolicy(ctx context.Context, user string, doc []byte) (UserInfo, error)
	DetachPolicy(ctx context.Context, user string) (UserInfo, error)
}
