package blobstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrBusy is returned (possibly wrapped) by Write and Open when the write or
// read budget stayed spent for the whole budget wait, or when the client
// already holds its share of it. The request may be retried later; the S3
// layer answers 503 SlowDown.
var ErrBusy = errors.New("blobstore: memory budget exhausted, retry later")

type clientKey struct{}

// WithClient returns a context whose Writes and reads are counted against
// the budget share of client (an access key). Without it, a Write or a
// reader draws on the shared budget only.
func WithClient(ctx context.Context, client string) context.Context {
	return context.WithValue(ctx, clientKey{}, client)
}

func clientFrom(ctx context.Context) string {
	s, _ := ctx.Value(clientKey{}).(string)
	return s
}

// budget is a counting semaphore of chunk buffers with a per-client cap
// and a bounded wait. A token stands for one chunk buffer (ChunkSize plus
// its trailer) held by a Write or a reader.
type budget struct {
	tokens    chan struct{}
	perClient int           // tokens one client may hold at once
	wait      time.Duration // longest wait for a token
	onWait    func()        // called when a take has to wait (metrics)

	mu      sync.Mutex
	clients map[string]*share
}

// share counts the tokens of one client; it lives while the client holds
// or waits for a token.
type share struct {
	client string
	slots  chan struct{}
	refs   int // holders and waiters
}

func newBudget(tokens, perClient int, wait time.Duration, onWait func()) *budget {
	tokens = max(1, tokens)
	perClient = min(max(1, perClient), tokens)
	return &budget{tokens: make(chan struct{}, tokens), perClient: perClient, wait: wait, onWait: onWait, clients: map[string]*share{}}
}

// grant is one token taken from a budget; give it back with put.
type grant struct {
	sh *share // nil when no client was named
}

var errNoToken = errors.New("blobstore: no token free")

// take takes one token for the client named by ctx. With block false it
// fails with errNoToken at once if none is free; otherwise it waits up to
// the budget's wait, then fails with ErrBusy (or ctx's error).
func (b *budget) take(ctx context.Context, block bool) (grant, error) {
	var g grant
	if c := clientFrom(ctx); c != "" {
		g.sh = b.ref(c)
	}
	var timer *time.Timer
	wait := func(ch chan struct{}) error {
		select {
		case ch <- struct{}{}:
			return nil
		default:
		}
		if !block {
			return errNoToken
		}
		if timer == nil {
			if b.onWait != nil {
				b.onWait()
			}
			timer = time.NewTimer(b.wait)
		}
		select {
		case ch <- struct{}{}:
			return nil
		case <-timer.C:
			return ErrBusy
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if g.sh != nil {
		if err := wait(g.sh.slots); err != nil {
			b.unref(g.sh)
			return grant{}, err
		}
	}
	err := wait(b.tokens)
	if timer != nil {
		timer.Stop()
	}
	if err != nil {
		if g.sh != nil {
			<-g.sh.slots
			b.unref(g.sh)
		}
		return grant{}, err
	}
	return g, nil
}

// put gives a token back.
func (b *budget) put(g grant) {
	<-b.tokens
	if g.sh != nil {
		<-g.sh.slots
		b.unref(g.sh)
	}
}

func (b *budget) ref(client string) *share {
	b.mu.Lock()
	defer b.mu.Unlock()
	sh := b.clients[client]
	if sh == nil {
		sh = &share{client: client, slots: make(chan struct{}, b.perClient)}
		b.clients[client] = sh
	}
	sh.refs++
	return sh
}

func (b *budget) unref(sh *share) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if sh.refs--; sh.refs == 0 {
		delete(b.clients, sh.client)
	}
}

// held returns the tokens taken and not given back (for tests).
func (b *budget) held() int { return len(b.tokens) }

// SpaceReporter is an optional Driver capability: how many bytes its
// backend can still take (a local disk's free space).
type SpaceReporter interface {
	FreeBytes() (int64, error)
}

// IsNoSpace reports whether err means the backend is out of space (a full
// disk or an exhausted quota).
func IsNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// spaceState remembers the last put that failed for want of space.
type spaceState struct {
	fullAt atomic.Int64 // unix nanoseconds of the last such failure; 0 after a put succeeded
}

func (s *spaceState) observe(err error) {
	switch {
	case err == nil:
		if s.fullAt.Load() != 0 {
			s.fullAt.Store(0)
		}
	case IsNoSpace(err):
		s.fullAt.Store(time.Now().UnixNano())
	}
}

// fullHold is how long a put's out-of-space failure counts as "full" for a
// driver that reports free space which looks sufficient (inodes, reserved
// blocks, a concurrent burst).
const fullHold = 10 * time.Second

// Full reports whether the store is out of space: its driver reports less
// free space than two chunks, or a put failed for want of space (for a
// SpaceReporter, in the last few seconds; otherwise since the last put that
// succeeded).
func (s *Store) Full() bool {
	at := s.space.fullAt.Load()
	if sr, ok := s.d.(SpaceReporter); ok {
		if free, err := sr.FreeBytes(); err == nil && free < 2*(s.chunkSize+trailerLen) {
			return true
		}
		return at != 0 && time.Since(time.Unix(0, at)) < fullHold
	}
	return at != 0
}
