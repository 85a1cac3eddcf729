package metatest

import (
	"errors"
	"testing"

	"github.com/dolium/dolium/meta"
)

func testObjects(t *testing.T, newStore func(t *testing.T) meta.Store) {
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		want := fullObject("b", "dir/naïve 日本.txt", "v1")
		if r := putObject(t, s, want, meta.Cond{}); r != nil {
			t.Errorf("PutObject of a new key: got replaced %+v, want nil", r)
		}
		got, err := s.GetObject(t.Context(), "b", want.Key)
		noErr(t, "GetObject", err)
		checkObject(t, "GetObject", got, want)
		if ids := got.DataIDs(); len(ids) != 2 || ids[0] != "d1-v1" || ids[1] != "d2-v1" {
			t.Errorf("DataIDs() = %q, want [d1-v1 d2-v1]", ids)
		}
	})
	t.Run("PutReturnsReplaced", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		v1 := fullObject("b", "k", "v1")
		v2 := newObject("b", "k", "v2")
		putObject(t, s, v1, meta.Cond{})
		r := putObject(t, s, v2, meta.Cond{})
		if r == nil {
			t.Fatal("PutObject over v1: got replaced nil, want v1")
		}
		checkObject(t, "PutObject replaced", *r, v1)
		got, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		checkObject(t, "GetObject after overwrite", got, v2)
	})
	t.Run("GetNotFound", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, newObject("b", "k", "v1"), meta.Cond{})
		for _, c := range []struct{ bucket, key string }{
			{"b", "missing"}, {"b", "k/"}, {"b", "K"}, {"b", ""}, {"other", "k"},
		} {
			_, err := s.GetObject(t.Context(), c.bucket, c.key)
			wantErr(t, "GetObject("+c.bucket+", "+c.key+")", err, meta.ErrNotFound)
		}
	})
	t.Run("IfNoneMatch", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		cond := meta.Cond{IfNoneMatch: true}
		if r := putObject(t, s, newObject("b", "k", "v1"), cond); r != nil {
			t.Errorf("PutObject IfNoneMatch on a new key: got replaced %+v, want nil", r)
		}
		_, err := s.PutObject(t.Context(), newObject("b", "k", "v2"), cond, nil)
		wantErr(t, "PutObject IfNoneMatch on an existing key", err, meta.ErrPreconditionFailed)
		got, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		if got.VersionID != "v1" {
			t.Errorf("GetObject after failed write: got version %q, want v1", got.VersionID)
		}
	})
	t.Run("IfVersion", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		_, err := s.PutObject(t.Context(), newObject("b", "k", "v1"), meta.Cond{IfVersion: "v0"}, nil)
		wantErr(t, "PutObject IfVersion on a missing key", err, meta.ErrPreconditionFailed)
		_, err = s.GetObject(t.Context(), "b", "k")
		wantErr(t, "GetObject after failed conditional create", err, meta.ErrNotFound)

		putObject(t, s, newObject("b", "k", "v1"), meta.Cond{})
		_, err = s.PutObject(t.Context(), newObject("b", "k", "v2"), meta.Cond{IfVersion: "v0"}, nil)
		wantErr(t, "PutObject IfVersion mismatch", err, meta.ErrPreconditionFailed)
		r := putObject(t, s, newObject("b", "k", "v2"), meta.Cond{IfVersion: "v1"})
		if r == nil || r.VersionID != "v1" {
			t.Errorf("PutObject IfVersion match: got replaced %+v, want v1", r)
		}
		_, err = s.PutObject(t.Context(), newObject("b", "k", "v3"), meta.Cond{IfVersion: "v1"}, nil)
		wantErr(t, "PutObject IfVersion of a replaced version", err, meta.ErrPreconditionFailed)
		got, err := s.GetObject(t.Context(), "b", "k")
		noErr(t, "GetObject", err)
		if got.VersionID != "v2" {
			t.Errorf("GetObject: got version %q, want v2", got.VersionID)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		want := fullObject("b", "k", "v1")
		putObject(t, s, want, meta.Cond{})
		putObject(t, s, newObject("b", "k2", "v9"), meta.Cond{})
		got, err := s.DeleteObjectVersion(t.Context(), "b", "k", meta.NullVersion, nil)
		noErr(t, "DeleteObjectVersion", err)
		checkObject(t, "DeleteObjectVersion returned", got, want)
		_, err = s.GetObject(t.Context(), "b", "k")
		wantErr(t, "GetObject after delete", err, meta.ErrNotFound)
		_, err = s.DeleteObjectVersion(t.Context(), "b", "k", meta.NullVersion, nil)
		wantErr(t, "DeleteObjectVersion again", err, meta.ErrNotFound)
		if _, err := s.GetObject(t.Context(), "b", "k2"); err != nil {
			t.Errorf("GetObject of a neighbour after delete: got error %v, want nil", err)
		}
		// The key can be written again, and is new.
		if r := putObject(t, s, newObject("b", "k", "v2"), meta.Cond{IfNoneMatch: true}); r != nil {
			t.Errorf("PutObject after delete: got replaced %+v, want nil", r)
		}
	})
	t.Run("DeleteCheck", func(t *testing.T) {
		s := newStore(t)
		createBucket(t, s, "b")
		putObject(t, s, newObject("b", "k", "v1"), meta.Cond{})
		refuse := errors.New("refused")
		var checked []string
		_, err := s.DeleteObjectVersion(t.Context(), "b", "k", meta.NullVersion, func(o meta.Object) error {
			checked = append(checked, o.VersionID)
			return refuse
		})
		wantErr(t, "DeleteObjectVersion refused by check", err, refuse)
		if len(checked) == 0 || checked[0] != "v1" {
			t.Errorf("check was called with %q, want v1", checked)
		}
		if _, err := s.GetObject(t.Context(), "b", "k"); err != nil {
			t.Fatalf("GetObject after a refused delete: got error %v, want nil", err)
		}
		got, err := s.DeleteObjectVersion(t.Context(), "b", "k", meta.NullVersion, func(meta.Object) error { return nil })
		noErr(t, "DeleteObjectVersion accepted by check", err)
		if got.VersionID != "v1" {
			t.Errorf("DeleteObjectVersion: got version %q, want v1", got.VersionID)
		}
	})
	t.Run("BucketIsolation", func(t *testing.T) {
		// ("b", "bk") and ("bb", "k") would share a key if bucket and key
		// were concatenated without a separator.
		s := newStore(t)
		createBucket(t, s, "b")
		createBucket(t, s, "bb")
		putObject(t, s, newObject("bb", "k", "in-bb"), meta.Cond{})
		_, err := s.GetObject(t.Context(), "b", "bk")
		wantErr(t, `GetObject("b", "bk")`, err, meta.ErrNotFound)
		if r := putObject(t, s, newObject("b", "bk", "in-b"), meta.Cond{IfNoneMatch: true}); r != nil {
			t.Errorf(`PutObject("b", "bk"): got replaced %+v, want nil`, r)
		}
		got, err := s.GetObject(t.Context(), "bb", "k")
		noErr(t, `GetObject("bb", "k")`, err)
		if got.VersionID != "in-bb" {
			t.Errorf(`GetObject("bb", "k"): got version %q, want in-bb`, got.VersionID)
		}
	})
}
