package local

import (
	"fmt"
	"syscall"

	"github.com/dolium/dolium/blobstore"
)

var _ blobstore.SpaceReporter = (*Driver)(nil)

// FreeBytes returns the bytes an unprivileged writer can still store on the
// file system holding the driver's directory.
func (d *Driver) FreeBytes() (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(d.root, &st); err != nil {
		return 0, fmt.Errorf("local: statfs: %w", err)
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
