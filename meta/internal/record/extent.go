package record

import "github.com/dolium/dolium/meta"

// Extent is the stored form of a meta.Extent, shared by both backends (an
// object's extents and a part's extent are stored inside their records).
type Extent struct {
	DataID     string
	Size       int64
	ChunkSize  int64
	PartNumber int
	ETag       string
	Checksums  map[string]string
}

// FromExtent returns the stored form of e.
func FromExtent(e meta.Extent) Extent {
	return Extent{DataID: e.DataID, Size: e.Size, ChunkSize: e.ChunkSize, PartNumber: e.PartNumber, ETag: e.ETag, Checksums: e.Checksums}
}

// Meta returns the meta.Extent r stores.
func (r Extent) Meta() meta.Extent {
	return meta.Extent{DataID: r.DataID, Size: r.Size, ChunkSize: r.ChunkSize, PartNumber: r.PartNumber, ETag: r.ETag, Checksums: r.Checksums}
}
