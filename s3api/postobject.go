package s3api

import (
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/s3api/postpolicy"
	"github.com/dolium/dolium/s3api/s3err"
)

// OpPostObject is S3's "POST Object": a browser-form upload to the
// bucket's URL (multipart/form-data), authenticated by its policy
// document's signature (s3api/postpolicy), not by an Authorization header.
const OpPostObject OpName = "PostObject"

// maxPostFields bounds the bytes of the form fields before the file.
const maxPostFields = 64 << 10

// isPostForm reports whether a POST to a bucket is a form upload.
func isPostForm(h http.Header) bool {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// postForm is a form upload's fields (lower-case names; the first of a
// repeated field) and its file part, which is streamed, never held.
type postForm struct {
	fields   map[string]string
	file     *multipart.Part
	filename string
	policy   *postpolicy.Policy
}

// readPostForm reads the form up to its file field.
func readPostForm(r *http.Request) (*postForm, error) {
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, s3err.MalformedPOSTRequest
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	f := &postForm{fields: map[string]string{}}
	total := 0
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return nil, s3err.IncorrectNumberOfFilesInPostRequest
		}
		if err != nil {
			var s3e *s3err.Error
			if errors.As(err, &s3e) {
				return nil, err
			}
			return nil, s3err.MalformedPOSTRequest
		}
		name := strings.ToLower(part.FormName())
		if name == "" {
			continue
		}
		if name == "file" {
			f.file, f.filename = part, part.FileName()
			return f, nil
		}
		b, err := io.ReadAll(io.LimitReader(part, int64(maxPostFields-total+1)))
		if err != nil {
			var s3e *s3err.Error
			if errors.As(err, &s3e) {
				return nil, err
			}
			return nil, s3err.MalformedPOSTRequest
		}
		total += len(b) + len(name)
		if total > maxPostFields {
			return nil, s3err.MaxPostPreDataLengthExceeded
		}
		if _, seen := f.fields[name]; !seen {
			f.fields[name] = string(b)
		}
	}
}

// authenticatePost reads the form's fields and verifies its signature of
// the policy; the principal and the access key's slot are then as for any
// request.
func (s *Server) authenticatePost(w http.ResponseWriter, r *request) error {
	f, err := readPostForm(r.Request)
	if err != nil {
		return err
	}
	auth, err := postpolicy.VerifySignature(f.fields, s.creds, s.region)
	if err != nil {
		return err
	}
	if !auth.Anonymous {
		if f.policy, err = postpolicy.Parse(f.fields["policy"]); err != nil {
			return err
		}
	}
	r.post = f
	// The body is being read already: net/http has sent its 100 Continue.
	r.Header.Del("Expect")
	return s.admit(w, r, auth)
}

// postObject checks the form against its policy and returns the upload.
func postObject(s *Server, r *request) (act, error) {
	f := r.post
	key, ok := f.fields["key"]
	if !ok {
		return nil, s3err.InvalidArgument.With("Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.")
	}
	if f.policy != nil {
		if err := f.policy.Check(f.fields, r.op.Bucket, s.now()); err != nil {
			return nil, err
		}
	}
	key = strings.ReplaceAll(key, "${filename}", f.filename)
	if key == "" {
		return nil, s3err.InvalidArgument.With("User key must have a length greater than 0.")
	}
	r.op.Key = key
	h := http.Header{}
	for name, v := range f.fields {
		switch {
		case strings.HasPrefix(name, "x-amz-meta-"), name == "content-type", name == "cache-control",
			name == "content-disposition", name == "content-encoding", name == "content-language", name == "expires",
			strings.HasPrefix(name, "x-amz-server-side-encryption"), name == "x-amz-tagging":
			h.Set(name, v)
		case name == "acl":
			h.Set("x-amz-acl", v)
		case name == "tagging":
			h.Set("x-amz-tagging", v)
		}
	}
	if err := unimplemented(h); err != nil {
		return nil, err
	}
	hdrs, um, err := objectMetadata(h)
	if err != nil {
		return nil, err
	}
	minLen, maxLen := int64(0), int64(gateway.MaxPutSize)
	if f.policy != nil && f.policy.HasLength {
		minLen, maxLen = f.policy.MinLength, min(f.policy.MaxLength, maxLen)
	}
	redirect := f.fields["success_action_redirect"]
	if redirect == "" {
		redirect = f.fields["redirect"]
	}
	status := f.fields["success_action_status"]
	return func() (*response, error) {
		body := &sizeBounded{r: f.file, min: minLen, max: maxLen}
		o, err := s.gw.PutObject(r.Context(), r.bucket, gateway.PutInput{
			Key: key, Owner: r.principal.Owner, Body: body, Size: -1, Headers: hdrs, UserMeta: um,
		})
		if err != nil {
			return nil, err
		}
		etag := `"` + o.ETag + `"`
		resp := &response{}
		resp.set("ETag", etag)
		setWrittenVersionID(resp, r.bucket, o.VersionID)
		location := objectLocation(r, key)
		resp.set("Location", location)
		if u, err := url.Parse(redirect); redirect != "" && err == nil && u.Scheme != "" {
			q := u.Query()
			q.Set("bucket", r.bucket.Name)
			q.Set("key", key)
			q.Set("etag", etag)
			u.RawQuery = q.Encode()
			resp.set("Location", u.String())
			resp.status = http.StatusSeeOther
			return resp, nil
		}
		switch status {
		case "200":
			resp.status = http.StatusOK
		case "201":
			resp.status = http.StatusCreated
			resp.xml = postResponse{Location: location, Bucket: r.bucket.Name, Key: key, ETag: etag}
		default:
			resp.status = http.StatusNoContent
		}
		return resp, nil
	}, nil
}

// postResponse is the body of a 201 answer.
type postResponse struct {
	XMLName  xml.Name `xml:"PostResponse"`
	Location string   `xml:"Location"`
	Bucket   string   `xml:"Bucket"`
	Key      string   `xml:"Key"`
	ETag     string   `xml:"ETag"`
}

// objectLocation is the new object's URL, as the request addressed the
// bucket.
func objectLocation(r *request, key string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	esc := (&url.URL{Path: key}).EscapedPath()
	if r.URL.Path == "/" || r.URL.Path == "" {
		return scheme + "://" + r.Host + "/" + esc // virtual host
	}
	return scheme + "://" + r.Host + "/" + url.PathEscape(r.bucket.Name) + "/" + esc
}

// sizeBounded passes the file through and fails it when it grows beyond
// max (EntityTooLarge) or ends short of min (EntityTooSmall), so that no
// object is written.
type sizeBounded struct {
	r        io.Reader
	n        int64
	min, max int64
}

func (b *sizeBounded) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.n > b.max {
		return 0, s3err.EntityTooLarge.With("Your proposed upload exceeds the maximum allowed size")
	}
	if err == io.EOF && b.n < b.min {
		return n, s3err.EntityTooSmall.With("Your proposed upload is smaller than the minimum allowed size")
	}
	return n, err
}
