package s3api

import (
	"net/http"
	"strconv"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/gateway/lifecycle"
	"github.com/dolium/dolium/internal/checksum"
	"github.com/dolium/dolium/s3api/s3err"
)

func createMultipartUpload(s *Server, r *request) (act, error) {
	hdrs, um, err := objectMetadata(r.Header)
	if err != nil {
		return nil, err
	}
	in := gateway.CreateUploadInput{Key: r.op.Key, Owner: r.principal.Owner, Headers: hdrs, UserMeta: um,
		ChecksumType: r.Header.Get("X-Amz-Checksum-Type")}
	if v := r.Header.Get("X-Amz-Checksum-Algorithm"); v != "" {
		a, ok := checksum.Parse(v)
		if !ok {
			return nil, s3err.InvalidRequest.With("Checksum algorithm provided is unsupported.")
		}
		in.ChecksumAlgorithm = a
	}
	lock, err := lockHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	in.Lock = lock
	if in.Tags, err = taggingHeader(r.Header); err != nil {
		return nil, err
	}
	acls, err := aclHeaders(r.Header)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		if in.Owner, in.ACL, err = objectWrite(r, acls); err != nil {
			return nil, err
		}
		u, err := s.gw.CreateMultipartUpload(r.Context(), r.bucket, in)
		if err != nil {
			return nil, err
		}
		resp := &response{xml: initiateMultipartUploadResult{Xmlns: xmlns, Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID}}
		resp.set("x-amz-checksum-algorithm", u.ChecksumAlgorithm)
		resp.set("x-amz-checksum-type", u.ChecksumType)
		if date, rule, ok := s.gw.AbortDate(r.bucket, u.Key, u.Initiated); ok {
			resp.set("x-amz-abort-date", lifecycle.HTTPDate(date))
			resp.set("x-amz-abort-rule-id", rule)
		}
		return resp, nil
	}, nil
}

func partNumber(r *request) (int, error) {
	n, err := strconv.Atoi(r.URL.Query().Get("partNumber"))
	if err != nil || n < 1 || n > gateway.MaxPartNumber {
		return 0, s3err.InvalidPartNumber
	}
	return n, nil
}

func uploadPart(s *Server, r *request) (act, error) {
	n, err := partNumber(r)
	if err != nil {
		return nil, err
	}
	size, err := bodySize(r)
	if err != nil {
		return nil, err
	}
	if size > gateway.MaxPutSize {
		return nil, s3err.EntityTooLarge
	}
	cs, err := checksumInput(r)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		p, err := s.gw.UploadPart(r.Context(), r.bucket, gateway.PartInput{
			Key: r.op.Key, UploadID: r.URL.Query().Get("uploadId"),
			PartNumber: n, Body: r.body, Size: size, ContentMD5: r.Header.Get("Content-MD5"), Checksum: cs,
		})
		if err != nil {
			return nil, err
		}
		resp := &response{}
		resp.set("ETag", `"`+p.ETag+`"`)
		setChecksums(resp, p.Checksums, "")
		resp.header.Del("x-amz-checksum-type")
		return resp, nil
	}, nil
}

func uploadPartCopy(s *Server, r *request) (act, error) {
	n, err := partNumber(r)
	if err != nil {
		return nil, err
	}
	src, err := copySource(r.Header)
	if err != nil {
		return nil, err
	}
	in := gateway.CopyPartInput{
		Key: r.op.Key, UploadID: r.URL.Query().Get("uploadId"), PartNumber: n, SrcCond: readCond(r.Header, "X-Amz-Copy-Source-"),
	}
	if v := r.Header.Get("X-Amz-Copy-Source-Range"); v != "" {
		in.Range = parseRange(v)
		if in.Range == nil || in.Range.Suffix > 0 || in.Range.End < 0 {
			return nil, s3err.InvalidArgument.With("The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy")
		}
	}
	r.copyFrom = &src
	return func() (*response, error) {
		in.Src = r.src
		p, err := s.gw.UploadPartCopy(r.Context(), r.bucket, in)
		if err != nil {
			return nil, err
		}
		return &response{xml: copyPartResult{
			Xmlns: xmlns, ETag: `"` + p.ETag + `"`, LastModified: isoTime(p.LastModified),
			checksumFields: newChecksumFields(p.Checksums),
		}}, nil
	}, nil
}

// maxCompleteBody bounds a CompleteMultipartUpload document: 10000 parts,
// each with an ETag and a SHA-256 checksum and generous white space, fit
// in well under 4 MiB. A larger one is MaxMessageLengthExceeded, as on AWS.
const maxCompleteBody = 4 << 20

func completeMultipartUpload(s *Server, r *request) (act, error) {
	var req completeMultipartUploadRequest
	if _, err := readXMLLimit(r, &req, false, maxCompleteBody, s3err.MaxMessageLengthExceeded); err != nil {
		return nil, err
	}
	cond, err := writeCond(r.Header)
	if err != nil {
		return nil, err
	}
	in := gateway.CompleteInput{Key: r.op.Key, Owner: r.principal.Owner,
		UploadID: r.URL.Query().Get("uploadId"), Cond: cond}
	for _, p := range req.Parts {
		in.Parts = append(in.Parts, gateway.CompletedPart{PartNumber: p.PartNumber, ETag: p.ETag, Checksums: p.checksumFields.toMap()})
	}
	for _, a := range checksum.All() {
		if v := r.Header.Get(a.HeaderName()); v != "" {
			in.ChecksumAlgorithm, in.ChecksumValue = a, v
		}
	}
	return func() (*response, error) {
		if in.Owner, _, err = objectWrite(r, aclInput{}); err != nil {
			return nil, err
		}
		o, err := s.gw.CompleteMultipartUpload(r.Context(), r.bucket, in)
		if err != nil {
			return nil, err
		}
		resp := &response{xml: completeMultipartUploadResult{
			Xmlns: xmlns, Location: "/" + o.Bucket + "/" + o.Key, Bucket: o.Bucket, Key: o.Key, ETag: `"` + o.ETag + `"`,
			checksumFields: newChecksumFields(o.Checksums), ChecksumType: o.ChecksumType,
		}}
		setWrittenVersionID(resp, r.bucket, o.VersionID)
		setExpiration(s, resp, r.bucket, o)
		return resp, nil
	}, nil
}

func abortMultipartUpload(s *Server, r *request) (*response, error) {
	if err := s.gw.AbortMultipartUpload(r.Context(), r.bucket, r.op.Key, r.URL.Query().Get("uploadId")); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

func intParam(r *request, name string, def, max int) (int, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, s3err.InvalidArgument.With("Provided " + name + " not an integer or within integer range")
	}
	return min(n, max), nil
}

func listParts(s *Server, r *request) (act, error) {
	maxParts, err := intParam(r, "max-parts", 1000, 1000)
	if err != nil {
		return nil, err
	}
	marker, err := intParam(r, "part-number-marker", 0, gateway.MaxPartNumber)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		u, parts, trunc, err := s.gw.ListParts(r.Context(), r.bucket, r.op.Key, r.URL.Query().Get("uploadId"), marker, maxParts)
		if err != nil {
			return nil, err
		}
		res := listPartsResult{
			Xmlns: xmlns, Bucket: u.Bucket, Key: u.Key, UploadID: u.UploadID, Initiator: owner{u.Owner, u.Owner},
			Owner: owner{u.Owner, u.Owner}, StorageClass: "STANDARD", PartNumberMarker: marker, MaxParts: maxParts,
			IsTruncated: trunc, ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType,
		}
		for _, p := range parts {
			res.Parts = append(res.Parts, part{PartNumber: p.PartNumber, LastModified: isoTime(p.LastModified),
				ETag: `"` + p.ETag + `"`, Size: p.Size, checksumFields: newChecksumFields(p.Checksums)})
			res.NextPartNumberMarker = p.PartNumber
		}
		return &response{xml: res}, nil
	}, nil
}

func listMultipartUploads(s *Server, r *request) (act, error) {
	q := r.URL.Query()
	maxUploads, err := intParam(r, "max-uploads", 1000, 1000)
	if err != nil {
		return nil, err
	}
	enc := q.Get("encoding-type") == "url"
	in := gateway.ListUploadsInput{Prefix: q.Get("prefix"), Delimiter: q.Get("delimiter"),
		KeyMarker: q.Get("key-marker"), UploadIDMarker: q.Get("upload-id-marker"), MaxUploads: maxUploads}
	return func() (*response, error) {
		out, err := s.gw.ListMultipartUploads(r.Context(), r.bucket, in)
		if err != nil {
			return nil, err
		}
		res := listMultipartUploadsResult{
			Xmlns: xmlns, Bucket: r.op.Bucket, KeyMarker: encodeList(enc, in.KeyMarker), UploadIDMarker: in.UploadIDMarker,
			Prefix: encodeList(enc, in.Prefix), Delimiter: encodeList(enc, in.Delimiter), MaxUploads: maxUploads, IsTruncated: out.IsTruncated,
		}
		if out.IsTruncated {
			res.NextKeyMarker, res.NextUploadIDMarker = encodeList(enc, out.NextKeyMarker), out.NextUploadIDMarker
		}
		if enc {
			res.EncodingType = "url"
		}
		for _, u := range out.Uploads {
			res.Uploads = append(res.Uploads, upload{Key: encodeList(enc, u.Key), UploadID: u.UploadID,
				Initiator: owner{u.Owner, u.Owner}, Owner: owner{u.Owner, u.Owner}, StorageClass: "STANDARD",
				Initiated: isoTime(u.Initiated), ChecksumAlgorithm: u.ChecksumAlgorithm, ChecksumType: u.ChecksumType})
		}
		for _, p := range out.CommonPrefixes {
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{encodeList(enc, p)})
		}
		return &response{xml: res}, nil
	}, nil
}
