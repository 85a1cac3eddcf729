package blobstore_test

import (
	"strings"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
)

// TestPlacements: a data id names the policy it was written under, and
// ForData finds that policy from the id alone; the primary store's ids are
// bare.
func TestPlacements(t *testing.T) {
	primary := blobstore.New(mem.New(), blobstore.Options{})
	ec := &blobstore.Placement{Name: "ec21", Scheme: blobstore.Erasure, Zones: []string{"a", "b", "c"}, K: 2, M: 1, WriteQuorum: 3,
		Store: blobstore.New(mem.New(), blobstore.Options{})}
	rep := &blobstore.Placement{Name: "rep2", Scheme: blobstore.Replicate, Zones: []string{"a", "b"}, K: 1, M: 1, WriteQuorum: 1,
		Store: blobstore.New(mem.New(), blobstore.Options{})}
	set, err := blobstore.NewPlacements(primary, rep, ec)
	if err != nil {
		t.Fatal(err)
	}
	if p := set.Primary(); p.Name != "" || p.Scheme != blobstore.Primary || p.Store != primary || p.K != 1 {
		t.Errorf("Primary() = %+v, want the primary store, scheme primary", p)
	}
	if got := strings.Join(set.Names(), ","); got != "ec21,rep2" {
		t.Errorf("Names() = %s, want ec21,rep2 (sorted)", got)
	}
	if all := set.All(); len(all) != 3 || all[0] != set.Primary() || all[1] != ec || all[2] != rep {
		t.Errorf("All() = %v, want primary, ec21, rep2", all)
	}
	for _, p := range set.All() {
		id := p.DataID("0123abcd")
		if want := map[string]string{"": "0123abcd", "ec21": "0123abcd.ec21", "rep2": "0123abcd.rep2"}[p.Name]; id != want {
			t.Errorf("DataID under %q = %s, want %s", p.Name, id, want)
		}
		if got, err := set.ForData(id); err != nil || got != p {
			t.Errorf("ForData(%s) = %v, %v; want placement %q", id, got, err, p.Name)
		}
		if got, err := set.ByName(p.Name); err != nil || got != p {
			t.Errorf("ByName(%q) = %v, %v", p.Name, got, err)
		}
	}
	if _, err := set.ForData("0123abcd.gone"); err == nil || !strings.Contains(err.Error(), `"gone" is not configured`) {
		t.Errorf("ForData of a data id of an unconfigured placement = %v, want not configured", err)
	}
	if _, err := set.ByName("gone"); err == nil {
		t.Error("ByName(gone) found a placement")
	}
	for name, named := range map[string][]*blobstore.Placement{
		"duplicate": {ec, ec},
		"empty":     {{Scheme: blobstore.Erasure, Store: primary}},
		"dotted":    {{Name: "a.b", Scheme: blobstore.Erasure, Store: primary}},
		"primary":   {{Name: "p", Scheme: blobstore.Primary, Store: primary}},
		"no store":  {{Name: "p", Scheme: blobstore.Replicate}},
	} {
		if _, err := blobstore.NewPlacements(primary, named...); err == nil {
			t.Errorf("NewPlacements with a %s placement succeeded", name)
		}
	}
}
