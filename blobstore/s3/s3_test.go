package s3_test

// The zone is a real S3 server: a dolium process on its embedded store,
// built once in TestMain.

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/s3"
	"github.com/dolium/dolium/blobstore/storetest"
	"github.com/dolium/dolium/test/faultproxy"
	"github.com/dolium/dolium/test/harness"
	"github.com/minio/minio-go/v7"
)

const bucket = "chunks"

var (
	zone     *harness.Server // shared by the tests that do not stop it
	setupErr error
)

func TestMain(m *testing.M) {
	code := func() int {
		defer harness.Cleanup()
		if zone, setupErr = startZone(""); zone != nil {
			defer zone.Kill()
		}
		return m.Run()
	}()
	os.Exit(code)
}

// startZone starts a zone on dataDir ("" for a fresh directory).
func startZone(dataDir string) (*harness.Server, error) {
	return harness.Start(harness.Options{DataDir: dataDir, Root: harness.RandomCredentials()})
}

// sharedZone returns the shared server, failing (never skipping) the test
// when it could not be built or started.
func sharedZone(t *testing.T) *harness.Server {
	t.Helper()
	if setupErr != nil {
		t.Fatalf("starting the S3 zone: %v", setupErr)
	}
	return zone
}

// ownZone starts a server for one test, which may stop it.
func ownZone(t *testing.T) *harness.Server {
	t.Helper()
	if setupErr != nil {
		t.Fatalf("starting the S3 zone: %v", setupErr)
	}
	z, err := startZone(t.TempDir())
	if err != nil {
		t.Fatalf("starting an S3 zone: %v", err)
	}
	t.Cleanup(func() { z.Kill() })
	return z
}

// options are the Options for zone z, with a fresh prefix, so that each
// driver starts empty.
func options(z *harness.Server) s3.Options {
	return s3.Options{
		Endpoint:     z.Endpoint,
		AccessKey:    z.Options.Root.AccessKey,
		SecretKey:    z.Options.Root.SecretKey,
		Bucket:       bucket,
		Prefix:       "t-" + harness.RandomHex(6) + "/",
		Timeout:      10 * time.Second,
		CreateBucket: true,
	}
}

func open(t *testing.T, o s3.Options) *s3.Driver {
	t.Helper()
	d, err := s3.Open(t.Context(), o)
	if err != nil {
		t.Fatalf("Open(%s, bucket %s) = %v", o.Endpoint, o.Bucket, err)
	}
	return d
}

func newDriver(t *testing.T) blobstore.Driver {
	t.Helper()
	d := open(t, options(sharedZone(t)))
	warmUp(t, d)
	return d
}

// warmUp fills the driver's pool of keep-alive connections, each served
// by two net/http goroutines, with more connections than the suites ever
// use at once. RunStore counts goroutines before and after reading
// (CloseNoLeak); a connection first opened by a read would otherwise
// count as a leak, though it is the transport's pool, not the Store's.
// Sixteen concurrent puts, each of which the zone fsyncs, overlap and
// open sixteen connections; deleting them leaves the driver empty.
func warmUp(t *testing.T, d blobstore.Driver) {
	t.Helper()
	const conns = 16
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for i := range conns {
		wg.Go(func() {
			if err := d.Put(t.Context(), key("warm-up", i), make([]byte, 64<<10)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("warming up: %v", err)
	}
	if err := d.Delete(t.Context(), "warm-up", conns); err != nil {
		t.Fatalf("warming up: %v", err)
	}
}

func TestDriver(t *testing.T) { storetest.Run(t, newDriver) }

func TestStore(t *testing.T) { storetest.RunStore(t, newDriver) }

func key(id string, i int) blobstore.ChunkKey { return blobstore.ChunkKey{DataID: id, Index: i} }

func mustPut(t *testing.T, d blobstore.Driver, k blobstore.ChunkKey, b []byte) {
	t.Helper()
	if err := d.Put(t.Context(), k, b); err != nil {
		t.Fatalf("Put(%v) = %v", k, err)
	}
}

func mustGet(t *testing.T, d blobstore.Driver, k blobstore.ChunkKey, want string) {
	t.Helper()
	if got, err := d.Get(t.Context(), k); err != nil || string(got) != want {
		t.Fatalf("Get(%v) = %q, %v; want %q", k, got, err, want)
	}
}

// rawClient is a plain minio-go client of zone z, to look at the bucket.
func rawClient(t *testing.T, z *harness.Server) *minio.Client {
	t.Helper()
	c, err := harness.MinioClient(z.Endpoint, z.Options.Root)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func listKeys(t *testing.T, c *minio.Client, prefix string) []string {
	t.Helper()
	var keys []string
	for obj := range c.ListObjectsIter(t.Context(), bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if obj.Err != nil {
			t.Fatalf("listing %s: %v", prefix, obj.Err)
		}
		keys = append(keys, obj.Key)
	}
	return keys
}

func TestKeyLayout(t *testing.T) {
	z := sharedZone(t)
	o := options(z)
	d := open(t, o)
	mustPut(t, d, key("obj-1", 7), []byte("seven"))
	mustPut(t, d, key("obj-1", 12), []byte("twelve"))
	want := []string{o.Prefix + "obj-1/00000007", o.Prefix + "obj-1/00000012"}
	if got := listKeys(t, rawClient(t, z), o.Prefix); !slices.Equal(got, want) {
		t.Fatalf("keys under %q = %q, want %q", o.Prefix, got, want)
	}
	// An object beside the data ids is not listed as one.
	if _, err := rawClient(t, z).PutObject(t.Context(), bucket, o.Prefix+"stray", strings.NewReader("x"), 1, minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	var ids []string
	if err := d.ListDataIDs(t.Context(), func(id string) error { ids = append(ids, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []string{"obj-1"}) {
		t.Fatalf("ListDataIDs() = %q, want [obj-1]", ids)
	}
}

func TestInvalidKey(t *testing.T) {
	d := newDriver(t)
	for _, k := range []blobstore.ChunkKey{{DataID: ""}, {DataID: "a/b"}, {DataID: "a", Index: -1}} {
		if err := d.Put(t.Context(), k, []byte("x")); err == nil {
			t.Errorf("Put(%v) = nil, want an error", k)
		}
		if _, err := d.Get(t.Context(), k); err == nil || blobstore.IsNotFound(err) {
			t.Errorf("Get(%v) = %v, want an invalid key error", k, err)
		}
	}
	if err := d.Delete(t.Context(), "a/b", -1); err == nil {
		t.Error(`Delete("a/b") = nil, want an error`)
	}
}

// TestDeleteBatches deletes more chunks than one multi-object DELETE and
// one listing page hold (1000 keys each).
func TestDeleteBatches(t *testing.T) {
	z := sharedZone(t)
	o := options(z)
	d := open(t, o)
	// "listed" fills two listing pages; "counted" has chunks on both sides
	// of each batch boundary of a count of 2500.
	puts := map[string][]int{"counted": {0, 999, 1000, 1999, 2000, 2499}}
	for i := range 1005 {
		puts["listed"] = append(puts["listed"], i)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 1100)
	sem := make(chan struct{}, 32)
	for id, indexes := range puts {
		for _, i := range indexes {
			wg.Go(func() {
				sem <- struct{}{}
				defer func() { <-sem }()
				if err := d.Put(t.Context(), key(id, i), []byte{byte(i)}); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	raw := rawClient(t, z)
	for _, tc := range []struct {
		id    string
		count int
	}{{"counted", 2500}, {"listed", -1}} {
		t0 := time.Now()
		if err := d.Delete(t.Context(), tc.id, tc.count); err != nil {
			t.Fatalf("Delete(%s, %d) = %v", tc.id, tc.count, err)
		}
		t.Logf("Delete(%s, %d) of %d chunks: %v", tc.id, tc.count, len(puts[tc.id]), time.Since(t0))
		if left := listKeys(t, raw, o.Prefix+tc.id+"/"); len(left) != 0 {
			t.Fatalf("after Delete(%s, %d): %d keys left (%q...), want none", tc.id, tc.count, len(left), left[0])
		}
	}
}

func TestOpen(t *testing.T) {
	z := sharedZone(t)
	t.Run("CreateBucket", func(t *testing.T) {
		o := options(z)
		o.Bucket = "new-" + harness.RandomHex(4)
		d := open(t, o)
		mustPut(t, d, key("a", 0), []byte("x"))
		open(t, o) // the bucket exists now: no error
	})
	t.Run("MissingBucket", func(t *testing.T) {
		o := options(z)
		o.Bucket = "missing-" + harness.RandomHex(4)
		o.CreateBucket = false
		if _, err := s3.Open(t.Context(), o); err == nil || errors.Is(err, blobstore.ErrUnavailable) {
			t.Fatalf("Open(missing bucket) = %v, want a configuration error", err)
		}
	})
	t.Run("BadCredentials", func(t *testing.T) {
		o := options(z)
		o.SecretKey = "wrong" + o.SecretKey
		if _, err := s3.Open(t.Context(), o); err == nil || errors.Is(err, blobstore.ErrUnavailable) {
			t.Fatalf("Open(wrong secret key) = %v, want a configuration error", err)
		}
	})
	t.Run("BucketRecreatedOnPut", func(t *testing.T) {
		o := options(z)
		o.Bucket = "again-" + harness.RandomHex(4)
		d := open(t, o)
		mc := rawClient(t, z)
		if err := mc.RemoveBucket(t.Context(), o.Bucket); err != nil {
			t.Fatalf("remove the zone's bucket: %v", err)
		}
		mustPut(t, d, key("a", 0), []byte("back"))
		if got, err := d.Get(t.Context(), key("a", 0)); err != nil || string(got) != "back" {
			t.Errorf("Get after the bucket was re-created = %q, %v", got, err)
		}
	})
	// A bucket that goes missing after Open is a replaced zone: reads
	// answer ErrReplaced and ErrNotFound, OnReplaced is called, and the
	// bucket is created again only when the driver is told to.
	for _, create := range []bool{true, false} {
		t.Run(fmt.Sprintf("BucketMissingOnRead/create=%v", create), func(t *testing.T) {
			o := options(z)
			o.Bucket = "gone-" + harness.RandomHex(4)
			open(t, o) // creates the bucket
			var calls atomic.Int32
			o.CreateBucket = create
			o.OnReplaced = func() { calls.Add(1) }
			d := open(t, o)
			mc := rawClient(t, z)
			if err := mc.RemoveBucket(t.Context(), o.Bucket); err != nil {
				t.Fatalf("remove the zone's bucket: %v", err)
			}
			_, err := d.Get(t.Context(), key("a", 0))
			if !errors.Is(err, blobstore.ErrReplaced) || !blobstore.IsNotFound(err) || errors.Is(err, blobstore.ErrUnavailable) {
				t.Fatalf("Get with the bucket gone = %v, want ErrReplaced and ErrNotFound, not ErrUnavailable", err)
			}
			if calls.Load() == 0 {
				t.Errorf("OnReplaced not called by a Get that found the bucket missing")
			}
			exists, err := mc.BucketExists(t.Context(), o.Bucket)
			if err != nil || exists != create {
				t.Errorf("after the Get, bucket exists = %v (%v), want %v", exists, err, create)
			}
			if create {
				mustPut(t, d, key("a", 0), []byte("refilled"))
				if got, err := d.Get(t.Context(), key("a", 0)); err != nil || string(got) != "refilled" {
					t.Errorf("Get after the bucket was created again = %q, %v", got, err)
				}
				return
			}
			err = d.Put(t.Context(), key("a", 0), []byte("x"))
			if !errors.Is(err, blobstore.ErrReplaced) || blobstore.IsNotFound(err) {
				t.Errorf("Put with the bucket gone and CreateBucket off = %v, want ErrReplaced (not ErrNotFound)", err)
			}
			if err := d.Delete(t.Context(), "a", 3); err != nil {
				t.Errorf("Delete with the bucket gone = %v, want nil (nothing left to delete)", err)
			}
			if err := d.Delete(t.Context(), "a", -1); err != nil {
				t.Errorf("Delete(all) with the bucket gone = %v, want nil", err)
			}
			if err := d.ListDataIDs(t.Context(), func(string) error { return nil }); !errors.Is(err, blobstore.ErrReplaced) {
				t.Errorf("ListDataIDs with the bucket gone = %v, want ErrReplaced", err)
			}
		})
	}
	t.Run("Unreachable", func(t *testing.T) {
		o := options(z)
		o.Endpoint = "http://127.0.0.1:1"
		o.Timeout = time.Second
		d, err := s3.Open(t.Context(), o)
		if !errors.Is(err, blobstore.ErrUnavailable) || d == nil {
			t.Fatalf("Open(unreachable) = %v, %v; want a driver and ErrUnavailable", d, err)
		}
		if _, err := d.Get(t.Context(), blobstore.ChunkKey{DataID: "x", Index: 0}); !errors.Is(err, blobstore.ErrUnavailable) {
			t.Errorf("Get on the unreachable zone = %v, want ErrUnavailable", err)
		}
	})
	for _, ep := range []string{"", "ftp://127.0.0.1:1", "http://", "http://127.0.0.1:1/path", "http://u:p@127.0.0.1:1"} {
		t.Run("Endpoint="+ep, func(t *testing.T) {
			o := options(z)
			o.Endpoint = ep
			if _, err := s3.Open(t.Context(), o); err == nil || errors.Is(err, blobstore.ErrUnavailable) {
				t.Fatalf("Open(endpoint %q) = %v, want a configuration error", ep, err)
			}
		})
	}
}

// TestAddressing opens the zone by URL and by host:port, with and without
// PathStyle. For an IP endpoint minio-go uses path style either way; both
// configurations must work.
func TestAddressing(t *testing.T) {
	z := sharedZone(t)
	for _, pathStyle := range []bool{false, true} {
		t.Run(fmt.Sprintf("PathStyle=%v", pathStyle), func(t *testing.T) {
			o := options(z)
			o.PathStyle = pathStyle
			d := open(t, o)
			mustPut(t, d, key("addr", 0), []byte("hello"))
			mustGet(t, d, key("addr", 0), "hello")
		})
	}
}

// TestUnavailable stops the zone: every operation then fails with an
// error wrapping blobstore.ErrUnavailable within the timeout.
func TestUnavailable(t *testing.T) {
	z := ownZone(t)
	o := options(z)
	const timeout = 2 * time.Second
	o.Timeout = timeout
	d := open(t, o)
	mustPut(t, d, key("k", 0), []byte("x"))
	if err := z.Kill(); err != nil {
		t.Fatal(err)
	}
	ops := map[string]func(ctx context.Context) error{
		"Get":       func(ctx context.Context) error { _, err := d.Get(ctx, key("k", 0)); return err },
		"Put":       func(ctx context.Context) error { return d.Put(ctx, key("k", 1), []byte("y")) },
		"Delete":    func(ctx context.Context) error { return d.Delete(ctx, "k", 2) },
		"DeleteAll": func(ctx context.Context) error { return d.Delete(ctx, "k", -1) },
		"ListDataIDs": func(ctx context.Context) error {
			return d.ListDataIDs(ctx, func(string) error { return nil })
		},
		"Open": func(ctx context.Context) error { _, err := s3.Open(ctx, o); return err },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t0 := time.Now()
			err := op(t.Context())
			elapsed := time.Since(t0)
			if !errors.Is(err, blobstore.ErrUnavailable) || elapsed > timeout+time.Second {
				t.Fatalf("%s with the zone stopped = %v after %v; want an error wrapping ErrUnavailable within %v", name, err, elapsed, timeout)
			}
			t.Logf("%s: %v", elapsed.Round(time.Millisecond), err)
		})
	}
}

// TestCanceled checks that a caller's cancellation is reported as such,
// not as an outage.
func TestCanceled(t *testing.T) {
	d := newDriver(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := d.Get(ctx, key("k", 0))
	if !errors.Is(err, context.Canceled) || errors.Is(err, blobstore.ErrUnavailable) {
		t.Fatalf("Get(canceled context) = %v, want context.Canceled and not ErrUnavailable", err)
	}
}

// TestFaults puts a faultproxy between driver and zone.
func TestFaults(t *testing.T) {
	z := sharedZone(t)
	p, err := faultproxy.Start("127.0.0.1:0", z.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	o := options(z)
	o.Endpoint = "http://" + p.Addr()
	const timeout = time.Second
	o.Timeout = timeout
	d := open(t, o)
	big := make([]byte, 1<<20)
	mustPut(t, d, key("f", 0), big)
	mustPut(t, d, key("f", 1), []byte("small"))

	tests := []struct {
		name  string
		mode  faultproxy.Mode
		setup func()
	}{
		{"Refuse", faultproxy.Refuse, nil},
		{"Blackhole", faultproxy.Blackhole, nil},
		{"Reset", faultproxy.Reset, func() { p.SetResetAfter(64 << 10) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			p.SetMode(tc.mode)
			t0 := time.Now()
			_, err := d.Get(t.Context(), key("f", 0))
			elapsed := time.Since(t0)
			if !errors.Is(err, blobstore.ErrUnavailable) || elapsed > timeout+time.Second {
				t.Fatalf("Get through %v = %v after %v; want an error wrapping ErrUnavailable within %v", tc.mode, err, elapsed, timeout)
			}
			t.Logf("Get through %v: %v after %v", tc.mode, err, elapsed.Round(time.Millisecond))
			p.SetMode(faultproxy.Pass)
			mustGet(t, d, key("f", 1), "small")
		})
	}
	t.Run("Slow", func(t *testing.T) {
		// A slow answer within the timeout is no fault; one slower fails.
		const delay = 20 * time.Millisecond
		p.SetDelay(delay)
		p.SetMode(faultproxy.Slow)
		defer p.SetMode(faultproxy.Pass)
		o2 := o
		o2.Timeout = 10 * time.Second
		patient := open(t, o2)
		t0 := time.Now()
		b, err := patient.Get(t.Context(), key("f", 0))
		elapsed := time.Since(t0)
		if err != nil || len(b) != len(big) {
			t.Fatalf("Get through Slow = %d bytes, %v; want %d bytes", len(b), err, len(big))
		}
		if min := 16 * delay; elapsed < min {
			t.Fatalf("Get of 1 MiB through Slow took %v, want at least %v", elapsed, min)
		}
		t.Logf("Get of 1 MiB through Slow (%v per 64 KiB): %v", delay, elapsed.Round(time.Millisecond))

		p.SetDelay(200 * time.Millisecond) // 16 chunks: 3.2s > 1s
		if _, err := d.Get(t.Context(), key("f", 0)); !errors.Is(err, blobstore.ErrUnavailable) {
			t.Fatalf("Get slower than the timeout = %v, want an error wrapping ErrUnavailable", err)
		}
	})
}

// TestTLS reaches the zone through a TLS front with a certificate of its
// own CA: trusted through CAFile or Insecure, refused otherwise.
func TestTLS(t *testing.T) {
	z := sharedZone(t)
	target, err := url.Parse(z.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	front := httptest.NewUnstartedServer(httputil.NewSingleHostReverseProxy(target))
	front.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake
	front.StartTLS()
	defer front.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: front.Certificate().Raw})
	if err := os.WriteFile(caFile, caPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	base := options(z)
	base.Endpoint = front.URL // https://127.0.0.1:port
	base.Timeout = 5 * time.Second

	t.Run("Untrusted", func(t *testing.T) {
		_, err := s3.Open(t.Context(), base)
		if err == nil || errors.Is(err, blobstore.ErrUnavailable) {
			t.Fatalf("Open(untrusted certificate) = %v, want a configuration error", err)
		}
	})
	for name, edit := range map[string]func(*s3.Options){
		"CAFile":   func(o *s3.Options) { o.CAFile = caFile },
		"Insecure": func(o *s3.Options) { o.Insecure = true },
	} {
		t.Run(name, func(t *testing.T) {
			o := base
			edit(&o)
			d := open(t, o)
			mustPut(t, d, key("tls", 0), []byte("secret"))
			mustGet(t, d, key("tls", 0), "secret")
		})
	}
	t.Run("BadCAFile", func(t *testing.T) {
		o := base
		o.CAFile = filepath.Join(t.TempDir(), "none.pem")
		if _, err := s3.Open(t.Context(), o); err == nil {
			t.Fatal("Open(missing CA file) = nil, want an error")
		}
	})
}
