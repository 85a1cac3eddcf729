package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// EnvRequireCLI is the environment variable that, when set, makes
// NewAWSCLI fail a test instead of skipping it when the aws CLI is not on
// PATH.
const EnvRequireCLI = "DOLIUM_REQUIRE_CLI"

// AWSCLI runs the aws CLI against one endpoint as one tenant, in an
// isolated environment: a fresh HOME, its own config (path-style
// addressing) and credentials file, and no AWS_* variables from the
// caller's environment.
type AWSCLI struct {
	bin      string
	endpoint string
	env      []string
}

// NewAWSCLI returns a runner of the aws CLI for endpoint, region and c.
// When the CLI is not installed it skips tb, or fails it if EnvRequireCLI
// is set.
func NewAWSCLI(tb testing.TB, endpoint, region string, c Credentials) *AWSCLI {
	tb.Helper()
	bin, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv(EnvRequireCLI) != "" {
			tb.Fatalf("aws CLI not found on PATH and %s is set", EnvRequireCLI)
		}
		tb.Skipf("aws CLI not installed (set %s=1 to make this a failure)", EnvRequireCLI)
	}
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
	return &AWSCLI{bin: bin, endpoint: endpoint, env: env}
}

// Run executes `aws --endpoint-url <endpoint> args...`, bounded by the test
// and by five minutes, logs how long it took and returns its standard
// output. A failure fails tb at once, with the command's output.
func (a *AWSCLI) Run(tb testing.TB, args ...string) string {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, append([]string{"--endpoint-url", a.endpoint}, args...)...)
	cmd.Env = a.env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	tb.Logf("aws %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		tb.Fatalf("aws %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}
