package harness

import (
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
)

// Chromium runs a headless Chromium (the Debian package `chromium`, which
// `make test-deps` installs) for the tests that need a real browser's
// fetch and CORS checks.
type Chromium struct {
	bin string
}

// NewChromium finds chromium on PATH. When it is not installed it skips
// tb, or fails it if EnvRequireCLI is set, as NewAWSCLI does.
func NewChromium(tb testing.TB) *Chromium {
	tb.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if bin, err := exec.LookPath(name); err == nil {
			return &Chromium{bin: bin}
		}
	}
	if os.Getenv(EnvRequireCLI) != "" {
		tb.Fatalf("chromium not found on PATH and %s is set (make test-deps installs it)", EnvRequireCLI)
	}
	tb.Skipf("chromium not installed (set %s=1 to make this a failure)", EnvRequireCLI)
	return nil
}

// Browser is a running headless Chromium.
type Browser struct {
	cmd  *exec.Cmd
	out  syncBuffer
	once sync.Once
}

// Open starts a headless Chromium, with a fresh profile, on url. It runs
// until Close, which the test's cleanup also calls. Its output is kept for
// Log.
func (c *Chromium) Open(tb testing.TB, url string) *Browser {
	tb.Helper()
	args := []string{
		"--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
		"--disable-extensions", "--disable-background-networking", "--disable-sync",
		"--disable-dev-shm-usage", "--user-data-dir=" + tb.TempDir(),
	}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox") // Chromium refuses to run as root with its sandbox
	}
	b := &Browser{cmd: exec.Command(c.bin, append(args, url)...)}
	b.cmd.Stdout, b.cmd.Stderr = &b.out, &b.out
	// Its own process group, so that Close ends the renderer and the
	// other helper processes with it.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	b.cmd.Env = append(os.Environ(), "HOME="+tb.TempDir())
	if err := b.cmd.Start(); err != nil {
		tb.Fatalf("start chromium: %v", err)
	}
	tb.Cleanup(b.Close)
	return b
}

// Close kills the browser's process group and waits for the browser.
func (b *Browser) Close() {
	b.once.Do(func() {
		syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
		b.cmd.Wait()
	})
}

// Log is what the browser printed, for a failing test's message.
func (b *Browser) Log() string { return b.out.String() }
