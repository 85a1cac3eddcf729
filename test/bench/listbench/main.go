// Command listbench measures version listing on several S3 servers side by
// side: it loads the same set of object versions into a versioned bucket on
// each, then times full paging of ListObjectVersions and ListObjectsV2 and
// ListObjectVersions with a prefix and a delimiter, and checks every listing
// against what it wrote.
//
// test/bench/run.sh (scenario "listversions") starts dolium on its embedded
// store, dolium on Cassandra and MinIO, and runs it as
//
//	listbench -target embedded,http://127.0.0.1:P1,AK,SK \
//	          -target cassandra,http://127.0.0.1:P2,AK,SK \
//	          -target minio,http://127.0.0.1:P3,AK,SK \
//	          -ratio cassandra/embedded -ratio embedded/minio -out results.md
//
// The load: -versions versions over -versions/-per-key keys (default 100000
// over 20000 keys, 5 versions each), tiny bodies, -workers concurrent
// writers. Each key's versions are written in sequence by one worker, so the
// order of its versions is known. Keys share prefixes: pNN/fNNNN directly
// under 20 top-level prefixes and pNN/sNN/oNNNN one level deeper (14
// sub-prefixes each). Every
// tenth key ends with a delete marker (hidden from ListObjectsV2), and
// another tenth has one in the middle of its history.
//
// The measurements, each a complete listing paged with -max-keys:
//
//   - versions: ListObjectVersions of the whole bucket.
//   - v2: ListObjectsV2 of the whole bucket.
//   - versions-prefix-delim: ListObjectVersions with prefix "p07/" and
//     delimiter "/" (the versions of p07/'s direct keys, 1/160 of the load,
//     and its 14 common prefixes p07/sNN/).
//   - versions-root-delim: ListObjectVersions with delimiter "/" and no
//     prefix (20 common prefixes that stand for all the versions).
//
// The machine these run on is usually shared and noisy, so each measurement
// is repeated -rounds times, interleaved across the servers (round 1 of
// versions on A, B, C, then round 2 on A, B, C, ...), and the report gives
// medians and ratios of the medians. -max-time bounds the measuring: no
// new round starts once it has passed (at least one round is always run). Every listing is checked, from the raw
// XML of each page (the SDK splits versions and delete markers into two
// lists, which loses their order): every version listed exactly once, in
// AWS's order (key ascending, each key's versions newest first, IsLatest on
// the first only), delete markers where they were written, the expected
// common prefixes each once, no page over max-keys. A wrong listing makes
// the program exit non-zero.
package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

const topPrefixes = 20

type target struct {
	name string
	cl   *s3.Client
	raw  *rawCapture
}

// version is one version of a key as written: its id and whether it is a
// delete marker.
type version struct {
	id     string
	marker bool
}

// entry is one item of a listing, in the order the server sent it.
type entry struct {
	key, id        string
	marker, latest bool
}

type targetFlags []string

func (t *targetFlags) String() string     { return strings.Join(*t, " ") }
func (t *targetFlags) Set(v string) error { *t = append(*t, v); return nil }

func main() {
	var targets, ratios targetFlags
	flag.Var(&targets, "target", "name,endpoint,accessKey,secretKey of a server (repeatable; measured in the order given)")
	flag.Var(&ratios, "ratio", "a/b: report the median time of server a over that of server b (repeatable)")
	nVersions := flag.Int("versions", 100000, "versions to load (keys = versions / per-key)")
	perKey := flag.Int("per-key", 5, "versions per key (delete markers included)")
	workers := flag.Int("workers", 32, "concurrent writers while loading")
	rounds := flag.Int("rounds", 5, "measured rounds of each listing per server")
	maxKeys := flag.Int("max-keys", 1000, "max-keys of each listing request")
	bucket := flag.String("bucket", "listbench", "bucket to create (versioning enabled) on every server")
	out := flag.String("out", "", "also write the Markdown report to this file")
	maxTime := flag.Duration("max-time", 0, "start no new round once the measuring has taken this long (0: no limit)")
	flag.Parse()
	if len(targets) == 0 {
		fail("no -target given")
	}
	if *perKey < 1 || *nVersions < *perKey || *rounds < 1 || *maxKeys < 1 || *workers < 1 {
		fail("bad -versions, -per-key, -rounds, -max-keys or -workers")
	}
	var ts []*target
	for _, spec := range targets {
		f := strings.Split(spec, ",")
		if len(f) != 4 {
			fail("-target %q: want name,endpoint,accessKey,secretKey", spec)
		}
		ts = append(ts, newTarget(f[0], f[1], f[2], f[3], *workers))
	}
	for _, r := range ratios {
		a, b, ok := strings.Cut(r, "/")
		if !ok || findTarget(ts, a) < 0 || findTarget(ts, b) < 0 {
			fail("-ratio %q: want a/b with a and b among the targets", r)
		}
	}

	ctx := context.Background()
	keys := makeKeys(*nVersions / *perKey)
	fmt.Fprintf(os.Stderr, "listbench: %d keys x %d versions = %d versions per server, %d workers, %d rounds, max-keys %d\n",
		len(keys), *perKey, len(keys)**perKey, *workers, *rounds, *maxKeys)

	// Load every server, one after the other (loading them at once would
	// make them compete for the machine).
	written := make([]map[string][]version, len(ts))
	loadTime := make([]time.Duration, len(ts))
	for i, t := range ts {
		if err := makeBucket(ctx, t.cl, *bucket); err != nil {
			fail("%s: %v", t.name, err)
		}
		start := time.Now()
		w, err := load(ctx, t.cl, *bucket, keys, *perKey, *workers)
		loadTime[i] = time.Since(start)
		if err != nil {
			fail("%s: loading: %v", t.name, err)
		}
		written[i] = w
		fmt.Fprintf(os.Stderr, "listbench: %s: loaded %d versions in %.1f s (%.0f versions/s)\n",
			t.name, len(keys)**perKey, loadTime[i].Seconds(), float64(len(keys)**perKey)/loadTime[i].Seconds())
	}

	type measurement struct {
		name string
		run  func(ctx context.Context, t *target, w map[string][]version) (pages int, err error)
	}
	ms := []measurement{
		{"versions", func(ctx context.Context, t *target, w map[string][]version) (int, error) {
			return checkedVersions(ctx, t, *bucket, "", "", *maxKeys, w)
		}},
		{"v2", func(ctx context.Context, t *target, w map[string][]version) (int, error) {
			return checkedV2(ctx, t, *bucket, *maxKeys, w)
		}},
		{"versions-prefix-delim", func(ctx context.Context, t *target, w map[string][]version) (int, error) {
			return checkedVersions(ctx, t, *bucket, "p07/", "/", *maxKeys, w)
		}},
		{"versions-root-delim", func(ctx context.Context, t *target, w map[string][]version) (int, error) {
			return checkedVersions(ctx, t, *bucket, "", "/", *maxKeys, w)
		}},
	}

	// times[m][t] are the round times of measurement m on target t.
	times := make([][][]time.Duration, len(ms))
	pages := make([][]int, len(ms))
	for mi := range ms {
		times[mi] = make([][]time.Duration, len(ts))
		pages[mi] = make([]int, len(ts))
	}
	measureStart := time.Now()
	done := 0
	for r := range *rounds {
		if r > 0 && *maxTime > 0 && time.Since(measureStart) > *maxTime {
			fmt.Fprintf(os.Stderr, "listbench: -max-time %v passed, stopping after %d rounds\n", *maxTime, r)
			break
		}
		done++
		for mi, m := range ms {
			for ti, t := range ts {
				start := time.Now()
				n, err := m.run(ctx, t, written[ti])
				d := time.Since(start)
				if err != nil {
					fail("%s on %s, round %d: %v", m.name, t.name, r+1, err)
				}
				times[mi][ti] = append(times[mi][ti], d)
				pages[mi][ti] = n
				fmt.Fprintf(os.Stderr, "listbench: round %d %-22s %-10s %8.3f s (%d pages)\n", r+1, m.name, t.name, d.Seconds(), n)
			}
		}
	}

	// Report.
	var b strings.Builder
	fmt.Fprintf(&b, "Version listing: %d keys x %d versions = %d versions (%d delete markers) per server, loaded with %d concurrent writers; each listing paged with max-keys %d; %d rounds interleaved across the servers; checked against what was written.\n\n",
		len(keys), *perKey, len(keys)**perKey, countMarkers(written[0]), *workers, *maxKeys, done)
	b.WriteString("| server | load time (s) | versions/s |\n|---|---|---|\n")
	for i, t := range ts {
		n := float64(len(keys) * *perKey)
		fmt.Fprintf(&b, "| %s | %.1f | %.0f |\n", t.name, loadTime[i].Seconds(), n/loadTime[i].Seconds())
	}
	b.WriteString("\nMedian time of one complete listing in seconds (min-max over the rounds), pages per listing:\n\n| listing | pages |")
	for _, t := range ts {
		fmt.Fprintf(&b, " %s |", t.name)
	}
	for _, r := range ratios {
		fmt.Fprintf(&b, " %s |", r)
	}
	b.WriteString("\n|---|---|" + strings.Repeat("---|", len(ts)+len(ratios)) + "\n")
	for mi, m := range ms {
		pg := make([]string, len(ts))
		for ti := range ts {
			pg[ti] = fmt.Sprint(pages[mi][ti])
		}
		fmt.Fprintf(&b, "| %s | %s |", m.name, strings.Join(slices.Compact(pg), " / "))
		for ti := range ts {
			lo, hi := slices.Min(times[mi][ti]), slices.Max(times[mi][ti])
			fmt.Fprintf(&b, " %.3f (%.3f-%.3f) |", median(times[mi][ti]).Seconds(), lo.Seconds(), hi.Seconds())
		}
		for _, r := range ratios {
			a, c, _ := strings.Cut(r, "/")
			fmt.Fprintf(&b, " %.2f |", median(times[mi][findTarget(ts, a)]).Seconds()/median(times[mi][findTarget(ts, c)]).Seconds())
		}
		b.WriteString("\n")
	}
	b.WriteString("\nRatios are of median times: above 1 means the first server is slower.\n")
	fmt.Print(b.String())
	if *out != "" {
		if err := os.WriteFile(*out, []byte(b.String()), 0o644); err != nil {
			fail("%v", err)
		}
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "listbench: "+format+"\n", args...)
	os.Exit(1)
}

func findTarget(ts []*target, name string) int {
	return slices.IndexFunc(ts, func(t *target) bool { return t.name == name })
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func countMarkers(w map[string][]version) int {
	n := 0
	for _, vs := range w {
		for _, v := range vs {
			if v.marker {
				n++
			}
		}
	}
	return n
}

// --- clients -------------------------------------------------------------------

// rawCapture is an http.RoundTripper that keeps the body of the last list
// response, so that the order of Version and DeleteMarker elements can be
// checked (each listing runs one request at a time per target).
type rawCapture struct {
	next http.RoundTripper
	mu   sync.Mutex
	last []byte
}

func (c *rawCapture) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(req)
	if err != nil || req.Method != http.MethodGet || !isList(req) {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.last = body
	c.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

func isList(req *http.Request) bool {
	q := req.URL.Query()
	_, versions := q["versions"]
	return versions || q.Get("list-type") == "2"
}

func (c *rawCapture) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.last
	c.last = nil
	return b
}

func newTarget(name, endpoint, ak, sk string, conns int) *target {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns * 2
	tr.MaxIdleConnsPerHost = conns * 2
	raw := &rawCapture{next: tr}
	cfg := aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider(ak, sk, ""),
		HTTPClient:  &http.Client{Transport: raw, Timeout: 5 * time.Minute},
	}
	cl := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(endpoint)
		o.UsePathStyle = true
		o.DisableLogOutputChecksumValidationSkipped = true
		// One attempt: a server error is a failed run, not a hidden retry.
		o.RetryMaxAttempts = 1
	})
	return &target{name: name, cl: cl, raw: raw}
}

func makeBucket(ctx context.Context, cl *s3.Client, bucket string) error {
	if _, err := cl.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket}); err != nil {
		return fmt.Errorf("CreateBucket: %w", err)
	}
	if _, err := cl.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  &bucket,
		VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	}); err != nil {
		return fmt.Errorf("PutBucketVersioning: %w", err)
	}
	v, err := cl.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &bucket})
	if err != nil {
		return fmt.Errorf("GetBucketVersioning: %w", err)
	}
	if v.Status != types.BucketVersioningStatusEnabled {
		return fmt.Errorf("versioning status %q after enabling it", v.Status)
	}
	return nil
}

// --- load ------------------------------------------------------------------------

// makeKeys returns n keys with shared prefixes: key i is under top-level
// prefix p(i mod 20)/, every eighth one directly (pNN/fNNNNN), the others one
// level deeper in one of 14 sub-prefixes (pNN/sNN/oNNNNN, NN = rest mod 16,
// never 00 or 08).
func makeKeys(n int) []string {
	keys := make([]string, n)
	for i := range keys {
		top, rest := i%topPrefixes, i/topPrefixes
		if rest%8 == 0 {
			keys[i] = fmt.Sprintf("p%02d/f%05d", top, rest)
		} else {
			keys[i] = fmt.Sprintf("p%02d/s%02d/o%05d", top, rest%16, rest)
		}
	}
	return keys
}

// markerAt reports whether version j (0 = oldest) of key i is a delete
// marker: the newest one for keys i = 3 mod 10, the middle one for keys
// i = 7 mod 10.
func markerAt(i, j, perKey int) bool {
	switch i % 10 {
	case 3:
		return perKey >= 2 && j == perKey-1
	case 7:
		return perKey >= 3 && j == perKey/2
	}
	return false
}

func load(ctx context.Context, cl *s3.Client, bucket string, keys []string, perKey, workers int) (map[string][]version, error) {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	idx := make(chan int)
	result := make([][]version, len(keys))
	var wg sync.WaitGroup
	var done atomic.Int64
	for range workers {
		wg.Go(func() {
			for i := range idx {
				vs, err := writeKey(ctx, cl, bucket, keys[i], i, perKey)
				if err != nil {
					cancel(fmt.Errorf("key %s: %w", keys[i], err))
					continue
				}
				result[i] = vs
				done.Add(1)
			}
		})
	}
	stop := make(chan struct{})
	go func() {
		tick := time.NewTicker(15 * time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				fmt.Fprintf(os.Stderr, "listbench:   %d/%d keys\n", done.Load(), len(keys))
			}
		}
	}()
feed:
	for i := range keys {
		select {
		case idx <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(idx)
	wg.Wait()
	close(stop)
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	w := make(map[string][]version, len(keys))
	for i, k := range keys {
		w[k] = result[i]
	}
	return w, nil
}

// writeKey writes the perKey versions of key (the i-th key) in order and
// returns them oldest first.
func writeKey(ctx context.Context, cl *s3.Client, bucket, key string, i, perKey int) ([]version, error) {
	vs := make([]version, 0, perKey)
	seen := make(map[string]bool, perKey)
	for j := range perKey {
		var v version
		if markerAt(i, j, perKey) {
			out, err := cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key})
			if err != nil {
				return nil, fmt.Errorf("DeleteObject: %w", err)
			}
			if !aws.ToBool(out.DeleteMarker) {
				return nil, errors.New("DeleteObject on a versioned bucket made no delete marker")
			}
			v = version{id: aws.ToString(out.VersionId), marker: true}
		} else {
			body := fmt.Sprintf("%s v%d\n", key, j)
			out, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)})
			if err != nil {
				return nil, fmt.Errorf("PutObject: %w", err)
			}
			v = version{id: aws.ToString(out.VersionId)}
		}
		if v.id == "" || v.id == "null" || seen[v.id] {
			return nil, fmt.Errorf("version %d got version id %q (empty, null or repeated)", j, v.id)
		}
		seen[v.id] = true
		vs = append(vs, v)
	}
	return vs, nil
}

// --- listings and their checks ------------------------------------------------------

// expectedVersions is what ListObjectVersions with prefix and delimiter
// must return: the versions of keys under prefix with no delimiter after
// it, in AWS order, and the common prefixes of the others.
func expectedVersions(w map[string][]version, prefix, delim string) ([]entry, []string) {
	var keys []string
	cps := map[string]bool{}
	for k := range w {
		if !strings.HasPrefix(k, prefix) {
			continue
		}
		if delim != "" {
			if i := strings.Index(k[len(prefix):], delim); i >= 0 {
				cps[k[:len(prefix)+i+len(delim)]] = true
				continue
			}
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var es []entry
	for _, k := range keys {
		vs := w[k]
		for j := len(vs) - 1; j >= 0; j-- {
			es = append(es, entry{key: k, id: vs[j].id, marker: vs[j].marker, latest: j == len(vs)-1})
		}
	}
	var cpl []string
	for p := range cps {
		cpl = append(cpl, p)
	}
	sort.Strings(cpl)
	return es, cpl
}

// checkedVersions pages through ListObjectVersions and checks the result.
func checkedVersions(ctx context.Context, t *target, bucket, prefix, delim string, maxKeys int, w map[string][]version) (int, error) {
	in := &s3.ListObjectVersionsInput{Bucket: &bucket, MaxKeys: aws.Int32(int32(maxKeys))}
	if prefix != "" {
		in.Prefix = &prefix
	}
	if delim != "" {
		in.Delimiter = &delim
	}
	var got []entry
	var cps []string
	pages := 0
	for {
		out, err := t.cl.ListObjectVersions(ctx, in)
		if err != nil {
			return pages, fmt.Errorf("ListObjectVersions page %d: %w", pages+1, err)
		}
		pages++
		es, pcps, err := parseVersionsXML(t.raw.take())
		if err != nil {
			return pages, fmt.Errorf("page %d: %w", pages, err)
		}
		if len(es) != len(out.Versions)+len(out.DeleteMarkers) || len(pcps) != len(out.CommonPrefixes) {
			return pages, fmt.Errorf("page %d: raw XML has %d entries and %d prefixes, the SDK %d and %d",
				pages, len(es), len(pcps), len(out.Versions)+len(out.DeleteMarkers), len(out.CommonPrefixes))
		}
		if n := len(es) + len(pcps); n > maxKeys {
			return pages, fmt.Errorf("page %d has %d entries, max-keys %d", pages, n, maxKeys)
		}
		got = append(got, es...)
		cps = append(cps, pcps...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if out.NextKeyMarker == nil {
			return pages, fmt.Errorf("page %d is truncated but has no NextKeyMarker", pages)
		}
		if pages > 10*len(w)+10 {
			return pages, errors.New("listing does not end")
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	want, wantCPs := expectedVersions(w, prefix, delim)
	if err := compareEntries(got, want); err != nil {
		return pages, err
	}
	if err := compareStrings("common prefixes", cps, wantCPs); err != nil {
		return pages, err
	}
	return pages, nil
}

// checkedV2 pages through ListObjectsV2 and checks that it lists exactly
// the keys whose newest version is not a delete marker, in order.
func checkedV2(ctx context.Context, t *target, bucket string, maxKeys int, w map[string][]version) (int, error) {
	in := &s3.ListObjectsV2Input{Bucket: &bucket, MaxKeys: aws.Int32(int32(maxKeys))}
	var got []string
	pages := 0
	for {
		out, err := t.cl.ListObjectsV2(ctx, in)
		t.raw.take()
		if err != nil {
			return pages, fmt.Errorf("ListObjectsV2 page %d: %w", pages+1, err)
		}
		pages++
		if len(out.Contents) > maxKeys {
			return pages, fmt.Errorf("page %d has %d keys, max-keys %d", pages, len(out.Contents), maxKeys)
		}
		for _, o := range out.Contents {
			got = append(got, aws.ToString(o.Key))
		}
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if aws.ToString(out.NextContinuationToken) == "" {
			return pages, fmt.Errorf("page %d is truncated but has no NextContinuationToken", pages)
		}
		if pages > len(w)+10 {
			return pages, errors.New("listing does not end")
		}
		in.ContinuationToken = out.NextContinuationToken
	}
	var want []string
	for k, vs := range w {
		if !vs[len(vs)-1].marker {
			want = append(want, k)
		}
	}
	sort.Strings(want)
	return pages, compareStrings("ListObjectsV2 keys", got, want)
}

func compareEntries(got, want []entry) error {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Errorf("entry %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("listed %d versions and delete markers, want %d", len(got), len(want))
	}
	return nil
}

func compareStrings(what string, got, want []string) error {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Errorf("%s: item %d is %q, want %q", what, i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("%s: listed %d, want %d", what, len(got), len(want))
	}
	return nil
}

// parseVersionsXML reads the Version and DeleteMarker elements of a
// ListVersionsResult in document order, and its common prefixes.
func parseVersionsXML(body []byte) ([]entry, []string, error) {
	if body == nil {
		return nil, nil, errors.New("no response body captured")
	}
	var doc struct {
		Items []struct {
			XMLName   xml.Name
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
			IsLatest  bool   `xml:"IsLatest"`
		} `xml:",any"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		return nil, nil, fmt.Errorf("parsing ListVersionsResult: %w", err)
	}
	var es []entry
	var cps []string
	for _, it := range doc.Items {
		switch it.XMLName.Local {
		case "Version", "DeleteMarker":
			es = append(es, entry{key: it.Key, id: it.VersionID, marker: it.XMLName.Local == "DeleteMarker", latest: it.IsLatest})
		case "CommonPrefixes":
			// <CommonPrefixes><Prefix>p/</Prefix></CommonPrefixes>: parsed below.
		}
	}
	var cpDoc struct {
		CommonPrefixes []struct {
			Prefix string `xml:"Prefix"`
		} `xml:"CommonPrefixes"`
	}
	if err := xml.Unmarshal(body, &cpDoc); err != nil {
		return nil, nil, fmt.Errorf("parsing ListVersionsResult: %w", err)
	}
	for _, c := range cpDoc.CommonPrefixes {
		cps = append(cps, c.Prefix)
	}
	return es, cps, nil
}
