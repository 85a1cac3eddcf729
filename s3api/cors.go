package s3api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/cors"
	"github.com/dolium/dolium/s3api/s3err"
)

// Bucket CORS: Put/Get/DeleteBucketCors, the preflight (OPTIONS) request,
// answered before authentication, and the CORS headers of an actual
// request from an allowed origin, errors included. The document is parsed
// and matched by gateway/cors.

func putBucketCors(s *Server, r *request) (act, error) {
	// AWS requires an integrity check of the document (the SDKs send
	// Content-MD5 or a checksum), as for lifecycle.
	if err := needsIntegrity(r); err != nil {
		return nil, err
	}
	b, err := readDocument(r, cors.MaxDocument, s3err.MaxMessageLengthExceeded)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		if err := s.gw.PutCORS(r.Context(), r.bucket, b); err != nil {
			return nil, corsToS3(err)
		}
		return &response{}, nil
	}, nil
}

func getBucketCors(s *Server, r *request) (*response, error) {
	doc, err := s.gw.GetCORS(r.bucket)
	if errors.Is(err, gateway.ErrNoCORS) {
		return nil, &corsError{err: s3err.NoSuchCORSConfiguration, bucket: r.bucket.Name}
	}
	if err != nil {
		return nil, err
	}
	return documentResponse(doc, "application/xml"), nil
}

func deleteBucketCors(s *Server, r *request) (*response, error) {
	if err := s.gw.DeleteCORS(r.Context(), r.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

// corsToS3 turns a *cors.Error into its S3 error.
func corsToS3(err error) error {
	var ce *cors.Error
	if errors.As(err, &ce) {
		if code, ok := s3err.ByCode(ce.Code); ok {
			return code.With(ce.Message)
		}
	}
	return err
}

// corsError is an S3 error with the elements AWS adds to the body of a
// refused preflight (Method, ResourceType) or of NoSuchCORSConfiguration
// (BucketName); writeError sets them.
type corsError struct {
	err                          *s3err.Error
	method, resourceType, bucket string
}

func (e *corsError) Error() string { return e.err.Error() }
func (e *corsError) Unwrap() error { return e.err }

// preflight answers a CORS preflight, before authentication: browsers
// send it without credentials. As on AWS: no Origin is 400; no bucket, or
// a bucket without a configuration, is 403 AccessForbidden (ResourceType
// BUCKET); a missing or unknown Access-Control-Request-Method is 400; no
// rule allowing the origin, method and requested headers is 403
// AccessForbidden; otherwise 200 with the first matching rule's headers.
// The key is not looked up.
func preflight(s *Server, r *request) (act, error) {
	return func() (*response, error) {
		origin := r.Header.Get("Origin")
		if origin == "" {
			return nil, s3err.CORSNoOrigin
		}
		method := r.Header.Get("Access-Control-Request-Method")
		refused := func(e *s3err.Error, resourceType string) error {
			m := method
			if m == "" {
				m = http.MethodOptions
			}
			return &corsError{err: e, method: m, resourceType: resourceType}
		}
		b, err := s.gw.ResolveBucket(r.Context(), r.op.Bucket)
		if errors.Is(err, gateway.ErrNoSuchBucket) || errors.Is(err, gateway.ErrInvalidBucketName) {
			return nil, refused(s3err.CORSBucketNotFound, "BUCKET")
		}
		if err != nil {
			return nil, err
		}
		c, ok := s.gw.CORS(b)
		if !ok {
			return nil, refused(s3err.CORSNotEnabled, "BUCKET")
		}
		switch {
		case method == "":
			return nil, s3err.BadRequest.With("Invalid Access-Control-Request-Method: null")
		case !corsMethod(method):
			return nil, s3err.BadRequest.With("Invalid Access-Control-Request-Method: " + method)
		}
		requested := cors.SplitHeaders(strings.Join(r.Header.Values("Access-Control-Request-Headers"), ","))
		m, ok := c.Preflight(origin, method, requested)
		if !ok {
			resourceType := "BUCKET"
			if r.op.Key != "" {
				resourceType = "OBJECT"
			}
			return nil, refused(s3err.AccessForbidden, resourceType)
		}
		resp := &response{header: http.Header{}}
		m.Set(resp.header)
		return resp, nil
	}, nil
}

func corsMethod(m string) bool {
	for _, a := range cors.Methods {
		if m == a {
			return true
		}
	}
	return false
}

// setCORS sets the CORS headers on the answer to an actual request (not a
// preflight) that names a bucket and carries an Origin, when a rule of
// the bucket's configuration allows the origin and the method (its
// Access-Control-Request-Method if it has one, as on AWS): on errors too,
// so that a browser's script can read why its request failed. A request
// that failed before its bucket was resolved (a signature refused, a
// parameter refused) has it looked up here.
func (s *Server) setCORS(h http.Header, r *request) {
	origin := r.Header.Get("Origin")
	if origin == "" || r.op.Bucket == "" || r.op.Name == OpPreflight {
		return
	}
	b := r.bucket
	if b.Name == "" {
		var err error
		if b, err = s.gw.ResolveBucket(r.Context(), r.op.Bucket); err != nil {
			return
		}
	}
	c, ok := s.gw.CORS(b)
	if !ok {
		return
	}
	method := r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		method = r.Method
	}
	if m, ok := c.Actual(origin, method); ok {
		m.Set(h)
	}
}
