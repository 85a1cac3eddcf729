package blobstore_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/storetest"
)

func TestStoreOverMem(t *testing.T) {
	storetest.RunStore(t, func(*testing.T) blobstore.Driver { return mem.New() })
}

func TestDefaults(t *testing.T) {
	s := blobstore.New(mem.New(), blobstore.Options{})
	if got, want := s.ChunkSize(), int64(1<<20); got != want {
		t.Errorf("ChunkSize() = %d, want %d", got, want)
	}
	d := mem.New()
	if got := blobstore.New(d, blobstore.Options{}).Driver(); got != d {
		t.Errorf("Driver() = %v, want the driver given to New", got)
	}
}

// TestFraming pins the chunk format: payload, CRC32C big-endian, version 1.
func TestFraming(t *testing.T) {
	d := mem.New()
	s := blobstore.New(d, blobstore.Options{ChunkSize: 4})
	if _, err := s.Write(t.Context(), "f", bytes.NewReader([]byte("hellohello"))); err != nil {
		t.Fatal(err)
	}
	got, err := d.Get(t.Context(), blobstore.ChunkKey{DataID: "f", Index: 2})
	if err != nil || len(got) != 2+4+1 || string(got[:2]) != "lo" || got[6] != 1 {
		t.Fatalf("chunk 2 = %x, %v; want 2 payload bytes, 4 CRC bytes, version 1", got, err)
	}

	s = blobstore.New(d, blobstore.Options{ChunkSize: 5})
	if _, err := s.Write(t.Context(), "hello", bytes.NewReader([]byte("hello"))); err != nil {
		t.Fatal(err)
	}
	got, err = d.Get(t.Context(), blobstore.ChunkKey{DataID: "hello", Index: 0})
	if want := []byte("hello\x9a\x71\xbb\x4c\x01"); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("chunk of %q = %x, %v; want %x", "hello", got, err, want)
	}
}

func TestEmptyData(t *testing.T) {
	d := mem.New()
	s := blobstore.New(d, blobstore.Options{})
	n, err := s.Write(t.Context(), "empty", bytes.NewReader(nil))
	if n != 0 || err != nil {
		t.Fatalf("Write(empty) = %d, %v; want 0, nil", n, err)
	}
	var ids []string
	d.ListDataIDs(t.Context(), func(id string) error { ids = append(ids, id); return nil })
	if len(ids) != 0 {
		t.Fatalf("Write(empty) stored %q, want nothing", ids)
	}
	r, err := s.Open(t.Context(), "empty", 0, 0, 0, 0)
	if err != nil {
		t.Fatalf("Open(size 0) = %v", err)
	}
	if n, err := r.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Fatalf("Read of empty data = %d, %v; want 0, EOF", n, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestMetrics(t *testing.T) {
	reg := prometheus.NewRegistry()
	d := mem.New()
	s := blobstore.New(d, blobstore.Options{ChunkSize: 100, Registerer: reg})
	// A second Store on the same registry shares the metrics.
	s2 := blobstore.New(d, blobstore.Options{ChunkSize: 100, Registerer: reg})

	if _, err := s.Write(t.Context(), "m", bytes.NewReader(make([]byte, 250))); err != nil {
		t.Fatal(err)
	}
	r, err := s2.Open(t.Context(), "m", 250, 100, 0, 250)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		t.Fatal(err)
	}
	r.Close()
	blob, _ := d.Get(t.Context(), blobstore.ChunkKey{DataID: "m", Index: 1})
	blob[0] ^= 1
	d.Put(t.Context(), blobstore.ChunkKey{DataID: "m", Index: 1}, blob)
	if r, err := s.Open(t.Context(), "m", 250, 100, 150, 10); err == nil {
		r.Close()
		t.Fatal("Open of a corrupt chunk succeeded")
	} else if !errors.Is(err, blobstore.ErrCorrupt) {
		t.Fatalf("Open of a corrupt chunk = %v, want ErrCorrupt", err)
	}
	if err := s.Delete(t.Context(), "m", 250, 100); err != nil {
		t.Fatal(err)
	}

	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			name := f.GetName()
			for _, l := range m.GetLabel() {
				name += "/" + l.GetValue()
			}
			switch f.GetType() {
			case dto.MetricType_COUNTER:
				got[name] = m.GetCounter().GetValue()
			case dto.MetricType_HISTOGRAM:
				got[name] = float64(m.GetHistogram().GetSampleCount())
			}
		}
	}
	want := map[string]float64{
		"dolium_blobstore_chunk_op_duration_seconds/put":    3,
		"dolium_blobstore_chunk_op_duration_seconds/get":    4,
		"dolium_blobstore_chunk_op_duration_seconds/delete": 1,
		"dolium_blobstore_chunk_written_bytes_total":        250,
		"dolium_blobstore_chunk_read_bytes_total":           250,
		"dolium_blobstore_checksum_failures_total":          1,
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %v, want %v", name, got[name], w)
		}
	}
}
