package cloudtest

import (
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
	"time"

	"github.com/dolium/dolium/test/harness"
)

// The kinds of cloud a zone can be.
const (
	kindDolium = "dolium" // a dolium process on its embedded store
	kindMinIO  = "minio"  // a MinIO server, single drive
)

var (
	minioBin string // installed once by TestMain
	minioErr error
)

// installMinIO runs cloudtest/install-minio.sh (a no-op when the pinned
// version is in bin/ already) and returns the binary's path.
func installMinIO(root string) (string, error) {
	cmd := exec.Command("bash", filepath.Join(root, "cloudtest", "install-minio.sh"))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("cloudtest/install-minio.sh: %v\n%s", err, out)
	}
	return filepath.Join(root, "bin", "minio"), nil
}

// zoneServer is one cloud's S3 server process. It keeps its port across
// restarts, so the proxy in front of it needs no new target when the cloud
// is replaced.
type zoneServer struct {
	kind string
	dir  string // its data directory
	root harness.Credentials
	port int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
	log    *tailBuffer
}

func (z *zoneServer) addr() string { return fmt.Sprintf("127.0.0.1:%d", z.port) }

// start runs the server (on a free port the first time) and waits until it
// answers its health check.
func (z *zoneServer) start() error {
	var err error
	for attempt := 0; attempt < 3; attempt++ {
		if z.port == 0 || attempt > 0 {
			if z.port, err = freePort(); err != nil {
				return err
			}
		}
		if err = z.startOnce(); err == nil || !strings.Contains(z.logTail(40), "in use") {
			return err
		}
	}
	return err
}

func (z *zoneServer) startOnce() error {
	var cmd *exec.Cmd
	var health string
	switch z.kind {
	case kindDolium:
		cmd = exec.Command(doliumBin, "serve", "--listen", z.addr(), "--data", z.dir)
		cmd.Env = append(os.Environ(), "DOLIUM_ROOT_ACCESS_KEY="+z.root.AccessKey, "DOLIUM_ROOT_SECRET_KEY="+z.root.SecretKey)
		health = "/healthz"
	case kindMinIO:
		cmd = exec.Command(minioBin, "server", z.dir, "--address", z.addr(), "--quiet")
		cmd.Env = append(os.Environ(), "MINIO_ROOT_USER="+z.root.AccessKey, "MINIO_ROOT_PASSWORD="+z.root.SecretKey,
			"MINIO_BROWSER=off", "MINIO_UPDATE=off")
		health = "/minio/health/live"
	default:
		return fmt.Errorf("unknown cloud kind %q", z.kind)
	}
	log := &tailBuffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", z.kind, err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	z.mu.Lock()
	z.cmd, z.exited, z.log = cmd, exited, log
	z.mu.Unlock()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	last := "no answer"
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("%s exited before answering: %s", z.kind, log.tail(20))
		default:
		}
		resp, err := client.Get("http://" + z.addr() + health)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(50 * time.Millisecond)
	}
	z.kill()
	return fmt.Errorf("%s not healthy after 60s: %s", z.kind, last)
}

// kill SIGKILLs the server and waits for it to be gone.
func (z *zoneServer) kill() {
	z.mu.Lock()
	cmd, exited := z.cmd, z.exited
	z.mu.Unlock()
	if cmd == nil {
		return
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return
	}
	<-exited
}

// replace kills the server, wipes its data and starts an empty one on the
// same port: a new provider account behind the same endpoint.
func (z *zoneServer) replace() error {
	z.kill()
	if err := os.RemoveAll(z.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(z.dir, 0o700); err != nil {
		return err
	}
	return z.startOnce()
}

func (z *zoneServer) logTail(n int) string {
	z.mu.Lock()
	log := z.log
	z.mu.Unlock()
	if log == nil {
		return ""
	}
	return log.tail(n)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tailBuffer keeps the last 64 KiB a process wrote.
type tailBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > 64<<10 {
		t.b = append([]byte(nil), t.b[len(t.b)-32<<10:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) tail(n int) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	lines := strings.Split(strings.TrimRight(string(t.b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
