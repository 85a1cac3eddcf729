package s3api

import (
	"encoding/xml"
	"io"
	"net/http"

	"github.com/dolium/dolium/gateway/access/policy"
	"github.com/dolium/dolium/s3api/s3err"
)

// Bucket policies: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus.
// The document is validated by gateway/access/policy (MalformedPolicy with
// AWS's messages) and kept as sent; access.Authorize evaluates it.

func putBucketPolicy(s *Server, r *request) (act, error) {
	b, err := io.ReadAll(io.LimitReader(r.body, policy.MaxSize+1))
	if err != nil {
		return nil, err
	}
	if err := verifySmallBody(r, b); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, s3err.MalformedPolicy.With("Policies must be valid JSON and the first byte must be '{'")
	}
	if len(b) > policy.MaxSize {
		return nil, s3err.MalformedPolicy.With(policy.ErrTooLarge.Message)
	}
	return func() (*response, error) {
		if err := s.gw.PutBucketPolicy(r.Context(), r.bucket, b); err != nil {
			return nil, err
		}
		return &response{status: http.StatusNoContent}, nil
	}, nil
}

func getBucketPolicy(s *Server, r *request) (*response, error) {
	doc, err := s.gw.GetBucketPolicy(r.bucket)
	if err != nil {
		return nil, err
	}
	return documentResponse(doc, "application/json"), nil
}

func deleteBucketPolicy(s *Server, r *request) (*response, error) {
	if err := s.gw.DeleteBucketPolicy(r.Context(), r.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

type policyStatus struct {
	XMLName  xml.Name `xml:"PolicyStatus"`
	Xmlns    string   `xml:"xmlns,attr,omitempty"`
	IsPublic bool
}

func getBucketPolicyStatus(s *Server, r *request) (*response, error) {
	p := r.policy
	if p == nil {
		return nil, s3err.NoSuchBucketPolicy
	}
	return &response{xml: policyStatus{Xmlns: xmlns, IsPublic: p.Public()}}, nil
}
