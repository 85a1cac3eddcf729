package placement

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"

	"github.com/dolium/dolium/blobstore"
)

// Copy format (version 1). Every copy Replicated stores is
//
//	header (16 bytes) || data id || blob || CRC32C(header || data id || blob), 4 bytes big-endian
//
// and the header is
//
//	offset 0   magic "dlmc"
//	offset 4   format version (1)
//	offset 5   reserved, 0
//	offset 6   length of the data id in bytes, 2 bytes big-endian
//	offset 8   chunk index, 8 bytes big-endian (two's complement)
//
// blob is the chunk exactly as it was handed to Put (for a blobstore.Store,
// its own frame: payload, CRC32C, version). The trailing CRC makes a copy
// self-checking; the data id and index make it self-identifying: a copy
// that passes its CRC but names another chunk (a valid copy of another
// object, or of another index, found at this key) is Corrupt, never served.
//
// Copies written before this format are the bare blob. One that does not
// parse as a current copy but passes Replicated.Verify is such an old copy:
// it is read as before, reported in Health.Outdated, and Repair rewrites it
// in this format. (An old copy cannot pass as a current one by accident:
// that needs the magic, a matching length and a 32-bit CRC to line up.)
const (
	copyMagic     = "dlmc"
	copyVersion   = 1
	copyHeaderLen = 16
	copyCRCLen    = 4
	maxCopyDataID = math.MaxUint16
	copyOverhead  = copyHeaderLen + copyCRCLen
)

// copyLen is the stored length of a copy of blob for dataID.
func copyLen(dataID string, blob []byte) int {
	return copyHeaderLen + len(dataID) + len(blob) + copyCRCLen
}

// appendCopy appends the stored copy of blob, chunk k, to dst.
func appendCopy(dst []byte, k blobstore.ChunkKey, blob []byte) ([]byte, error) {
	if len(k.DataID) > maxCopyDataID {
		return nil, fmt.Errorf("data id of %d bytes, want at most %d", len(k.DataID), maxCopyDataID)
	}
	start := len(dst)
	dst = append(dst, copyMagic...)
	dst = append(dst, copyVersion, 0)
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(k.DataID)))
	dst = binary.BigEndian.AppendUint64(dst, uint64(int64(k.Index)))
	dst = append(dst, k.DataID...)
	dst = append(dst, blob...)
	return binary.BigEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli)), nil
}

// parsedCopy is a stored copy whose CRC and header passed.
type parsedCopy struct {
	dataID string
	index  int64
	blob   []byte // a sub-slice of the stored bytes
}

// parseCopy checks a stored copy on its own: its CRC, magic, version and
// lengths. Failures say why.
func parseCopy(b []byte) (parsedCopy, error) {
	if len(b) < copyOverhead {
		return parsedCopy{}, fmt.Errorf("copy of %d bytes is shorter than its framing", len(b))
	}
	if string(b[:4]) != copyMagic {
		return parsedCopy{}, fmt.Errorf("copy does not start with the copy magic")
	}
	body := b[:len(b)-copyCRCLen]
	if got, want := crc32.Checksum(body, castagnoli), binary.BigEndian.Uint32(b[len(body):]); got != want {
		return parsedCopy{}, fmt.Errorf("copy crc32c %08x, want %08x", got, want)
	}
	if b[4] != copyVersion {
		return parsedCopy{}, fmt.Errorf("unknown copy format version %d", b[4])
	}
	if b[5] != 0 {
		return parsedCopy{}, fmt.Errorf("copy reserved byte %d, want 0", b[5])
	}
	n := int(binary.BigEndian.Uint16(b[6:8]))
	if copyHeaderLen+n > len(body) {
		return parsedCopy{}, fmt.Errorf("copy data id of %d bytes overruns the copy", n)
	}
	return parsedCopy{
		dataID: string(body[copyHeaderLen : copyHeaderLen+n]),
		index:  int64(binary.BigEndian.Uint64(b[8:16])),
		blob:   body[copyHeaderLen+n:],
	}, nil
}

// openCopy returns the blob a stored copy holds for chunk k, and whether
// the copy is in the old bare format (verified by verify, nil if old copies
// are refused). Every failure wraps blobstore.ErrCorrupt.
func openCopy(stored []byte, k blobstore.ChunkKey, verify func([]byte) error) (blob []byte, old bool, err error) {
	p, perr := parseCopy(stored)
	if perr == nil {
		if p.dataID != k.DataID || p.index != int64(k.Index) {
			return nil, false, fmt.Errorf("%w: a copy of %s/%d where %s/%d belongs", blobstore.ErrCorrupt, p.dataID, p.index, k.DataID, k.Index)
		}
		return p.blob, false, nil
	}
	if verify != nil {
		if verr := verify(stored); verr == nil {
			return stored, true, nil
		}
	}
	return nil, false, fmt.Errorf("%w: %v", blobstore.ErrCorrupt, perr)
}
