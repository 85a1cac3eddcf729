package metatest

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

// vobj is a version of (bucket, key) with id v, versioned or null.
func vobj(bucket, key, v string, versioned bool) meta.Object {
	o := newObject(bucket, key, v)
	o.Versioned = versioned
	return o
}

// marker is a delete marker of (bucket, key) with id v.
func marker(bucket, key, v string, versioned bool) meta.Object {
	return meta.Object{Bucket: bucket, Key: key, VersionID: v, Versioned: versioned, DeleteMarker: true,
		LastModified: t0, Owner: "owner"}
}

// versionIDs lists "key@s3id" (with "*" after the latest) of a listing.
func versionIDs(os []meta.Object) []string {
	out := make([]string, len(os))
	for i, o := range os {
		out[i] = o.Key + "@" + o.S3VersionID()
		if o.IsLatest {
			out[i] += "*"
		}
		if o.DeleteMarker {
			out[i] += "(dm)"
		}
	}
	return out
}

func listVersions(t *testing.T, s meta.Store, bucket string, o meta.VersionListOptions) []meta.Object {
	t.Helper()
	got, err := s.ListObjectVersions(t.Context(), bucket, o)
	noErr(t, fmt.Sprintf("ListObjectVersions(%q, %+v)", bucket, o), err)
	return got
}

func wantVersions(t *testing.T, what string, got []meta.Object, want ...string) {
	t.Helper()
	if g := versionIDs(got); !slices.Equal(g, want) {
		t.Errorf("%s: got %q, want %q", what, g, want)
	}
}

func getVersion(t *testing.T, s meta.Store, bucket, key, v string) meta.Object {
	t.Helper()
	o, err := s.GetObjectVersion(t.Context(), bucket, key, v)
	noErr(t, fmt.Sprintf("GetObjectVersion(%q, %q, %q)", bucket, key, v), err)
	return o
}

func testVersions(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("RoundTripFields", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		want := fullObject("b", "k", "v1")
		want.Versioned = true
		want.Retention = meta.Retention{Mode: "COMPLIANCE", Until: t0.Add(48 * time.Hour)}
		want.LegalHold = true
		want.Tags = map[string]string{"project": "x", "ü": ""}
		want.ACL = []byte(`{"o":"owner"}`)
		putObject(t, s, want, meta.Cond{})
		got := getVersion(t, s, "b", "k", "v1")
		if !got.IsLatest {
			t.Errorf("GetObjectVersion of the only version: IsLatest false, want true")
		}
		got.IsLatest = false
		checkObject(t, "GetObjectVersion", got, want)
		cur, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		cur.IsLatest = false
		checkObject(t, "GetObject", cur, want)
		if got.S3VersionID() != "v1" {
			t.Errorf("S3VersionID() of a versioned version: got %q, want v1", got.S3VersionID())
		}
	})
	t.Run("NullOverwrite", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, vobj("b", "k", "v1", false), meta.Cond{})
		r := putObject(t, s, vobj("b", "k", "v2", false), meta.Cond{})
		if r == nil || r.VersionID != "v1" {
			t.Fatalf("PutObject of a null version over a null version: got replaced %+v, want v1", r)
		}
		if o := getVersion(t, s, "b", "k", meta.NullVersion); o.VersionID != "v2" || !o.IsLatest {
			t.Errorf("GetObjectVersion(null): got %q latest %v, want v2 latest", o.VersionID, o.IsLatest)
		}
		wantVersions(t, "ListObjectVersions", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@null*")
		_, err := s.GetObjectVersion(t.Context(), "b", "k", "v1")
		wantErr(t, "GetObjectVersion of the replaced null version's id", err, meta.ErrNotFound)
	})
	t.Run("VersionedAdds", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		for _, v := range []string{"v1", "v2", "v3"} {
			if r := putObject(t, s, vobj("b", "k", v, true), meta.Cond{}); r != nil {
				t.Errorf("PutObject of versioned %s: got replaced %+v, want nil", v, r)
			}
		}
		cur, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		if cur.VersionID != "v3" {
			t.Errorf("GetObject: got %q, want v3", cur.VersionID)
		}
		if o := getVersion(t, s, "b", "k", "v1"); o.IsLatest || o.ETag != "etag-v1" {
			t.Errorf("GetObjectVersion(v1): got latest %v etag %q, want not latest, etag-v1", o.IsLatest, o.ETag)
		}
		_, err = s.GetObjectVersion(t.Context(), "b", "k", meta.NullVersion)
		wantErr(t, "GetObjectVersion(null) of a key with no null version", err, meta.ErrNotFound)
		wantVersions(t, "ListObjectVersions", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}),
			"k@v3*", "k@v2", "k@v1")
		if got := listObjects(t, s, "b", meta.ListOptions{Limit: 10}); len(got) != 1 || got[0].VersionID != "v3" {
			t.Errorf("ListObjects: got %q, want the latest v3 only", versionIDs(got))
		}
	})
	t.Run("OrderRequired", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, vobj("b", "k", "v5", true), meta.Cond{})
		for _, v := range []string{"v4", "v5x", "v5"} {
			_, err := s.PutObject(t.Context(), vobj("b", "k", v, v != "v5x"), meta.Cond{}, nil)
			if v == "v5x" {
				noErr(t, "PutObject of a greater version id", err)
				continue
			}
			wantErr(t, "PutObject of version id "+v+", not above the latest's", err, meta.ErrPreconditionFailed)
		}
		wantVersions(t, "ListObjectVersions", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@null*", "k@v5")
	})
	t.Run("RetryOfAppliedWrite", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		o := vobj("b", "k", "v1", true)
		putObject(t, s, o, meta.Cond{})
		if r, err := s.PutObject(t.Context(), o, meta.Cond{}, nil); r != nil || err != nil {
			t.Errorf("PutObject retried: got %+v, %v, want nil, nil", r, err)
		}
		wantVersions(t, "ListObjectVersions", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@v1*")
	})
	t.Run("SuspendedReplacesNullInHistory", func(t *testing.T) {
		// Unversioned null n1, then versioned v2 and v3, then (suspended)
		// null n4: n4 replaces n1, which is not the latest; v2, v3 stay.
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, vobj("b", "k", "n1", false), meta.Cond{})
		putObject(t, s, vobj("b", "k", "v2", true), meta.Cond{})
		putObject(t, s, vobj("b", "k", "v3", true), meta.Cond{})
		wantVersions(t, "before", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@v3*", "k@v2", "k@null")
		r := putObject(t, s, vobj("b", "k", "v4", false), meta.Cond{})
		if r == nil || r.VersionID != "n1" {
			t.Fatalf("PutObject null over a history holding null n1: got replaced %+v, want n1", r)
		}
		wantVersions(t, "after", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@null*", "k@v3", "k@v2")
		if o := getVersion(t, s, "b", "k", meta.NullVersion); o.VersionID != "v4" {
			t.Errorf("GetObjectVersion(null): got %q, want v4", o.VersionID)
		}
	})
	t.Run("NullReplaceCheck", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, vobj("b", "k", "n1", false), meta.Cond{})
		putObject(t, s, vobj("b", "k", "v2", true), meta.Cond{})
		refuse := errors.New("locked")
		var saw []string
		_, err := s.PutObject(t.Context(), vobj("b", "k", "v3", false), meta.Cond{}, func(o meta.Object) error {
			saw = append(saw, o.VersionID)
			return refuse
		})
		wantErr(t, "PutObject whose null replacement check refuses", err, refuse)
		if len(saw) == 0 || saw[0] != "n1" {
			t.Errorf("check saw %q, want n1", saw)
		}
		wantVersions(t, "after the refused put", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@v2*", "k@null")
		// A versioned put does not replace the null version: no check.
		_, err = s.PutObject(t.Context(), vobj("b", "k", "v3", true), meta.Cond{}, func(meta.Object) error { return refuse })
		noErr(t, "versioned PutObject with a refusing check", err)
	})
	t.Run("DeleteMarkers", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, vobj("b", "k", "v1", true), meta.Cond{})
		putObject(t, s, vobj("b", "other", "v1", true), meta.Cond{})
		putObject(t, s, marker("b", "k", "v2", true), meta.Cond{IfVersion: "v1"})
		cur, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject of a key whose latest is a marker", err)
		if !cur.DeleteMarker || cur.VersionID != "v2" {
			t.Errorf("GetObject: got %+v, want the marker v2", cur)
		}
		if got := listObjects(t, s, "b", meta.ListOptions{Limit: 10}); !slices.Equal(objectKeys(got), []string{"other"}) {
			t.Errorf("ListObjects: got %q, want [other] (k's latest is a marker)", objectKeys(got))
		}
		wantVersions(t, "ListObjectVersions", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}),
			"k@v2*(dm)", "k@v1", "other@v1*")
		// Removing the marker makes v1 the latest again.
		got, err := s.DeleteObjectVersion(t.Context(), "b", "k", "v2", nil)
		noErr(t, "DeleteObjectVersion(marker)", err)
		if !got.DeleteMarker {
			t.Errorf("DeleteObjectVersion(marker): got %+v, want the marker", got)
		}
		cur, err = s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject after removing the marker", err)
		if cur.VersionID != "v1" || cur.DeleteMarker {
			t.Errorf("GetObject after removing the marker: got %q marker %v, want v1", cur.VersionID, cur.DeleteMarker)
		}
		if got := listObjects(t, s, "b", meta.ListOptions{Limit: 10}); !slices.Equal(objectKeys(got), []string{"k", "other"}) {
			t.Errorf("ListObjects after removing the marker: got %q, want [k other]", objectKeys(got))
		}
	})
	t.Run("DeleteVersions", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, vobj("b", "k", "n1", false), meta.Cond{})
		putObject(t, s, vobj("b", "k", "v2", true), meta.Cond{})
		putObject(t, s, vobj("b", "k", "v3", true), meta.Cond{})
		// A middle version: the latest stays.
		if got, err := s.DeleteObjectVersion(t.Context(), "b", "k", "v2", nil); err != nil || got.VersionID != "v2" {
			t.Fatalf("DeleteObjectVersion(v2): got %q, %v", got.VersionID, err)
		}
		_, err := s.DeleteObjectVersion(t.Context(), "b", "k", "v2", nil)
		wantErr(t, "DeleteObjectVersion(v2) again", err, meta.ErrNotFound)
		wantVersions(t, "after deleting v2", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@v3*", "k@null")
		// The latest: the next newest (the null version) becomes latest.
		if _, err := s.DeleteObjectVersion(t.Context(), "b", "k", "v3", nil); err != nil {
			t.Fatalf("DeleteObjectVersion(v3): %v", err)
		}
		cur, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject after deleting the latest", err)
		if cur.VersionID != "n1" {
			t.Errorf("GetObject after deleting the latest: got %q, want n1", cur.VersionID)
		}
		if o := getVersion(t, s, "b", "k", meta.NullVersion); !o.IsLatest {
			t.Errorf("GetObjectVersion(null) after deleting v3: IsLatest false, want true")
		}
		// The last one: the key is gone and can be created anew.
		if _, err := s.DeleteObjectVersion(t.Context(), "b", "k", meta.NullVersion, nil); err != nil {
			t.Fatalf("DeleteObjectVersion(null): %v", err)
		}
		_, err = s.GetObject(t.Context(), "b", "k")
		wantErr(t, "GetObject after deleting every version", err, meta.ErrNotFound)
		if got := listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}); len(got) != 0 {
			t.Errorf("ListObjectVersions after deleting every version: got %q, want none", versionIDs(got))
		}
		if r := putObject(t, s, vobj("b", "k", "n9", false), meta.Cond{IfNoneMatch: true}); r != nil {
			t.Errorf("PutObject IfNoneMatch after every version was deleted: got replaced %+v", r)
		}
		_, err = s.DeleteObjectVersion(t.Context(), "b", "missing", "v1", nil)
		wantErr(t, "DeleteObjectVersion of a missing key", err, meta.ErrNotFound)
	})
	t.Run("IfNoneMatchSeesMarkers", func(t *testing.T) {
		// A key whose latest version is a marker still has versions:
		// IfNoneMatch (no version at all) fails; the caller conditions on
		// the marker with IfVersion instead.
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, marker("b", "k", "v1", true), meta.Cond{})
		_, err := s.PutObject(t.Context(), vobj("b", "k", "v2", true), meta.Cond{IfNoneMatch: true}, nil)
		wantErr(t, "PutObject IfNoneMatch over a marker", err, meta.ErrPreconditionFailed)
		putObject(t, s, vobj("b", "k", "v2", true), meta.Cond{IfVersion: "v1"})
	})
	t.Run("UpdateVersion", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, vobj("b", "k", "v1", true), meta.Cond{})
		putObject(t, s, vobj("b", "k", "v2", true), meta.Cond{})
		until := t0.Add(72 * time.Hour)
		for _, v := range []string{"v1", "v2"} {
			got, err := s.UpdateObjectVersion(t.Context(), "b", "k", v, func(o *meta.Object) error {
				o.Retention = meta.Retention{Mode: "GOVERNANCE", Until: until}
				o.LegalHold, o.LegalHoldSet = v == "v2", true
				o.Tags = map[string]string{"v": v}
				o.ACL = []byte("acl-" + v)
				return nil
			})
			noErr(t, "UpdateObjectVersion("+v+")", err)
			if got.Retention.Mode != "GOVERNANCE" || got.Tags["v"] != v {
				t.Errorf("UpdateObjectVersion(%s) returned %+v", v, got)
			}
		}
		for _, v := range []string{"v1", "v2"} {
			o := getVersion(t, s, "b", "k", v)
			if o.Retention.Mode != "GOVERNANCE" || !o.Retention.Until.Equal(until) || o.LegalHold != (v == "v2") || !o.LegalHoldSet || o.Tags["v"] != v {
				t.Errorf("GetObjectVersion(%s) after update: got retention %+v hold %v (set %v) tags %v", v, o.Retention, o.LegalHold, o.LegalHoldSet, o.Tags)
			}
			if string(o.ACL) != "acl-"+v {
				t.Errorf("GetObjectVersion(%s) after update: ACL %q, want the update", v, o.ACL)
			}
			if o.ETag != "etag-"+v || len(o.Extents) != 1 {
				t.Errorf("GetObjectVersion(%s) after update: data fields changed: %+v", v, o)
			}
		}
		cur, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		if !cur.LegalHold || cur.Tags["v"] != "v2" {
			t.Errorf("GetObject after updating the latest: got hold %v tags %v, want the update", cur.LegalHold, cur.Tags)
		}
		refuse := errors.New("no")
		_, err = s.UpdateObjectVersion(t.Context(), "b", "k", "v1", func(o *meta.Object) error {
			o.LegalHold = true
			return refuse
		})
		wantErr(t, "UpdateObjectVersion refused", err, refuse)
		if o := getVersion(t, s, "b", "k", "v1"); o.LegalHold {
			t.Errorf("a refused update was written")
		}
		_, err = s.UpdateObjectVersion(t.Context(), "b", "k", "v9", func(*meta.Object) error { return nil })
		wantErr(t, "UpdateObjectVersion of a missing version", err, meta.ErrNotFound)
		wantVersions(t, "ListObjectVersions after updates", listVersions(t, s, "b", meta.VersionListOptions{Limit: 10}), "k@v2*", "k@v1")
	})
	t.Run("ListPaging", func(t *testing.T) { testVersionPaging(t, newStore) })
	t.Run("DeleteRacesLock", func(t *testing.T) {
		// A delete whose check refuses held versions races an update that
		// sets the hold: never both succeed.
		s := newStore(t)
		createBucket(t, s, "b")
		refuse := errors.New("held")
		for round := range 20 {
			key := fmt.Sprint("k", round)
			putObject(t, s, vobj("b", key, "v1", true), meta.Cond{})
			var wg sync.WaitGroup
			var delErr, updErr error
			wg.Go(func() {
				_, delErr = s.DeleteObjectVersion(t.Context(), "b", key, "v1", func(o meta.Object) error {
					if o.LegalHold {
						return refuse
					}
					return nil
				})
			})
			wg.Go(func() {
				_, updErr = s.UpdateObjectVersion(t.Context(), "b", key, "v1", func(o *meta.Object) error {
					o.LegalHold = true
					return nil
				})
			})
			wg.Wait()
			switch {
			case delErr == nil && updErr == nil:
				t.Fatalf("round %d: the delete and the hold both succeeded", round)
			case delErr == nil:
				wantErr(t, "update after the delete", updErr, meta.ErrNotFound)
			case updErr == nil:
				wantErr(t, "delete after the hold", delErr, refuse)
				if o := getVersion(t, s, "b", key, "v1"); !o.LegalHold {
					t.Errorf("round %d: the held version lost its hold", round)
				}
			default:
				t.Fatalf("round %d: both failed: delete %v, update %v", round, delErr, updErr)
			}
		}
	})
	t.Run("UpdateBucket", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		got, err := s.UpdateBucket(t.Context(), "b", func(b *meta.Bucket) error {
			b.Versioning = "Enabled"
			b.ObjectLock = true
			b.Configs = map[string][]byte{"lifecycle": []byte("<L/>")}
			return nil
		})
		noErr(t, "UpdateBucket", err)
		if got.Versioning != "Enabled" || !got.ObjectLock || string(got.Configs["lifecycle"]) != "<L/>" {
			t.Errorf("UpdateBucket returned %+v", got)
		}
		// Concurrent updates of different documents both land.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range 8 {
			wg.Go(func() {
				_, errs[i] = s.UpdateBucket(t.Context(), "b", func(b *meta.Bucket) error {
					m := map[string][]byte{}
					for k, v := range b.Configs {
						m[k] = v
					}
					m[fmt.Sprint("doc", i)] = []byte{byte(i)}
					b.Configs = m
					return nil
				})
			})
		}
		wg.Wait()
		for i, err := range errs {
			noErr(t, fmt.Sprint("concurrent UpdateBucket ", i), err)
		}
		b, err := s.GetBucket(t.Context(), "b")
		noErr(t, "GetBucket", err)
		if len(b.Configs) != 9 || b.Versioning != "Enabled" || !b.ObjectLock || b.Owner != "owner" {
			t.Errorf("GetBucket after concurrent updates: got %+v, want 9 documents, versioning and lock kept", b)
		}
		refuse := errors.New("no")
		_, err = s.UpdateBucket(t.Context(), "b", func(b *meta.Bucket) error {
			b.Versioning = "Suspended"
			return refuse
		})
		wantErr(t, "UpdateBucket refused", err, refuse)
		if b, _ := s.GetBucket(t.Context(), "b"); b.Versioning != "Enabled" {
			t.Errorf("a refused bucket update was written: %q", b.Versioning)
		}
		_, err = s.UpdateBucket(t.Context(), "missing", func(*meta.Bucket) error { return nil })
		wantErr(t, "UpdateBucket of a missing bucket", err, meta.ErrNotFound)
	})
	t.Run("Leases", func(t *testing.T) {
		s := newStore(t)
		now := t0
		l, ok, err := s.AcquireLease(t.Context(), "job", "g1", now, time.Minute)
		noErr(t, "AcquireLease", err)
		if !ok || l.Owner != "g1" || !l.Until.Equal(now.Add(time.Minute)) {
			t.Fatalf("AcquireLease of a free lease: got %+v, %v", l, ok)
		}
		if l, ok, err := s.AcquireLease(t.Context(), "job", "g2", now.Add(30*time.Second), time.Minute); err != nil || ok || l.Owner != "g1" {
			t.Errorf("AcquireLease of a held lease: got %+v, %v, %v, want held by g1", l, ok, err)
		}
		if _, ok, err := s.AcquireLease(t.Context(), "job", "g1", now.Add(30*time.Second), time.Minute); err != nil || !ok {
			t.Errorf("renewal by the holder: got %v, %v", ok, err)
		}
		wantErr(t, "ReleaseLease by a non-holder", s.ReleaseLease(t.Context(), "job", "g2", "x"), meta.ErrPreconditionFailed)
		noErr(t, "ReleaseLease", s.ReleaseLease(t.Context(), "job", "g1", "done-1"))
		l, ok, err = s.AcquireLease(t.Context(), "job", "g2", now.Add(31*time.Second), time.Minute)
		noErr(t, "AcquireLease after release", err)
		if !ok || l.State != "done-1" {
			t.Errorf("AcquireLease after release: got %+v, %v, want g2 with state done-1", l, ok)
		}
		// An expired claim can be taken.
		l, ok, err = s.AcquireLease(t.Context(), "job", "g3", now.Add(2*time.Minute), time.Minute)
		noErr(t, "AcquireLease of an expired lease", err)
		if !ok || l.Owner != "g3" || l.State != "done-1" {
			t.Errorf("AcquireLease of an expired lease: got %+v, %v", l, ok)
		}
		wantErr(t, "ReleaseLease by the previous holder", s.ReleaseLease(t.Context(), "job", "g2", "y"), meta.ErrPreconditionFailed)
		// Racing acquirers: one wins.
		wins := 0
		var mu sync.Mutex
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				_, ok, err := s.AcquireLease(t.Context(), "race", fmt.Sprint("r", i), now, time.Minute)
				if err != nil {
					t.Errorf("AcquireLease race: %v", err)
				}
				if ok {
					mu.Lock()
					wins++
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		if wins != 1 {
			t.Errorf("racing AcquireLease: %d winners, want 1", wins)
		}
	})
}

// testVersionPaging checks ListObjectVersions against a model over keys of
// several versions, null versions and markers, with prefixes, markers and
// limits.
func testVersionPaging(t *testing.T, newStore func(t *testing.T) meta.Store) {
	s := newStore(t)
	createBucket(t, s, "b")
	rng := rand.New(rand.NewPCG(1, 2))
	type ver struct {
		key, id string
		null    bool
	}
	keys := []string{"a", "a/1", "a/2", "ab", "b", "b/x/y", "c", "日本", "z\x01"}
	var model []ver // all versions
	seq := 0
	for round := range 4 {
		for _, k := range keys {
			if rng.IntN(3) == 0 && round > 0 {
				continue
			}
			seq++
			id := fmt.Sprintf("v%04d", seq)
			null := rng.IntN(4) == 0
			o := vobj("b", k, id, !null)
			if rng.IntN(5) == 0 {
				o = marker("b", k, id, !null)
			}
			putObject(t, s, o, meta.Cond{})
			if null {
				model = slices.DeleteFunc(model, func(v ver) bool { return v.key == k && v.null })
			}
			model = append(model, ver{k, id, null})
		}
	}
	sort.Slice(model, func(i, j int) bool {
		if model[i].key != model[j].key {
			return model[i].key < model[j].key
		}
		return model[i].id > model[j].id
	})
	ids := func(vs []ver) []string {
		var out []string
		for _, v := range vs {
			out = append(out, v.key+"@"+v.id)
		}
		return out
	}
	got := listVersions(t, s, "b", meta.VersionListOptions{Limit: 1000})
	var gotIDs []string
	for _, o := range got {
		gotIDs = append(gotIDs, o.Key+"@"+o.VersionID)
	}
	if !slices.Equal(gotIDs, ids(model)) {
		t.Fatalf("ListObjectVersions of everything:\n got %q\nwant %q", gotIDs, ids(model))
	}
	for i, o := range got {
		latest := i == 0 || got[i-1].Key != o.Key
		if o.IsLatest != latest {
			t.Errorf("%s@%s: IsLatest %v, want %v", o.Key, o.VersionID, o.IsLatest, latest)
		}
	}
	// Every page size, with every position as a marker.
	for _, prefix := range []string{"", "a", "a/", "b/", "日", "q"} {
		var want []ver
		for _, v := range model {
			if len(v.key) >= len(prefix) && v.key[:len(prefix)] == prefix {
				want = append(want, v)
			}
		}
		for _, limit := range []int{1, 2, 3, 7} {
			var all []string
			opts := meta.VersionListOptions{Prefix: prefix, Limit: limit}
			for pages := 0; ; pages++ {
				if pages > len(model)+2 {
					t.Fatalf("prefix %q limit %d: listing does not end", prefix, limit)
				}
				page := listVersions(t, s, "b", opts)
				if len(page) > limit {
					t.Fatalf("prefix %q limit %d: got a page of %d", prefix, limit, len(page))
				}
				for _, o := range page {
					all = append(all, o.Key+"@"+o.VersionID)
				}
				if len(page) < limit {
					break
				}
				last := page[len(page)-1]
				opts.KeyMarker, opts.VersionMarker = last.Key, last.VersionID
			}
			if !slices.Equal(all, ids(want)) {
				t.Errorf("prefix %q limit %d: paged\n got %q\nwant %q", prefix, limit, all, ids(want))
			}
		}
	}
	// A key marker alone skips every version of that key; a version
	// marker that no longer exists still places the listing.
	page := listVersions(t, s, "b", meta.VersionListOptions{KeyMarker: "a/1", Limit: 1000})
	if len(page) == 0 || page[0].Key <= "a/1" {
		t.Errorf("KeyMarker a/1: first entry %q, want a key after a/1", versionIDs(page[:min(1, len(page))]))
	}
	var firstB []ver
	for _, v := range model {
		if v.key == "b" {
			firstB = append(firstB, v)
		}
	}
	if len(firstB) > 0 {
		gone := firstB[0].id + "~" // sorts after the newest: lists all of b
		page = listVersions(t, s, "b", meta.VersionListOptions{KeyMarker: "b", VersionMarker: gone, Limit: 1})
		if len(page) != 1 || page[0].Key != "b" || page[0].VersionID != firstB[0].id {
			t.Errorf("VersionMarker above b's newest: got %q, want b@%s", versionIDs(page), firstB[0].id)
		}
	}
}
