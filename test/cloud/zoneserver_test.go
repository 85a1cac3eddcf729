package cloud

import (
	"fmt"
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

// installMinIO runs test/cloud/install-minio.sh (a no-op when the pinned
// version is in bin/ already) and returns the binary's path.
func installMinIO() (string, error) {
	root, err := harness.ModuleRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command("bash", filepath.Join(root, "test", "cloud", "install-minio.sh"))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("test/cloud/install-minio.sh: %v\n%s", err, out)
	}
	return filepath.Join(root, "bin", "minio"), nil
}

// zoneServer is one cloud's S3 server process. It keeps its address
// across restarts, so the proxy in front of it needs no new target when
// the cloud is replaced.
type zoneServer struct {
	kind string
	dir  string // its data directory
	root harness.Credentials

	mu      sync.Mutex
	address string
	proc    *harness.Process
}

func (z *zoneServer) addr() string {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.address
}

// start runs the server (on a free port the first time, and on another if
// its port was taken meanwhile) and waits until it answers its health
// check.
func (z *zoneServer) start() error {
	if addr := z.addr(); addr != "" {
		if err := z.run(addr); err == nil || !strings.Contains(err.Error(), "in use") {
			return err
		}
	}
	addr, err := harness.OnFreePort(z.run)
	if err == nil {
		z.mu.Lock()
		z.address = addr
		z.mu.Unlock()
	}
	return err
}

// run starts the server on addr and makes it the zone's process.
func (z *zoneServer) run(addr string) error {
	var p *harness.Process
	var err error
	switch z.kind {
	case kindDolium:
		var s *harness.Server
		if s, err = harness.Start(harness.Options{Addr: addr, DataDir: z.dir, Root: z.root, HealthTimeout: 60 * time.Second}); err == nil {
			p = s.Process
		}
	case kindMinIO:
		p, err = harness.StartProcess(harness.Command{
			Path: minioBin, Args: []string{"server", z.dir, "--address", addr, "--quiet"},
			Env: []string{"MINIO_ROOT_USER=" + z.root.AccessKey, "MINIO_ROOT_PASSWORD=" + z.root.SecretKey,
				"MINIO_BROWSER=off", "MINIO_UPDATE=off"},
			Health: "http://" + addr + "/minio/health/live", HealthTimeout: 60 * time.Second,
		})
	default:
		return fmt.Errorf("unknown cloud kind %q", z.kind)
	}
	if err == nil {
		z.mu.Lock()
		z.proc = p
		z.mu.Unlock()
	}
	return err
}

// process is the server's current process (nil before its first start).
func (z *zoneServer) process() *harness.Process {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.proc
}

// kill SIGKILLs the server and waits for it to be gone.
func (z *zoneServer) kill() {
	if p := z.process(); p != nil {
		p.Kill()
	}
}

// pid is the server process's id.
func (z *zoneServer) pid() int { return z.process().PID() }

// replace kills the server, wipes its data and starts an empty one on the
// same address: a new provider account behind the same endpoint.
func (z *zoneServer) replace() error {
	z.kill()
	if err := os.RemoveAll(z.dir); err != nil {
		return err
	}
	if err := os.MkdirAll(z.dir, 0o700); err != nil {
		return err
	}
	return z.run(z.addr())
}

func (z *zoneServer) logTail(n int) string {
	if p := z.process(); p != nil {
		return p.LogTail(n)
	}
	return ""
}
