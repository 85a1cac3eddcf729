package acl

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

func TestCanned(t *testing.T) {
	for _, tt := range []struct {
		name, owner, bucketOwner string
		want                     []Grant
		err                      string
	}{
		{name: "private", owner: "a", want: []Grant{UserGrant("a", FullControl)}},
		{name: "public-read", owner: "a", want: []Grant{UserGrant("a", FullControl), GroupGrant(AllUsers, Read)}},
		{name: "public-read-write", owner: "a", want: []Grant{UserGrant("a", FullControl), GroupGrant(AllUsers, Read), GroupGrant(AllUsers, Write)}},
		{name: "authenticated-read", owner: "a", want: []Grant{UserGrant("a", FullControl), GroupGrant(AuthenticatedUsers, Read)}},
		{name: "bucket-owner-read", owner: "a", bucketOwner: "b", want: []Grant{UserGrant("a", FullControl), UserGrant("b", Read)}},
		{name: "bucket-owner-full-control", owner: "a", bucketOwner: "b", want: []Grant{UserGrant("a", FullControl), UserGrant("b", FullControl)}},
		{name: "bucket-owner-full-control", owner: "a", bucketOwner: "a", want: []Grant{UserGrant("a", FullControl)}},
		{name: "bucket-owner-read", owner: "a", want: []Grant{UserGrant("a", FullControl)}},
		{name: "public", owner: "a", err: "InvalidArgument"},
	} {
		a, err := Canned(tt.name, tt.owner, tt.bucketOwner)
		if tt.err != "" {
			if e, ok := err.(*Error); !ok || e.Code != tt.err {
				t.Errorf("Canned(%s) error %v, want %s", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil || a.Owner != tt.owner || !equalGrants(a.Grants, tt.want) {
			t.Errorf("Canned(%s, %s, %s) = %+v, %v; want %+v", tt.name, tt.owner, tt.bucketOwner, a, err, tt.want)
		}
	}
}

func equalGrants(a, b []Grant) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestGrantHeaders(t *testing.T) {
	for _, tt := range []struct {
		h    map[string]string
		want []Grant
		err  string
	}{
		{h: map[string]string{}, want: nil},
		{h: map[string]string{"X-Amz-Grant-Read": `id="alt"`}, want: []Grant{UserGrant("alt", Read)}},
		{h: map[string]string{"X-Amz-Grant-Read": `id=alt, uri="http://acs.amazonaws.com/groups/global/AllUsers"`},
			want: []Grant{UserGrant("alt", Read), GroupGrant(AllUsers, Read)}},
		{h: map[string]string{"X-Amz-Grant-Full-Control": `id="x"`, "X-Amz-Grant-Write-Acp": `ID="y"`},
			want: []Grant{UserGrant("y", WriteACP), UserGrant("x", FullControl)}},
		{h: map[string]string{"X-Amz-Grant-Write": `uri="http://example.com/group"`}, err: "InvalidArgument"},
		{h: map[string]string{"X-Amz-Grant-Write": `alt`}, err: "InvalidArgument"},
		{h: map[string]string{"X-Amz-Grant-Write": `name="alt"`}, err: "InvalidArgument"},
		{h: map[string]string{"X-Amz-Grant-Write": `id=""`}, err: "InvalidArgument"},
		{h: map[string]string{"X-Amz-Grant-Read-Acp": `emailAddress="a@example.com"`}, err: "UnresolvableGrantByEmailAddress"},
	} {
		h := http.Header{}
		for k, v := range tt.h {
			h.Set(k, v)
		}
		got, found, err := ParseGrantHeaders(h.Get)
		if tt.err != "" {
			if e, ok := err.(*Error); !ok || e.Code != tt.err {
				t.Errorf("ParseGrantHeaders(%v) error %v, want %s", tt.h, err, tt.err)
			}
			continue
		}
		if err != nil || found != (len(tt.h) > 0) || !equalGrants(got, tt.want) {
			t.Errorf("ParseGrantHeaders(%v) = %+v, %v, %v; want %+v", tt.h, got, found, err, tt.want)
		}
	}
}

func TestAllows(t *testing.T) {
	pub, _ := Canned("public-read", "o", "")
	auth, _ := Canned("authenticated-read", "o", "")
	alt := ACL{Owner: "o", Grants: []Grant{UserGrant("o", FullControl), UserGrant("alt", Write), UserGrant("full", FullControl)}}
	anon, altR, other, owner := Requester{}, Requester{IDs: []string{"alt"}}, Requester{IDs: []string{"other"}}, Requester{IDs: []string{"o"}}
	for _, tt := range []struct {
		name   string
		a      ACL
		r      Requester
		p      Permission
		ignore bool
		want   bool
	}{
		{"owner full control reads", pub, owner, Read, false, true},
		{"owner full control writes acp", pub, owner, WriteACP, false, true},
		{"public-read: anonymous reads", pub, anon, Read, false, true},
		{"public-read: anonymous does not write", pub, anon, Write, false, false},
		{"public-read ignored", pub, anon, Read, true, false},
		{"owner kept when public ignored", pub, owner, Read, true, true},
		{"authenticated-read: anonymous refused", auth, anon, Read, false, false},
		{"authenticated-read: any tenant reads", auth, other, Read, false, true},
		{"authenticated-read ignored", auth, other, Read, true, false},
		{"grant to alt: alt writes", alt, altR, Write, false, true},
		{"grant to alt: alt does not read", alt, altR, Read, false, false},
		{"grant to alt: others do not write", alt, other, Write, false, false},
		{"full control covers read_acp", alt, Requester{IDs: []string{"full"}}, ReadACP, false, true},
		{"anonymous matches no user grant", ACL{Grants: []Grant{UserGrant("", Read)}}, anon, Read, false, false},
	} {
		if got := tt.a.Allows(tt.r, tt.p, tt.ignore); got != tt.want {
			t.Errorf("%s: Allows = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !pub.Public() || !auth.Public() || alt.Public() {
		t.Error("Public: want public-read and authenticated-read public, user grants not")
	}
}

func TestNeeded(t *testing.T) {
	for _, tt := range []struct {
		action string
		p      Permission
		s      Scope
		ok     bool
	}{
		{"s3:ListBucket", Read, OnBucket, true},
		{"s3:ListBucketVersions", Read, OnBucket, true},
		{"s3:ListBucketMultipartUploads", Read, OnBucket, true},
		{"s3:PutObject", Write, OnBucket, true},
		{"s3:DeleteObject", Write, OnBucket, true},
		{"s3:GetObject", Read, OnObject, true},
		{"s3:GetObjectVersion", Read, OnObject, true},
		{"s3:GetBucketAcl", ReadACP, OnBucket, true},
		{"s3:PutBucketAcl", WriteACP, OnBucket, true},
		{"s3:GetObjectAcl", ReadACP, OnObject, true},
		{"s3:PutObjectAcl", WriteACP, OnObject, true},
		{"s3:DeleteBucket", "", 0, false},
		{"s3:PutBucketPolicy", "", 0, false},
		{"s3:PutObjectRetention", "", 0, false},
	} {
		p, s, ok := Needed(tt.action)
		if p != tt.p || s != tt.s || ok != tt.ok {
			t.Errorf("Needed(%s) = %s %d %v, want %s %d %v", tt.action, p, s, ok, tt.p, tt.s, tt.ok)
		}
	}
}

func TestXML(t *testing.T) {
	a := ACL{Owner: "o", Grants: []Grant{UserGrant("o", FullControl), GroupGrant(AllUsers, Read), UserGrant("alt", WriteACP)}}
	b, err := xml.Marshal(a.Document())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`xsi:type="CanonicalUser"`, `xsi:type="Group"`, `<URI>` + AllUsers + `</URI>`, `<ID>alt</ID>`, `<Owner><ID>o</ID>`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Document XML %s lacks %s", b, want)
		}
	}
	got, err := ParseXML(b)
	if err != nil || got.Owner != "o" || !equalGrants(got.Grants, a.Grants) {
		t.Errorf("ParseXML(Document) = %+v, %v; want %+v", got, err, a)
	}
	dec, err := Decode(a.Encode())
	if err != nil || dec.Owner != a.Owner || !equalGrants(dec.Grants, a.Grants) {
		t.Errorf("Decode(Encode) = %+v, %v", dec, err)
	}
	const head = `<AccessControlPolicy xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>o</ID></Owner><AccessControlList>`
	const tail = `</AccessControlList></AccessControlPolicy>`
	grant := func(typ, inner, perm string) string {
		return `<Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="` + typ + `">` + inner + `</Grantee><Permission>` + perm + `</Permission></Grant>`
	}
	for _, tt := range []struct{ name, doc, err string }{
		{"not XML", `<AccessControlPolicy`, "MalformedACLError"},
		{"another root", `<Policy/>`, "MalformedACLError"},
		{"no list", `<AccessControlPolicy><Owner><ID>o</ID></Owner></AccessControlPolicy>`, "MalformedACLError"},
		{"bad permission", head + grant("CanonicalUser", "<ID>x</ID>", "ALL") + tail, "MalformedACLError"},
		{"no type", head + `<Grant><Grantee><ID>x</ID></Grantee><Permission>READ</Permission></Grant>` + tail, "MalformedACLError"},
		{"unknown group", head + grant("Group", "<URI>http://example.com/g</URI>", "READ") + tail, "InvalidArgument"},
		{"user without id", head + grant("CanonicalUser", "", "READ") + tail, "InvalidArgument"},
		{"email", head + grant("AmazonCustomerByEmail", "<EmailAddress>a@example.com</EmailAddress>", "READ") + tail, "UnresolvableGrantByEmailAddress"},
		{"ok", head + grant("Group", "<URI>"+AuthenticatedUsers+"</URI>", "READ") + tail, ""},
		{"empty list", head + tail, ""},
	} {
		_, err := ParseXML([]byte(tt.doc))
		if tt.err == "" {
			if err != nil {
				t.Errorf("%s: ParseXML error %v", tt.name, err)
			}
			continue
		}
		if e, ok := err.(*Error); !ok || e.Code != tt.err {
			t.Errorf("%s: ParseXML error %v, want %s", tt.name, err, tt.err)
		}
	}
}

func TestConfigs(t *testing.T) {
	for doc, want := range map[string]string{
		`<OwnershipControls><Rule><ObjectOwnership>BucketOwnerEnforced</ObjectOwnership></Rule></OwnershipControls>`: BucketOwnerEnforced,
		`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`:        ObjectWriter,
		`<OwnershipControls><Rule><ObjectOwnership>Someone</ObjectOwnership></Rule></OwnershipControls>`:             "",
		`<OwnershipControls></OwnershipControls>`:                                                                    "",
		`<OwnershipControls`: "",
	} {
		got, err := ParseOwnership([]byte(doc))
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ParseOwnership(%s) = %q, %v; want %q", doc, got, err, want)
		}
	}
	c, err := ParsePublicAccessBlock([]byte(`<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls><RestrictPublicBuckets>true</RestrictPublicBuckets></PublicAccessBlockConfiguration>`))
	if err != nil || !c.BlockPublicAcls || c.IgnorePublicAcls || c.BlockPublicPolicy || !c.RestrictPublicBuckets {
		t.Errorf("ParsePublicAccessBlock = %+v, %v", c, err)
	}
	if _, err := ParsePublicAccessBlock([]byte(`<Other/>`)); err == nil {
		t.Error("ParsePublicAccessBlock of another document: no error")
	}
}
