package mem

import (
	"context"
	"fmt"
	"sync"

	"github.com/dolium/dolium/blobstore"
)

// Driver is an in-memory blobstore.Driver. The zero value is not usable;
// call New.
type Driver struct {
	mu   sync.RWMutex
	data map[string]map[int][]byte // data id -> index -> blob
}

var (
	_ blobstore.Driver = (*Driver)(nil)
	_ blobstore.Lister = (*Driver)(nil)
)

// New returns an empty Driver.
func New() *Driver { return &Driver{data: make(map[string]map[int][]byte)} }

// Put stores a copy of b as chunk k.
func (d *Driver) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b = append(make([]byte, 0, len(b)), b...)
	d.mu.Lock()
	defer d.mu.Unlock()
	chunks := d.data[k.DataID]
	if chunks == nil {
		chunks = make(map[int][]byte)
		d.data[k.DataID] = chunks
	}
	chunks[k.Index] = b
	return nil
}

// Get returns a copy of chunk k, or an error wrapping blobstore.ErrNotFound.
func (d *Driver) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d.mu.RLock()
	b, ok := d.data[k.DataID][k.Index]
	d.mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("mem: get %s/%d: %w", k.DataID, k.Index, blobstore.ErrNotFound)
	}
	return append(make([]byte, 0, len(b)), b...), nil
}

// Delete removes chunks 0..count-1 of dataID, or all of them if count < 0.
func (d *Driver) Delete(ctx context.Context, dataID string, count int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	chunks := d.data[dataID]
	for i := range chunks {
		if count < 0 || i < count {
			delete(chunks, i)
		}
	}
	if len(chunks) == 0 {
		delete(d.data, dataID)
	}
	return nil
}

// ListDataIDs calls fn for every data id holding at least one chunk, in no
// particular order.
func (d *Driver) ListDataIDs(ctx context.Context, fn func(dataID string) error) error {
	d.mu.RLock()
	ids := make([]string, 0, len(d.data))
	for id := range d.data {
		ids = append(ids, id)
	}
	d.mu.RUnlock()
	for _, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(id); err != nil {
			return err
		}
	}
	return nil
}

// Close does nothing.
func (d *Driver) Close() error { return nil }
