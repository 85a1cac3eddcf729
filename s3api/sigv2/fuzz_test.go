package sigv2

import (
	"bufio"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: Verify never panics, and accepts a request only when its
// signature is the one computed for it.
func FuzzVerify(f *testing.F) {
	for _, v := range docVectors {
		f.Add(v.method, v.target, "AWS "+exampleKey+":"+v.signature, v.header["Date"][0], v.hostBucket)
	}
	f.Add("GET", "/photos/puppy.jpg?AWSAccessKeyId="+exampleKey+"&Expires=1175139620&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D", "", "", "johnsmith")
	f.Add("GET", "/?acl&uploads=&versionId=%zz", "AWS :", "garbage", "")
	f.Add("PUT", "/b/k?Signature=&AWSAccessKeyId=", "AWS a:b:c", "Tue, 27 Mar 2007 19:36:42 +0000", "")
	f.Fuzz(func(t *testing.T, method, target, auth, date, bucket string) {
		if !strings.HasPrefix(target, "/") || strings.ContainsAny(target, " \r\n#") || method == "" || strings.ContainsAny(method, " \r\n/") {
			return
		}
		r, err := http.ReadRequest(bufioReader(method + " " + target + " HTTP/1.1\r\nHost: x\r\n\r\n"))
		if err != nil {
			return
		}
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if date != "" {
			r.Header.Set("Date", date)
		}
		now, _ := requestTime(r.Header)
		if now.IsZero() {
			now = time.Unix(1175139620-60, 0)
		}
		a, err := Verify(r, exampleCreds, bucket, now)
		if err != nil || a.Anonymous {
			return
		}
		// Accepted: the signature must be the computed one.
		d := r.Header.Get("Date")
		if a.Presigned {
			d = r.URL.Query().Get("Expires")
		}
		if !matches(r, bucket, d, exampleSecret, a.Signature) {
			t.Fatalf("accepted signature %q that is not the request's", a.Signature)
		}
	})
}

var _ = httptest.NewRequest

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
