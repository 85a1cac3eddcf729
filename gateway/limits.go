package gateway

import (
	"context"
	"errors"

	"github.com/dolium/dolium/blobstore"
)

// ErrOverloaded: the memory budget the request needs stayed spent, or its
// client already holds its share; the request may be retried (S3
// SlowDown).
var ErrOverloaded = blobstore.ErrBusy

// ErrStoreFull: the data or metadata store is out of space.
var ErrStoreFull = errors.New("store full")

// WithClient names the client (access key) a request acts for, so that
// the chunk stores count its memory against that client's share.
func WithClient(ctx context.Context, client string) context.Context {
	return blobstore.WithClient(ctx, client)
}

// IsStoreFull reports whether err means that a store ran out of space.
func IsStoreFull(err error) bool {
	return errors.Is(err, ErrStoreFull) || blobstore.IsNoSpace(err)
}

// full reports whether any chunk store is out of space.
func (g *Gateway) full() bool {
	for _, p := range g.placements.All() {
		if p.Store != nil && p.Store.Full() {
			return true
		}
	}
	return false
}
