package local

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/dolium/dolium/blobstore"
)

const (
	trashDir     = ".trash"
	maxDataIDLen = 200
)

// Driver is a blobstore.Driver over a local directory. It is safe for
// concurrent use. One directory belongs to one Driver at a time.
type Driver struct {
	root string
	// durable holds directories whose entry in their parent is known to be
	// fsynced, so Put syncs a parent only the first time it meets a directory.
	durable sync.Map // string -> struct{}
}

var (
	_ blobstore.Driver = (*Driver)(nil)
	_ blobstore.Lister = (*Driver)(nil)
)

// Open returns a Driver storing chunks under dir, creating dir if needed and
// removing what an interrupted Delete left in its trash.
func Open(dir string) (*Driver, error) {
	if dir == "" {
		return nil, errors.New("local: empty directory name")
	}
	root, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("local: %w", err)
	}
	if err := os.RemoveAll(filepath.Join(root, trashDir)); err != nil {
		return nil, fmt.Errorf("local: clearing trash: %w", err)
	}
	return &Driver{root: root}, nil
}

// ValidDataID reports whether id is acceptable as a data id.
func ValidDataID(id string) bool {
	if id == "" || len(id) > maxDataIDLen || id == "." || strings.Contains(id, "..") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

func checkDataID(op, id string) error {
	if !ValidDataID(id) {
		return fmt.Errorf("local: %s: invalid data id %q", op, id)
	}
	return nil
}

func shard(id string) string {
	sum := sha1.Sum([]byte(id))
	return hex.EncodeToString(sum[:1])
}

func (d *Driver) dataDir(id string) string {
	return filepath.Join(d.root, shard(id), id)
}

func checkKey(op string, k blobstore.ChunkKey) error {
	if err := checkDataID(op, k.DataID); err != nil {
		return err
	}
	if k.Index < 0 {
		return fmt.Errorf("local: %s %s: negative index %d", op, k.DataID, k.Index)
	}
	return nil
}

// Put stores b as chunk k durably: temporary file, fsync, rename, fsync of
// the directory.
func (d *Driver) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	if err := checkKey("put", k); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := d.dataDir(k.DataID)
	if err := d.mkdirDurable(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("local: put %s/%d: %w", k.DataID, k.Index, err)
	}
	if err := d.mkdirDurable(dir); err != nil {
		return fmt.Errorf("local: put %s/%d: %w", k.DataID, k.Index, err)
	}
	if err := writeFileDurable(dir, strconv.Itoa(k.Index), b); err != nil {
		return fmt.Errorf("local: put %s/%d: %w", k.DataID, k.Index, err)
	}
	return nil
}

// writeFileDurable atomically replaces dir/name with b.
func writeFileDurable(dir, name string, b []byte) (err error) {
	f, err := os.CreateTemp(dir, ".tmp-"+name+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(b); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// mkdirDurable makes sure dir exists and that its entry in its parent is on
// disk. The parent must exist durably already.
func (d *Driver) mkdirDurable(dir string) error {
	if _, ok := d.durable.Load(dir); ok {
		return nil
	}
	if err := os.Mkdir(dir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	// Sync the parent even when dir already existed: another Put (or a
	// process that crashed) may have created it without syncing yet.
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return err
	}
	d.durable.Store(dir, struct{}{})
	return nil
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Get returns chunk k, or an error wrapping blobstore.ErrNotFound.
func (d *Driver) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	if err := checkKey("get", k); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(filepath.Join(d.dataDir(k.DataID), strconv.Itoa(k.Index)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("local: get %s/%d: %w", k.DataID, k.Index, blobstore.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("local: get %s/%d: %w", k.DataID, k.Index, err)
	}
	return b, nil
}

// Delete removes every chunk of dataID, whatever count says. Deleting a
// data id that does not exist is not an error.
func (d *Driver) Delete(ctx context.Context, dataID string, count int) error {
	if err := checkDataID("delete", dataID); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	dir := d.dataDir(dataID)
	trash := filepath.Join(d.root, trashDir)
	if err := os.MkdirAll(trash, 0o755); err != nil {
		return fmt.Errorf("local: delete %s: %w", dataID, err)
	}
	tmp := filepath.Join(trash, dataID+"-"+rand.Text())
	err := os.Rename(dir, tmp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("local: delete %s: %w", dataID, err)
	}
	d.durable.Delete(dir)
	if err := syncDir(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("local: delete %s: %w", dataID, err)
	}
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("local: delete %s: %w", dataID, err)
	}
	return nil
}

// ListDataIDs calls fn for every data id that has a directory, in no
// particular order, stopping at the first error fn returns.
func (d *Driver) ListDataIDs(ctx context.Context, fn func(dataID string) error) error {
	shards, err := os.ReadDir(d.root)
	if err != nil {
		return fmt.Errorf("local: list: %w", err)
	}
	for _, s := range shards {
		if !s.IsDir() || len(s.Name()) != 2 {
			continue
		}
		if _, err := hex.DecodeString(s.Name()); err != nil {
			continue
		}
		ids, err := os.ReadDir(filepath.Join(d.root, s.Name()))
		if err != nil {
			return fmt.Errorf("local: list: %w", err)
		}
		for _, id := range ids {
			if !id.IsDir() || !ValidDataID(id.Name()) {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := fn(id.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

// Close releases nothing; it exists to satisfy blobstore.Driver.
func (d *Driver) Close() error { return nil }
