package fault

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/dolium/dolium/gateway/upkeep"
	"github.com/dolium/dolium/internal/cqldb"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/test/harness"
)

// The crash-point test kills the gateway (SIGKILL, from a failpoint inside
// the operation: DOLIUM_FAILPOINTS) at every step of PUT, overwrite, copy,
// multipart completion, part replacement, abort and delete. After a
// restart and one collection period, the stored data must be exactly the
// live data: every chunk directory on disk (or every data id among the
// chunk rows in Cassandra) is referenced by an object or a part, and every
// referenced one is there. The key then holds the old or the new content,
// never anything else.
//
// Before the replaced data was queued ahead of the commit, the
// *.after-write and complete.after-* points left the replaced version's
// chunks on disk forever with an empty queue (issue: 3 of 12 kills after
// an overwriting CompleteMultipartUpload).

const (
	cpGrace   = 6 * time.Second
	cpReclaim = time.Second
)

// cpEnv is one crash-point scenario's world.
type cpEnv struct {
	t      *testing.T
	bucket string
	cl     *s3.Client
	old    []byte // the key's content before the operation (nil: none)
	new    []byte // what the operation writes (nil: it deletes)
	upload string // a multipart upload id the scenario uses
	parts  []types.CompletedPart
	// The versions of k before and after the operation, newest first, for
	// the scenarios on versioned buckets (crashversions_test.go).
	before, after []cpVersion
}

func cpBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func (e *cpEnv) put(ctx context.Context, key string, b []byte) error {
	_, err := e.cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &e.bucket, Key: aws.String(key), Body: bytes.NewReader(b)})
	return err
}

// uploadParts starts an upload of key with parts of the given sizes.
func (e *cpEnv) uploadParts(ctx context.Context, key string, sizes ...int) ([]byte, error) {
	up, err := e.cl.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &e.bucket, Key: aws.String(key)})
	if err != nil {
		return nil, err
	}
	e.upload = aws.ToString(up.UploadId)
	var all []byte
	for i, n := range sizes {
		b := cpBytes(n)
		out, err := e.cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: &e.bucket, Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(b)})
		if err != nil {
			return nil, err
		}
		e.parts = append(e.parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
		all = append(all, b...)
	}
	return all, nil
}

type crashCase struct {
	name string
	fps  []string // one scenario per failpoint
	// onCassandra, if set, are the failpoints of fps also run on
	// Cassandra (nil: all of them).
	onCassandra []string
	setup       func(ctx context.Context, e *cpEnv) error
	op          func(ctx context.Context, e *cpEnv) error
	// check, if set, replaces checkKey after the restart.
	check func(t *testing.T, ctx context.Context, e *cpEnv)
	// want, if set, counts the data sets the client sees as live (the
	// versions listed and the upload's parts); the collection has
	// converged only once the stored data sets are exactly these.
	want func(t *testing.T, ctx context.Context, e *cpEnv) int
}

var crashCases = []crashCase{
	{
		name: "put", fps: []string{"commit.before-write", "commit.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error { e.new = cpBytes(2<<20 + 7); return nil },
		op:    func(ctx context.Context, e *cpEnv) error { return e.put(ctx, "k", e.new) },
	},
	{
		name: "overwrite", fps: []string{"commit.after-queue", "commit.before-write", "commit.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			e.old, e.new = cpBytes(2<<20+1), cpBytes(3<<20+5)
			return e.put(ctx, "k", e.old)
		},
		op: func(ctx context.Context, e *cpEnv) error { return e.put(ctx, "k", e.new) },
	},
	{
		name: "copy", fps: []string{"commit.after-queue", "commit.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			e.old, e.new = cpBytes(1<<20+3), cpBytes(2<<20+9)
			if err := e.put(ctx, "src", e.new); err != nil {
				return err
			}
			return e.put(ctx, "k", e.old)
		},
		op: func(ctx context.Context, e *cpEnv) error {
			_, err := e.cl.CopyObject(ctx, &s3.CopyObjectInput{Bucket: &e.bucket, Key: aws.String("k"), CopySource: aws.String(e.bucket + "/src")})
			return err
		},
	},
	{
		// Overwrites k with parts 1 and 2; part 3 is uploaded but left out.
		name: "complete", fps: []string{"complete.after-intent", "commit.after-queue", "commit.after-write", "complete.after-commit", "complete.after-record"},
		setup: func(ctx context.Context, e *cpEnv) error {
			e.old = cpBytes(1<<20 + 1)
			if err := e.put(ctx, "k", e.old); err != nil {
				return err
			}
			all, err := e.uploadParts(ctx, "k", 5<<20, 1<<20+11, 1<<20)
			e.new = all[:6<<20+11]
			e.parts = e.parts[:2]
			return err
		},
		op: func(ctx context.Context, e *cpEnv) error {
			_, err := e.cl.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &e.bucket, Key: aws.String("k"),
				UploadId: &e.upload, MultipartUpload: &types.CompletedMultipartUpload{Parts: e.parts}})
			return err
		},
	},
	{
		name: "part", fps: []string{"part.before-write", "part.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			_, err := e.uploadParts(ctx, "u", 1<<20)
			return err
		},
		op: func(ctx context.Context, e *cpEnv) error {
			_, err := e.cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: &e.bucket, Key: aws.String("u"), UploadId: &e.upload,
				PartNumber: aws.Int32(1), Body: bytes.NewReader(cpBytes(2 << 20))})
			return err
		},
	},
	{
		name: "abort", fps: []string{"abort.after-queue", "abort.after-delete"},
		setup: func(ctx context.Context, e *cpEnv) error {
			_, err := e.uploadParts(ctx, "u", 5<<20, 1<<20)
			return err
		},
		op: func(ctx context.Context, e *cpEnv) error {
			_, err := e.cl.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: &e.bucket, Key: aws.String("u"), UploadId: &e.upload})
			return err
		},
	},
	{
		name: "delete", fps: []string{"commit.after-queue", "delete.before-write", "delete.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			e.old = cpBytes(2<<20 + 3)
			return e.put(ctx, "k", e.old)
		},
		op: func(ctx context.Context, e *cpEnv) error {
			_, err := e.cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &e.bucket, Key: aws.String("k")})
			return err
		},
	},
}

func TestCrashPointsEmbedded(t *testing.T) {
	t.Parallel()
	runCrashPoints(t, crashCases, "")
}

// TestCrashPointsCassandra runs every scenario on Cassandra (a keyspace
// each) and counts the data ids among the chunk rows itself.
func TestCrashPointsCassandra(t *testing.T) {
	t.Parallel()
	runCrashPoints(t, crashCases, cqltest.Hosts()[0])
}

// Scenarios running at once, shared by every crash-point test of a store.
// One local Cassandra node creating a keyspace per scenario: a few at a
// time, or schema agreement times out on a shared machine.
var (
	cpSlotsEmbedded  = make(chan struct{}, 16)
	cpSlotsCassandra = make(chan struct{}, 3)
)

func runCrashPoints(t *testing.T, cases []crashCase, cassandra string) {
	slots := cpSlotsEmbedded
	if cassandra != "" {
		slots = cpSlotsCassandra
	}
	for _, c := range cases {
		fps := c.fps
		if cassandra != "" && c.onCassandra != nil {
			fps = c.onCassandra
		}
		for _, fp := range fps {
			t.Run(c.name+"/"+fp, func(t *testing.T) {
				t.Parallel()
				slots <- struct{}{}
				defer func() { <-slots }()
				crashAt(t, c, fp, cassandra)
			})
		}
	}
}

func crashAt(t *testing.T, c crashCase, fp, cassandra string) {
	ctx := harness.Context(t, 3*time.Minute)
	data := t.TempDir()
	root := harness.RandomCredentials()
	o := harness.Options{DataDir: data, Root: root,
		Args: []string{"--gc-interval", "300ms", "--upload-grace", cpGrace.String(), "--reclaim-delay", cpReclaim.String()}}
	ks := ""
	if cassandra != "" {
		ks = harness.TempKeyspace(t, cassandra, "crash")
		o.Cassandra = harness.Cassandra{Hosts: cassandra, Keyspace: ks}
	}

	// Set the scene on a gateway without failpoints.
	srv := harness.StartTest(t, o)
	e := &cpEnv{t: t, bucket: "crash", cl: harness.SDKClient(srv.Endpoint, root)}
	if _, err := e.cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &e.bucket}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
	if err := c.setup(ctx, e); err != nil {
		t.Fatalf("setup: %v", err)
	}
	srv.Kill()

	// The operation, killed at the failpoint.
	withFailpoint := o
	withFailpoint.Env = []string{"DOLIUM_FAILPOINTS=" + fp}
	s, err := harness.Start(withFailpoint)
	if err != nil {
		t.Fatalf("start with failpoint %s: %v", fp, err)
	}
	e.cl = harness.SDKClient(s.Endpoint, root)
	opErr := c.op(ctx, e)
	deadline := time.Now().Add(10 * time.Second)
	for !s.Exited() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !s.Exited() {
		s.Kill()
		t.Fatalf("failpoint %s was not reached: the %s succeeded (%v) and the gateway lives", fp, c.name, opErr)
	}
	if opErr == nil {
		t.Fatalf("the %s answered success although the gateway died at %s", c.name, fp)
	}

	// Restart; after one grace period and a collection, stored == live.
	srv = harness.StartTest(t, o)
	e.cl = harness.SDKClient(srv.Endpoint, root)
	check := checkKey
	if c.check != nil {
		check = c.check
	}
	check(t, ctx, e)
	// Settled: the report is clean, the stored data counted independently
	// of the gateway's own listing equals the referenced data, and a
	// second report agrees (an upload ended meanwhile, as one whose
	// completion did not hold, changes what is referenced).
	count := func() int {
		if cassandra == "" {
			n, err := harness.ChunkDirs(data)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		return chunkDataIDs(t, cassandra, ks)
	}
	clean := func(r upkeep.GCReport) bool {
		return len(r.Orphans) == 0 && r.InFlight == 0 && r.Stored == r.Referenced && len(r.Missing) == 0
	}
	deadline = time.Now().Add(cpGrace + cpReclaim + 20*time.Second)
	for {
		rep := gcVerify(t, ctx, srv)
		stored := count()
		again := gcVerify(t, ctx, srv)
		want := rep.Referenced
		if c.want != nil {
			want = c.want(t, ctx, e)
		}
		if clean(rep) && clean(again) && rep.Referenced == again.Referenced && stored == rep.Referenced && stored == want {
			break
		}
		if len(again.Missing) != 0 {
			t.Fatalf("referenced data missing after the crash at %s: %q", fp, again.Missing)
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the crash at %s, a grace period and collection: report %+v, stored (counted) %d, live as the client sees it %d; want every stored data set referenced and no other", fp, again, stored, want)
		}
		time.Sleep(300 * time.Millisecond)
	}
	check(t, ctx, e)
}

// checkKey asserts that k holds the old or the new content (or none,
// where that is one of them), and that a scenario's upload still lists
// valid parts or is gone.
func checkKey(t *testing.T, ctx context.Context, e *cpEnv) {
	t.Helper()
	out, err := e.cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &e.bucket, Key: aws.String("k")})
	var got []byte
	if err == nil {
		got, err = io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatalf("read k: %v", err)
		}
	} else {
		var nsk *types.NoSuchKey
		if !errors.As(err, &nsk) {
			t.Fatalf("GET k: %v", err)
		}
		got = nil
	}
	switch {
	case got == nil && (e.old == nil || e.new == nil):
	case got != nil && e.old != nil && bytes.Equal(got, e.old):
	case got != nil && e.new != nil && bytes.Equal(got, e.new):
	default:
		t.Fatalf("k holds %d bytes that are neither the old (%d) nor the new (%d) content", len(got), len(e.old), len(e.new))
	}
	if e.upload != "" {
		ps, err := e.cl.ListParts(ctx, &s3.ListPartsInput{Bucket: &e.bucket, Key: aws.String("u"), UploadId: &e.upload})
		if err == nil {
			for _, p := range ps.Parts {
				if aws.ToInt64(p.Size) == 0 {
					t.Errorf("upload lists part %d of size 0", aws.ToInt32(p.PartNumber))
				}
			}
		}
	}
}

// gcVerify runs `dolium admin gc --verify --json` against srv.
func gcVerify(t *testing.T, ctx context.Context, srv *harness.Server) upkeep.GCReport {
	t.Helper()
	rep, err := tryGCVerify(ctx, srv)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// tryGCVerify is gcVerify returning its failure.
func tryGCVerify(ctx context.Context, srv *harness.Server) (upkeep.GCReport, error) {
	cmd := srv.AdminCommand(ctx, "gc", "--verify", "--json")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var rep upkeep.GCReport
	if jerr := json.Unmarshal(out, &rep); jerr != nil {
		return rep, fmt.Errorf("dolium admin gc --verify: %v (%v): %s %s", jerr, err, out, stderr.Bytes())
	}
	orphans := len(rep.Orphans) > 0 || len(rep.Missing) > 0
	if (err != nil) != orphans {
		return rep, fmt.Errorf("dolium admin gc --verify exit %v with report %+v: want a non-zero exit exactly when orphans or missing data are reported", err, rep)
	}
	return rep, nil
}

// chunkDataIDs counts the distinct data ids among the chunk rows of ks.
func chunkDataIDs(t *testing.T, host, ks string) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := cqldb.Connect(ctx, cqldb.Config{Hosts: []string{host}, Keyspace: ks}, nil)
	if err != nil {
		t.Fatalf("connect to Cassandra: %v", err)
	}
	defer db.Close()
	ids := map[string]bool{}
	iter := db.Session.Query("SELECT DISTINCT data_id, grp FROM chunks").PageSize(8).Iter() // small pages: DISTINCT reads each partition's first chunk
	var id string
	var grp int
	for iter.Scan(&id, &grp) {
		ids[id] = true
	}
	if err := iter.Close(); err != nil {
		t.Fatalf("list chunk rows: %v", err)
	}
	return len(ids)
}
