package conformance

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/test/harness"
)

// Target is the S3 endpoint under test.
type Target struct {
	Endpoint string // base URL, e.g. http://127.0.0.1:9000
	Region   string
	Root     harness.Credentials // the main tenant
	Alt      harness.Credentials // a second tenant; may be empty in external mode
	External bool                // true when the endpoint came from DOLIUM_S3_ENDPOINT
}

// Environment variables read by TargetFromEnv.
const (
	EnvEndpoint     = "DOLIUM_S3_ENDPOINT"
	EnvAccessKey    = "DOLIUM_S3_ACCESS_KEY"
	EnvSecretKey    = "DOLIUM_S3_SECRET_KEY"
	EnvRegion       = "DOLIUM_S3_REGION"
	EnvAltAccessKey = "DOLIUM_S3_ALT_ACCESS_KEY"
	EnvAltSecretKey = "DOLIUM_S3_ALT_SECRET_KEY"
)

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
		Root:     harness.Credentials{AccessKey: os.Getenv(EnvAccessKey), SecretKey: os.Getenv(EnvSecretKey)},
		Alt:      harness.Credentials{AccessKey: os.Getenv(EnvAltAccessKey), SecretKey: os.Getenv(EnvAltSecretKey)},
		External: true,
	}
	if t.Region == "" {
		t.Region = harness.Region
	}
	if !t.Root.Valid() {
		return nil, true, fmt.Errorf("%s is set but %s or %s is empty", EnvEndpoint, EnvAccessKey, EnvSecretKey)
	}
	if !strings.HasPrefix(ep, "http://") && !strings.HasPrefix(ep, "https://") {
		return nil, true, fmt.Errorf("%s=%q: want an http:// or https:// URL", EnvEndpoint, ep)
	}
	return t, true, nil
}

// tgt is the endpoint every test drives; set by TestMain.
var tgt *Target

func TestMain(m *testing.M) {
	flag.Parse()
	if t, ok, err := TargetFromEnv(); ok {
		if err != nil {
			fmt.Fprintln(os.Stderr, "conformance:", err)
			os.Exit(2)
		}
		tgt = t
		fmt.Fprintf(os.Stderr, "conformance: external endpoint, region %s, alt tenant configured: %v\n", t.Region, t.Alt.Valid())
		os.Exit(m.Run())
	}
	os.Exit(runLocal(m))
}

// runLocal runs the tests against a dolium started on a free loopback port
// with random root credentials and a config file declaring a second
// tenant, "alt"; it prints the tail of the server's log if a test failed.
func runLocal(m *testing.M) int {
	defer harness.Cleanup()
	t := &Target{Region: harness.Region, Root: harness.RandomCredentials(), Alt: harness.RandomCredentials()}
	srv, err := harness.Start(harness.Options{
		Root: t.Root, HealthTimeout: 60 * time.Second,
		Config: fmt.Sprintf("keys:\n  - access_key: %s\n    secret_key: %s\n    owner: alt\n", t.Alt.AccessKey, t.Alt.SecretKey),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance: FAIL starting dolium:", err)
		return 1
	}
	t.Endpoint = srv.Endpoint
	tgt = t
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- tail of dolium log ---\n%s\n", srv.LogTail(60))
	}
	if err := srv.Stop(10 * time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
