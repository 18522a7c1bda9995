package pep440

import "strings"

// maxDigits is CPython's default limit on int(str) (sys.get_int_max_str_digits):
// packaging fails on a longer number, and so do we.
const maxDigits = 4300

// parts is a version split into its segments. Numbers are decimal digit strings as
// written (possibly with leading zeros, "" for an implicit 0); norm normalizes them.
type parts struct {
	epoch    string
	release  []string
	pre      byte // 0 (none), 'a', 'b' or 'r' (rc)
	preN     string
	post     bool
	postN    string
	dev      bool
	devN     string
	local    []string // segments as written; nil when there is no local label
	wildcard bool     // a trailing ".*" (specifiers only)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isSep(c byte) bool   { return c == '.' || c == '_' || c == '-' }
func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func digitsAt(s string, i int) int {
	j := i
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j - i
}

// hasPrefixFold reports whether s starts with the lower-case ASCII word w, ignoring
// ASCII case only (packaging compiles these alternatives with re.ASCII).
func hasPrefixFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if s[i]|0x20 != w[i] || !isAlnum(s[i]) {
			return false
		}
	}
	return true
}

// The spellings of each segment in the order packaging's regex tries them; a longer
// spelling always precedes its prefix, so the first hit is also the longest.
var (
	preWords  = []string{"alpha", "a", "beta", "b", "preview", "pre", "c", "rc"}
	postWords = []string{"post", "rev", "r"}
)

func matchWord(s string, words []string) string {
	for _, w := range words {
		if hasPrefixFold(s, w) {
			return w
		}
	}
	return ""
}

// scanOpts selects the variant of the version grammar: versions allow a local label,
// the == and != specifiers allow a local label or a ".*" suffix, ~= needs two release
// numbers.
type scanOpts struct {
	local      bool
	wildcard   bool
	minRelease int
}

// scanVersion matches the PEP 440 version grammar at s[i:] the way packaging's
// regexes do (each part greedy, first alternative first) and returns the end of the
// match, or -1 when nothing matches. The caller decides what may follow.
func scanVersion(s string, i int, o scanOpts, p *parts) int {
	if i < len(s) && s[i]|0x20 == 'v' {
		i++
	}
	d := digitsAt(s, i)
	if d == 0 {
		return -1
	}
	if i+d < len(s) && s[i+d] == '!' {
		p.epoch = s[i : i+d]
		i += d + 1
		if d = digitsAt(s, i); d == 0 {
			return -1
		}
	}
	p.release = append(p.release[:0], s[i:i+d])
	i += d
	for i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		d = digitsAt(s, i+1)
		p.release = append(p.release, s[i+1:i+1+d])
		i += 1 + d
	}
	if len(p.release) < o.minRelease {
		return -1
	}
	if o.wildcard && strings.HasPrefix(s[i:], ".*") {
		p.wildcard = true
		return i + 2
	}

	// Pre-release: [._-]? (alpha|a|beta|b|preview|pre|c|rc) [._-]? [0-9]*
	j := i
	if j < len(s) && isSep(s[j]) {
		j++
	}
	if w := matchWord(s[j:], preWords); w != "" {
		j += len(w)
		switch w {
		case "alpha", "a":
			p.pre = 'a'
		case "beta", "b":
			p.pre = 'b'
		default:
			p.pre = 'r'
		}
		if j < len(s) && isSep(s[j]) {
			j++
		}
		d = digitsAt(s, j)
		p.preN = s[j : j+d]
		i = j + d
	}

	// Post-release: -[0-9]+ | [._-]? (post|rev|r) [._-]? [0-9]*
	if i+1 < len(s) && s[i] == '-' && isDigit(s[i+1]) {
		d = digitsAt(s, i+1)
		p.post, p.postN = true, s[i+1:i+1+d]
		i += 1 + d
	} else {
		j = i
		if j < len(s) && isSep(s[j]) {
			j++
		}
		if w := matchWord(s[j:], postWords); w != "" {
			j += len(w)
			if j < len(s) && isSep(s[j]) {
				j++
			}
			d = digitsAt(s, j)
			p.post, p.postN = true, s[j:j+d]
			i = j + d
		}
	}

	// Development release: [._-]? dev [._-]? [0-9]*
	j = i
	if j < len(s) && isSep(s[j]) {
		j++
	}
	if hasPrefixFold(s[j:], "dev") {
		j += 3
		if j < len(s) && isSep(s[j]) {
			j++
		}
		d = digitsAt(s, j)
		p.dev, p.devN = true, s[j:j+d]
		i = j + d
	}

	// Local label: \+ [a-z0-9]+ ([._-][a-z0-9]+)*
	if o.local && i+1 < len(s) && s[i] == '+' && isAlnum(s[i+1]) {
		j = i + 1
		p.local = p.local[:0]
		for {
			k := j
			for k < len(s) && isAlnum(s[k]) {
				k++
			}
			p.local = append(p.local, s[j:k])
			j = k
			if j+1 < len(s) && isSep(s[j]) && isAlnum(s[j+1]) {
				j++
				continue
			}
			break
		}
		i = j
	}
	return i
}

// checkDigits enforces maxDigits on every number of p.
func (p *parts) checkDigits() bool {
	ok := func(s string) bool { return len(s) <= maxDigits }
	if !ok(p.epoch) || !ok(p.preN) || !ok(p.postN) || !ok(p.devN) {
		return false
	}
	for _, r := range p.release {
		if !ok(r) {
			return false
		}
	}
	for _, l := range p.local {
		if allDigits(l) && !ok(l) { // a segment with a letter stays a string
			return false
		}
	}
	return true
}

// trimZeros returns the canonical digits of a number: no leading zeros, "0" for zero.
func trimZeros(s string) string {
	i := 0
	for i < len(s)-1 && s[i] == '0' {
		i++
	}
	if s == "" {
		return "0"
	}
	return s[i:]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}

// incDigits adds one to a canonical decimal number.
func incDigits(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < '9' {
			b[i]++
			return string(b)
		}
		b[i] = '0'
	}
	return "1" + string(b)
}
