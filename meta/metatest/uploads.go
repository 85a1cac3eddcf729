package metatest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

func newUpload(bucket, key, id string) meta.Upload {
	return meta.Upload{Bucket: bucket, Key: key, UploadID: id, Initiated: t0, Owner: "owner"}
}

func createUpload(t *testing.T, s meta.Store, u meta.Upload) {
	t.Helper()
	noErr(t, fmt.Sprintf("CreateUpload(%q/%q, %q)", u.Bucket, u.Key, u.UploadID), s.CreateUpload(t.Context(), u))
}

func newPart(uploadID string, n int, dataID string) meta.Part {
	return meta.Part{
		UploadID: uploadID, PartNumber: n, LastModified: t0,
		Extent: meta.Extent{DataID: dataID, Size: 5 << 20, ChunkSize: 1 << 20, PartNumber: n, ETag: "etag-" + dataID},
	}
}

func putPart(t *testing.T, s meta.Store, p meta.Part) *meta.Part {
	t.Helper()
	r, err := s.PutPart(t.Context(), p)
	noErr(t, fmt.Sprintf("PutPart(%q, %d)", p.UploadID, p.PartNumber), err)
	return r
}

func listParts(t *testing.T, s meta.Store, uploadID string, after, limit int) []int {
	t.Helper()
	parts, err := s.ListParts(t.Context(), uploadID, after, limit)
	noErr(t, fmt.Sprintf("ListParts(%q, %d, %d)", uploadID, after, limit), err)
	var ns []int
	for _, p := range parts {
		if p.UploadID != uploadID {
			t.Fatalf("ListParts(%q): got a part of upload %q", uploadID, p.UploadID)
		}
		ns = append(ns, p.PartNumber)
	}
	return ns
}

// uploadRef is an upload's place in a listing.
type uploadRef struct{ Key, ID string }

func (r uploadRef) String() string { return fmt.Sprintf("%q/%q", r.Key, r.ID) }

func less(a, b uploadRef) bool { return a.Key < b.Key || a.Key == b.Key && a.ID < b.ID }

// wantUploads is the reference model of ListUploads over sorted refs.
func wantUploads(sorted []uploadRef, o meta.UploadListOptions) []uploadRef {
	marker := uploadRef{o.KeyMarker, o.UploadIDMarker}
	var out []uploadRef
	for _, r := range sorted {
		if !strings.HasPrefix(r.Key, o.Prefix) || !less(marker, r) {
			continue
		}
		if len(out) == o.Limit {
			break
		}
		out = append(out, r)
	}
	return out
}

func testUploads(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("CreateGet", func(t *testing.T) {
		s := newStore(t)
		want := meta.Upload{
			Bucket: "b", Key: "big/file.bin", UploadID: "upload-1", Initiated: t0, Owner: "tenant-1",
			Headers:           map[string]string{"Content-Type": "application/octet-stream", "Cache-Control": "max-age=60"},
			UserMeta:          map[string]string{"origin": "ünïcode"},
			ChecksumAlgorithm: "CRC32C", ChecksumType: "COMPOSITE", ACL: []byte("acl"),
			Tags: map[string]string{"project": "x", "ü": ""},
		}
		createUpload(t, s, want)
		got, err := s.GetUpload(t.Context(), "b", "big/file.bin", "upload-1")
		noErr(t, "GetUpload", err)
		if d := diffUpload(got, want); d != "" {
			t.Errorf("GetUpload: %s", d)
		}
	})
	t.Run("CreateConflict", func(t *testing.T) {
		s := newStore(t)
		createUpload(t, s, newUpload("b", "k", "u1"))
		wantErr(t, "CreateUpload of an existing id", s.CreateUpload(t.Context(), newUpload("b", "k", "u1")), meta.ErrConflict)
		wantErr(t, "CreateUpload of an existing id under another key", s.CreateUpload(t.Context(), newUpload("b", "k2", "u1")), meta.ErrConflict)
		createUpload(t, s, newUpload("b", "k", "u2"))
	})
	t.Run("GetNotFound", func(t *testing.T) {
		s := newStore(t)
		createUpload(t, s, newUpload("b", "k", "u1"))
		for _, c := range []struct{ bucket, key, id string }{
			{"b", "k", "u2"}, {"b", "k", "u"}, {"b", "k2", "u1"}, {"bb", "k", "u1"},
		} {
			_, err := s.GetUpload(t.Context(), c.bucket, c.key, c.id)
			wantErr(t, fmt.Sprintf("GetUpload(%q, %q, %q)", c.bucket, c.key, c.id), err, meta.ErrNotFound)
		}
	})
	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		refs := []uploadRef{
			{"a", "2"}, {"a", "1"}, {"a", "10"}, {"a/b", "1"}, {"a\x00", "1"}, {"ab", "1"},
			{"b", "3"}, {"b", "1"}, {"日本", "1"},
		}
		for i, r := range refs {
			// Ids are unique across keys: prefix them with the index.
			refs[i].ID = fmt.Sprint(i, "-", r.ID)
		}
		// The same keys in neighbouring buckets must not show up.
		for _, b := range []string{"a", "bb", "b\x00"} {
			createUpload(t, s, newUpload(b, "a", "other-"+b))
		}
		for _, r := range refs {
			createUpload(t, s, newUpload("b", r.Key, r.ID))
		}
		sorted := slices.SortedFunc(slices.Values(refs), func(a, b uploadRef) int {
			if less(a, b) {
				return -1
			}
			if less(b, a) {
				return 1
			}
			return 0
		})
		markers := []uploadRef{{"", ""}, {"a", ""}, {"a", "1-1"}, {"a", "2-10"}, {"a", "zz"}, {"a/b", "3-1"}, {"aa", ""}, {"b", "6-3"}, {"z", ""}}
		for _, p := range []string{"", "a", "a/", "b", "日", "x"} {
			for _, m := range markers {
				for _, limit := range []int{1, 3, 100} {
					o := meta.UploadListOptions{Prefix: p, KeyMarker: m.Key, UploadIDMarker: m.ID, Limit: limit}
					ups, err := s.ListUploads(t.Context(), "b", o)
					noErr(t, fmt.Sprintf("ListUploads(%#v)", o), err)
					var got []uploadRef
					for _, u := range ups {
						if u.Bucket != "b" {
							t.Fatalf("ListUploads(%#v): got an upload of bucket %q", o, u.Bucket)
						}
						got = append(got, uploadRef{u.Key, u.UploadID})
					}
					if want := wantUploads(sorted, o); !slices.Equal(got, want) {
						t.Errorf("ListUploads(%#v): got %v, want %v", o, got, want)
					}
				}
			}
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		createUpload(t, s, newUpload("b", "k", "u1"))
		createUpload(t, s, newUpload("b", "k", "u10"))
		for n := 1; n <= 3; n++ {
			putPart(t, s, newPart("u1", n, fmt.Sprint("u1-", n)))
			putPart(t, s, newPart("u10", n, fmt.Sprint("u10-", n)))
		}
		wantErr(t, "DeleteUpload under the wrong key", s.DeleteUpload(t.Context(), "b", "k2", "u1"), meta.ErrNotFound)
		noErr(t, "DeleteUpload", s.DeleteUpload(t.Context(), "b", "k", "u1"))
		_, err := s.GetUpload(t.Context(), "b", "k", "u1")
		wantErr(t, "GetUpload after delete", err, meta.ErrNotFound)
		if got := listParts(t, s, "u1", 0, 100); len(got) != 0 {
			t.Errorf("ListParts after DeleteUpload: got %v, want none", got)
		}
		if got := listParts(t, s, "u10", 0, 100); !slices.Equal(got, []int{1, 2, 3}) {
			t.Errorf("ListParts of another upload: got %v, want [1 2 3]", got)
		}
		ups, err := s.ListUploads(t.Context(), "b", meta.UploadListOptions{Limit: 100})
		noErr(t, "ListUploads", err)
		if len(ups) != 1 || ups[0].UploadID != "u10" {
			t.Errorf("ListUploads after delete: got %+v, want only u10", ups)
		}
		wantErr(t, "DeleteUpload again", s.DeleteUpload(t.Context(), "b", "k", "u1"), meta.ErrNotFound)
	})
}

func testParts(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("PutReturnsReplaced", func(t *testing.T) {
		s := newStore(t)
		createUpload(t, s, newUpload("b", "k", "u1"))
		first := newPart("u1", 1, "d1")
		first.Extent.Checksums = map[string]string{"SHA256": "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}
		if r := putPart(t, s, first); r != nil {
			t.Errorf("PutPart of a new number: got replaced %+v, want nil", r)
		}
		second := newPart("u1", 1, "d2")
		second.LastModified = t0.Add(time.Minute)
		r := putPart(t, s, second)
		if r == nil {
			t.Fatal("PutPart over part 1: got replaced nil, want the first part")
		}
		if d := diffPart(*r, first); d != "" {
			t.Errorf("PutPart replaced: %s", d)
		}
		parts, err := s.ListParts(t.Context(), "u1", 0, 100)
		noErr(t, "ListParts", err)
		if len(parts) != 1 {
			t.Fatalf("ListParts: got %d parts, want 1", len(parts))
		}
		if d := diffPart(parts[0], second); d != "" {
			t.Errorf("ListParts: %s", d)
		}
	})
	t.Run("List", func(t *testing.T) {
		s := newStore(t)
		createUpload(t, s, newUpload("b", "k", "u1"))
		createUpload(t, s, newUpload("b", "k", "u10"))
		numbers := []int{7, 1, 10000, 3, 2, 9, 256, 10, 255, 8}
		for _, n := range numbers {
			putPart(t, s, newPart("u1", n, fmt.Sprint("u1-", n)))
		}
		putPart(t, s, newPart("u10", 4, "u10-4"))
		sorted := slices.Sorted(slices.Values(numbers))
		for _, c := range []struct{ after, limit int }{
			{0, 100}, {0, 1}, {1, 2}, {3, 3}, {4, 100}, {255, 1}, {10000, 100}, {9999, 5},
		} {
			var want []int
			for _, n := range sorted {
				if n > c.after && len(want) < c.limit {
					want = append(want, n)
				}
			}
			if got := listParts(t, s, "u1", c.after, c.limit); !slices.Equal(got, want) {
				t.Errorf("ListParts(u1, %d, %d): got %v, want %v", c.after, c.limit, got, want)
			}
		}
		// Paging visits every part once.
		var got []int
		for after := 0; ; {
			page := listParts(t, s, "u1", after, 3)
			got = append(got, page...)
			if len(page) < 3 {
				break
			}
			after = page[len(page)-1]
		}
		if !slices.Equal(got, sorted) {
			t.Errorf("paging ListParts(u1): got %v, want %v", got, sorted)
		}
		// The contract does not say whether listing the parts of a missing
		// upload is an error; either way it yields nothing.
		if got, err := s.ListParts(t.Context(), "missing", 0, 100); len(got) != 0 || err != nil && !errors.Is(err, meta.ErrNotFound) {
			t.Errorf("ListParts of a missing upload: got %+v, %v, want none", got, err)
		}
	})
}
