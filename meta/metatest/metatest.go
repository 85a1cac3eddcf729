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
	t.Run("Versions", func(t *testing.T) { testVersions(t, newStore) })
	t.Run("ListObjects", func(t *testing.T) { testListObjects(t, newStore) })
	t.Run("Uploads", func(t *testing.T) { testUploads(t, newStore) })
	t.Run("Parts", func(t *testing.T) { testParts(t, newStore) })
	t.Run("Completions", func(t *testing.T) { testCompletions(t, newStore) })
	t.Run("Queue", func(t *testing.T) { testQueue(t, newStore) })
	t.Run("RepairQueue", func(t *testing.T) { testRepairQueue(t, newStore) })
	t.Run("Rebuilds", func(t *testing.T) { testRebuilds(t, newStore) })
	t.Run("Identities", func(t *testing.T) { testIdentities(t, newStore) })
	t.Run("Concurrency", func(t *testing.T) { testConcurrency(t, newStore) })
}
