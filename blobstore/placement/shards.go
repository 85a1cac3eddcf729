package placement

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"

	"github.com/klauspost/reedsolomon"

	"github.com/dolium/dolium/blobstore"
)

// Shard format (version 1). Each of the k+m shards of a blob is
//
//	header (16 bytes) || payload || CRC32C(payload || header), 4 bytes big-endian
//
// (the CRC covers the payload first so that the payload's own CRC, which the
// blob sum below is made of, is computed once), and the header is
//
//	offset 0   format version (1)
//	offset 1   shard index, 0..k+m-1
//	offset 2   k, data shards
//	offset 3   m, parity shards
//	offset 4   length of the original blob, 8 bytes big-endian
//	offset 12  blob sum, 4 bytes big-endian: CRC32C of the k data shard
//	           payloads' CRC32Cs, each 4 bytes big-endian, in order
//
// The payload is ceil(length/k) bytes: shards 0..k-1 hold the blob in order,
// the last of them padded with zeros, and shards k..k+m-1 hold Reed-Solomon
// parity (github.com/klauspost/reedsolomon, its default Vandermonde-derived
// systematic matrix). A shard is checked on its own by its trailing CRC. The
// blob's length and sum in every header tell shards of one blob from stale
// shards of an earlier blob under the same key (a zone that missed an
// overwrite), and verify the decoded blob end to end without another pass
// over it.
const (
	shardVersion   = 1
	shardHeaderLen = 16
	shardCRCLen    = 4
	// ShardOverhead is the bytes a shard adds to its payload.
	ShardOverhead = shardHeaderLen + shardCRCLen
	// MaxShards bounds k+m: shard indexes, k and m are single bytes.
	MaxShards = 256
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// ErrTooFewShards is returned (wrapped) by DecodeShards when fewer than k
// shards of one blob pass their checks.
var ErrTooFewShards = errors.New("placement: too few good shards")

// shardHeader is a shard's parsed header.
type shardHeader struct {
	index, k, m int
	size        uint64 // length of the original blob
	sum         uint32 // the blob sum
}

// blobID says which blob a shard belongs to.
type blobID struct {
	size uint64
	sum  uint32
}

func (h shardHeader) blob() blobID { return blobID{h.size, h.sum} }

// parsedShard is a shard whose CRC passed.
type parsedShard struct {
	shardHeader
	payload    []byte
	payloadSum uint32 // CRC32C(payload)
}

// blobSum is the blob sum of data shard payloads with the given CRC32Cs.
func blobSum(payloadSums []uint32) uint32 {
	var b [4 * MaxShards]byte
	for i, s := range payloadSums {
		binary.BigEndian.PutUint32(b[4*i:], s)
	}
	return crc32.Checksum(b[:4*len(payloadSums)], castagnoli)
}

func checkKM(k, m int) error {
	if k < 1 || m < 1 || k+m > MaxShards {
		return fmt.Errorf("placement: k=%d m=%d: want k >= 1, m >= 1, k+m <= %d", k, m, MaxShards)
	}
	return nil
}

// shardSize is the payload length of each shard of an n-byte blob.
func shardSize(n uint64, k int) int { return int((n + uint64(k) - 1) / uint64(k)) }

// encoders caches one reedsolomon.Encoder per (k, m); encoders are safe for
// concurrent use and costly to build.
var encoders sync.Map // [2]int -> reedsolomon.Encoder

func encoder(k, m int) (reedsolomon.Encoder, error) {
	key := [2]int{k, m}
	if e, ok := encoders.Load(key); ok {
		return e.(reedsolomon.Encoder), nil
	}
	e, err := reedsolomon.New(k, m)
	if err != nil {
		return nil, fmt.Errorf("placement: reedsolomon.New(%d, %d): %w", k, m, err)
	}
	actual, _ := encoders.LoadOrStore(key, e)
	return actual.(reedsolomon.Encoder), nil
}

// EncodeShards cuts blob into k data shards and computes m parity shards,
// each framed with its own header and CRC32C (see the format above). The
// shards share one allocation but do not overlap. blob is not retained.
func EncodeShards(blob []byte, k, m int) ([][]byte, error) {
	shards, _, err := encodeShards(nil, blob, k, m)
	return shards, err
}

// encodeShards is EncodeShards writing into buf when it is large enough. It
// returns the buffer the shards are in.
func encodeShards(buf, blob []byte, k, m int) ([][]byte, []byte, error) {
	if err := checkKM(k, m); err != nil {
		return nil, nil, err
	}
	n := k + m
	size := shardSize(uint64(len(blob)), k)
	stride := ShardOverhead + size
	if cap(buf) < n*stride {
		buf = make([]byte, n*stride)
	} else {
		buf = buf[:n*stride]
	}
	shards := make([][]byte, n)
	payloads := make([][]byte, n)
	for i := range n {
		shards[i] = buf[i*stride : (i+1)*stride : (i+1)*stride]
		payloads[i] = shards[i][shardHeaderLen : shardHeaderLen+size]
	}
	rest := blob
	for i := range k {
		c := copy(payloads[i], rest)
		rest = rest[c:]
		clear(payloads[i][c:]) // buf may be reused
	}
	if size > 0 {
		enc, err := encoder(k, m)
		if err != nil {
			return nil, nil, err
		}
		if err := enc.Encode(payloads); err != nil {
			return nil, nil, fmt.Errorf("placement: encoding %d+%d shards: %w", k, m, err)
		}
	}
	sums := make([]uint32, n)
	for i := range n {
		sums[i] = crc32.Checksum(payloads[i], castagnoli)
	}
	sum := blobSum(sums[:k])
	for i, s := range shards {
		h := s[:shardHeaderLen]
		h[0] = shardVersion
		h[1] = byte(i)
		h[2] = byte(k)
		h[3] = byte(m)
		binary.BigEndian.PutUint64(h[4:12], uint64(len(blob)))
		binary.BigEndian.PutUint32(h[12:16], sum)
		binary.BigEndian.PutUint32(s[stride-shardCRCLen:], crc32.Update(sums[i], castagnoli, h))
	}
	return shards, buf, nil
}

// parseShard checks one shard on its own: its CRC, format version and
// length, and that it is shard index of a k+m code. Failures say why.
func parseShard(b []byte, index, k, m int) (parsedShard, error) {
	if len(b) < ShardOverhead {
		return parsedShard{}, fmt.Errorf("shard of %d bytes is shorter than its framing", len(b))
	}
	body := b[:len(b)-shardCRCLen]
	hdr, payload := body[:shardHeaderLen], body[shardHeaderLen:]
	psum := crc32.Checksum(payload, castagnoli)
	if got, want := crc32.Update(psum, castagnoli, hdr), binary.BigEndian.Uint32(b[len(body):]); got != want {
		return parsedShard{}, fmt.Errorf("shard crc32c %08x, want %08x", got, want)
	}
	if b[0] != shardVersion {
		return parsedShard{}, fmt.Errorf("unknown shard format version %d", b[0])
	}
	h := shardHeader{
		index: int(b[1]), k: int(b[2]), m: int(b[3]),
		size: binary.BigEndian.Uint64(b[4:12]),
		sum:  binary.BigEndian.Uint32(b[12:16]),
	}
	if h.index != index || h.k != k || h.m != m {
		return parsedShard{}, fmt.Errorf("shard %d of %d+%d where shard %d of %d+%d belongs", h.index, h.k, h.m, index, k, m)
	}
	if h.size > uint64(k)*uint64(len(payload)) || len(payload) != shardSize(h.size, k) {
		return parsedShard{}, fmt.Errorf("shard payload of %d bytes for a blob of %d bytes", len(payload), h.size)
	}
	return parsedShard{shardHeader: h, payload: payload, payloadSum: psum}, nil
}

// DecodeShards rebuilds the blob from the k+m shards EncodeShards made.
// shards[i] is nil when shard i is missing; a shard that fails its CRC or
// header checks is ignored, and so is a stale shard of another blob (when
// the shards disagree, the blob most shards belong to wins). Any k good
// shards suffice; with all data shards good no decoding is needed. The
// result is checked against the blob's CRC32C. It fails wrapping
// ErrTooFewShards when fewer than k good shards remain. shards is not
// modified.
func DecodeShards(shards [][]byte, k, m int) ([]byte, error) {
	if err := checkKM(k, m); err != nil {
		return nil, err
	}
	if len(shards) != k+m {
		return nil, fmt.Errorf("placement: %d shards, want k+m = %d", len(shards), k+m)
	}
	parsed := make([]*parsedShard, len(shards))
	for i, b := range shards {
		if b == nil {
			continue
		}
		if p, err := parseShard(b, i, k, m); err == nil {
			parsed[i] = &p
		}
	}
	blob, _, err := decodeParsed(parsed, k, m)
	return blob, err
}

// pickBlob returns the blob most good shards belong to (ties go to the blob
// of the lowest-indexed shard) and how many shards belong to it. ok is false
// when no shard is good.
func pickBlob(parsed []*parsedShard) (id blobID, count int, ok bool) {
	counts := make(map[blobID]int, 1)
	for _, p := range parsed {
		if p == nil {
			continue
		}
		b := p.blob()
		counts[b]++
		if c := counts[b]; c > count {
			id, count, ok = b, c, true
		}
	}
	return id, count, ok
}

// decodeParsed decodes from parsed shards (nil for missing or bad ones). It
// returns the blob and which shards it was decoded from; shards not used
// but present are stale.
func decodeParsed(parsed []*parsedShard, k, m int) ([]byte, blobID, error) {
	id, count, ok := pickBlob(parsed)
	if !ok || count < k {
		return nil, id, fmt.Errorf("%w: %d good shards of one blob, want %d of %d+%d", ErrTooFewShards, count, k, k, m)
	}
	size := shardSize(id.size, k)
	// Data shard i goes to out[i*size:], the padding past id.size included
	// so that reconstructed shards are written in place.
	out := make([]byte, k*size)
	sums := make([]uint32, k)
	var payloads [][]byte // for reconstruction, when a data shard is missing
	for i := range k {
		dst := out[i*size : (i+1)*size]
		if p := parsed[i]; p != nil && p.blob() == id {
			copy(dst, p.payload)
			sums[i] = p.payloadSum
			continue
		}
		if payloads == nil {
			payloads = make([][]byte, k+m)
			for j, p := range parsed {
				if p != nil && p.blob() == id {
					payloads[j] = p.payload
				}
			}
		}
		payloads[i] = dst[:0] // missing: ReconstructData fills it in place
	}
	if payloads != nil && size > 0 {
		enc, err := encoder(k, m)
		if err != nil {
			return nil, id, err
		}
		// ReconstructData writes only the missing shards, into their
		// zero-length slices of out; the shards given are only read.
		if err := enc.ReconstructData(payloads); err != nil {
			return nil, id, fmt.Errorf("placement: reconstructing %d+%d shards: %w", k, m, err)
		}
		for i := range k {
			if p := parsed[i]; p == nil || p.blob() != id {
				if &payloads[i][0] != &out[i*size] { // not in place after all
					copy(out[i*size:(i+1)*size], payloads[i])
				}
				sums[i] = crc32.Checksum(out[i*size:(i+1)*size], castagnoli)
			}
		}
	}
	// (An empty blob has empty payloads, whose CRC32C is the zero in sums.)
	if got := blobSum(sums); got != id.sum {
		return nil, id, fmt.Errorf("%w: placement: decoded blob sum %08x, want %08x", blobstore.ErrCorrupt, got, id.sum)
	}
	return out[:id.size:id.size], id, nil
}
