package placement_test

import (
	"fmt"
	"testing"

	"github.com/klauspost/reedsolomon"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/local"
	"github.com/dolium/dolium/blobstore/placement"
)

// benchSizes are blob sizes for the coding benchmarks: the default chunk
// size and a large one.
var benchSizes = []int{1 << 20, 4 << 20}

const benchK, benchM = 4, 2

// BenchmarkEncodeShards is our encoding: split, parity, headers and CRCs.
// Compare with BenchmarkRawReedSolomon/Encode.
func BenchmarkEncodeShards(b *testing.B) {
	for _, size := range benchSizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			blob := randBytes(1, size)
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := placement.EncodeShards(blob, benchK, benchM); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeShards decodes with two data shards missing (the costly
// case) and with all shards present (a copy and CRC checks). Compare with
// BenchmarkRawReedSolomon/ReconstructData.
func BenchmarkDecodeShards(b *testing.B) {
	for _, size := range benchSizes {
		blob := randBytes(1, size)
		shards, err := placement.EncodeShards(blob, benchK, benchM)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("Missing2/%dMiB", size>>20), func(b *testing.B) {
			in := make([][]byte, len(shards))
			b.SetBytes(int64(size))
			for b.Loop() {
				copy(in, shards)
				in[0], in[1] = nil, nil
				if _, err := placement.DecodeShards(in, benchK, benchM); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("AllPresent/%dMiB", size>>20), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				if _, err := placement.DecodeShards(shards, benchK, benchM); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRawReedSolomon is klauspost/reedsolomon alone, the baseline for
// the two benchmarks above: Split (which copies the blob into k+m fresh
// shards when it has no spare capacity, as ours does) and Encode; and
// ReconstructData with two data shards missing followed by a copy into one
// blob, the same work DecodeShards does but for headers and CRCs.
func BenchmarkRawReedSolomon(b *testing.B) {
	enc, err := reedsolomon.New(benchK, benchM)
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range benchSizes {
		blob := randBytes(1, size)
		b.Run(fmt.Sprintf("Encode/%dMiB", size>>20), func(b *testing.B) {
			b.SetBytes(int64(size))
			for b.Loop() {
				shards, err := enc.Split(blob[:size:size])
				if err != nil {
					b.Fatal(err)
				}
				if err := enc.Encode(shards); err != nil {
					b.Fatal(err)
				}
			}
		})
		shards, err := enc.Split(blob[:size:size])
		if err != nil {
			b.Fatal(err)
		}
		if err := enc.Encode(shards); err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("ReconstructData/%dMiB", size>>20), func(b *testing.B) {
			in := make([][]byte, len(shards))
			b.SetBytes(int64(size))
			for b.Loop() {
				copy(in, shards)
				in[0], in[1] = nil, nil
				if err := enc.ReconstructData(in); err != nil {
					b.Fatal(err)
				}
				out := make([]byte, 0, size)
				for _, s := range in[:benchK] {
					out = append(out, s...)
				}
				_ = out[:size]
			}
		})
	}
}

func localZones(b *testing.B, n int) []placement.Zone {
	zones := make([]placement.Zone, n)
	for i := range zones {
		d, err := local.Open(b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		zones[i] = placement.Zone{Name: fmt.Sprintf("zone-%d", i), Driver: d}
	}
	return zones
}

func benchPut(b *testing.B, d blobstore.Driver) {
	b.Helper()
	b.Cleanup(func() { d.Close() })
	blob := frame(randBytes(1, 1<<20))
	b.SetBytes(int64(len(blob)))
	i := 0
	for b.Loop() {
		if err := d.Put(b.Context(), blobstore.ChunkKey{DataID: "bench", Index: i}, blob); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkReplicatedPut writes 1 MiB chunks, three copies on local disks.
func BenchmarkReplicatedPut(b *testing.B) {
	r, err := placement.NewReplicated("rep", localZones(b, 3), 2, &recorder{})
	if err != nil {
		b.Fatal(err)
	}
	benchPut(b, r)
}

// BenchmarkErasurePut writes 1 MiB chunks as 4+2 shards on local disks.
func BenchmarkErasurePut(b *testing.B) {
	e, err := placement.NewErasure("ec", localZones(b, benchK+benchM), benchK, benchM, 0, &recorder{})
	if err != nil {
		b.Fatal(err)
	}
	benchPut(b, e)
}
