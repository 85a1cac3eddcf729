package blobstore

import (
	"context"
	"errors"
)

// ErrNotFound is returned (possibly wrapped) by drivers for a chunk that does
// not exist. Use IsNotFound to test for it.
var ErrNotFound = errors.New("blobstore: chunk not found")

// ErrCorrupt is returned when a chunk fails its checksum.
var ErrCorrupt = errors.New("blobstore: chunk checksum mismatch")

// ErrUnavailable is returned (wrapped) by drivers whose backend cannot be
// reached now; the request may be retried. The S3 layer answers 503.
var ErrUnavailable = errors.New("blobstore: backend unavailable")

// ErrReplaced is returned (wrapped, together with ErrNotFound) by a driver
// whose backend answers but has lost its container: an S3 zone whose bucket
// is gone (a new provider account, a wiped cloud). The zone is answering, so
// it is not unavailable; what it held is gone, so reads find nothing, and the
// placement layer treats the zone as replaced and rebuilds it.
var ErrReplaced = errors.New("blobstore: zone replaced (its bucket or container is missing)")

// IsNotFound reports whether err means a missing chunk.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// ChunkKey names one chunk: the index-th chunk of data set DataID.
type ChunkKey struct {
	DataID string
	Index  int
}

// Driver stores opaque chunk blobs. Implementations must be safe for
// concurrent use.
//
// Contract:
//   - Put stores b under k durably before it returns (replacing any blob
//     there); b is not retained after Put returns.
//   - Get returns the exact bytes last Put under k, or an error for which
//     IsNotFound is true.
//   - Delete removes chunks 0..count-1 of dataID; missing chunks are not an
//     error. count < 0 means "all chunks, however many".
//   - Drivers never interpret the blob's bytes.
type Driver interface {
	Put(ctx context.Context, k ChunkKey, b []byte) error
	Get(ctx context.Context, k ChunkKey) ([]byte, error)
	Delete(ctx context.Context, dataID string, count int) error
	Close() error
}

// Lister is an optional Driver capability: enumerating the data ids it
// holds, used by tests and the orphan scrubber.
type Lister interface {
	ListDataIDs(ctx context.Context, fn func(dataID string) error) error
}
