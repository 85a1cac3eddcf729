package blobstore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
)

// Sealed chunks (format version 2): each chunk's bytes are encrypted with
// AES-256-GCM under the data key of its data set. The nonce is the chunk's
// index (8 bytes big-endian, then 4 zero bytes): a data key seals one data
// set only and each of its chunks once, so no nonce repeats under a key,
// and none needs storing. The additional data binds the chunk to its
// place:
//
//	"dolium chunk v2" || 0x00 || data id || 0x00 || index (8 bytes big-endian)
//
// so that a chunk moved to another index or data set, changed or cut
// short fails to open. Truncation by whole chunks is caught by the reader,
// which knows from the metadata how many chunks the data has.
const (
	// DataKeySize is the length of a data key.
	DataKeySize = 32
	// sealOverhead is what sealing adds to a chunk: the GCM tag.
	sealOverhead = 16
	sealAAD      = "dolium chunk v2"
)

// NewDataKey returns a fresh random data key.
func NewDataKey() ([]byte, error) {
	k := make([]byte, DataKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("blobstore: data key: %w", err)
	}
	return k, nil
}

// sealer seals and opens the chunks of one data set.
type sealer struct {
	aead cipher.AEAD
	aad  []byte // the additional data without the index
}

func newSealer(key []byte, dataID string) (*sealer, error) {
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("blobstore: data key of %d bytes, want %d", len(key), DataKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	aad := make([]byte, 0, len(sealAAD)+2+len(dataID)+8)
	aad = append(append(append(append(aad, sealAAD...), 0), dataID...), 0)
	return &sealer{aead: aead, aad: aad}, nil
}

func (s *sealer) nonceAAD(index int) (nonce [12]byte, aad []byte) {
	binary.BigEndian.PutUint64(nonce[:8], uint64(index))
	return nonce, binary.BigEndian.AppendUint64(s.aad[:len(s.aad):len(s.aad)], uint64(index))
}

// seal encrypts plain in place; plain's slice must have sealOverhead bytes
// of spare capacity (and trailerLen more for the frame).
func (s *sealer) seal(index int, plain []byte) []byte {
	nonce, aad := s.nonceAAD(index)
	return s.aead.Seal(plain[:0], nonce[:], plain, aad)
}

// open decrypts sealed in place and returns the chunk's bytes; a failure
// wraps ErrCorrupt.
func (s *sealer) open(index int, sealed []byte) ([]byte, error) {
	nonce, aad := s.nonceAAD(index)
	plain, err := s.aead.Open(sealed[:0], nonce[:], sealed, aad)
	if err != nil {
		return nil, fmt.Errorf("%w: sealed chunk does not authenticate (changed, moved, or another data key)", ErrCorrupt)
	}
	return plain, nil
}
