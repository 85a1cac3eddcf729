package fault

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
)

// TestHalfClose: a client that sends its whole request and then shuts
// down its sending side (shutdown(SHUT_WR)) is still answered, as by AWS:
// the PUT is stored and the GET returns the object.
func TestHalfClose(t *testing.T) {
	h := newBadInput(t)
	body := bytes.Repeat([]byte("half-closed "), 30000)
	for _, payload := range []string{sha256Hex(body), unsignedPayload} {
		req := h.request(t, http.MethodPut, h.url(h.bucket, "half", ""), nil)
		req.ContentLength = int64(len(body))
		sign(t, req, h.root, payload, time.Now())
		if r := h.rawConn(t, req, int64(len(body)), body, true); r.Status != http.StatusOK {
			t.Errorf("half-closed PUT (%s): got %d %q, want 200; body %.300s", payload, r.Status, errCode(r.Body), r.Body)
		}
		req = h.request(t, http.MethodGet, h.url(h.bucket, "half", ""), nil)
		sign(t, req, h.root, emptySHA256, time.Now())
		if r := h.rawConn(t, req, 0, nil, true); r.Status != http.StatusOK || !bytes.Equal(r.Body, body) {
			t.Errorf("half-closed GET: got %d %q with %d bytes, want 200 with the %d bytes put", r.Status, errCode(r.Body), len(r.Body), len(body))
		}
	}
	h.deleteObject(t, "half")
	h.checkUnchanged(t)
}

// mountTmpfs mounts a tmpfs of size bytes on a fresh directory and
// unmounts it at the end of the test. It needs root (CAP_SYS_ADMIN); the
// test is skipped, saying why, without it.
func mountTmpfs(t *testing.T, size int64) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "small")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		if os.Geteuid() != 0 {
			t.Skipf("mounting a %d-byte tmpfs needs root: %v", size, err)
		}
		t.Fatalf("mount tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
		}
	})
	return dir
}

// TestDiskFull: on a data directory whose file system fills up, uploads
// get 503 SlowDown with Retry-After (which SDKs retry), not 500
// InternalError; /readyz answers 503 and says the store is full; objects
// already stored still read back; once objects are deleted and collected,
// /readyz is ready again and uploads succeed.
func TestDiskFull(t *testing.T) {
	const fsSize = 48 << 20
	data := filepath.Join(mountTmpfs(t, fsSize), "data")
	root := harness.RandomCredentials()
	srv := harness.StartTest(t, harness.Options{DataDir: data, Root: root, Args: []string{"--gc-interval", "500ms", "--reclaim-delay", "500ms"}})
	ctx := harness.Context(t, 2*time.Minute)
	sdk := harness.SDKClient(srv.Endpoint, root)
	if _, err := sdk.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("full")}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	ready := func() (int, string) {
		resp, err := http.Get(srv.Endpoint + "/readyz")
		if err != nil {
			t.Fatalf("GET /readyz: %v", err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, msg := ready(); st != http.StatusOK {
		t.Fatalf("/readyz on an empty store: %d %q, want 200", st, msg)
	}

	const size = 4<<20 + 1
	obj := pattern{seed: 5, size: size}
	put := func(key string) harness.Response {
		body := make([]byte, size)
		obj.ReadAt(body, 0)
		req, err := signed(ctx, http.MethodPut, srv.Endpoint+"/full/"+key, root, unsignedPayload, body)
		if err != nil {
			t.Fatal(err)
		}
		return harness.Do(t, &http.Client{Timeout: 30 * time.Second}, req)
	}
	var stored []string
	var full harness.Response
	for i := 0; ; i++ {
		if i > 2*fsSize/size {
			t.Fatalf("%d PUTs of %d bytes fit on a %d-byte file system", i, size, fsSize)
		}
		key := fmt.Sprintf("o%02d", i)
		r := put(key)
		if r.Status != http.StatusOK {
			full = r
			break
		}
		stored = append(stored, key)
	}
	t.Logf("%d objects of %d bytes stored before the file system was full", len(stored), size)
	wantError(t, "PUT on a full disk", full, http.StatusServiceUnavailable, "SlowDown")
	if full.Header.Get("Retry-After") == "" {
		t.Errorf("full-disk SlowDown without Retry-After; headers %v", full.Header)
	}
	if strings.Contains(string(full.Body), "no space") || strings.Contains(string(full.Body), data) {
		t.Errorf("full-disk error leaks internal detail: %s", full.Body)
	}
	if len(stored) == 0 {
		t.Fatal("no object fit before the disk was full")
	}
	if st, msg := ready(); st != http.StatusServiceUnavailable || !strings.Contains(msg, "store full") {
		t.Errorf("/readyz with the disk full: %d %q, want 503 saying \"store full\"", st, msg)
	}
	// A second try is answered the same way: no 500 once full either.
	wantError(t, "second PUT on a full disk", put("again"), http.StatusServiceUnavailable, "SlowDown")
	if sum, n, err := readBack(ctx, sdk, "full", stored[0]); err != nil || n != size || sum != obj.sha256() {
		t.Errorf("GET %s on a full disk: %d bytes, %v; want the object", stored[0], n, err)
	}

	// Delete half the objects; once collected there is room again.
	for _, k := range stored[:(len(stored)+1)/2] {
		if _, err := sdk.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String("full"), Key: aws.String(k)}); err != nil {
			t.Fatalf("DeleteObject %s on a full disk: %v", k, err)
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		st, msg := ready()
		if st == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz 30s after deleting half the objects: %d %q, want 200", st, msg)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if r := put("after"); r.Status != http.StatusOK {
		t.Errorf("PUT after space was freed: got %d %q, want 200; body %.300s", r.Status, errCode(r.Body), r.Body)
	}
	if srv.Exited() {
		t.Errorf("dolium exited on the full disk")
	}
}
