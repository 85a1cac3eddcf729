package conformance

import (
	"bufio"
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
	"syscall"
	"time"
)

// Credentials is one access key pair.
type Credentials struct {
	AccessKey string
	SecretKey string
}

// Valid reports whether both halves of the pair are set.
func (c Credentials) Valid() bool { return c.AccessKey != "" && c.SecretKey != "" }

// Target is the S3 endpoint under test.
type Target struct {
	Endpoint string // base URL, e.g. http://127.0.0.1:9000
	Region   string
	Root     Credentials // the main tenant
	Alt      Credentials // a second tenant; may be empty in external mode
	External bool        // true when the endpoint came from DOLIUM_S3_ENDPOINT
}

// Environment variables read by TargetFromEnv.
const (
	EnvEndpoint     = "DOLIUM_S3_ENDPOINT"
	EnvAccessKey    = "DOLIUM_S3_ACCESS_KEY"
	EnvSecretKey    = "DOLIUM_S3_SECRET_KEY"
	EnvRegion       = "DOLIUM_S3_REGION"
	EnvAltAccessKey = "DOLIUM_S3_ALT_ACCESS_KEY"
	EnvAltSecretKey = "DOLIUM_S3_ALT_SECRET_KEY"
	EnvRequireCLI   = "DOLIUM_REQUIRE_CLI"
)

// DefaultRegion is used when DOLIUM_S3_REGION is unset, and always for the
// locally started dolium.
const DefaultRegion = "us-east-1"

// TargetFromEnv returns the external target described by the environment, or
// ok=false when DOLIUM_S3_ENDPOINT is unset.
func TargetFromEnv() (t *Target, ok bool, err error) {
	ep := strings.TrimRight(os.Getenv(EnvEndpoint), "/")
	if ep == "" {
		return nil, false, nil
	}
	t = &Target{
		Endpoint: ep,
		Region:   os.Getenv(EnvRegion),
		Root:     Credentials{os.Getenv(EnvAccessKey), os.Getenv(EnvSecretKey)},
		Alt:      Credentials{os.Getenv(EnvAltAccessKey), os.Getenv(EnvAltSecretKey)},
		External: true,
	}
	if t.Region == "" {
		t.Region = DefaultRegion
	}
	if !t.Root.Valid() {
		return nil, true, fmt.Errorf("%s is set but %s or %s is empty", EnvEndpoint, EnvAccessKey, EnvSecretKey)
	}
	if !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
		return nil, true, fmt.Errorf("%s=%q: want an http:// or https:// URL", EnvEndpoint, ep)
	}
	return t, true, nil
}

// Server is a dolium process started by StartLocal.
type Server struct {
	Target  *Target
	Dir     string // temporary directory holding binary, data, config and log
	LogPath string
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
}

// RandomHex returns n random bytes, hex encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// freePort asks the kernel for a free loopback TCP port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// StartLocal builds ./cmd/dolium from moduleRoot, starts it with a fresh data
// directory, a config file declaring the "alt" tenant, and random root
// credentials, and waits up to healthTimeout for GET /healthz to return 200.
// On failure the returned error includes the tail of the server's log.
func StartLocal(moduleRoot string, healthTimeout time.Duration) (*Server, error) {
	dir, err := os.MkdirTemp("", "dolium-conformance-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir, LogPath: filepath.Join(dir, "dolium.log"), exited: make(chan struct{})}

	bin := filepath.Join(dir, "dolium")
	build := exec.Command("go", "build", "-o", bin, "./cmd/dolium")
	build.Dir = moduleRoot
	if out, err := build.CombinedOutput(); err != nil {
		return s, fmt.Errorf("go build ./cmd/dolium: %v\n%s", err, out)
	}

	port, err := freePort()
	if err != nil {
		return s, err
	}
	t := &Target{
		Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port),
		Region:   DefaultRegion,
		Root:     Credentials{"ROOT" + strings.ToUpper(RandomHex(8)), RandomHex(20)},
		Alt:      Credentials{"ALT" + strings.ToUpper(RandomHex(8)), RandomHex(20)},
	}
	s.Target = t

	cfgPath := filepath.Join(dir, "dolium.yaml")
	cfg := fmt.Sprintf("keys:\n  - access_key: %s\n    secret_key: %s\n    owner: alt\n", t.Alt.AccessKey, t.Alt.SecretKey)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return s, err
	}
	logf, err := os.Create(s.LogPath)
	if err != nil {
		return s, err
	}
	s.cmd = exec.Command(bin, "serve",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--data", filepath.Join(dir, "data"),
		"--config", cfgPath)
	s.cmd.Env = append(os.Environ(),
		"DOLIUM_ROOT_ACCESS_KEY="+t.Root.AccessKey,
		"DOLIUM_ROOT_SECRET_KEY="+t.Root.SecretKey)
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	if err := s.cmd.Start(); err != nil {
		logf.Close()
		return s, fmt.Errorf("start dolium: %v", err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		logf.Close()
		close(s.exited)
	}()

	if err := s.waitHealthy(healthTimeout); err != nil {
		return s, fmt.Errorf("%v\n--- tail of dolium log ---\n%s", err, s.LogTail(40))
	}
	return s, nil
}

func (s *Server) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	url := s.Target.Endpoint + "/healthz"
	var last string
	for time.Now().Before(deadline) {
		select {
		case <-s.exited:
			return fmt.Errorf("dolium exited before becoming healthy: %v", s.waitErr)
		default:
		}
		resp, err := client.Get(url)
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
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("dolium not healthy after %v (last: %s)", timeout, last)
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	f, err := os.Open(s.LogPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		if len(lines) > n {
			lines = lines[1:]
		}
	}
	return strings.Join(lines, "\n")
}

// Stop terminates the server (SIGTERM, then SIGKILL after 10s) and removes its
// temporary directory unless keep is true.
func (s *Server) Stop(keep bool) error {
	var err error
	if s.cmd != nil && s.cmd.Process != nil {
		select {
		case <-s.exited:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.exited:
			case <-time.After(10 * time.Second):
				_ = s.cmd.Process.Kill()
				<-s.exited
				err = errors.New("dolium did not exit within 10s of SIGTERM; killed")
			}
		}
	}
	if !keep && s.Dir != "" {
		os.RemoveAll(s.Dir)
	}
	return err
}

// ModuleRoot finds the directory holding go.mod, starting at dir and walking up.
func ModuleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}
