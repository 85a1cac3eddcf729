package meta

import (
	"context"
	"time"
)

// Status of a user or an access key.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// User is one identity: a named user acting for an owner (tenant). Every
// gateway on a store shares the users table.
type User struct {
	// Name is unique in the store (IAM's user-name characters).
	Name string
	// Owner is the tenant the user acts for: buckets belong to owners.
	Owner string
	// DisplayName is free text ("" = Name).
	DisplayName string
	// CanonicalID is 64 lower-case hex digits, made once at creation.
	CanonicalID string
	// Status is StatusActive or StatusInactive; an inactive user's keys
	// are refused.
	Status  string
	Created time.Time
	// Policy is the user's identity policy (an IAM policy JSON document),
	// nil when none is attached. The store keeps it as given.
	Policy []byte
}

// AccessKey is one access key of a user. The store never sees its secret
// in the clear: SealedSecret is what the caller encrypted (package
// gateway/identity seals it with AES-GCM).
type AccessKey struct {
	// ID is the access key id (unique in the store).
	ID           string
	User         string
	SealedSecret []byte
	// Status is StatusActive or StatusInactive.
	Status  string
	Created time.Time
}

// Identities is the table of users and access keys, and a few settings
// the identity layer keeps beside them (the bootstrap root key, the key
// check value). Rows are small and few; listings read them all.
type Identities interface {
	// CreateUser adds u; ErrConflict if a user of that name exists.
	CreateUser(ctx context.Context, u User) error
	// GetUser returns the user or ErrNotFound.
	GetUser(ctx context.Context, name string) (User, error)
	// ListUsers returns every user ordered by name.
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser applies update to the user's row atomically and returns
	// the row as stored: update is called with the current row (perhaps
	// more than once, if a concurrent update won) and may change
	// DisplayName, Status and Policy; an error from update is returned as
	// is and nothing is written. ErrNotFound if absent.
	UpdateUser(ctx context.Context, name string, update func(*User) error) (User, error)
	// DeleteUser removes the user; ErrNotFound if absent. It does not
	// remove the user's access keys (callers delete those first).
	DeleteUser(ctx context.Context, name string) error

	// CreateAccessKey adds k; ErrConflict if a key with k.ID exists.
	// It does not check that k.User exists (callers do).
	CreateAccessKey(ctx context.Context, k AccessKey) error
	// GetAccessKey returns the key or ErrNotFound.
	GetAccessKey(ctx context.Context, id string) (AccessKey, error)
	// ListAccessKeys returns the keys of user ("" = every user's),
	// ordered by ID.
	ListAccessKeys(ctx context.Context, user string) ([]AccessKey, error)
	// SetAccessKeyStatus sets the key's Status and returns the key as
	// stored; ErrNotFound if absent.
	SetAccessKeyStatus(ctx context.Context, id, status string) (AccessKey, error)
	// DeleteAccessKey removes the key; ErrNotFound if absent.
	DeleteAccessKey(ctx context.Context, id string) error

	// ClaimIdentitySetting stores value under name unless a value is
	// stored there already, atomically (first writer wins across
	// gateways), and returns the value stored and whether it is this
	// call's.
	ClaimIdentitySetting(ctx context.Context, name string, value []byte) (stored []byte, created bool, err error)
	// GetIdentitySetting returns the value stored under name or
	// ErrNotFound.
	GetIdentitySetting(ctx context.Context, name string) ([]byte, error)
}
