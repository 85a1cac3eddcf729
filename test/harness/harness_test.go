package harness

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/s3api/sigv4"
)

// The test binary doubles as the server process of the Process tests: with
// helperEnv set it serves /healthz on that address (or fails as told).
const helperEnv = "HARNESS_TEST_SERVE"

func TestMain(m *testing.M) {
	if addr := os.Getenv(helperEnv); addr != "" {
		serveHelper(addr)
		return
	}
	os.Exit(m.Run())
}

func serveHelper(addr string) {
	switch os.Getenv("HARNESS_TEST_MODE") {
	case "exit":
		fmt.Println("giving up")
		os.Exit(3)
	case "in-use":
		fmt.Printf("listen tcp %s: bind: address already in use\n", addr)
		os.Exit(1)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("serving on", addr)
	http.Serve(l, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/healthz" {
			http.NotFound(w, r)
		}
	}))
}

func helper(addr, mode string) Command {
	return Command{
		Path:          os.Args[0],
		Env:           []string{helperEnv + "=" + addr, "HARNESS_TEST_MODE=" + mode},
		Health:        "http://" + addr + "/healthz",
		HealthTimeout: 10 * time.Second,
	}
}

func TestProcessLifecycle(t *testing.T) {
	var p *Process
	addr, err := OnFreePort(func(addr string) (err error) { p, err = StartProcess(helper(addr, "")); return err })
	if err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	if !strings.Contains(p.LogTail(5), "serving on "+addr) {
		t.Errorf("LogTail = %q, want the process's output", p.LogTail(5))
	}
	if p.Exited() {
		t.Fatal("Exited() = true for a running process")
	}
	if cur, peak, err := p.RSS(); err != nil || cur <= 0 || peak < cur {
		t.Errorf("RSS() = %d, %d, %v; want a positive size and a peak at least as large", cur, peak, err)
	}
	if err := p.Stop(5 * time.Second); err != nil {
		t.Errorf("Stop() = %v, want a clean exit on SIGTERM", err)
	}
	if !p.Exited() {
		t.Error("Exited() = false after Stop")
	}
	if err := p.Kill(); err != nil {
		t.Errorf("Kill() after exit = %v, want nil", err)
	}
}

func TestProcessExitsBeforeHealthy(t *testing.T) {
	addr, err := FreeAddr()
	if err != nil {
		t.Fatal(err)
	}
	p, err := StartProcess(helper(addr, "exit"))
	if err == nil || !strings.Contains(err.Error(), "exited before becoming healthy") || !strings.Contains(err.Error(), "giving up") {
		t.Fatalf("StartProcess of a process that exits = %v, want an error with its output", err)
	}
	if !p.Exited() {
		t.Error("the failed process still runs")
	}
}

func TestOnFreePortRetriesAddressInUse(t *testing.T) {
	tries := 0
	var p *Process
	_, err := OnFreePort(func(addr string) (err error) {
		tries++
		mode := ""
		if tries == 1 {
			mode = "in-use"
		}
		p, err = StartProcess(helper(addr, mode))
		return err
	})
	if err != nil {
		t.Fatalf("OnFreePort = %v after %d tries", err, tries)
	}
	defer p.Kill()
	if tries != 2 {
		t.Errorf("tries = %d, want 2 (one lost race for the port)", tries)
	}
	tries = 0
	if _, err := OnFreePort(func(addr string) error { tries++; _, err := StartProcess(helper(addr, "exit")); return err }); err == nil || tries != 1 {
		t.Errorf("OnFreePort of a failing process = %v after %d tries, want its error after 1", err, tries)
	}
}

type keys map[string]string

func (k keys) SecretFor(ak string) (string, string, bool) { s, ok := k[ak]; return s, "owner", ok }

// TestSign: a request signed by Sign passes dolium's verifier, also for a
// path with escaped characters (signed as sent, not escaped again).
func TestSign(t *testing.T) {
	c := RandomCredentials()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := sigv4.Verify(r, keys{c.AccessKey: c.SecretKey}, Region, time.Now()); err != nil {
			http.Error(w, err.Error(), http.StatusForbidden)
		}
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name  string
		creds Credentials
		path  string
		want  int
	}{
		{"plain", c, "/bucket/key", http.StatusOK},
		{"escaped", c, "/bucket/a%20b%2Bc/%C3%A9", http.StatusOK},
		{"wrong secret", Credentials{AccessKey: c.AccessKey, SecretKey: "x" + c.SecretKey}, "/bucket/key", http.StatusForbidden},
	} {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+tc.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := Sign(req, tc.creds, Region, "UNSIGNED-PAYLOAD", time.Now()); err != nil {
			t.Fatal(err)
		}
		if got := req.Header.Get("X-Amz-Content-Sha256"); got != "UNSIGNED-PAYLOAD" {
			t.Errorf("%s: X-Amz-Content-Sha256 = %q", tc.name, got)
		}
		if r := Do(t, nil, req); r.Status != tc.want {
			t.Errorf("%s: status %d (%s), want %d", tc.name, r.Status, r.Body, tc.want)
		}
	}
}

func TestModuleRootAndCredentials(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(root + "/cmd/dolium"); err != nil {
		t.Errorf("ModuleRoot() = %s, which has no cmd/dolium: %v", root, err)
	}
	a, b := RandomCredentials(), RandomCredentials()
	if !a.Valid() || a == b || (Credentials{AccessKey: "x"}).Valid() {
		t.Errorf("RandomCredentials: %v, %v; want two different valid pairs", a, b)
	}
}

// TestReadyKeepsAnOccupantFromPassing is the race CI met: the port chosen
// was taken by another healthy server before the new process bound it, so
// /healthz answered 200 from the other one. With Ready the start fails
// with the bind error (which OnFreePort retries) instead of succeeding.
func TestReadyKeepsAnOccupantFromPassing(t *testing.T) {
	var occupant *Process
	addr, err := OnFreePort(func(addr string) (err error) { occupant, err = StartProcess(helper(addr, "")); return err })
	if err != nil {
		t.Fatal(err)
	}
	defer occupant.Kill()
	c := helper(addr, "")
	c.Ready = "serving on " + addr
	p, err := StartProcess(c)
	if err == nil {
		p.Kill()
		t.Fatal("a process that could not bind its port passed as started: the occupant answered its health check")
	}
	if !strings.Contains(err.Error(), "in use") {
		t.Errorf("error = %v, want the bind error (address in use) for OnFreePort to retry", err)
	}
}

// TestFindAWSCLI: $DOLIUM_AWSCLI_V<n> is taken when its --version has that
// major version and refused otherwise.
func TestFindAWSCLI(t *testing.T) {
	dir := t.TempDir()
	fake := func(name, version string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\necho '"+version+"'\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	v1 := fake("aws1", "aws-cli/1.46.3 Python/3.11.7 Linux/6 botocore/1.43.62")
	v2 := fake("aws2", "aws-cli/2.9.19 Python/3.11.2 Linux/6 source/x86_64.debian.12 prompt/off")
	t.Setenv(EnvAWSCLIV1, v1)
	t.Setenv(EnvAWSCLIV2, v1)
	if p, v, err := FindAWSCLI(1); err != nil || p != v1 || !strings.HasPrefix(v, "aws-cli/1.46.3 ") {
		t.Errorf("FindAWSCLI(1) with %s set to a v1: %q %q %v", EnvAWSCLIV1, p, v, err)
	}
	if p, _, err := FindAWSCLI(2); err == nil {
		t.Errorf("FindAWSCLI(2) with %s set to a v1: %q, want an error", EnvAWSCLIV2, p)
	}
	t.Setenv(EnvAWSCLIV2, v2)
	if p, _, err := FindAWSCLI(2); err != nil || p != v2 {
		t.Errorf("FindAWSCLI(2) with %s set to a v2: %q %v", EnvAWSCLIV2, p, err)
	}
	if _, _, err := FindAWSCLI(3); err == nil {
		t.Errorf("FindAWSCLI(3): no error")
	}
}
