package conformance

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
)

// tgt is the endpoint every test drives; set by TestMain.
var tgt *Target

func TestMain(m *testing.M) {
	flag.Parse()
	// Every request should report the server's first answer, not a retried one.
	minio.MaxRetry = 1

	if t, ok, err := TargetFromEnv(); ok {
		if err != nil {
			fmt.Fprintln(os.Stderr, "conformance:", err)
			os.Exit(2)
		}
		tgt = t
		fmt.Fprintf(os.Stderr, "conformance: external endpoint, region %s, alt tenant configured: %v\n", t.Region, t.Alt.Valid())
		os.Exit(m.Run())
	}

	root, err := ModuleRoot("..")
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(2)
	}
	srv, err := StartLocal(root, 60*time.Second)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance: FAIL starting dolium:", err)
		if srv != nil {
			srv.Stop(false)
		}
		os.Exit(1)
	}
	tgt = srv.Target
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "--- tail of dolium log ---\n%s\n", srv.LogTail(60))
	}
	if err := srv.Stop(false); err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
