package policy

import (
	"errors"
	"testing"
)

// The examples of the S3 User Guide's "Examples of Amazon S3 bucket
// policies", with the bucket named "bkt" and the account 111122223333.
const (
	publicRead = `{"Version":"2012-10-17","Statement":[{"Sid":"PublicRead","Effect":"Allow","Principal":"*",
		"Action":["s3:GetObject","s3:GetObjectVersion"],"Resource":["arn:aws:s3:::bkt/*"]}]}`
	ipRestrict = `{"Version":"2012-10-17","Id":"S3PolicyId1","Statement":[{"Sid":"IPAllow","Effect":"Deny","Principal":"*","Action":"s3:*",
		"Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"],"Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`
	httpsOnly = `{"Version":"2012-10-17","Statement":[{"Sid":"AllowSSLRequestsOnly","Action":"s3:*","Effect":"Deny",
		"Resource":["arn:aws:s3:::bkt","arn:aws:s3:::bkt/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Principal":"*"}]}`
	homeDirs = `{"Version":"2012-10-17","Statement":[
		{"Sid":"ListHome","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/alice"},"Action":"s3:ListBucket",
		 "Resource":"arn:aws:s3:::bkt","Condition":{"StringLike":{"s3:prefix":["home/${aws:username}/*","home/${aws:username}"]}}},
		{"Sid":"RWHome","Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:user/alice"]},"Action":["s3:GetObject","s3:PutObject"],
		 "Resource":"arn:aws:s3:::bkt/home/${aws:username}/*"}]}`
	referer = `{"Version":"2012-10-17","Statement":[{"Sid":"Referer","Effect":"Allow","Principal":"*","Action":"s3:GetObject",
		"Resource":"arn:aws:s3:::bkt/*","Condition":{"StringLike":{"aws:Referer":["https://www.example.com/*","https://example.com/*"]}}}]}`
	ownerACL = `{"Version":"2012-10-17","Statement":[{"Sid":"CrossAccount","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:root"},
		"Action":"s3:PutObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringEquals":{"s3:x-amz-acl":"bucket-owner-full-control"}}}]}`
	timeBox = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*",
		"Condition":{"DateLessThan":{"aws:CurrentTime":"2030-01-01T00:00:00Z"},"NumericLessThanEquals":{"s3:max-keys":"10"}}}]}`
	notAction = `{"Statement":{"Effect":"Deny","Principal":{"AWS":"*"},"NotAction":["s3:Get*","s3:List*"],"Resource":"arn:aws:s3:::bkt*"}}`
)

func mustParse(t *testing.T, doc string) *Policy {
	t.Helper()
	p, err := Parse([]byte(doc), "bkt")
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, doc)
	}
	return p
}

func TestEvaluate(t *testing.T) {
	alice := []string{"arn:aws:iam::111122223333:user/alice", "111122223333"}
	other := []string{"arn:aws:iam::444455556666:root", "444455556666"}
	obj := func(k string) string { return ResourceARN("bkt", k, true) }
	bkt := ResourceARN("bkt", "", false)
	c := func(kv ...string) map[string][]string {
		m := map[string][]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = append(m[kv[i]], kv[i+1])
		}
		return m
	}
	tests := []struct {
		name   string
		policy string
		r      Request
		want   Effect
	}{
		{"public read: anonymous GetObject", publicRead, Request{Anonymous: true, Action: "s3:GetObject", Resource: obj("a/b")}, Allowed},
		{"public read: anonymous version read", publicRead, Request{Anonymous: true, Action: "s3:GetObjectVersion", Resource: obj("x")}, Allowed},
		{"public read: no PutObject", publicRead, Request{Anonymous: true, Action: "s3:PutObject", Resource: obj("x")}, Neither},
		{"public read: no listing", publicRead, Request{Anonymous: true, Action: "s3:ListBucket", Resource: bkt}, Neither},
		{"public read: action case", publicRead, Request{Anonymous: true, Action: "S3:getobject", Resource: obj("x")}, Allowed},
		{"ip: inside the range", ipRestrict, Request{Principals: alice, Action: "s3:GetObject", Resource: obj("k"), Conditions: c("aws:sourceip", "192.0.2.9")}, Neither},
		{"ip: outside", ipRestrict, Request{Principals: alice, Action: "s3:GetObject", Resource: obj("k"), Conditions: c("aws:sourceip", "198.51.100.1")}, Denied},
		{"ip: on the bucket", ipRestrict, Request{Principals: alice, Action: "s3:ListBucket", Resource: bkt, Conditions: c("aws:sourceip", "198.51.100.1")}, Denied},
		{"ip: no source address (NotIpAddress holds)", ipRestrict, Request{Principals: alice, Action: "s3:GetObject", Resource: obj("k")}, Denied},
		{"https only: plain HTTP", httpsOnly, Request{Principals: alice, Action: "s3:PutObject", Resource: obj("k"), Conditions: c("aws:securetransport", "false")}, Denied},
		{"https only: TLS", httpsOnly, Request{Principals: alice, Action: "s3:PutObject", Resource: obj("k"), Conditions: c("aws:securetransport", "true")}, Neither},
		{"home: list own prefix", homeDirs, Request{Principals: alice, Action: "s3:ListBucket", Resource: bkt, Conditions: c("aws:username", "alice", "s3:prefix", "home/alice/docs")}, Allowed},
		{"home: list another's", homeDirs, Request{Principals: alice, Action: "s3:ListBucket", Resource: bkt, Conditions: c("aws:username", "alice", "s3:prefix", "home/bob/")}, Neither},
		{"home: list without prefix", homeDirs, Request{Principals: alice, Action: "s3:ListBucket", Resource: bkt, Conditions: c("aws:username", "alice")}, Neither},
		{"home: put own", homeDirs, Request{Principals: alice, Action: "s3:PutObject", Resource: obj("home/alice/f"), Conditions: c("aws:username", "alice")}, Allowed},
		{"home: put another's", homeDirs, Request{Principals: alice, Action: "s3:PutObject", Resource: obj("home/bob/f"), Conditions: c("aws:username", "alice")}, Neither},
		{"home: another principal", homeDirs, Request{Principals: other, Action: "s3:PutObject", Resource: obj("home/alice/f"), Conditions: c("aws:username", "alice")}, Neither},
		{"home: no username", homeDirs, Request{Principals: alice, Action: "s3:PutObject", Resource: obj("home/alice/f")}, Neither},
		{"referer: from the site", referer, Request{Anonymous: true, Action: "s3:GetObject", Resource: obj("i.png"), Conditions: c("aws:referer", "https://www.example.com/page")}, Allowed},
		{"referer: elsewhere", referer, Request{Anonymous: true, Action: "s3:GetObject", Resource: obj("i.png"), Conditions: c("aws:referer", "https://evil.example/")}, Neither},
		{"referer: none", referer, Request{Anonymous: true, Action: "s3:GetObject", Resource: obj("i.png")}, Neither},
		{"cross account with the ACL", ownerACL, Request{Principals: other, Action: "s3:PutObject", Resource: obj("k"), Conditions: c("s3:x-amz-acl", "bucket-owner-full-control")}, Allowed},
		{"cross account without", ownerACL, Request{Principals: other, Action: "s3:PutObject", Resource: obj("k"), Conditions: c("s3:x-amz-acl", "private")}, Neither},
		{"cross account: not the account named", ownerACL, Request{Principals: alice, Action: "s3:PutObject", Resource: obj("k"), Conditions: c("s3:x-amz-acl", "bucket-owner-full-control")}, Neither},
		{"time and max-keys hold", timeBox, Request{Anonymous: true, Action: "s3:GetObject", Resource: obj("k"), Conditions: c("aws:currenttime", "2029-06-01T00:00:00Z", "s3:max-keys", "5")}, Allowed},
		{"too late", timeBox, Request{Anonymous: true, Action: "s3:GetObject", Resource: obj("k"), Conditions: c("aws:currenttime", "2031-06-01T00:00:00Z", "s3:max-keys", "5")}, Neither},
		{"too many keys", timeBox, Request{Anonymous: true, Action: "s3:GetObject", Resource: obj("k"), Conditions: c("aws:currenttime", "2029-06-01T00:00:00Z", "s3:max-keys", "50")}, Neither},
		{"NotAction: a write denied", notAction, Request{Principals: alice, Action: "s3:DeleteObject", Resource: obj("k")}, Denied},
		{"NotAction: a read not", notAction, Request{Principals: alice, Action: "s3:GetObject", Resource: obj("k")}, Neither},
		{"NotAction: the bucket itself", notAction, Request{Principals: alice, Action: "s3:DeleteBucket", Resource: bkt}, Denied},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustParse(t, tc.policy).Evaluate(tc.r); got != tc.want {
				t.Errorf("Evaluate(%+v) = %v, want %v", tc.r, got, tc.want)
			}
		})
	}
	if (*Policy)(nil).Evaluate(Request{Action: "s3:GetObject"}) != Neither {
		t.Error("a nil policy says something")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		want      *Error
	}{
		{"not JSON", `{"Statement": [`, ErrSyntax},
		{"unknown field", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Foo":1}]}`, ErrSyntax},
		{"no statement", `{"Version":"2012-10-17"}`, ErrNoStatement},
		{"empty statement list", `{"Statement":[]}`, ErrNoStatement},
		{"bad version", `{"Version":"2020-01-01","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, ErrVersion},
		{"no effect", `{"Statement":[{"Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, ErrMissingEffect},
		{"no principal", `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, ErrMissingPrincipal},
		{"bad principal", `{"Statement":[{"Effect":"Allow","Principal":"alice","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, ErrInvalidPrincipal},
		{"principal kind", `{"Statement":[{"Effect":"Allow","Principal":{"Service":"x"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, ErrInvalidPrincipal},
		{"no action", `{"Statement":[{"Effect":"Allow","Principal":"*","Resource":"arn:aws:s3:::bkt/*"}]}`, ErrMissingAction},
		{"not an S3 action", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:RunInstances","Resource":"arn:aws:s3:::bkt/*"}]}`, ErrInvalidAction},
		{"no resource", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject"}]}`, ErrMissingResource},
		{"another bucket", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}`, ErrInvalidResource},
		{"not an ARN", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"bkt/*"}]}`, ErrInvalidResource},
		{"object action on the bucket", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt"}]}`, malformed("Action does not apply to any resource(s) in statement")},
		{"bucket action on objects", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::bkt/*"}]}`, malformed("Action does not apply to any resource(s) in statement")},
		{"unknown operator", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"StringSorta":{"aws:Referer":"x"}}}]}`, malformed("Policy has an invalid condition key")},
		{"bad CIDR", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}}}]}`, malformed("Policy has an invalid condition value")},
		{"duplicate sid", `{"Statement":[{"Sid":"a","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"},{"Sid":"a","Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, malformed("Statement IDs (SID) in a single policy must be unique")},
		{"bad effect", `{"Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}`, malformed("Invalid effect: Maybe")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc), "bkt")
			var pe *Error
			if !errors.As(err, &pe) || pe.Message != tc.want.Message {
				t.Errorf("Parse = %v, want MalformedPolicy %q", err, tc.want.Message)
			}
		})
	}
	big := make([]byte, MaxSize+1)
	if _, err := Parse(big, "bkt"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Parse(21 KB) = %v, want ErrTooLarge", err)
	}
	for _, doc := range []string{publicRead, ipRestrict, httpsOnly, homeDirs, referer, ownerACL, timeBox, notAction} {
		mustParse(t, doc)
	}
}

func TestLike(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*", "", true}, {"a*", "abc", true}, {"a*c", "abbbc", true}, {"a?c", "abc", true}, {"a?c", "ac", false},
		{"*.jpg", "x/y.jpg", true}, {"*.jpg", "x/y.png", false}, {"a*b*c", "aXbYc", true}, {"a*b*c", "aXcYb", false},
	} {
		if got := Like(c.p, c.s); got != c.want {
			t.Errorf("Like(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}

func TestPublic(t *testing.T) {
	if !mustParse(t, publicRead).Public() {
		t.Error("public read policy not public")
	}
	for _, doc := range []string{referer, homeDirs, ipRestrict} {
		if mustParse(t, doc).Public() {
			t.Errorf("policy public: %s", doc)
		}
	}
}
