package placement_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/placement"
)

// randBytes returns n pseudo-random bytes, the same for the same seed.
func randBytes(seed uint64, n int) []byte {
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), byte(seed >> 16), byte(seed >> 24)})
	b := make([]byte, n)
	r.Read(b)
	return b
}

// subsets calls fn for every subset of {0..n-1} with at most max members.
func subsets(n, max int, fn func(s []int)) {
	var rec func(start int, s []int)
	rec = func(start int, s []int) {
		fn(s)
		if len(s) == max {
			return
		}
		for i := start; i < n; i++ {
			rec(i+1, append(s, i))
		}
	}
	rec(0, nil)
}

func cloneShards(shards [][]byte) [][]byte {
	out := make([][]byte, len(shards))
	for i, s := range shards {
		out[i] = slices.Clone(s)
	}
	return out
}

// TestDecodeShards encodes blobs of many sizes and decodes them with every
// combination of up to m shards missing, and of up to m shards damaged.
func TestDecodeShards(t *testing.T) {
	for _, km := range [][2]int{{4, 2}, {2, 1}, {1, 1}, {3, 3}} {
		k, m := km[0], km[1]
		for _, size := range []int{0, 1, k - 1, k, k + 1, 1000, 64<<10 + 3} {
			t.Run(fmt.Sprintf("%d+%d/%d", k, m, size), func(t *testing.T) {
				blob := randBytes(uint64(size), size)
				shards, err := placement.EncodeShards(blob, k, m)
				if err != nil {
					t.Fatalf("EncodeShards(%d bytes, %d, %d) = %v", size, k, m, err)
				}
				if len(shards) != k+m {
					t.Fatalf("EncodeShards gave %d shards, want %d", len(shards), k+m)
				}
				subsets(k+m, m, func(lost []int) {
					for _, how := range []string{"missing", "corrupt"} {
						in := cloneShards(shards)
						for _, i := range lost {
							if how == "missing" {
								in[i] = nil
							} else {
								in[i][len(in[i])/2] ^= 0x10
							}
						}
						before := cloneShards(in)
						got, err := placement.DecodeShards(in, k, m)
						if err != nil || !bytes.Equal(got, blob) {
							t.Fatalf("DecodeShards(shards %v %s) = %d bytes, %v; want %d bytes", lost, how, len(got), err, len(blob))
						}
						for i := range in {
							if !bytes.Equal(in[i], before[i]) {
								t.Fatalf("DecodeShards(shards %v %s) modified shard %d", lost, how, i)
							}
						}
					}
				})
				// One shard more than m lost is too many.
				subsets(k+m, m+1, func(lost []int) {
					if len(lost) != m+1 {
						return
					}
					in := cloneShards(shards)
					for _, i := range lost {
						in[i] = nil
					}
					if got, err := placement.DecodeShards(in, k, m); !errors.Is(err, placement.ErrTooFewShards) {
						t.Fatalf("DecodeShards(shards %v missing) = %d bytes, %v; want ErrTooFewShards", lost, len(got), err)
					}
				})
			})
		}
	}
}

// reframe recomputes a shard's CRC: CRC32C(payload || header).
func reframe(s []byte) {
	body := s[:len(s)-4]
	sum := crc32.Update(crc32.Checksum(body[16:], castagnoli), castagnoli, body[:16])
	binary.BigEndian.PutUint32(s[len(body):], sum)
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// TestShardFormat pins the shard layout: header (version, index, k, m,
// blob length, blob sum), payload, CRC; data shards hold the blob in order.
func TestShardFormat(t *testing.T) {
	const k, m = 4, 2
	blob := randBytes(1, 4001) // 1001 bytes per shard, the last data shard padded
	shards, err := placement.EncodeShards(blob, k, m)
	if err != nil {
		t.Fatal(err)
	}
	var data, sums []byte
	for i, s := range shards {
		if got, want := len(s), placement.ShardOverhead+1001; got != want {
			t.Fatalf("shard %d is %d bytes, want %d", i, got, want)
		}
		if s[0] != 1 || int(s[1]) != i || s[2] != k || s[3] != m {
			t.Fatalf("shard %d header = % x, want version 1, index %d, k %d, m %d", i, s[:4], i, k, m)
		}
		if got := binary.BigEndian.Uint64(s[4:12]); got != uint64(len(blob)) {
			t.Fatalf("shard %d blob length = %d, want %d", i, got, len(blob))
		}
		if got, want := binary.BigEndian.Uint32(s[len(s)-4:]), crc32.Update(crc32.Checksum(s[16:len(s)-4], castagnoli), castagnoli, s[:16]); got != want {
			t.Fatalf("shard %d CRC = %08x, want CRC32C(payload || header) = %08x", i, got, want)
		}
		if i < k {
			data = append(data, s[16:len(s)-4]...)
			sums = binary.BigEndian.AppendUint32(sums, crc32.Checksum(s[16:len(s)-4], castagnoli))
		}
	}
	for i, s := range shards {
		if got, want := binary.BigEndian.Uint32(s[12:16]), crc32.Checksum(sums, castagnoli); got != want {
			t.Fatalf("shard %d blob sum = %08x, want CRC32C of the data payload CRCs = %08x", i, got, want)
		}
	}
	if !bytes.Equal(data[:len(blob)], blob) || !bytes.Equal(data[len(blob):], make([]byte, 4*1001-len(blob))) {
		t.Fatal("data shard payloads are not the blob followed by zeros")
	}
}

func TestDecodeShardsRejects(t *testing.T) {
	const k, m = 4, 2
	blobA, blobB := randBytes(1, 5000), randBytes(2, 5000)
	a, _ := placement.EncodeShards(blobA, k, m)
	b, _ := placement.EncodeShards(blobB, k, m)
	other, _ := placement.EncodeShards(blobA, 3, 3) // same size shards, other code

	tests := []struct {
		name   string
		shards [][]byte
		want   []byte // nil: want ErrTooFewShards
	}{
		{"Swapped", [][]byte{a[1], a[0], a[2], a[3], a[4], a[5]}, blobA},
		{"SwappedThree", [][]byte{a[1], a[0], a[3], a[2], a[4], a[5]}, nil},
		{"Truncated", [][]byte{a[0][:len(a[0])-1], a[1][:3], a[2], a[3], a[4], a[5]}, blobA},
		{"Empty", [][]byte{{}, {}, a[2], a[3], a[4], a[5]}, blobA},
		{"OtherCode", [][]byte{other[0], other[1], a[2], a[3], a[4], a[5]}, blobA},
		// Stale shards of another blob under the same key: the blob most
		// shards belong to wins.
		{"StaleMinority", [][]byte{b[0], a[1], a[2], b[3], a[4], a[5]}, blobA},
		{"StaleMajority", [][]byte{b[0], b[1], a[2], b[3], b[4], a[5]}, blobB},
		{"StaleEven", [][]byte{b[0], b[1], b[2], a[3], a[4], a[5]}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := placement.DecodeShards(tc.shards, k, m)
			if tc.want == nil {
				if !errors.Is(err, placement.ErrTooFewShards) {
					t.Fatalf("DecodeShards() = %d bytes, %v; want ErrTooFewShards", len(got), err)
				}
				return
			}
			if err != nil || !bytes.Equal(got, tc.want) {
				t.Fatalf("DecodeShards() = %d bytes, %v; want %d bytes", len(got), err, len(tc.want))
			}
		})
	}

	// Shards that pass their own CRCs but whose blob sum does not match
	// their payloads decode to an error, not to wrong data.
	for _, missing := range [][]int{nil, {1, 4}} {
		in := cloneShards(a)
		for _, i := range missing {
			in[i] = nil
		}
		for _, s := range in {
			if s != nil {
				s[12] ^= 1
				reframe(s)
			}
		}
		if got, err := placement.DecodeShards(in, k, m); !errors.Is(err, blobstore.ErrCorrupt) {
			t.Errorf("DecodeShards(blob sum wrong, shards %v missing) = %d bytes, %v; want an error wrapping ErrCorrupt", missing, len(got), err)
		}
	}

	for _, tc := range []struct {
		n, k, m int
	}{{6, 3, 2}, {5, 4, 2}, {6, 0, 6}, {6, 6, 0}, {300, 200, 100}} {
		if _, err := placement.DecodeShards(make([][]byte, tc.n), tc.k, tc.m); err == nil || errors.Is(err, placement.ErrTooFewShards) {
			t.Errorf("DecodeShards(%d shards, %d, %d) = %v, want an argument error", tc.n, tc.k, tc.m, err)
		}
	}
	for _, km := range [][2]int{{0, 2}, {4, 0}, {200, 57}} {
		if _, err := placement.EncodeShards(blobA, km[0], km[1]); err == nil {
			t.Errorf("EncodeShards(%d, %d) = nil error, want one", km[0], km[1])
		}
	}
}
