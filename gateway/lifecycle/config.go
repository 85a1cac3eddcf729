package lifecycle

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dolium/dolium/gateway/internal/strictxml"
)

// Namespace is the S3 XML namespace of the documents this package writes.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// The limits of a configuration (AWS's).
const (
	MaxRules     = 1000
	MaxIDLength  = 255
	MaxPrefix    = 1024
	MaxNewer     = 100
	maxTagKey    = 128
	maxTagValue  = 256
	statusOn     = "Enabled"
	statusOff    = "Disabled"
	dateLayout   = "2006-01-02T15:04:05.000Z"
	headerLayout = "Mon, 02 Jan 2006 15:04:05 GMT"
)

// Configuration is a bucket's lifecycle configuration, in the shape of its
// XML document: optional elements are pointers, so that Marshal writes back
// what the client sent (a client such as Terraform compares what
// GetBucketLifecycleConfiguration returns with what it put).
type Configuration struct {
	XMLName xml.Name `xml:"LifecycleConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []Rule   `xml:"Rule"`
}

// Rule is one rule. Exactly one of Filter and Prefix (the legacy form of a
// prefix filter) is set.
type Rule struct {
	ID                             string                `xml:"ID"`
	Filter                         *Filter               `xml:"Filter"`
	Prefix                         *string               `xml:"Prefix"`
	Status                         string                `xml:"Status"`
	Expiration                     *Expiration           `xml:"Expiration"`
	NoncurrentVersionExpiration    *NoncurrentExpiration `xml:"NoncurrentVersionExpiration"`
	AbortIncompleteMultipartUpload *AbortUpload          `xml:"AbortIncompleteMultipartUpload"`

	// Transitions are only read, to refuse them (ErrTransition).
	Transitions           []struct{} `xml:"Transition"`
	NoncurrentTransitions []struct{} `xml:"NoncurrentVersionTransition"`
}

// Filter selects the objects of a rule: at most one of its fields is set
// (several predicates go in And); an empty Filter selects every object.
type Filter struct {
	Prefix                *string `xml:"Prefix"`
	Tag                   *Tag    `xml:"Tag"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan"`
	And                   *And    `xml:"And"`
}

// And is the conjunction of a prefix, tags and size bounds.
type And struct {
	Prefix                *string `xml:"Prefix"`
	Tags                  []Tag   `xml:"Tag"`
	ObjectSizeGreaterThan *int64  `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64  `xml:"ObjectSizeLessThan"`
}

// Tag is an object tag a filter requires (key and value both equal).
type Tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// Expiration expires current versions Days days after their creation or on
// Date, or (ExpiredObjectDeleteMarker) removes expired object delete
// markers.
type Expiration struct {
	Date                      *Date `xml:"Date"`
	Days                      *int  `xml:"Days"`
	ExpiredObjectDeleteMarker *bool `xml:"ExpiredObjectDeleteMarker"`
}

// NoncurrentExpiration deletes noncurrent versions NoncurrentDays days
// after they became noncurrent, keeping the NewerNoncurrentVersions newest
// noncurrent versions.
type NoncurrentExpiration struct {
	NoncurrentDays          *int `xml:"NoncurrentDays"`
	NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions"`
}

// AbortUpload aborts multipart uploads DaysAfterInitiation days after they
// were initiated.
type AbortUpload struct {
	DaysAfterInitiation *int `xml:"DaysAfterInitiation"`
}

// Date is an expiration date: midnight UTC. It is written as AWS writes it
// ("2012-12-31T00:00:00.000Z") and read from ISO 8601 (RFC 3339).
type Date struct{ time.Time }

// MarshalText writes the date as AWS does.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.UTC().Format(dateLayout)), nil }

// UnmarshalText reads an RFC 3339 date and time.
func (d *Date) UnmarshalText(b []byte) error {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	d.Time = t.UTC()
	return nil
}

var (
	tagSchema   = &strictxml.Element{Repeat: true, Children: map[string]*strictxml.Element{"Key": strictxml.Leaf, "Value": strictxml.Leaf}}
	transSchema = &strictxml.Element{Repeat: true, Children: map[string]*strictxml.Element{
		"Date": strictxml.Leaf, "Days": strictxml.Leaf, "StorageClass": strictxml.Leaf,
		"NoncurrentDays": strictxml.Leaf, "NewerNoncurrentVersions": strictxml.Leaf,
	}}
	configSchema = &strictxml.Element{Children: map[string]*strictxml.Element{
		"Rule": {Repeat: true, Children: map[string]*strictxml.Element{
			"ID": strictxml.Leaf,
			"Filter": {Children: map[string]*strictxml.Element{
				"Prefix": strictxml.Leaf, "Tag": {Children: tagSchema.Children},
				"ObjectSizeGreaterThan": strictxml.Leaf, "ObjectSizeLessThan": strictxml.Leaf,
				"And": {Children: map[string]*strictxml.Element{
					"Prefix": strictxml.Leaf, "Tag": tagSchema,
					"ObjectSizeGreaterThan": strictxml.Leaf, "ObjectSizeLessThan": strictxml.Leaf,
				}},
			}},
			"Prefix": strictxml.Leaf,
			"Status": strictxml.Leaf,
			"Expiration": {Children: map[string]*strictxml.Element{
				"Date": strictxml.Leaf, "Days": strictxml.Leaf, "ExpiredObjectDeleteMarker": strictxml.Leaf,
			}},
			"NoncurrentVersionExpiration": {Children: map[string]*strictxml.Element{
				"NoncurrentDays": strictxml.Leaf, "NewerNoncurrentVersions": strictxml.Leaf,
			}},
			"AbortIncompleteMultipartUpload": {Children: map[string]*strictxml.Element{"DaysAfterInitiation": strictxml.Leaf}},
			"Transition":                     transSchema,
			"NoncurrentVersionTransition":    transSchema,
		}},
	}}
)

// Parse parses and validates a PutBucketLifecycleConfiguration body as AWS
// does (the package documentation lists the errors). A rule without an ID
// gets a generated one, as on AWS; store Marshal's output, not the body, so
// that the ID stays.
func Parse(body []byte) (*Configuration, error) {
	if strictxml.Check(body, "LifecycleConfiguration", configSchema) != nil {
		return nil, ErrMalformedXML
	}
	var c Configuration
	if xml.Unmarshal(body, &c) != nil {
		return nil, ErrMalformedXML
	}
	c.Xmlns = ""
	if len(c.Rules) == 0 || len(c.Rules) > MaxRules {
		return nil, ErrMalformedXML
	}
	ids := map[string]bool{}
	for i := range c.Rules {
		r := &c.Rules[i]
		if err := r.validate(); err != nil {
			return nil, err
		}
		if r.ID == "" {
			r.ID = newID()
		}
		if ids[r.ID] {
			return nil, ErrDuplicateID
		}
		ids[r.ID] = true
	}
	return &c, nil
}

func (r *Rule) validate() error {
	if r.Status != statusOn && r.Status != statusOff {
		return ErrMalformedXML
	}
	if (r.Filter == nil) == (r.Prefix == nil) {
		return ErrMalformedXML
	}
	if utf8.RuneCountInString(r.ID) > MaxIDLength {
		return ErrIDTooLong
	}
	if len(r.Transitions) > 0 || len(r.NoncurrentTransitions) > 0 {
		return ErrTransition
	}
	if err := r.validateFilter(); err != nil {
		return err
	}
	tagged := len(r.tags()) > 0
	if r.Expiration == nil && r.NoncurrentVersionExpiration == nil && r.AbortIncompleteMultipartUpload == nil {
		return ErrNoAction
	}
	if e := r.Expiration; e != nil {
		n := 0
		for _, set := range []bool{e.Days != nil, e.Date != nil, e.ExpiredObjectDeleteMarker != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return ErrMalformedXML
		}
		switch {
		case e.Days != nil && *e.Days <= 0:
			return ErrExpirationDays
		case e.Date != nil && !e.Date.Equal(e.Date.Truncate(24*time.Hour)):
			return ErrExpirationDate
		case e.ExpiredObjectDeleteMarker != nil && *e.ExpiredObjectDeleteMarker && tagged:
			return ErrDeleteMarkerTags
		}
	}
	if n := r.NoncurrentVersionExpiration; n != nil {
		if n.NoncurrentDays == nil || *n.NoncurrentDays <= 0 {
			return ErrNoncurrentDays
		}
		if v := n.NewerNoncurrentVersions; v != nil && (*v < 1 || *v > MaxNewer) {
			return ErrNewerNoncurrent
		}
	}
	if a := r.AbortIncompleteMultipartUpload; a != nil {
		if a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0 {
			return ErrAbortDays
		}
		if tagged {
			return ErrAbortWithTags
		}
	}
	return nil
}

func (r *Rule) validateFilter() error {
	var prefix *string
	var tags []Tag
	var gt, lt *int64
	if r.Prefix != nil {
		prefix = r.Prefix
	} else {
		f := r.Filter
		n := 0
		for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.ObjectSizeGreaterThan != nil, f.ObjectSizeLessThan != nil, f.And != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return ErrMalformedXML
		}
		prefix, gt, lt = f.Prefix, f.ObjectSizeGreaterThan, f.ObjectSizeLessThan
		if f.Tag != nil {
			tags = []Tag{*f.Tag}
		}
		if a := f.And; a != nil {
			if a.Prefix == nil && len(a.Tags) == 0 && a.ObjectSizeGreaterThan == nil && a.ObjectSizeLessThan == nil {
				return ErrMalformedXML
			}
			prefix, tags, gt, lt = a.Prefix, a.Tags, a.ObjectSizeGreaterThan, a.ObjectSizeLessThan
		}
	}
	if prefix != nil && len(*prefix) > MaxPrefix {
		return ErrPrefixTooLong
	}
	keys := map[string]bool{}
	for _, t := range tags {
		if n := utf8.RuneCountInString(t.Key); n < 1 || n > maxTagKey {
			return ErrTagKey
		}
		if utf8.RuneCountInString(t.Value) > maxTagValue {
			return ErrTagValue
		}
		if keys[t.Key] {
			return ErrDuplicateTagKey
		}
		keys[t.Key] = true
	}
	if (gt != nil && *gt < 0) || (lt != nil && *lt < 0) {
		return ErrNegativeSize
	}
	if gt != nil && lt != nil && *gt >= *lt {
		return ErrSizeRange
	}
	return nil
}

// newID is a rule ID for a rule sent without one: like AWS's, the base64
// of a random UUID (48 characters).
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	u := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
	return base64.StdEncoding.EncodeToString([]byte(u))
}

// Marshal writes the configuration as GetBucketLifecycleConfiguration
// answers it. Parse of the result gives c back.
func (c *Configuration) Marshal() []byte {
	out := *c
	out.XMLName = xml.Name{Local: "LifecycleConfiguration"}
	out.Xmlns = Namespace
	b, err := xml.Marshal(out)
	if err != nil {
		// Every field marshals; an error is a bug here.
		panic("lifecycle: marshal: " + err.Error())
	}
	return append([]byte(xml.Header), b...)
}
