package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// EnvRequireCLI is the environment variable that, when set, makes
// NewAWSCLI, NewAWSCLIMajor and LookTool fail a test instead of skipping
// it when the client program it needs is not installed.
const EnvRequireCLI = "DOLIUM_REQUIRE_CLI"

// LookTool returns the path of the program name on PATH (a client such as
// restic). When there is none it skips tb, or fails it if EnvRequireCLI
// is set.
func LookTool(tb testing.TB, name string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(EnvRequireCLI) != "" {
			tb.Fatalf("%s not found on PATH and %s is set (make test-deps installs it)", name, EnvRequireCLI)
		}
		tb.Skipf("%s not installed (set %s=1 to make this a failure)", name, EnvRequireCLI)
	}
	return p
}

// Environment variables naming the aws CLI of one major version, for
// NewAWSCLIMajor; each overrides the places it would look otherwise.
const (
	EnvAWSCLIV1 = "DOLIUM_AWSCLI_V1"
	EnvAWSCLIV2 = "DOLIUM_AWSCLI_V2"
)

// AWSCLIV1Dir is where make test-deps installs aws CLI v1 (PyPI's
// awscli) in a Python venv, relative to the module root.
const AWSCLIV1Dir = "bin/awscli-v1"

// AWSCLI runs the aws CLI against one endpoint as one tenant, in an
// isolated environment: a fresh HOME, its own config (path-style
// addressing) and credentials file, and no AWS_* variables from the
// caller's environment.
type AWSCLI struct {
	bin      string
	version  string
	endpoint string
	env      []string
}

// NewAWSCLI returns a runner of the aws CLI on PATH, whichever version it
// is, for endpoint, region and c. When the CLI is not installed it skips
// tb, or fails it if EnvRequireCLI is set.
func NewAWSCLI(tb testing.TB, endpoint, region string, c Credentials) *AWSCLI {
	tb.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv(EnvRequireCLI) != "" {
			tb.Fatalf("aws CLI not found on PATH and %s is set", EnvRequireCLI)
		}
		tb.Skipf("aws CLI not installed (set %s=1 to make this a failure)", EnvRequireCLI)
	}
	v, _ := awsCLIVersion(bin)
	return newAWSCLI(tb, bin, v, endpoint, region, c)
}

// NewAWSCLIMajor is NewAWSCLI for the aws CLI of one major version, 1 or
// 2, found by FindAWSCLI. When there is none it skips tb, or fails it if
// EnvRequireCLI is set.
func NewAWSCLIMajor(tb testing.TB, major int, endpoint, region string, c Credentials) *AWSCLI {
	tb.Helper()
	bin, v, err := FindAWSCLI(major)
	if err != nil {
		if os.Getenv(EnvRequireCLI) != "" {
			tb.Fatalf("%v, and %s is set (make test-deps installs it)", err, EnvRequireCLI)
		}
		tb.Skipf("%v (set %s=1 to make this a failure)", err, EnvRequireCLI)
	}
	tb.Logf("aws CLI v%d: %s (%s)", major, bin, v)
	return newAWSCLI(tb, bin, v, endpoint, region, c)
}

// FindAWSCLI returns the path and the `--version` line of the aws CLI
// of the given major version. It looks at $DOLIUM_AWSCLI_V<major> alone
// when that is set; otherwise, in order, at AWSCLIV1Dir/bin/aws under the
// module root (v1 from make test-deps), /usr/bin/aws (Debian's awscli
// package, v2) and every aws on PATH, and takes the first whose version
// has that major.
func FindAWSCLI(major int) (path, version string, err error) {
	env := map[int]string{1: EnvAWSCLIV1, 2: EnvAWSCLIV2}[major]
	if env == "" {
		return "", "", fmt.Errorf("aws CLI major version %d: want 1 or 2", major)
	}
	want := fmt.Sprintf("aws-cli/%d.", major)
	if p := os.Getenv(env); p != "" {
		v, err := awsCLIVersion(p)
		if err != nil {
			return "", "", fmt.Errorf("%s=%s: %w", env, p, err)
		}
		if !strings.HasPrefix(v, want) {
			return "", "", fmt.Errorf("%s=%s is %q, not aws CLI v%d", env, p, v, major)
		}
		return p, v, nil
	}
	var cands []string
	if root, err := ModuleRoot(); err == nil {
		cands = append(cands, filepath.Join(root, AWSCLIV1Dir, "bin", "aws"))
	}
	cands = append(cands, "/usr/bin/aws")
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if dir != "" {
			cands = append(cands, filepath.Join(dir, "aws"))
		}
	}
	var seen []string
	for _, p := range cands {
		if fi, err := os.Stat(p); err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			continue
		}
		v, err := awsCLIVersion(p)
		if err != nil {
			seen = append(seen, fmt.Sprintf("%s: %v", p, err))
			continue
		}
		if strings.HasPrefix(v, want) {
			return p, v, nil
		}
		seen = append(seen, fmt.Sprintf("%s: %s", p, v))
	}
	if len(seen) == 0 {
		seen = []string{"no aws CLI at all"}
	}
	return "", "", fmt.Errorf("no aws CLI v%d found (%s unset; found %s)", major, env, strings.Join(seen, "; "))
}

// The `--version` lines of the aws CLIs asked, by path.
var cliVersions sync.Map

// awsCLIVersion runs `bin --version` (v1 printed it on standard error in
// old releases, so both streams are read) and returns its first line.
func awsCLIVersion(bin string) (string, error) {
	if v, ok := cliVersions.Load(bin); ok {
		return v.(string), nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--version").CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		return "", fmt.Errorf("%s --version: %v: %s", bin, err, line)
	}
	if !strings.HasPrefix(line, "aws-cli/") {
		return "", fmt.Errorf("%s --version: %q is not an aws CLI version", bin, line)
	}
	cliVersions.Store(bin, line)
	return line, nil
}

func newAWSCLI(tb testing.TB, bin, version, endpoint, region string, c Credentials) *AWSCLI {
	tb.Helper()
	home := tb.TempDir()
	cfg := filepath.Join(home, "config")
	creds := filepath.Join(home, "credentials")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("[default]\nregion = %s\ns3 =\n    addressing_style = path\n", region)), 0o600); err != nil {
		tb.Fatalf("write aws config: %v", err)
	}
	if err := os.WriteFile(creds, nil, 0o600); err != nil {
		tb.Fatalf("write aws credentials: %v", err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "AWS_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env,
		"HOME="+home,
		"AWS_CONFIG_FILE="+cfg,
		"AWS_SHARED_CREDENTIALS_FILE="+creds,
		"AWS_ACCESS_KEY_ID="+c.AccessKey,
		"AWS_SECRET_ACCESS_KEY="+c.SecretKey,
		"AWS_DEFAULT_REGION="+region,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PAGER=",
	)
	return &AWSCLI{bin: bin, version: version, endpoint: endpoint, env: env}
}

// Version is the CLI's `--version` line, e.g. "aws-cli/2.9.19 Python/3.11.2 ...".
func (a *AWSCLI) Version() string { return a.version }

// Run executes `aws --endpoint-url <endpoint> args...`, bounded by the test
// and by five minutes, logs how long it took and returns its standard
// output. A failure fails tb at once, with the command's output.
func (a *AWSCLI) Run(tb testing.TB, args ...string) string {
	tb.Helper()
	out, errOut, err := a.RunErr(tb, args...)
	if err != nil {
		tb.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// RunErr is Run for a command that may fail: it returns the command's
// standard output and error and how it ended, and fails tb for nothing.
func (a *AWSCLI) RunErr(tb testing.TB, args ...string) (stdout, stderr string, err error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, append([]string{"--endpoint-url", a.endpoint}, args...)...)
	cmd.Env = a.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err = cmd.Run()
	tb.Logf("aws %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return out.String(), errb.String(), err
}
