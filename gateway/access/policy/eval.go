package policy

import "strings"

// Request is what evaluation knows of a request.
type Request struct {
	// Principals are the requester's identifiers a policy may name: its
	// user ARN, account (tenant) id, canonical id... Empty for an
	// anonymous request, which only "*" matches.
	Principals []string
	Anonymous  bool
	Action     string // "s3:GetObject"
	Resource   string // "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/key"
	// Conditions are the condition keys present (lower-case names, e.g.
	// "aws:sourceip", "s3:prefix") and their values.
	Conditions map[string][]string
}

// Effect is what a policy says of a request.
type Effect uint8

const (
	// Neither: no statement applies (an implicit deny, unless something
	// else allows).
	Neither Effect = iota
	// Allowed: a statement allows it and none denies it.
	Allowed
	// Denied: a statement denies it explicitly; nothing can allow it then.
	Denied
)

func (e Effect) String() string {
	switch e {
	case Allowed:
		return "Allow"
	case Denied:
		return "Deny"
	}
	return "Neither"
}

// Evaluate returns what p says of r: Denied if any applicable statement
// denies, else Allowed if one allows, else Neither. A nil policy says
// nothing.
func (p *Policy) Evaluate(r Request) Effect {
	if p == nil {
		return Neither
	}
	out := Neither
	for i := range p.Statements {
		s := &p.Statements[i]
		if !s.applies(r) {
			continue
		}
		if s.Effect == "Deny" {
			return Denied
		}
		out = Allowed
	}
	return out
}

func (s *Statement) applies(r Request) bool {
	return s.principalMatches(r) && s.actionMatches(r.Action) && s.resourceMatches(r.Resource, r.Conditions) && s.conditionsHold(r.Conditions)
}

func (s *Statement) principalMatches(r Request) bool {
	in := s.AnyPrincipal
	if !in && !r.Anonymous {
		for _, id := range s.Principals {
			for _, have := range r.Principals {
				if id == have {
					in = true
				}
			}
		}
	}
	if s.NotPrincipal {
		return !in
	}
	return in
}

func (s *Statement) actionMatches(a string) bool {
	a = strings.ToLower(a)
	in := false
	for _, p := range s.actionPattern {
		if p.match(a) {
			in = true
			break
		}
	}
	return in != s.NotAction
}

func (s *Statement) resourceMatches(res string, ctx map[string][]string) bool {
	in := false
	for _, p := range s.resPattern {
		if pattern(expand(string(p), ctx)).match(res) {
			in = true
			break
		}
	}
	return in != s.NotResource
}

func (s *Statement) conditionsHold(ctx map[string][]string) bool {
	for _, c := range s.Conditions {
		if !c.holds(ctx) {
			return false
		}
	}
	return true
}

// UsesKeyPrefix reports whether a condition of p looks at a key starting
// with prefix (lower case), e.g. "s3:existingobjecttag/": the caller then
// knows it must find those values before evaluating.
func (p *Policy) UsesKeyPrefix(prefix string) bool {
	if p == nil {
		return false
	}
	for _, s := range p.Statements {
		for _, c := range s.Conditions {
			if strings.HasPrefix(c.key, prefix) {
				return true
			}
		}
	}
	return false
}

// Public reports whether p grants anything to everyone without a
// condition (GetBucketPolicyStatus's IsPublic, simplified from AWS's
// rule: a condition on aws:SourceIp, aws:SourceVpc and the like makes a
// statement non-public there; here any condition does).
func (p *Policy) Public() bool {
	if p == nil {
		return false
	}
	for _, s := range p.Statements {
		if s.Effect == "Allow" && s.AnyPrincipal && !s.NotPrincipal && len(s.Conditions) == 0 {
			return true
		}
	}
	return false
}

// expand substitutes the policy variables of s (${aws:username} and other
// request keys; ${*}, ${?} and ${$} for the literal characters) from the
// request. A variable the request does not have expands to a character
// no ARN or value holds, so that the pattern matches nothing.
func expand(s string, ctx map[string][]string) string {
	if !strings.Contains(s, "${") {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		name := s[i+2 : i+j]
		switch name {
		case "*", "?", "$":
			b.WriteString(name) // note: a literal * still matches as a wildcard here
		default:
			if v := ctx[strings.ToLower(name)]; len(v) > 0 {
				b.WriteString(v[0])
			} else {
				b.WriteString("\x00")
			}
		}
		s = s[i+j+1:]
	}
}
