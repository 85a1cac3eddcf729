package conformance

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/dolium/dolium/test/harness"
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
	Target *Target
	Dir    string // temporary directory holding binary, data and config
	srv    *harness.Server
}

// RandomHex returns n random bytes, hex encoded.
func RandomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// StartLocal builds ./cmd/dolium of the module at moduleRoot into a temporary
// directory, starts it on a free loopback port with random root and alt
// credentials, and waits up to healthTimeout for GET /healthz to return 200.
// On failure the returned error includes the tail of the server's log.
func StartLocal(moduleRoot string, healthTimeout time.Duration) (*Server, error) {
	dir, err := os.MkdirTemp("", "dolium-conformance-")
	if err != nil {
		return nil, err
	}
	s := &Server{Dir: dir}
	bin := filepath.Join(dir, "dolium")
	if err := harness.Build(moduleRoot, bin); err != nil {
		return s, err
	}
	t := &Target{
		Region: DefaultRegion,
		Root:   Credentials{"ROOT" + strings.ToUpper(RandomHex(8)), RandomHex(20)},
		Alt:    Credentials{"ALT" + strings.ToUpper(RandomHex(8)), RandomHex(20)},
	}
	s.Target = t
	cfgPath := filepath.Join(dir, "dolium.yaml")
	cfg := fmt.Sprintf("keys:\n  - access_key: %s\n    secret_key: %s\n    owner: alt\n", t.Alt.AccessKey, t.Alt.SecretKey)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return s, err
	}
	s.srv, err = harness.Start(harness.Options{
		Binary: bin, DataDir: filepath.Join(dir, "data"), HealthTimeout: healthTimeout,
		Root: harness.Credentials{AccessKey: t.Root.AccessKey, SecretKey: t.Root.SecretKey},
		Args: []string{"--config", cfgPath},
	})
	if err != nil {
		return s, err
	}
	t.Endpoint = s.srv.Endpoint
	return s, nil
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	if s.srv == nil {
		return "(not started)"
	}
	return s.srv.LogTail(n)
}

// Stop terminates the server (SIGTERM, then SIGKILL after 10s, reported as
// an error) and removes its temporary directory unless keep is true.
func (s *Server) Stop(keep bool) error {
	var err error
	if s.srv != nil {
		err = s.srv.Stop(10 * time.Second)
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
