package metatest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/dolium/dolium/meta"
)

// listKeys are keys whose byte order is easy to get wrong: shared
// prefixes, separators, a NUL byte, upper case, multi-byte UTF-8, and a
// key of the maximum length (1024 bytes).
var listKeys = []string{
	"a", "a/", "a/b", "a/b/c", "a%2F", "a\x00", "a\x00b", "a0", "ab", "abc",
	"b", "b/a", "ba", "A", "Z", "é", "日本/語", "😀", "\u00ff", "\uffff",
	"~", strings.Repeat("k", 1024),
}

// wantList is the reference model of ListObjects over sorted keys.
func wantList(sorted []string, o meta.ListOptions) []string {
	var out []string
	for _, k := range sorted {
		if !strings.HasPrefix(k, o.Prefix) || k <= o.After {
			continue
		}
		if len(out) == o.Limit {
			break
		}
		out = append(out, k)
	}
	return out
}

func listObjects(t *testing.T, s meta.Store, bucket string, o meta.ListOptions) []meta.Object {
	t.Helper()
	got, err := s.ListObjects(t.Context(), bucket, o)
	noErr(t, fmt.Sprintf("ListObjects(%q, %#v)", bucket, o), err)
	if len(got) > o.Limit {
		t.Fatalf("ListObjects(%q, %#v): got %d objects, want at most %d", bucket, o, len(got), o.Limit)
	}
	for _, obj := range got {
		if obj.Bucket != bucket {
			t.Fatalf("ListObjects(%q, %#v): got an object of bucket %q", bucket, o, obj.Bucket)
		}
	}
	return got
}

// putAll writes objects concurrently, a few at a time.
func putAll(t *testing.T, s meta.Store, objs []meta.Object) {
	t.Helper()
	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, len(objs))
	ch := make(chan meta.Object)
	for range workers {
		wg.Go(func() {
			for o := range ch {
				if _, err := s.PutObject(t.Context(), o, meta.Cond{}, nil); err != nil {
					errs <- fmt.Errorf("PutObject(%q/%q): %w", o.Bucket, o.Key, err)
				}
			}
		})
	}
	for _, o := range objs {
		ch <- o
	}
	close(ch)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("%v, want nil error", err)
	}
}

func testListObjects(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("Empty", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		if got := listObjects(t, s, "b", meta.ListOptions{Limit: 10}); len(got) != 0 {
			t.Errorf("ListObjects of an empty bucket: got %q, want none", objectKeys(got))
		}
	})
	t.Run("Model", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		var objs []meta.Object
		for i, k := range listKeys {
			objs = append(objs, newObject("b", k, fmt.Sprint("v", i)))
		}
		putAll(t, s, objs)
		sorted := slices.Sorted(slices.Values(listKeys))

		// Every object comes back whole.
		all := listObjects(t, s, "b", meta.ListOptions{Limit: 1000})
		if got := objectKeys(all); !slices.Equal(got, sorted) {
			t.Fatalf("ListObjects: got %q, want %q", got, sorted)
		}
		byKey := map[string]meta.Object{}
		for _, o := range objs {
			byKey[o.Key] = o
		}
		for _, o := range all {
			checkObject(t, "ListObjects entry "+o.Key, o, byKey[o.Key])
		}

		prefixes := []string{"", "a", "a/", "a\x00", "b", "日本", "\U0001F600", "zzz", "a/b/c/d"}
		afters := []string{"", "a", "a/", "a/b", "a\x00", "a0", "ab", "aa", "b", "\u00ff", "\U0010FFFF"}
		for _, p := range prefixes {
			for _, a := range afters {
				for _, limit := range []int{1, 2, 5, 1000} {
					o := meta.ListOptions{Prefix: p, After: a, Limit: limit}
					got := objectKeys(listObjects(t, s, "b", o))
					if want := wantList(sorted, o); !slices.Equal(got, want) {
						t.Errorf("ListObjects(%#v): got %q, want %q", o, got, want)
					}
				}
			}
		}
	})
	t.Run("Paging", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		var objs []meta.Object
		for i := range 2000 {
			objs = append(objs, newObject("b", fmt.Sprintf("dir%d/obj-%05d", i%3, i), fmt.Sprint("v", i)))
		}
		putAll(t, s, objs)
		var want []string
		for _, o := range objs {
			want = append(want, o.Key)
		}
		slices.Sort(want)
		for _, c := range []struct {
			prefix string
			limit  int
		}{{"", 1000}, {"", 173}, {"dir1/", 100}, {"dir2/obj-01", 7}} {
			var got []string
			o := meta.ListOptions{Prefix: c.prefix, Limit: c.limit}
			for pages := 0; ; pages++ {
				if pages > len(want) {
					t.Fatalf("ListObjects(%#v): no end after %d pages", o, pages)
				}
				page := objectKeys(listObjects(t, s, "b", o))
				got = append(got, page...)
				if len(page) < c.limit {
					break
				}
				o.After = page[len(page)-1]
			}
			w := wantList(want, meta.ListOptions{Prefix: c.prefix, Limit: len(want)})
			if !slices.Equal(got, w) {
				t.Errorf("paging prefix %q limit %d: got %d keys, want %d (first got %q)", c.prefix, c.limit, len(got), len(w), got[:min(3, len(got))])
			}
		}
	})
	t.Run("BucketIsolation", func(t *testing.T) {
		s := newStore(t)
		buckets := []string{"b", "bb", "b-b", "ba", "a"}
		var objs []meta.Object
		for _, b := range buckets {
			createBucket(t, s, b)
			for _, k := range []string{"k", "b/k", "bk", "a"} {
				objs = append(objs, newObject(b, k, b+"|"+k))
			}
		}
		putAll(t, s, objs)
		for _, b := range buckets {
			got := listObjects(t, s, b, meta.ListOptions{Limit: 100})
			if want := []string{"a", "b/k", "bk", "k"}; !slices.Equal(objectKeys(got), want) {
				t.Errorf("ListObjects(%q): got %q, want %q", b, objectKeys(got), want)
			}
			for _, o := range got {
				if o.VersionID != b+"|"+o.Key {
					t.Errorf("ListObjects(%q): key %q has version %q, want %q", b, o.Key, o.VersionID, b+"|"+o.Key)
				}
			}
			got = listObjects(t, s, b, meta.ListOptions{Prefix: "b", Limit: 100})
			if want := []string{"b/k", "bk"}; !slices.Equal(objectKeys(got), want) {
				t.Errorf("ListObjects(%q, prefix b): got %q, want %q", b, objectKeys(got), want)
			}
		}
		// The contract does not say whether listing a missing bucket is an
		// error; either way it yields nothing.
		if got, err := s.ListObjects(t.Context(), "missing", meta.ListOptions{Limit: 100}); len(got) != 0 || err != nil && !errors.Is(err, meta.ErrNotFound) {
			t.Errorf("ListObjects of a missing bucket: got %q, %v, want none", objectKeys(got), err)
		}
		// Deleting in one bucket leaves the others alone.
		if _, err := s.DeleteObjectVersion(t.Context(), "b", "k", meta.NullVersion, nil); err != nil {
			t.Fatalf("DeleteObject: got error %v, want nil", err)
		}
		if got := listObjects(t, s, "bb", meta.ListOptions{Limit: 100}); len(got) != 4 {
			t.Errorf("ListObjects(bb) after a delete in b: got %q, want 4 keys", objectKeys(got))
		}
	})
}
