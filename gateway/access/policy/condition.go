package policy

import (
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// condition is one operator applied to one key with its values.
type condition struct {
	op       string // base operator, e.g. "stringequals"
	key      string // lower-cased condition key
	values   []string
	ifExists bool
	set      string // "", "foranyvalue" or "forallvalues"
}

var operators = map[string]bool{
	"stringequals": true, "stringnotequals": true, "stringequalsignorecase": true, "stringnotequalsignorecase": true,
	"stringlike": true, "stringnotlike": true,
	"numericequals": true, "numericnotequals": true, "numericlessthan": true, "numericlessthanequals": true,
	"numericgreaterthan": true, "numericgreaterthanequals": true,
	"dateequals": true, "datenotequals": true, "datelessthan": true, "datelessthanequals": true,
	"dategreaterthan": true, "dategreaterthanequals": true,
	"bool": true, "ipaddress": true, "notipaddress": true, "null": true,
}

func parseCondition(op, key string, raw json.RawMessage) (condition, error) {
	c := condition{key: strings.ToLower(key)}
	lop := strings.ToLower(op)
	if set, rest, ok := strings.Cut(lop, ":"); ok {
		if set != "foranyvalue" && set != "forallvalues" {
			return c, malformed("Policy has an invalid condition key")
		}
		c.set, lop = set, rest
	}
	if base, ok := strings.CutSuffix(lop, "ifexists"); ok && base != "" {
		c.ifExists, lop = true, base
	}
	if !operators[lop] {
		return c, malformed("Policy has an invalid condition key")
	}
	c.op = lop
	var vals []any
	var one any
	if err := json.Unmarshal(raw, &one); err != nil {
		return c, ErrSyntax
	}
	if l, ok := one.([]any); ok {
		vals = l
	} else {
		vals = []any{one}
	}
	for _, v := range vals {
		switch x := v.(type) {
		case string:
			c.values = append(c.values, x)
		case float64:
			c.values = append(c.values, strconv.FormatFloat(x, 'f', -1, 64))
		case bool:
			c.values = append(c.values, strconv.FormatBool(x))
		default:
			return c, ErrSyntax
		}
	}
	// Values that cannot be compared are refused now, not at evaluation.
	for _, v := range c.values {
		switch {
		case strings.HasPrefix(c.op, "numeric"):
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				return c, malformed("Policy has an invalid condition value")
			}
		case strings.HasPrefix(c.op, "date"):
			if _, ok := parseDate(v); !ok {
				return c, malformed("Policy has an invalid condition value")
			}
		case c.op == "ipaddress" || c.op == "notipaddress":
			if _, err := parsePrefix(v); err != nil {
				return c, malformed("Policy has an invalid condition value")
			}
		case c.op == "bool" || c.op == "null":
			if v != "true" && v != "false" {
				return c, malformed("Policy has an invalid condition value")
			}
		}
	}
	return c, nil
}

func parsePrefix(v string) (netip.Prefix, error) {
	if strings.Contains(v, "/") {
		p, err := netip.ParsePrefix(v)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(v)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func parseDate(v string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, time.RFC3339, "2006-01-02T15:04:05Z", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil { // epoch seconds
		return time.Unix(secs, 0).UTC(), true
	}
	return time.Time{}, false
}

func negated(op string) bool {
	return strings.Contains(op, "not") // stringnotequals, notipaddress, numericnotequals, ...
}

// holds evaluates c against the request's values for its key.
func (c condition) holds(ctx map[string][]string) bool {
	got, present := ctx[c.key]
	if c.op == "null" {
		want := c.values[0] == "true" // "true": the key must be absent
		return want != present
	}
	if !present || len(got) == 0 {
		if c.ifExists {
			return true
		}
		return negated(c.op) // a missing key matches only a negated operator
	}
	switch c.set {
	case "forallvalues":
		for _, g := range got {
			if !c.one(g, ctx) {
				return false
			}
		}
		return true
	default: // a single-valued key, or ForAnyValue
		if negated(c.op) && c.set == "" {
			// StringNotEquals and the like: no request value may match.
			for _, g := range got {
				if !c.one(g, ctx) {
					return false
				}
			}
			return true
		}
		for _, g := range got {
			if c.one(g, ctx) {
				return true
			}
		}
		return false
	}
}

// one evaluates c on one request value: true when the operator holds for
// it against the condition's values (any of them for positive operators;
// none of them for negated ones).
func (c condition) one(got string, ctx map[string][]string) bool {
	any := func(f func(want string) bool) bool {
		for _, w := range c.values {
			if f(expand(w, ctx)) {
				return true
			}
		}
		return false
	}
	switch c.op {
	case "stringequals":
		return any(func(w string) bool { return w == got })
	case "stringnotequals":
		return !any(func(w string) bool { return w == got })
	case "stringequalsignorecase":
		return any(func(w string) bool { return strings.EqualFold(w, got) })
	case "stringnotequalsignorecase":
		return !any(func(w string) bool { return strings.EqualFold(w, got) })
	case "stringlike":
		return any(func(w string) bool { return Like(w, got) })
	case "stringnotlike":
		return !any(func(w string) bool { return Like(w, got) })
	case "bool":
		return any(func(w string) bool { return strings.EqualFold(w, got) })
	case "ipaddress", "notipaddress":
		a, err := netip.ParseAddr(got)
		if err != nil {
			return c.op == "notipaddress"
		}
		in := any(func(w string) bool { p, err := parsePrefix(w); return err == nil && p.Contains(a.Unmap()) })
		return in == (c.op == "ipaddress")
	}
	if strings.HasPrefix(c.op, "numeric") {
		g, err := strconv.ParseFloat(got, 64)
		if err != nil {
			return false
		}
		cmp := func(w string) int {
			f, _ := strconv.ParseFloat(w, 64)
			switch {
			case g < f:
				return -1
			case g > f:
				return 1
			}
			return 0
		}
		return compare(strings.TrimPrefix(c.op, "numeric"), c.values, cmp)
	}
	if strings.HasPrefix(c.op, "date") {
		g, ok := parseDate(got)
		if !ok {
			return false
		}
		cmp := func(w string) int {
			t, _ := parseDate(w)
			return g.Compare(t)
		}
		return compare(strings.TrimPrefix(c.op, "date"), c.values, cmp)
	}
	return false
}

// compare applies a comparison operator name (equals, notequals,
// lessthan, ...) to the request value, cmp giving its order against each
// condition value.
func compare(op string, values []string, cmp func(string) int) bool {
	for _, w := range values {
		c := cmp(w)
		var ok bool
		switch op {
		case "equals":
			ok = c == 0
		case "notequals":
			ok = c != 0
		case "lessthan":
			ok = c < 0
		case "lessthanequals":
			ok = c <= 0
		case "greaterthan":
			ok = c > 0
		case "greaterthanequals":
			ok = c >= 0
		}
		if op == "notequals" {
			if !ok {
				return false
			}
			continue
		}
		if ok {
			return true
		}
	}
	return op == "notequals"
}
