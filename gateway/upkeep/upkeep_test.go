package upkeep

import (
	"bytes"
	"context"
	"github.com/dolium/dolium/gateway/gatewaytest"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/placement"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/meta"
)

// fixture is a gateway on the primary store alone, with its workers,
// sharing a clock, and a bucket "bkt" of alice's.
type fixture struct {
	g     *gateway.Gateway
	w     *Workers
	drv   *mem.Driver
	ms    meta.Store
	clock *clock
}

type clock = gatewaytest.Clock

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ms, drv := gatewaytest.Stores(t)
	c := gatewaytest.NewClock()
	blobs := blobstore.New(drv, blobstore.Options{ChunkSize: 64 << 10})
	g := gateway.New(gateway.Config{
		Meta: ms, Blobs: blobs, UploadGrace: time.Hour, ReclaimDelay: time.Minute, Now: c.Now,
	})
	w := New(Config{Gateway: g, Meta: ms, Blobs: blobs, UploadGrace: time.Hour, ReclaimDelay: time.Minute, Now: c.Now})
	if err := g.CreateBucket(context.Background(), "alice", "bkt"); err != nil {
		t.Fatal(err)
	}
	return &fixture{g: g, w: w, drv: drv, ms: ms, clock: c}
}

// placements returns the set of the primary store and the placement
// policies of the given stores over placement drivers.
func placements(t *testing.T, primary *blobstore.Store, named ...*blobstore.Store) *blobstore.Placements {
	t.Helper()
	var ps []*blobstore.Placement
	for _, s := range named {
		p, err := placement.Resolve(s)
		if err != nil {
			t.Fatal(err)
		}
		ps = append(ps, p)
	}
	set, err := blobstore.NewPlacements(primary, ps...)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func randBytes(n int, seed int64) []byte { return gatewaytest.RandBytes(n, seed) }

func (f *fixture) put(t *testing.T, key string, data []byte) meta.Object {
	t.Helper()
	if _, err := f.g.PutObject(context.Background(), bucketOf(t, f.g, "bkt"), gateway.PutInput{Key: key, Owner: "alice", Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatalf("PutObject(%q) = %v", key, err)
	}
	o, err := f.ms.GetObject(context.Background(), "bkt", key)
	if err != nil {
		t.Fatalf("GetObject(%q) row = %v", key, err)
	}
	return o
}

func (f *fixture) read(t *testing.T, key string) []byte {
	t.Helper()
	out, err := f.g.GetObject(context.Background(), bucketOf(t, f.g, "bkt"), gateway.GetInput{Key: key}, false)
	if err != nil {
		t.Fatalf("GetObject(%q) = %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

func (f *fixture) multipart(t *testing.T, key string, parts ...string) (gateway.Upload, []gateway.CompletedPart) {
	t.Helper()
	ctx := context.Background()
	u, err := f.g.CreateMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), gateway.CreateUploadInput{Key: key, Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	var cps []gateway.CompletedPart
	for i, body := range parts {
		p, err := f.g.UploadPart(ctx, bucketOf(t, f.g, "bkt"), gateway.PartInput{Key: key, UploadID: u.UploadID, PartNumber: i + 1, Body: strings.NewReader(body), Size: int64(len(body))})
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, gateway.CompletedPart{PartNumber: i + 1, ETag: `"` + p.ETag + `"`})
	}
	return u, cps
}

func (f *fixture) collectAll(t *testing.T) {
	t.Helper()
	for {
		st, err := f.w.CollectOnce(context.Background(), 100)
		if err != nil {
			t.Fatalf("CollectOnce: %v", err)
		}
		if st.Processed == 0 {
			return
		}
	}
}

// bucketOf resolves a bucket the test created.
func bucketOf(t testing.TB, g *gateway.Gateway, name string) gateway.Bucket {
	t.Helper()
	return gatewaytest.Resolve(t, g.ResolveBucket, name)
}
