package harness

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/internal/cqldb"
)

// Credentials is an access key pair.
type Credentials struct {
	AccessKey string
	SecretKey string
}

// Valid reports whether both halves of the pair are set.
func (c Credentials) Valid() bool { return c.AccessKey != "" && c.SecretKey != "" }

// RandomCredentials returns a fresh key pair.
func RandomCredentials() Credentials {
	return Credentials{AccessKey: "FT" + strings.ToUpper(RandomHex(8)), SecretKey: RandomHex(20)}
}

// RandomHex returns n random bytes, hex encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// ModuleRoot finds the directory holding go.mod, starting at the working
// directory (a test's package directory) and walking up.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
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

// The harness's temporary directory, made once per test binary and
// removed by Cleanup: the dolium binary and data outlasting one test.
var temp struct {
	once sync.Once
	dir  string
	err  error
}

// TempDir returns a new directory under the harness's temporary
// directory, for data that outlasts one test (a server TestMain starts);
// Cleanup removes it.
func TempDir() (string, error) {
	temp.once.Do(func() { temp.dir, temp.err = os.MkdirTemp("", "dolium-harness-") })
	if temp.err != nil {
		return "", temp.err
	}
	return os.MkdirTemp(temp.dir, "")
}

// The binary Binary builds, once per test binary.
var built struct {
	once sync.Once
	path string
	err  error
}

// Binary returns the path of this module's dolium binary, building it on
// the first call into the harness's temporary directory. A failed build
// is reported to every caller.
func Binary() (string, error) {
	built.once.Do(func() {
		root, err := ModuleRoot()
		var dir string
		if err == nil {
			dir, err = TempDir()
		}
		if err == nil {
			built.path = filepath.Join(dir, "dolium")
			err = Build(root, built.path)
		}
		if err != nil {
			built.err = fmt.Errorf("building dolium: %w", err)
		}
	})
	return built.path, built.err
}

// Cleanup removes the harness's temporary directory: the binary Binary
// built and the directories TempDir made.
func Cleanup() {
	if temp.dir != "" {
		os.RemoveAll(temp.dir)
	}
}

// Main builds dolium, runs the tests and removes the build again, for a
// test binary whose tests start dolium processes:
//
//	func TestMain(m *testing.M) { os.Exit(harness.Main(m)) }
//
// A failed build fails each test that starts a process, not the binary.
func Main(m *testing.M) int {
	defer Cleanup()
	Binary()
	return m.Run()
}

// Cassandra names the Cassandra a gateway keeps its metadata and chunks in.
type Cassandra struct {
	Hosts    string // --cassandra-hosts, e.g. "127.0.0.1:9042"
	Keyspace string // --cassandra-keyspace
}

// Options describe one dolium process.
type Options struct {
	Binary string // path of the dolium binary; "" means Binary()
	// DataDir is --data, reused as is on a restart; "" means a new
	// TempDir.
	DataDir string
	Root    Credentials // the root tenant
	// Addr is the address to listen on; "" means a free loopback port.
	Addr string
	// Cassandra, when its Hosts are set, runs the gateway on Cassandra
	// (--store cassandra) instead of the embedded store.
	Cassandra Cassandra
	// Config, when set, is the YAML of the --config file, written to
	// DataDir + ".yaml".
	Config string
	Args   []string // further flags, e.g. "--gc-interval", "1s"
	Env    []string // further environment, e.g. "DOLIUM_FAILPOINTS=commit.after-write"
	// HealthTimeout bounds the wait for GET /healthz (default 20s).
	HealthTimeout time.Duration
}

// Server is a running dolium process.
type Server struct {
	*Process
	Endpoint string // http://127.0.0.1:port
	Addr     string // 127.0.0.1:port
	Options  Options
}

// Start runs dolium (on a free loopback port unless o.Addr is set) and
// waits until GET /healthz answers 200. It fails, with the tail of the
// server's output, if the process exits or does not become healthy in
// time. A lost race for a free port is retried on another.
func Start(o Options) (*Server, error) {
	if o.Binary == "" {
		var err error
		if o.Binary, err = Binary(); err != nil {
			return nil, err
		}
	}
	if o.DataDir == "" {
		var err error
		if o.DataDir, err = TempDir(); err != nil {
			return nil, err
		}
	}
	args := []string{"--data", o.DataDir}
	if o.Cassandra.Hosts != "" {
		args = append(args, "--store", "cassandra", "--cassandra-hosts", o.Cassandra.Hosts, "--cassandra-keyspace", o.Cassandra.Keyspace)
	}
	if o.Config != "" {
		file := filepath.Clean(o.DataDir) + ".yaml"
		if err := os.WriteFile(file, []byte(o.Config), 0o600); err != nil {
			return nil, err
		}
		args = append(args, "--config", file)
	}
	args = append(args, o.Args...)
	var p *Process
	start := func(addr string) (err error) {
		p, err = StartProcess(Command{
			Path: o.Binary,
			Args: append([]string{"serve", "--listen", addr}, args...),
			Env: append([]string{"DOLIUM_ROOT_ACCESS_KEY=" + o.Root.AccessKey, "DOLIUM_ROOT_SECRET_KEY=" + o.Root.SecretKey},
				o.Env...),
			Health:        "http://" + addr + "/healthz",
			HealthTimeout: o.HealthTimeout,
			// the banner cmd/dolium prints once its listener is bound
			Ready: "dolium is serving S3 at http://" + addr + " ",
		})
		return err
	}
	var err error
	if o.Addr != "" {
		err = start(o.Addr)
	} else {
		o.Addr, err = OnFreePort(start)
	}
	if err != nil {
		return nil, err
	}
	return &Server{Process: p, Endpoint: "http://" + o.Addr, Addr: o.Addr, Options: o}, nil
}

// StartTest is Start for a test: it fails tb (never skips it) when dolium
// does not start, and kills the process when the test ends, logging the
// tail of its output if the test failed.
func StartTest(tb testing.TB, o Options) *Server {
	tb.Helper()
	s, err := Start(o)
	if err != nil {
		tb.Fatalf("starting dolium: %v", err)
	}
	tb.Cleanup(func() {
		s.Kill()
		if tb.Failed() {
			tb.Logf("tail of dolium output (%s):\n%s", s.Addr, s.LogTail(40))
		}
	})
	return s
}

// AdminCommand returns `dolium admin <verb> --endpoint <s> args...` run
// with s's root key, for the caller to run.
func (s *Server) AdminCommand(ctx context.Context, verb string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, s.Options.Binary, append([]string{"admin", verb, "--endpoint", s.Endpoint}, args...)...)
	cmd.Env = append(os.Environ(), "DOLIUM_ROOT_ACCESS_KEY="+s.Options.Root.AccessKey, "DOLIUM_ROOT_SECRET_KEY="+s.Options.Root.SecretKey)
	return cmd
}

// Context returns a context that ends with the test or after d.
func Context(tb testing.TB, d time.Duration) context.Context {
	tb.Helper()
	c, cancel := context.WithTimeout(tb.Context(), d)
	tb.Cleanup(cancel)
	return c
}

// TempKeyspace returns a fresh keyspace name, prefix_<random>, for a
// gateway on the Cassandra at host to create, and drops the keyspace when
// the test ends.
func TempKeyspace(tb testing.TB, host, prefix string) string {
	tb.Helper()
	ks := prefix + "_" + RandomHex(4)
	tb.Cleanup(func() {
		db, err := cqldb.Connect(context.Background(), cqldb.Config{Hosts: []string{host}, Keyspace: ks}, nil)
		if err == nil {
			db.Session.Query("DROP KEYSPACE IF EXISTS " + ks).Exec()
			db.Close()
		}
	})
	return ks
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
