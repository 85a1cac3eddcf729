package s3api

import (
	"net/http"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/s3api/s3err"
)

// Bucket lifecycle: Put/Get/DeleteBucketLifecycleConfiguration. The
// document is parsed and validated by gateway/lifecycle, whose errors
// carry AWS's codes and messages (toS3 turns them into s3err values).

func putBucketLifecycle(s *Server, r *request) (act, error) {
	// AWS requires an integrity check of the document (the SDKs send
	// Content-MD5 or a checksum): a corrupted rule must not delete data.
	if err := needsIntegrity(r); err != nil {
		return nil, err
	}
	b, err := readDocument(r, maxXMLBody, s3err.MalformedXML)
	if err != nil {
		return nil, err
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
	return documentResponse(doc, "application/xml"), nil
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
