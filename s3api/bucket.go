package s3api

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/s3api/s3err"
)

// PlacementHeader on CreateBucket names the placement policy of the new
// bucket's data.
const PlacementHeader = "X-Dolium-Placement"

// maxXMLBody bounds XML request documents (DeleteObjects with 1000 keys of
// 1024 bytes is about 1.1 MB).
const maxXMLBody = 4 << 20

// readXML decodes a small XML request body into v. An empty body is
// allowed when optional; anything unparsable is MalformedXML.
func readXML(r *request, v any, optional bool) (bool, error) {
	return readXMLLimit(r, v, optional, maxXMLBody, s3err.MalformedXML)
}

// readXMLLimit is readXML with a size limit and the error for a body past it.
func readXMLLimit(r *request, v any, optional bool, limit int64, tooBig *s3err.Error) (bool, error) {
	b, err := io.ReadAll(io.LimitReader(r.body, limit+1))
	if err != nil {
		return false, err
	}
	if int64(len(b)) > limit {
		return false, tooBig
	}
	if err := verifySmallBody(r, b); err != nil {
		return false, err
	}
	if len(b) == 0 {
		if optional {
			return false, nil
		}
		return false, s3err.MissingRequestBodyError
	}
	if err := xml.Unmarshal(b, v); err != nil {
		return false, s3err.MalformedXML
	}
	return true, nil
}

func listBuckets(s *Server, r *request) (*response, error) {
	me := r.principal.Owner
	bs, err := s.gw.ListBuckets(r.Context(), me)
	if err != nil {
		return nil, err
	}
	res := listAllMyBucketsResult{Xmlns: xmlns, Owner: owner{me, me}}
	res.Buckets.Bucket = []bucketEntry{}
	for _, b := range bs {
		res.Buckets.Bucket = append(res.Buckets.Bucket, bucketEntry{Name: b.Name, CreationDate: isoTime(b.Created), BucketRegion: b.Region})
	}
	return &response{xml: res}, nil
}

func createBucket(s *Server, r *request) (act, error) {
	var cfg createBucketConfiguration
	has, err := readXML(r, &cfg, true)
	if err != nil {
		return nil, err
	}
	if has && cfg.LocationConstraint != "" && cfg.LocationConstraint != s.region {
		return nil, s3err.InvalidLocationConstraint
	}
	if has && cfg.LocationConstraint == "us-east-1" {
		// AWS rejects an explicit us-east-1 constraint.
		return nil, s3err.InvalidLocationConstraint
	}
	acl, ownership, err := createBucketACL(r)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		// x-dolium-placement names the bucket's placement policy (dolium's
		// own header; without it the configured default applies).
		if err := s.gw.CreateBucketWith(r.Context(), gateway.CreateBucketInput{Owner: r.principal.Owner, Name: r.op.Bucket,
			Placement: r.Header.Get(PlacementHeader), ObjectLock: objectLockEnabledHeader(r.Header),
			ACL: acl, Ownership: ownership}); err != nil {
			return nil, err
		}
		resp := &response{}
		resp.set("Location", "/"+r.op.Bucket)
		return resp, nil
	}, nil
}

func headBucket(s *Server, r *request) (*response, error) {
	resp := &response{}
	resp.set("x-amz-bucket-region", r.bucket.Region)
	return resp, nil
}

func deleteBucket(s *Server, r *request) (*response, error) {
	if err := s.gw.DeleteBucket(r.Context(), r.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

func getBucketLocation(s *Server, r *request) (*response, error) {
	loc := r.bucket.Region
	if loc == "us-east-1" {
		loc = ""
	}
	return &response{xml: locationConstraint{Xmlns: xmlns, Value: loc}}, nil
}

func getBucketVersioning(s *Server, r *request) (*response, error) {
	return &response{xml: versioningConfiguration{Xmlns: xmlns, Status: r.bucket.Versioning}}, nil
}

// encodeList applies encoding-type=url to a listing value.
func encodeList(enc bool, s string) string {
	if !enc {
		return s
	}
	return url.QueryEscape(s)
}

func listObjects(s *Server, r *request) (act, error) {
	q := r.URL.Query()
	v2 := r.op.Name == OpListObjectsV2
	enc, maxKeys, err := listParams(q)
	if err != nil {
		return nil, err
	}
	in := gateway.ListInput{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"), MaxKeys: maxKeys}
	res := listBucketResult{
		Xmlns: xmlns, Name: r.op.Bucket, Prefix: encodeList(enc, in.Prefix), MaxKeys: maxKeys,
		Delimiter: encodeList(enc, in.Delimiter),
	}
	if enc {
		res.EncodingType = "url"
	}
	if v2 {
		res.ContinuationToken = q.Get("continuation-token")
		res.StartAfter = encodeList(enc, q.Get("start-after"))
		if _, ok := q["continuation-token"]; ok {
			b, err := base64.RawURLEncoding.DecodeString(res.ContinuationToken)
			if err != nil || len(b) == 0 {
				return nil, s3err.InvalidArgument.With("The continuation token provided is incorrect")
			}
			in.Marker = string(b)
		} else {
			in.Marker = q.Get("start-after")
		}
	} else {
		m := q.Get("marker")
		in.Marker = m
		em := encodeList(enc, m)
		res.Marker = &em
	}
	return func() (*response, error) {
		out, err := s.gw.ListObjects(r.Context(), r.bucket, in)
		if err != nil {
			if errors.Is(err, gateway.ErrInvalidArgument) {
				return nil, s3err.InvalidArgument
			}
			return nil, err
		}
		fetchOwner := !v2 || q.Get("fetch-owner") == "true"
		for _, o := range out.Objects {
			e := object{
				Key: encodeList(enc, o.Key), LastModified: isoTime(o.LastModified), ETag: `"` + o.ETag + `"`,
				Size: o.Size, StorageClass: "STANDARD", ChecksumType: o.ChecksumType,
			}
			e.ChecksumAlgorithm = checksumAlgorithm(o.Checksums)
			if fetchOwner {
				e.Owner = &owner{o.Owner, o.Owner}
			}
			res.Contents = append(res.Contents, e)
		}
		for _, p := range out.CommonPrefixes {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{encodeList(enc, p)})
		}
		res.IsTruncated = out.IsTruncated
		if v2 {
			n := len(res.Contents) + len(res.CommonPrefixes)
			res.KeyCount = &n
			if out.IsTruncated {
				res.NextContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(out.NextMarker))
			}
		} else if out.IsTruncated && in.Delimiter != "" {
			res.NextMarker = encodeList(enc, out.NextMarker)
		}
		return &response{xml: res}, nil
	}, nil
}

// listParams parses what every object listing takes: encoding-type and
// max-keys (at most 1000, as on AWS).
func listParams(q url.Values) (enc bool, maxKeys int, err error) {
	switch q.Get("encoding-type") {
	case "":
	case "url":
		enc = true
	default:
		return false, 0, s3err.InvalidArgument.With("Invalid Encoding Method specified in Request")
	}
	maxKeys = gateway.DefaultMaxKeys
	if v := q.Get("max-keys"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return false, 0, s3err.InvalidArgument.With("Provided max-keys not an integer or within integer range")
		}
		maxKeys = min(n, gateway.DefaultMaxKeys)
	}
	return enc, maxKeys, nil
}

// listObjectVersions answers ListObjectVersions: versions and delete
// markers, key ascending then newest first (on a bucket that never had
// versioning, every object is its key's one version, "null").
func listObjectVersions(s *Server, r *request) (act, error) {
	q := r.URL.Query()
	enc, maxKeys, err := listParams(q)
	if err != nil {
		return nil, err
	}
	keyMarker, vidMarker := q.Get("key-marker"), q.Get("version-id-marker")
	if vidMarker != "" && keyMarker == "" {
		return nil, s3err.InvalidArgument.With("A version-id marker cannot be specified without a key marker.")
	}
	in := gateway.VersionListInput{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"),
		KeyMarker: keyMarker, VersionIDMarker: vidMarker, MaxKeys: maxKeys}
	res := listVersionsResult{
		Xmlns: xmlns, Name: r.op.Bucket, Prefix: encodeList(enc, in.Prefix), KeyMarker: encodeList(enc, keyMarker),
		VersionIdMarker: vidMarker, MaxKeys: maxKeys, Delimiter: encodeList(enc, in.Delimiter),
	}
	if enc {
		res.EncodingType = "url"
	}
	return func() (*response, error) {
		out, err := s.gw.ListObjectVersions(r.Context(), r.bucket, in)
		if err != nil {
			return nil, err
		}
		for _, o := range out.Versions {
			v := objectVersion{
				XMLName: xml.Name{Local: "Version"}, Key: encodeList(enc, o.Key), VersionId: o.VersionID,
				IsLatest: o.IsLatest, LastModified: isoTime(o.LastModified), Owner: &owner{o.Owner, o.Owner},
			}
			if o.DeleteMarker {
				v.XMLName.Local = "DeleteMarker"
			} else {
				size := o.Size
				v.ETag, v.Size, v.StorageClass = `"`+o.ETag+`"`, &size, "STANDARD"
				v.ChecksumAlgorithm, v.ChecksumType = checksumAlgorithm(o.Checksums), o.ChecksumType
			}
			res.Versions = append(res.Versions, v)
		}
		for _, p := range out.CommonPrefixes {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{encodeList(enc, p)})
		}
		res.IsTruncated = out.IsTruncated
		if out.IsTruncated {
			res.NextKeyMarker = encodeList(enc, out.NextKeyMarker)
			res.NextVersionIdMarker = out.NextVersionIDMarker
		}
		return &response{xml: res}, nil
	}, nil
}

// putBucketVersioning answers PutBucketVersioning: Enabled or Suspended.
// MFA delete is not supported: asking for it is NotImplemented (as other
// S3 servers without MFA answer) rather than a setting silently dropped.
func putBucketVersioning(s *Server, r *request) (act, error) {
	var cfg versioningConfiguration
	if _, err := readXML(r, &cfg, false); err != nil {
		return nil, err
	}
	switch {
	case cfg.Status != gateway.VersioningEnabled && cfg.Status != gateway.VersioningSuspended,
		cfg.MfaDelete != "" && cfg.MfaDelete != "Enabled" && cfg.MfaDelete != "Disabled":
		return nil, s3err.IllegalVersioningConfigurationException
	case cfg.MfaDelete == "Enabled":
		return nil, s3err.NotImplemented.With("MFA delete is not supported.")
	}
	return func() (*response, error) {
		if err := s.gw.SetVersioning(r.Context(), r.bucket, cfg.Status); err != nil {
			return nil, err
		}
		return &response{}, nil
	}, nil
}

// checksumAlgorithm names the algorithm of an object's checksums for a
// listing entry (one of them, if it has several).
func checksumAlgorithm(sums map[string]string) string {
	for a := range sums {
		return a
	}
	return ""
}

// errNeedsIntegrity answers a request AWS accepts only with Content-MD5 or
// an x-amz-checksum-* value (DeleteObjects, the lifecycle, CORS and
// tagging documents): a corrupted body must not change what it names.
var errNeedsIntegrity = s3err.InvalidRequest.With("Missing required header for this request: Content-MD5")

// needsIntegrity returns errNeedsIntegrity unless r carries Content-MD5 or
// a checksum.
func needsIntegrity(r *request) error {
	if r.Header.Get("Content-MD5") == "" && !hasChecksumHeader(r.Header) {
		return errNeedsIntegrity
	}
	return nil
}

// readDocument reads a bucket configuration document of at most limit
// bytes (tooBig beyond), verifying Content-MD5 and checksums; an empty
// body is MissingRequestBodyError.
func readDocument(r *request, limit int64, tooBig error) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, tooBig
	}
	if err := verifySmallBody(r, b); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, s3err.MissingRequestBodyError
	}
	return b, nil
}

// documentResponse answers a stored configuration document as its Get
// operation does, as it was stored.
func documentResponse(doc []byte, contentType string) *response {
	resp := &response{body: io.NopCloser(bytes.NewReader(doc)), length: int64(len(doc))}
	resp.set("Content-Type", contentType)
	resp.set("Content-Length", strconv.Itoa(len(doc)))
	return resp
}
