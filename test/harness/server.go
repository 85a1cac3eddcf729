package harness

// This file is the only non-test code: it builds and starts the server.

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
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
	"syscall"
	"time"
)

// Credentials is an access key pair.
type Credentials struct {
	AccessKey string
	SecretKey string
}

// RandomCredentials returns a fresh key pair.
func RandomCredentials() Credentials {
	return Credentials{AccessKey: "FT" + strings.ToUpper(randomHex(8)), SecretKey: randomHex(20)}
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// Build compiles ./cmd/dolium of the module rooted at moduleRoot into out.
func Build(moduleRoot, out string) error {
	if _, err := os.Stat(filepath.Join(moduleRoot, "go.mod")); err != nil {
		return fmt.Errorf("module root %s: %w", moduleRoot, err)
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("go toolchain not on PATH: %w", err)
	}
	cmd := exec.Command(goBin, "build", "-o", out, "./cmd/dolium")
	cmd.Dir = moduleRoot
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/dolium: %v\n%s", err, b)
	}
	return nil
}

// Options describe one dolium process.
type Options struct {
	Binary  string      // path of the dolium binary
	DataDir string      // --data; reused as is on a restart
	Root    Credentials // the root tenant
	Args    []string    // further flags, e.g. "--gc-interval", "1s"
	Env     []string    // further environment, e.g. "DOLIUM_FAILPOINTS=commit.after-write"
	// HealthTimeout bounds the wait for GET /healthz (default 20s).
	HealthTimeout time.Duration
}

// Server is a running dolium process.
type Server struct {
	Endpoint string // http://127.0.0.1:port
	Addr     string // 127.0.0.1:port
	Options  Options

	cmd     *exec.Cmd
	log     *syncBuffer
	exited  chan struct{}
	waitErr error
}

// Start runs dolium on a free loopback port and waits until GET /healthz
// answers 200. It fails, with the tail of the server's output, if the
// process exits or does not become healthy in time. A lost race for the
// port is retried.
func Start(o Options) (*Server, error) {
	if o.HealthTimeout == 0 {
		o.HealthTimeout = 20 * time.Second
	}
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		var s *Server
		s, err = startOnce(o)
		if err == nil {
			return s, nil
		}
		if s == nil || !strings.Contains(s.log.String(), "address already in use") {
			break
		}
	}
	return nil, err
}

func startOnce(o Options) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	s := &Server{Endpoint: "http://" + addr, Addr: addr, Options: o, log: &syncBuffer{}, exited: make(chan struct{})}
	args := append([]string{"serve", "--listen", addr, "--data", o.DataDir}, o.Args...)
	s.cmd = exec.Command(o.Binary, args...)
	s.cmd.Env = append(os.Environ(),
		"DOLIUM_ROOT_ACCESS_KEY="+o.Root.AccessKey,
		"DOLIUM_ROOT_SECRET_KEY="+o.Root.SecretKey)
	s.cmd.Env = append(s.cmd.Env, o.Env...)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start dolium: %w", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	if err := s.waitHealthy(o.HealthTimeout); err != nil {
		s.Kill()
		return s, fmt.Errorf("%v\n--- tail of dolium output ---\n%s", err, s.LogTail(40))
	}
	return s, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitHealthy(timeout time.Duration) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(timeout)
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("dolium exited before becoming healthy: %v", s.waitErr)
		default:
		}
		resp, err := client.Get(s.Endpoint + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = fmt.Sprintf("GET /healthz: status %d", resp.StatusCode)
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("dolium not healthy after %v: %s", timeout, last)
}

// Kill sends SIGKILL and waits for the process to be gone. Calling it on a
// process that has exited already is harmless.
func (s *Server) Kill() error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	<-s.exited
	return nil
}

// Stop asks the process to shut down (SIGTERM) and waits up to timeout; a
// process still running then is killed and Stop reports that as an error,
// so callers can check that dolium shuts down cleanly.
func (s *Server) Stop(timeout time.Duration) error {
	select {
	case <-s.exited:
		return nil
	default:
	}
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	select {
	case <-s.exited:
		return nil
	case <-time.After(timeout):
		s.Kill()
		return fmt.Errorf("dolium did not exit within %v of SIGTERM; killed", timeout)
	}
}

// PID is the process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// RSS returns the process's resident set size and its peak so far, in
// bytes (Linux: VmRSS and VmHWM of /proc/<pid>/status).
func (s *Server) RSS() (cur, peak int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.PID()))
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
func (s *Server) Exited() bool {
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// LogTail returns the last n lines the process wrote.
func (s *Server) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(s.log.String(), "\n"), "\n")
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

// ChunkDirs counts the data-id directories of the local chunk store under
// dataDir (<dataDir>/chunks/<xx>/<dataID>), skipping the store's trash.
func ChunkDirs(dataDir string) (int, error) {
	root := filepath.Join(dataDir, "chunks")
	shards, err := os.ReadDir(root)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sh := range shards {
		if !sh.IsDir() || strings.HasPrefix(sh.Name(), ".") {
			continue
		}
		ids, err := os.ReadDir(filepath.Join(root, sh.Name()))
		if err != nil {
			if errors.Is(err, os.ErrNotExist) { // emptied and removed meanwhile
				continue
			}
			return 0, err
		}
		for _, id := range ids {
			if id.IsDir() && !strings.HasPrefix(id.Name(), ".") {
				n++
			}
		}
	}
	return n, nil
}
