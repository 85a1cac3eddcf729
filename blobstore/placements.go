package blobstore

import (
	"fmt"
	"slices"
	"strings"
)

// Scheme is how a placement policy keeps its chunks.
type Scheme string

const (
	// Primary is the one chunk store of a gateway (local files, or the
	// Cassandra cluster's chunk table): placement "".
	Primary Scheme = "primary"
	// Replicate keeps a full copy of every chunk in each zone.
	Replicate Scheme = "replicate"
	// Erasure keeps every chunk as K data and M parity shards, one per zone.
	Erasure Scheme = "erasure"
)

// Placement is a placement policy resolved once, at start-up: what its
// chunks are promised and the Store that keeps them. It is never changed
// after it is built; the core and the background workers carry it as it
// is, instead of a name to look up again.
type Placement struct {
	// Name names the policy in bucket rows and data ids ("" for Primary).
	Name   string
	Scheme Scheme
	// Zones names the policy's zones in order (none for Primary).
	Zones []string
	// K is how many good copies or shards of a chunk are needed to read or
	// rebuild it, M how many of its zones may lose theirs: K data and M
	// parity shards for Erasure; 1 and len(Zones)-1 for Replicate (any one
	// copy serves); 1 and 0 for Primary.
	K, M int
	// WriteQuorum is how many copies or shards are durable before a write
	// succeeds (K..K+M).
	WriteQuorum int
	// Store keeps the policy's chunks.
	Store *Store
}

// DataID returns the data id of a new data set id written under p. A data
// id names its placement: "<id>" for the primary store, "<id>.<placement>"
// for a named placement, so that every component that meets a data id
// (reads, the collector, repairs, the scrubber) finds its policy from the
// id alone (Placements.ForData), and no metadata row needs a placement
// column.
func (p *Placement) DataID(id string) string {
	if p.Name == "" {
		return id
	}
	return id + "." + p.Name
}

// Placements is the set of placement policies a gateway serves: the
// primary store and the named policies. It is built once and not changed.
type Placements struct {
	primary *Placement
	named   map[string]*Placement
	names   []string // sorted
}

// NewPlacements returns the set of the primary store and the named
// policies (names unique and not empty, none of scheme Primary).
func NewPlacements(primary *Store, named ...*Placement) (*Placements, error) {
	s := &Placements{
		primary: &Placement{Scheme: Primary, K: 1, WriteQuorum: 1, Store: primary},
		named:   map[string]*Placement{},
	}
	for _, p := range named {
		if _, dup := s.named[p.Name]; dup || p.Name == "" || strings.Contains(p.Name, ".") {
			return nil, fmt.Errorf("placement name %q empty, with a '.', or given twice", p.Name)
		}
		if p.Scheme == Primary || p.Store == nil {
			return nil, fmt.Errorf("placement %q: a named placement needs a scheme over zones and a store", p.Name)
		}
		s.named[p.Name] = p
		s.names = append(s.names, p.Name)
	}
	slices.Sort(s.names)
	return s, nil
}

// Primary returns the primary store's placement.
func (s *Placements) Primary() *Placement { return s.primary }

// ByName returns the policy a bucket row names ("" is the primary store).
func (s *Placements) ByName(name string) (*Placement, error) {
	if name == "" {
		return s.primary, nil
	}
	p, ok := s.named[name]
	if !ok {
		return nil, fmt.Errorf("placement %q is not configured", name)
	}
	return p, nil
}

// ForData returns the policy a data id was written under (see
// Placement.DataID). It is the one place a data id's placement is read.
func (s *Placements) ForData(dataID string) (*Placement, error) {
	_, name, _ := strings.Cut(dataID, ".")
	return s.ByName(name)
}

// Names lists the named policies, sorted.
func (s *Placements) Names() []string { return slices.Clone(s.names) }

// Named returns the named policies, by name.
func (s *Placements) Named() []*Placement {
	out := make([]*Placement, 0, len(s.names))
	for _, n := range s.names {
		out = append(out, s.named[n])
	}
	return out
}

// All returns every policy: the primary store first, then the named ones
// by name.
func (s *Placements) All() []*Placement {
	return append([]*Placement{s.primary}, s.Named()...)
}
