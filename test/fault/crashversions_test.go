package fault

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
)

// The crash-point scenarios on versioned buckets: the same kills as
// crashCases, on a bucket whose versioning is Enabled or Suspended. After
// the restart the key's versions (ListObjectVersions) are exactly those
// before the operation or exactly those after it, every version listed
// reads back byte for byte by its id, and the collection converges to the
// data sets those versions (and the upload's parts, while it lasts)
// reference: the data of a version removed or replaced is collected, that
// of every other version kept.

// cpVersion is a version of k a scenario expects.
type cpVersion struct {
	// id is the S3 version id: "null", one the setup got back, or "" for
	// the version the operation makes (a fresh non-null id).
	id     string
	body   []byte // nil for a delete marker
	marker bool
	// sets names the data sets the version references, one per extent
	// (a single PUT's "o1", a completion's "p1", "p2": the upload's
	// parts), to count the live data independently of the gateway.
	sets []string
}

// putV PUTs body as k and returns the version it made (id "null" unless
// the bucket's versioning is Enabled).
func (e *cpEnv) putV(ctx context.Context, body []byte, set string) (cpVersion, error) {
	out, err := e.cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &e.bucket, Key: aws.String("k"), Body: bytes.NewReader(body)})
	if err != nil {
		return cpVersion{}, err
	}
	id := aws.ToString(out.VersionId)
	if id == "" {
		id = "null"
	}
	return cpVersion{id: id, body: body, sets: []string{set}}, nil
}

// putVs PUTs a version of k per set name, each fresh content of size n,
// and returns them newest first.
func (e *cpEnv) putVs(ctx context.Context, n int, sets ...string) ([]cpVersion, error) {
	var vs []cpVersion
	for _, s := range sets {
		v, err := e.putV(ctx, cpBytes(n), s)
		if err != nil {
			return nil, err
		}
		vs = append([]cpVersion{v}, vs...)
	}
	return vs, nil
}

func (e *cpEnv) versioning(ctx context.Context, status types.BucketVersioningStatus) error {
	_, err := e.cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &e.bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: status}})
	return err
}

func (e *cpEnv) deleteVersion(ctx context.Context, id string) error {
	_, err := e.cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &e.bucket, Key: aws.String("k"), VersionId: aws.String(id)})
	return err
}

// without is vs less the version with id.
func without(vs []cpVersion, id string) []cpVersion {
	return slices.DeleteFunc(slices.Clone(vs), func(v cpVersion) bool { return v.id == id })
}

func completeK(ctx context.Context, e *cpEnv) error {
	_, err := e.cl.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &e.bucket, Key: aws.String("k"),
		UploadId: &e.upload, MultipartUpload: &types.CompletedMultipartUpload{Parts: e.parts}})
	return err
}

var versionedCrashCases = []crashCase{
	{
		// (a) A PUT on an Enabled bucket over a version (and a null
		// version from before versioning): both stay, byte-identical.
		name: "versioned-put", fps: []string{"commit.before-write", "commit.after-write"},
		onCassandra: []string{"commit.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			null, err := e.putV(ctx, cpBytes(1<<20+13), "n")
			if err != nil {
				return err
			}
			if err := e.versioning(ctx, types.BucketVersioningStatusEnabled); err != nil {
				return err
			}
			old, err := e.putV(ctx, cpBytes(2<<20+1), "o")
			if err != nil {
				return err
			}
			e.new = cpBytes(3<<20 + 5)
			e.before = []cpVersion{old, null}
			e.after = []cpVersion{{body: e.new, sets: []string{"w"}}, old, null}
			return nil
		},
		op: func(ctx context.Context, e *cpEnv) error { return e.put(ctx, "k", e.new) },
	},
	{
		// (b) A DELETE without a version id on an Enabled bucket: a
		// delete marker on top, or not; no version lost.
		name: "versioned-delete", fps: []string{"delete.before-write", "delete.after-write"},
		onCassandra: []string{"delete.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			if err := e.versioning(ctx, types.BucketVersioningStatusEnabled); err != nil {
				return err
			}
			vs, err := e.putVs(ctx, 1<<20+3, "o1", "o2")
			e.before = vs
			e.after = append([]cpVersion{{marker: true}}, vs...)
			return err
		},
		op: func(ctx context.Context, e *cpEnv) error {
			_, err := e.cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &e.bucket, Key: aws.String("k")})
			return err
		},
	},
	{
		// (c) A DELETE of the latest version by its id: gone (its data
		// collected, the one before it latest) or intact.
		name: "version-delete-latest", fps: []string{"commit.after-queue", "delete.before-write", "delete.after-write"},
		onCassandra: []string{"commit.after-queue", "delete.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			if err := e.versioning(ctx, types.BucketVersioningStatusEnabled); err != nil {
				return err
			}
			vs, err := e.putVs(ctx, 1<<20+7, "o1", "o2", "o3")
			if err != nil {
				return err
			}
			e.before, e.after = vs, without(vs, vs[0].id)
			return nil
		},
		op: func(ctx context.Context, e *cpEnv) error { return e.deleteVersion(ctx, e.before[0].id) },
	},
	{
		// (c) The same for a non-current version.
		name: "version-delete-noncurrent", fps: []string{"commit.after-queue", "delete.after-write"},
		onCassandra: []string{"delete.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			if err := e.versioning(ctx, types.BucketVersioningStatusEnabled); err != nil {
				return err
			}
			vs, err := e.putVs(ctx, 1<<20+9, "o1", "o2", "o3")
			if err != nil {
				return err
			}
			e.before, e.after = vs, without(vs, vs[1].id)
			return nil
		},
		op: func(ctx context.Context, e *cpEnv) error { return e.deleteVersion(ctx, e.before[1].id) },
	},
	{
		// (d) A PUT on a Suspended bucket replaces the null version
		// (written before versioning was enabled, not the latest) and
		// becomes the latest; the versioned one stays.
		name: "suspended-put", fps: []string{"commit.after-queue", "commit.before-write", "commit.after-write"},
		onCassandra: []string{"commit.after-queue", "commit.after-write"},
		setup: func(ctx context.Context, e *cpEnv) error {
			null, err := e.putV(ctx, cpBytes(2<<20+3), "n")
			if err != nil {
				return err
			}
			if err := e.versioning(ctx, types.BucketVersioningStatusEnabled); err != nil {
				return err
			}
			v, err := e.putV(ctx, cpBytes(1<<20+1), "o")
			if err != nil {
				return err
			}
			if err := e.versioning(ctx, types.BucketVersioningStatusSuspended); err != nil {
				return err
			}
			e.new = cpBytes(1<<20 + 17)
			e.before = []cpVersion{v, null}
			e.after = []cpVersion{{id: "null", body: e.new, sets: []string{"w"}}, v}
			return nil
		},
		op: func(ctx context.Context, e *cpEnv) error { return e.put(ctx, "k", e.new) },
	},
	{
		// (e) CompleteMultipartUpload on an Enabled bucket over a
		// version, with parts 1 and 2 of 3.
		name: "versioned-complete", fps: []string{"complete.after-intent", "commit.before-write", "commit.after-write", "complete.after-commit", "complete.after-record"},
		onCassandra: []string{"complete.after-intent", "complete.after-commit"},
		setup: func(ctx context.Context, e *cpEnv) error {
			if err := e.versioning(ctx, types.BucketVersioningStatusEnabled); err != nil {
				return err
			}
			old, err := e.putV(ctx, cpBytes(1<<20+1), "o")
			if err != nil {
				return err
			}
			all, err := e.uploadParts(ctx, "k", 5<<20, 1<<20+11, 1<<20)
			if err != nil {
				return err
			}
			e.new, e.parts = all[:6<<20+11], e.parts[:2]
			e.before = []cpVersion{old}
			e.after = []cpVersion{{body: e.new, sets: []string{"p1", "p2"}}, old}
			return nil
		},
		op: completeK,
	},
}

func init() {
	for i := range versionedCrashCases {
		versionedCrashCases[i].check = func(t *testing.T, ctx context.Context, e *cpEnv) { checkVersions(t, ctx, e) }
		versionedCrashCases[i].want = liveDataSets
	}
}

func TestCrashPointsVersionedEmbedded(t *testing.T) {
	t.Parallel()
	logDuration(t, "embedded", false)
	runCrashPoints(t, versionedCrashCases, "")
}

// TestCrashPointsVersionedCassandra runs each scenario at the failpoints
// of onCassandra: three scenarios at a time, about 12 s each, on one
// node, all of them would take over two minutes.
func TestCrashPointsVersionedCassandra(t *testing.T) {
	t.Parallel()
	logDuration(t, "Cassandra", true)
	runCrashPoints(t, versionedCrashCases, cqltest.Hosts()[0])
}

// logDuration logs how long the versioned scenarios took together, once
// all have ended (the time includes waiting for a slot).
func logDuration(t *testing.T, store string, cassandra bool) {
	start := time.Now()
	n := 0
	for _, c := range versionedCrashCases {
		if cassandra && c.onCassandra != nil {
			n += len(c.onCassandra)
		} else {
			n += len(c.fps)
		}
	}
	t.Cleanup(func() {
		t.Logf("%d versioned crash-point scenarios on %s: %v", n, store, time.Since(start).Round(time.Millisecond))
	})
}

// gotVersion is a version ListObjectVersions lists.
type gotVersion struct {
	id     string
	marker bool
	latest bool
	size   int64
}

func listVersions(t *testing.T, ctx context.Context, e *cpEnv) []gotVersion {
	t.Helper()
	out, err := e.cl.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &e.bucket, Prefix: aws.String("k")})
	if err != nil {
		t.Fatalf("ListObjectVersions: %v", err)
	}
	if aws.ToBool(out.IsTruncated) {
		t.Fatalf("ListObjectVersions of a handful of versions is truncated")
	}
	var got []gotVersion
	for _, v := range out.Versions {
		got = append(got, gotVersion{id: aws.ToString(v.VersionId), latest: aws.ToBool(v.IsLatest), size: aws.ToInt64(v.Size)})
	}
	for _, m := range out.DeleteMarkers {
		got = append(got, gotVersion{id: aws.ToString(m.VersionId), marker: true, latest: aws.ToBool(m.IsLatest)})
	}
	return got
}

// matchVersions tells whether got is exactly the versions of want (the
// first the latest); the version want leaves without an id is one whose
// id no other version of the scenario has.
func matchVersions(e *cpEnv, want []cpVersion, got []gotVersion) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d versions, want %d", len(got), len(want))
	}
	known := knownIDs(e)
	used := make([]bool, len(got))
	for i, w := range want {
		j := slices.IndexFunc(got, func(g gotVersion) bool {
			return (w.id != "" && g.id == w.id) || (w.id == "" && !known[g.id])
		})
		if j < 0 || used[j] {
			return fmt.Errorf("no version listed for %q (#%d)", w.id, i)
		}
		used[j] = true
		g := got[j]
		switch {
		case g.marker != w.marker:
			return fmt.Errorf("version %s: delete marker %v, want %v", g.id, g.marker, w.marker)
		case g.latest != (i == 0):
			return fmt.Errorf("version %s: latest %v, want %v", g.id, g.latest, i == 0)
		case !w.marker && g.size != int64(len(w.body)):
			return fmt.Errorf("version %s: size %d, want %d", g.id, g.size, len(w.body))
		}
	}
	return nil
}

// state returns the versions k holds, before or after, with the id of
// the one the operation made filled in; it fails the test if k holds
// neither.
func state(t *testing.T, ctx context.Context, e *cpEnv) (string, []cpVersion) {
	t.Helper()
	got := listVersions(t, ctx, e)
	errBefore := matchVersions(e, e.before, got)
	if errBefore == nil {
		return "before", e.before
	}
	errAfter := matchVersions(e, e.after, got)
	if errAfter != nil {
		t.Fatalf("k's versions %+v are neither those before the operation (%v) nor those after it (%v)", got, errBefore, errAfter)
	}
	vs, known := slices.Clone(e.after), knownIDs(e)
	for i := range vs {
		for _, g := range got {
			if vs[i].id == "" && !known[g.id] {
				vs[i].id = g.id
			}
		}
	}
	return "after", vs
}

// knownIDs are the version ids the setup made, and "null".
func knownIDs(e *cpEnv) map[string]bool {
	known := map[string]bool{"null": true}
	for _, v := range append(slices.Clone(e.before), e.after...) {
		known[v.id] = true
	}
	return known
}

// checkVersions asserts that k holds the versions of before or after,
// each readable by its id with its content, the latest also without one,
// and that the upload, if it is still listed, lists whole parts.
func checkVersions(t *testing.T, ctx context.Context, e *cpEnv) {
	t.Helper()
	which, vs := state(t, ctx, e)
	t.Logf("k holds the %d versions of %s the operation", len(vs), which)
	for _, v := range vs {
		if v.marker {
			continue
		}
		got, err := getK(ctx, e, v.id)
		if err != nil {
			t.Fatalf("GET k?versionId=%s (%s the operation): %v", v.id, which, err)
		}
		if !bytes.Equal(got, v.body) {
			t.Fatalf("GET k?versionId=%s (%s the operation): %d bytes differing from the version's %d", v.id, which, len(got), len(v.body))
		}
	}
	got, err := getK(ctx, e, "")
	var nsk *types.NoSuchKey
	switch {
	case vs[0].marker && !errors.As(err, &nsk):
		t.Fatalf("GET k under a delete marker: %d bytes, %v; want NoSuchKey", len(got), err)
	case !vs[0].marker && err != nil:
		t.Fatalf("GET k: %v", err)
	case !vs[0].marker && !bytes.Equal(got, vs[0].body):
		t.Fatalf("GET k: %d bytes that are not the latest version's %d", len(got), len(vs[0].body))
	}
	if e.upload != "" {
		for _, p := range uploadParts(t, ctx, e) {
			if aws.ToInt64(p.Size) == 0 {
				t.Errorf("upload lists part %d of size 0", aws.ToInt32(p.PartNumber))
			}
		}
	}
}

// getK reads k (at version id, "" = the latest).
func getK(ctx context.Context, e *cpEnv, id string) ([]byte, error) {
	in := &s3.GetObjectInput{Bucket: &e.bucket, Key: aws.String("k")}
	if id != "" {
		in.VersionId = aws.String(id)
	}
	out, err := e.cl.GetObject(ctx, in)
	if err != nil {
		return nil, err
	}
	defer out.Body.Close()
	return io.ReadAll(out.Body)
}

// uploadParts lists the scenario's upload of k (none once it is over).
func uploadParts(t *testing.T, ctx context.Context, e *cpEnv) []types.Part {
	t.Helper()
	ps, err := e.cl.ListParts(ctx, &s3.ListPartsInput{Bucket: &e.bucket, Key: aws.String("k"), UploadId: &e.upload})
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae) && ae.ErrorCode() == "NoSuchUpload":
		return nil
	case err != nil:
		t.Fatalf("ListParts: %v", err)
	}
	return ps.Parts
}

// liveDataSets counts the data sets the versions k holds and the parts
// its upload still lists reference, as the client sees them.
func liveDataSets(t *testing.T, ctx context.Context, e *cpEnv) int {
	t.Helper()
	_, vs := state(t, ctx, e)
	live := map[string]bool{}
	for _, v := range vs {
		for _, s := range v.sets {
			live[s] = true
		}
	}
	if e.upload != "" {
		for _, p := range uploadParts(t, ctx, e) {
			live[fmt.Sprintf("p%d", aws.ToInt32(p.PartNumber))] = true
		}
	}
	return len(live)
}
