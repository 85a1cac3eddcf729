package upkeep

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dolium/dolium/blobstore"
	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/meta"
)

// lcFixture is a gateway whose lifecycle day is an hour, on a fake clock.
func lcFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	blobs := blobstore.New(f.drv, blobstore.Options{ChunkSize: 64 << 10})
	f.g = gateway.New(gateway.Config{Meta: f.ms, Blobs: blobs, Now: f.clock.Now, LifecycleDay: time.Hour})
	f.w = New(Config{Gateway: f.g, Meta: f.ms, Blobs: blobs, Now: f.clock.Now})
	return f
}

func (f *fixture) lifecycle(t *testing.T, bucket, rules string) {
	t.Helper()
	doc := `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + rules + `</LifecycleConfiguration>`
	if err := f.g.PutLifecycle(t.Context(), bucketOf(t, f.g, bucket), []byte(doc)); err != nil {
		t.Fatalf("PutLifecycle: %v", err)
	}
}

// versions lists bucket's versions as "key@n" (n: the version's number
// in write order, from names), "*" marking the latest, "(dm)" markers.
func (f *fixture) versions(t *testing.T, bucket string, names map[string]string) []string {
	t.Helper()
	vs, err := f.ms.ListObjectVersions(t.Context(), bucket, meta.VersionListOptions{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, v := range vs {
		s := v.Key + "@" + names[v.VersionID]
		if names[v.VersionID] == "" {
			s = v.Key + "@new"
		}
		if v.DeleteMarker {
			s += "(dm)"
		}
		if v.IsLatest {
			s += "*"
		}
		out = append(out, s)
	}
	return out
}

func (f *fixture) once(t *testing.T) LifecycleStats {
	t.Helper()
	st, err := f.w.LifecycleOnce(t.Context(), time.Hour, 0)
	if err != nil {
		t.Fatalf("LifecycleOnce: %v", err)
	}
	return st
}

// TestLifecycleUnversioned: Expiration Days removes the objects its
// prefix selects once the days (rounded up to the next lifecycle
// midnight) have passed, and nothing before; other keys stay.
func TestLifecycleUnversioned(t *testing.T) {
	f := lcFixture(t)
	f.put(t, "logs/a", []byte("a"))
	f.put(t, "keep/b", []byte("b"))
	f.lifecycle(t, "bkt", `<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>`)
	b := bucketOf(t, f.g, "bkt")
	out, err := f.g.GetObject(t.Context(), b, gateway.GetInput{Key: "logs/a"}, true)
	if err != nil {
		t.Fatal(err)
	}
	o := out.Object
	h := f.g.Expiration(b, o)
	if !strings.Contains(h, `rule-id="logs"`) || !strings.HasPrefix(h, `expiry-date="`) {
		t.Errorf("Expiration(logs/a) = %q, want its expiry date and rule logs", h)
	}
	if h := f.g.Expiration(b, gateway.Object{Key: "keep/b", LastModified: o.LastModified}); h != "" {
		t.Errorf("Expiration(keep/b) = %q, want none", h)
	}
	if st := f.once(t); st.Expired != 0 || st.Buckets != 1 {
		t.Fatalf("first pass = %+v, want the bucket passed over, nothing expired yet", st)
	}
	f.clock.Add(30 * time.Minute)
	if st := f.once(t); st.Expired != 0 || st.Buckets != 0 {
		t.Fatalf("a pass within the interval = %+v, want none", st)
	}
	f.clock.Add(3 * time.Hour) // past 2 days of an hour, rounded up
	if st := f.once(t); st.Expired != 1 {
		t.Fatalf("pass after the days = %+v, want 1 expired", st)
	}
	if got := f.versions(t, "bkt", nil); !slices.Equal(got, []string{"keep/b@new*"}) {
		t.Errorf("after expiry: %v, want only keep/b", got)
	}
	f.collectAll(t)
}

// TestLifecycleVersioned: on a versioned bucket, Expiration adds a delete
// marker over the current version; NoncurrentVersionExpiration with
// NewerNoncurrentVersions keeps the newest noncurrent versions and
// deletes older ones for good; ExpiredObjectDeleteMarker removes a marker
// left alone; a locked noncurrent version is kept and counted.
func TestLifecycleVersioned(t *testing.T) {
	f := lcFixture(t)
	ctx := t.Context()
	if err := f.g.CreateBucketWith(ctx, gateway.CreateBucketInput{Owner: "alice", Name: "vers", ObjectLock: true}); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	put := func(key string, n int) meta.Object {
		if _, err := f.g.PutObject(ctx, bucketOf(t, f.g, "vers"), gateway.PutInput{Key: key, Owner: "alice",
			Body: strings.NewReader(fmt.Sprint(key, n)), Size: int64(len(fmt.Sprint(key, n)))}); err != nil {
			t.Fatal(err)
		}
		o, err := f.ms.GetObject(ctx, "vers", key)
		if err != nil {
			t.Fatal(err)
		}
		names[o.VersionID] = fmt.Sprint(n)
		f.clock.Add(time.Minute)
		return o
	}
	for n := 1; n <= 4; n++ {
		put("k", n)
	}
	locked := put("l", 1)
	put("l", 2)
	if _, err := f.g.PutLegalHold(ctx, bucketOf(t, f.g, "vers"), gateway.VersionTarget{Key: "l", VersionID: locked.VersionID}, true); err != nil {
		t.Fatal(err)
	}
	// m: a lone delete marker (its only version deleted).
	put("m", 1)
	out, err := f.g.DeleteObject(ctx, bucketOf(t, f.g, "vers"), gateway.DeleteInput{Key: "m", Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	names[out.VersionID] = "2"
	mv, _ := f.ms.ListObjectVersions(ctx, "vers", meta.VersionListOptions{Prefix: "m", Limit: 10})
	if _, err := f.g.DeleteObject(ctx, bucketOf(t, f.g, "vers"), gateway.DeleteInput{Key: "m", VersionID: mv[1].S3VersionID()}); err != nil {
		t.Fatal(err)
	}
	f.lifecycle(t, "vers", `<Rule><ID>nc</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>`+
		`<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration>`+
		`</Rule><Rule><ID>dm</ID><Filter><Prefix>m</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`)
	want := []string{"k@4*", "k@3", "k@2", "k@1", "l@2*", "l@1", "m@2(dm)*"}
	if got := f.versions(t, "vers", names); !slices.Equal(got, want) {
		t.Fatalf("before: %v, want %v", got, want)
	}
	st := f.once(t)
	if st.MarkersRemoved != 1 || st.VersionsPurged != 0 {
		t.Fatalf("pass at once = %+v, want the lone marker removed and no noncurrent version yet (not a day old)", st)
	}
	f.clock.Add(3 * time.Hour)
	st = f.once(t)
	// k@3 is the newest noncurrent version: kept. k@2 and k@1 go. l@1 is
	// the newest noncurrent of l: kept without the hold anyway.
	if st.VersionsPurged != 2 || st.Locked != 0 {
		t.Fatalf("pass after a day = %+v, want 2 versions purged", st)
	}
	want = []string{"k@4*", "k@3", "l@2*", "l@1"}
	if got := f.versions(t, "vers", names); !slices.Equal(got, want) {
		t.Fatalf("after: %v, want %v", got, want)
	}
	// A third version of l makes l@1 due; the legal hold keeps it.
	put("l", 3)
	f.clock.Add(3 * time.Hour)
	st = f.once(t)
	if st.Locked != 1 || st.VersionsPurged != 0 {
		t.Fatalf("pass with a held version due = %+v, want 1 locked, none purged", st)
	}
	// Current versions expire into delete markers.
	f.lifecycle(t, "vers", `<Rule><ID>cur</ID><Filter><Prefix>k</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	f.clock.Add(3 * time.Hour)
	if st := f.once(t); st.Expired != 1 {
		t.Fatalf("expiration pass = %+v, want k expired", st)
	}
	want = []string{"k@new(dm)*", "k@4", "k@3", "l@3*", "l@2", "l@1"}
	if got := f.versions(t, "vers", names); !slices.Equal(got, want) {
		t.Fatalf("after expiration: %v, want %v", got, want)
	}
	f.collectAll(t)
}

// TestLifecycleAbortUploads: AbortIncompleteMultipartUpload aborts the
// uploads under its prefix once their days have passed.
func TestLifecycleAbortUploads(t *testing.T) {
	f := lcFixture(t)
	u, _ := f.multipart(t, "tmp/big", "part one")
	f.multipart(t, "keep/big", "part one")
	f.lifecycle(t, "bkt", `<Rule><ID>mpu</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`)
	if d, rule, ok := f.g.AbortDate(bucketOf(t, f.g, "bkt"), "tmp/big", u.Initiated); !ok || rule != "mpu" || !d.After(u.Initiated) {
		t.Errorf("AbortDate(tmp/big) = %v %q %v, want after its initiation by mpu", d, rule, ok)
	}
	if st := f.once(t); st.UploadsAborted != 0 {
		t.Fatalf("pass at once = %+v, want no abort", st)
	}
	f.clock.Add(3 * time.Hour)
	if st := f.once(t); st.UploadsAborted != 1 {
		t.Fatalf("pass after a day = %+v, want 1 upload aborted", st)
	}
	ups, err := f.ms.ListUploads(t.Context(), "bkt", meta.UploadListOptions{Limit: 10})
	if err != nil || len(ups) != 1 || ups[0].Key != "keep/big" {
		t.Fatalf("uploads left = %+v, %v; want keep/big only", ups, err)
	}
}

// TestLifecycleOneGatewayAtATime: gateways passing at once share the work
// by the bucket's lease: each object is expired once in all; a lease held
// by a gateway that died keeps the others off until it runs out, then one
// of them does the pass.
func TestLifecycleOneGatewayAtATime(t *testing.T) {
	f := lcFixture(t)
	for i := range 50 {
		f.put(t, fmt.Sprintf("x/%02d", i), []byte("x"))
	}
	f.lifecycle(t, "bkt", `<Rule><ID>x</ID><Filter><Prefix>x/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>`)
	f.clock.Add(30 * time.Minute) // the objects are due
	// A dead gateway's lease.
	if _, ok, err := f.ms.AcquireLease(t.Context(), "lifecycle/bkt", "dead", f.clock.Now(), lifecycleLeaseTTL); err != nil || !ok {
		t.Fatalf("AcquireLease(dead) = %v, %v", ok, err)
	}
	f.clock.Add(lifecycleLeaseTTL / 2)
	blobs := blobstore.New(f.drv, blobstore.Options{ChunkSize: 64 << 10})
	var ws []*Workers
	for range 4 {
		g := gateway.New(gateway.Config{Meta: f.ms, Blobs: blobs, Now: f.clock.Now, LifecycleDay: time.Minute})
		ws = append(ws, New(Config{Gateway: g, Meta: f.ms, Blobs: blobs, Now: f.clock.Now}))
	}
	run := func() LifecycleStats {
		var mu sync.Mutex
		var total LifecycleStats
		var wg sync.WaitGroup
		for _, w := range ws {
			wg.Go(func() {
				st, err := w.LifecycleOnce(context.Background(), time.Hour, 0)
				if err != nil {
					t.Errorf("LifecycleOnce: %v", err)
				}
				mu.Lock()
				total.add(st)
				mu.Unlock()
			})
		}
		wg.Wait()
		return total
	}
	if st := run(); st.Buckets != 0 || st.Expired != 0 {
		t.Fatalf("passes while a dead gateway's lease holds = %+v, want none", st)
	}
	f.clock.Add(lifecycleLeaseTTL)
	if st := run(); st.Buckets != 1 || st.Expired != 50 {
		t.Fatalf("passes of 4 gateways at once = %+v, want one pass expiring all 50", st)
	}
	if got := f.versions(t, "bkt", nil); len(got) != 0 {
		t.Errorf("left: %v", got)
	}
}
