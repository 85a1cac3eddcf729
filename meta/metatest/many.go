package metatest

import (
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

// This file holds the large-scale version tests that a backend's test file
// calls with counts that fit its speed (they are not part of Run).

// ManyOptions scales ListVersionsMany.
type ManyOptions struct {
	Keys     int // keys written
	Versions int // versions written in all (at least Keys)
	Writers  int // goroutines writing at once (each owns the keys it takes)
}

// mver is a version of the model.
type mver struct {
	key, id   string
	versioned bool
	marker    bool
}

func (v mver) s3id() string {
	if !v.versioned {
		return meta.NullVersion
	}
	return v.id
}

func (v mver) String() string {
	s := fmt.Sprintf("%q@%s", v.key, v.s3id())
	if v.s3id() != v.id {
		s += "(" + v.id + ")"
	}
	if v.marker {
		s += "(dm)"
	}
	return s
}

// lver is a listed version as the model predicts it: the version and its
// IsLatest flag.
type lver struct {
	mver
	latest bool
}

func (v lver) String() string {
	if v.latest {
		return v.mver.String() + "*"
	}
	return v.mver.String()
}

func toLver(o meta.Object) lver {
	return lver{mver{o.Key, o.VersionID, o.Versioned, o.DeleteMarker}, o.IsLatest}
}

// versionOrder is ListObjectVersions order: key ascending, newest first.
func versionOrder(a, b mver) int {
	if c := strings.Compare(a.key, b.key); c != 0 {
		return c
	}
	return -strings.Compare(a.id, b.id)
}

// manyKey names key i: shared prefixes of varying length, not in write
// order, and keys that extend one another ("x", "x.", "x/é"), whose
// versions must not interleave.
func manyKey(i int) string {
	j := i / 3
	return fmt.Sprintf("%c/%x/%d", 'a'+j%7, j%251, j) + [...]string{"", ".", "/é"}[i%3]
}

// retryUnavailable calls f until it returns an error other than
// meta.ErrUnavailable (a timeout or contention, which the caller may
// retry), at most 5 times; it returns how many calls were retried.
func retryUnavailable(f func() error) (retries int, err error) {
	for try := 0; ; try++ {
		err = f()
		if !errors.Is(err, meta.ErrUnavailable) || try >= 4 {
			return try, err
		}
		time.Sleep(time.Duration(try+1) * 50 * time.Millisecond)
	}
}

// ListVersionsMany writes o.Versions versions over o.Keys keys of a
// 16-shard bucket with o.Writers goroutines (the keys in parallel, each
// key's changes in order): objects, delete markers, null versions that
// replace the key's null version, versions deleted again, and some keys
// whose every version is deleted. It then pages through ListObjectVersions
// with Limit 1000, and with prefixes, and checks every page against a
// model of what was written: each version once, key ascending then newest
// first, IsLatest exactly on each key's newest, markers and null versions
// flagged.
func ListVersionsMany(t *testing.T, s meta.Store, o ManyOptions) {
	const bucket = "many-versions"
	ctx := t.Context()
	noErr(t, "CreateBucket", s.CreateBucket(ctx, meta.Bucket{Name: bucket, Owner: "owner", Created: t0, Shards: 16}))
	if o.Versions < o.Keys {
		o.Versions = o.Keys
	}
	// How many versions each key gets: one, plus a share of the rest
	// (uneven, so that some keys have many).
	counts := make([]int, o.Keys)
	rng := rand.New(rand.NewPCG(7, 11))
	for i := range counts {
		counts[i] = 1
	}
	for range o.Versions - o.Keys {
		i := rng.IntN(o.Keys)
		if rng.IntN(4) == 0 {
			i = rng.IntN(max(1, o.Keys/50)) * 50 // a few hot keys
		}
		counts[i]++
	}

	models := make([][]mver, o.Keys)  // each key's versions as written, oldest first
	removed := make([][]mver, o.Keys) // each key's versions deleted again
	var retries, deletes, gone int64
	var mu sync.Mutex // guards retries, deletes, gone
	start := time.Now()
	work := make(chan int)
	var wg sync.WaitGroup
	for range o.Writers {
		wg.Go(func() {
			for i := range work {
				r, d, g, err := writeKey(t, s, bucket, i, counts[i], &models[i], &removed[i])
				mu.Lock()
				retries, deletes, gone = retries+int64(r), deletes+int64(d), gone+int64(g)
				mu.Unlock()
				if err != nil {
					t.Errorf("key %q: %v", manyKey(i), err)
					// Drain: the other writers stop too.
					for range work {
					}
					return
				}
			}
		})
	}
	func() {
		defer close(work)
		for i := range o.Keys {
			select {
			case work <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	var want []lver
	for _, vs := range models {
		for j, v := range slices.Backward(vs) {
			want = append(want, lver{v, j == len(vs)-1})
		}
	}
	slices.SortFunc(want, func(a, b lver) int { return versionOrder(a.mver, b.mver) })
	t.Logf("wrote %d versions (%d deleted again, %d keys emptied) over %d keys with %d writers in %v; %d versions remain; %d calls retried",
		o.Versions, deletes, gone, o.Keys, o.Writers, time.Since(start).Round(time.Millisecond), len(want), retries)

	start = time.Now()
	got, pages := pageVersions(t, s, bucket, "", 1000)
	t.Logf("listed %d versions in %d pages of 1000 in %v", len(got), pages, time.Since(start).Round(time.Millisecond))
	compareVersions(t, "ListObjectVersions of everything", got, want)

	start = time.Now()
	for _, p := range []struct {
		prefix string
		limit  int
	}{{"c/", 1000}, {"e/1", 13}} {
		var wantP []lver
		for _, v := range want {
			if strings.HasPrefix(v.key, p.prefix) {
				wantP = append(wantP, v)
			}
		}
		got, pages := pageVersions(t, s, bucket, p.prefix, p.limit)
		t.Logf("listed %d versions with prefix %q in %d pages of %d", len(got), p.prefix, pages, p.limit)
		compareVersions(t, fmt.Sprintf("ListObjectVersions with prefix %q, limit %d", p.prefix, p.limit), got, wantP)
	}

	// A version marker that names a version deleted since (or a null
	// version replaced) places the listing where that version was; a key
	// marker alone starts at the next key.
	markers := 0
	for i, rs := range removed {
		if i%10 != 0 || markers >= 40 {
			continue
		}
		for _, r := range rs[:min(len(rs), 3)] {
			markers++
			at, _ := slices.BinarySearchFunc(want, r, func(v lver, r mver) int { return versionOrder(v.mver, r) })
			opts := meta.VersionListOptions{KeyMarker: r.key, VersionMarker: r.id, Limit: 3}
			compareVersions(t, fmt.Sprintf("ListObjectVersions(%+v) after a deleted version", opts),
				listVersions(t, s, bucket, opts), want[at:min(at+3, len(want))])
		}
		if len(rs) > 0 {
			key := rs[0].key
			at, _ := slices.BinarySearchFunc(want, key, func(v lver, k string) int {
				if v.key <= k {
					return -1
				}
				return 1
			})
			opts := meta.VersionListOptions{KeyMarker: key, Limit: 2}
			compareVersions(t, fmt.Sprintf("ListObjectVersions(%+v)", opts),
				listVersions(t, s, bucket, opts), want[at:min(at+2, len(want))])
		}
	}

	// The latest of a sample of keys, and every emptied key, by GetObject.
	checked := 0
	for i, vs := range models {
		if i%20 != 0 && len(vs) > 0 {
			continue
		}
		checked++
		key := manyKey(i)
		cur, err := s.GetObject(ctx, bucket, key)
		if len(vs) == 0 {
			wantErr(t, fmt.Sprintf("GetObject(%q) of an emptied key", key), err, meta.ErrNotFound)
			continue
		}
		noErr(t, fmt.Sprintf("GetObject(%q)", key), err)
		if g, w := toLver(cur), (lver{vs[len(vs)-1], true}); g != w {
			t.Errorf("GetObject(%q): got %v, want %v", key, g, w)
		}
	}
	t.Logf("listed with prefixes, from %d deleted versions, and read %d keys in %v", markers, checked, time.Since(start).Round(time.Millisecond))
}

// writeKey writes n versions of key i, in order, keeping *model (the
// key's versions, oldest first) and *removed (those deleted again, and
// null versions replaced) up to date: it returns how many calls were
// retried, versions deleted and whether it emptied the key.
func writeKey(t *testing.T, s meta.Store, bucket string, i, n int, model, removed *[]mver) (retries, deletes, gone int, err error) {
	ctx := t.Context()
	key := manyKey(i)
	rng := rand.New(rand.NewPCG(uint64(i), 3))
	last := ""
	del := func(v mver) error {
		r, err := retryUnavailable(func() error {
			got, err := s.DeleteObjectVersion(ctx, bucket, key, v.s3id(), nil)
			if err == nil && got.VersionID != v.id {
				return fmt.Errorf("DeleteObjectVersion(%s) removed %q", v, got.VersionID)
			}
			return err
		})
		retries += r
		if r > 0 && errors.Is(err, meta.ErrNotFound) {
			err = nil // a retry of a delete that was applied
		}
		if err != nil {
			return fmt.Errorf("DeleteObjectVersion(%s): %w", v, err)
		}
		*model = slices.DeleteFunc(*model, func(m mver) bool { return m == v })
		*removed = append(*removed, v)
		deletes++
		return nil
	}
	for range n {
		id := meta.NextVersionID(time.Now(), last)
		last = id
		v := mver{key: key, id: id, versioned: true}
		switch r := rng.IntN(100); {
		case r < 8: // a null object
			v.versioned = false
		case r < 11: // a null marker
			v.versioned, v.marker = false, true
		case r < 21:
			v.marker = true
		}
		obj := vobj(bucket, key, id, v.versioned)
		if v.marker {
			obj = marker(bucket, key, id, v.versioned)
		}
		// A third of the writes are conditioned on the latest version.
		var cond meta.Cond
		if rng.IntN(3) == 0 {
			if len(*model) == 0 {
				cond.IfNoneMatch = true
			} else {
				cond.IfVersion = (*model)[len(*model)-1].id
			}
		}
		var replaced *meta.Object
		r, err := retryUnavailable(func() error {
			var err error
			replaced, err = s.PutObject(ctx, obj, cond, nil)
			return err
		})
		retries += r
		if err != nil {
			return retries, deletes, gone, fmt.Errorf("PutObject(%s, %+v): %w", v, cond, err)
		}
		if !v.versioned {
			// The null version it had, anywhere in its history, goes.
			var was *mver
			for j, m := range *model {
				if !m.versioned {
					was = &(*model)[j]
				}
			}
			switch {
			case r > 0: // a retried write does not say what it replaced
			case was == nil && replaced != nil:
				return retries, deletes, gone, fmt.Errorf("PutObject(%s): replaced %q, want nothing", v, replaced.VersionID)
			case was != nil && (replaced == nil || replaced.VersionID != was.id):
				return retries, deletes, gone, fmt.Errorf("PutObject(%s): replaced %v, want %s", v, replaced, was)
			}
			if was != nil {
				*removed = append(*removed, *was)
			}
			*model = slices.DeleteFunc(*model, func(m mver) bool { return !m.versioned })
		}
		*model = append(*model, v)
		// Now and then a version goes again: any one, the latest included.
		if rng.IntN(100) < 4 {
			if err := del((*model)[rng.IntN(len(*model))]); err != nil {
				return retries, deletes, gone, err
			}
		}
	}
	// One key in 40 loses every version, in an order of its own.
	if i%40 == 39 {
		for len(*model) > 0 {
			if err := del((*model)[rng.IntN(len(*model))]); err != nil {
				return retries, deletes, gone, err
			}
		}
		gone = 1
	}
	return retries, deletes, gone, nil
}

// pageVersions lists every version of bucket with prefix, in pages of
// limit, each page starting after the last one's final version.
func pageVersions(t *testing.T, s meta.Store, bucket, prefix string, limit int) ([]meta.Object, int) {
	t.Helper()
	var all []meta.Object
	opts := meta.VersionListOptions{Prefix: prefix, Limit: limit}
	for pages := 1; ; pages++ {
		var page []meta.Object
		_, err := retryUnavailable(func() error {
			var err error
			page, err = s.ListObjectVersions(t.Context(), bucket, opts)
			return err
		})
		noErr(t, fmt.Sprintf("ListObjectVersions(%+v) page %d", opts, pages), err)
		if len(page) > limit {
			t.Fatalf("ListObjectVersions(%+v): got a page of %d, want at most %d", opts, len(page), limit)
		}
		all = append(all, page...)
		if len(page) < limit {
			return all, pages
		}
		if pages > 1_000_000/limit {
			t.Fatalf("ListObjectVersions(prefix %q, limit %d): no end after %d pages", prefix, limit, pages)
		}
		last := page[len(page)-1]
		opts.KeyMarker, opts.VersionMarker = last.Key, last.VersionID
	}
}

// compareVersions checks a listing against the model's: the same
// versions, flags and order.
func compareVersions(t *testing.T, what string, got []meta.Object, want []lver) {
	t.Helper()
	seen := make(map[[2]string]int, len(got))
	g := make([]lver, len(got))
	for i, o := range got {
		g[i] = toLver(o)
		if o.Bucket == "" || o.Key == "" {
			t.Errorf("%s: entry %d (%v) has bucket %q key %q", what, i, g[i], o.Bucket, o.Key)
		}
		if !o.DeleteMarker && o.ETag != "etag-"+o.VersionID {
			t.Errorf("%s: entry %d (%v) has ETag %q, want %q", what, i, g[i], o.ETag, "etag-"+o.VersionID)
		}
		id := [2]string{o.Key, o.VersionID}
		if j, dup := seen[id]; dup {
			t.Errorf("%s: %v listed twice, at %d and %d", what, g[i], j, i)
		}
		seen[id] = i
		if i > 0 && versionOrder(g[i-1].mver, g[i].mver) >= 0 {
			t.Errorf("%s: entry %d (%v) is not after entry %d (%v)", what, i, g[i], i-1, g[i-1])
		}
	}
	if slices.Equal(g, want) {
		return
	}
	inWant := make(map[[2]string]bool, len(want))
	missing := 0
	for _, v := range want {
		inWant[[2]string{v.key, v.id}] = true
		if _, ok := seen[[2]string{v.key, v.id}]; !ok {
			if missing++; missing <= 10 {
				t.Errorf("%s: %v missing", what, v)
			}
		}
	}
	extra := 0
	for _, v := range g {
		if !inWant[[2]string{v.key, v.id}] {
			if extra++; extra <= 10 {
				t.Errorf("%s: %v listed, but it was never written or was deleted", what, v)
			}
		}
	}
	for i := range min(len(g), len(want)) {
		if g[i] != want[i] {
			t.Errorf("%s: first difference at entry %d: got %v, want %v", what, i, g[i], want[i])
			break
		}
	}
	t.Fatalf("%s: got %d versions (%d not written), want %d (%d missing)", what, len(g), extra, len(want), missing)
}

// RaceOptions scales VersionRace.
type RaceOptions struct {
	Keys    int // keys contended
	Writers int // goroutines
	Ops     int // writes (or deletes) of each goroutine
}

// raceOp is one write or delete of VersionRace and how it ended.
type raceOp struct {
	v      mver
	delete bool
	// outcome: done (nil error), refused (ErrPreconditionFailed) or
	// unknown (ErrUnavailable: it may or may not have been applied).
	outcome string
}

// VersionRace has o.Writers goroutines write versions and delete markers
// of the same o.Keys keys of a versioned bucket at once, each reading the
// latest version and writing a newer one, unconditionally or conditioned
// on what it read, and now and then deleting a version it wrote. Then
// each key must have exactly one latest version, its greatest, which
// GetObject returns; every version written and not deleted must be
// listed, and none whose write was refused or that was deleted.
func VersionRace(t *testing.T, s meta.Store, o RaceOptions) {
	const bucket = "version-race"
	ctx := t.Context()
	noErr(t, "CreateBucket", s.CreateBucket(ctx, meta.Bucket{Name: bucket, Owner: "owner", Created: t0, Shards: 16}))
	keys := make([]string, o.Keys)
	for i := range keys {
		keys[i] = fmt.Sprintf("race/%d", i)
	}
	ops := make([][]raceOp, o.Writers)
	start := make(chan struct{})
	began := time.Now()
	var wg sync.WaitGroup
	for w := range o.Writers {
		wg.Go(func() {
			<-start
			rng := rand.New(rand.NewPCG(uint64(w), 5))
			var mine []mver // versions this writer wrote and did not delete
			for range o.Ops {
				if len(mine) > 0 && rng.IntN(10) == 0 {
					j := rng.IntN(len(mine))
					v := mine[j]
					got, err := s.DeleteObjectVersion(ctx, bucket, v.key, v.id, nil)
					op := raceOp{v: v, delete: true}
					switch {
					case err == nil && got.VersionID == v.id:
						op.outcome = "done"
						mine = slices.Delete(mine, j, j+1)
					case err == nil:
						t.Errorf("DeleteObjectVersion(%v) removed %q", v, got.VersionID)
						return
					case errors.Is(err, meta.ErrUnavailable):
						op.outcome = "unknown"
						mine = slices.Delete(mine, j, j+1)
					default:
						t.Errorf("DeleteObjectVersion(%v) of a version written and not deleted: %v", v, err)
						return
					}
					ops[w] = append(ops[w], op)
					continue
				}
				key := keys[rng.IntN(len(keys))]
				cur, err := s.GetObject(ctx, bucket, key)
				var cond meta.Cond
				switch {
				case errors.Is(err, meta.ErrNotFound):
					cur = meta.Object{}
					if rng.IntN(2) == 0 {
						cond.IfNoneMatch = true
					}
				case err != nil:
					t.Errorf("GetObject(%q): %v", key, err)
					return
				case rng.IntN(2) == 0:
					cond.IfVersion = cur.VersionID
				}
				v := mver{key: key, id: meta.NextVersionID(time.Now(), cur.VersionID), versioned: true, marker: rng.IntN(4) == 0}
				obj := vobj(bucket, key, v.id, true)
				if v.marker {
					obj = marker(bucket, key, v.id, true)
				}
				replaced, err := s.PutObject(ctx, obj, cond, nil)
				op := raceOp{v: v}
				switch {
				case err == nil:
					op.outcome = "done"
					mine = append(mine, v)
					if replaced != nil {
						t.Errorf("PutObject(%v) of a versioned write replaced %q", v, replaced.VersionID)
					}
				case errors.Is(err, meta.ErrPreconditionFailed):
					op.outcome = "refused"
				case errors.Is(err, meta.ErrUnavailable):
					op.outcome = "unknown"
				default:
					t.Errorf("PutObject(%v, %+v): %v", v, cond, err)
					return
				}
				ops[w] = append(ops[w], op)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	// What must be listed, what may be, and what must not be.
	must, may := map[mver]bool{}, map[mver]bool{}
	count := map[string]int{}
	for _, wops := range ops {
		for _, op := range wops {
			count[op.outcome+map[bool]string{true: " delete", false: " put"}[op.delete]]++
			switch {
			case !op.delete && op.outcome == "done":
				must[op.v] = true
			case !op.delete && op.outcome == "unknown":
				may[op.v] = true
			case op.delete && op.outcome == "done":
				delete(must, op.v)
			case op.delete: // unknown
				delete(must, op.v)
				may[op.v] = true
			}
		}
	}
	t.Logf("%d writers, %d keys: %v in %v", o.Writers, o.Keys, count, time.Since(began).Round(time.Millisecond))
	if count["done put"] < o.Keys {
		t.Errorf("only %d writes succeeded", count["done put"])
	}

	got, _ := pageVersions(t, s, bucket, "", 1000)
	byKey := map[string][]meta.Object{}
	for _, obj := range got {
		v := mver{obj.Key, obj.VersionID, obj.Versioned, obj.DeleteMarker}
		if !must[v] && !may[v] {
			t.Errorf("listed %v, whose write was refused or which was deleted", v)
		}
		delete(must, v)
		byKey[obj.Key] = append(byKey[obj.Key], obj)
	}
	for v := range must {
		t.Errorf("%v was written and not deleted, but is not listed", v)
	}
	for _, key := range keys {
		vs := byKey[key]
		cur, err := s.GetObject(ctx, bucket, key)
		if len(vs) == 0 {
			wantErr(t, fmt.Sprintf("GetObject(%q) of a key with no version listed", key), err, meta.ErrNotFound)
			continue
		}
		noErr(t, fmt.Sprintf("GetObject(%q)", key), err)
		newest := slices.MaxFunc(vs, func(a, b meta.Object) int { return cmp.Compare(a.VersionID, b.VersionID) })
		latest := 0
		for _, v := range vs {
			if v.IsLatest {
				latest++
				if v.VersionID != newest.VersionID {
					t.Errorf("%q: %q is flagged latest, but %q is greater", key, v.VersionID, newest.VersionID)
				}
			}
		}
		if latest != 1 {
			t.Errorf("%q: %d versions flagged latest, want 1", key, latest)
		}
		if cur.VersionID != newest.VersionID || cur.DeleteMarker != newest.DeleteMarker {
			t.Errorf("GetObject(%q): got %q (marker %v), want the greatest listed, %q (marker %v)",
				key, cur.VersionID, cur.DeleteMarker, newest.VersionID, newest.DeleteMarker)
		}
		if g := getVersion(t, s, bucket, key, newest.VersionID); !g.IsLatest {
			t.Errorf("GetObjectVersion(%q, %q) of the greatest: IsLatest false", key, newest.VersionID)
		}
	}
}
