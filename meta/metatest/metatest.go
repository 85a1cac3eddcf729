// Package metatest is the contract suite of meta.Store. A backend's test
// file opens an empty store and calls Run; the suite needs nothing else.
//
// The suite pins the behaviour meta.go states, plus these readings of it:
//
//   - Cond.IfVersion on a key with no object fails with
//     meta.ErrPreconditionFailed (PutObject and DeleteObject alike), except
//     that DeleteObject of a missing key is meta.ErrNotFound whatever the
//     condition.
//   - Upload ids are one namespace: CreateUpload with an id that exists
//     under another key is meta.ErrConflict (parts are keyed by id alone).
//   - UploadListOptions markers compare as a pair: an upload is listed if
//     (Key, UploadID) > (KeyMarker, UploadIDMarker).
//   - Times come back Equal to what was written at millisecond precision
//     (the precision of a Cassandra timestamp); their Location may differ.
//   - nil and empty maps and slices are the same value.
package metatest

import (
	"testing"

	"github.com/dolium/dolium/meta"
)

// Run runs the contract suite. newStore must return a new, empty, open
// store for each call, and arrange (with t.Cleanup) to close it.
func Run(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("Ping", func(t *testing.T) {
		s := newStore(t)
		if err := s.Ping(t.Context()); err != nil {
			t.Fatalf("Ping() = %v, want nil", err)
		}
	})
	t.Run("Buckets", func(t *testing.T) { testBuckets(t, newStore) })
	t.Run("Objects", func(t *testing.T) { testObjects(t, newStore) })
	t.Run("ListObjects", func(t *testing.T) { testListObjects(t, newStore) })
	t.Run("Uploads", func(t *testing.T) { testUploads(t, newStore) })
	t.Run("Parts", func(t *testing.T) { testParts(t, newStore) })
	t.Run("Queue", func(t *testing.T) { testQueue(t, newStore) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newStore) })
}
