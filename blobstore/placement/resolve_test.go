package placement_test

import (
	"slices"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/placement"
)

// TestResolve: the typed policy of a store over a placement driver is the
// driver's own: name, scheme, zones, k, m and write quorum (the erasure
// default k+1 included).
func TestResolve(t *testing.T) {
	rec := &recorder{}
	r, err := placement.NewReplicated("rep", memZones(3), 2, rec)
	if err != nil {
		t.Fatal(err)
	}
	e, err := placement.NewErasure("ec", memZones(6), 4, 2, 0, rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		d       placement.Driver
		scheme  blobstore.Scheme
		k, m, w int
	}{
		{r, blobstore.Replicate, 1, 2, 2},
		{e, blobstore.Erasure, 4, 2, 5},
	} {
		s := blobstore.New(tc.d, blobstore.Options{})
		p, err := placement.Resolve(s)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != tc.d.Name() || p.Scheme != tc.scheme || !slices.Equal(p.Zones, tc.d.Zones()) ||
			p.K != tc.k || p.M != tc.m || p.WriteQuorum != tc.w || p.Store != s {
			t.Errorf("Resolve(%s) = %+v, want %s, k=%d m=%d W=%d, zones %v", tc.d.Name(), p, tc.scheme, tc.k, tc.m, tc.w, tc.d.Zones())
		}
	}
	if _, err := placement.Resolve(blobstore.New(mem.New(), blobstore.Options{})); err == nil {
		t.Error("Resolve of a store over a plain driver succeeded")
	}
}
