package s3api

import (
	"net"
	"net/http"
	"net/url"
	"strings"
)

// OpName names an S3 operation as the S3 API Reference does.
type OpName string

// The S3 operations dolium serves (operations.go declares each; admin.go
// adds dolium's own). Anything else routes to NotImplemented.
const (
	OpNotImplemented             OpName = "NotImplemented"
	OpMethodNotAllowed           OpName = "MethodNotAllowed"
	OpListBuckets                OpName = "ListBuckets"
	OpCreateBucket               OpName = "CreateBucket"
	OpHeadBucket                 OpName = "HeadBucket"
	OpDeleteBucket               OpName = "DeleteBucket"
	OpGetBucketLocation          OpName = "GetBucketLocation"
	OpGetBucketVersioning        OpName = "GetBucketVersioning"
	OpGetBucketAcl               OpName = "GetBucketAcl"
	OpListObjects                OpName = "ListObjects"
	OpListObjectsV2              OpName = "ListObjectsV2"
	OpListMultipartUploads       OpName = "ListMultipartUploads"
	OpListObjectVersions         OpName = "ListObjectVersions"
	OpPutBucketVersioning        OpName = "PutBucketVersioning"
	OpPutObjectLockConfiguration OpName = "PutObjectLockConfiguration"
	OpGetObjectLockConfiguration OpName = "GetObjectLockConfiguration"
	OpPutObjectRetention         OpName = "PutObjectRetention"
	OpGetObjectRetention         OpName = "GetObjectRetention"
	OpPutObjectLegalHold         OpName = "PutObjectLegalHold"
	OpGetObjectLegalHold         OpName = "GetObjectLegalHold"
	OpPutBucketLifecycle         OpName = "PutBucketLifecycleConfiguration"
	OpGetBucketLifecycle         OpName = "GetBucketLifecycleConfiguration"
	OpDeleteBucketLifecycle      OpName = "DeleteBucketLifecycle"
	OpPutBucketPolicy            OpName = "PutBucketPolicy"
	OpGetBucketPolicy            OpName = "GetBucketPolicy"
	OpDeleteBucketPolicy         OpName = "DeleteBucketPolicy"
	OpGetBucketPolicyStatus      OpName = "GetBucketPolicyStatus"
	OpDeleteObjects              OpName = "DeleteObjects"
	OpPutObject                  OpName = "PutObject"
	OpCopyObject                 OpName = "CopyObject"
	OpGetObject                  OpName = "GetObject"
	OpHeadObject                 OpName = "HeadObject"
	OpDeleteObject               OpName = "DeleteObject"
	OpGetObjectAcl               OpName = "GetObjectAcl"
	OpCreateMultipartUpload      OpName = "CreateMultipartUpload"
	OpUploadPart                 OpName = "UploadPart"
	OpUploadPartCopy             OpName = "UploadPartCopy"
	OpCompleteMultipartUpload    OpName = "CompleteMultipartUpload"
	OpAbortMultipartUpload       OpName = "AbortMultipartUpload"
	OpListParts                  OpName = "ListParts"
	OpPutObjectTagging           OpName = "PutObjectTagging"
	OpGetObjectTagging           OpName = "GetObjectTagging"
	OpDeleteObjectTagging        OpName = "DeleteObjectTagging"
	OpPutBucketTagging           OpName = "PutBucketTagging"
	OpGetBucketTagging           OpName = "GetBucketTagging"
	OpDeleteBucketTagging        OpName = "DeleteBucketTagging"
	OpGetObjectAttributes        OpName = "GetObjectAttributes"
	OpPutBucketCors              OpName = "PutBucketCors"
	OpGetBucketCors              OpName = "GetBucketCors"
	OpDeleteBucketCors           OpName = "DeleteBucketCors"
	// OpPreflight is a CORS preflight (S3's "OPTIONS object"): OPTIONS on
	// a bucket or an object, whatever its query, answered before
	// authentication (cors.go).
	OpPreflight OpName = "PreflightRequest"

	// ACLs (acl.go).
	OpPutBucketAcl                  OpName = "PutBucketAcl"
	OpPutObjectAcl                  OpName = "PutObjectAcl"
	OpPutBucketOwnershipControls    OpName = "PutBucketOwnershipControls"
	OpGetBucketOwnershipControls    OpName = "GetBucketOwnershipControls"
	OpDeleteBucketOwnershipControls OpName = "DeleteBucketOwnershipControls"
	OpPutPublicAccessBlock          OpName = "PutPublicAccessBlock"
	OpGetPublicAccessBlock          OpName = "GetPublicAccessBlock"
	OpDeletePublicAccessBlock       OpName = "DeletePublicAccessBlock"
)

// Op is a routed request: the operation and its bucket and key (decoded).
type Op struct {
	Name   OpName
	Bucket string
	Key    string
}

// subresources are the query parameters that select another S3 operation
// on the same path. A request naming one dolium does not handle must get
// NotImplemented, never the plain operation's answer.
var subresources = map[string]bool{
	"accelerate": true, "acl": true, "analytics": true, "attributes": true, "cors": true,
	"delete": true, "encryption": true, "intelligent-tiering": true, "inventory": true,
	"legal-hold": true, "lifecycle": true, "location": true, "logging": true, "metadataTable": true,
	"metrics": true, "notification": true, "object-lock": true, "ownershipControls": true,
	"partNumber": true, "policy": true, "policyStatus": true, "publicAccessBlock": true,
	"replication": true, "requestPayment": true, "restore": true, "retention": true,
	"select": true, "session": true, "tagging": true, "torrent": true, "uploadId": true,
	"uploads": true, "versionId": true, "versioning": true, "versions": true, "website": true,
	"renameObject": true,
}

// Route maps a request (path-style addressing) to its operation. It is a
// pure function of the method, the decoded path, the query and headers.
// Paths under AdminPrefix are dolium's admin operations.
func Route(method, path string, query url.Values, header http.Header) Op {
	if endpoint, ok := strings.CutPrefix(path, AdminPrefix); ok {
		return Op{Name: routeAdmin(method, endpoint)}
	}
	path = strings.TrimPrefix(path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	op := Op{Bucket: bucket, Key: key}
	if method == http.MethodOptions && bucket != "" {
		op.Name = OpPreflight
		return op
	}
	var sub []string
	for k := range query {
		if subresources[k] {
			sub = append(sub, k)
		}
	}
	only := func(names ...string) bool {
		if len(sub) != len(names) {
			return false
		}
		for _, n := range names {
			if _, ok := query[n]; !ok {
				return false
			}
		}
		return true
	}
	op.Name = OpNotImplemented
	switch {
	case bucket == "":
		if method == http.MethodGet && len(sub) == 0 {
			op.Name = OpListBuckets
		} else if method != http.MethodGet {
			op.Name = OpMethodNotAllowed
		}
	case key == "":
		switch method {
		case http.MethodGet:
			switch {
			case only():
				op.Name = OpListObjects
				if query.Get("list-type") == "2" {
					op.Name = OpListObjectsV2
				}
			case only("location"):
				op.Name = OpGetBucketLocation
			case only("uploads"):
				op.Name = OpListMultipartUploads
			case only("versions"):
				op.Name = OpListObjectVersions
			case only("versioning"):
				op.Name = OpGetBucketVersioning
			case only("object-lock"):
				op.Name = OpGetObjectLockConfiguration
			case only("lifecycle"):
				op.Name = OpGetBucketLifecycle
			case only("policy"):
				op.Name = OpGetBucketPolicy
			case only("policyStatus"):
				op.Name = OpGetBucketPolicyStatus
			case only("cors"):
				op.Name = OpGetBucketCors
			case only("acl"):
				op.Name = OpGetBucketAcl
			case only("tagging"):
				op.Name = OpGetBucketTagging
			case only("ownershipControls"):
				op.Name = OpGetBucketOwnershipControls
			case only("publicAccessBlock"):
				op.Name = OpGetPublicAccessBlock
			}
		case http.MethodHead:
			if only() {
				op.Name = OpHeadBucket
			}
		case http.MethodPut:
			switch {
			case only():
				op.Name = OpCreateBucket
			case only("versioning"):
				op.Name = OpPutBucketVersioning
			case only("object-lock"):
				op.Name = OpPutObjectLockConfiguration
			case only("lifecycle"):
				op.Name = OpPutBucketLifecycle
			case only("policy"):
				op.Name = OpPutBucketPolicy
			case only("tagging"):
				op.Name = OpPutBucketTagging
			case only("cors"):
				op.Name = OpPutBucketCors
			case only("acl"):
				op.Name = OpPutBucketAcl
			case only("ownershipControls"):
				op.Name = OpPutBucketOwnershipControls
			case only("publicAccessBlock"):
				op.Name = OpPutPublicAccessBlock
			}
		case http.MethodDelete:
			switch {
			case only():
				op.Name = OpDeleteBucket
			case only("lifecycle"):
				op.Name = OpDeleteBucketLifecycle
			case only("policy"):
				op.Name = OpDeleteBucketPolicy
			case only("tagging"):
				op.Name = OpDeleteBucketTagging
			case only("cors"):
				op.Name = OpDeleteBucketCors
			case only("ownershipControls"):
				op.Name = OpDeleteBucketOwnershipControls
			case only("publicAccessBlock"):
				op.Name = OpDeletePublicAccessBlock
			}
		case http.MethodPost:
			if only("delete") {
				op.Name = OpDeleteObjects
			} else if only() && isPostForm(header) {
				op.Name = OpPostObject
			}
		default:
			op.Name = OpMethodNotAllowed
		}
	default:
		copySource := header.Get("X-Amz-Copy-Source") != ""
		switch method {
		case http.MethodGet:
			switch {
			case only(), only("versionId"):
				op.Name = OpGetObject
			case only("uploadId"):
				op.Name = OpListParts
			case only("acl"), only("acl", "versionId"):
				op.Name = OpGetObjectAcl
			case only("retention"), only("retention", "versionId"):
				op.Name = OpGetObjectRetention
			case only("legal-hold"), only("legal-hold", "versionId"):
				op.Name = OpGetObjectLegalHold
			case only("tagging"), only("tagging", "versionId"):
				op.Name = OpGetObjectTagging
			case only("attributes"), only("attributes", "versionId"):
				op.Name = OpGetObjectAttributes
			}
		case http.MethodHead:
			if only() || only("versionId") {
				op.Name = OpHeadObject
			}
		case http.MethodPut:
			switch {
			case only() && copySource:
				op.Name = OpCopyObject
			case only():
				op.Name = OpPutObject
			case only("partNumber", "uploadId") && copySource:
				op.Name = OpUploadPartCopy
			case only("partNumber", "uploadId"):
				op.Name = OpUploadPart
			case only("retention"), only("retention", "versionId"):
				op.Name = OpPutObjectRetention
			case only("legal-hold"), only("legal-hold", "versionId"):
				op.Name = OpPutObjectLegalHold
			case only("tagging"), only("tagging", "versionId"):
				op.Name = OpPutObjectTagging
			case only("acl"), only("acl", "versionId"):
				op.Name = OpPutObjectAcl
			}
		case http.MethodDelete:
			switch {
			case only(), only("versionId"):
				// Any version id: DeleteObject answers the same as an
				// entry of DeleteObjects naming it would.
				op.Name = OpDeleteObject
			case only("uploadId"):
				op.Name = OpAbortMultipartUpload
			case only("tagging"), only("tagging", "versionId"):
				op.Name = OpDeleteObjectTagging
			}
		case http.MethodPost:
			switch {
			case only("uploads"):
				op.Name = OpCreateMultipartUpload
			case only("uploadId"):
				op.Name = OpCompleteMultipartUpload
			}
		default:
			op.Name = OpMethodNotAllowed
		}
	}
	return op
}

// BucketFromHost returns the bucket named by a virtual-host-style Host
// header ("bucket.s3.example.com" for domain "s3.example.com"), and false
// when host is not a subdomain of any of domains (path-style then applies).
func BucketFromHost(host string, domains []string) (string, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, d := range domains {
		d = strings.ToLower(strings.TrimSuffix(d, "."))
		if b, ok := strings.CutSuffix(host, "."+d); ok && b != "" {
			return b, true
		}
	}
	return "", false
}
