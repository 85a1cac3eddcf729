package cors

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/dolium/dolium/gateway/internal/strictxml"
)

// Namespace is the S3 XML namespace of the documents this package writes.
const Namespace = "http://s3.amazonaws.com/doc/2006-03-01/"

// The limits of a configuration.
const (
	// MaxRules is AWS's limit of rules in one configuration.
	MaxRules    = 100
	MaxIDLength = 255
	// MaxDocument is AWS's limit of the document's size, in bytes.
	MaxDocument = 64 << 10
)

// Methods are the methods a rule may allow.
var Methods = []string{http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete, http.MethodHead}

// Configuration is a bucket's CORS configuration in the shape of its XML
// document, so that Marshal writes back what the client sent.
type Configuration struct {
	XMLName xml.Name `xml:"CORSConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []Rule   `xml:"CORSRule"`
}

// Rule is one CORSRule.
type Rule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds"`
}

// Error is an S3 error as AWS answers it for a CORS configuration: Code is
// the S3 code name exactly, so that s3api turns it into its s3err value
// by code (s3err.ByCode) with this Message.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Is matches an *Error with the same code and message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t != nil && e != nil && t.Code == e.Code && t.Message == e.Message
}

// ErrMalformedXML: the document does not parse or does not follow the
// schema. Compare with errors.Is.
var ErrMalformedXML = &Error{Code: "MalformedXML", Message: "The XML you provided was not well-formed or did not validate against our published schema."}

// ErrIDTooLong: a rule's ID is longer than MaxIDLength.
var ErrIDTooLong = &Error{Code: "InvalidArgument", Message: "ID length should not exceed allowed limit of 255"}

// UnsupportedMethod is the error of an AllowedMethod S3 does not allow.
func UnsupportedMethod(m string) *Error {
	return &Error{Code: "InvalidRequest", Message: "Found unsupported HTTP method in CORS config. Unsupported method is " + m}
}

func tooManyWildcards(element, value string) *Error {
	return &Error{Code: "InvalidRequest", Message: fmt.Sprintf("%s %q can not have more than one wildcard.", element, value)}
}

var schema = &strictxml.Element{Children: map[string]*strictxml.Element{
	"CORSRule": {Repeat: true, Children: map[string]*strictxml.Element{
		"ID":            strictxml.Leaf,
		"AllowedHeader": strictxml.RepeatedLeaf,
		"AllowedMethod": strictxml.RepeatedLeaf,
		"AllowedOrigin": strictxml.RepeatedLeaf,
		"ExposeHeader":  strictxml.RepeatedLeaf,
		"MaxAgeSeconds": strictxml.Leaf,
	}},
}}

// rawRule is a rule as decoded, MaxAgeSeconds still text.
type rawRule struct {
	ID             *string  `xml:"ID"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *string  `xml:"MaxAgeSeconds"`
}

// Parse decodes and validates a PutBucketCors document. Its errors are
// *Error values (see the package documentation).
func Parse(doc []byte) (*Configuration, error) {
	if err := strictxml.Check(doc, "CORSConfiguration", schema); err != nil {
		return nil, ErrMalformedXML
	}
	var raw struct {
		Rules []rawRule `xml:"CORSRule"`
	}
	if err := xml.NewDecoder(bytes.NewReader(doc)).Decode(&raw); err != nil {
		return nil, ErrMalformedXML
	}
	if len(raw.Rules) == 0 || len(raw.Rules) > MaxRules {
		return nil, ErrMalformedXML
	}
	c := &Configuration{Xmlns: Namespace}
	for _, rr := range raw.Rules {
		if len(rr.AllowedOrigins) == 0 || len(rr.AllowedMethods) == 0 {
			return nil, ErrMalformedXML
		}
		r := Rule{AllowedHeaders: rr.AllowedHeaders, AllowedMethods: rr.AllowedMethods,
			AllowedOrigins: rr.AllowedOrigins, ExposeHeaders: rr.ExposeHeaders}
		if rr.ID != nil {
			if utf8.RuneCountInString(*rr.ID) > MaxIDLength {
				return nil, ErrIDTooLong
			}
			r.ID = *rr.ID
		}
		for _, m := range r.AllowedMethods {
			if !supported(m) {
				return nil, UnsupportedMethod(m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return nil, tooManyWildcards("AllowedOrigin", o)
			}
		}
		for _, h := range r.AllowedHeaders {
			if strings.Count(h, "*") > 1 {
				return nil, tooManyWildcards("AllowedHeader", h)
			}
		}
		if rr.MaxAgeSeconds != nil {
			n, err := strconv.Atoi(strings.TrimSpace(*rr.MaxAgeSeconds))
			if err != nil || n < 0 {
				return nil, ErrMalformedXML
			}
			r.MaxAgeSeconds = &n
		}
		c.Rules = append(c.Rules, r)
	}
	return c, nil
}

func supported(m string) bool {
	for _, s := range Methods {
		if m == s {
			return true
		}
	}
	return false
}

// Marshal writes c as GetBucketCors answers it.
func (c *Configuration) Marshal() []byte {
	out := *c
	out.XMLName = xml.Name{Local: "CORSConfiguration"}
	out.Xmlns = Namespace
	b, err := xml.Marshal(out)
	if err != nil { // strings and ints only
		panic("cors: marshal: " + err.Error())
	}
	return append([]byte(xml.Header), b...)
}

// Match is the rule that allows a cross-origin request, and what to
// answer.
type Match struct {
	Rule *Rule
	// AllowOrigin is Access-Control-Allow-Origin: the request's origin, or
	// "*" when the rule's pattern that matched is "*".
	AllowOrigin string
	// AllowHeaders are a preflight's requested header names, lowercase,
	// in the order requested (nil for an actual request).
	AllowHeaders []string
	preflight    bool
}

// Preflight returns the first rule that allows a preflight from origin
// for method with the requested headers (names as in
// Access-Control-Request-Headers, any case), and false if none does.
func (c *Configuration) Preflight(origin, method string, headers []string) (Match, bool) {
	var requested []string
	for _, h := range headers {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			requested = append(requested, h)
		}
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		allow, ok := r.origin(origin)
		if !ok || !r.method(method) || !r.headers(requested) {
			continue
		}
		return Match{Rule: r, AllowOrigin: allow, AllowHeaders: requested, preflight: true}, true
	}
	return Match{}, false
}

// Actual returns the first rule that allows an actual request from origin
// with method (the request's Access-Control-Request-Method if it has one,
// else its method), and false if none does.
func (c *Configuration) Actual(origin, method string) (Match, bool) {
	for i := range c.Rules {
		r := &c.Rules[i]
		if allow, ok := r.origin(origin); ok && r.method(method) {
			return Match{Rule: r, AllowOrigin: allow}, true
		}
	}
	return Match{}, false
}

// SplitHeaders splits an Access-Control-Request-Headers value into names.
func SplitHeaders(v string) []string {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return strings.Split(v, ",")
}

// Vary is the Vary header of an answer a rule allowed.
const Vary = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method"

// Set sets the match's response headers on h.
func (m Match) Set(h http.Header) {
	h.Set("Access-Control-Allow-Origin", m.AllowOrigin)
	if m.AllowOrigin != "*" {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
	h.Set("Access-Control-Allow-Methods", strings.Join(m.Rule.AllowedMethods, ", "))
	if m.preflight && len(m.AllowHeaders) > 0 {
		h.Set("Access-Control-Allow-Headers", strings.Join(m.AllowHeaders, ", "))
	}
	if len(m.Rule.ExposeHeaders) > 0 {
		h.Set("Access-Control-Expose-Headers", strings.Join(m.Rule.ExposeHeaders, ", "))
	}
	if m.Rule.MaxAgeSeconds != nil {
		h.Set("Access-Control-Max-Age", strconv.Itoa(*m.Rule.MaxAgeSeconds))
	}
	h.Set("Vary", Vary)
}

func (r *Rule) origin(origin string) (allow string, ok bool) {
	for _, p := range r.AllowedOrigins {
		if wildcard(p, origin) {
			if p == "*" {
				return "*", true
			}
			return origin, true
		}
	}
	return "", false
}

func (r *Rule) method(m string) bool {
	for _, a := range r.AllowedMethods {
		if a == m {
			return true
		}
	}
	return false
}

func (r *Rule) headers(requested []string) bool {
next:
	for _, h := range requested {
		for _, p := range r.AllowedHeaders {
			if wildcard(strings.ToLower(p), h) {
				continue next
			}
		}
		return false
	}
	return true
}

// wildcard reports whether s matches pattern, in which one '*' stands for
// any run of bytes (Parse allows no more than one).
func wildcard(pattern, s string) bool {
	prefix, suffix, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == s
	}
	return len(s) >= len(prefix)+len(suffix) && strings.HasPrefix(s, prefix) && strings.HasSuffix(s, suffix)
}
