package faultproxy

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Mode is what the proxy does with connections.
type Mode int

const (
	// Pass forwards bytes both ways unchanged.
	Pass Mode = iota
	// Refuse resets every connection as soon as it is accepted (and, when
	// set, resets the open ones): clients see "connection reset" or EOF at
	// once, as from a host whose service is down.
	Refuse
	// Blackhole accepts connections, reads and discards what clients send,
	// and never answers: clients wait until their own timeouts, as across
	// a network partition. Open connections stop being forwarded too.
	Blackhole
	// Slow forwards, sleeping Delay before each SlowChunk bytes in either
	// direction.
	Slow
	// Reset forwards until a connection has carried ResetAfter bytes (both
	// directions together), then resets it. Setting it resets the open
	// connections.
	Reset
)

// SlowChunk is the unit of data Slow mode delays by Delay.
const SlowChunk = 64 << 10

// dialTimeout bounds a connection to the target.
const dialTimeout = 5 * time.Second

func (m Mode) String() string {
	switch m {
	case Pass:
		return "Pass"
	case Refuse:
		return "Refuse"
	case Blackhole:
		return "Blackhole"
	case Slow:
		return "Slow"
	case Reset:
		return "Reset"
	}
	return fmt.Sprintf("Mode(%d)", int(m))
}

// Proxy is a TCP proxy in front of one target address whose behaviour
// can be switched while it runs. Its methods are safe for concurrent use.
type Proxy struct {
	ln     net.Listener
	target string

	mu         sync.Mutex
	mode       Mode
	delay      time.Duration
	resetAfter int64
	links      map[*link]struct{}
	closed     bool
	drops      atomic.Int64 // answers still to drop (SetDropAnswers)

	wg sync.WaitGroup
}

// Start listens on listen (such as "127.0.0.1:0") and forwards the
// connections it accepts to target, in mode Pass.
func Start(listen, target string) (*Proxy, error) {
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return nil, fmt.Errorf("faultproxy: %w", err)
	}
	p := &Proxy{ln: ln, target: target, links: map[*link]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	return p, nil
}

// Addr returns the address the proxy listens on, as host:port.
func (p *Proxy) Addr() string { return p.ln.Addr().String() }

// SetMode switches the proxy to m. New connections follow m at once.
// Open connections are reset when m is Refuse or Reset, stop being
// forwarded (their target side is closed, their client side is read and
// discarded) when m is Blackhole, and pick up the delay of Slow or its
// absence in Pass from their next bytes on. Connections blackholed
// earlier are reset when m is not Blackhole, so no client waits on one
// after the partition ends.
func (p *Proxy) SetMode(m Mode) {
	p.mu.Lock()
	p.mode = m
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	for _, l := range links {
		switch {
		case m == Refuse, m == Reset:
			l.reset()
		case m == Blackhole:
			l.blackhole()
		case l.isBlackholed():
			l.reset()
		}
	}
}

// SetDelay sets the delay per SlowChunk bytes of mode Slow.
func (p *Proxy) SetDelay(d time.Duration) {
	p.mu.Lock()
	p.delay = d
	p.mu.Unlock()
}

// SetResetAfter sets the number of bytes after which mode Reset resets a
// connection.
func (p *Proxy) SetResetAfter(n int64) {
	p.mu.Lock()
	p.resetAfter = n
	p.mu.Unlock()
}

// SetDropAnswers makes the proxy drop the next n answers, in any mode but
// Blackhole: when the target starts answering on a connection (its first
// bytes on that connection), those bytes are discarded and the
// connection is reset. The target has by then done whatever the request
// asked; the client sees a connection lost before any answer, as when a
// network drops just after a request succeeded, and an SDK retries.
func (p *Proxy) SetDropAnswers(n int) { p.drops.Store(int64(n)) }

// takeDrop reports whether this answer is one to drop.
func (p *Proxy) takeDrop() bool {
	for {
		n := p.drops.Load()
		if n <= 0 {
			return false
		}
		if p.drops.CompareAndSwap(n, n-1) {
			return true
		}
	}
}

// Close stops listening, resets every open connection and waits for the
// proxy's goroutines to end.
func (p *Proxy) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	links := make([]*link, 0, len(p.links))
	for l := range p.links {
		links = append(links, l)
	}
	p.mu.Unlock()
	err := p.ln.Close()
	for _, l := range links {
		l.reset()
	}
	p.wg.Wait()
	return err
}

type settings struct {
	mode       Mode
	delay      time.Duration
	resetAfter int64
}

func (p *Proxy) settings() settings {
	p.mu.Lock()
	defer p.mu.Unlock()
	return settings{p.mode, p.delay, p.resetAfter}
}

func (p *Proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond) // EMFILE and the like
			continue
		}
		p.mu.Lock()
		mode, closed := p.mode, p.closed
		l := &link{p: p, client: c, blackholed: mode == Blackhole, done: make(chan struct{})}
		if !closed && mode != Refuse {
			p.links[l] = struct{}{}
			p.wg.Add(1)
		}
		p.mu.Unlock()
		if closed || mode == Refuse {
			l.reset()
			continue
		}
		go l.serve(mode != Blackhole)
	}
}

// link is one proxied connection.
type link struct {
	p      *Proxy
	client net.Conn

	mu         sync.Mutex
	upstream   net.Conn // nil until dialled and once blackholed
	blackholed bool
	cut        bool
	done       chan struct{} // closed when the link is reset or closed

	forwarded atomic.Int64 // bytes forwarded, both directions
}

// reset closes the link with a TCP reset to the client (SO_LINGER 0).
func (l *link) reset() {
	if tc, ok := l.client.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	l.close()
}

func (l *link) close() {
	l.mu.Lock()
	if l.cut {
		l.mu.Unlock()
		return
	}
	l.cut = true
	close(l.done)
	up := l.upstream
	l.mu.Unlock()
	l.client.Close()
	if up != nil {
		up.Close()
	}
}

func (l *link) blackhole() {
	l.mu.Lock()
	l.blackholed = true
	up := l.upstream
	l.upstream = nil
	l.mu.Unlock()
	if up != nil {
		up.Close()
	}
}

func (l *link) isBlackholed() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.blackholed
}

// target returns the connection to forward client bytes to, or nil when
// they are to be discarded.
func (l *link) target() net.Conn {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.blackholed {
		return nil
	}
	return l.upstream
}

// serve runs the link until it ends: dialling the target (unless
// blackholed from the start), then copying both ways.
func (l *link) serve(dial bool) {
	defer l.p.wg.Done()
	defer func() {
		l.close()
		l.p.mu.Lock()
		delete(l.p.links, l)
		l.p.mu.Unlock()
	}()
	if dial {
		up, err := net.DialTimeout("tcp", l.p.target, dialTimeout)
		if err != nil {
			l.reset() // the target refused: so does the proxy
			return
		}
		l.mu.Lock()
		if l.cut || l.blackholed {
			l.mu.Unlock()
			up.Close()
		} else {
			l.upstream = up
			l.mu.Unlock()
			l.p.wg.Add(1)
			go func() {
				defer l.p.wg.Done()
				l.copyToClient(up)
			}()
		}
	}
	l.copyFromClient()
}

// copyFromClient forwards (or, blackholed, discards) what the client
// sends until the client's side or the link ends. At the client's EOF
// it half-closes the target side and waits for the link to end, so the
// answer still flows; a blackholed link just stays open, unanswered.
func (l *link) copyFromClient() {
	buf := make([]byte, SlowChunk)
	for {
		n, err := l.client.Read(buf)
		if n > 0 {
			if up := l.target(); up != nil && !l.send(up, buf[:n]) {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				return
			}
			if up := l.target(); up != nil {
				if tc, ok := up.(*net.TCPConn); !ok || tc.CloseWrite() != nil {
					return
				}
			}
			<-l.done
			return
		}
	}
}

// copyToClient forwards what the target sends until it ends its side,
// then closes the link, unless the link was blackholed meanwhile: then
// the client's side stays open, unanswered.
func (l *link) copyToClient(up net.Conn) {
	buf := make([]byte, SlowChunk)
	answering := true // the next bytes from the target start an answer
	for {
		n, err := up.Read(buf)
		if l.isBlackholed() {
			return
		}
		if n > 0 && answering {
			answering = false
			if l.p.takeDrop() {
				l.reset()
				return
			}
		}
		if n > 0 && !l.send(l.client, buf[:n]) {
			return
		}
		if err != nil {
			l.close()
			return
		}
	}
}

// send writes b to dst under the proxy's current mode: in chunks of
// SlowChunk after a delay each in Slow, up to the byte allowance in
// Reset. It reports false when the link has ended.
func (l *link) send(dst net.Conn, b []byte) bool {
	for len(b) > 0 {
		s := l.p.settings()
		chunk := b
		switch s.mode {
		case Slow:
			chunk = chunk[:min(len(chunk), SlowChunk)]
			if s.delay > 0 {
				t := time.NewTimer(s.delay)
				select {
				case <-t.C:
				case <-l.done:
					t.Stop()
					return false
				}
			}
		case Reset:
			left := s.resetAfter - l.forwarded.Load()
			if left <= 0 {
				l.reset()
				return false
			}
			chunk = chunk[:min(int64(len(chunk)), left)]
		}
		if _, err := dst.Write(chunk); err != nil {
			l.close()
			return false
		}
		b = b[len(chunk):]
		if total := l.forwarded.Add(int64(len(chunk))); s.mode == Reset && total >= s.resetAfter {
			l.reset()
			return false
		}
	}
	return true
}
