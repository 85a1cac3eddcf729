package gateway

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dolium/dolium/meta"
)

// DeleteObjects with a version id other than "null" must not delete the
// current object (it did: the id was parsed and ignored), and must answer
// as a single DELETE ?versionId= does.
func TestDeleteWithVersionID(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "a", []byte("A"))
	f.put(t, "b", []byte("B"))
	res, err := f.g.DeleteObjects(ctx, bucketOf(t, f.g, "bkt"), "alice", false, []DeleteTarget{{Key: "a", VersionID: "3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY"}, {Key: "b", VersionID: "null"}})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res[0].Err, ErrInvalidVersionID) {
		t.Errorf("DeleteObjects(a, version x) = %v, want ErrInvalidVersionID", res[0].Err)
	}
	if res[1].Err != nil {
		t.Errorf("DeleteObjects(b, version null) = %v, want nil", res[1].Err)
	}
	if got := f.read(t, "a"); string(got) != "A" {
		t.Errorf("a after DeleteObjects with a foreign version id = %q, want it kept", got)
	}
	if _, err := f.g.GetObject(ctx, bucketOf(t, f.g, "bkt"), GetInput{Key: "b"}, true); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("b after DeleteObjects with version null = %v, want deleted", err)
	}
	if _, err := f.g.DeleteObject(ctx, bucketOf(t, f.g, "bkt"), DeleteInput{Key: "a", VersionID: "other"}); !errors.Is(err, ErrInvalidVersionID) {
		t.Errorf("DeleteObject(a, version other) = %v, want ErrInvalidVersionID", err)
	}
	if got := f.read(t, "a"); string(got) != "A" {
		t.Errorf("a after DELETE with a foreign version id = %q, want it kept", got)
	}
}

func (f *fixture) multipart(t *testing.T, key string, parts ...string) (meta.Upload, []CompletedPart) {
	t.Helper()
	ctx := context.Background()
	up, err := f.g.CreateMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CreateUploadInput{Key: key, Owner: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.ms.GetUpload(ctx, "bkt", key, up.UploadID)
	if err != nil {
		t.Fatal(err)
	}
	var cps []CompletedPart
	for i, body := range parts {
		p, err := f.g.UploadPart(ctx, bucketOf(t, f.g, "bkt"), PartInput{Key: key, UploadID: u.UploadID, PartNumber: i + 1, Body: strings.NewReader(body), Size: int64(len(body))})
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, CompletedPart{PartNumber: i + 1, ETag: `"` + p.ETag + `"`})
	}
	return u, cps
}

// A retried CompleteMultipartUpload (the first one's answer was lost)
// answers what the first one did; a different part list does not.
func TestCompleteRetry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, cps := f.multipart(t, "m", "only part")
	in := CompleteInput{Key: "m", Owner: "alice", UploadID: u.UploadID, Parts: cps}
	first, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), in)
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), in)
	if err != nil {
		t.Fatalf("retried CompleteMultipartUpload = %v, want the first answer", err)
	}
	if again.ETag != first.ETag || again.Size != first.Size || again.VersionID != first.VersionID {
		t.Errorf("retry answered %+v, want %+v", again, first)
	}
	other := in
	other.Parts = []CompletedPart{{PartNumber: 1, ETag: `"0123456789abcdef0123456789abcdef"`}}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), other); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("CompleteMultipartUpload with other parts after completion = %v, want ErrNoSuchUpload", err)
	}
	if err := f.g.AbortMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), "m", u.UploadID); err != nil {
		t.Errorf("AbortMultipartUpload of a completed upload = %v, want nil (AWS: 204)", err)
	}
	if got := f.read(t, "m"); string(got) != "only part" {
		t.Errorf("object after the retries = %q", got)
	}
	// Another bucket's key cannot read the record.
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "other", Owner: "alice", UploadID: u.UploadID, Parts: cps}); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("CompleteMultipartUpload naming another key = %v, want ErrNoSuchUpload", err)
	}
}

// The gateway died between committing the object and finishing the
// upload: a retry finds the committed object and answers with it.
func TestCompleteRetryAfterCrash(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, cps := f.multipart(t, "m", "part one")
	in := CompleteInput{Key: "m", Owner: "alice", UploadID: u.UploadID, Parts: cps}
	ps, _ := f.g.allParts(ctx, u.UploadID)
	first, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), in)
	if err != nil {
		t.Fatal(err)
	}
	// As the crash would have left it: the upload row, no record.
	if err := f.ms.CreateUpload(ctx, u); err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		f.ms.PutPart(ctx, p)
	}
	f.ms.PutCompletion(ctx, meta.Completion{UploadID: u.UploadID, Bucket: "elsewhere", Key: "m", Done: time.Now()}, time.Hour)
	again, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), in)
	if err != nil || again.ETag != first.ETag {
		t.Fatalf("retry after a crash = %+v, %v; want ETag %s", again, err, first.ETag)
	}
}

func TestAbortRetry(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, _ := f.multipart(t, "m", "data")
	if err := f.g.AbortMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), "m", u.UploadID); err != nil {
		t.Fatal(err)
	}
	if err := f.g.AbortMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), "m", u.UploadID); err != nil {
		t.Errorf("second AbortMultipartUpload = %v, want nil", err)
	}
	if err := f.g.AbortMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), "m", "no-such-upload"); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("AbortMultipartUpload of an unknown id = %v, want ErrNoSuchUpload", err)
	}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "m", Owner: "alice", UploadID: u.UploadID, Parts: []CompletedPart{{PartNumber: 1, ETag: "x"}}}); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("CompleteMultipartUpload after abort = %v, want ErrNoSuchUpload", err)
	}
	f.clock.Add(2 * time.Hour)
	f.collectAll(t)
	if n := f.dataSets(t); n != 0 {
		t.Errorf("data sets after abort and collection = %d, want 0", n)
	}
}

// Data an overwrite replaces is queued before the new row is written: with
// the new row's write failing after the queue, nothing is lost or leaked.
func TestOverwriteQueuesBeforeCommit(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	old := f.put(t, "k", []byte("old"))
	fm := &failingMeta{Store: f.ms}
	f.g.meta = fm
	fm.failPut = true
	if _, err := f.g.PutObject(ctx, bucketOf(t, f.g, "bkt"), PutInput{Key: "k", Owner: "alice", Body: bytes.NewReader([]byte("new")), Size: 3}); err == nil {
		t.Fatal("PutObject with the row write failing succeeded")
	}
	es, _ := f.ms.DueEntries(ctx, f.clock.Now().Add(2*time.Hour), 100)
	queued := false
	for _, e := range es {
		if e.DataID == old.Extents[0].DataID {
			queued = true
		}
	}
	if !queued {
		t.Errorf("the current object's data was not queued before its replacement was written")
	}
	fm.failPut = false
	f.clock.Add(2 * time.Hour)
	f.collectAll(t)
	if got := f.read(t, "k"); string(got) != "old" {
		t.Errorf("object after a failed overwrite and collection = %q, want old", got)
	}
	if n := f.dataSets(t); n != 1 {
		t.Errorf("data sets = %d, want 1 (the failed overwrite's data collected)", n)
	}
}

type failingMeta struct {
	meta.Store
	failPut bool
}

func (m *failingMeta) PutObject(ctx context.Context, o meta.Object, c meta.Cond, check func(meta.Object) error) (*meta.Object, error) {
	if m.failPut {
		return nil, errors.New("injected failure")
	}
	return m.Store.PutObject(ctx, o, c, check)
}

// A completion that committed, whose gateway died before ending the
// upload, and whose object was overwritten before anyone looked: the
// upload must not stay usable with parts whose data the overwrite
// reclaimed (the soak found such referenced-but-missing data).
func TestCompletedThenOverwrittenUpload(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	u, cps := f.multipart(t, "m", "part one")
	ps, _ := f.g.allParts(ctx, u.UploadID)
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "m", Owner: "alice", UploadID: u.UploadID, Parts: cps}); err != nil {
		t.Fatal(err)
	}
	// The crash: the upload's rows are back, and the record is the one
	// written before the commit.
	c, err := f.ms.GetCompletion(ctx, u.UploadID)
	if err != nil {
		t.Fatal(err)
	}
	f.ms.CreateUpload(ctx, u)
	for _, p := range ps {
		f.ms.PutPart(ctx, p)
	}
	f.ms.PutCompletion(ctx, c, time.Hour)
	f.put(t, "m", []byte("overwritten"))
	f.clock.Add(2 * time.Hour)
	f.collectAll(t)
	if _, _, _, err := f.g.ListParts(ctx, bucketOf(t, f.g, "bkt"), "m", u.UploadID, 0, 10); !errors.Is(err, ErrNoSuchUpload) {
		t.Fatalf("ListParts of the completed and overwritten upload = %v, want ErrNoSuchUpload", err)
	}
	if n := f.dataSets(t); n != 1 {
		t.Errorf("data sets = %d, want 1 (the overwrite's)", n)
	}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), CompleteInput{Key: "m", Owner: "alice", UploadID: u.UploadID, Parts: cps}); !errors.Is(err, ErrNoSuchUpload) {
		t.Errorf("completing it again = %v, want ErrNoSuchUpload", err)
	}
	if got := f.read(t, "m"); string(got) != "overwritten" {
		t.Errorf("m = %q", got)
	}
}

// A completion whose commit fails (a precondition) leaves the upload
// usable: its record is withdrawn.
func TestCompleteFailedConditionKeepsUpload(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	f.put(t, "m", []byte("exists"))
	u, cps := f.multipart(t, "m", "part one")
	in := CompleteInput{Key: "m", Owner: "alice", UploadID: u.UploadID, Parts: cps, Cond: WriteCond{IfNoneMatch: true}}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), in); !errors.Is(err, ErrPreconditionFailed) {
		t.Fatalf("complete with If-None-Match on an existing key = %v", err)
	}
	in.Cond = WriteCond{}
	if _, err := f.g.CompleteMultipartUpload(ctx, bucketOf(t, f.g, "bkt"), in); err != nil {
		t.Fatalf("complete again without the condition = %v, want success", err)
	}
	if got := f.read(t, "m"); string(got) != "part one" {
		t.Errorf("m = %q, want the upload's content", got)
	}
}
