package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strconv"
	"strings"
)

// Algorithm names an S3 additional-checksum algorithm, spelled as in the
// x-amz-checksum-algorithm header.
type Algorithm string

// The algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// crc64NVMEPoly is the reflected form of the CRC-64/NVME polynomial
// 0xAD93D23594C93659.
const crc64NVMEPoly = 0x9a6c9329ac4bc9b5

var (
	crc32cTable    = crc32.MakeTable(crc32.Castagnoli)
	crc64NVMETable = crc64.MakeTable(crc64NVMEPoly)
)

// All returns every supported algorithm, in a stable order.
func All() []Algorithm {
	return []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}
}

// Parse returns the algorithm named s, ignoring case.
func Parse(s string) (Algorithm, bool) {
	for _, a := range All() {
		if strings.EqualFold(s, string(a)) {
			return a, true
		}
	}
	return "", false
}

// New returns a fresh hash for a. It panics if a is not a supported
// algorithm; obtain algorithms from Parse or the constants.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(crc32cTable)
	case CRC64NVME:
		return crc64.New(crc64NVMETable)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("checksum: unknown algorithm " + strconv.Quote(string(a)))
}

// Size returns the length in bytes of a raw sum, or 0 for an unknown
// algorithm.
func (a Algorithm) Size() int {
	switch a {
	case CRC32, CRC32C:
		return 4
	case CRC64NVME:
		return 8
	case SHA1:
		return sha1.Size
	case SHA256:
		return sha256.Size
	}
	return 0
}

// IsCRC reports whether a is one of the CRC algorithms, the only ones
// that support FULL_OBJECT multipart checksums.
func (a Algorithm) IsCRC() bool {
	return a == CRC32 || a == CRC32C || a == CRC64NVME
}

// HeaderName returns the lower-case header carrying a's value, for
// example "x-amz-checksum-crc32c".
func (a Algorithm) HeaderName() string {
	return "x-amz-checksum-" + strings.ToLower(string(a))
}

// Encode formats a raw sum as S3 headers carry it: standard, padded base64.
func Encode(sum []byte) string {
	return base64.StdEncoding.EncodeToString(sum)
}

// Decode parses a base64 sum of algorithm a and checks its length.
func Decode(a Algorithm, b64 string) ([]byte, error) {
	if a.Size() == 0 {
		return nil, fmt.Errorf("checksum: unknown algorithm %q", string(a))
	}
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("checksum: %s value %q is not base64", a, b64)
	}
	if len(raw) != a.Size() {
		return nil, fmt.Errorf("checksum: %s value %q has %d bytes, want %d", a, b64, len(raw), a.Size())
	}
	return raw, nil
}

// Composite computes the multipart COMPOSITE checksum of an upload: the
// checksum of the concatenated raw part checksums, formatted "<b64>-N"
// where N is the number of parts.
//
// S3 accepts COMPOSITE for CRC32, CRC32C, SHA1 and SHA256 only; CRC64NVME
// uploads are always FULL_OBJECT (see CombineFull). Composite computes the
// value for any algorithm and leaves that policy to the caller.
func Composite(a Algorithm, partSumsB64 []string) (string, error) {
	if len(partSumsB64) == 0 {
		return "", errors.New("checksum: composite of zero parts")
	}
	if a.Size() == 0 {
		return "", fmt.Errorf("checksum: unknown algorithm %q", string(a))
	}
	h := a.New()
	for _, s := range partSumsB64 {
		raw, err := Decode(a, s)
		if err != nil {
			return "", err
		}
		h.Write(raw)
	}
	return Encode(h.Sum(nil)) + "-" + strconv.Itoa(len(partSumsB64)), nil
}

// CombineFull computes the multipart FULL_OBJECT checksum of an upload
// from its part checksums and part sizes: the CRC of the whole object,
// as if computed over the concatenated parts. It is defined only for the
// CRC algorithms.
func CombineFull(a Algorithm, partSumsB64 []string, partSizes []int64) (string, error) {
	if !a.IsCRC() {
		return "", fmt.Errorf("checksum: FULL_OBJECT is not defined for %s", a)
	}
	if len(partSumsB64) != len(partSizes) {
		return "", fmt.Errorf("checksum: %d part checksums but %d part sizes", len(partSumsB64), len(partSizes))
	}
	if len(partSumsB64) == 0 {
		return "", errors.New("checksum: full-object checksum of zero parts")
	}
	var crc uint64
	for i, s := range partSumsB64 {
		raw, err := Decode(a, s)
		if err != nil {
			return "", err
		}
		if partSizes[i] < 0 {
			return "", fmt.Errorf("checksum: part %d has negative size %d", i+1, partSizes[i])
		}
		next := beUint(raw)
		if i == 0 {
			crc = next
			continue
		}
		crc = CombineCRC(a, crc, next, partSizes[i])
	}
	return Encode(putBE(crc, a.Size())), nil
}

// CombineCRC returns the CRC of A‖B given crcA = CRC(A), crcB = CRC(B)
// and lenB = len(B), for a CRC algorithm a (values in the low bits). It is
// zlib's crc32_combine, generalised to the 64-bit CRC. It panics if a is
// not a CRC algorithm.
func CombineCRC(a Algorithm, crcA, crcB uint64, lenB int64) uint64 {
	if lenB <= 0 {
		return crcA // CRC of the empty string is 0 for all three CRCs
	}
	p := crcParamsFor(a)
	return p.mulmod(p.xpow8n(uint64(lenB)), crcA) ^ crcB
}
