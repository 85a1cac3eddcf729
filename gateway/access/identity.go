package access

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
)

// Key is one access key.
type Key struct {
	AccessKey string `yaml:"access_key" json:"access_key"`
	SecretKey string `yaml:"secret_key" json:"secret_key"`
	Owner     string `yaml:"owner" json:"owner"`
}

// RootOwner owns the root key.
const RootOwner = "root"

// Keystore maps access keys to secrets and owners. It is immutable and safe
// for concurrent use.
type Keystore struct {
	keys map[string]Key
}

// NewKeystore validates keys (non-empty fields, unique access keys, secrets
// of at least 8 characters) and returns a Keystore.
func NewKeystore(keys []Key) (*Keystore, error) {
	ks := &Keystore{keys: map[string]Key{}}
	for _, k := range keys {
		switch {
		case k.AccessKey == "" || k.Owner == "":
			return nil, fmt.Errorf("access: key %q needs access_key, secret_key and owner", k.AccessKey)
		case len(k.SecretKey) < 8:
			return nil, fmt.Errorf("access: secret of key %q is shorter than 8 characters", k.AccessKey)
		}
		if _, dup := ks.keys[k.AccessKey]; dup {
			return nil, fmt.Errorf("access: access key %q listed twice", k.AccessKey)
		}
		ks.keys[k.AccessKey] = k
	}
	return ks, nil
}

// SecretFor implements sigv4.Credentials.
func (ks *Keystore) SecretFor(accessKey string) (secret, owner string, ok bool) {
	k, ok := ks.keys[accessKey]
	return k.SecretKey, k.Owner, ok
}

// Len is the number of keys.
func (ks *Keystore) Len() int { return len(ks.keys) }

const (
	upperAlnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretSet  = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
)

func randomString(set string, n int) (string, error) {
	b := make([]byte, n)
	max := big.NewInt(int64(len(set)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			return "", err
		}
		b[i] = set[v.Int64()]
	}
	return string(b), nil
}

// Generate returns a new random key pair for owner, shaped like AWS keys
// (20-character access key, 40-character secret).
func Generate(owner string) (Key, error) {
	ak, err := randomString(upperAlnum, 16)
	if err != nil {
		return Key{}, err
	}
	sk, err := randomString(secretSet, 40)
	if err != nil {
		return Key{}, err
	}
	return Key{AccessKey: "DOLI" + ak, SecretKey: sk, Owner: owner}, nil
}

// RootFile is where LoadOrCreateRoot keeps the generated root key.
const RootFile = "root-credentials.json"

// LoadOrCreateRoot returns the root key stored under dataDir, generating and
// storing one (mode 0600) if there is none. created tells which.
func LoadOrCreateRoot(dataDir string) (k Key, created bool, err error) {
	p := filepath.Join(dataDir, RootFile)
	b, err := os.ReadFile(p)
	if err == nil {
		if err := json.Unmarshal(b, &k); err != nil {
			return k, false, fmt.Errorf("access: %s: %w", p, err)
		}
		k.Owner = RootOwner
		return k, false, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return k, false, err
	}
	if k, err = Generate(RootOwner); err != nil {
		return k, false, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return k, false, err
	}
	b, _ = json.MarshalIndent(k, "", "  ")
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return k, false, err
	}
	if err := os.Rename(tmp, p); err != nil {
		return k, false, err
	}
	return k, true, nil
}
