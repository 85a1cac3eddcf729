package checksum

import "encoding/binary"

// crcParams describes a reflected CRC for arithmetic on polynomials
// modulo its generator, in the bit-reversed representation zlib uses: the
// most significant bit of a width-bit value is the coefficient of x^0.
type crcParams struct {
	top  uint64 // x^0
	poly uint64 // reflected generator, without the x^width term
}

func crcParamsFor(a Algorithm) crcParams {
	switch a {
	case CRC32:
		return crcParams{top: 1 << 31, poly: 0xedb88320}
	case CRC32C:
		return crcParams{top: 1 << 31, poly: 0x82f63b78}
	case CRC64NVME:
		return crcParams{top: 1 << 63, poly: crc64NVMEPoly}
	}
	panic("checksum: not a CRC algorithm: " + string(a))
}

// mulmod returns a·b modulo the generator (zlib's multmodp).
func (p crcParams) mulmod(a, b uint64) uint64 {
	var prod uint64
	for m := p.top; m != 0 && a != 0; m >>= 1 {
		if a&m != 0 {
			prod ^= b
			a &^= m
		}
		if b&1 != 0 {
			b = b>>1 ^ p.poly
		} else {
			b >>= 1
		}
	}
	return prod
}

// xpow8n returns x^(8n) modulo the generator: the operator that appends n
// zero bytes to a message's CRC register.
func (p crcParams) xpow8n(n uint64) uint64 {
	result := p.top  // x^0
	sq := p.top >> 1 // x^1
	for range 3 {
		sq = p.mulmod(sq, sq) // x^2, x^4, x^8
	}
	for ; n != 0; n >>= 1 {
		if n&1 != 0 {
			result = p.mulmod(sq, result)
		}
		sq = p.mulmod(sq, sq)
	}
	return result
}

// beUint reads a 4- or 8-byte big-endian sum.
func beUint(b []byte) uint64 {
	if len(b) == 4 {
		return uint64(binary.BigEndian.Uint32(b))
	}
	return binary.BigEndian.Uint64(b)
}

// putBE writes v as a size-byte big-endian sum.
func putBE(v uint64, size int) []byte {
	if size == 4 {
		return binary.BigEndian.AppendUint32(nil, uint32(v))
	}
	return binary.BigEndian.AppendUint64(nil, v)
}
