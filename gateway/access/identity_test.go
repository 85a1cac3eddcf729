package access

import (
	"os"
	"path/filepath"
	"testing"
)

func TestKeystore(t *testing.T) {
	ks, err := NewKeystore([]Key{{"AK1", "secret-one", "alice"}, {"AK2", "secret-two", "bob"}})
	if err != nil {
		t.Fatal(err)
	}
	if s, o, ok := ks.SecretFor("AK2"); !ok || s != "secret-two" || o != "bob" {
		t.Errorf("SecretFor(AK2) = %q, %q, %v; want secret-two, bob, true", s, o, ok)
	}
	if _, _, ok := ks.SecretFor("nope"); ok {
		t.Error("SecretFor(unknown) ok = true, want false")
	}
	for name, keys := range map[string][]Key{
		"duplicate":    {{"AK", "secret-one", "a"}, {"AK", "secret-two", "b"}},
		"short secret": {{"AK", "short", "a"}},
		"no owner":     {{"AK", "secret-one", ""}},
	} {
		if _, err := NewKeystore(keys); err == nil {
			t.Errorf("NewKeystore(%s) err = nil, want an error", name)
		}
	}
}

func TestLoadOrCreateRoot(t *testing.T) {
	dir := t.TempDir()
	k1, created, err := LoadOrCreateRoot(dir)
	if err != nil || !created {
		t.Fatalf("first LoadOrCreateRoot = %v, created %v; want nil, true", err, created)
	}
	if len(k1.AccessKey) != 20 || len(k1.SecretKey) != 40 || k1.Owner != RootOwner {
		t.Errorf("generated key %+v has wrong shape", k1)
	}
	st, err := os.Stat(filepath.Join(dir, RootFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("root file mode = %v, %v; want 0600", st.Mode().Perm(), err)
	}
	k2, created, err := LoadOrCreateRoot(dir)
	if err != nil || created || k2 != k1 {
		t.Errorf("second LoadOrCreateRoot = %+v, %v, %v; want the same key, not created", k2, created, err)
	}
	other, _, _ := LoadOrCreateRoot(t.TempDir())
	if other.SecretKey == k1.SecretKey {
		t.Error("two data directories got the same secret")
	}
}
