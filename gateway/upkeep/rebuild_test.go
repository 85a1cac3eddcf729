package upkeep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/blobstore/mem"
	"github.com/dolium/dolium/blobstore/placement"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/meta"
	"github.com/dolium/dolium/meta/pebble"
)

// cloud is a zone that can be replaced: wiped, and answering "bucket
// missing" (ErrReplaced) until its first write, as blobstore/s3 does.
type cloud struct {
	mu     sync.Mutex
	d      *mem.Driver
	noBkt  atomic.Bool
	down   atomic.Bool
	refuse atomic.Bool // writes fail: the bucket is gone and not created again
	writes atomic.Int64
}

var errCloudDown = fmt.Errorf("cloud down: %w", blobstore.ErrUnavailable)
var errNoBucket = fmt.Errorf("bucket gone: %w: %w", blobstore.ErrReplaced, blobstore.ErrNotFound)

func newCloud() *cloud { return &cloud{d: mem.New()} }

func (c *cloud) drv() *mem.Driver { c.mu.Lock(); defer c.mu.Unlock(); return c.d }

// replace wipes the cloud: a new, empty provider without the bucket.
func (c *cloud) replace() {
	c.mu.Lock()
	c.d = mem.New()
	c.mu.Unlock()
	c.noBkt.Store(true)
}

func (c *cloud) Put(ctx context.Context, k blobstore.ChunkKey, b []byte) error {
	if c.down.Load() {
		return errCloudDown
	}
	if c.refuse.Load() {
		return fmt.Errorf("put: bucket gone: %w", blobstore.ErrReplaced)
	}
	c.noBkt.Store(false) // the write makes the bucket again
	c.writes.Add(1)
	return c.drv().Put(ctx, k, b)
}

func (c *cloud) Get(ctx context.Context, k blobstore.ChunkKey) ([]byte, error) {
	if c.down.Load() {
		return nil, errCloudDown
	}
	if c.noBkt.Load() {
		return nil, errNoBucket
	}
	return c.drv().Get(ctx, k)
}

func (c *cloud) Delete(ctx context.Context, id string, n int) error {
	if c.down.Load() {
		return errCloudDown
	}
	return c.drv().Delete(ctx, id, n)
}

func (c *cloud) Close() error { return nil }

// rebuildRig is a gateway over erasure 2+1 on three clouds, watched by a
// ZoneMonitor, with a bucket "b".
type rebuildRig struct {
	ms     *pebble.Store
	clouds []*cloud
	mon    *ZoneMonitor
	g      *gateway.Gateway
	w      *Workers
	ec21   *blobstore.Placement
}

func newRebuildRig(t *testing.T) *rebuildRig {
	t.Helper()
	ms, err := pebble.Open(t.TempDir(), pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ms.Close() })
	r := &rebuildRig{ms: ms, mon: NewZoneMonitor()}
	var pz []placement.Zone
	for i := range 3 {
		c := newCloud()
		r.clouds = append(r.clouds, c)
		name := fmt.Sprintf("z%d", i)
		pz = append(pz, placement.Zone{Name: name, Driver: r.mon.Wrap(name, c)})
	}
	ec, err := placement.NewErasure("ec21", pz, 2, 1, 2, RepairRecorder(ms, "ec21", nil))
	if err != nil {
		t.Fatal(err)
	}
	if r.ec21, err = placement.Resolve(blobstore.New(ec, blobstore.Options{ChunkSize: 64 << 10})); err != nil {
		t.Fatal(err)
	}
	r.w = r.workers()
	r.g = r.w.g
	if err := r.g.CreateBucket(t.Context(), "alice", "bkt"); err != nil {
		t.Fatal(err)
	}
	return r
}

// workers returns another gateway on the rig's stores (a second process),
// by its workers.
func (r *rebuildRig) workers() *Workers {
	set, err := blobstore.NewPlacements(blobstore.New(mem.New(), blobstore.Options{}), r.ec21)
	if err != nil {
		panic(err)
	}
	g := gateway.New(gateway.Config{Meta: r.ms, Placements: set, DefaultPlacement: "ec21"})
	return New(Config{Gateway: g, Meta: r.ms, Placements: set, Repairs: r.ms, Zones: r.mon})
}

func (r *rebuildRig) put(t *testing.T, key string, data []byte) {
	t.Helper()
	if _, err := r.g.PutObject(t.Context(), bucketOf(t, r.g, "bkt"), gateway.PutInput{Key: key, Owner: "alice", Body: bytes.NewReader(data), Size: int64(len(data))}); err != nil {
		t.Fatalf("PutObject(%s): %v", key, err)
	}
}

func (r *rebuildRig) read(t *testing.T, key string) []byte {
	t.Helper()
	out, err := r.g.GetObject(t.Context(), bucketOf(t, r.g, "bkt"), gateway.GetInput{Key: key}, false)
	if err != nil {
		t.Fatalf("GetObject(%s): %v", key, err)
	}
	defer out.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(out.Body); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return b.Bytes()
}

// fill writes objects of 1..5 chunks on a versioned bucket, overwrites
// two of them (whose first versions become noncurrent, their data still
// placed), and starts a multipart upload with one part; it returns the
// latest object contents and the chunk count of every version and part.
func (r *rebuildRig) fill(t *testing.T) (map[string][]byte, int) {
	t.Helper()
	if err := r.g.SetVersioning(t.Context(), bucketOf(t, r.g, "bkt"), gateway.VersioningEnabled); err != nil {
		t.Fatal(err)
	}
	objs := map[string][]byte{}
	chunks := 0
	for n, i := range []int{0, 1, 2, 3, 4, 5, 1, 4} {
		data := randBytes(i*64<<10+100+n, int64(n))
		key := fmt.Sprintf("k%d", i)
		r.put(t, key, data)
		objs[key] = data
		chunks += (len(data) + 64<<10 - 1) / (64 << 10)
	}
	u, err := r.g.CreateMultipartUpload(t.Context(), bucketOf(t, r.g, "bkt"), gateway.CreateUploadInput{Key: "big", Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	part := randBytes(3*64<<10, 99)
	if _, err := r.g.UploadPart(t.Context(), bucketOf(t, r.g, "bkt"), gateway.PartInput{Key: "big", UploadID: u.UploadID,
		PartNumber: 1, Body: bytes.NewReader(part), Size: int64(len(part))}); err != nil {
		t.Fatal(err)
	}
	return objs, chunks + 3
}

// zoneChunks counts the chunks a cloud holds.
func zoneChunks(t *testing.T, c *cloud) int {
	t.Helper()
	n := 0
	err := c.drv().ListDataIDs(t.Context(), func(id string) error {
		for i := 0; ; i++ {
			if _, err := c.drv().Get(t.Context(), blobstore.ChunkKey{DataID: id, Index: i}); err != nil {
				return nil
			}
			n++
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestRebuildReplacedZone: the data-shard zone z0 is replaced by an empty
// one. The first read that meets its missing bucket starts a rebuild; the
// rebuild refills every chunk, objects' and the in-progress upload's
// part's, without any further read; the report is fully redundant.
func TestRebuildReplacedZone(t *testing.T) {
	r := newRebuildRig(t)
	ctx := t.Context()
	objs, chunks := r.fill(t)
	if n := zoneChunks(t, r.clouds[0]); n != chunks {
		t.Fatalf("zone z0 holds %d chunks before its replacement, want %d", n, chunks)
	}

	r.clouds[0].replace()
	if got := r.read(t, "k3"); !bytes.Equal(got, objs["k3"]) {
		t.Fatal("k3 differs with zone z0 replaced")
	}
	var rb meta.Rebuild
	deadline := time.Now().Add(5 * time.Second)
	for {
		var err error
		if rb, err = r.ms.GetRebuild(ctx, "z0"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no rebuild of z0 started after a read met its missing bucket: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !rb.Finished.IsZero() || rb.Done != 0 {
		t.Fatalf("new rebuild = %+v, want running from the start", rb)
	}
	if rep, _ := r.w.RedundancyReport(ctx, ""); rep.Degraded == 0 || len(rep.Rebuilds) != 1 || !rep.Rebuilds[0].Running {
		t.Errorf("report during the rebuild = %+v, want degraded objects and a running rebuild", rep)
	}
	if zs, err := r.w.ZoneReport(ctx, time.Second); err != nil || zs[0].Zones[0].State != ZoneRebuilding || zs[0].Zones[1].State != ZoneOK {
		t.Errorf("ZoneReport during the rebuild = %+v, %v; want z0 %s, z1 %s", zs, err, ZoneRebuilding, ZoneOK)
	}

	if !r.w.rebuildPass(ctx, 0) {
		t.Fatal("rebuildPass found no rebuild to work on")
	}
	rb, err := r.ms.GetRebuild(ctx, "z0")
	if err != nil {
		t.Fatal(err)
	}
	if rb.Finished.IsZero() || rb.Done != int64(chunks) || rb.Total != int64(chunks) || rb.Failed != 0 || rb.Bytes == 0 {
		t.Errorf("finished rebuild = %+v, want done = total = %d, no failures, bytes written", rb, chunks)
	}
	if n := zoneChunks(t, r.clouds[0]); n != chunks {
		t.Errorf("zone z0 holds %d chunks after the rebuild, want %d", n, chunks)
	}
	rep, err := r.w.RedundancyReport(ctx, "")
	if err != nil || rep.FullyRedundant != len(objs)+2 || rep.Degraded != 0 || len(rep.Rebuilds) != 1 || rep.Rebuilds[0].Running {
		t.Errorf("report after the rebuild = %+v, %v; want %d fully redundant (the noncurrent versions counted), the rebuild finished", rep, err, len(objs)+2)
	}
	for k, want := range objs {
		if got := r.read(t, k); !bytes.Equal(got, want) {
			t.Errorf("%s differs after the rebuild", k)
		}
	}

	// A second pass finds nothing to do; a manual restart walks again and
	// rewrites nothing, every chunk being there.
	if r.w.rebuildPass(ctx, 0) {
		t.Error("rebuildPass worked on a finished rebuild")
	}
	writes := r.clouds[0].writes.Load()
	if _, started, err := r.w.StartRebuild(ctx, "z0"); err != nil || !started {
		t.Fatalf("StartRebuild(z0) = %v, %v; want started", started, err)
	}
	if _, started, _ := r.w.StartRebuild(ctx, "z0"); started {
		t.Error("StartRebuild(z0) with one running started another")
	}
	r.w.rebuildPass(ctx, 0)
	if w := r.clouds[0].writes.Load(); w != writes {
		t.Errorf("a rebuild of a complete zone wrote %d chunks, want 0", w-writes)
	}
	if _, _, err := r.w.StartRebuild(ctx, "nowhere"); !errors.Is(err, ErrNoSuchZone) {
		t.Errorf("StartRebuild(unknown zone) = %v, want ErrNoSuchZone", err)
	}
}

// TestRebuildResume: walking from the cursor after any chunk yields
// exactly the chunks after it, so a rebuild stopped anywhere resumes
// without skipping one.
func TestRebuildResume(t *testing.T) {
	r := newRebuildRig(t)
	ctx := t.Context()
	_, chunks := r.fill(t)
	pos := r.w.zonePositions("z1")
	var all []rebuildItem
	if err := r.w.walkRebuild(ctx, pos, rebuildCursor{}, func(it rebuildItem) error { all = append(all, it); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(all) != chunks {
		t.Fatalf("walk yields %d chunks, want %d", len(all), chunks)
	}
	for i, it := range all {
		var rest []rebuildItem
		if err := r.w.walkRebuild(ctx, pos, it.next, func(it rebuildItem) error { rest = append(rest, it); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(rest) != len(all)-i-1 {
			t.Fatalf("walk from the cursor after chunk %d (%+v) yields %d chunks, want %d", i, it.next, len(rest), len(all)-i-1)
		}
		for j, got := range rest {
			if want := all[i+1+j]; got.key != want.key {
				t.Fatalf("walk from after chunk %d: chunk %d is %v, want %v", i, j, got.key, want.key)
			}
		}
	}
}

// TestRebuildSharedAndWaiting: two gateways share a rebuild (one holds
// the lease, the other leaves it alone); a rebuild whose zone does not
// answer waits and resumes when it does; a lease of a dead gateway is
// taken over once it expires.
func TestRebuildSharedAndWaiting(t *testing.T) {
	r := newRebuildRig(t)
	ctx := t.Context()
	_, chunks := r.fill(t)
	r.clouds[2].replace()
	if _, _, err := r.w.StartRebuild(ctx, "z2"); err != nil {
		t.Fatal(err)
	}
	// z2 does not answer: the rebuild waits, holding the lease.
	r.clouds[2].down.Store(true)
	other := r.workers()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan bool)
	go func() { done <- r.w.rebuildPass(wctx, 0) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rb, _ := r.ms.GetRebuild(ctx, "z2")
		if rb.Owner == r.w.owner {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first gateway did not take the lease: %+v", rb)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if other.rebuildPass(ctx, 0) {
		t.Error("a second gateway worked on a rebuild whose lease is held")
	}
	for {
		st, _ := r.w.Rebuilds(ctx)
		if len(st) == 1 && st[0].Waiting != "" && st[0].Running {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("status with the zone down = %+v, want the rebuild waiting", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.clouds[2].down.Store(false)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the rebuild did not finish after its zone answered again")
	}
	cancel()
	rb, _ := r.ms.GetRebuild(ctx, "z2")
	if rb.Finished.IsZero() || rb.Done != int64(chunks) {
		t.Errorf("rebuild after the zone returned = %+v, want finished with %d chunks", rb, chunks)
	}
	if n := zoneChunks(t, r.clouds[2]); n != chunks {
		t.Errorf("zone z2 holds %d chunks, want %d", n, chunks)
	}

	// A gateway died holding the lease of a new rebuild: the other takes
	// over once the lease expires, resuming at the cursor.
	r.clouds[2].replace()
	r.w.StartRebuild(ctx, "z2")
	rb, _ = r.ms.GetRebuild(ctx, "z2")
	rb.Owner, rb.LeaseUntil = "dead-gateway", time.Now().Add(time.Hour)
	rb, err := r.ms.PutRebuild(ctx, rb)
	if err != nil {
		t.Fatal(err)
	}
	if other.rebuildPass(ctx, 0) {
		t.Error("a gateway took over a lease that has not expired")
	}
	rb.LeaseUntil = time.Now().Add(-time.Second)
	if _, err := r.ms.PutRebuild(ctx, rb); err != nil {
		t.Fatal(err)
	}
	if !other.rebuildPass(ctx, 0) {
		t.Fatal("no gateway took over an expired lease")
	}
	if rb, _ := r.ms.GetRebuild(ctx, "z2"); rb.Finished.IsZero() || rb.Owner != other.owner {
		t.Errorf("rebuild after the takeover = %+v, want finished by the second gateway", rb)
	}
}

// TestRepairNeverDropsWriteBack: a repair whose write-back fails because
// the zone's bucket is gone and is not created again (an error wrapping
// ErrReplaced, which for reads also says "not found") is retried with
// backoff, never dropped as unrecoverable; once the zone takes writes the
// repairs succeed.
func TestRepairNeverDropsWriteBack(t *testing.T) {
	r := newRebuildRig(t)
	ctx := t.Context()
	r.clouds[1].down.Store(true)
	r.put(t, "a", randBytes(4*64<<10, 1)) // 4 chunks, z1's shards queued
	st, err := r.w.RepairOnce(ctx, 100)
	if err != nil || st.Retried != 4 || st.Repaired != 0 {
		t.Errorf("RepairOnce with z1 down = %+v, %v; want 4 retried (one probe, the rest skipped)", st, err)
	}
	r.clouds[1].down.Store(false)
	r.clouds[1].replace()
	r.clouds[1].refuse.Store(true)
	r.w.cfg.Now = func() time.Time { return time.Now().Add(time.Hour) }
	st, _ = r.w.RepairOnce(ctx, 100)
	if st.Unrecoverable != 0 || st.Retried != 4 {
		t.Errorf("RepairOnce with z1's bucket gone = %+v, want 4 retried, none dropped", st)
	}
	if n, _ := r.ms.RepairLen(ctx); n != 4 {
		t.Errorf("repair queue = %d, want the 4 entries kept", n)
	}
	r.clouds[1].refuse.Store(false)
	r.w.cfg.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	st, _ = r.w.RepairOnce(ctx, 100)
	if st.Repaired != 4 {
		t.Errorf("RepairOnce once z1 takes writes = %+v, want 4 repaired", st)
	}
	if n := zoneChunks(t, r.clouds[1]); n != 4 {
		t.Errorf("zone z1 holds %d chunks after the repairs, want 4", n)
	}
}
