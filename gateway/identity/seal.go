package identity

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// sealVersion is the first byte of every sealed value: AES-256-GCM with
// a random 12-byte nonce, the access key id as additional data.
const sealVersion = 1

// hkdfInfo names what the derived key is for.
const hkdfInfo = "dolium identity sealing v1"

// errOpen: a sealed value does not open with this sealer's key (another
// key sealed it, or it was changed).
var errOpen = errors.New("identity: sealed value does not open with this key")

// sealer encrypts access key secrets for the store.
type sealer struct {
	aead cipher.AEAD
}

// newSealer derives the AES-256 key from material (the configured
// identity key, the root secret, or the store's generated key) with
// HKDF-SHA256.
func newSealer(material []byte) (*sealer, error) {
	if len(material) == 0 {
		return nil, errors.New("identity: empty sealing key material")
	}
	key, err := hkdf.Key(sha256.New, material, nil, hkdfInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal encrypts plain, bound to id (a sealed value moved to another row
// does not open).
func (s *sealer) seal(id string, plain []byte) ([]byte, error) {
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return nil, err
	}
	return s.aead.Seal(out, out[1:], plain, []byte(id)), nil
}

// open decrypts what seal made for id.
func (s *sealer) open(id string, sealed []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return nil, fmt.Errorf("%w (malformed)", errOpen)
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(id))
	if err != nil {
		return nil, errOpen
	}
	return plain, nil
}
