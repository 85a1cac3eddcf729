package blobstore_test

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/local"
)

// benchSize is the object size the benchmarks write and read.
const benchSize = 16 << 20

func benchStore(b *testing.B) *blobstore.Store {
	b.Helper()
	d, err := local.Open(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { d.Close() })
	return blobstore.New(d, blobstore.Options{})
}

func BenchmarkStoreWrite(b *testing.B) {
	s := benchStore(b)
	data := make([]byte, benchSize)
	rand.Read(data)
	b.SetBytes(benchSize)
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("bench-%d", i)
		i++
		if _, err := s.Write(b.Context(), id, bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStoreRead(b *testing.B) {
	s := benchStore(b)
	data := make([]byte, benchSize)
	rand.Read(data)
	if _, err := s.Write(b.Context(), "bench", bytes.NewReader(data)); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(benchSize)
	for b.Loop() {
		r, err := s.Open(b.Context(), "bench", benchSize, s.ChunkSize(), 0, benchSize)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}
