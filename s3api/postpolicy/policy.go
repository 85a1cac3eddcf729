package postpolicy

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/dolium/dolium/s3api/s3err"
)

// Condition is one condition of a policy: Op is "eq" or "starts-with",
// Field a lower-case form field name ("bucket" is the bucket's name).
type Condition struct {
	Op, Field, Value string
	name             string // the field as the policy spells it
}

// String is the condition as AWS quotes it in its error message.
func (c Condition) String() string {
	return "[" + strconv.Quote(c.Op) + ", " + strconv.Quote("$"+c.name) + ", " + strconv.Quote(c.Value) + "]"
}

// Policy is a parsed policy document.
type Policy struct {
	Expiration time.Time
	Conditions []Condition
	// MinLength and MaxLength bound the file's size when HasLength.
	MinLength, MaxLength int64
	HasLength            bool
}

func invalid(why string) error {
	return s3err.InvalidPolicyDocument.With("Invalid Policy: " + why)
}

// Parse decodes a base64 policy document.
func Parse(b64 string) (*Policy, error) {
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(b64))
	if err != nil {
		return nil, invalid("Invalid Base64 encoding.")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc map[string]json.RawMessage
	if err := dec.Decode(&doc); err != nil || dec.More() {
		return nil, invalid("Invalid JSON.")
	}
	p := &Policy{}
	exp, ok := doc["expiration"]
	if !ok {
		return nil, invalid("Policy missing expiration.")
	}
	var es string
	if err := json.Unmarshal(exp, &es); err != nil {
		return nil, invalid("Invalid 'expiration' value: must be an ISO8601 date string.")
	}
	if p.Expiration, err = time.Parse(time.RFC3339Nano, es); err != nil {
		return nil, invalid("Invalid 'expiration' value: '" + es + "'")
	}
	conds, ok := doc["conditions"]
	if !ok {
		return nil, invalid("Policy missing conditions.")
	}
	var list []json.RawMessage
	if err := json.Unmarshal(conds, &list); err != nil {
		return nil, invalid("Invalid 'conditions' value: must be a list.")
	}
	for _, c := range list {
		if err := p.addCondition(c); err != nil {
			return nil, err
		}
	}
	return p, nil
}

func (p *Policy) addCondition(raw json.RawMessage) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil || len(m) == 0 {
			return invalid("Invalid Simple-Condition: Simple-Conditions must have exactly one property specified.")
		}
		for k, v := range m {
			s, ok := v.(string)
			if !ok {
				return invalid("Invalid Simple-Condition: value of " + k + " must be a string.")
			}
			p.Conditions = append(p.Conditions, Condition{Op: "eq", Field: strings.ToLower(k), Value: s, name: k})
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var arr []any
	if err := dec.Decode(&arr); err != nil || len(arr) == 0 {
		return invalid("Invalid Condition: conditions must be objects or lists.")
	}
	op, _ := arr[0].(string)
	switch strings.ToLower(op) {
	case "eq", "starts-with":
		if len(arr) != 3 {
			return invalid("Invalid Condition: wrong number of arguments for '" + op + "'.")
		}
		name, _ := arr[1].(string)
		value, ok := arr[2].(string)
		if !strings.HasPrefix(name, "$") || len(name) < 2 || !ok {
			return invalid("Invalid Condition: '" + op + "' takes a $field and a string value.")
		}
		p.Conditions = append(p.Conditions, Condition{Op: strings.ToLower(op), Field: strings.ToLower(name[1:]), Value: value, name: name[1:]})
	case "content-length-range":
		if len(arr) != 3 {
			return invalid("Invalid Condition: wrong number of arguments for 'content-length-range'.")
		}
		lo, ok1 := number(arr[1])
		hi, ok2 := number(arr[2])
		if !ok1 || !ok2 || lo < 0 || hi < lo {
			return invalid("Invalid Condition: 'content-length-range' takes two integers, min <= max.")
		}
		p.MinLength, p.MaxLength, p.HasLength = lo, hi, true
	default:
		return invalid("Invalid Condition: unknown operation '" + op + "'.")
	}
	return nil
}

func number(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i, true
		}
		if f, err := n.Float64(); err == nil && f == math.Trunc(f) && f >= 0 && f < 1<<62 {
			return int64(f), true
		}
	case string:
		if i, err := strconv.ParseInt(n, 10, 64); err == nil {
			return i, true
		}
	}
	return 0, false
}

// policyFailed is AWS's AccessDenied for a form the policy does not allow.
func policyFailed(why string) error {
	return s3err.AccessDenied.With("Invalid according to Policy: " + why)
}

// exempt reports whether a form field need not be named by a condition.
func exempt(name string) bool {
	switch name {
	case "file", "policy", "x-amz-signature", "signature", "awsaccesskeyid":
		return true
	}
	return strings.HasPrefix(name, "x-ignore-")
}

// Check checks the policy's expiration and conditions against the form's
// fields (lower-case names) and the bucket, at time now. The file's size
// is the caller's to check, against MinLength and MaxLength.
func (p *Policy) Check(fields map[string]string, bucket string, now time.Time) error {
	if !now.Before(p.Expiration) {
		return policyFailed("Policy expired.")
	}
	named := map[string]bool{}
	for _, c := range p.Conditions {
		named[c.Field] = true
		v, ok := fields[c.Field]
		if c.Field == "bucket" {
			v, ok = bucket, true
		}
		pass := false
		switch c.Op {
		case "eq":
			pass = ok && v == c.Value
		case "starts-with":
			pass = ok && strings.HasPrefix(v, c.Value)
			if !ok && c.Value == "" {
				pass = true
			}
		}
		if !pass {
			return policyFailed("Policy Condition failed: " + c.String())
		}
	}
	var extra []string
	for name := range fields {
		if !exempt(name) && !named[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		sortStrings(extra)
		return policyFailed("Extra input fields: " + strings.Join(extra, ", "))
	}
	return nil
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
