package s3api

import (
	"context"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/access"
	"github.com/dolium/dolium/s3api/s3err"
	"github.com/dolium/dolium/s3api/sigv2"
	"github.com/dolium/dolium/s3api/sigv4"
)

// operation is one operation as the pipeline runs it: declared once, in
// operations.
type operation struct {
	name OpName
	// action is what the principal must be allowed (access.Authorize).
	action access.Action
	// bucket says whether the operation addresses a bucket, and whether it
	// must exist.
	bucket bucketUse
	// copySource: the request names a source object (x-amz-copy-source);
	// its bucket is resolved and s3:GetObject on it authorised too.
	copySource bool
	// perKey: access is decided for each key the request names, by the
	// handler (DeleteObjects), not once for the bucket.
	perKey bool
	// query and headers are the query parameters (its subresources first)
	// and request headers it reads, besides those of signing, body framing
	// and payload checksums. "x-amz-meta-*" and the like name a family.
	query, headers []string
	handle         handler
	// beforeAuth: the operation is answered before authentication (the
	// CORS preflight: browsers send it without credentials); its handler
	// acts at once, with no bucket resolved and no access decided.
	beforeAuth bool
}

// bucketUse is what an operation needs of the bucket it names.
type bucketUse uint8

const (
	// noBucket: the operation is on the service (ListBuckets, admin).
	noBucket bucketUse = iota
	// newBucket: the bucket is to be created; it is not resolved.
	newBucket
	// existingBucket: the bucket is resolved (NoSuchBucket) and access is
	// decided with its owner.
	existingBucket
)

// A handler parses and checks its request's parameters, then returns the
// step that acts on them; the pipeline runs that step once the bucket is
// resolved and access allowed. A parameter's error therefore comes before
// NoSuchBucket or AccessDenied, as it always has.
type handler func(s *Server, r *request) (act, error)

// act performs an operation; r.bucket (and r.src for copies) are resolved.
type act func() (*response, error)

// acting is the handler of an operation with no parameters to check
// before the bucket is resolved.
func acting(f func(s *Server, r *request) (*response, error)) handler {
	return func(s *Server, r *request) (act, error) {
		return func() (*response, error) { return f(s, r) }, nil
	}
}

// Header families the operations read.
var (
	objectMetaHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language",
		"Cache-Control", "Expires", "x-amz-meta-*"}
	readCondHeaders = []string{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"}
	getObjectQuery  = []string{"versionId", "response-content-type", "response-content-language", "response-expires",
		"response-cache-control", "response-content-disposition", "response-content-encoding"}
	lockHeaderNames = []string{"x-amz-object-lock-mode", "x-amz-object-lock-retain-until-date", "x-amz-object-lock-legal-hold"}
	copyHeaders     = []string{"x-amz-copy-source", "x-amz-copy-source-if-match", "x-amz-copy-source-if-none-match",
		"x-amz-copy-source-if-modified-since", "x-amz-copy-source-if-unmodified-since"}
)

func concat(lists ...[]string) []string {
	var all []string
	for _, l := range lists {
		all = append(all, l...)
	}
	return all
}

// operations is the operation table: every operation dolium serves, S3's
// and the admin endpoints. Route names them.
func operations() []operation {
	return []operation{
		{name: OpListBuckets, action: access.ListAllMyBuckets, handle: acting(listBuckets)},
		{name: OpCreateBucket, action: access.CreateBucket, bucket: newBucket, handle: createBucket,
			headers: concat([]string{PlacementHeader, "Content-MD5", "x-amz-bucket-object-lock-enabled", "x-amz-object-ownership"}, aclHeaderNames)},
		{name: OpHeadBucket, action: access.ListBucket, bucket: existingBucket, handle: acting(headBucket)},
		{name: OpDeleteBucket, action: access.DeleteBucket, bucket: existingBucket, handle: acting(deleteBucket)},
		{name: OpGetBucketLocation, action: access.GetBucketLocation, bucket: existingBucket, handle: acting(getBucketLocation),
			query: []string{"location"}},
		{name: OpGetBucketVersioning, action: access.GetBucketVersioning, bucket: existingBucket, handle: acting(getBucketVersioning),
			query: []string{"versioning"}},
		{name: OpPutBucketVersioning, action: access.PutBucketVersioning, bucket: existingBucket, handle: putBucketVersioning,
			query: []string{"versioning"}, headers: []string{"Content-MD5", "x-amz-mfa"}},
		{name: OpPutObjectLockConfiguration, action: access.PutBucketObjectLockConfiguration, bucket: existingBucket,
			handle: putObjectLockConfiguration, query: []string{"object-lock"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetObjectLockConfiguration, action: access.GetBucketObjectLockConfiguration, bucket: existingBucket,
			handle: acting(getObjectLockConfiguration), query: []string{"object-lock"}},
		{name: OpPutObjectRetention, action: access.PutObjectRetention, bucket: existingBucket, handle: putObjectRetention,
			query: []string{"retention", "versionId"}, headers: []string{"Content-MD5", "x-amz-checksum-*", "x-amz-bypass-governance-retention"}},
		{name: OpGetObjectRetention, action: access.GetObjectRetention, bucket: existingBucket, handle: acting(getObjectRetention),
			query: []string{"retention", "versionId"}},
		{name: OpPutObjectLegalHold, action: access.PutObjectLegalHold, bucket: existingBucket, handle: putObjectLegalHold,
			query: []string{"legal-hold", "versionId"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetObjectLegalHold, action: access.GetObjectLegalHold, bucket: existingBucket, handle: acting(getObjectLegalHold),
			query: []string{"legal-hold", "versionId"}},
		{name: OpPutBucketLifecycle, action: access.PutLifecycleConfiguration, bucket: existingBucket,
			handle: putBucketLifecycle, query: []string{"lifecycle"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetBucketLifecycle, action: access.GetLifecycleConfiguration, bucket: existingBucket,
			handle: acting(getBucketLifecycle), query: []string{"lifecycle"}},
		{name: OpDeleteBucketLifecycle, action: access.PutLifecycleConfiguration, bucket: existingBucket,
			handle: acting(deleteBucketLifecycle), query: []string{"lifecycle"}},
		{name: OpPutBucketPolicy, action: access.PutBucketPolicy, bucket: existingBucket,
			handle: putBucketPolicy, query: []string{"policy"}, headers: []string{"Content-MD5", "x-amz-checksum-*", "x-amz-confirm-remove-self-bucket-access"}},
		{name: OpGetBucketPolicy, action: access.GetBucketPolicy, bucket: existingBucket, handle: acting(getBucketPolicy), query: []string{"policy"}},
		{name: OpDeleteBucketPolicy, action: access.DeleteBucketPolicy, bucket: existingBucket, handle: acting(deleteBucketPolicy), query: []string{"policy"}},
		{name: OpGetBucketPolicyStatus, action: access.GetBucketPolicyStatus, bucket: existingBucket, handle: acting(getBucketPolicyStatus), query: []string{"policyStatus"}},
		{name: OpPutBucketCors, action: access.PutBucketCORS, bucket: existingBucket,
			handle: putBucketCors, query: []string{"cors"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetBucketCors, action: access.GetBucketCORS, bucket: existingBucket,
			handle: acting(getBucketCors), query: []string{"cors"}},
		{name: OpDeleteBucketCors, action: access.PutBucketCORS, bucket: existingBucket,
			handle: acting(deleteBucketCors), query: []string{"cors"}},
		{name: OpPreflight, beforeAuth: true, handle: preflight,
			headers: []string{"Origin", "Access-Control-Request-Method", "Access-Control-Request-Headers"}},
		{name: OpGetBucketAcl, action: access.GetBucketAcl, bucket: existingBucket, handle: acting(getBucketAcl),
			query: []string{"acl"}},
		{name: OpListObjects, action: access.ListBucket, bucket: existingBucket, handle: listObjects,
			query: []string{"prefix", "delimiter", "marker", "max-keys", "encoding-type"}},
		{name: OpListObjectsV2, action: access.ListBucket, bucket: existingBucket, handle: listObjects,
			query: []string{"list-type", "prefix", "delimiter", "continuation-token", "start-after", "max-keys",
				"encoding-type", "fetch-owner"}},
		{name: OpListObjectVersions, action: access.ListBucketVersions, bucket: existingBucket, handle: listObjectVersions,
			query: []string{"versions", "prefix", "delimiter", "key-marker", "version-id-marker", "max-keys", "encoding-type"}},
		{name: OpListMultipartUploads, action: access.ListBucketMultipartUploads, bucket: existingBucket, handle: listMultipartUploads,
			query: []string{"uploads", "prefix", "delimiter", "key-marker", "upload-id-marker", "max-uploads", "encoding-type"}},
		{name: OpDeleteObjects, action: access.DeleteObject, bucket: existingBucket, perKey: true, handle: deleteObjects,
			query: []string{"delete"}, headers: []string{"Content-MD5", "x-amz-checksum-*", "x-amz-bypass-governance-retention"}},
		{name: OpPutObject, action: access.PutObject, bucket: existingBucket, handle: putObject,
			headers: concat(objectMetaHeaders, []string{"Content-Length", "x-amz-decoded-content-length", "Content-MD5",
				"x-amz-checksum-*", "x-amz-sdk-checksum-algorithm", "If-Match", "If-None-Match"}, lockHeaderNames, aclHeaderNames)},
		{name: OpCopyObject, action: access.PutObject, bucket: existingBucket, copySource: true, handle: copyObject,
			headers: concat(copyHeaders, objectMetaHeaders, []string{"x-amz-metadata-directive", "x-amz-checksum-algorithm",
				"If-Match", "If-None-Match"}, lockHeaderNames, aclHeaderNames)},
		{name: OpGetObject, action: access.GetObject, bucket: existingBucket, handle: getObject,
			query:   getObjectQuery,
			headers: concat(readCondHeaders, []string{"Range", "x-amz-checksum-mode"})},
		{name: OpHeadObject, action: access.GetObject, bucket: existingBucket, handle: getObject,
			query:   getObjectQuery,
			headers: concat(readCondHeaders, []string{"Range", "x-amz-checksum-mode"})},
		{name: OpDeleteObject, action: access.DeleteObject, bucket: existingBucket, handle: acting(deleteObject),
			query: []string{"versionId"}, headers: []string{"x-amz-bypass-governance-retention"}},
		{name: OpGetObjectAcl, action: access.GetObjectAcl, bucket: existingBucket, handle: acting(getObjectAcl),
			query: []string{"acl", "versionId"}},
		{name: OpCreateMultipartUpload, action: access.PutObject, bucket: existingBucket, handle: createMultipartUpload,
			query: []string{"uploads"}, headers: concat(objectMetaHeaders, []string{"x-amz-checksum-algorithm", "x-amz-checksum-type"}, lockHeaderNames, aclHeaderNames)},
		{name: OpUploadPart, action: access.PutObject, bucket: existingBucket, handle: uploadPart,
			query:   []string{"partNumber", "uploadId"},
			headers: []string{"Content-Length", "x-amz-decoded-content-length", "Content-MD5", "x-amz-checksum-*", "x-amz-sdk-checksum-algorithm"}},
		{name: OpUploadPartCopy, action: access.PutObject, bucket: existingBucket, copySource: true, handle: uploadPartCopy,
			query: []string{"partNumber", "uploadId"}, headers: concat(copyHeaders, []string{"x-amz-copy-source-range"})},
		{name: OpCompleteMultipartUpload, action: access.PutObject, bucket: existingBucket, handle: completeMultipartUpload,
			query: []string{"uploadId"}, headers: []string{"If-Match", "If-None-Match", "x-amz-checksum-*", "Content-MD5"}},
		{name: OpPostObject, action: access.PutObject, bucket: existingBucket, handle: postObject,
			headers: []string{"Content-Type"}},
		{name: OpAbortMultipartUpload, action: access.AbortMultipartUpload, bucket: existingBucket, handle: acting(abortMultipartUpload),
			query: []string{"uploadId"}},
		{name: OpListParts, action: access.ListMultipartUploadParts, bucket: existingBucket, handle: listParts,
			query: []string{"uploadId", "max-parts", "part-number-marker"}},
		{name: OpPutObjectTagging, action: access.PutObjectTagging, bucket: existingBucket, handle: putObjectTagging,
			query: []string{"tagging", "versionId"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetObjectTagging, action: access.GetObjectTagging, bucket: existingBucket, handle: getObjectTagging,
			query: []string{"tagging", "versionId"}},
		{name: OpDeleteObjectTagging, action: access.DeleteObjectTagging, bucket: existingBucket, handle: deleteObjectTagging,
			query: []string{"tagging", "versionId"}},
		{name: OpPutBucketTagging, action: access.PutBucketTagging, bucket: existingBucket, handle: putBucketTagging,
			query: []string{"tagging"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetBucketTagging, action: access.GetBucketTagging, bucket: existingBucket, handle: acting(getBucketTagging),
			query: []string{"tagging"}},
		// AWS: DeleteBucketTagging needs s3:PutBucketTagging.
		{name: OpDeleteBucketTagging, action: access.PutBucketTagging, bucket: existingBucket, handle: acting(deleteBucketTagging),
			query: []string{"tagging"}},
		{name: OpGetObjectAttributes, action: access.GetObjectAttributes, bucket: existingBucket, handle: getObjectAttributes,
			query: []string{"attributes", "versionId"}, headers: []string{"x-amz-object-attributes", "x-amz-max-parts", "x-amz-part-number-marker"}},

		// ACLs, object ownership and the public access block (acl.go).
		{name: OpPutBucketAcl, action: access.PutBucketAcl, bucket: existingBucket, handle: putBucketAcl,
			query: []string{"acl"}, headers: concat([]string{"Content-MD5", "x-amz-checksum-*"}, aclHeaderNames)},
		{name: OpPutObjectAcl, action: access.PutObjectAcl, bucket: existingBucket, handle: putObjectAcl,
			query: []string{"acl", "versionId"}, headers: concat([]string{"Content-MD5", "x-amz-checksum-*"}, aclHeaderNames)},
		{name: OpPutBucketOwnershipControls, action: access.PutBucketOwnershipControls, bucket: existingBucket,
			handle: putBucketOwnershipControls, query: []string{"ownershipControls"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetBucketOwnershipControls, action: access.GetBucketOwnershipControls, bucket: existingBucket,
			handle: acting(getBucketOwnershipControls), query: []string{"ownershipControls"}},
		{name: OpDeleteBucketOwnershipControls, action: access.PutBucketOwnershipControls, bucket: existingBucket,
			handle: acting(deleteBucketOwnershipControls), query: []string{"ownershipControls"}},
		{name: OpPutPublicAccessBlock, action: access.PutBucketPublicAccessBlock, bucket: existingBucket,
			handle: putPublicAccessBlock, query: []string{"publicAccessBlock"}, headers: []string{"Content-MD5", "x-amz-checksum-*"}},
		{name: OpGetPublicAccessBlock, action: access.GetBucketPublicAccessBlock, bucket: existingBucket,
			handle: acting(getPublicAccessBlock), query: []string{"publicAccessBlock"}},
		{name: OpDeletePublicAccessBlock, action: access.PutBucketPublicAccessBlock, bucket: existingBucket,
			handle: acting(deletePublicAccessBlock), query: []string{"publicAccessBlock"}},

		// dolium's operator endpoints (admin.go), root only.
		{name: OpAdminRedundancy, action: access.AdminRead, handle: acting(adminRedundancy), query: []string{"bucket"}},
		{name: OpAdminPlacements, action: access.AdminRead, handle: acting(adminPlacements)},
		{name: OpAdminZones, action: access.AdminRead, handle: acting(adminZones)},
		{name: OpAdminVerifyGC, action: access.AdminRead, handle: acting(adminVerifyGC)},
		{name: OpAdminQueueGC, action: access.AdminWrite, handle: acting(adminVerifyGC)},
		{name: OpAdminStartRebuild, action: access.AdminWrite, handle: acting(adminStartRebuild), query: []string{"zone"}},
		{name: OpAdminMethodNotAllowed, action: access.AdminRead, handle: acting(adminMethodNotAllowed)},
		{name: OpAdminNotFound, action: access.AdminRead, handle: acting(adminNotFound)},
	}
}

// operationTable indexes the operation table by name.
func operationTable() map[OpName]*operation {
	ops := append(operations(), identityOperations()...)
	t := make(map[OpName]*operation, len(ops))
	for i := range ops {
		op := &ops[i]
		if t[op.name] != nil {
			panic("s3api: operation " + string(op.name) + " declared twice")
		}
		t[op.name] = op
	}
	return t
}

// admin reports whether op is one of dolium's admin operations: their
// bodies, errors included, are JSON.
func (op *operation) admin() bool { return op.action.Admin() }

// denied is the answer to a request the principal may not make.
func (op *operation) denied() error {
	if op.admin() {
		return errAdminDenied
	}
	return s3err.AccessDenied
}

// objectRef names an object, as a copy's x-amz-copy-source does.
type objectRef struct{ bucket, key, versionID string }

// pipeline runs a routed request through the steps every request takes,
// once each, in this order: header limits → (the CORS preflight,
// answered here) → authenticate → parse the
// operation's parameters → resolve the bucket → authorise → (copies)
// resolve and authorise the source → act. encode (in ServeHTTP) writes the
// response or the error.
func (s *Server) pipeline(w http.ResponseWriter, r *request) (*response, error) {
	op := r.operation
	if max := s.limits.MaxHeaderBytes; max > 0 && headerBytes(r.Header) > max {
		return nil, errHeaderTooLarge{max}
	}
	if op.beforeAuth {
		do, err := op.handle(s, r)
		if err != nil {
			return nil, err
		}
		return do()
	}
	if err := s.authenticate(w, r); err != nil {
		return nil, err
	}
	if op.action == access.PutObject {
		// Every operation that writes object data: refuse what it would
		// otherwise drop (encryption, tags).
		if err := unimplemented(r.Header); err != nil {
			return nil, err
		}
	}
	do, err := op.handle(s, r)
	if err != nil {
		return nil, err
	}
	res, err := s.resolve(r.Context(), r)
	if err != nil {
		return nil, err
	}
	rc := requestContext(r, s.now())
	s.existingObjectTags(r, res, rc)
	action := op.action
	if r.URL.Query().Get("versionId") != "" {
		action = action.Versioned()
	}
	if !op.perKey && s.authz.Authorize(r.principal, action, res, rc) != access.Allow {
		return nil, op.denied()
	}
	r.rc = rc
	if op.copySource && r.copyFrom != nil {
		r.src = s.resolveSource(r.Context(), r.principal, *r.copyFrom, rc)
	}
	return do()
}

// anonymousKey is the request slot anonymous requests share (no access
// key has parentheses).
const anonymousKey = "(anonymous)"

// authenticate verifies the request's signature and sets its principal,
// takes the access key's request slot and wraps the body in its verifier.
// A request without a signature goes on as the anonymous principal: the
// authorise step serves it only where a bucket policy allows it.
func (s *Server) authenticate(w http.ResponseWriter, r *request) error {
	if r.operation.name == OpPostObject {
		return s.authenticatePost(w, r) // the form's signature, not a header's
	}
	auth, err := s.verify(r)
	if err != nil {
		return err
	}
	return s.admit(w, r, auth)
}

// verify checks the request's signature: SigV2 (s3api/sigv2) or SigV4.
func (s *Server) verify(r *request) (*sigv4.Auth, error) {
	if sigv2.Is(r.Request) {
		return sigv2.Verify(r.Request, s.creds, s.hostBucket(r.Request), s.now())
	}
	return sigv4.Verify(r.Request, s.creds, s.region, s.now())
}

// admit sets the principal of a request authenticated as auth, takes the
// access key's request slot and wraps the body in its verifier.
func (s *Server) admit(w http.ResponseWriter, r *request, auth *sigv4.Auth) error {
	key := auth.AccessKey
	if auth.Anonymous {
		if r.operation.admin() {
			return r.operation.denied()
		}
		r.principal = access.Principal{Anonymous: true}
		key = anonymousKey
	} else {
		r.principal = access.Principal{Owner: auth.Owner, AccessKey: auth.AccessKey}
		if ps, ok := s.creds.(access.PrincipalSource); ok {
			if p, ok := ps.PrincipalFor(auth.AccessKey); ok && p.Owner == auth.Owner {
				r.principal = p
			}
		}
	}
	if !s.keys.acquire(key) {
		return s3err.SlowDown
	}
	r.release = func() { s.keys.release(key) }
	r.Request = r.Request.WithContext(gateway.WithClient(r.Context(), key))
	if !auth.Anonymous && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// Accepted: say so now, as S3 does, even for an empty body. Go
		// would send it only on the first read of a non-empty body, and
		// botocore then mis-parses the next response on that connection
		// (a 60 s stall; boto/botocore#3755).
		w.WriteHeader(http.StatusContinue)
	}
	body, err := sigv4.NewBodyReader(r.Request, auth, r.trailers.set)
	if err != nil {
		return err
	}
	r.body = body
	return nil
}

// resolve finds the bucket the operation addresses (r.bucket) and returns
// what access is decided on. The key is checked first (KeyTooLong), as the
// core always has before looking the bucket up.
func (s *Server) resolve(ctx context.Context, r *request) (access.Resource, error) {
	res := access.Resource{Bucket: r.op.Bucket, Key: r.op.Key}
	if r.post != nil {
		res.Key = r.post.fields["key"] // a form upload is a PutObject of its key
	}
	if r.operation.bucket != existingBucket {
		return res, nil
	}
	if r.op.Key != "" {
		if err := gateway.CheckKey(r.op.Key); err != nil {
			return res, err
		}
	}
	b, err := s.gw.ResolveBucket(ctx, r.op.Bucket)
	if err != nil {
		return res, err
	}
	r.bucket = b
	r.policy = b.Policy()
	res = bucketResource(b, res.Key, r.policy)
	if objectACLRead[r.operation.name] {
		s.withObjectACL(ctx, r.principal, b, r.URL.Query().Get("versionId"), &res)
	}
	return res, nil
}

// resolveSource resolves a copy's source bucket and authorises reading the
// source object. A failure goes in Source.Err: the core answers it where
// S3 checks the source (after the destination's upload, say).
func (s *Server) resolveSource(ctx context.Context, p access.Principal, ref objectRef, rc access.RequestContext) gateway.Source {
	src := gateway.Source{Bucket: gateway.Bucket{Name: ref.bucket}, Key: ref.key, VersionID: ref.versionID}
	b, err := s.gw.ResolveBucket(ctx, ref.bucket)
	if err != nil {
		src.Err = err
		return src
	}
	action := access.GetObject
	if ref.versionID != "" {
		action = access.GetObjectVersion
	}
	res := bucketResource(b, ref.key, b.Policy())
	s.withObjectACL(ctx, p, b, ref.versionID, &res)
	if s.authz.Authorize(p, action, res, rc) != access.Allow {
		src.Err = s3err.AccessDenied
		return src
	}
	src.Bucket = b
	return src
}

// requestContext is what authorisation may know of how the request came:
// its address and transport, and the policy condition keys AWS defines
// for it (global aws:* keys and the S3 keys of its operation).
func requestContext(r *request, now time.Time) access.RequestContext {
	rc := access.RequestContext{SecureTransport: r.TLS != nil, Conditions: map[string][]string{}}
	set := func(k, v string) {
		if v != "" {
			rc.Conditions[k] = []string{v}
		}
	}
	if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
		rc.SourceIP = ap.Addr().Unmap()
		set("aws:sourceip", rc.SourceIP.String())
	}
	set("aws:securetransport", strconv.FormatBool(rc.SecureTransport))
	set("aws:currenttime", now.UTC().Format(time.RFC3339))
	set("aws:epochtime", strconv.FormatInt(now.Unix(), 10))
	set("aws:referer", r.Header.Get("Referer"))
	set("aws:useragent", r.Header.Get("User-Agent"))
	if !r.principal.Anonymous {
		if r.principal.User != "" {
			set("aws:username", r.principal.User)
		} else {
			set("aws:username", r.principal.Owner)
		}
		set("aws:userid", r.principal.AccessKey)
		set("aws:principaltype", "User")
	} else {
		set("aws:principaltype", "Anonymous")
	}
	q := r.URL.Query()
	switch r.operation.name {
	case OpListObjects, OpListObjectsV2, OpListObjectVersions:
		// s3:prefix and s3:delimiter are present (possibly empty) when
		// sent; AWS compares "" too.
		for _, k := range []string{"prefix", "delimiter"} {
			if q.Has(k) {
				rc.Conditions["s3:"+k] = []string{q.Get(k)}
			}
		}
		set("s3:max-keys", q.Get("max-keys"))
	}
	set("s3:x-amz-acl", r.Header.Get("X-Amz-Acl"))
	set("s3:x-amz-copy-source", r.Header.Get("X-Amz-Copy-Source"))
	set("s3:x-amz-metadata-directive", r.Header.Get("X-Amz-Metadata-Directive"))
	set("s3:x-amz-server-side-encryption", r.Header.Get("X-Amz-Server-Side-Encryption"))
	set("s3:x-amz-storage-class", r.Header.Get("X-Amz-Storage-Class"))
	set("s3:x-amz-content-sha256", r.Header.Get("X-Amz-Content-Sha256"))
	set("s3:versionid", q.Get("versionId"))
	switch {
	case strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256"):
		set("s3:signatureversion", "AWS4-HMAC-SHA256")
		set("s3:authtype", "REST-HEADER")
	case q.Has("X-Amz-Signature"):
		set("s3:signatureversion", "AWS4-HMAC-SHA256")
		set("s3:authtype", "REST-QUERY-STRING")
	}
	return rc
}

// existingObjectTags adds the s3:ExistingObjectTag/<key> condition keys of
// the object a request names (its version, with versionId) when the
// bucket's policy looks at them: the one case where authorisation needs
// the object first. An object that cannot be read has none (the operation
// then answers NoSuchKey or the like itself, if allowed).
func (s *Server) existingObjectTags(r *request, res access.Resource, rc access.RequestContext) {
	if r.op.Key == "" || !res.Policy.UsesKeyPrefix("s3:existingobjecttag/") {
		return
	}
	o, err := s.gw.GetObjectTagging(r.Context(), r.bucket, gateway.VersionTarget{Key: r.op.Key, VersionID: r.URL.Query().Get("versionId")})
	if err != nil {
		return
	}
	for k, v := range o.Tags {
		rc.Conditions["s3:existingobjecttag/"+strings.ToLower(k)] = []string{v}
	}
}
