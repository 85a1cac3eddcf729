package local_test

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/local"
	"github.com/dolium/dolium/blobstore/storetest"
)

func newDriver(t *testing.T) blobstore.Driver {
	t.Helper()
	d, err := local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDriver(t *testing.T) { storetest.Run(t, newDriver) }

func TestStore(t *testing.T) { storetest.RunStore(t, newDriver) }

func TestInvalidDataID(t *testing.T) {
	d, err := local.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"", ".", "..", "a/b", "../x", "a..b", `a\b`, "x/../../etc", "a b", "é", strings.Repeat("a", 201)} {
		k := blobstore.ChunkKey{DataID: id}
		if err := d.Put(t.Context(), k, []byte("x")); err == nil {
			t.Errorf("Put(%q) = nil, want an error", id)
		}
		if _, err := d.Get(t.Context(), k); err == nil || blobstore.IsNotFound(err) {
			t.Errorf("Get(%q) = %v, want an invalid data id error", id, err)
		}
		if err := d.Delete(t.Context(), id, -1); err == nil {
			t.Errorf("Delete(%q) = nil, want an error", id)
		}
	}
	for _, id := range []string{"a", ".a", "a.b", "A-Z_0.9", strings.Repeat("a", 200)} {
		if !local.ValidDataID(id) {
			t.Errorf("ValidDataID(%q) = false, want true", id)
		}
	}
}

func TestLayoutAndReopen(t *testing.T) {
	dir := t.TempDir()
	d, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	k := blobstore.ChunkKey{DataID: "obj-1", Index: 7}
	if err := d.Put(t.Context(), k, []byte("hello")); err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum([]byte("obj-1"))
	path := filepath.Join(dir, hex.EncodeToString(sum[:1]), "obj-1", "7")
	if b, err := os.ReadFile(path); err != nil || string(b) != "hello" {
		t.Fatalf("ReadFile(<dir>/xx/obj-1/7) = %q, %v; want %q", b, err, "hello")
	}
	// No temporary files are left beside the chunk.
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil || len(entries) != 1 {
		t.Fatalf("chunk directory holds %v (%v), want the chunk only", entries, err)
	}

	// Leftovers of an interrupted Delete are cleared on Open; data stays.
	if err := os.MkdirAll(filepath.Join(dir, ".trash", "old-x", "0"), 0o755); err != nil {
		t.Fatal(err)
	}
	d2, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".trash", "old-x")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("trash after Open: %v, want it gone", err)
	}
	if b, err := d2.Get(t.Context(), k); err != nil || string(b) != "hello" {
		t.Fatalf("Get after reopen = %q, %v; want %q", b, err, "hello")
	}
}
