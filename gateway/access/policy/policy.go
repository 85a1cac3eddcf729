package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// Error is a document PutBucketPolicy refuses: s3api answers it as
// MalformedPolicy (400) with Message.
type Error struct{ Message string }

func (e *Error) Error() string { return "MalformedPolicy: " + e.Message }

func malformed(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// The messages AWS answers (as quoted by S3 implementations that compare
// themselves with AWS).
var (
	ErrSyntax           = &Error{Message: "Policy has invalid syntax"}
	ErrInvalidAction    = &Error{Message: "Policy has invalid action"}
	ErrInvalidResource  = &Error{Message: "Policy has invalid resource"}
	ErrInvalidPrincipal = &Error{Message: "Invalid principal in policy"}
	ErrMissingPrincipal = &Error{Message: "Missing required field Principal"}
	ErrMissingEffect    = &Error{Message: "Missing required field Effect"}
	ErrMissingAction    = &Error{Message: "Missing required field Action"}
	ErrMissingResource  = &Error{Message: "Missing required field Resource"}
	ErrNoStatement      = &Error{Message: "Missing required field Statement"}
	ErrVersion          = &Error{Message: "The policy must contain a valid version string"}
	ErrTooLarge         = &Error{Message: "Policies must be less than 20 KB"}
)

// MaxSize is the largest bucket policy AWS accepts, in bytes.
const MaxSize = 20 << 10

// Policy is a parsed, validated bucket policy.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
}

// Statement is one statement of a policy.
type Statement struct {
	Sid    string
	Effect string // "Allow" or "Deny"
	// Principals match the principal (NotPrincipal: every principal but
	// them). AnyPrincipal is "*" or {"AWS": "*"}.
	Principals    []string
	AnyPrincipal  bool
	NotPrincipal  bool
	Actions       []string // lower-cased patterns
	NotAction     bool
	Resources     []string // ARN patterns
	NotResource   bool
	Conditions    []condition
	actionPattern []pattern
	resPattern    []pattern
}

// strings is a JSON string or list of strings.
type stringList []string

func (s *stringList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

type rawStatement struct {
	Sid          string                                `json:"Sid"`
	Effect       string                                `json:"Effect"`
	Principal    json.RawMessage                       `json:"Principal"`
	NotPrincipal json.RawMessage                       `json:"NotPrincipal"`
	Action       *stringList                           `json:"Action"`
	NotAction    *stringList                           `json:"NotAction"`
	Resource     *stringList                           `json:"Resource"`
	NotResource  *stringList                           `json:"NotResource"`
	Condition    map[string]map[string]json.RawMessage `json:"Condition"`
}

type rawPolicy struct {
	Version   string          `json:"Version"`
	ID        string          `json:"Id"`
	Statement json.RawMessage `json:"Statement"`
}

// Parse validates doc as a policy of bucket: AWS's checks of
// PutBucketPolicy. The error is an *Error.
func Parse(doc []byte, bucket string) (*Policy, error) { return parse(doc, bucket, false) }

// ParseIdentity validates doc as an identity policy (attached to a user):
// its statements name no Principal (they are the user's) and may name any
// S3 resource.
func ParseIdentity(doc []byte) (*Policy, error) { return parse(doc, "", true) }

func parse(doc []byte, bucket string, identity bool) (*Policy, error) {
	if len(doc) > MaxSize {
		return nil, ErrTooLarge
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	var rp rawPolicy
	if err := dec.Decode(&rp); err != nil {
		return nil, ErrSyntax
	}
	if dec.More() {
		return nil, ErrSyntax
	}
	switch rp.Version {
	case "", "2012-10-17", "2008-10-17":
	default:
		return nil, ErrVersion
	}
	var raws []rawStatement
	if len(rp.Statement) == 0 || string(rp.Statement) == "null" {
		return nil, ErrNoStatement
	}
	if rp.Statement[0] == '[' {
		if err := strictDecode(rp.Statement, &raws); err != nil {
			return nil, ErrSyntax
		}
	} else {
		var one rawStatement
		if err := strictDecode(rp.Statement, &one); err != nil {
			return nil, ErrSyntax
		}
		raws = []rawStatement{one}
	}
	if len(raws) == 0 {
		return nil, ErrNoStatement
	}
	p := &Policy{Version: rp.Version, ID: rp.ID}
	sids := map[string]bool{}
	for _, r := range raws {
		s, err := parseStatement(r, bucket, identity)
		if err != nil {
			return nil, err
		}
		if s.Sid != "" {
			if sids[s.Sid] {
				return nil, malformed("Statement IDs (SID) in a single policy must be unique")
			}
			sids[s.Sid] = true
		}
		p.Statements = append(p.Statements, s)
	}
	return p, nil
}

func strictDecode(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

func parseStatement(r rawStatement, bucket string, identity bool) (Statement, error) {
	s := Statement{Sid: r.Sid, Effect: r.Effect}
	switch r.Effect {
	case "Allow", "Deny":
	case "":
		return s, ErrMissingEffect
	default:
		return s, malformed("Invalid effect: %s", r.Effect)
	}
	switch {
	case identity && (r.Principal != nil || r.NotPrincipal != nil):
		return s, malformed("Policy document should not specify a principal.")
	case identity:
		s.AnyPrincipal = true // the user it is attached to
	case r.Principal != nil && r.NotPrincipal != nil:
		return s, ErrSyntax
	case r.Principal != nil:
		if err := s.parsePrincipal(r.Principal); err != nil {
			return s, err
		}
	case r.NotPrincipal != nil:
		s.NotPrincipal = true
		if err := s.parsePrincipal(r.NotPrincipal); err != nil {
			return s, err
		}
	default:
		return s, ErrMissingPrincipal
	}
	switch {
	case r.Action != nil && r.NotAction != nil:
		return s, ErrSyntax
	case r.Action != nil:
		s.Actions = *r.Action
	case r.NotAction != nil:
		s.Actions, s.NotAction = *r.NotAction, true
	default:
		return s, ErrMissingAction
	}
	if len(s.Actions) == 0 {
		return s, ErrMissingAction
	}
	for i, a := range s.Actions {
		if !validAction(a) {
			return s, ErrInvalidAction
		}
		s.Actions[i] = strings.ToLower(a)
		s.actionPattern = append(s.actionPattern, compile(s.Actions[i]))
	}
	switch {
	case r.Resource != nil && r.NotResource != nil:
		return s, ErrSyntax
	case r.Resource != nil:
		s.Resources = *r.Resource
	case r.NotResource != nil:
		s.Resources, s.NotResource = *r.NotResource, true
	default:
		return s, ErrMissingResource
	}
	if len(s.Resources) == 0 {
		return s, ErrMissingResource
	}
	for _, res := range s.Resources {
		if !identity && !resourceInBucket(res, bucket) || identity && !strings.HasPrefix(res, "arn:aws:s3:::") && res != "*" {
			return s, ErrInvalidResource
		}
		s.resPattern = append(s.resPattern, compile(res))
	}
	if !s.NotAction && !s.NotResource {
		if err := s.actionsApply(); err != nil {
			return s, err
		}
	}
	for op, kv := range r.Condition {
		for key, raw := range kv {
			c, err := parseCondition(op, key, raw)
			if err != nil {
				return s, err
			}
			s.Conditions = append(s.Conditions, c)
		}
	}
	return s, nil
}

func (s *Statement) parsePrincipal(raw json.RawMessage) error {
	var star string
	if err := json.Unmarshal(raw, &star); err == nil {
		if star != "*" {
			return ErrInvalidPrincipal
		}
		s.AnyPrincipal = true
		return nil
	}
	var m map[string]stringList
	if err := json.Unmarshal(raw, &m); err != nil || len(m) == 0 {
		return ErrInvalidPrincipal
	}
	for kind, ids := range m {
		if kind != "AWS" && kind != "CanonicalUser" {
			return ErrInvalidPrincipal
		}
		if len(ids) == 0 {
			return ErrInvalidPrincipal
		}
		for _, id := range ids {
			switch {
			case id == "*" && kind == "AWS":
				s.AnyPrincipal = true
			case id == "" || strings.ContainsAny(id, "*?"):
				return ErrInvalidPrincipal
			default:
				s.Principals = append(s.Principals, id)
			}
		}
	}
	return nil
}

// validAction: "*", or "s3:" and a name of letters, with wildcards.
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	name, ok := strings.CutPrefix(a, "s3:")
	if !ok {
		// "S3:GetObject" is accepted by AWS as well (service prefixes are
		// case-insensitive).
		if len(a) < 3 || !strings.EqualFold(a[:3], "s3:") {
			return false
		}
		name = a[3:]
	}
	if name == "" {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '*' || c == '?') {
			return false
		}
	}
	return true
}

// resourceInBucket: arn:aws:s3:::bucket, or arn:aws:s3:::bucket/..., or a
// pattern whose bucket part matches bucket ("arn:aws:s3:::*" included).
func resourceInBucket(res, bucket string) bool {
	rest, ok := strings.CutPrefix(res, "arn:aws:s3:::")
	if !ok || rest == "" {
		return false
	}
	b, _, _ := strings.Cut(rest, "/")
	return compile(b).match(bucket) || b == bucket
}

// actionsApply is AWS's "Action does not apply to any resource(s) in
// statement": an object action with bucket ARNs only, or a bucket action
// with object ARNs only.
func (s *Statement) actionsApply() error {
	hasBucket, hasObject := false, false
	for _, r := range s.Resources {
		rest := strings.TrimPrefix(r, "arn:aws:s3:::")
		if strings.Contains(rest, "/") {
			hasObject = true
		} else {
			hasBucket = true
		}
		if strings.HasSuffix(rest, "*") && !strings.Contains(rest, "/") {
			hasObject = true // "arn:aws:s3:::buck*" may match "bucket/key" too
		}
	}
	for _, a := range s.Actions {
		if strings.ContainsAny(a, "*?") {
			continue
		}
		obj := objectAction(a)
		if obj && !hasObject || !obj && !hasBucket {
			return malformed("Action does not apply to any resource(s) in statement")
		}
	}
	return nil
}

// objectAction reports whether a (lower-case s3:Name) acts on objects: its
// resource is arn:aws:s3:::bucket/key.
func objectAction(a string) bool {
	name := strings.TrimPrefix(a, "s3:")
	switch {
	case strings.Contains(name, "object"), name == "abortmultipartupload", name == "listmultipartuploadparts",
		name == "bypassgovernanceretention", name == "restoreobject":
		return !strings.HasPrefix(name, "putbucketobject") && !strings.HasPrefix(name, "getbucketobject")
	}
	return false
}

// ObjectAction reports whether action (s3:Name) is on objects: its resource
// is arn:aws:s3:::bucket/key, not arn:aws:s3:::bucket.
func ObjectAction(action string) bool { return objectAction(strings.ToLower(action)) }

// ResourceARN is the ARN of the bucket ("" key) or of one of its objects.
func ResourceARN(bucket, key string, object bool) string {
	if object {
		return "arn:aws:s3:::" + bucket + "/" + key
	}
	return "arn:aws:s3:::" + bucket
}
