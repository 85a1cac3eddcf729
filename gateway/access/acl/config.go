package acl

import (
	"encoding/xml"
	"strings"
)

// The object ownership settings (PutBucketOwnershipControls).
const (
	// BucketOwnerEnforced: ACLs are disabled; the bucket's owner owns
	// every object and only ACLs that grant nothing else are accepted.
	BucketOwnerEnforced = "BucketOwnerEnforced"
	// BucketOwnerPreferred: an object written with the
	// bucket-owner-full-control canned ACL is owned by the bucket's owner.
	BucketOwnerPreferred = "BucketOwnerPreferred"
	// ObjectWriter: the writer owns what it writes (the default of a
	// bucket without ownership controls).
	ObjectWriter = "ObjectWriter"
)

// OwnershipControls is the OwnershipControls document.
type OwnershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rule    []struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}

var errMalformedXML = errf("MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")

// ParseOwnership reads an OwnershipControls body: exactly one rule naming
// one of the three settings, else MalformedXML.
func ParseOwnership(body []byte) (string, error) {
	var c OwnershipControls
	if err := xml.Unmarshal(body, &c); err != nil || len(c.Rule) != 1 {
		return "", errMalformedXML
	}
	switch v := strings.TrimSpace(c.Rule[0].ObjectOwnership); v {
	case BucketOwnerEnforced, BucketOwnerPreferred, ObjectWriter:
		return v, nil
	}
	return "", errMalformedXML
}

// OwnershipDocument is the OwnershipControls document of setting.
func OwnershipDocument(setting string) OwnershipControls {
	c := OwnershipControls{Xmlns: xmlns}
	c.Rule = append(c.Rule, struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	}{setting})
	return c
}

// PublicAccessBlock is the PublicAccessBlockConfiguration document and
// its four settings (absent ones are false).
type PublicAccessBlock struct {
	XMLName xml.Name `xml:"PublicAccessBlockConfiguration" json:"-"`
	Xmlns   string   `xml:"xmlns,attr,omitempty" json:"-"`
	// BlockPublicAcls refuses (AccessDenied) a request that sets a public
	// ACL: a canned ACL or grants to AllUsers or AuthenticatedUsers.
	BlockPublicAcls bool
	// IgnorePublicAcls: public grants allow nothing.
	IgnorePublicAcls bool
	// BlockPublicPolicy refuses (AccessDenied) a public bucket policy.
	BlockPublicPolicy bool
	// RestrictPublicBuckets: a public policy's allows count only for the
	// bucket owner's account (not for anonymous or other tenants).
	RestrictPublicBuckets bool
}

// ParsePublicAccessBlock reads a PublicAccessBlockConfiguration body
// (MalformedXML when it is not one).
func ParsePublicAccessBlock(body []byte) (PublicAccessBlock, error) {
	var c PublicAccessBlock
	if err := xml.Unmarshal(body, &c); err != nil || c.XMLName.Local != "PublicAccessBlockConfiguration" {
		return PublicAccessBlock{}, errMalformedXML
	}
	c.XMLName, c.Xmlns = xml.Name{}, ""
	return c, nil
}

// Document is c as S3 answers it.
func (c PublicAccessBlock) Document() PublicAccessBlock {
	c.Xmlns = xmlns
	return c
}
