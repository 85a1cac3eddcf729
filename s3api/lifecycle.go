package s3api

import (
	"bytes"
	"io"
	"net/http"
	"strconv"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/s3api/s3err"
)

// Bucket lifecycle: Put/Get/DeleteBucketLifecycleConfiguration. The
// document is parsed and validated by gateway/lifecycle, whose errors
// carry AWS's codes and messages (toS3 turns them into s3err values).

func putBucketLifecycle(s *Server, r *request) (act, error) {
	// AWS requires an integrity check of the document (the SDKs send
	// Content-MD5 or a checksum): a corrupted rule must not delete data.
	if r.Header.Get("Content-MD5") == "" && !hasChecksumHeader(r.Header) {
		return nil, s3err.InvalidRequest.With("Missing required header for this request: Content-MD5")
	}
	b, err := io.ReadAll(io.LimitReader(r.body, maxXMLBody+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxXMLBody {
		return nil, s3err.MalformedXML
	}
	if err := verifySmallBody(r, b); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, s3err.MissingRequestBodyError
	}
	return func() (*response, error) {
		if err := s.gw.PutLifecycle(r.Context(), r.bucket, b); err != nil {
			return nil, err
		}
		return &response{}, nil
	}, nil
}

func getBucketLifecycle(s *Server, r *request) (*response, error) {
	doc, err := s.gw.GetLifecycle(r.bucket)
	if err != nil {
		return nil, err
	}
	resp := &response{body: io.NopCloser(bytes.NewReader(doc)), length: int64(len(doc))}
	resp.set("Content-Type", "application/xml")
	resp.set("Content-Length", strconv.Itoa(len(doc)))
	return resp, nil
}

func deleteBucketLifecycle(s *Server, r *request) (*response, error) {
	if err := s.gw.DeleteLifecycle(r.Context(), r.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

// setExpiration sets x-amz-expiration on the answer about the latest
// version o of a key in b (GET, HEAD, PUT, copy, complete) when a
// lifecycle rule of b will expire it.
func setExpiration(s *Server, resp *response, b gateway.Bucket, o gateway.Object) {
	if h := s.gw.Expiration(b, o); h != "" {
		resp.set("x-amz-expiration", h)
	}
}
