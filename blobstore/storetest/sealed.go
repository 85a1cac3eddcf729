package storetest

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"testing"

	"github.com/dolium/dolium/blobstore"
)

// testStoreSealed: data written with WriteSealed reads back through
// OpenSealed, whole and in ranges at chunk boundaries; the driver holds no
// plaintext; and every way of handing the reader other ciphertext than
// what was written under that chunk's key fails with ErrCorrupt: a bit
// flipped with a recomputed CRC (so that only the cipher can see it), a
// chunk moved to another index, a chunk of another data set, the wrong
// data key, a sealed chunk read as plain and a plain one as sealed.
func testStoreSealed(t *testing.T, d blobstore.Driver) {
	pattern := bytes.Repeat([]byte("dolium-plaintext-pattern "), storeChunk*4/25)
	size := int64(len(pattern))
	dk, err := blobstore.NewDataKey()
	if err != nil {
		t.Fatal(err)
	}
	s := newStore(d)
	for _, id := range []string{"sealed", "sealed-other"} {
		if n, err := s.WriteSealed(t.Context(), id, dk, bytes.NewReader(pattern)); err != nil || n != size {
			t.Fatalf("WriteSealed(%s) = %d, %v", id, n, err)
		}
	}
	read := func(s *blobstore.Store, id string, key []byte, off, length int64) ([]byte, error) {
		r, err := s.OpenSealed(t.Context(), id, key, size, storeChunk, off, length)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	for _, rg := range [][2]int64{{0, size}, {storeChunk - 1, 2}, {storeChunk, storeChunk}, {storeChunk - 5, storeChunk + 10},
		{size - 1, 1}, {3*storeChunk - 1, size - 3*storeChunk + 1}, {0, 1}} {
		got, err := read(s, "sealed", dk, rg[0], rg[1])
		if err != nil || !bytes.Equal(got, pattern[rg[0]:rg[0]+rg[1]]) {
			t.Fatalf("OpenSealed range [%d, +%d) = %d bytes, %v", rg[0], rg[1], len(got), err)
		}
	}
	for i := 0; i < 4; i++ {
		b, err := d.Get(t.Context(), key("sealed", i))
		if err != nil {
			t.Fatalf("driver Get chunk %d: %v", i, err)
		}
		if bytes.Contains(b, []byte("plaintext-pattern")) {
			t.Fatalf("chunk %d holds plaintext", i)
		}
		if err := blobstore.CheckFrame(b); err != nil {
			t.Fatalf("CheckFrame of sealed chunk %d: %v", i, err)
		}
	}
	crc := crc32.MakeTable(crc32.Castagnoli)
	reCRC := func(b []byte) []byte {
		p := b[:len(b)-5]
		binary.BigEndian.PutUint32(b[len(p):], crc32.Checksum(p, crc))
		return b
	}
	wrongKey, _ := blobstore.NewDataKey()
	tests := []struct {
		name    string
		edit    func(k blobstore.ChunkKey, b []byte) []byte
		key     []byte
		plainRd bool
	}{
		{"BitFlipCRCRecomputed", func(k blobstore.ChunkKey, b []byte) []byte {
			if k.Index == 1 {
				b[100] ^= 4
				b = reCRC(b)
			}
			return b
		}, dk, false},
		{"ChunksSwapped", nil, dk, false},
		{"AnotherDataSet", nil, dk, false},
		{"WrongKey", func(_ blobstore.ChunkKey, b []byte) []byte { return b }, wrongKey, false},
		{"SealedReadPlain", func(_ blobstore.ChunkKey, b []byte) []byte { return b }, nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := NewFaultDriver(d)
			f.Set(Faults{AfterGet: func(k blobstore.ChunkKey, b []byte, err error) ([]byte, error) {
				if err != nil {
					return b, err
				}
				switch {
				case tc.name == "ChunksSwapped" && k.Index == 1:
					return d.Get(t.Context(), key(k.DataID, 2))
				case tc.name == "AnotherDataSet" && k.Index == 1:
					return d.Get(t.Context(), key("sealed-other", 1))
				case tc.edit != nil:
					return tc.edit(k, bytes.Clone(b)), nil
				}
				return b, nil
			}})
			fs := newStore(f)
			var err error
			if tc.plainRd {
				_, err = readRange(t, fs, "sealed", size, 0, size)
			} else {
				_, err = read(fs, "sealed", tc.key, 0, size)
			}
			if !errors.Is(err, blobstore.ErrCorrupt) {
				t.Fatalf("read = %v, want an error wrapping ErrCorrupt", err)
			}
		})
	}
	// Plain data read as sealed is refused too.
	mustWrite(t, s, "plain", pattern)
	r, err := s.OpenSealed(t.Context(), "plain", dk, size, storeChunk, 0, size)
	if err == nil {
		_, err = io.ReadAll(r)
		r.Close()
	}
	if !errors.Is(err, blobstore.ErrCorrupt) {
		t.Fatalf("plain data through OpenSealed: %v, want ErrCorrupt", err)
	}
	if _, err := s.WriteSealed(t.Context(), "badkey", []byte("short"), bytes.NewReader(pattern)); err == nil {
		t.Fatal("WriteSealed with a 5-byte key succeeded")
	}
}
