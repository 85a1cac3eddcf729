package s3api

import (
	"net/http"
	"net/url"
	"testing"
)

// Request lines from the Amazon S3 API Reference ("Request Syntax" of each
// operation), path-style.
func TestRoute(t *testing.T) {
	tests := []struct {
		method, target string
		header         http.Header
		want           Op
	}{
		{"GET", "/", nil, Op{Name: OpListBuckets}},
		{"PUT", "/", nil, Op{Name: OpMethodNotAllowed}},
		{"PUT", "/bucket", nil, Op{OpCreateBucket, "bucket", ""}},
		{"HEAD", "/bucket", nil, Op{OpHeadBucket, "bucket", ""}},
		{"DELETE", "/bucket", nil, Op{OpDeleteBucket, "bucket", ""}},
		{"GET", "/bucket?location", nil, Op{OpGetBucketLocation, "bucket", ""}},
		{"GET", "/bucket?versioning", nil, Op{OpGetBucketVersioning, "bucket", ""}},
		{"GET", "/bucket?acl", nil, Op{OpGetBucketAcl, "bucket", ""}},
		{"GET", "/bucket", nil, Op{OpListObjects, "bucket", ""}},
		{"GET", "/bucket/", nil, Op{OpListObjects, "bucket", ""}},
		{"GET", "/bucket?delimiter=/&encoding-type=url&marker=a&max-keys=2&prefix=p", nil, Op{OpListObjects, "bucket", ""}},
		{"GET", "/bucket?list-type=2&continuation-token=x&start-after=a&fetch-owner=true", nil, Op{OpListObjectsV2, "bucket", ""}},
		{"GET", "/bucket?uploads&prefix=a", nil, Op{OpListMultipartUploads, "bucket", ""}},
		{"POST", "/bucket?delete", nil, Op{OpDeleteObjects, "bucket", ""}},
		{"PUT", "/bucket/key", nil, Op{OpPutObject, "bucket", "key"}},
		{"PUT", "/bucket/a/b/c.txt", nil, Op{OpPutObject, "bucket", "a/b/c.txt"}},
		{"PUT", "/bucket/dir/", nil, Op{OpPutObject, "bucket", "dir/"}},
		{"PUT", "/bucket/a%20b%2Bc", nil, Op{OpPutObject, "bucket", "a b+c"}},
		{"PUT", "/bucket/key", http.Header{"X-Amz-Copy-Source": {"/src/k"}}, Op{OpCopyObject, "bucket", "key"}},
		{"GET", "/bucket/key", nil, Op{OpGetObject, "bucket", "key"}},
		{"GET", "/bucket/key?response-content-type=text/plain&X-Amz-Signature=x", nil, Op{OpGetObject, "bucket", "key"}},
		{"GET", "/bucket/key?versionId=null", nil, Op{OpGetObject, "bucket", "key"}},
		{"GET", "/bucket/key?versionId=3HL4kqtJlcpXroDTDmJ", nil, Op{OpGetObject, "bucket", "key"}},
		{"HEAD", "/bucket/key", nil, Op{OpHeadObject, "bucket", "key"}},
		{"DELETE", "/bucket/key", nil, Op{OpDeleteObject, "bucket", "key"}},
		{"GET", "/bucket/key?acl", nil, Op{OpGetObjectAcl, "bucket", "key"}},
		{"POST", "/bucket/key?uploads", nil, Op{OpCreateMultipartUpload, "bucket", "key"}},
		{"PUT", "/bucket/key?partNumber=1&uploadId=U", nil, Op{OpUploadPart, "bucket", "key"}},
		{"PUT", "/bucket/key?partNumber=1&uploadId=U", http.Header{"X-Amz-Copy-Source": {"src/k"}}, Op{OpUploadPartCopy, "bucket", "key"}},
		{"POST", "/bucket/key?uploadId=U", nil, Op{OpCompleteMultipartUpload, "bucket", "key"}},
		{"DELETE", "/bucket/key?uploadId=U", nil, Op{OpAbortMultipartUpload, "bucket", "key"}},
		{"GET", "/bucket/key?uploadId=U&max-parts=2", nil, Op{OpListParts, "bucket", "key"}},
		// Operations dolium does not implement must never get another's answer.
		{"GET", "/bucket?torrent", nil, Op{OpNotImplemented, "bucket", ""}},
		{"PUT", "/bucket?accelerate", nil, Op{OpNotImplemented, "bucket", ""}},
		{"PUT", "/bucket?versioning", nil, Op{OpPutBucketVersioning, "bucket", ""}},
		{"GET", "/bucket?policy", nil, Op{OpGetBucketPolicy, "bucket", ""}},
		{"GET", "/bucket?versions", nil, Op{OpListObjectVersions, "bucket", ""}},
		{"GET", "/bucket?versions&prefix=a&key-marker=k", nil, Op{OpListObjectVersions, "bucket", ""}},
		{"PUT", "/bucket?versions", nil, Op{OpNotImplemented, "bucket", ""}},
		{"PUT", "/bucket/key?tagging", nil, Op{OpPutObjectTagging, "bucket", "key"}},
		{"GET", "/bucket/key?tagging&versionId=v", nil, Op{OpGetObjectTagging, "bucket", "key"}},
		{"DELETE", "/bucket/key?tagging", nil, Op{OpDeleteObjectTagging, "bucket", "key"}},
		{"POST", "/bucket/key?tagging", nil, Op{OpNotImplemented, "bucket", "key"}},
		{"PUT", "/bucket?tagging", nil, Op{OpPutBucketTagging, "bucket", ""}},
		{"GET", "/bucket?tagging", nil, Op{OpGetBucketTagging, "bucket", ""}},
		{"DELETE", "/bucket?tagging", nil, Op{OpDeleteBucketTagging, "bucket", ""}},
		{"GET", "/bucket/key?attributes", nil, Op{OpGetObjectAttributes, "bucket", "key"}},
		{"GET", "/bucket/key?attributes&versionId=v", nil, Op{OpGetObjectAttributes, "bucket", "key"}},
		{"HEAD", "/bucket/key?attributes", nil, Op{OpNotImplemented, "bucket", "key"}},
		{"GET", "/bucket/key?tagging&acl", nil, Op{OpNotImplemented, "bucket", "key"}},
		{"POST", "/bucket/key?restore", nil, Op{OpNotImplemented, "bucket", "key"}},
		{"POST", "/bucket/key?select&select-type=2", nil, Op{OpNotImplemented, "bucket", "key"}},
		{"PUT", "/bucket/key?acl", nil, Op{OpPutObjectAcl, "bucket", "key"}},
		{"PUT", "/bucket/key?acl&versionId=v", nil, Op{OpPutObjectAcl, "bucket", "key"}},
		{"PUT", "/bucket?acl", nil, Op{OpPutBucketAcl, "bucket", ""}},
		{"PUT", "/bucket?ownershipControls", nil, Op{OpPutBucketOwnershipControls, "bucket", ""}},
		{"DELETE", "/bucket?publicAccessBlock", nil, Op{OpDeletePublicAccessBlock, "bucket", ""}},
		{"GET", "/bucket?publicAccessBlock", nil, Op{OpGetPublicAccessBlock, "bucket", ""}},
		{"PATCH", "/bucket/key", nil, Op{OpMethodNotAllowed, "bucket", "key"}},
		{"PUT", "/bucket?cors", nil, Op{OpPutBucketCors, "bucket", ""}},
		{"GET", "/bucket?cors", nil, Op{OpGetBucketCors, "bucket", ""}},
		{"DELETE", "/bucket?cors", nil, Op{OpDeleteBucketCors, "bucket", ""}},
		{"GET", "/bucket/key?cors", nil, Op{OpNotImplemented, "bucket", "key"}},
		// A CORS preflight, whatever the query of the request it is for.
		{"OPTIONS", "/bucket/key", nil, Op{OpPreflight, "bucket", "key"}},
		{"OPTIONS", "/bucket", nil, Op{OpPreflight, "bucket", ""}},
		{"OPTIONS", "/bucket/key?uploads", nil, Op{OpPreflight, "bucket", "key"}},
		{"OPTIONS", "/bucket/key?X-Amz-Signature=x&X-Amz-Credential=c", nil, Op{OpPreflight, "bucket", "key"}},
		{"OPTIONS", "/", nil, Op{Name: OpMethodNotAllowed}},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			u, err := url.ParseRequestURI(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			h := tt.header
			if h == nil {
				h = http.Header{}
			}
			got := Route(tt.method, u.Path, u.Query(), h)
			if got != tt.want {
				t.Errorf("Route(%s %s) = %+v, want %+v", tt.method, tt.target, got, tt.want)
			}
		})
	}
}

func TestBucketFromHost(t *testing.T) {
	domains := []string{"s3.example.com", "localhost"}
	for _, tt := range []struct {
		host, bucket string
		ok           bool
	}{
		{"photos.s3.example.com", "photos", true},
		{"photos.s3.example.com:9000", "photos", true},
		{"my.dotted.bucket.s3.example.com", "my.dotted.bucket", true},
		{"Photos.S3.Example.Com.", "photos", true},
		{"bkt.localhost:9000", "bkt", true},
		{"s3.example.com", "", false},
		{"s3.example.com:9000", "", false},
		{"127.0.0.1:9000", "", false},
		{"evil-s3.example.com", "", false},
		{"photos.s3.example.org", "", false},
	} {
		b, ok := BucketFromHost(tt.host, domains)
		if b != tt.bucket || ok != tt.ok {
			t.Errorf("BucketFromHost(%q) = %q, %v; want %q, %v", tt.host, b, ok, tt.bucket, tt.ok)
		}
	}
}
