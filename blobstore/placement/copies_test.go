package placement_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/placement"
)

// stored returns the raw bytes a zone holds under k.
func stored(t *testing.T, d *faultDriver, k blobstore.ChunkKey) []byte {
	t.Helper()
	b, err := d.Driver.Get(t.Context(), k)
	if err != nil {
		t.Fatalf("raw get %v: %v", k, err)
	}
	return b
}

// plant writes raw bytes straight into a zone, bypassing the placement.
func plant(t *testing.T, d *faultDriver, k blobstore.ChunkKey, b []byte) {
	t.Helper()
	if err := d.Driver.Put(t.Context(), k, b); err != nil {
		t.Fatalf("raw put %v: %v", k, err)
	}
}

// TestCopyFormat pins the replica copy layout: magic, version, reserved,
// data id length, chunk index, data id, blob, CRC32C of all before it.
func TestCopyFormat(t *testing.T) {
	r, drivers, _ := newReplicated(t, 3, 3)
	blob := frame(randBytes(1, 3000))
	k := key("0123abcd.rep3", 7)
	mustPut(t, r, k, blob)
	for i, d := range drivers {
		s := stored(t, d, k)
		if string(s[:4]) != "dlmc" || s[4] != 1 || s[5] != 0 {
			t.Fatalf("zone %d: copy header % x, want magic dlmc, version 1, reserved 0", i, s[:6])
		}
		n := int(binary.BigEndian.Uint16(s[6:8]))
		if n != len(k.DataID) || binary.BigEndian.Uint64(s[8:16]) != 7 || string(s[16:16+n]) != k.DataID {
			t.Fatalf("zone %d: copy names %q/%d (id length %d), want %q/7", i, s[16:16+n], binary.BigEndian.Uint64(s[8:16]), n, k.DataID)
		}
		if !bytes.Equal(s[16+n:len(s)-4], blob) {
			t.Fatalf("zone %d: copy does not hold the blob as given", i)
		}
		if got, want := binary.BigEndian.Uint32(s[len(s)-4:]), crc32.Checksum(s[:len(s)-4], castagnoli); got != want {
			t.Fatalf("zone %d: copy CRC %08x, want %08x", i, got, want)
		}
	}
	mustGet(t, r, k, blob)
}

// TestReplicatedForeignCopy plants valid copies of other chunks (another
// object; another index of the same object) at a chunk's key: reads return
// the right bytes or an error, never the planted bytes; Check reports the
// planted copies Corrupt; Repair puts the right copies back.
func TestReplicatedForeignCopy(t *testing.T) {
	r, drivers, rec := newReplicated(t, 3, 3)
	a0, a1, b0 := frame(randBytes(1, 2000)), frame(randBytes(2, 2000)), frame(randBytes(3, 2000))
	mustPut(t, r, key("a", 0), a0)
	mustPut(t, r, key("a", 1), a1)
	mustPut(t, r, key("b", 0), b0)
	good := stored(t, drivers[2], key("a", 0))

	plant(t, drivers[0], key("a", 0), stored(t, drivers[0], key("b", 0))) // another object
	plant(t, drivers[1], key("a", 0), stored(t, drivers[1], key("a", 1))) // another index
	mustGet(t, r, key("a", 0), a0)
	wantRepairs(t, rec, repairs("a", 0, 0, 1))
	wantHealth(t, r, key("a", 0), []placement.State{placement.Corrupt, placement.Corrupt, placement.OK}, true)
	if err := r.Repair(t.Context(), key("a", 0), []int{0, 1}); err != nil {
		t.Fatalf("Repair(zones 0, 1) = %v", err)
	}
	wantHealth(t, r, key("a", 0), slices.Repeat([]placement.State{placement.OK}, 3), true)
	for i := range 2 {
		if s := stored(t, drivers[i], key("a", 0)); !bytes.Equal(s, good) {
			t.Fatalf("zone %d after repair holds %d bytes, not the copy of a/0", i, len(s))
		}
	}

	// Every zone holds another chunk's copy: an error, not wrong bytes;
	// nothing to repair from.
	for i, d := range drivers {
		plant(t, d, key("a", 0), stored(t, d, key([]string{"b", "a", "b"}[i], i%2)))
	}
	if got, err := r.Get(t.Context(), key("a", 0)); !errors.Is(err, blobstore.ErrCorrupt) {
		t.Fatalf("Get with a foreign copy in every zone = %d bytes, %v; want an error wrapping ErrCorrupt", len(got), err)
	}
	wantHealth(t, r, key("a", 0), slices.Repeat([]placement.State{placement.Corrupt}, 3), false)
	if err := r.Repair(t.Context(), key("a", 0), []int{0}); !blobstore.IsNotFound(err) {
		t.Fatalf("Repair with only foreign copies = %v, want an error wrapping ErrNotFound", err)
	}
	rec.take()

	// A copy of a/0 planted under b/0 and a/1 is refused there too.
	plant(t, drivers[0], key("b", 0), good)
	plant(t, drivers[0], key("a", 1), good)
	mustGet(t, r, key("b", 0), b0)
	mustGet(t, r, key("a", 1), a1)
	wantRepairs(t, rec, append(repairs("a", 1, 0), repairs("b", 0, 0)...))
}

// TestReplicatedOldCopies: copies in the old bare format (the blob alone)
// still read; Check lists them Outdated (and NeedsRepair includes them);
// Repair rewrites them in the current format; a damaged old copy is
// Corrupt; RefuseOldCopies refuses them.
func TestReplicatedOldCopies(t *testing.T) {
	r, drivers, rec := newReplicated(t, 3, 2)
	blob := frame(randBytes(4, 5000))
	// A blob that starts like a current copy is still an old copy.
	tricky := frame(append([]byte("dlmc\x01\x00\x00\x01"), randBytes(5, 100)...))
	for _, d := range drivers {
		plant(t, d, key("old", 0), blob)
		plant(t, d, key("old", 1), tricky)
	}
	mustGet(t, r, key("old", 0), blob)
	mustGet(t, r, key("old", 1), tricky)
	wantRepairs(t, rec, nil)
	h, err := r.Check(t.Context(), key("old", 0))
	if err != nil || !slices.Equal(h.Zones, slices.Repeat([]placement.State{placement.OK}, 3)) || !h.Recoverable ||
		!slices.Equal(h.Outdated, []int{0, 1, 2}) || !slices.Equal(h.NeedsRepair(), []int{0, 1, 2}) {
		t.Fatalf("Check(old copies) = %+v (needs repair %v), %v; want all OK, outdated [0 1 2]", h, h.NeedsRepair(), err)
	}

	if err := r.Repair(t.Context(), key("old", 0), []int{0}); err != nil {
		t.Fatalf("Repair(zone 0) = %v", err)
	}
	if s := stored(t, drivers[0], key("old", 0)); string(s[:4]) != "dlmc" || bytes.Equal(s, blob) {
		t.Fatal("Repair did not rewrite zone 0's old copy in the current format")
	}
	h, _ = r.Check(t.Context(), key("old", 0))
	if !slices.Equal(h.Outdated, []int{1, 2}) || !slices.Equal(h.NeedsRepair(), []int{1, 2}) {
		t.Fatalf("Check after upgrading zone 0 = %+v, want outdated [1 2]", h)
	}
	if err := r.Repair(t.Context(), key("old", 0), h.NeedsRepair()); err != nil {
		t.Fatalf("Repair(%v) = %v", h.NeedsRepair(), err)
	}
	h, _ = r.Check(t.Context(), key("old", 0))
	if h.Outdated != nil || h.NeedsRepair() != nil {
		t.Fatalf("Check after upgrading every zone = %+v, want nothing outdated", h)
	}
	mustGet(t, r, key("old", 0), blob)

	// A damaged old copy is corrupt.
	bad := slices.Clone(blob)
	bad[10] ^= 1
	plant(t, drivers[1], key("old", 1), bad)
	wantHealth(t, r, key("old", 1), []placement.State{placement.OK, placement.Corrupt, placement.OK}, true)

	r.RefuseOldCopies = true
	wantHealth(t, r, key("old", 1), slices.Repeat([]placement.State{placement.Corrupt}, 3), false)
	mustGet(t, r, key("old", 0), blob) // rewritten: current copies read
}

// FuzzReplicaCopy feeds arbitrary bytes as a stored copy: a read never
// panics, and what it returns as chunk k's blob is exactly what a Put of
// that blob under k stores.
func FuzzReplicaCopy(f *testing.F) {
	zones, drivers := faultZones(1)
	r, err := placement.NewReplicated("rep", zones, 1, &recorder{})
	if err != nil {
		f.Fatal(err)
	}
	r.HedgeDelay = 1 << 40
	k := key("id.rep", 3)
	seed := func(b []byte) {
		if err := drivers[0].Driver.Put(f.Context(), k, b); err != nil {
			f.Fatal(err)
		}
		s, _ := drivers[0].Driver.Get(f.Context(), k)
		f.Add(s)
	}
	for _, b := range [][]byte{nil, {}, frame(nil), frame([]byte("hello"))} {
		if err := r.Put(f.Context(), k, b); err != nil {
			f.Fatal(err)
		}
		s, _ := drivers[0].Driver.Get(f.Context(), k)
		f.Add(s)
	}
	seed(frame([]byte("an old copy")))
	seed([]byte("dlmc\x01\x00\xff\xff"))
	seed([]byte("dlmc\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := drivers[0].Driver.Put(t.Context(), k, b); err != nil {
			t.Fatal(err)
		}
		got, err := r.Get(t.Context(), k)
		if err != nil {
			return
		}
		if blobstore.CheckFrame(b) == nil && bytes.Equal(got, b) {
			return // an old copy
		}
		if err := r.Put(t.Context(), k, got); err != nil {
			t.Fatal(err)
		}
		if again, _ := drivers[0].Driver.Get(t.Context(), k); !bytes.Equal(again, b) {
			t.Fatalf("read %d bytes from a %d-byte copy that a Put of them does not store", len(got), len(b))
		}
	})
}
