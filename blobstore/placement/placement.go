package placement

import (
	"context"
	"fmt"
	"slices"

	"github.com/dolium/dolium/blobstore"
)

// Zone is one independent place chunks can be kept.
type Zone struct {
	Name   string
	Driver blobstore.Driver
}

// Repair is something a zone lacks: the copy or shard of chunk Index of
// DataID (Delete false), or a delete of chunks 0..Index-1 it missed
// (Delete true; Index -1 when the count is unknown).
type Repair struct {
	DataID string
	Index  int
	Zone   int // position in the placement's zone list
	Delete bool
}

// Recorder durably records repairs. Record must not fail silently: a
// placement driver whose Record fails reports the error to its caller.
type Recorder interface {
	Record(ctx context.Context, r Repair) error
}

// State is a chunk's state in one zone.
type State int

const (
	OK          State = iota // present and its checksum passes
	Missing                  // the zone answered: not there
	Corrupt                  // there, but its checksum fails
	Unreachable              // the zone did not answer
)

func (s State) String() string {
	return [...]string{"ok", "missing", "corrupt", "unreachable"}[s]
}

// Health is a chunk's state in each zone of its placement.
type Health struct {
	Zones []State
	// Recoverable: enough good copies or shards remain to rebuild the chunk.
	Recoverable bool
	// Outdated lists the zones whose copy is good (OK) but in an older
	// stored format; repairing those zones rewrites it in the current one.
	Outdated []int
}

// NeedsRepair lists the zones a scrubber should queue for repair: those
// whose copy or shard is missing or corrupt, and the Outdated ones.
func (h Health) NeedsRepair() []int {
	var zones []int
	for i, s := range h.Zones {
		if s == Missing || s == Corrupt || slices.Contains(h.Outdated, i) {
			zones = append(zones, i)
		}
	}
	return zones
}

// Driver is what both schemes offer beyond blobstore.Driver.
type Driver interface {
	blobstore.Driver
	// Name is the placement policy's name.
	Name() string
	// Zones names the zones in order.
	Zones() []string
	// Check reads the chunk's copy or shard in every zone and reports
	// their states; it records nothing.
	Check(ctx context.Context, k blobstore.ChunkKey) (Health, error)
	// Repair rebuilds the chunk from the good copies or shards and writes it
	// to the given zones. It fails (wrapping blobstore.ErrNotFound) if too
	// few good copies or shards remain; when that may be because some zone
	// did not answer, the error wraps blobstore.ErrUnavailable instead (try
	// again later).
	Repair(ctx context.Context, k blobstore.ChunkKey, zones []int) error
	// DeleteZone deletes chunks 0..count-1 of dataID in one zone.
	DeleteZone(ctx context.Context, dataID string, count int, zone int) error
}

// Resolve returns the placement policy that s's driver, a Replicated or an
// Erasure, implements: its name, scheme, zones, k, m and write quorum, and
// s itself. Resolve it once, when the policy is built; the gateway and its
// workers then carry the value instead of asking the driver again.
func Resolve(s *blobstore.Store) (*blobstore.Placement, error) {
	p := &blobstore.Placement{Store: s}
	switch d := s.Driver().(type) {
	case *Replicated:
		p.Name, p.Scheme, p.Zones = d.Name(), blobstore.Replicate, d.Zones()
		p.K, p.M, p.WriteQuorum = 1, len(p.Zones)-1, d.w
	case *Erasure:
		p.Name, p.Scheme, p.Zones = d.Name(), blobstore.Erasure, d.Zones()
		p.K, p.M, p.WriteQuorum = d.k, d.m, d.w
	default:
		return nil, fmt.Errorf("placement: a %T is not a placement driver", s.Driver())
	}
	return p, nil
}
