package placement

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/dolium/dolium/blobstore"
)

// breaker wraps one zone's driver. After a call finds the zone unreachable
// (any failure but not-found, corruption or the caller's own cancellation),
// the zone is skipped for Options.BreakerCooldown: calls fail at once with
// an error wrapping blobstore.ErrUnavailable instead of each waiting out
// connection retries or ZoneTimeout. The first call after the cooldown
// probes the zone again. With a zero cooldown the breaker is off.
//
// Without it, a cloud that black-holes traffic costs every chunk write the
// full zone timeout, although the write quorum was met long before.
type breaker struct {
	blobstore.Driver
	opts *Options

	mu        sync.Mutex
	downUntil time.Time
}

var errZoneSkipped = fmt.Errorf("zone marked unreachable, skipped until its cooldown ends: %w", blobstore.ErrUnavailable)

func (b *breaker) allow() error {
	if b.opts.BreakerCooldown <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if time.Now().Before(b.downUntil) {
		return errZoneSkipped
	}
	return nil
}

// observe trips the breaker when err says the zone did not answer.
func (b *breaker) observe(ctx context.Context, err error) {
	if err == nil || b.opts.BreakerCooldown <= 0 || blobstore.IsNotFound(err) || errors.Is(err, blobstore.ErrCorrupt) {
		return
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return // the caller gave up; says nothing about the zone
	}
	b.mu.Lock()
	b.downUntil = time.Now().Add(b.opts.BreakerCooldown)
	b.mu.Unlock()
}

func (b *breaker) Put(ctx context.Context, k blobstore.ChunkKey, p []byte) error {
	if err := b.allow(); err != nil {
		return err
	}
	err := b.Driver.Put(ctx, k, p)
	b.observe(ctx, err)
	return err
}

func (b *breaker) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	if err := b.allow(); err != nil {
		return nil, err
	}
	p, err := b.Driver.Get(ctx, k)
	b.observe(ctx, err)
	return p, err
}

func (b *breaker) Delete(ctx context.Context, dataID string, count int) error {
	if err := b.allow(); err != nil {
		return err
	}
	err := b.Driver.Delete(ctx, dataID, count)
	b.observe(ctx, err)
	return err
}

// withBreakers wraps every zone's driver in a breaker reading opts.
func (z *zoneSet) withBreakers() {
	for i := range z.zones {
		z.zones[i].Driver = &breaker{Driver: z.zones[i].Driver, opts: z.opts}
	}
}
