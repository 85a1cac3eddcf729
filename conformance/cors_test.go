package conformance

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/dolium/dolium/test/harness"
)

// TestCORSConfiguration follows the S3 API reference's PutBucketCors,
// GetBucketCors and DeleteBucketCors through aws-sdk-go-v2 (which sends
// the checksum AWS requires): a configuration comes back as sent, an
// unsupported method is refused with AWS's error, a bucket without one
// answers NoSuchCORSConfiguration.
func TestCORSConfiguration(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)

	_, err := cl.GetBucketCors(ctx(t), &s3.GetBucketCorsInput{Bucket: &bucket})
	wantErr(t, "GetBucketCors without one", err, http.StatusNotFound, "NoSuchCORSConfiguration")

	rules := []types.CORSRule{
		{ID: aws.String("site"), AllowedHeaders: []string{"x-amz-*", "content-type"}, AllowedMethods: []string{"GET", "PUT"},
			AllowedOrigins: []string{"https://*.example.com", "http://test.com:80"}, ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(600)},
		{AllowedMethods: []string{"HEAD"}, AllowedOrigins: []string{"*"}},
	}
	_, err = cl.PutBucketCors(ctx(t), &s3.PutBucketCorsInput{Bucket: &bucket, CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}})
	mustOK(t, "PutBucketCors", err)
	got, err := cl.GetBucketCors(ctx(t), &s3.GetBucketCorsInput{Bucket: &bucket})
	mustOK(t, "GetBucketCors", err)
	if len(got.CORSRules) != 2 {
		t.Fatalf("GetBucketCors: %d rules, want 2", len(got.CORSRules))
	}
	r0, r1 := got.CORSRules[0], got.CORSRules[1]
	if aws.ToString(r0.ID) != "site" || !equalStrings(r0.AllowedOrigins, rules[0].AllowedOrigins) ||
		!equalStrings(r0.AllowedMethods, rules[0].AllowedMethods) || !equalStrings(r0.AllowedHeaders, rules[0].AllowedHeaders) ||
		!equalStrings(r0.ExposeHeaders, rules[0].ExposeHeaders) || aws.ToInt32(r0.MaxAgeSeconds) != 600 {
		t.Errorf("rule site came back as %+v", r0)
	}
	if r1.ID != nil || !equalStrings(r1.AllowedMethods, []string{"HEAD"}) || !equalStrings(r1.AllowedOrigins, []string{"*"}) || r1.MaxAgeSeconds != nil {
		t.Errorf("rule 2 came back as %+v", r1)
	}

	_, err = cl.PutBucketCors(ctx(t), &s3.PutBucketCorsInput{Bucket: &bucket, CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedMethods: []string{"PATCH"}, AllowedOrigins: []string{"*"}}}}})
	wantErr(t, "PutBucketCors with PATCH", err, http.StatusBadRequest, "InvalidRequest")
	_, err = cl.PutBucketCors(ctx(t), &s3.PutBucketCorsInput{Bucket: &bucket, CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{{AllowedMethods: []string{"GET"}, AllowedOrigins: []string{"*.a*.com"}}}}})
	wantErr(t, "PutBucketCors with two wildcards in an origin", err, http.StatusBadRequest, "InvalidRequest")
	got, err = cl.GetBucketCors(ctx(t), &s3.GetBucketCorsInput{Bucket: &bucket})
	if mustOK(t, "GetBucketCors after refused puts", err); len(got.CORSRules) != 2 {
		t.Errorf("a refused PutBucketCors changed the configuration: %+v", got.CORSRules)
	}

	// A preflight needs no signature.
	req, _ := http.NewRequest(http.MethodOptions, tgt.Endpoint+"/"+bucket+"/key", nil)
	req.Header.Set("Origin", "https://app.example.com")
	req.Header.Set("Access-Control-Request-Method", "PUT")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	resp := harness.Do(t, http.DefaultClient, req)
	if resp.Status != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "GET, PUT" || resp.Header.Get("Access-Control-Allow-Headers") != "content-type" ||
		resp.Header.Get("Access-Control-Max-Age") != "600" {
		t.Errorf("preflight = %d %v %s", resp.Status, resp.Header, resp.Body)
	}

	_, err = cl.DeleteBucketCors(ctx(t), &s3.DeleteBucketCorsInput{Bucket: &bucket})
	mustOK(t, "DeleteBucketCors", err)
	_, err = cl.GetBucketCors(ctx(t), &s3.GetBucketCorsInput{Bucket: &bucket})
	wantErr(t, "GetBucketCors after the delete", err, http.StatusNotFound, "NoSuchCORSConfiguration")
	resp = harness.Do(t, http.DefaultClient, req)
	if resp.Status != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight without a configuration = %d %v %s", resp.Status, resp.Header, resp.Body)
	}
}

// browserReport is what the page's script POSTs back.
type browserReport struct {
	Sent      string `json:"sent"` // base64 of the bytes it uploaded
	PutStatus int    `json:"putStatus"`
	PutETag   string `json:"putETag"` // readable only through Access-Control-Expose-Headers
	GetStatus int    `json:"getStatus"`
	Got       string `json:"got"` // base64 of what the presigned GET read
	// BadStatus and BadBody: a presigned GET whose signature was spoilt;
	// the browser lets the script read the 403 only with CORS headers on
	// the error.
	BadStatus int    `json:"badStatus"`
	BadBody   string `json:"badBody"`
	// NoCORS is the outcome of a PUT to a bucket without a CORS
	// configuration: the browser's preflight is refused, fetch rejects.
	NoCORS string `json:"noCors"`
	// PostStatus: the presigned POST form upload of the first postSize
	// bytes of Sent.
	PostStatus int    `json:"postStatus"`
	Error      string `json:"error"`
}

// The page the browser loads from another origin (another loopback port):
// its script uploads random bytes with fetch() to a presigned PUT URL,
// reads them back with a presigned GET, reads a refused request's error,
// posts part of them as a form upload, tries a PUT to a bucket without
// CORS, and POSTs what happened to /result.
const browserPage = `<!doctype html><html><head><title>running</title></head><body><script>
const cfg = %s;
function b64(bytes) {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192));
  return btoa(s);
}
async function run() {
  const out = {};
  try {
    const data = new Uint8Array(cfg.size);
    for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    out.sent = b64(data);
    const put = await fetch(cfg.put, {method: "PUT", body: data});
    out.putStatus = put.status;
    out.putETag = put.headers.get("ETag") || "";
    const get = await fetch(cfg.get);
    out.getStatus = get.status;
    out.got = b64(new Uint8Array(await get.arrayBuffer()));
    const bad = await fetch(cfg.bad);
    out.badStatus = bad.status;
    out.badBody = await bad.text();
    // The browser form upload: a presigned POST (SigV4 policy) with the
    // file field last, as an HTML form sends it.
    const fd = new FormData();
    for (const [k, v] of Object.entries(cfg.postFields)) fd.append(k, v);
    fd.append("file", new Blob([data.subarray(0, cfg.postSize)]), "upload.bin");
    const post = await fetch(cfg.post, {method: "POST", body: fd});
    out.postStatus = post.status;
  } catch (e) {
    out.error = String(e);
  }
  try {
    const r = await fetch(cfg.noCors, {method: "PUT", body: new Uint8Array([1, 2, 3])});
    out.noCors = "fetch succeeded: " + r.status;
  } catch (e) {
    out.noCors = String(e);
  }
  await fetch("/result", {method: "POST", body: JSON.stringify(out)});
  document.title = "done";
}
run();
</script></body></html>`

// TestBrowserCORS drives a real browser: headless Chromium loads a page
// from another origin whose script uploads to dolium with a presigned PUT
// URL and with a presigned POST form (aws-sdk-go-v2's PresignPostObject,
// a SigV4 policy), and reads the object back with a presigned GET, as a web application
// does; the bytes dolium stored must be those the page sent. Without a
// CORS configuration the browser's fetch must fail. Chromium is required
// (not skipped) when DOLIUM_REQUIRE_CLI is set.
func TestBrowserCORS(t *testing.T) {
	t.Parallel()
	chromium := harness.NewChromium(t)
	cl := rootSDK()
	bucket, noCORS := newBucket(t), newBucket(t)

	// The page's server: another port of the loopback address, so another
	// origin than dolium's endpoint.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	origin := "http://" + ln.Addr().String()
	_, err = cl.PutBucketCors(ctx(t), &s3.PutBucketCorsInput{Bucket: &bucket, CORSConfiguration: &types.CORSConfiguration{
		CORSRules: []types.CORSRule{
			{AllowedOrigins: []string{"http://192.0.2.1"}, AllowedMethods: []string{"GET"}}, // another origin's rule first
			{AllowedOrigins: []string{origin}, AllowedMethods: []string{"GET", "PUT", "POST"}, AllowedHeaders: []string{"*"},
				ExposeHeaders: []string{"ETag"}, MaxAgeSeconds: aws.Int32(60)},
		}}})
	mustOK(t, "PutBucketCors", err)

	pre := s3.NewPresignClient(cl, s3.WithPresignExpires(15*time.Minute))
	const key = "from-the-browser.bin"
	putReq, err := pre.PresignPutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(key)})
	mustOK(t, "PresignPutObject", err)
	getReq, err := pre.PresignGetObject(ctx(t), &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(key)})
	mustOK(t, "PresignGetObject", err)
	noCORSReq, err := pre.PresignPutObject(ctx(t), &s3.PutObjectInput{Bucket: &noCORS, Key: aws.String(key)})
	mustOK(t, "PresignPutObject (no CORS)", err)
	bad, err := url.Parse(getReq.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := bad.Query()
	sig := q.Get("X-Amz-Signature")
	q.Set("X-Amz-Signature", strings.Repeat("0", len(sig)))
	bad.RawQuery = q.Encode()

	const postKey, postSize = "from-the-form.bin", 70_001
	postReq, err := pre.PresignPostObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: aws.String(postKey)})
	mustOK(t, "PresignPostObject", err)
	cfg, _ := json.Marshal(map[string]any{"size": 300_001, "put": putReq.URL, "get": getReq.URL, "bad": bad.String(), "noCors": noCORSReq.URL,
		"post": postReq.URL, "postFields": postReq.Values, "postSize": postSize})
	results := make(chan browserReport, 1)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /page.html", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, browserPage, cfg)
	})
	mux.HandleFunc("POST /result", func(w http.ResponseWriter, r *http.Request) {
		var rep browserReport
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &rep); err != nil {
			rep.Error = fmt.Sprintf("report did not parse: %v: %.200s", err, b)
		}
		select {
		case results <- rep:
		default:
		}
	})
	mux.HandleFunc("GET /favicon.ico", http.NotFound)
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	start := time.Now()
	browser := chromium.Open(t, origin+"/page.html")
	var rep browserReport
	select {
	case rep = <-results:
	case <-time.After(90 * time.Second):
		t.Fatalf("the page reported nothing in 90 s; chromium's output:\n%s", browser.Log())
	}
	browser.Close()
	t.Logf("browser round trip: %v", time.Since(start).Round(time.Millisecond))

	if rep.Error != "" {
		t.Fatalf("the page's script failed: %s\nchromium's output:\n%s", rep.Error, browser.Log())
	}
	sent, err := base64.StdEncoding.DecodeString(rep.Sent)
	if err != nil || len(sent) != 300_001 {
		t.Fatalf("the page reported %d bytes sent (%v)", len(sent), err)
	}
	if rep.PutStatus != http.StatusOK {
		t.Errorf("the browser's presigned PUT answered %d", rep.PutStatus)
	}
	stored := getBytes(t, bucket, key)
	if string(stored) != string(sent) {
		t.Errorf("dolium holds %d bytes (sha256 %s), the page sent %d (sha256 %s)", len(stored), sha256Hex(stored), len(sent), sha256Hex(sent))
	}
	if want := `"` + md5Hex(sent) + `"`; rep.PutETag != want {
		t.Errorf("the script read ETag %q, want %q (exposed by the rule's ExposeHeader)", rep.PutETag, want)
	}
	got, err := base64.StdEncoding.DecodeString(rep.Got)
	if rep.GetStatus != http.StatusOK || err != nil || string(got) != string(sent) {
		t.Errorf("the browser's presigned GET answered %d with %d bytes (sha256 %s), want the %d sent", rep.GetStatus, len(got), sha256Hex(got), len(sent))
	}
	if rep.PostStatus != http.StatusNoContent {
		t.Errorf("the browser's presigned POST form upload answered %d, want 204", rep.PostStatus)
	}
	if posted := getBytes(t, bucket, postKey); string(posted) != string(sent[:postSize]) {
		t.Errorf("dolium holds %d bytes under the form's key, the page posted %d", len(posted), postSize)
	}
	if rep.BadStatus != http.StatusForbidden || !strings.Contains(rep.BadBody, "<Code>SignatureDoesNotMatch</Code>") {
		t.Errorf("the script read a spoilt signature's answer as %d %q, want 403 SignatureDoesNotMatch", rep.BadStatus, rep.BadBody)
	}
	if !strings.Contains(rep.NoCORS, "TypeError") {
		t.Errorf("a PUT to a bucket without CORS from the browser: %q, want fetch to fail (TypeError)", rep.NoCORS)
	}
	_, err = cl.HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: &noCORS, Key: aws.String(key)})
	wantErr(t, "HeadObject of what the refused browser PUT would have written", err, http.StatusNotFound, "NotFound")
}
