package s3api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/gateway/access/policy"
	"github.com/dolium/dolium/s3api/s3err"
	"github.com/dolium/dolium/s3api/sigv4"
	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Server.
type Options struct {
	Gateway *gateway.Gateway
	Keys    sigv4.Credentials
	Region  string
	Logger  *slog.Logger
	// Registerer receives the S3 metrics (nil: none).
	Registerer prometheus.Registerer
	// Now is the clock for signature checks (default time.Now).
	Now func() time.Time
	// Domains enable virtual-host-style addressing: a request to
	// bucket.<domain> addresses bucket. Path-style always works.
	Domains []string
	// Limits bound what one client can hold (zero fields: no bound).
	Limits Limits
	// Authorizer decides what principals may do (default access.Owners).
	Authorizer access.Authorizer
	// Maintenance serves the admin operations' reports and actions (nil:
	// they answer NotImplemented).
	Maintenance Maintenance
	// Identities serves the identity admin operations (nil: they answer
	// NotImplemented).
	Identities access.Directory
	// ProbeTimeout bounds the admin zones report's probe of each zone
	// (default 10s).
	ProbeTimeout time.Duration
}

// Limits bound the time and the share of the gateway one request or one
// access key may take.
type Limits struct {
	// BodyTimeout: a request body that makes no progress this long fails
	// with RequestTimeout (400) and releases what it holds.
	BodyTimeout time.Duration
	// SendTimeout: a response the client does not read for this long is
	// cut, and its buffers freed.
	SendTimeout time.Duration
	// MaxHeaderBytes: requests with more bytes of header fields (names,
	// values, separators) get RequestHeaderSectionTooLarge (400), as AWS
	// answers beyond 8 KiB.
	MaxHeaderBytes int
	// KeyMaxRequests is how many requests one access key may have in
	// flight; more get SlowDown (503).
	KeyMaxRequests int
}

// Server is the S3 endpoint; it implements http.Handler.
type Server struct {
	gw           *gateway.Gateway
	creds        sigv4.Credentials
	authz        access.Authorizer
	maint        Maintenance
	idents       access.Directory
	probeTimeout time.Duration
	region       string
	log          *slog.Logger
	now          func() time.Time
	domains      []string
	limits       Limits
	keys         *keyLimiter
	metrics      *metrics
	ops          map[OpName]*operation
}

// New returns a Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Authorizer == nil {
		o.Authorizer = access.Owners
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = 10 * time.Second
	}
	return &Server{gw: o.Gateway, creds: o.Keys, authz: o.Authorizer, maint: o.Maintenance, idents: o.Identities, probeTimeout: o.ProbeTimeout,
		region: o.Region, log: o.Logger, now: o.Now, domains: o.Domains,
		limits: o.Limits, keys: newKeyLimiter(o.Limits.KeyMaxRequests), metrics: newMetrics(o.Registerer),
		ops: operationTable()}
}

// request is what a handler gets: the routed operation, the authenticated
// principal, the resolved bucket and the verified body.
type request struct {
	*http.Request
	op        Op
	operation *operation // op's entry in the operation table
	principal access.Principal
	rc        access.RequestContext // what authorisation saw of the request (set by the pipeline)
	policy    *policy.Policy        // the bucket's policy, parsed once by resolve (nil: none)
	bucket    gateway.Bucket        // the resolved bucket (operations on an existing bucket)
	copyFrom  *objectRef            // a copy's source as the request names it
	src       gateway.Source        // and as resolved
	body      io.Reader
	id        string
	trailers  *trailers
	release   func()    // gives back the access key's request slot (nil: none taken)
	post      *postForm // a form upload's fields and file (OpPostObject)
}

// trailers collects the trailing headers of an aws-chunked body.
type trailers struct {
	mu sync.Mutex
	h  map[string]string
}

func (t *trailers) set(name, value string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.h == nil {
		t.h = map[string]string{}
	}
	t.h[strings.ToLower(name)] = value
}

func (t *trailers) get(name string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.h[strings.ToLower(name)]
}

// response is what a handler returns; encode writes it.
type response struct {
	status int
	header http.Header
	xml    any           // XML document body, or
	json   any           // a JSON document body (admin), or
	body   io.ReadCloser // a streamed body of length bytes
	length int64
}

func (r *response) set(k, v string) {
	if r.header == nil {
		r.header = http.Header{}
	}
	if v != "" {
		r.header.Set(k, v)
	}
}

func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return strings.ToUpper(hex.EncodeToString(b[:]))
}

// ServeHTTP runs the request pipeline.
func (s *Server) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	start := time.Now()
	id := newRequestID()
	rc := http.NewResponseController(w)
	cw := &countingWriter{ResponseWriter: w, rc: rc, timeout: s.limits.SendTimeout}
	cw.Header().Set("x-amz-request-id", id)
	cw.Header().Set("x-amz-id-2", id)
	cw.Header().Set("Server", "dolium")
	// net/http cancels a request's context as soon as it reads EOF from
	// the connection, which a client that half-closed its socket after
	// sending the whole request has done; such a request is still to be
	// served. The pipeline's context therefore ends only when writing the
	// response fails (or the handler returns).
	ctx, cancel := context.WithCancel(context.WithoutCancel(hr.Context()))
	defer cancel()
	cw.failed = cancel
	hr = hr.WithContext(ctx)
	path := hr.URL.Path
	if b, ok := BucketFromHost(hr.Host, s.domains); ok && !strings.HasPrefix(path, AdminPrefix) {
		path = "/" + b + path // virtual-host style: the bucket is in the Host
	}
	op := Route(hr.Method, path, hr.URL.Query(), hr.Header)
	cr := &countingReader{r: hr.Body, rc: rc, timeout: s.limits.BodyTimeout}
	hr.Body = cr
	r := &request{Request: hr, op: op, operation: s.ops[op.Name], id: id, trailers: &trailers{}}
	resp, err := s.serve(cw, r)
	if r.release != nil {
		defer r.release()
	}
	s.setCORS(cw.Header(), r)
	if err != nil {
		s.writeError(cw, r, err)
	} else {
		s.encode(cw, r, resp)
	}
	s.finish(cw, cr)
	s.metrics.observe(op.Name, cw.status(), time.Since(start), cr.n, cw.n)
}

// finish pushes the response out within the send timeout and leaves the
// connection's deadlines as net/http expects them for the next request:
// none for writing, and a bounded one for reading the rest of an unread
// body, which net/http discards before reusing the connection.
func (s *Server) finish(cw *countingWriter, cr *countingReader) {
	if s.limits.SendTimeout > 0 {
		cw.arm()
		cw.rc.Flush()
		cw.rc.SetWriteDeadline(time.Time{})
	}
	if s.limits.BodyTimeout > 0 && !cr.eof {
		cw.rc.SetReadDeadline(time.Now().Add(s.limits.BodyTimeout))
	}
}

func (s *Server) serve(w http.ResponseWriter, r *request) (*response, error) {
	switch r.op.Name {
	case OpNotImplemented:
		return nil, s3err.NotImplemented
	case OpMethodNotAllowed:
		return nil, s3err.MethodNotAllowed
	}
	if r.operation == nil {
		return nil, s3err.NotImplemented
	}
	return s.pipeline(w, r)
}

const xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"

func (s *Server) encode(w http.ResponseWriter, r *request, resp *response) {
	for k, vs := range resp.header {
		w.Header()[k] = vs
	}
	status := resp.status
	if status == 0 {
		status = http.StatusOK
	}
	switch {
	case resp.json != nil:
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		if err := enc.Encode(resp.json); err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
		w.WriteHeader(status)
		w.Write(b.Bytes())
	case resp.xml != nil:
		b, err := xml.Marshal(resp.xml)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
		w.WriteHeader(status)
		io.WriteString(w, xml.Header)
		w.Write(b)
	case resp.body != nil:
		defer resp.body.Close()
		w.Header().Set("Content-Length", strconv.FormatInt(resp.length, 10))
		w.WriteHeader(status)
		if r.Method == http.MethodHead {
			return
		}
		n, err := io.Copy(w, resp.body)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			s.log.Info("client stopped reading; response cut", "request_id", r.id, "op", r.op.Name, "sent", n)
			panic(http.ErrAbortHandler)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			// Headers are gone; all we can do is cut the connection so the
			// client sees a short body rather than wrong bytes.
			s.log.Error("streaming response failed", "request_id", r.id, "op", r.op.Name, "sent", n, "err", err)
			panic(http.ErrAbortHandler)
		}
	default:
		if _, ok := w.Header()["Content-Length"]; !ok && status != http.StatusNoContent && status != http.StatusNotModified {
			w.Header().Set("Content-Length", "0")
		}
		w.WriteHeader(status)
	}
}

func (s *Server) writeError(w http.ResponseWriter, r *request, err error) {
	e, internal := toS3(err)
	if internal {
		s.log.Error("request failed", "request_id", r.id, "op", r.op.Name, "bucket", r.op.Bucket, "key", r.op.Key, "err", err)
	} else {
		s.log.Debug("request error", "request_id", r.id, "op", r.op.Name, "code", e.Code, "err", err)
	}
	h := w.Header()
	var dm *gateway.DeleteMarkerError
	if errors.As(err, &dm) {
		h.Set("x-amz-delete-marker", "true")
		h.Set("x-amz-version-id", dm.VersionID)
		if e.Status == http.StatusMethodNotAllowed {
			h.Set("Last-Modified", dm.LastModified.UTC().Format(http.TimeFormat))
			h.Set("Allow", "DELETE")
		}
	}
	if e.Status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	if e.Status == http.StatusNotModified {
		w.WriteHeader(e.Status)
		return
	}
	if r.operation != nil && r.operation.admin() {
		s.encode(w, r, &response{status: e.Status, json: adminError{e.Code, e.Message}})
		return
	}
	resource := r.URL.Path
	body := s3err.Body{Code: e.Code, Message: e.Message, Resource: resource, RequestID: r.id, HostID: r.id}
	bucket, key := r.op.Bucket, r.op.Key
	var src *gateway.SourceError
	if errors.As(err, &src) {
		// An error about a copy's source names the source.
		bucket, key = src.Bucket, src.Key
	}
	if key != "" && (errors.Is(e, s3err.NoSuchKey) || errors.Is(e, s3err.KeyTooLongError)) {
		body.Key = key
	}
	if errors.Is(e, s3err.NoSuchBucket) {
		body.BucketName = bucket
	}
	if errors.Is(e, s3err.AuthorizationHeaderMalformed) {
		body.Region = s.region
	}
	var ce *corsError
	if errors.As(err, &ce) {
		body.Method, body.ResourceType = ce.method, ce.resourceType
		if ce.bucket != "" {
			body.BucketName = ce.bucket
		}
	}
	var hte errHeaderTooLarge
	if errors.As(err, &hte) {
		body.MaxSizeAllowed = hte.max
	}
	b, _ := xml.Marshal(body)
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(len(xml.Header)+len(b)))
	if e.Status >= 400 && r.Method != http.MethodHead && r.Method != http.MethodGet && r.ContentLength != 0 {
		// The body may not have been read; do not keep the connection.
		h.Set("Connection", "close")
	}
	w.WriteHeader(e.Status)
	io.WriteString(w, xml.Header)
	w.Write(b)
}

// countingWriter records the status and bytes written, and passes Unwrap
// through so http.ResponseController keeps working. With a timeout, every
// write must make progress within it (the write deadline moves on with each
// write), so a client that stops reading is cut off; a failed write calls
// failed, which ends the request's context.
type countingWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
	failed  func()
	code    int
	n       int64
}

func (c *countingWriter) arm() {
	if c.timeout > 0 {
		c.rc.SetWriteDeadline(time.Now().Add(c.timeout))
	}
}

func (c *countingWriter) WriteHeader(code int) {
	if c.code == 0 && code >= 200 { // 1xx are interim, not the status
		c.code = code
	}
	c.arm()
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.code == 0 {
		c.code = http.StatusOK
	}
	c.arm()
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	if err != nil && c.failed != nil {
		c.failed()
	}
	return n, err
}

func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

func (c *countingWriter) status() int {
	if c.code == 0 {
		return http.StatusOK
	}
	return c.code
}

// countingReader counts the body's bytes. With a timeout, every read must
// make progress within it: the read deadline is moved on before each read
// and cleared at EOF (net/http's own read for the next request must not
// inherit it); a read that times out fails with RequestTimeout.
type countingReader struct {
	r       io.ReadCloser
	rc      *http.ResponseController
	timeout time.Duration
	n       int64
	eof     bool
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.timeout > 0 && !c.eof {
		c.rc.SetReadDeadline(time.Now().Add(c.timeout))
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	switch {
	case err == io.EOF:
		if !c.eof && c.timeout > 0 {
			c.rc.SetReadDeadline(time.Time{})
		}
		c.eof = true
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, s3err.RequestTimeout
	}
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }
