package cors

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func doc(rules ...string) string {
	return `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</CORSConfiguration>`
}

func rule(inner string) string { return "<CORSRule>" + inner + "</CORSRule>" }

func TestParseAccepts(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		rules      int
	}{
		{"minimal", doc(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 1},
		{"every element", doc(rule("<ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>content-type</AllowedHeader>" +
			"<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedMethod>POST</AllowedMethod>" +
			"<AllowedMethod>DELETE</AllowedMethod><AllowedMethod>HEAD</AllowedMethod>" +
			"<AllowedOrigin>https://*.example.com</AllowedOrigin><AllowedOrigin>http://test.com:80</AllowedOrigin>" +
			"<ExposeHeader>ETag</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds>")), 1},
		{"no namespace, two rules", `<CORSConfiguration>` + rule("<AllowedOrigin>a</AllowedOrigin><AllowedMethod>GET</AllowedMethod>") +
			rule("<AllowedOrigin>b</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod>") + `</CORSConfiguration>`, 2},
		{"empty origin", doc(rule("<AllowedOrigin></AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 1},
		{"100 rules", doc(strings.Repeat(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"), 100)), 100},
		{"ID of 255 characters", doc(rule("<ID>" + strings.Repeat("é", 255) + "</ID><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")), 1},
		{"max age zero", doc(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>0</MaxAgeSeconds>")), 1},
	} {
		c, err := Parse([]byte(tc.body))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if len(c.Rules) != tc.rules {
			t.Errorf("%s: %d rules, want %d", tc.name, len(c.Rules), tc.rules)
		}
		// What Marshal writes parses to the same configuration.
		again, err := Parse(c.Marshal())
		if err != nil || !reflect.DeepEqual(again, c) {
			t.Errorf("%s: Marshal then Parse = %+v, %v; want %+v", tc.name, again, err, c)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	ok := "<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
	for _, tc := range []struct {
		name, body string
		want       *Error
	}{
		{"not XML", "<CORSConfiguration>", ErrMalformedXML},
		{"another root", `<LifecycleConfiguration>` + rule(ok) + `</LifecycleConfiguration>`, ErrMalformedXML},
		{"no rule", doc(), ErrMalformedXML},
		{"empty rule", doc(rule("")), ErrMalformedXML},
		{"no origin", doc(rule("<AllowedMethod>GET</AllowedMethod>")), ErrMalformedXML},
		{"no method", doc(rule("<AllowedOrigin>*</AllowedOrigin>")), ErrMalformedXML},
		{"unknown element", doc(rule(ok + "<AllowedMethods>GET</AllowedMethods>")), ErrMalformedXML},
		{"two IDs", doc(rule("<ID>a</ID><ID>b</ID>" + ok)), ErrMalformedXML},
		{"max age not a number", doc(rule(ok + "<MaxAgeSeconds>ten</MaxAgeSeconds>")), ErrMalformedXML},
		{"max age negative", doc(rule(ok + "<MaxAgeSeconds>-1</MaxAgeSeconds>")), ErrMalformedXML},
		{"101 rules", doc(strings.Repeat(rule(ok), 101)), ErrMalformedXML},
		{"OPTIONS", doc(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>OPTIONS</AllowedMethod>")),
			&Error{"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is OPTIONS"}},
		{"lowercase method", doc(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><AllowedMethod>get</AllowedMethod>")),
			&Error{"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is get"}},
		{"empty method", doc(rule("<AllowedOrigin>*</AllowedOrigin><AllowedMethod></AllowedMethod>")),
			&Error{"InvalidRequest", "Found unsupported HTTP method in CORS config. Unsupported method is "}},
		{"two wildcards in an origin", doc(rule("<AllowedOrigin>*example*.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>")),
			&Error{"InvalidRequest", `AllowedOrigin "*example*.com" can not have more than one wildcard.`}},
		{"two wildcards in a header", doc(rule(ok + "<AllowedHeader>x-*-*</AllowedHeader>")),
			&Error{"InvalidRequest", `AllowedHeader "x-*-*" can not have more than one wildcard.`}},
		{"ID too long", doc(rule("<ID>" + strings.Repeat("i", 256) + "</ID>" + ok)), ErrIDTooLong},
	} {
		_, err := Parse([]byte(tc.body))
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
}

func config(t *testing.T, rules ...string) *Configuration {
	t.Helper()
	c, err := Parse([]byte(doc(rules...)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The origin patterns of the ceph s3-tests' test_cors_origin_response:
// '*' matches any run, the empty one included, anchored at both ends.
func TestOriginPatterns(t *testing.T) {
	c := config(t,
		rule("<AllowedOrigin>*suffix</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"),
		rule("<AllowedOrigin>start*end</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"),
		rule("<AllowedOrigin>prefix*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"),
		rule("<AllowedOrigin>*.put</AllowedOrigin><AllowedMethod>PUT</AllowedMethod>"),
		rule("<AllowedOrigin>http://*.origin.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"))
	for _, tc := range []struct {
		origin, method string
		ok             bool
	}{
		{"foo.suffix", "GET", true}, {"startend", "GET", true}, {"start1end", "GET", true}, {"start12end", "GET", true},
		{"prefix", "GET", true}, {"prefix.suffix", "GET", true}, {"http://test.origin.com", "GET", true},
		{"foo.bar", "GET", false}, {"foo.suffix.get", "GET", false}, {"0start12end", "GET", false}, {"bla.prefix", "GET", false},
		{"foo.put", "GET", false}, {"foo.put", "PUT", true}, {"foo.suffix", "PUT", false},
		{"http://test.origin.com/", "GET", false}, {"HTTP://TEST.ORIGIN.COM", "GET", false}, {"", "GET", false},
	} {
		m, ok := c.Preflight(tc.origin, tc.method, nil)
		if ok != tc.ok {
			t.Errorf("Preflight(%q, %s) = %v, want %v", tc.origin, tc.method, ok, tc.ok)
		}
		if ok && m.AllowOrigin != tc.origin {
			t.Errorf("Preflight(%q): Allow-Origin %q, want the origin", tc.origin, m.AllowOrigin)
		}
		if _, aok := c.Actual(tc.origin, tc.method); aok != tc.ok {
			t.Errorf("Actual(%q, %s) = %v, want %v", tc.origin, tc.method, aok, tc.ok)
		}
	}
}

func TestPreflightHeaders(t *testing.T) {
	c := config(t,
		rule("<ID>site</ID><AllowedHeader>x-amz-*</AllowedHeader><AllowedHeader>Content-Type</AllowedHeader>"+
			"<AllowedMethod>GET</AllowedMethod><AllowedMethod>PUT</AllowedMethod><AllowedOrigin>https://app.example.com</AllowedOrigin>"+
			"<ExposeHeader>ETag</ExposeHeader><ExposeHeader>x-amz-version-id</ExposeHeader><MaxAgeSeconds>600</MaxAgeSeconds>"),
		rule("<ID>everyone</ID><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin>"),
		rule("<ID>any-header</ID><AllowedHeader>*</AllowedHeader><AllowedMethod>DELETE</AllowedMethod><AllowedOrigin>https://app.example.com</AllowedOrigin>"))
	site := http.Header{
		"Access-Control-Allow-Origin":      {"https://app.example.com"},
		"Access-Control-Allow-Credentials": {"true"},
		"Access-Control-Allow-Methods":     {"GET, PUT"},
		"Access-Control-Expose-Headers":    {"ETag, x-amz-version-id"},
		"Access-Control-Max-Age":           {"600"},
		"Vary":                             {Vary},
	}
	with := func(h http.Header, k, v string) http.Header {
		h = h.Clone()
		h.Set(k, v)
		return h
	}
	everyone := http.Header{"Access-Control-Allow-Origin": {"*"}, "Access-Control-Allow-Methods": {"HEAD"}, "Vary": {Vary}}
	for _, tc := range []struct {
		origin, method, headers string
		rule                    string // "" for no match
		want                    http.Header
	}{
		{"https://app.example.com", "GET", "", "site", site},
		{"https://app.example.com", "PUT", "Content-Type, X-Amz-Meta-Name", "site",
			with(site, "Access-Control-Allow-Headers", "content-type, x-amz-meta-name")},
		{"https://app.example.com", "PUT", "x-amz-date,content-type", "site",
			with(site, "Access-Control-Allow-Headers", "x-amz-date, content-type")},
		{"null", "HEAD", "", "everyone", everyone},
		{"https://app.example.com", "GET", "authorization", "", nil},
		{"https://app.example.com", "HEAD", "x-amz-meta-a", "", nil}, // everyone allows no header
		{"https://app.example.com", "DELETE", "authorization, x-anything", "any-header", nil},
		{"https://example.org", "GET", "", "", nil},
		{"https://app.example.com", "POST", "", "", nil},
	} {
		m, ok := c.Preflight(tc.origin, tc.method, SplitHeaders(tc.headers))
		if ok != (tc.rule != "") || ok && m.Rule.ID != tc.rule {
			t.Errorf("Preflight(%s, %s, %q) = %+v %v, want rule %q", tc.origin, tc.method, tc.headers, m.Rule, ok, tc.rule)
			continue
		}
		if !ok || tc.want == nil {
			continue
		}
		h := http.Header{}
		m.Set(h)
		if !reflect.DeepEqual(h, tc.want) {
			t.Errorf("Preflight(%s, %s, %q) headers\n%v\nwant\n%v", tc.origin, tc.method, tc.headers, h, tc.want)
		}
	}
	// An actual request gets the rule's headers, never Allow-Headers.
	m, ok := c.Actual("https://app.example.com", "PUT")
	if !ok || m.Rule.ID != "site" {
		t.Fatalf("Actual = %+v %v", m.Rule, ok)
	}
	h := http.Header{}
	m.Set(h)
	if !reflect.DeepEqual(h, site) {
		t.Errorf("Actual headers %v, want %v", h, site)
	}
}
