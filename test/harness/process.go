package harness

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Command is a server process for StartProcess: a program, its arguments
// and environment, and the URL that tells when it is ready.
type Command struct {
	Path string
	Args []string
	Env  []string // added to the test's own environment
	// Health is a URL that answers 200 once the process serves.
	Health string
	// HealthTimeout bounds the wait for Health (default 20s).
	HealthTimeout time.Duration
	// Ready, when set, is text the process prints once it has bound its
	// address; Health counts only after it appears. It keeps another
	// process that holds the same port (a lost race for a free port)
	// from passing for this one.
	Ready string
}

// Process is a running child process; what it writes to standard output
// and standard error is kept for LogTail.
type Process struct {
	name    string
	cmd     *exec.Cmd
	log     *syncBuffer
	exited  chan struct{} // closed when the process has ended
	ended   atomic.Bool   // set just before exited is closed
	waitErr error
}

// StartProcess runs c and waits until c.Health answers 200. It fails, with
// the tail of the process's output, if the process exits or does not
// become healthy in time; the process is killed then.
func StartProcess(c Command) (*Process, error) {
	p, err := startProcess(c)
	if err != nil && p != nil {
		err = fmt.Errorf("%v\n--- tail of %s output ---\n%s", err, p.name, p.LogTail(40))
	}
	return p, err
}

// startProcess is StartProcess without the output in its error.
func startProcess(c Command) (*Process, error) {
	if c.HealthTimeout == 0 {
		c.HealthTimeout = 20 * time.Second
	}
	p := &Process{name: filepath.Base(c.Path), log: &syncBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(c.Path, c.Args...)
	p.cmd.Env = append(os.Environ(), c.Env...)
	p.cmd.Stdout = p.log
	p.cmd.Stderr = p.log
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", p.name, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		p.ended.Store(true)
		close(p.exited)
	}()
	if err := p.waitHealthy(c.Health, c.Ready, c.HealthTimeout); err != nil {
		p.Kill()
		return p, err
	}
	return p, nil
}

func (p *Process) waitHealthy(url, ready string, timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		if p.Exited() {
			return fmt.Errorf("%s exited before becoming healthy: %v", p.name, p.waitErr)
		}
		if ready != "" && !strings.Contains(p.log.String(), ready) {
			last = fmt.Sprintf("%q not printed yet", ready)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		resp, err := client.Get(url)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("GET %s: status %d", url, resp.StatusCode)
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s not healthy after %v: %s", p.name, timeout, last)
}

// OnFreePort calls start with a free loopback address ("127.0.0.1:port")
// and returns the address. When start fails because the address is in use
// (its error says "in use", as StartProcess's does with the process's
// output: a lost race for the port), it is called again with another one,
// three times at most.
func OnFreePort(start func(addr string) error) (string, error) {
	var err error
	for range 3 {
		var addr string
		if addr, err = FreeAddr(); err != nil {
			return "", err
		}
		if err = start(addr); err == nil {
			return addr, nil
		}
		if !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	return "", err
}

// FreeAddr returns a loopback address whose port is free now.
func FreeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Kill sends SIGKILL and waits for the process to be gone. Calling it on a
// process that has exited already is harmless.
func (p *Process) Kill() error {
	if p.Exited() {
		return nil
	}
	if err := p.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-p.exited
	return nil
}

// Stop asks the process to shut down (SIGTERM) and waits up to timeout; a
// process still running then is killed and Stop reports that as an error,
// so callers can check that it shuts down cleanly.
func (p *Process) Stop(timeout time.Duration) error {
	if p.Exited() {
		return nil
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(timeout):
		p.Kill()
		return fmt.Errorf("%s did not exit within %v of SIGTERM; killed", p.name, timeout)
	}
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// RSS returns the process's resident set size and its peak so far, in
// bytes (Linux: VmRSS and VmHWM of /proc/<pid>/status).
func (p *Process) RSS() (cur, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.PID()))
	if err != nil {
		return 0, 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		var kb int64
		if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err != nil {
			return 0, 0, fmt.Errorf("%s: %q: %w", name, v, err)
		}
		if name == "VmRSS" {
			cur = kb << 10
		} else {
			peak = kb << 10
		}
	}
	return cur, peak, nil
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool { return p.ended.Load() }

// LogTail returns the last n lines the process wrote.
func (p *Process) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(p.log.String(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// syncBuffer is a bytes.Buffer safe for the process's two output streams
// and a concurrent reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
