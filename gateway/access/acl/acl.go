package acl

import (
	"encoding/json"
	"slices"
	"strings"
)

// Permission is what a grant gives.
type Permission string

// The permissions of an ACL grant.
const (
	Read        Permission = "READ"
	Write       Permission = "WRITE"
	ReadACP     Permission = "READ_ACP"
	WriteACP    Permission = "WRITE_ACP"
	FullControl Permission = "FULL_CONTROL"
)

// Valid reports whether p is one of the five permissions.
func (p Permission) Valid() bool {
	switch p {
	case Read, Write, ReadACP, WriteACP, FullControl:
		return true
	}
	return false
}

// The predefined groups' URIs.
const (
	AllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	LogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// Grantee types, as the XML's xsi:type names them.
const (
	CanonicalUser = "CanonicalUser"
	Group         = "Group"
)

// Grantee is who a grant is to: a canonical user by ID, or a Group by URI.
type Grantee struct {
	Type string `json:"t"`
	ID   string `json:"id,omitempty"`
	URI  string `json:"uri,omitempty"`
}

// Public reports whether the grantee is a group of everyone (AllUsers) or
// of every signed request (AuthenticatedUsers): what S3 calls a public
// grant.
func (g Grantee) Public() bool {
	return g.Type == Group && (g.URI == AllUsers || g.URI == AuthenticatedUsers)
}

// Grant is one entry of an ACL.
type Grant struct {
	Grantee    Grantee    `json:"g"`
	Permission Permission `json:"p"`
}

// ACL is an access control list: its owner's canonical id and its grants.
type ACL struct {
	Owner  string  `json:"o"`
	Grants []Grant `json:"gs"`
}

// UserGrant is a grant of p to the canonical user id.
func UserGrant(id string, p Permission) Grant {
	return Grant{Grantee: Grantee{Type: CanonicalUser, ID: id}, Permission: p}
}

// GroupGrant is a grant of p to the group uri.
func GroupGrant(uri string, p Permission) Grant {
	return Grant{Grantee: Grantee{Type: Group, URI: uri}, Permission: p}
}

// Private is the default ACL: the owner has full control, nobody else
// anything.
func Private(owner string) ACL {
	return ACL{Owner: owner, Grants: []Grant{UserGrant(owner, FullControl)}}
}

// Public reports whether a grants anything to AllUsers or
// AuthenticatedUsers.
func (a ACL) Public() bool {
	return slices.ContainsFunc(a.Grants, func(g Grant) bool { return g.Grantee.Public() })
}

// OnlyOwner reports whether a grants nothing to anyone but its owner
// (what BucketOwnerEnforced requires of a bucket's ACL).
func (a ACL) OnlyOwner() bool {
	for _, g := range a.Grants {
		if g.Grantee.Type != CanonicalUser || g.Grantee.ID != a.Owner {
			return false
		}
	}
	return true
}

// Requester is who asks, as an ACL sees it: the ids a grant may name it
// by (none for an anonymous request).
type Requester struct {
	IDs []string
}

func (r Requester) is(id string) bool {
	for _, x := range r.IDs {
		if x != "" && x == id {
			return true
		}
	}
	return false
}

// Allows reports whether a grants p to r: a grant of p or FULL_CONTROL to
// r's canonical id, to AllUsers, or (r signed) to AuthenticatedUsers.
// ignorePublic drops the grants to those two groups (IgnorePublicAcls).
func (a ACL) Allows(r Requester, p Permission, ignorePublic bool) bool {
	for _, g := range a.Grants {
		if g.Permission != p && g.Permission != FullControl {
			continue
		}
		switch {
		case g.Grantee.Public() && ignorePublic:
		case g.Grantee.Type == CanonicalUser:
			if r.is(g.Grantee.ID) {
				return true
			}
		case g.Grantee.Type == Group && g.Grantee.URI == AllUsers:
			return true
		case g.Grantee.Type == Group && g.Grantee.URI == AuthenticatedUsers:
			if len(r.IDs) > 0 {
				return true
			}
		}
	}
	return false
}

// Encode is a's stored form (compact JSON).
func (a ACL) Encode() []byte {
	b, _ := json.Marshal(a)
	return b
}

// Decode reads what Encode wrote.
func Decode(b []byte) (ACL, error) {
	var a ACL
	err := json.Unmarshal(b, &a)
	return a, err
}

// Scope is what an action's permission is looked up on.
type Scope uint8

const (
	// OnBucket: the bucket's ACL.
	OnBucket Scope = iota + 1
	// OnObject: the object's ACL.
	OnObject
)

// needed is the S3 User Guide's table of what each ACL permission allows.
var needed = map[string]struct {
	p Permission
	s Scope
}{
	"s3:ListBucket":                 {Read, OnBucket},
	"s3:ListBucketVersions":         {Read, OnBucket},
	"s3:ListBucketMultipartUploads": {Read, OnBucket},
	"s3:PutObject":                  {Write, OnBucket},
	"s3:DeleteObject":               {Write, OnBucket},
	"s3:GetBucketAcl":               {ReadACP, OnBucket},
	"s3:PutBucketAcl":               {WriteACP, OnBucket},
	"s3:GetObject":                  {Read, OnObject},
	"s3:GetObjectVersion":           {Read, OnObject},
	"s3:GetObjectAcl":               {ReadACP, OnObject},
	"s3:GetObjectVersionAcl":        {ReadACP, OnObject},
	"s3:PutObjectAcl":               {WriteACP, OnObject},
	"s3:PutObjectVersionAcl":        {WriteACP, OnObject},
}

// Needed returns the permission an ACL must grant for action (an IAM
// action name, "s3:GetObject"), and whose ACL: ok is false for actions no
// ACL grants (everything else is the owner's or a policy's).
func Needed(action string) (p Permission, s Scope, ok bool) {
	n, ok := needed[action]
	return n.p, n.s, ok
}

// Error is a refused ACL request: AWS's code and message.
type Error struct {
	Code, Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errf(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// The canned ACLs.
const (
	CannedPrivate                = "private"
	CannedPublicRead             = "public-read"
	CannedPublicReadWrite        = "public-read-write"
	CannedAuthenticatedRead      = "authenticated-read"
	CannedBucketOwnerRead        = "bucket-owner-read"
	CannedBucketOwnerFullControl = "bucket-owner-full-control"
	// CannedLogDeliveryWrite is accepted on buckets (it grants the
	// LogDelivery group, which dolium has no use for).
	CannedLogDeliveryWrite = "log-delivery-write"
)

// Canned returns the ACL a canned ACL name stands for, owned by owner.
// bucketOwner is the bucket's owner for an object's ACL ("" for a
// bucket's: bucket-owner-* then grant the owner alone, as S3 does). An
// unknown name is InvalidArgument.
func Canned(name, owner, bucketOwner string) (ACL, error) {
	a := Private(owner)
	switch name {
	case CannedPrivate:
	case CannedPublicRead:
		a.Grants = append(a.Grants, GroupGrant(AllUsers, Read))
	case CannedPublicReadWrite:
		a.Grants = append(a.Grants, GroupGrant(AllUsers, Read), GroupGrant(AllUsers, Write))
	case CannedAuthenticatedRead:
		a.Grants = append(a.Grants, GroupGrant(AuthenticatedUsers, Read))
	case CannedBucketOwnerRead:
		if bucketOwner != "" && bucketOwner != owner {
			a.Grants = append(a.Grants, UserGrant(bucketOwner, Read))
		}
	case CannedBucketOwnerFullControl:
		if bucketOwner != "" && bucketOwner != owner {
			a.Grants = append(a.Grants, UserGrant(bucketOwner, FullControl))
		}
	case CannedLogDeliveryWrite:
		a.Grants = append(a.Grants, GroupGrant(LogDelivery, Write), GroupGrant(LogDelivery, ReadACP))
	default:
		return ACL{}, errf("InvalidArgument", "")
	}
	return a, nil
}

// GrantHeaders are the request headers that grant, by permission.
var GrantHeaders = []struct {
	Header     string
	Permission Permission
}{
	{"X-Amz-Grant-Read", Read},
	{"X-Amz-Grant-Write", Write},
	{"X-Amz-Grant-Read-Acp", ReadACP},
	{"X-Amz-Grant-Write-Acp", WriteACP},
	{"X-Amz-Grant-Full-Control", FullControl},
}

// ParseGrantHeaders reads the x-amz-grant-* headers through get (an
// http.Header's Get) into grants; found is false when none was sent. Each
// header is a comma-separated list of id="canonical-id", uri="group-uri"
// or emailAddress="..." (UnresolvableGrantByEmailAddress: dolium keeps no
// e-mail addresses); anything else is InvalidArgument.
func ParseGrantHeaders(get func(string) string) (grants []Grant, found bool, err error) {
	for _, h := range GrantHeaders {
		v := get(h.Header)
		if v == "" {
			continue
		}
		found = true
		for _, item := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(item), "=")
			val = strings.TrimSpace(val)
			if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
				val = val[1 : len(val)-1]
			}
			if !ok || val == "" {
				return nil, true, errf("InvalidArgument", "Argument format not recognized")
			}
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "id":
				grants = append(grants, UserGrant(val, h.Permission))
			case "uri":
				if !knownGroup(val) {
					return nil, true, errf("InvalidArgument", "Invalid group uri")
				}
				grants = append(grants, GroupGrant(val, h.Permission))
			case "emailaddress":
				return nil, true, errUnresolvableEmail
			default:
				return nil, true, errf("InvalidArgument", "Argument format not recognized")
			}
		}
	}
	return grants, found, nil
}

var errUnresolvableEmail = errf("UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.")

func knownGroup(uri string) bool {
	return uri == AllUsers || uri == AuthenticatedUsers || uri == LogDelivery
}
