//go:build soak

package fault

// The soak (make soak; not part of make test): a mixed workload for
// SOAK_DURATION (default 30m) on SOAK_STORE (embedded or cassandra) while
// the gateway is SIGKILLed and restarted every SOAK_KILL_EVERY (default
// 3m). warp mixed (SOAK_WARP: its binary; bench/soak.sh installs it) runs
// beside tracked writers that put, overwrite (single PUT and multipart)
// and delete keys whose content they can regenerate. At the end every
// acknowledged object reads back byte-identical (an operation cut by a kill
// may have happened or not, nothing else), no orphaned bytes remain after
// one collection period, and the gateway's RSS stayed under its memory
// limit. SOAK_WORKERS sets the number of tracked writers (default 4).
// SOAK_OUT names a file the summary is appended to.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/dolium/dolium/internal/cqldb/cqltest"
	"github.com/dolium/dolium/test/harness"
)

func envDuration(t *testing.T, k string, def time.Duration) time.Duration {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		t.Fatalf("%s=%q: %v", k, v, err)
	}
	return d
}

// soakContent is the content of one write: regenerable from its seed.
type soakContent struct {
	seed uint64
	size int64 // -1: the key is deleted
}

func (c soakContent) bytes() []byte {
	if c.size < 0 {
		return nil
	}
	b := make([]byte, c.size)
	pattern{seed: c.seed, size: c.size}.ReadAt(b, 0)
	return b
}

// soakKey is what one key may hold: the last acknowledged content plus
// those of operations cut by a kill since (which may have happened).
type soakKey struct {
	mu       sync.Mutex
	possible []soakContent
}

type soak struct {
	t        *testing.T
	bucket   string
	endpoint atomic.Pointer[string]
	root     harness.Credentials
	keys     []*soakKey
	acked    atomic.Int64
	cut      atomic.Int64
	failed   atomic.Int64
	bytesPut atomic.Int64
}

func (s *soak) client() *s3.Client { return harness.SDKClient(*s.endpoint.Load(), s.root) }

func TestSoak(t *testing.T) {
	duration := envDuration(t, "SOAK_DURATION", 30*time.Minute)
	killEvery := envDuration(t, "SOAK_KILL_EVERY", 3*time.Minute)
	store := os.Getenv("SOAK_STORE")
	if store == "" {
		store = "embedded"
	}
	const memLimit = 192 << 20
	grace, reclaim := 30*time.Second, 5*time.Second
	args := []string{"--gc-interval", "2s", "--upload-grace", grace.String(), "--reclaim-delay", reclaim.String(),
		"--memory-limit", strconv.Itoa(memLimit)}
	ks := ""
	switch store {
	case "embedded":
	case "cassandra":
		ks = harness.TempKeyspace(t, cqltest.Hosts()[0], "soak")
		args = append(args, "--store", "cassandra", "--cassandra-hosts", cqltest.Hosts()[0], "--cassandra-keyspace", ks)
	default:
		t.Fatalf("SOAK_STORE=%q: want embedded or cassandra", store)
	}
	data := t.TempDir()
	root := harness.RandomCredentials()
	s := &soak{t: t, bucket: "soak", root: root}
	for range 64 {
		s.keys = append(s.keys, &soakKey{possible: []soakContent{{size: -1}}})
	}
	srv := harness.StartTest(t, harness.Options{DataDir: data, Root: root, Args: args})
	ep := srv.Endpoint
	s.endpoint.Store(&ep)
	ctx, cancel := context.WithTimeout(context.Background(), duration+10*time.Minute)
	defer cancel()
	if _, err := s.client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &s.bucket}); err != nil {
		t.Fatal(err)
	}

	// Peak RSS: the largest VmHWM of the gateway processes, each read
	// just before it is killed (and of the last one at the end).
	var peakRSS int64
	notePeak := func(srv *harness.Server) {
		if _, peak, err := srv.RSS(); err == nil && peak > peakRSS {
			peakRSS = peak
		}
	}

	end := time.Now().Add(duration)
	loadCtx, stopLoad := context.WithDeadline(ctx, end)
	defer stopLoad()
	var wg sync.WaitGroup
	workers := 4
	if v := os.Getenv("SOAK_WORKERS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("SOAK_WORKERS=%q: want a positive number", v)
		}
		workers = n
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.worker(loadCtx, uint64(w))
		}()
	}
	warpRuns, warpOK := 0, 0
	if warp := os.Getenv("SOAK_WARP"); warp != "" {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for loadCtx.Err() == nil {
				left := time.Until(end).Round(time.Second)
				if left < 10*time.Second {
					return
				}
				host := strings.TrimPrefix(*s.endpoint.Load(), "http://")
				cmd := exec.CommandContext(loadCtx, warp, "mixed", "--host", host, "--access-key", root.AccessKey,
					"--secret-key", root.SecretKey, "--bucket", "warp-soak", "--duration", left.String(),
					"--concurrent", "4", "--obj.size", "256KiB", "--objects", "200", "--noclear", "--no-color", "--quiet")
				cmd.Dir = t.TempDir()
				out, err := cmd.CombinedOutput()
				warpRuns++
				if err == nil {
					warpOK++
				} else if loadCtx.Err() == nil {
					t.Logf("warp mixed ended early (a kill?): %v: %s", err, lastLines(out, 3))
					time.Sleep(2 * time.Second)
				}
			}
		}()
	}

	// The killer.
	kills := 0
	for time.Until(end) > killEvery {
		time.Sleep(killEvery)
		notePeak(srv)
		srv.Kill()
		kills++
		srv = harness.StartTest(t, harness.Options{DataDir: data, Root: root, Args: args})
		ep := srv.Endpoint
		s.endpoint.Store(&ep)
		t.Logf("kill %d: restarted at %s; acked %d, cut %d, failed %d", kills, ep, s.acked.Load(), s.cut.Load(), s.failed.Load())
	}
	wg.Wait()
	notePeak(srv)

	// Every acknowledged object reads back as written.
	cl := s.client()
	bad := 0
	for i, k := range s.keys {
		key := fmt.Sprintf("k%03d", i)
		got, err := getOrNil(ctx, cl, s.bucket, key)
		if err != nil {
			t.Fatalf("GET %s: %v", key, err)
		}
		ok := false
		for _, c := range k.possible {
			if (c.size < 0 && got == nil) || (c.size >= 0 && got != nil && bytes.Equal(got, c.bytes())) {
				ok = true
			}
		}
		if !ok {
			bad++
			t.Errorf("%s holds %d bytes matching none of its %d possible contents", key, len(got), len(k.possible))
		}
	}
	// No orphans after one collection period.
	deadline := time.Now().Add(grace + reclaim + 60*time.Second)
	var orphans, inFlight, missing, stored, referenced int
	for {
		rep, err := tryGCVerify(ctx, srv)
		if err != nil {
			// A full scan of a loaded store may time out: try again.
			t.Logf("gc --verify: %v", err)
			if time.Now().After(deadline) {
				t.Fatal("gc --verify kept failing")
			}
			time.Sleep(5 * time.Second)
			continue
		}
		orphans, inFlight, missing, stored, referenced = len(rep.Orphans), rep.InFlight, len(rep.Missing), rep.Stored, rep.Referenced
		if orphans == 0 && inFlight == 0 && stored == referenced || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	if orphans != 0 || inFlight != 0 || missing != 0 || stored != referenced {
		t.Errorf("after one collection period: stored %d, referenced %d, orphans %d, in flight %d, missing %d", stored, referenced, orphans, inFlight, missing)
		if rep, err := tryGCVerify(ctx, srv); err == nil {
			t.Logf("orphans %q, missing %q", rep.Orphans, rep.Missing)
		}
	}
	if store == "embedded" {
		if n, err := harness.ChunkDirs(data); err != nil || n != referenced {
			t.Errorf("chunk directories on disk: %d (%v), want %d", n, err, referenced)
		}
	} else if n := chunkDataIDs(t, cqltest.Hosts()[0], ks); n != referenced {
		t.Errorf("data ids among the chunk rows: %d, want %d", n, referenced)
	}
	if p := peakRSS; p > memLimit {
		t.Errorf("peak RSS %d MiB, over the memory limit of %d MiB", p>>20, memLimit>>20)
	}
	summary := fmt.Sprintf("| %s | %v | %d | %d | %d | %d | %d MiB | %d | %d/%d | %d / %d | %d MiB |",
		store, duration, kills, s.acked.Load(), s.cut.Load(), s.failed.Load(), s.bytesPut.Load()>>20, bad,
		warpOK, warpRuns, orphans, stored, peakRSS>>20)
	t.Log("| store | duration | kills | acked writes | cut by a kill | other failures | bytes written | wrong objects | warp runs ok/all | orphans / stored data sets | peak RSS |")
	t.Log(summary)
	if out := os.Getenv("SOAK_OUT"); out != "" {
		f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			fmt.Fprintln(f, summary)
			f.Close()
		}
	}
}

// worker runs tracked operations on random keys until ctx ends.
func (s *soak) worker(ctx context.Context, id uint64) {
	r := mrand.New(mrand.NewPCG(id, uint64(time.Now().UnixNano())))
	for ctx.Err() == nil {
		i := r.IntN(len(s.keys))
		k := s.keys[i]
		key := fmt.Sprintf("k%03d", i)
		k.mu.Lock()
		var c soakContent
		var err error
		cl := s.client()
		octx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		switch op := r.IntN(10); {
		case op < 5: // PUT (overwrite most of the time)
			c = soakContent{seed: r.Uint64(), size: r.Int64N(6 << 20)}
			_, err = cl.PutObject(octx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(c.bytes())})
		case op < 8: // multipart overwrite, with one part uploaded twice and one left out
			c = soakContent{seed: r.Uint64(), size: 10<<20 + r.Int64N(3<<20)}
			err = s.multipart(octx, cl, key, c)
		default: // delete
			c = soakContent{size: -1}
			_, err = cl.DeleteObject(octx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key})
		}
		cancel()
		switch {
		case err == nil:
			k.possible = []soakContent{c}
			s.acked.Add(1)
			if c.size > 0 {
				s.bytesPut.Add(c.size)
			}
		default:
			// Cut by a kill (or refused while restarting): it may have
			// happened.
			k.possible = append(k.possible, c)
			if isConnErr(err) {
				s.cut.Add(1)
			} else {
				s.failed.Add(1)
			}
		}
		k.mu.Unlock()
		if err != nil {
			time.Sleep(200 * time.Millisecond)
		}
	}
}

func (s *soak) multipart(ctx context.Context, cl *s3.Client, key string, c soakContent) error {
	b := c.bytes()
	up, err := cl.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		return err
	}
	cuts := []int{0, 5 << 20, 10 << 20, len(b)}
	var parts []types.CompletedPart
	for i := 0; i < 3; i++ {
		body := b[cuts[i]:cuts[i+1]]
		if i == 0 {
			// Part 1 first with other bytes, then replaced.
			if _, err := cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: &s.bucket, Key: &key, UploadId: up.UploadId,
				PartNumber: aws.Int32(1), Body: bytes.NewReader(body[:1<<20])}); err != nil {
				return err
			}
		}
		out, err := cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: &s.bucket, Key: &key, UploadId: up.UploadId,
			PartNumber: aws.Int32(int32(i + 1)), Body: bytes.NewReader(body)})
		if err != nil {
			return err
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(int32(i + 1)), ETag: out.ETag})
	}
	// A part 4 uploaded but left out of the object.
	if _, err := cl.UploadPart(ctx, &s3.UploadPartInput{Bucket: &s.bucket, Key: &key, UploadId: up.UploadId,
		PartNumber: aws.Int32(4), Body: bytes.NewReader(b[:1<<20])}); err != nil {
		return err
	}
	_, err = cl.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: &s.bucket, Key: &key, UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		// Do not leave an upload behind if the gateway still answers.
		actx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cl.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: &s.bucket, Key: &key, UploadId: up.UploadId})
		cancel()
	}
	return err
}

func isConnErr(err error) bool {
	s := err.Error()
	for _, w := range []string{"connection refused", "connection reset", "EOF", "broken pipe", "dial tcp", "timeout"} {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

func getOrNil(ctx context.Context, cl *s3.Client, bucket, key string) ([]byte, error) {
	out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		var nsk *types.NoSuchKey
		if errors.As(err, &nsk) {
			return nil, nil
		}
		return nil, err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if b == nil {
		b = []byte{}
	}
	return b, err
}

func lastLines(b []byte, n int) string {
	ls := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, " | ")
}
