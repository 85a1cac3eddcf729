package s3api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/upkeep"
)

func TestAdminNeedsRootAndReports(t *testing.T) {
	gw, ms, blobs := testGateway(t, mem.New(), nil)
	workers := upkeep.New(upkeep.Config{Gateway: gw, Meta: ms, Blobs: blobs, Repairs: ms})
	ctx := context.Background()
	gw.CreateBucket(ctx, access.RootOwner, "bkt")
	b, _ := gw.ResolveBucket(ctx, "bkt")
	gw.PutObject(ctx, b, gateway.PutInput{Key: "k", Owner: access.RootOwner, Body: strings.NewReader("x"), Size: 1})
	keys, _ := access.NewKeystore([]access.Key{
		{AccessKey: "ROOTKEY", SecretKey: "root-secret", Owner: access.RootOwner},
		{AccessKey: "ALICEKEY", SecretKey: "alice-secret", Owner: "alice"},
	})
	srv := httptest.NewServer(New(Options{Gateway: gw, Keys: keys, Region: "us-east-1", Logger: slog.Default(), Maintenance: workers}))
	defer srv.Close()
	do := func(method, ak, sk, path string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		if ak != "" {
			req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: ak, SecretAccessKey: sk}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now())
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	get := func(ak, sk, path string) (int, []byte) { t.Helper(); return do("GET", ak, sk, path) }
	for name, c := range map[string][2]string{"anonymous": {"", ""}, "another owner": {"ALICEKEY", "alice-secret"}, "wrong secret": {"ROOTKEY", "nope-nope"}} {
		if code, _ := get(c[0], c[1], AdminPrefix+"redundancy"); code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403", name, code)
		}
	}
	code, body := get("ROOTKEY", "root-secret", AdminPrefix+"redundancy?bucket=bkt")
	var r upkeep.Redundancy
	if code != 200 || json.Unmarshal(body, &r) != nil || r.Objects != 1 || r.SingleStore != 1 {
		t.Errorf("root report = %d %s, want 200 with 1 object in the single store", code, body)
	}
	if code, _ := get("ROOTKEY", "root-secret", AdminPrefix+"nothing"); code != http.StatusNotFound {
		t.Errorf("unknown endpoint = %d, want 404", code)
	}
	if code, body := get("ROOTKEY", "root-secret", AdminPrefix+"zones"); code != 200 || !strings.Contains(string(body), `"placements"`) {
		t.Errorf("zones = %d %s, want 200 with a placements list", code, body)
	}
	if code, _ := get("ROOTKEY", "root-secret", AdminPrefix+"rebuild?zone=z1"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET rebuild = %d, want 405", code)
	}
	if code, body := do("POST", "ROOTKEY", "root-secret", AdminPrefix+"rebuild?zone=z1"); code != http.StatusNotFound || !strings.Contains(string(body), "NoSuchZone") {
		t.Errorf("POST rebuild of an unknown zone = %d %s, want 404 NoSuchZone", code, body)
	}
	if code, body := do("POST", "ALICEKEY", "alice-secret", AdminPrefix+"rebuild?zone=z1"); code != http.StatusForbidden ||
		!strings.Contains(string(body), "admin endpoints need a key of the root owner") {
		t.Errorf("POST rebuild by another owner = %d %s, want 403 naming the root owner", code, body)
	}
	// Admin requests are operations of the S3 pipeline; root's S3
	// requests still answer XML.
	if code, body := get("ALICEKEY", "alice-secret", AdminPrefix+"nothing"); code != http.StatusForbidden {
		t.Errorf("unknown endpoint by another owner = %d %s, want 403 (denied before anything else)", code, body)
	}
	for _, m := range []string{"GET", "POST"} {
		var rep upkeep.GCReport
		if code, body := do(m, "ROOTKEY", "root-secret", AdminPrefix+"gc"); code != 200 || json.Unmarshal(body, &rep) != nil {
			t.Errorf("%s gc = %d %s, want 200 with a report", m, code, body)
		}
	}
	if code, body := get("ROOTKEY", "root-secret", "/bkt/k"); code != 200 || string(body) != "x" {
		t.Errorf("root's GET of its object = %d %q", code, body)
	}
}
