package policy

// pattern is an IAM wildcard pattern: * matches any run of characters
// (none included), ? any one character.
type pattern string

func compile(s string) pattern { return pattern(s) }

// match reports whether s matches p, in time linear in len(p)*len(s) at
// worst (the classic two-pointer match with one backtrack point).
func (p pattern) match(s string) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// Like reports whether s matches the IAM wildcard pattern p (StringLike).
func Like(p, s string) bool { return pattern(p).match(s) }
