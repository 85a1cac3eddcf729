package gatewaytest

import (
	"context"
	"math/rand"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/pebble"
)

// Clock is a clock the test moves. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock at a fixed time.
func NewClock() *Clock { return &Clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Stores opens an embedded metadata store in a temporary directory (closed
// at the test's end) and an in-memory chunk driver.
func Stores(t testing.TB) (meta.Store, *mem.Driver) {
	t.Helper()
	ms, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	return ms, mem.New()
}

// RandBytes returns n bytes from a random source seeded with seed.
func RandBytes(n int, seed int64) []byte {
	b := make([]byte, n)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// Resolve resolves bucket name with resolve (a gateway's ResolveBucket)
// and fails the test if it cannot.
func Resolve[B any](t testing.TB, resolve func(context.Context, string) (B, error), name string) B {
	t.Helper()
	b, err := resolve(context.Background(), name)
	if err != nil {
		t.Fatalf("ResolveBucket(%q) = %v", name, err)
	}
	return b
}
