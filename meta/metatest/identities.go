package metatest

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/dolium/dolium/meta"
)

// testIdentities pins the users, access keys and identity settings.
func testIdentities(t *testing.T, newStore func(t *testing.T) meta.Store) {
	user := func(name, owner string) meta.User {
		return meta.User{Name: name, Owner: owner, DisplayName: "The " + name,
			CanonicalID: fmt.Sprintf("%064x", len(name)), Status: meta.StatusActive, Created: t0}
	}
	sameUser := func(t *testing.T, what string, got, want meta.User) {
		t.Helper()
		if got.Name != want.Name || got.Owner != want.Owner || got.DisplayName != want.DisplayName ||
			got.CanonicalID != want.CanonicalID || got.Status != want.Status || !got.Created.Equal(want.Created) ||
			!bytes.Equal(got.Policy, want.Policy) || (got.Policy == nil) != (want.Policy == nil) {
			t.Errorf("%s: got %+v, want %+v", what, got, want)
		}
	}
	key := func(id, user string) meta.AccessKey {
		return meta.AccessKey{ID: id, User: user, SealedSecret: []byte("sealed\x00\xff" + id), Status: meta.StatusActive, Created: t0}
	}
	sameKey := func(t *testing.T, what string, got, want meta.AccessKey) {
		t.Helper()
		if got.ID != want.ID || got.User != want.User || !bytes.Equal(got.SealedSecret, want.SealedSecret) ||
			got.Status != want.Status || !got.Created.Equal(want.Created) {
			t.Errorf("%s: got %+v, want %+v", what, got, want)
		}
	}

	t.Run("Users", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		bob, alice := user("bob", "tenant-b"), user("alice", "tenant-a")
		noErr(t, "CreateUser(bob)", s.CreateUser(ctx, bob))
		noErr(t, "CreateUser(alice)", s.CreateUser(ctx, alice))
		wantErr(t, "CreateUser of a taken name", s.CreateUser(ctx, user("bob", "other")), meta.ErrConflict)
		got, err := s.GetUser(ctx, "bob")
		noErr(t, "GetUser", err)
		sameUser(t, "GetUser(bob)", got, bob)
		_, err = s.GetUser(ctx, "carol")
		wantErr(t, "GetUser of a missing user", err, meta.ErrNotFound)
		all, err := s.ListUsers(ctx)
		noErr(t, "ListUsers", err)
		if len(all) != 2 || all[0].Name != "alice" || all[1].Name != "bob" {
			t.Fatalf("ListUsers: got %+v, want alice then bob", all)
		}
		sameUser(t, "ListUsers[0]", all[0], alice)

		// UpdateUser changes the policy, status and display name, and
		// nothing else.
		doc := []byte(`{"Version":"2012-10-17","Statement":[]}`)
		got, err = s.UpdateUser(ctx, "bob", func(u *meta.User) error {
			u.Policy, u.Status, u.DisplayName = doc, meta.StatusInactive, "Robert"
			u.Owner, u.CanonicalID = "hijack", "00"
			return nil
		})
		noErr(t, "UpdateUser", err)
		want := bob
		want.Policy, want.Status, want.DisplayName = doc, meta.StatusInactive, "Robert"
		sameUser(t, "UpdateUser's result", got, want)
		got, err = s.GetUser(ctx, "bob")
		noErr(t, "GetUser after UpdateUser", err)
		sameUser(t, "GetUser after UpdateUser", got, want)
		// An error from update writes nothing.
		boom := errors.New("boom")
		_, err = s.UpdateUser(ctx, "bob", func(u *meta.User) error { u.Policy = nil; return boom })
		if !errors.Is(err, boom) {
			t.Errorf("UpdateUser whose update fails: got %v, want %v", err, boom)
		}
		got, _ = s.GetUser(ctx, "bob")
		sameUser(t, "GetUser after a failed update", got, want)
		// Detach: the policy is gone (nil).
		got, err = s.UpdateUser(ctx, "bob", func(u *meta.User) error { u.Policy = nil; return nil })
		noErr(t, "UpdateUser detaching the policy", err)
		want.Policy = nil
		sameUser(t, "UpdateUser detaching", got, want)
		got, _ = s.GetUser(ctx, "bob")
		sameUser(t, "GetUser after detaching", got, want)
		_, err = s.UpdateUser(ctx, "carol", func(*meta.User) error { return nil })
		wantErr(t, "UpdateUser of a missing user", err, meta.ErrNotFound)

		noErr(t, "DeleteUser", s.DeleteUser(ctx, "bob"))
		wantErr(t, "DeleteUser again", s.DeleteUser(ctx, "bob"), meta.ErrNotFound)
		_, err = s.GetUser(ctx, "bob")
		wantErr(t, "GetUser of a deleted user", err, meta.ErrNotFound)
		// The name can be taken again.
		noErr(t, "CreateUser of a deleted name", s.CreateUser(ctx, user("bob", "tenant-c")))
	})

	t.Run("ConcurrentUpdates", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		noErr(t, "CreateUser", s.CreateUser(ctx, user("u", "o")))
		var wg sync.WaitGroup
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.UpdateUser(ctx, "u", func(u *meta.User) error {
					u.DisplayName += string(rune('a' + i))
					return nil
				})
				if err != nil {
					t.Errorf("UpdateUser %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		got, err := s.GetUser(ctx, "u")
		noErr(t, "GetUser", err)
		if len(got.DisplayName) != len("The u")+4 {
			t.Errorf("after 4 concurrent updates: display name %q, want each update applied once", got.DisplayName)
		}
	})

	t.Run("AccessKeys", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		k2, k1, k3 := key("AK2", "alice"), key("AK1", "alice"), key("AK3", "bob")
		for _, k := range []meta.AccessKey{k2, k1, k3} {
			noErr(t, "CreateAccessKey("+k.ID+")", s.CreateAccessKey(ctx, k))
		}
		wantErr(t, "CreateAccessKey of a taken id", s.CreateAccessKey(ctx, key("AK1", "bob")), meta.ErrConflict)
		got, err := s.GetAccessKey(ctx, "AK1")
		noErr(t, "GetAccessKey", err)
		sameKey(t, "GetAccessKey(AK1)", got, k1)
		_, err = s.GetAccessKey(ctx, "AK9")
		wantErr(t, "GetAccessKey of a missing key", err, meta.ErrNotFound)

		all, err := s.ListAccessKeys(ctx, "")
		noErr(t, "ListAccessKeys", err)
		if len(all) != 3 || all[0].ID != "AK1" || all[1].ID != "AK2" || all[2].ID != "AK3" {
			t.Fatalf("ListAccessKeys(all): got %+v, want AK1, AK2, AK3", all)
		}
		sameKey(t, "ListAccessKeys[2]", all[2], k3)
		mine, err := s.ListAccessKeys(ctx, "alice")
		noErr(t, "ListAccessKeys(alice)", err)
		if len(mine) != 2 || mine[0].ID != "AK1" || mine[1].ID != "AK2" {
			t.Errorf("ListAccessKeys(alice): got %+v, want AK1, AK2", mine)
		}
		if none, err := s.ListAccessKeys(ctx, "carol"); err != nil || len(none) != 0 {
			t.Errorf("ListAccessKeys(carol): got %+v, %v, want none", none, err)
		}

		got, err = s.SetAccessKeyStatus(ctx, "AK2", meta.StatusInactive)
		noErr(t, "SetAccessKeyStatus", err)
		want := k2
		want.Status = meta.StatusInactive
		sameKey(t, "SetAccessKeyStatus's result", got, want)
		got, _ = s.GetAccessKey(ctx, "AK2")
		sameKey(t, "GetAccessKey after disabling", got, want)
		got, err = s.SetAccessKeyStatus(ctx, "AK2", meta.StatusActive)
		noErr(t, "SetAccessKeyStatus(Active)", err)
		sameKey(t, "enabled again", got, k2)
		_, err = s.SetAccessKeyStatus(ctx, "AK9", meta.StatusInactive)
		wantErr(t, "SetAccessKeyStatus of a missing key", err, meta.ErrNotFound)
		if _, err := s.GetAccessKey(ctx, "AK9"); !errors.Is(err, meta.ErrNotFound) {
			t.Errorf("SetAccessKeyStatus of a missing key created it: GetAccessKey = %v", err)
		}

		noErr(t, "DeleteAccessKey", s.DeleteAccessKey(ctx, "AK1"))
		wantErr(t, "DeleteAccessKey again", s.DeleteAccessKey(ctx, "AK1"), meta.ErrNotFound)
		_, err = s.GetAccessKey(ctx, "AK1")
		wantErr(t, "GetAccessKey of a deleted key", err, meta.ErrNotFound)
		if all, _ := s.ListAccessKeys(ctx, ""); len(all) != 2 {
			t.Errorf("ListAccessKeys after a delete: got %d keys, want 2", len(all))
		}
	})

	t.Run("Settings", func(t *testing.T) {
		s := newStore(t)
		ctx := t.Context()
		_, err := s.GetIdentitySetting(ctx, "root")
		wantErr(t, "GetIdentitySetting of a missing setting", err, meta.ErrNotFound)
		v, created, err := s.ClaimIdentitySetting(ctx, "root", []byte("first\x00"))
		noErr(t, "ClaimIdentitySetting", err)
		if !created || string(v) != "first\x00" {
			t.Errorf("first claim: got %q, %v, want first, true", v, created)
		}
		v, created, err = s.ClaimIdentitySetting(ctx, "root", []byte("second"))
		noErr(t, "ClaimIdentitySetting again", err)
		if created || string(v) != "first\x00" {
			t.Errorf("second claim: got %q, %v, want first, false", v, created)
		}
		if v, err := s.GetIdentitySetting(ctx, "root"); err != nil || string(v) != "first\x00" {
			t.Errorf("GetIdentitySetting: got %q, %v, want first", v, err)
		}

		// Racing claims: one wins, every claimer gets its value.
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, values := 0, map[string]bool{}
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, created, err := s.ClaimIdentitySetting(ctx, "race", fmt.Appendf(nil, "value-%d", i))
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Errorf("claim %d: %v", i, err)
					return
				}
				if created {
					wins++
				}
				values[string(v)] = true
			}()
		}
		wg.Wait()
		if wins != 1 || len(values) != 1 {
			t.Errorf("racing claims: %d won, values %v; want one winner and one value", wins, values)
		}
	})
}
