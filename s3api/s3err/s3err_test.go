package s3err

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"testing"
)

// TestIsMatchesByCode: a copy with another message is the same S3 error to
// errors.Is, wrapped or not; another code is not.
func TestIsMatchesByCode(t *testing.T) {
	detail := SignatureDoesNotMatch.With("The chunk signature we calculated does not match the signature you provided.")
	if detail == SignatureDoesNotMatch {
		t.Fatal("With returned the sentinel itself, want a copy")
	}
	if detail.Code != SignatureDoesNotMatch.Code || detail.Status != SignatureDoesNotMatch.Status {
		t.Errorf("copy is %s %d, want %s %d", detail.Code, detail.Status, SignatureDoesNotMatch.Code, SignatureDoesNotMatch.Status)
	}
	if detail.Message == SignatureDoesNotMatch.Message {
		t.Error("copy kept the sentinel's message")
	}
	wrapped := fmt.Errorf("verify: %w", detail)
	twice := fmt.Errorf("put: %w", wrapped)
	joined := errors.Join(errors.New("other"), detail)
	for _, tc := range []struct {
		name   string
		err    error
		target *Error
		want   bool
	}{
		{"sentinel itself", SignatureDoesNotMatch, SignatureDoesNotMatch, true},
		{"copy with detail", detail, SignatureDoesNotMatch, true},
		{"sentinel against copy", SignatureDoesNotMatch, detail, true},
		{"wrapped copy", wrapped, SignatureDoesNotMatch, true},
		{"wrapped twice", twice, SignatureDoesNotMatch, true},
		{"joined", joined, SignatureDoesNotMatch, true},
		{"another code", detail, AccessDenied, false},
		{"another code wrapped", wrapped, InvalidAccessKeyID, false},
		{"same status, another code", AccessDenied, SignatureDoesNotMatch, false},
		{"literal with the same code", &Error{Code: "SignatureDoesNotMatch"}, SignatureDoesNotMatch, true},
		{"plain error", errors.New("SignatureDoesNotMatch"), SignatureDoesNotMatch, false},
		{"nil target", detail, nil, false},
	} {
		if got := errors.Is(tc.err, tc.target); got != tc.want {
			t.Errorf("%s: errors.Is(%v, %v) = %v, want %v", tc.name, tc.err, tc.target, got, tc.want)
		}
	}
	// errors.As finds the copy with its message.
	var e *Error
	if !errors.As(twice, &e) || e != detail {
		t.Errorf("errors.As(%v) = %v, want the copy", twice, e)
	}
}

// TestWithLeavesSentinel: With never changes the error it copies.
func TestWithLeavesSentinel(t *testing.T) {
	before := *InvalidRequest
	_ = InvalidRequest.With("something specific")
	if *InvalidRequest != before {
		t.Errorf("InvalidRequest changed to %+v", *InvalidRequest)
	}
}

// TestInvalidPartNumber: a message of InvalidArgument, not a code of its own.
func TestInvalidPartNumber(t *testing.T) {
	if !errors.Is(InvalidPartNumber, InvalidArgument) || InvalidPartNumber.Status != InvalidArgument.Status || InvalidPartNumber.Message == InvalidArgument.Message {
		t.Errorf("InvalidPartNumber = %+v, want InvalidArgument with its own message", *InvalidPartNumber)
	}
}

// TestCodesDeclaredOnce: every code is declared once in this package (a
// second declaration would be a second sentinel that errors.Is cannot tell
// apart from the first), each with an HTTP error status.
func TestCodesDeclaredOnce(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "s3err.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		if id, ok := c.Fun.(*ast.Ident); !ok || id.Name != "e" || len(c.Args) != 3 {
			return true
		}
		lit, ok := c.Args[0].(*ast.BasicLit)
		if !ok {
			t.Errorf("a code that is not a string literal: %#v", c.Args[0])
			return true
		}
		code, _ := strconv.Unquote(lit.Value)
		if seen[code] {
			t.Errorf("code %s declared twice", code)
		}
		seen[code] = true
		return true
	})
	if len(seen) < 40 {
		t.Errorf("found %d codes, want them all (is the parse right?)", len(seen))
	}
	for _, e := range []*Error{AccessDenied, SignatureDoesNotMatch, InvalidAccessKeyID, RequestTimeTooSkewed, AuthorizationHeaderMalformed, AuthorizationQueryParametersError, MissingSecurityHeader, XAmzContentSHA256Mismatch, MetadataTooLarge, DataLost} {
		if !seen[e.Code] || e.Status < 300 || e.Message == "" {
			t.Errorf("%+v: not declared here, or without a status or message", *e)
		}
	}
}

// TestByCode: every declared code is found by its name, as the sentinel
// itself; an undeclared code is not. The codes the object lock and
// lifecycle packages return are among them.
func TestByCode(t *testing.T) {
	for _, want := range []*Error{AccessDenied, MalformedXML, InvalidArgument, InvalidRequest, InvalidBucketState,
		NotImplemented, ObjectLockConfigurationNotFoundError, NoSuchObjectLockConfiguration, NoSuchLifecycleConfiguration, SignatureDoesNotMatch, DataLost} {
		got, ok := ByCode(want.Code)
		if !ok || got != want {
			t.Errorf("ByCode(%q) = %v, %v; want the sentinel", want.Code, got, ok)
		}
	}
	if got, ok := ByCode("InvalidPartNumber"); ok {
		t.Errorf("ByCode(InvalidPartNumber) = %v: a message of InvalidArgument, not a code", got)
	}
	if got, ok := ByCode("NoSuchThing"); ok || got != nil {
		t.Errorf("ByCode(NoSuchThing) = %v, %v; want nothing", got, ok)
	}
	if e, _ := ByCode("ObjectLockConfigurationNotFoundError"); e.Status != 404 {
		t.Errorf("ObjectLockConfigurationNotFoundError status %d, want 404", e.Status)
	}
}
