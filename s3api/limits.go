package s3api

import (
	"net/http"
	"sync"

	"github.com/dolium/dolium/s3api/s3err"
)

// headerBytes is the size of a request's header section as sent: every
// field's name, value, ": " and CRLF (the Host header included).
func headerBytes(h http.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// errHeaderTooLarge is RequestHeaderSectionTooLarge with the limit that
// the error body names.
type errHeaderTooLarge struct{ max int }

func (e errHeaderTooLarge) Error() string { return s3err.RequestHeaderSectionTooLarge.Error() }
func (e errHeaderTooLarge) Unwrap() error { return s3err.RequestHeaderSectionTooLarge }

// keyLimiter counts the requests each access key has in flight.
type keyLimiter struct {
	max int // 0: no limit
	mu  sync.Mutex
	n   map[string]int
}

func newKeyLimiter(max int) *keyLimiter { return &keyLimiter{max: max, n: map[string]int{}} }

// acquire takes a request slot of key, or reports false when key has max
// requests in flight already.
func (l *keyLimiter) acquire(key string) bool {
	if l.max <= 0 {
		return true
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[key] >= l.max {
		return false
	}
	l.n[key]++
	return true
}

func (l *keyLimiter) release(key string) {
	if l.max <= 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n[key]--; l.n[key] <= 0 {
		delete(l.n, key)
	}
}
