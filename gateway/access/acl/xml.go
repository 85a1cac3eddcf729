package acl

import (
	"encoding/xml"
	"strings"
)

// xmlns is the S3 document namespace; xsi the XML Schema instance one.
const (
	xmlns = "http://s3.amazonaws.com/doc/2006-03-01/"
	xsi   = "http://www.w3.org/2001/XMLSchema-instance"
)

// PolicyOwner is the Owner element of an AccessControlPolicy.
type PolicyOwner struct {
	ID          string `xml:"ID"`
	DisplayName string `xml:"DisplayName,omitempty"`
}

// PolicyGrantee is the Grantee element.
type PolicyGrantee struct {
	XSI          string `xml:"xmlns:xsi,attr,omitempty"`
	Type         string `xml:"xsi:type,attr"`
	ID           string `xml:"ID,omitempty"`
	DisplayName  string `xml:"DisplayName,omitempty"`
	URI          string `xml:"URI,omitempty"`
	EmailAddress string `xml:"EmailAddress,omitempty"`
}

// PolicyGrant is the Grant element.
type PolicyGrant struct {
	Grantee    PolicyGrantee `xml:"Grantee"`
	Permission string        `xml:"Permission"`
}

// Policy is the AccessControlPolicy document: GetBucketAcl's and
// GetObjectAcl's answer, and a PutBucketAcl or PutObjectAcl body.
type Policy struct {
	XMLName           xml.Name     `xml:"AccessControlPolicy"`
	Xmlns             string       `xml:"xmlns,attr,omitempty"`
	Owner             *PolicyOwner `xml:"Owner"`
	AccessControlList struct {
		Grant []PolicyGrant `xml:"Grant"`
	} `xml:"AccessControlList"`
}

// Document is a as the AccessControlPolicy S3 answers. A canonical id's
// display name is the id itself.
func (a ACL) Document() Policy {
	p := Policy{Xmlns: xmlns, Owner: &PolicyOwner{ID: a.Owner, DisplayName: a.Owner}}
	p.AccessControlList.Grant = []PolicyGrant{}
	for _, g := range a.Grants {
		pg := PolicyGrant{Grantee: PolicyGrantee{XSI: xsi, Type: g.Grantee.Type}, Permission: string(g.Permission)}
		if g.Grantee.Type == CanonicalUser {
			pg.Grantee.ID, pg.Grantee.DisplayName = g.Grantee.ID, g.Grantee.ID
		} else {
			pg.Grantee.URI = g.Grantee.URI
		}
		p.AccessControlList.Grant = append(p.AccessControlList.Grant, pg)
	}
	return p
}

// parsed is what ParseXML reads: the type attribute is matched in any
// namespace (xsi:type).
type parsed struct {
	XMLName xml.Name
	Owner   *struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	AccessControlList *struct {
		Grant []struct {
			Grantee *struct {
				Type         string `xml:"type,attr"`
				ID           string `xml:"ID"`
				URI          string `xml:"URI"`
				EmailAddress string `xml:"EmailAddress"`
			} `xml:"Grantee"`
			Permission string `xml:"Permission"`
		} `xml:"Grant"`
	} `xml:"AccessControlList"`
}

var errMalformed = errf("MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")

// ParseXML reads an AccessControlPolicy body. owner is the Owner ID it
// names ("" when it names none). A document that is not well formed, not
// an AccessControlPolicy, or has a grant without a grantee type or with an
// unknown permission is MalformedACLError; an unknown group is
// InvalidArgument; an e-mail grantee UnresolvableGrantByEmailAddress.
func ParseXML(body []byte) (a ACL, err error) {
	var p parsed
	if err := xml.Unmarshal(body, &p); err != nil || p.XMLName.Local != "AccessControlPolicy" || p.AccessControlList == nil {
		return ACL{}, errMalformed
	}
	if p.Owner != nil {
		a.Owner = strings.TrimSpace(p.Owner.ID)
	}
	for _, g := range p.AccessControlList.Grant {
		perm := Permission(strings.TrimSpace(g.Permission))
		if g.Grantee == nil || !perm.Valid() {
			return ACL{}, errMalformed
		}
		switch gr := g.Grantee; gr.Type {
		case CanonicalUser:
			id := strings.TrimSpace(gr.ID)
			if id == "" {
				return ACL{}, errf("InvalidArgument", "Invalid id")
			}
			a.Grants = append(a.Grants, UserGrant(id, perm))
		case Group:
			uri := strings.TrimSpace(gr.URI)
			if !knownGroup(uri) {
				return ACL{}, errf("InvalidArgument", "Invalid group uri")
			}
			a.Grants = append(a.Grants, GroupGrant(uri, perm))
		case "AmazonCustomerByEmail":
			return ACL{}, errUnresolvableEmail
		default:
			return ACL{}, errMalformed
		}
	}
	return a, nil
}
