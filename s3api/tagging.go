package s3api

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"github.com/dolium/dolium/gateway"
	"github.com/dolium/dolium/s3api/s3err"
)

// Tagging (Put/Get/DeleteObjectTagging, Put/Get/DeleteBucketTagging, the
// x-amz-tagging header of writes, x-amz-tagging-count of reads) and
// GetObjectAttributes, as the S3 API reference has them. The limits and
// their errors are the core's (gateway/tagging.go).

func init() {
	// PutObject, CopyObject and CreateMultipartUpload (the operations that
	// read objectMetaHeaders) take x-amz-tagging; CopyObject (and
	// UploadPartCopy, which shares copyHeaders) its directive.
	objectMetaHeaders = append(objectMetaHeaders, "x-amz-tagging")
	copyHeaders = append(copyHeaders, "x-amz-tagging-directive")
}

// taggingXML is the Tagging document of requests and responses.
type taggingXML struct {
	XMLName xml.Name `xml:"Tagging"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	TagSet  *struct {
		Tag []tagXML
	}
}

type tagXML struct {
	Key   *string
	Value *string
}

func newTaggingXML(tags map[string]string) taggingXML {
	x := taggingXML{Xmlns: xmlns}
	x.TagSet = &struct{ Tag []tagXML }{Tag: []tagXML{}}
	for _, t := range gateway.SortedTags(tags) {
		k, v := t.Key, t.Value
		x.TagSet.Tag = append(x.TagSet.Tag, tagXML{Key: &k, Value: &v})
	}
	return x
}

// readTagging reads a Put*Tagging body: a Tagging document whose TagSet
// holds Tags of a Key and a Value each (MalformedXML otherwise).
func readTagging(r *request) ([]gateway.Tag, error) {
	var x taggingXML
	if _, err := readXML(r, &x, false); err != nil {
		return nil, err
	}
	if x.TagSet == nil {
		return nil, s3err.MalformedXML
	}
	tags := make([]gateway.Tag, 0, len(x.TagSet.Tag))
	for _, t := range x.TagSet.Tag {
		if t.Key == nil || t.Value == nil {
			return nil, s3err.MalformedXML
		}
		tags = append(tags, gateway.Tag{Key: *t.Key, Value: *t.Value})
	}
	return tags, nil
}

// taggingVersion is the version a tagging request names.
func taggingVersion(r *request) (gateway.VersionTarget, error) {
	q := r.URL.Query()
	if q.Has("versionId") && q.Get("versionId") == "" {
		return gateway.VersionTarget{}, s3err.InvalidArgument.With("Version id cannot be the empty string")
	}
	return versionTarget(r), nil
}

func putObjectTagging(s *Server, r *request) (act, error) {
	t, err := taggingVersion(r)
	if err != nil {
		return nil, err
	}
	list, err := readTagging(r)
	if err != nil {
		return nil, err
	}
	tags, err := gateway.CheckTags(list, gateway.MaxObjectTags)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		o, err := s.gw.PutObjectTagging(r.Context(), r.bucket, t, tags)
		if err != nil {
			return nil, err
		}
		resp := &response{}
		setVersionID(resp, r.bucket, o.VersionID)
		return resp, nil
	}, nil
}

func getObjectTagging(s *Server, r *request) (act, error) {
	t, err := taggingVersion(r)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		o, err := s.gw.GetObjectTagging(r.Context(), r.bucket, t)
		if err != nil {
			return nil, err
		}
		resp := &response{xml: newTaggingXML(o.Tags)}
		setVersionID(resp, r.bucket, o.VersionID)
		return resp, nil
	}, nil
}

func deleteObjectTagging(s *Server, r *request) (act, error) {
	t, err := taggingVersion(r)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		o, err := s.gw.DeleteObjectTagging(r.Context(), r.bucket, t)
		if err != nil {
			return nil, err
		}
		resp := &response{status: http.StatusNoContent}
		setVersionID(resp, r.bucket, o.VersionID)
		return resp, nil
	}, nil
}

func putBucketTagging(s *Server, r *request) (act, error) {
	// AWS requires an integrity check of the document (Content-MD5 or a
	// checksum; the SDKs send one).
	if err := needsIntegrity(r); err != nil {
		return nil, err
	}
	list, err := readTagging(r)
	if err != nil {
		return nil, err
	}
	tags, err := gateway.CheckTags(list, gateway.MaxBucketTags)
	if err != nil {
		return nil, err
	}
	return func() (*response, error) {
		if err := s.gw.PutBucketTagging(r.Context(), r.bucket, tags); err != nil {
			return nil, err
		}
		return &response{status: http.StatusNoContent}, nil
	}, nil
}

func getBucketTagging(s *Server, r *request) (*response, error) {
	tags, err := s.gw.BucketTagging(r.bucket)
	if err != nil {
		return nil, err
	}
	return &response{xml: newTaggingXML(tags)}, nil
}

func deleteBucketTagging(s *Server, r *request) (*response, error) {
	if err := s.gw.DeleteBucketTagging(r.Context(), r.bucket); err != nil {
		return nil, err
	}
	return &response{status: http.StatusNoContent}, nil
}

// taggingHeader parses a write's x-amz-tagging header (nil: none).
func taggingHeader(h http.Header) (map[string]string, error) {
	return gateway.ParseTaggingHeader(h.Get("X-Amz-Tagging"))
}

// setTaggingCount sets a GET or HEAD's x-amz-tagging-count.
func setTaggingCount(resp *response, o gateway.Object) {
	if len(o.Tags) > 0 {
		resp.set("x-amz-tagging-count", strconv.Itoa(len(o.Tags)))
	}
}

// copyTagging reads CopyObject's x-amz-tagging-directive and, for
// REPLACE, x-amz-tagging.
func copyTagging(h http.Header, in *gateway.CopyInput) error {
	switch h.Get("X-Amz-Tagging-Directive") {
	case "", "COPY":
		return nil
	case "REPLACE":
		tags, err := taggingHeader(h)
		if err != nil {
			return err
		}
		in.ReplaceTags, in.Tags = true, tags
		return nil
	}
	return s3err.InvalidArgument.With("Unknown tagging directive.")
}

// GetObjectAttributes.

type objectAttributesXML struct {
	XMLName      xml.Name         `xml:"GetObjectAttributesResponse"`
	Xmlns        string           `xml:"xmlns,attr"`
	ETag         string           `xml:",omitempty"`
	Checksum     *attrChecksumXML `xml:",omitempty"`
	ObjectParts  *objectPartsXML  `xml:",omitempty"`
	StorageClass string           `xml:",omitempty"`
	ObjectSize   *int64           `xml:",omitempty"`
}

type attrChecksumXML struct {
	checksumFields
	ChecksumType string `xml:",omitempty"`
}

type objectPartsXML struct {
	IsTruncated          *bool         `xml:",omitempty"`
	MaxParts             *int          `xml:",omitempty"`
	NextPartNumberMarker *int          `xml:",omitempty"`
	PartNumberMarker     *int          `xml:",omitempty"`
	Part                 []attrPartXML `xml:",omitempty"`
	PartsCount           int
}

type attrPartXML struct {
	checksumFields
	PartNumber int
	Size       int64
}

// objectAttributeNames are x-amz-object-attributes' valid values.
var objectAttributeNames = map[string]bool{"ETag": true, "Checksum": true, "ObjectParts": true, "StorageClass": true, "ObjectSize": true}

func getObjectAttributes(s *Server, r *request) (act, error) {
	t, err := taggingVersion(r)
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, v := range r.Header.Values("X-Amz-Object-Attributes") {
		for _, a := range strings.Split(v, ",") {
			if a = strings.TrimSpace(a); a == "" {
				continue
			}
			if !objectAttributeNames[a] {
				return nil, s3err.InvalidArgument.With("Invalid attribute name specified.")
			}
			want[a] = true
		}
	}
	if len(want) == 0 {
		return nil, s3err.InvalidRequest.With("The x-amz-object-attributes header specifying the attributes to be retrieved is either missing or empty")
	}
	// As on S3, values that are not numbers are ignored.
	maxParts, _ := strconv.Atoi(r.Header.Get("X-Amz-Max-Parts"))
	if maxParts <= 0 || maxParts > 1000 {
		maxParts = 1000
	}
	marker, _ := strconv.Atoi(r.Header.Get("X-Amz-Part-Number-Marker"))
	if marker < 0 {
		marker = 0
	}
	return func() (*response, error) {
		a, err := s.gw.GetObjectAttributes(r.Context(), r.bucket, t, maxParts, marker)
		if err != nil {
			return nil, err
		}
		o := a.Object
		x := objectAttributesXML{Xmlns: xmlns}
		if want["ETag"] {
			x.ETag = o.ETag // unquoted, as S3 answers it here
		}
		if want["Checksum"] && len(o.Checksums) > 0 {
			// A composite checksum without its "-N" part count, as S3
			// answers it here (HEAD and GET keep it).
			sums := map[string]string{}
			for a, v := range o.Checksums {
				if i := strings.LastIndexByte(v, '-'); i > 0 && o.ChecksumType == "COMPOSITE" {
					v = v[:i]
				}
				sums[a] = v
			}
			x.Checksum = &attrChecksumXML{checksumFields: newChecksumFields(sums), ChecksumType: o.ChecksumType}
		}
		if want["ObjectParts"] && a.Multipart {
			p := &objectPartsXML{PartsCount: a.PartsCount}
			// S3 lists the parts (as ListParts would) of an object with a
			// composite checksum only; of others it tells the count.
			if o.ChecksumType == "COMPOSITE" {
				trunc, mp, pm := a.Truncated, maxParts, marker
				p.IsTruncated, p.MaxParts, p.PartNumberMarker = &trunc, &mp, &pm
				next := marker
				for _, part := range a.Parts {
					p.Part = append(p.Part, attrPartXML{checksumFields: newChecksumFields(part.Checksums), PartNumber: part.PartNumber, Size: part.Size})
					next = part.PartNumber
				}
				p.NextPartNumberMarker = &next
			}
			x.ObjectParts = p
		}
		if want["StorageClass"] {
			x.StorageClass = "STANDARD"
		}
		if want["ObjectSize"] {
			size := o.Size
			x.ObjectSize = &size
		}
		resp := &response{xml: x}
		resp.set("Last-Modified", o.LastModified.UTC().Format(http.TimeFormat))
		setVersionID(resp, r.bucket, o.VersionID)
		return resp, nil
	}, nil
}
