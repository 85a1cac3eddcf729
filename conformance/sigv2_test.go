package conformance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/s3api/sigv2"
	"github.com/dolium/dolium/test/harness"
)

// requireTool returns the path of a client program, skipping the test when
// it is missing, or failing it when DOLIUM_REQUIRE_CLI is set (make test
// installs it: the test-deps target).
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(harness.EnvRequireCLI) != "" {
			t.Fatalf("%s not found on PATH and %s is set", name, harness.EnvRequireCLI)
		}
		t.Skipf("%s not installed (set %s=1 to make this a failure)", name, harness.EnvRequireCLI)
	}
	return p
}

// TestS3cmd: s3cmd, signing with SigV4 and with --signature-v2, makes a
// bucket, puts, gets, lists and deletes an object, and removes the bucket.
func TestS3cmd(t *testing.T) {
	bin := requireTool(t, "s3cmd")
	u, err := url.Parse(tgt.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	for _, v2 := range []bool{false, true} {
		t.Run(map[bool]string{false: "sigv4", true: "sigv2"}[v2], func(t *testing.T) {
			dir := t.TempDir()
			cfg := filepath.Join(dir, "s3cfg")
			conf := fmt.Sprintf("[default]\naccess_key = %s\nsecret_key = %s\nhost_base = %s\nhost_bucket = %s\n"+
				"use_https = %v\nbucket_location = %s\nsignature_v2 = %v\n",
				tgt.Root.AccessKey, tgt.Root.SecretKey, u.Host, u.Host, u.Scheme == "https", tgt.Region, v2)
			if err := os.WriteFile(cfg, []byte(conf), 0o600); err != nil {
				t.Fatal(err)
			}
			run := func(args ...string) string {
				t.Helper()
				full := append([]string{"-c", cfg}, args...)
				if v2 {
					full = append([]string{"--signature-v2"}, full...)
				}
				c, cancel := context.WithTimeout(ctx(t), 2*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(c, bin, full...)
				cmd.Env = append(os.Environ(), "HOME="+dir)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("s3cmd %s: %v\n%s", strings.Join(args, " "), err, out)
				}
				return string(out)
			}
			bucket := bucketName(t)
			cleanupBucket(t, bucket)
			src := filepath.Join(dir, "in.txt")
			data := payload(7, 3000)
			if err := os.WriteFile(src, data, 0o600); err != nil {
				t.Fatal(err)
			}
			run("mb", "s3://"+bucket)
			run("put", src, "s3://"+bucket+"/dir/obj ~name.txt")
			dst := filepath.Join(dir, "out.txt")
			run("get", "--force", "s3://"+bucket+"/dir/obj ~name.txt", dst)
			if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, data) {
				t.Fatalf("s3cmd get: %d bytes (%v), want the %d put", len(got), err, len(data))
			}
			if out := run("ls", "s3://"+bucket+"/dir/"); !strings.Contains(out, "obj ~name.txt") {
				t.Fatalf("s3cmd ls: %s", out)
			}
			if out := run("ls"); !strings.Contains(out, "s3://"+bucket) {
				t.Fatalf("s3cmd ls (buckets): %s", out)
			}
			run("del", "s3://"+bucket+"/dir/obj ~name.txt")
			if keys := listKeys(t, bucket); len(keys) != 0 {
				t.Fatalf("after s3cmd del: %v", keys)
			}
			run("rb", "s3://"+bucket)
		})
	}
}

// presigned is what testdata/boto3_presign.py prints.
type presigned struct {
	GetV2         string   `json:"get_v2"`
	GetV2Override string   `json:"get_v2_override"`
	PutV2         string   `json:"put_v2"`
	GetV2Short    string   `json:"get_v2_short"`
	PostV4        postForm `json:"post_v4"`
	PostV2        postForm `json:"post_v2"`
}

type postForm struct {
	URL    string            `json:"url"`
	Fields map[string]string `json:"fields"`
}

func boto3Presign(t *testing.T, bucket string) presigned {
	t.Helper()
	py := requireTool(t, "python3")
	cmd := exec.CommandContext(ctx(t), py, filepath.Join("testdata", "boto3_presign.py"))
	cmd.Env = append(os.Environ(), "DOLIUM_TEST_ENDPOINT="+tgt.Endpoint, "DOLIUM_TEST_BUCKET="+bucket,
		"DOLIUM_TEST_ACCESS_KEY="+tgt.Root.AccessKey, "DOLIUM_TEST_SECRET_KEY="+tgt.Root.SecretKey,
		"DOLIUM_TEST_REGION="+tgt.Region)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 3 {
			if os.Getenv(harness.EnvRequireCLI) != "" {
				t.Fatalf("boto3 not installed and %s is set: %s", harness.EnvRequireCLI, stderr.String())
			}
			t.Skipf("boto3 not installed: %s", stderr.String())
		}
		t.Fatalf("boto3_presign.py: %v\n%s", err, stderr.String())
	}
	var p presigned
	if err := json.Unmarshal(out, &p); err != nil {
		t.Fatalf("boto3_presign.py output: %v\n%s", err, out)
	}
	return p
}

type answer struct {
	status int
	header http.Header
	body   []byte
	Code   string `xml:"Code"`
	Msg    string `xml:"Message"`
}

// noRedirects answers a redirect as it is, without following it.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := noRedirects.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: b}
	if resp.StatusCode >= 300 {
		xml.Unmarshal(b, &a)
	}
	return a
}

func get(t *testing.T, u string) answer {
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodGet, u, nil)
	return do(t, req)
}

func wantAnswer(t *testing.T, what string, a answer, status int, code, msg string) {
	t.Helper()
	if a.status != status || a.Code != code || !strings.Contains(a.Msg, msg) {
		t.Errorf("%s: %d %s %q, want %d %s %q\n%s", what, a.status, a.Code, a.Msg, status, code, msg, a.body)
	}
}

// TestBoto3PresignedSigV2: boto3's SigV2 ('s3') presigned GET (with a
// response-* override) and PUT work; a tampered URL answers
// SignatureDoesNotMatch and an expired one AccessDenied, both 403.
func TestBoto3PresignedSigV2(t *testing.T) {
	bucket := newBucket(t)
	data := []byte("presigned with signature version 2")
	putBytes(t, bucket, "v2/obj.txt", data)
	p := boto3Presign(t, bucket)

	if a := get(t, p.GetV2); a.status != 200 || !bytes.Equal(a.body, data) {
		t.Fatalf("presigned GET: %d %s", a.status, a.body)
	}
	if a := get(t, p.GetV2Override); a.status != 200 || a.header.Get("Content-Type") != "application/x-test" {
		t.Errorf("presigned GET with response-content-type: %d %q", a.status, a.header.Get("Content-Type"))
	}
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPut, p.PutV2, strings.NewReader("put by URL"))
	if a := do(t, req); a.status != 200 {
		t.Fatalf("presigned PUT: %d %s", a.status, a.body)
	}
	if got := getBytes(t, bucket, "v2/put.txt"); string(got) != "put by URL" {
		t.Errorf("object put by the presigned URL holds %q", got)
	}

	wantAnswer(t, "other key", get(t, strings.Replace(p.GetV2, "v2/obj.txt", "v2/put.txt", 1)), 403, "SignatureDoesNotMatch", "")
	u, _ := url.Parse(p.GetV2)
	q := u.Query()
	exp, _ := strconv.ParseInt(q.Get("Expires"), 10, 64)
	q.Set("Expires", strconv.FormatInt(exp+60, 10))
	u.RawQuery = q.Encode()
	wantAnswer(t, "later Expires", get(t, u.String()), 403, "SignatureDoesNotMatch", "")
	sig := q.Get("Signature")
	q.Set("Expires", strconv.FormatInt(exp, 10))
	q.Set("Signature", "A"+sig[1:])
	if sig[0] == 'A' {
		q.Set("Signature", "B"+sig[1:])
	}
	u.RawQuery = q.Encode()
	wantAnswer(t, "changed signature", get(t, u.String()), 403, "SignatureDoesNotMatch", "")
	q.Set("Signature", sig)
	q.Set("AWSAccessKeyId", "NOSUCHKEY0000000")
	u.RawQuery = q.Encode()
	wantAnswer(t, "unknown key", get(t, u.String()), 403, "InvalidAccessKeyId", "")

	su, _ := url.Parse(p.GetV2Short)
	sexp, _ := strconv.ParseInt(su.Query().Get("Expires"), 10, 64)
	time.Sleep(time.Until(time.Unix(sexp+1, 0).Add(100 * time.Millisecond)))
	wantAnswer(t, "expired", get(t, p.GetV2Short), 403, "AccessDenied", "Request has expired")
}

// formField is one field of a POST form, in order.
type formField struct{ name, value string }

// post sends a form upload: fields in order, then the file.
func post(t *testing.T, u string, fields []formField, filename string, file []byte) answer {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, f := range fields {
		mw.WriteField(f.name, f.value)
	}
	fw, _ := mw.CreateFormFile("file", filename)
	fw.Write(file)
	mw.Close()
	req, _ := http.NewRequestWithContext(ctx(t), http.MethodPost, u, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return do(t, req)
}

// ordered returns the form's fields, key first (as browsers send what the
// page lists), with changes applied ("" deletes).
func ordered(f postForm, change map[string]string) []formField {
	var out []formField
	out = append(out, formField{"key", f.Fields["key"]})
	for k, v := range f.Fields {
		if k != "key" {
			out = append(out, formField{k, v})
		}
	}
	for i := range out {
		if v, ok := change[out[i].name]; ok {
			out[i].value = v
			delete(change, out[i].name)
		}
	}
	for k, v := range change {
		out = append(out, formField{k, v})
	}
	var kept []formField
	for _, f := range out {
		if f.value != "" {
			kept = append(kept, f)
		}
	}
	return kept
}

// TestBoto3PresignedPost: boto3's generate_presigned_post forms, SigV4 and
// SigV2, upload (201 with PostResponse); a form that breaks each condition
// is refused with AWS's code and stores nothing.
func TestBoto3PresignedPost(t *testing.T) {
	bucket := newBucket(t)
	p := boto3Presign(t, bucket)
	for name, form := range map[string]postForm{"sigv4": p.PostV4, "sigv2": p.PostV2} {
		t.Run(name, func(t *testing.T) {
			key := "post/" + name + ".txt"
			a := post(t, form.URL, ordered(form, nil), name+".txt", []byte("uploaded by a form"))
			if a.status != 201 {
				t.Fatalf("POST: %d %s", a.status, a.body)
			}
			var pr struct {
				Bucket, Key, ETag, Location string
			}
			if err := xml.Unmarshal(a.body, &pr); err != nil || pr.Bucket != bucket || pr.Key != key || pr.ETag == "" || a.header.Get("ETag") != pr.ETag {
				t.Errorf("PostResponse %+v (%v), ETag header %q", pr, err, a.header.Get("ETag"))
			}
			head, err := rootSDK().HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
			if err != nil {
				t.Fatalf("HeadObject: %v", err)
			}
			if aws.ToString(head.ContentType) != "text/plain" || head.Metadata["origin"] != "form" || aws.ToInt64(head.ContentLength) != 18 {
				t.Errorf("stored: type %q meta %v length %d", aws.ToString(head.ContentType), head.Metadata, aws.ToInt64(head.ContentLength))
			}
			for _, c := range []struct {
				what         string
				change       map[string]string
				file         []byte
				status       int
				code, detail string
			}{
				{"key prefix", map[string]string{"key": "elsewhere/${filename}"}, nil, 403, "AccessDenied", `Policy Condition failed: ["starts-with", "$key", "post/"]`},
				{"exact status", map[string]string{"success_action_status": "200"}, nil, 403, "AccessDenied", `Policy Condition failed: ["eq", "$success_action_status", "201"]`},
				{"eq meta", map[string]string{"x-amz-meta-origin": "elsewhere"}, nil, 403, "AccessDenied", `Policy Condition failed: ["eq", "$x-amz-meta-origin", "form"]`},
				{"content type", map[string]string{"Content-Type": "image/png"}, nil, 403, "AccessDenied", `Policy Condition failed: ["starts-with", "$Content-Type", "text/"]`},
				{"extra field", map[string]string{"x-amz-meta-extra": "1"}, nil, 403, "AccessDenied", "Extra input fields: x-amz-meta-extra"},
				{"too large", nil, bytes.Repeat([]byte("x"), 65), 400, "EntityTooLarge", ""},
				{"too small", nil, []byte{}, 400, "EntityTooSmall", ""},
				{"policy changed", map[string]string{"policy": base64.StdEncoding.EncodeToString([]byte(`{"expiration":"2099-01-01T00:00:00Z","conditions":[]}`))}, nil, 403, "SignatureDoesNotMatch", ""},
			} {
				file := c.file
				if file == nil {
					file = []byte("refused")
				}
				fname := "refused-" + strings.ReplaceAll(c.what, " ", "-") + ".txt"
				wantAnswer(t, c.what, post(t, form.URL, ordered(form, c.change), fname, file), c.status, c.code, c.detail)
				if _, err := rootSDK().HeadObject(ctx(t), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("post/" + fname)}); err == nil {
					t.Errorf("%s: the refused upload was stored", c.what)
				}
			}
		})
	}
}

// TestPostPolicyDocuments: forms signed (SigV2) here with policies boto3
// would not write: an expired one, one that is not JSON, and one allowing
// a redirect (303 to it with bucket, key and etag).
func TestPostPolicyDocuments(t *testing.T) {
	bucket := newBucket(t)
	form := func(policy string, extra ...formField) []formField {
		b64 := base64.StdEncoding.EncodeToString([]byte(policy))
		return append([]formField{{"key", "doc/${filename}"}, {"AWSAccessKeyId", tgt.Root.AccessKey},
			{"policy", b64}, {"signature", sigv2.Sign(tgt.Root.SecretKey, b64)}}, extra...)
	}
	u := tgt.Endpoint + "/" + bucket
	future := time.Now().Add(time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")
	wantAnswer(t, "expired policy", post(t, u, form(`{"expiration":"2001-01-01T00:00:00Z","conditions":[{"bucket":"`+bucket+`"}]}`), "a.txt", []byte("x")),
		403, "AccessDenied", "Invalid according to Policy: Policy expired.")
	wantAnswer(t, "not JSON", post(t, u, form(`{"expiration":`), "a.txt", []byte("x")), 400, "InvalidPolicyDocument", "")
	wantAnswer(t, "unknown operation", post(t, u, form(`{"expiration":"`+future+`","conditions":[["matches","$key","x"]]}`), "a.txt", []byte("x")),
		400, "InvalidPolicyDocument", "")
	wantAnswer(t, "wrong bucket", post(t, u, form(`{"expiration":"`+future+`","conditions":[{"bucket":"other"},["starts-with","$key","doc/"]]}`), "a.txt", []byte("x")),
		403, "AccessDenied", `Policy Condition failed: ["eq", "$bucket", "other"]`)

	redirect := "https://app.example/done?x=1"
	a := post(t, u, form(`{"expiration":"`+future+`","conditions":[{"bucket":"`+bucket+`"},["starts-with","$key","doc/"],{"success_action_redirect":"`+redirect+`"}]}`,
		formField{"success_action_redirect", redirect}), "r.txt", []byte("redirected"))
	if a.status != 303 {
		t.Fatalf("redirect: %d %s", a.status, a.body)
	}
	loc, err := url.Parse(a.header.Get("Location"))
	if err != nil || loc.Host != "app.example" || loc.Query().Get("bucket") != bucket || loc.Query().Get("key") != "doc/r.txt" ||
		loc.Query().Get("etag") == "" || loc.Query().Get("x") != "1" {
		t.Errorf("redirect Location %q", a.header.Get("Location"))
	}
	if got := getBytes(t, bucket, "doc/r.txt"); string(got) != "redirected" {
		t.Errorf("redirected upload holds %q", got)
	}
	// No status asked: 204.
	a = post(t, u, form(`{"expiration":"`+future+`","conditions":[{"bucket":"`+bucket+`"},["starts-with","$key","doc/"]]}`), "n.txt", []byte("no content"))
	if a.status != 204 || a.header.Get("ETag") == "" {
		t.Errorf("default status: %d, ETag %q", a.status, a.header.Get("ETag"))
	}
	// Unsigned forms are anonymous uploads: refused, unless the bucket
	// policy lets everyone put under the form's key.
	wantAnswer(t, "unsigned", post(t, u, []formField{{"key", "doc/u.txt"}}, "u.txt", []byte("x")), 403, "AccessDenied", "")
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::` + bucket + `/drop/*"}]}`
	_, err = rootSDK().PutBucketPolicy(ctx(t), &s3.PutBucketPolicyInput{Bucket: &bucket, Policy: &pol})
	mustOK(t, "PutBucketPolicy (anonymous drop box)", err)
	if a := post(t, u, []formField{{"key", "drop/${filename}"}}, "anon.txt", []byte("anonymous")); a.status != 204 {
		t.Errorf("unsigned form into the policy's drop/: %d %s, want 204", a.status, a.body)
	}
	if got := getBytes(t, bucket, "drop/anon.txt"); string(got) != "anonymous" {
		t.Errorf("anonymous form upload holds %q", got)
	}
	wantAnswer(t, "unsigned form outside drop/", post(t, u, []formField{{"key", "doc/u.txt"}}, "u.txt", []byte("x")), 403, "AccessDenied", "")
}
