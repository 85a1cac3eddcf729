package conformance

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/dolium/dolium/test/harness"
)

func TestErrors(t *testing.T) {
	t.Parallel()
	bucket := newBucket(t)
	putBytes(t, bucket, "k", []byte("v"))
	root := &tgt.Root

	cases := []struct {
		name   string
		creds  *harness.Credentials
		method string
		bucket string
		key    string
		query  string
		body   []byte
		status int
		code   string
	}{
		{"NoSuchBucket", root, http.MethodGet, bucketName(t), "", "list-type=2", nil, 404, "NoSuchBucket"},
		{"NoSuchKey", root, http.MethodGet, bucket, "missing", "", nil, 404, "NoSuchKey"},
		{"BucketNotEmpty", root, http.MethodDelete, bucket, "", "", nil, 409, "BucketNotEmpty"},
		{"AccessDenied", nil, http.MethodGet, bucket, "k", "", nil, 403, "AccessDenied"},
		{"NoSuchUpload", root, http.MethodGet, bucket, "k", "uploadId=nonexistent", nil, 404, "NoSuchUpload"},
		{"InvalidRange", root, http.MethodGet, bucket, "k", "", nil, 416, "InvalidRange"},
		{"torrent NotImplemented", root, http.MethodGet, bucket, "", "torrent", nil, 501, "NotImplemented"},
		{"accelerate NotImplemented", root, http.MethodPut, bucket, "", "accelerate",
			[]byte(`<AccelerateConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></AccelerateConfiguration>`), 501, "NotImplemented"},
	}
	seen := map[string]string{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var hdr http.Header
			if c.code == "InvalidRange" {
				hdr = http.Header{"Range": {"bytes=100-"}}
			}
			r := doRaw(t, c.creds, c.method, rawURL(c.bucket, c.key, c.query), hdr, c.body)
			wantRawErr(t, c.name, r, c.status, c.code)
			if ct := r.Header.Get("Content-Type"); !strings.Contains(ct, "xml") {
				t.Errorf("%s: got Content-Type %q, want an XML type", c.name, ct)
			}
			rid := r.Header.Get("X-Amz-Request-Id")
			if other, dup := seen[rid]; dup && rid != "" {
				t.Errorf("%s: request id %q already used by %s; want a unique id per request", c.name, rid, other)
			}
			seen[rid] = c.name
		})
	}

	t.Run("HEAD has request id and no body", func(t *testing.T) {
		r := doRaw(t, root, http.MethodHead, rawURL(bucket, "missing", ""), nil, nil)
		if r.Status != http.StatusNotFound || len(r.Body) != 0 || r.Header.Get("X-Amz-Request-Id") == "" {
			t.Errorf("HEAD missing key: got status %d, %d body bytes, request id %q; want 404, no body, a request id", r.Status, len(r.Body), r.Header.Get("X-Amz-Request-Id"))
		}
	})

	t.Run("success has request id", func(t *testing.T) {
		r := doRaw(t, root, http.MethodGet, rawURL(bucket, "k", ""), nil, nil)
		if r.Status != http.StatusOK || string(r.Body) != "v" || r.Header.Get("X-Amz-Request-Id") == "" {
			t.Errorf("GET object: got status %d body %q request id %q; want 200, v, a request id", r.Status, r.Body, r.Header.Get("X-Amz-Request-Id"))
		}
	})
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	cl := rootSDK()
	bucket := newBucket(t)
	putBytes(t, bucket, "existing", []byte("keep me"))
	want := []string{"existing"}
	unchanged := func(t *testing.T, after string) {
		t.Helper()
		if got := listKeys(t, bucket); !equalStrings(got, want) {
			t.Errorf("listing after %s: got %q, want %q", after, shortKeys(got), want)
		}
	}

	t.Run("key too long", func(t *testing.T) {
		long := strings.Repeat("k", 1025)
		_, err := cl.PutObject(ctx(t), &s3.PutObjectInput{Bucket: &bucket, Key: &long, Body: strings.NewReader("x")})
		wantErr(t, "PutObject with a 1025-byte key", err, http.StatusBadRequest, "KeyTooLongError")
		unchanged(t, "KeyTooLongError")

		max := strings.Repeat("m", 1024)
		putBytes(t, bucket, max, []byte("max"))
		if got := string(getBytes(t, bucket, max)); got != "max" {
			t.Errorf("1024-byte key: got %q, want max", got)
		}
		_, err = cl.DeleteObject(ctx(t), &s3.DeleteObjectInput{Bucket: &bucket, Key: &max})
		mustOK(t, "DeleteObject 1024-byte key", err)
	})

	t.Run("malformed DeleteObjects XML", func(t *testing.T) {
		for _, body := range []string{
			`<Delete><Object><Key>existing</Key></Object>`, // truncated
			`<Delete><Object><Key>existing</Key></Object></Delete`,
			`not xml at all`,
		} {
			hdr := http.Header{"Content-Md5": {md5B64([]byte(body))}, "Content-Type": {"application/xml"}}
			r := doRaw(t, &tgt.Root, http.MethodPost, rawURL(bucket, "", "delete"), hdr, []byte(body))
			wantRawErr(t, fmt.Sprintf("DeleteObjects with body %q", body), r, http.StatusBadRequest, "MalformedXML")
		}
		unchanged(t, "malformed DeleteObjects")
	})

	t.Run("malformed CompleteMultipartUpload XML", func(t *testing.T) {
		key := "mp-malformed"
		out, err := cl.CreateMultipartUpload(ctx(t), &s3.CreateMultipartUploadInput{Bucket: &bucket, Key: &key})
		mustOK(t, "CreateMultipartUpload", err)
		id := aws.ToString(out.UploadId)
		p, err := cl.UploadPart(ctx(t), &s3.UploadPartInput{Bucket: &bucket, Key: &key, UploadId: &id, PartNumber: aws.Int32(1), Body: strings.NewReader("part")})
		mustOK(t, "UploadPart", err)
		for _, body := range []string{
			`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>` + aws.ToString(p.ETag) + `</ETag></Part>`,
			`<CompleteMultipartUpload><Part><PartNumber>1</Part></CompleteMultipartUpload>`,
			`{"parts": [1]}`,
		} {
			r := doRaw(t, &tgt.Root, http.MethodPost, rawURL(bucket, key, "uploadId="+id), http.Header{"Content-Type": {"application/xml"}}, []byte(body))
			wantRawErr(t, fmt.Sprintf("CompleteMultipartUpload with body %q", body), r, http.StatusBadRequest, "MalformedXML")
		}
		unchanged(t, "malformed CompleteMultipartUpload")
		_, err = cl.AbortMultipartUpload(ctx(t), &s3.AbortMultipartUploadInput{Bucket: &bucket, Key: &key, UploadId: &id})
		mustOK(t, "AbortMultipartUpload", err)
	})

	t.Run("incomplete body", func(t *testing.T) {
		r := sendShortBody(t, bucket, "short-body", 100, []byte(strings.Repeat("s", 40)))
		wantRawErr(t, "PUT with body shorter than Content-Length", r, http.StatusBadRequest, "IncompleteBody")
		unchanged(t, "IncompleteBody")
	})
}

// sendShortBody sends a signed PUT declaring Content-Length claimed but
// carrying only body, then half-closes the connection and reads the answer.
func sendShortBody(t *testing.T, bucket, key string, claimed int, body []byte) harness.Response {
	t.Helper()
	u := rawURL(bucket, key, "")
	if u.Scheme != "http" {
		t.Skipf("raw TCP request needs a plain http endpoint, got %s", u.Scheme)
	}
	req, err := http.NewRequestWithContext(ctx(t), http.MethodPut, u.String(), nil)
	mustOK(t, "new request", err)
	req.URL = u
	req.ContentLength = int64(claimed)
	signRequest(t, req, tgt.Root, nil, "UNSIGNED-PAYLOAD")

	conn, err := net.DialTimeout("tcp", u.Host, 10*time.Second)
	mustOK(t, "dial", err)
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(60 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "PUT %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", u.RequestURI(), u.Host, claimed)
	for k, vs := range req.Header {
		for _, v := range vs {
			fmt.Fprintf(&b, "%s: %s\r\n", k, v)
		}
	}
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(body)
	if _, err := conn.Write(b.Bytes()); err != nil {
		t.Fatalf("write request: %v", err)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatalf("reading response to a short body: %v (want a 400 IncompleteBody response)", err)
	}
	r, _ := harness.ReadResponse(resp)
	return r
}
