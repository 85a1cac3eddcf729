package placement_test

import (
	"cmp"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/placement"
	"github.com/dolium/dolium/blobstore/storetest"
)

// recorder keeps the repairs recorded, or fails with err when set.
type recorder struct {
	mu      sync.Mutex
	repairs []placement.Repair
	err     error
}

func (r *recorder) Record(_ context.Context, rep placement.Repair) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return r.err
	}
	r.repairs = append(r.repairs, rep)
	return nil
}

func (r *recorder) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.err = err
}

// take returns the repairs recorded so far, sorted, and forgets them.
func (r *recorder) take() []placement.Repair {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.repairs
	r.repairs = nil
	slices.SortFunc(got, func(a, b placement.Repair) int {
		return cmp.Or(cmp.Compare(a.DataID, b.DataID), cmp.Compare(a.Index, b.Index), cmp.Compare(a.Zone, b.Zone))
	})
	return got
}

// mode is a faultDriver's behaviour.
type mode int32

const (
	up          mode = iota
	down             // every call fails with an error wrapping blobstore.ErrUnavailable
	slow             // every call first sleeps for 5s (or until ctx ends)
	corruptRead      // Get flips a bit of the blob
	dropWrites       // Put pretends to succeed and stores nothing
)

// modeFaults are the faults of each mode.
var modeFaults = [...]storetest.Faults{
	up:          {},
	down:        {Down: true},
	slow:        {Delay: 5 * time.Second},
	corruptRead: {Corrupt: 0x40},
	dropWrites:  {DropWrites: true},
}

// faultDriver is a zone whose faults a test switches on and off.
type faultDriver struct{ *storetest.FaultDriver }

func newFaultDriver() *faultDriver { return &faultDriver{storetest.NewFaultDriver(mem.New())} }

func (f *faultDriver) set(m mode) { f.Set(modeFaults[m]) }

func faultZones(n int) ([]placement.Zone, []*faultDriver) {
	zones := make([]placement.Zone, n)
	drivers := make([]*faultDriver, n)
	for i := range zones {
		drivers[i] = newFaultDriver()
		zones[i] = placement.Zone{Name: fmt.Sprintf("zone-%d", i), Driver: drivers[i]}
	}
	return zones, drivers
}

func memZones(n int) []placement.Zone {
	zones := make([]placement.Zone, n)
	for i := range zones {
		zones[i] = placement.Zone{Name: fmt.Sprintf("zone-%d", i), Driver: mem.New()}
	}
	return zones
}

// frame makes a chunk blob as blobstore.Store does: payload, CRC32C,
// version 1.
func frame(payload []byte) []byte {
	b := slices.Clone(payload)
	b = binary.BigEndian.AppendUint32(b, crc32.Checksum(payload, crc32.MakeTable(crc32.Castagnoli)))
	return append(b, 1)
}

func newReplicated(t *testing.T, n, w int) (*placement.Replicated, []*faultDriver, *recorder) {
	t.Helper()
	zones, drivers := faultZones(n)
	rec := &recorder{}
	r, err := placement.NewReplicated("rep", zones, w, rec)
	if err != nil {
		t.Fatalf("NewReplicated(%d zones, W=%d) = %v", n, w, err)
	}
	r.HedgeDelay = 20 * time.Millisecond
	t.Cleanup(func() { r.Close() })
	return r, drivers, rec
}

func newErasure(t *testing.T, k, m, w int) (*placement.Erasure, []*faultDriver, *recorder) {
	t.Helper()
	zones, drivers := faultZones(k + m)
	rec := &recorder{}
	e, err := placement.NewErasure("ec", zones, k, m, w, rec)
	if err != nil {
		t.Fatalf("NewErasure(%d+%d, W=%d) = %v", k, m, w, err)
	}
	e.HedgeDelay = 20 * time.Millisecond
	t.Cleanup(func() { e.Close() })
	return e, drivers, rec
}

func setModes(drivers []*faultDriver, m mode, zones ...int) {
	for _, i := range zones {
		drivers[i].set(m)
	}
}

func key(id string, i int) blobstore.ChunkKey { return blobstore.ChunkKey{DataID: id, Index: i} }

func repairs(id string, index int, zones ...int) []placement.Repair {
	var out []placement.Repair
	for _, z := range zones {
		out = append(out, placement.Repair{DataID: id, Index: index, Zone: z})
	}
	return out
}

func mustPut(t *testing.T, d blobstore.Driver, k blobstore.ChunkKey, b []byte) {
	t.Helper()
	if err := d.Put(t.Context(), k, b); err != nil {
		t.Fatalf("Put(%v) = %v", k, err)
	}
}

func mustGet(t *testing.T, d blobstore.Driver, k blobstore.ChunkKey, want []byte) {
	t.Helper()
	got, err := d.Get(t.Context(), k)
	if err != nil || !slices.Equal(got, want) {
		t.Fatalf("Get(%v) = %d bytes, %v; want %d bytes", k, len(got), err, len(want))
	}
}

func wantRepairs(t *testing.T, rec *recorder, want []placement.Repair) {
	t.Helper()
	if got := rec.take(); !slices.Equal(got, want) {
		t.Fatalf("recorded %v, want %v", got, want)
	}
}

func wantHealth(t *testing.T, d placement.Driver, k blobstore.ChunkKey, want []placement.State, recoverable bool) {
	t.Helper()
	h, err := d.Check(t.Context(), k)
	if err != nil {
		t.Fatalf("Check(%v) = %v", k, err)
	}
	if !slices.Equal(h.Zones, want) || h.Recoverable != recoverable {
		t.Fatalf("Check(%v) = %v recoverable %v, want %v recoverable %v", k, h.Zones, h.Recoverable, want, recoverable)
	}
}

// errKind names the blobstore error kind err wraps.
func errKind(err error) string {
	switch {
	case err == nil:
		return "nil"
	case errors.Is(err, blobstore.ErrUnavailable):
		return "unavailable"
	case errors.Is(err, blobstore.ErrCorrupt):
		return "corrupt"
	case blobstore.IsNotFound(err):
		return "notfound"
	}
	return "other: " + err.Error()
}

func TestReplicatedDriver(t *testing.T) {
	storetest.Run(t, func(t *testing.T) blobstore.Driver {
		r, err := placement.NewReplicated("rep", memZones(3), 2, &recorder{})
		if err != nil {
			t.Fatal(err)
		}
		// The suite stores raw blobs, not blobstore.Store frames.
		r.Verify = func([]byte) error { return nil }
		return r
	})
}

func TestReplicatedStore(t *testing.T) {
	storetest.RunStore(t, func(t *testing.T) blobstore.Driver {
		r, err := placement.NewReplicated("rep", memZones(3), 2, &recorder{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	})
}

// erasureOverMem makes the suites' drivers: k+m erasure over fresh mem
// zones.
func erasureOverMem(k, m int) func(t *testing.T) blobstore.Driver {
	return func(t *testing.T) blobstore.Driver {
		e, err := placement.NewErasure("ec", memZones(k+m), k, m, 0, &recorder{})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

func TestErasureDriver(t *testing.T) {
	for _, km := range [][2]int{{4, 2}, {2, 1}} {
		t.Run(fmt.Sprintf("%d+%d", km[0], km[1]), func(t *testing.T) { storetest.Run(t, erasureOverMem(km[0], km[1])) })
	}
}

func TestErasureStore(t *testing.T) {
	for _, km := range [][2]int{{4, 2}, {2, 1}} {
		t.Run(fmt.Sprintf("%d+%d", km[0], km[1]), func(t *testing.T) { storetest.RunStore(t, erasureOverMem(km[0], km[1])) })
	}
}

func TestNewValidation(t *testing.T) {
	rec := &recorder{}
	for _, w := range []int{-1, 0, 4} {
		if _, err := placement.NewReplicated("rep", memZones(3), w, rec); err == nil {
			t.Errorf("NewReplicated(3 zones, W=%d) = nil error, want one", w)
		}
	}
	if _, err := placement.NewReplicated("rep", nil, 1, rec); err == nil {
		t.Error("NewReplicated(no zones) = nil error, want one")
	}
	if _, err := placement.NewReplicated("rep", memZones(3), 2, nil); err == nil {
		t.Error("NewReplicated(nil Recorder) = nil error, want one")
	}
	if _, err := placement.NewReplicated("rep", []placement.Zone{{Name: "x"}}, 1, rec); err == nil {
		t.Error("NewReplicated(zone without driver) = nil error, want one")
	}
	for _, tc := range []struct{ zones, k, m, w int }{
		{5, 4, 2, 0}, {6, 4, 2, 3}, {6, 4, 2, 7}, {6, 6, 0, 0}, {6, 0, 6, 0},
	} {
		if _, err := placement.NewErasure("ec", memZones(tc.zones), tc.k, tc.m, tc.w, rec); err == nil {
			t.Errorf("NewErasure(%d zones, %d+%d, W=%d) = nil error, want one", tc.zones, tc.k, tc.m, tc.w)
		}
	}
	e, err := placement.NewErasure("ec", memZones(2), 1, 1, 0, rec)
	if err != nil {
		t.Fatalf("NewErasure(1+1, default W) = %v", err)
	}
	if got, want := e.Zones(), []string{"zone-0", "zone-1"}; !slices.Equal(got, want) || e.Name() != "ec" {
		t.Errorf("Name(), Zones() = %q, %q; want %q, %q", e.Name(), got, "ec", want)
	}
}

// TestReplicatedZoneDown: a zone down during writes is recorded once per
// chunk; reads work; once the zone is back, Repair fills it in.
func TestReplicatedZoneDown(t *testing.T) {
	r, drivers, rec := newReplicated(t, 3, 2)
	drivers[1].set(down)
	var want []placement.Repair
	for i := range 3 {
		mustPut(t, r, key("obj", i), frame(randBytes(uint64(i), 1000)))
		want = append(want, repairs("obj", i, 1)...)
	}
	wantRepairs(t, rec, want)
	for i := range 3 {
		mustGet(t, r, key("obj", i), frame(randBytes(uint64(i), 1000)))
	}
	wantHealth(t, r, key("obj", 0), []placement.State{placement.OK, placement.Unreachable, placement.OK}, true)

	drivers[1].set(up)
	for i := range 3 {
		wantHealth(t, r, key("obj", i), []placement.State{placement.OK, placement.Missing, placement.OK}, true)
		if err := r.Repair(t.Context(), key("obj", i), []int{1}); err != nil {
			t.Fatalf("Repair(%d, zone 1) = %v", i, err)
		}
		wantHealth(t, r, key("obj", i), []placement.State{placement.OK, placement.OK, placement.OK}, true)
	}
	// Zone 1 alone serves the chunk now.
	setModes(drivers, down, 0, 2)
	mustGet(t, r, key("obj", 2), frame(randBytes(2, 1000)))
	wantRepairs(t, rec, nil)

	// Repair with no good copy anywhere.
	setModes(drivers, up, 0, 2)
	if err := r.Repair(t.Context(), key("never", 0), []int{0}); !blobstore.IsNotFound(err) {
		t.Fatalf("Repair(never written) = %v, want an error wrapping ErrNotFound", err)
	}
	setModes(drivers, corruptRead, 0, 1, 2)
	if err := r.Repair(t.Context(), key("obj", 0), []int{0}); !blobstore.IsNotFound(err) {
		t.Fatalf("Repair(all copies corrupt) = %v, want an error wrapping ErrNotFound", err)
	}
	setModes(drivers, down, 0, 1, 2)
	if err := r.Repair(t.Context(), key("obj", 0), []int{0}); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("Repair(all zones down) = %v, want an error wrapping ErrUnavailable", err)
	}
	if err := r.Repair(t.Context(), key("obj", 0), []int{3}); err == nil {
		t.Fatal("Repair(zone 3 of 3) = nil error, want one")
	}
}

func TestReplicatedPutQuorum(t *testing.T) {
	tests := []struct {
		name  string
		w     int
		modes []mode
		want  string // error kind
		fixes []int  // zones recorded for repair
	}{
		{"AllUp", 2, []mode{up, up, up}, "nil", nil},
		{"OneDown", 2, []mode{up, down, up}, "nil", []int{1}},
		{"TwoDown", 2, []mode{down, up, down}, "unavailable", nil},
		{"TwoDownW1", 1, []mode{down, up, down}, "nil", []int{0, 2}},
		{"OneDownW3", 3, []mode{up, up, down}, "unavailable", nil},
		{"AllDown", 1, []mode{down, down, down}, "unavailable", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, drivers, rec := newReplicated(t, 3, tc.w)
			for i, m := range tc.modes {
				drivers[i].set(m)
			}
			err := r.Put(t.Context(), key("obj", 0), frame([]byte("hello")))
			if got := errKind(err); got != tc.want {
				t.Fatalf("Put() = %v, want %s", err, tc.want)
			}
			wantRepairs(t, rec, repairs("obj", 0, tc.fixes...))
		})
	}
}

func TestReplicatedGet(t *testing.T) {
	data := frame(randBytes(7, 3000))
	tests := []struct {
		name   string
		write  []mode // modes while writing; nil for no write
		read   []mode
		want   string // error kind
		repair []int  // zones recorded by the read
	}{
		{"AllUp", []mode{up, up, up}, []mode{up, up, up}, "nil", nil},
		{"FirstDown", []mode{up, up, up}, []mode{down, up, up}, "nil", nil},
		{"TwoDown", []mode{up, up, up}, []mode{down, down, up}, "nil", nil},
		{"FirstCorrupt", []mode{up, up, up}, []mode{corruptRead, up, up}, "nil", []int{0}},
		{"FirstMissing", []mode{dropWrites, up, up}, []mode{up, up, up}, "nil", []int{0}},
		{"MissingCorruptDown", []mode{dropWrites, up, up}, []mode{up, corruptRead, down}, "unavailable", nil},
		{"MissingCorrupt", []mode{dropWrites, up, up}, []mode{up, corruptRead, corruptRead}, "corrupt", nil},
		{"TwoMissingThenGood", []mode{dropWrites, dropWrites, up}, []mode{up, up, up}, "nil", []int{0, 1}},
		{"AllCorrupt", []mode{up, up, up}, []mode{corruptRead, corruptRead, corruptRead}, "corrupt", nil},
		{"AllDown", []mode{up, up, up}, []mode{down, down, down}, "unavailable", nil},
		{"MissingAndDown", []mode{dropWrites, dropWrites, up}, []mode{up, up, down}, "unavailable", nil},
		{"NeverWritten", nil, []mode{up, up, up}, "notfound", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, drivers, rec := newReplicated(t, 3, 1)
			if tc.write != nil {
				for i, m := range tc.write {
					drivers[i].set(m)
				}
				mustPut(t, r, key("obj", 0), data)
				rec.take()
			}
			for i, m := range tc.read {
				drivers[i].set(m)
			}
			got, err := r.Get(t.Context(), key("obj", 0))
			if kind := errKind(err); kind != tc.want {
				t.Fatalf("Get() = %v, want %s", err, tc.want)
			}
			if err == nil && !slices.Equal(got, data) {
				t.Fatalf("Get() = %d bytes, want %d", len(got), len(data))
			}
			wantRepairs(t, rec, repairs("obj", 0, tc.repair...))
		})
	}
}

// TestHedge: a slow zone does not hold a Get back beyond the hedge delay,
// nor a Put beyond the zone timeout.
func TestHedge(t *testing.T) {
	r, rdrivers, rrec := newReplicated(t, 3, 2)
	e, edrivers, erec := newErasure(t, 4, 2, 0)
	data := frame(randBytes(1, 10000))
	mustPut(t, r, key("obj", 0), data)
	mustPut(t, e, key("obj", 0), data)
	rdrivers[0].set(slow)
	edrivers[0].set(slow)
	edrivers[2].set(slow)
	for name, d := range map[string]blobstore.Driver{"replicated": r, "erasure": e} {
		start := time.Now()
		mustGet(t, d, key("obj", 0), data)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: Get with slow zones took %v", name, took)
		}
	}
	wantRepairs(t, rrec, nil)
	wantRepairs(t, erec, nil)

	// Options are set before a driver's first use (the hedged reads above
	// may still be running on r): a fresh driver for the Put.
	r2, r2drivers, r2rec := newReplicated(t, 3, 2)
	r2.ZoneTimeout = 50 * time.Millisecond
	r2drivers[0].set(slow)
	start := time.Now()
	mustPut(t, r2, key("obj", 1), data)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("Put with a slow zone took %v", took)
	}
	wantRepairs(t, r2rec, repairs("obj", 1, 0))
}

func TestErasurePutQuorum(t *testing.T) {
	tests := []struct {
		name string
		w    int
		down []int
		want string
	}{
		{"AllUp", 0, nil, "nil"},
		{"OneDown", 0, []int{3}, "nil"},
		{"TwoDownDefaultW", 0, []int{0, 5}, "unavailable"},
		{"TwoDownW4", 4, []int{0, 5}, "nil"},
		{"ThreeDownW4", 4, []int{0, 1, 5}, "unavailable"},
		{"OneDownW6", 6, []int{2}, "unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, drivers, rec := newErasure(t, 4, 2, tc.w)
			setModes(drivers, down, tc.down...)
			data := randBytes(1, 100000)
			err := e.Put(t.Context(), key("obj", 0), data)
			if kind := errKind(err); kind != tc.want {
				t.Fatalf("Put() = %v, want %s", err, tc.want)
			}
			if err != nil {
				wantRepairs(t, rec, nil)
				return
			}
			wantRepairs(t, rec, repairs("obj", 0, tc.down...))
			mustGet(t, e, key("obj", 0), data)
			// Back up, the zones are repaired.
			setModes(drivers, up, tc.down...)
			if err := e.Repair(t.Context(), key("obj", 0), tc.down); err != nil {
				t.Fatalf("Repair(%v) = %v", tc.down, err)
			}
			wantHealth(t, e, key("obj", 0), slices.Repeat([]placement.State{placement.OK}, 6), true)
			setModes(drivers, down, 1, 2) // data shards gone: parity decodes
			mustGet(t, e, key("obj", 0), data)
		})
	}
}

// TestErasureGetZonesLost reads with every combination of zones down,
// missing or corrupt: any two are fine, any three are not.
func TestErasureGetZonesLost(t *testing.T) {
	const k, m = 4, 2
	e, drivers, rec := newErasure(t, k, m, 0)
	e.HedgeDelay = time.Hour // parity is read only when a data shard fails
	data := randBytes(3, 1<<20+7)
	mustPut(t, e, key("obj", 0), data)
	for _, fault := range []mode{down, corruptRead} {
		subsets(k+m, m+1, func(lost []int) {
			name := fmt.Sprintf("%v/%v", fault, lost)
			setModes(drivers, up, 0, 1, 2, 3, 4, 5)
			setModes(drivers, fault, lost...)
			got, err := e.Get(t.Context(), key("obj", 0))
			if len(lost) <= m {
				if err != nil || !slices.Equal(got, data) {
					t.Fatalf("%s: Get() = %d bytes, %v; want %d bytes", name, len(got), err, len(data))
				}
				recorded := rec.take()
				for _, r := range recorded {
					if fault == down || !slices.Contains(lost, r.Zone) {
						t.Fatalf("%s: recorded %v", name, recorded)
					}
				}
				if fault == corruptRead {
					// Each corrupt zone asked is recorded; data shards are
					// always asked.
					for _, z := range lost {
						if z < k && !slices.Contains(recorded, placement.Repair{DataID: "obj", Index: 0, Zone: z}) {
							t.Fatalf("%s: recorded %v, want zone %d among them", name, recorded, z)
						}
					}
				}
				return
			}
			want := "unavailable"
			if fault == corruptRead {
				want = "corrupt"
			}
			if kind := errKind(err); kind != want {
				t.Fatalf("%s: Get() = %v, want %s", name, err, want)
			}
			wantRepairs(t, rec, nil)
		})
	}

	setModes(drivers, up, 0, 1, 2, 3, 4, 5)
	setModes(drivers, corruptRead, 1)
	wantHealth(t, e, key("obj", 0), []placement.State{placement.OK, placement.Corrupt, placement.OK, placement.OK, placement.OK, placement.OK}, true)
	setModes(drivers, down, 3, 4)
	wantHealth(t, e, key("obj", 0), []placement.State{placement.OK, placement.Corrupt, placement.OK, placement.Unreachable, placement.Unreachable, placement.OK}, false)
	if err := e.Repair(t.Context(), key("obj", 0), []int{1}); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("Repair with 3 zones bad = %v, want an error wrapping ErrUnavailable", err)
	}
	setModes(drivers, up, 3, 4)
	if err := e.Repair(t.Context(), key("obj", 0), []int{1}); err != nil {
		t.Fatalf("Repair(zone 1) = %v", err)
	}
	drivers[1].set(up)
	wantHealth(t, e, key("obj", 0), slices.Repeat([]placement.State{placement.OK}, 6), true)
	wantRepairs(t, rec, nil)

	if _, err := e.Get(t.Context(), key("never", 0)); !blobstore.IsNotFound(err) {
		t.Fatalf("Get(never written) = %v, want an error wrapping ErrNotFound", err)
	}
	if err := e.Repair(t.Context(), key("never", 0), []int{0}); !blobstore.IsNotFound(err) {
		t.Fatalf("Repair(never written) = %v, want an error wrapping ErrNotFound", err)
	}
	wantHealth(t, e, key("never", 0), slices.Repeat([]placement.State{placement.Missing}, 6), false)
}

// TestErasureStaleShard: a zone that missed an overwrite keeps a shard that
// passes its own CRC; it is told from the current shards, reported and
// repaired.
func TestErasureStaleShard(t *testing.T) {
	e, drivers, rec := newErasure(t, 4, 2, 0)
	v1, v2 := randBytes(1, 5000), randBytes(2, 5000)
	mustPut(t, e, key("obj", 0), v1)
	drivers[2].set(down)
	mustPut(t, e, key("obj", 0), v2)
	wantRepairs(t, rec, repairs("obj", 0, 2))
	drivers[2].set(up)
	mustGet(t, e, key("obj", 0), v2)
	wantRepairs(t, rec, repairs("obj", 0, 2))
	wantHealth(t, e, key("obj", 0), []placement.State{placement.OK, placement.OK, placement.Corrupt, placement.OK, placement.OK, placement.OK}, true)
	if err := e.Repair(t.Context(), key("obj", 0), []int{2}); err != nil {
		t.Fatalf("Repair(zone 2) = %v", err)
	}
	wantHealth(t, e, key("obj", 0), slices.Repeat([]placement.State{placement.OK}, 6), true)
}

// placementCase is a placement under test over three fault zones.
type placementCase struct {
	name    string
	d       placement.Driver
	drivers []*faultDriver
	rec     *recorder
	blob    []byte // a blob it stores (replicated copies hold Store frames)
}

// bothPlacements are replicated (3 zones, W=2) and erasure 2+1 with write
// quorum ew.
func bothPlacements(t *testing.T, ew int) []placementCase {
	t.Helper()
	r, rdrivers, rrec := newReplicated(t, 3, 2)
	e, edrivers, erec := newErasure(t, 2, 1, ew)
	return []placementCase{
		{"Replicated", r, rdrivers, rrec, frame([]byte("hello"))},
		{"Erasure", e, edrivers, erec, []byte("hello")},
	}
}

func TestDelete(t *testing.T) {
	for _, tc := range bothPlacements(t, 0) {
		t.Run(tc.name, func(t *testing.T) {
			for i := range 2 {
				mustPut(t, tc.d, key("del", i), tc.blob)
			}
			tc.drivers[1].set(down)
			if err := tc.d.Delete(t.Context(), "del", 2); err != nil {
				t.Fatalf("Delete with zone 1 down = %v", err)
			}
			wantRepairs(t, tc.rec, []placement.Repair{{DataID: "del", Index: 2, Zone: 1, Delete: true}})
			if err := tc.d.Delete(t.Context(), "del", -5); err != nil {
				t.Fatalf("Delete(all) with zone 1 down = %v", err)
			}
			wantRepairs(t, tc.rec, []placement.Repair{{DataID: "del", Index: -1, Zone: 1, Delete: true}})
			tc.drivers[1].set(up)
			wantHealth(t, tc.d, key("del", 0), []placement.State{placement.Missing, placement.OK, placement.Missing}, tc.name == "Replicated")
			if err := tc.d.DeleteZone(t.Context(), "del", 2, 1); err != nil {
				t.Fatalf("DeleteZone(zone 1) = %v", err)
			}
			wantHealth(t, tc.d, key("del", 1), slices.Repeat([]placement.State{placement.Missing}, 3), false)
			if err := tc.d.DeleteZone(t.Context(), "del", 2, 3); err == nil {
				t.Fatal("DeleteZone(zone 3 of 3) = nil error, want one")
			}

			// A delete that cannot be recorded fails.
			tc.drivers[0].set(down)
			boom := errors.New("queue down")
			tc.rec.fail(boom)
			defer tc.rec.fail(nil)
			defer tc.drivers[0].set(up)
			if err := tc.d.Delete(t.Context(), "del", 2); !errors.Is(err, boom) {
				t.Fatalf("Delete with zone 0 down and the recorder failing = %v, want %v", err, boom)
			}
		})
	}
}

// TestRecordFails: a write or read whose repair cannot be recorded fails.
func TestRecordFails(t *testing.T) {
	boom := errors.New("queue down")
	for _, tc := range bothPlacements(t, 2) {
		t.Run(tc.name, func(t *testing.T) {
			tc.rec.fail(boom)
			tc.drivers[0].set(down)
			if err := tc.d.Put(t.Context(), key("obj", 0), tc.blob); !errors.Is(err, boom) {
				t.Fatalf("Put with zone 0 down and the recorder failing = %v, want %v", err, boom)
			}
			tc.drivers[0].set(corruptRead)
			if _, err := tc.d.Get(t.Context(), key("obj", 0)); !errors.Is(err, boom) {
				t.Fatalf("Get with zone 0 corrupt and the recorder failing = %v, want %v", err, boom)
			}
		})
	}
}
