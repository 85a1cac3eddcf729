package s3err

import "net/http"

// The codes of CORS: PutBucketCors, GetBucketCors and the preflight
// (OPTIONS) request, with the messages AWS answers.
var (
	// NoSuchCORSConfiguration: GetBucketCors of a bucket without one.
	NoSuchCORSConfiguration = e("NoSuchCORSConfiguration", http.StatusNotFound, "The CORS configuration does not exist")
	// AccessForbidden is a refused preflight: no rule allows it (this
	// message), the bucket has no configuration, or there is no bucket.
	// The error body carries Method and ResourceType.
	AccessForbidden = e("AccessForbidden", http.StatusForbidden, "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
	// BadRequest is a preflight without an Origin or with an
	// Access-Control-Request-Method S3 does not know; also the code AWS
	// answers more than 10 object tags with.
	BadRequest = e("BadRequest", http.StatusBadRequest, "Bad Request")
)

// The other messages of a refused preflight.
var (
	CORSNotEnabled     = AccessForbidden.With("CORSResponse: CORS is not enabled for this bucket.")
	CORSBucketNotFound = AccessForbidden.With("CORSResponse: Bucket not found")
	CORSNoOrigin       = BadRequest.With("Insufficient information. Origin request header needed.")
)
