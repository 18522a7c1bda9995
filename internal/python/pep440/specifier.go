package pep440

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/lithops-fc/runtime-action/internal/python/pystr"
)

// ErrInvalidSpecifier is wrapped by every error ParseSpecifier and ParseSpecifierSet
// return.
var ErrInvalidSpecifier = errors.New("invalid version specifier")

// PrereleasePolicy says whether pre-releases (versions with an a/b/rc or dev segment)
// are acceptable candidates. It applies to candidate lists (Filter), not to plain
// membership (Contains), as in packaging 26.
type PrereleasePolicy uint8

const (
	// PreDefault is PEP 440's rule: pre-releases only when the specifier names one
	// (>=1.0b1) or when no final release among the candidates matches.
	PreDefault PrereleasePolicy = iota
	// PreAllow accepts pre-releases like final releases (pip's --pre).
	PreAllow
	// PreExclude never accepts a pre-release.
	PreExclude
)

// Specifier is one version clause such as ">=1.0", "==2.*" or "===foo".
type Specifier struct {
	op       string
	ver      string  // as written, without surrounding whitespace
	v        Version // the specifier's version; zero for an unparsable === string
	rng      Range   // the versions admitted; for === the candidates' own spelling decides
	namesPre bool    // the version named is a pre-release and op is not != or ==V.*
}

// The operators, in the order packaging's regex tries them.
var operators = []string{"===", "==", "!=", "~=", "<=", ">=", "<", ">"}

// ParseSpecifier parses one specifier clause, exactly as packaging's Specifier.
func ParseSpecifier(s string) (Specifier, error) {
	sp, reason := parseSpecifier(s)
	if reason != "" {
		return Specifier{}, fmt.Errorf("%w %q: %s", ErrInvalidSpecifier, s, reason)
	}
	return sp, nil
}

// matchSpecifier matches packaging's specifier regex at s[i:] (no surrounding
// whitespace) and returns the end of the match, or -1. It fills p with the version
// scanned, and returns the operator.
func matchSpecifier(s string, i int, p *parts) (op string, end int) {
	for _, o := range operators {
		if strings.HasPrefix(s[i:], o) {
			op = o
			break
		}
	}
	if op == "" {
		return "", -1
	}
	j := pystr.SkipSpace(s, i+len(op))
	if op == "===" {
		// Anything up to whitespace, a semicolon or a closing parenthesis.
		for j < len(s) {
			r, n := utf8.DecodeRuneInString(s[j:])
			if r == ';' || r == ')' || pystr.IsSpace(r) {
				break
			}
			j += n
		}
		return op, j
	}
	var o scanOpts
	switch op {
	case "==", "!=":
		o = scanOpts{local: true, wildcard: true}
	case "~=":
		o = scanOpts{minRelease: 2}
	}
	return op, scanVersion(s, j, o, p)
}

// parseSpecifier returns the specifier or why s is not one.
func parseSpecifier(s string) (Specifier, string) {
	t := pystr.TrimSpace(s)
	var p parts
	op, end := matchSpecifier(t, 0, &p)
	if op == "" {
		return Specifier{}, "expected an operator (one of ~= == != <= >= < > ===) followed by a version"
	}
	if end != len(t) {
		return Specifier{}, specifierReason(op, t, end, &p)
	}
	sp := Specifier{op: op, ver: pystr.TrimSpace(t[len(op):])}
	if op == "===" {
		if v, err := Parse(sp.ver); err == nil {
			sp.v = v
			sp.namesPre = v.IsPrerelease()
		}
		// Only a candidate spelled like the string can match; as a range that is at
		// most the one version the string (lower-cased, as === compares) denotes.
		if v, err := Parse(pystr.Lower(sp.ver)); err == nil {
			sp.rng = Singleton(v)
		}
		return sp, ""
	}
	if !p.checkDigits() {
		return Specifier{}, fmt.Sprintf("a number has more than %d digits", maxDigits)
	}
	base := strings.TrimSuffix(sp.ver, ".*")
	sp.v = fromParts(&p, base, base)
	sp.namesPre = sp.v.IsPrerelease() && op != "!=" && !p.wildcard
	sp.rng = specRange(op, p.clone(), len(p.local) > 0)
	return sp, ""
}

// specifierReason explains why a specifier stops matching at t[end:] (end may be -1).
func specifierReason(op, t string, end int, p *parts) string {
	rest := ""
	if end >= 0 {
		rest = t[end:]
	}
	switch {
	case end < 0 && op == "~=" && len(p.release) == 1:
		return "~= needs at least two release numbers (~=1.4, not ~=1)"
	case end < 0:
		return fmt.Sprintf("expected a version after %s", op)
	case strings.HasPrefix(rest, ".*") && op != "==" && op != "!=":
		return ".* is only allowed with == and !="
	case strings.HasPrefix(rest, ".*"):
		return ".* cannot follow a pre-, post-, dev-release or local version"
	case strings.HasPrefix(rest, "+") && op != "==" && op != "!=":
		return "a local version label (+...) is only allowed with == and !="
	}
	return fmt.Sprintf("unexpected %q after the version", rest)
}

// MustParseSpecifier is ParseSpecifier for literals known to be valid; it panics on
// an invalid one.
func MustParseSpecifier(s string) Specifier {
	sp, err := ParseSpecifier(s)
	if err != nil {
		panic(err)
	}
	return sp
}

// Operator returns the operator: one of ~= == != <= >= < > ===.
func (sp Specifier) Operator() string { return sp.op }

// Version returns the version as written in the specifier, with any ".*" suffix.
func (sp Specifier) Version() string { return sp.ver }

// String returns the specifier without whitespace (packaging's str(Specifier)).
func (sp Specifier) String() string { return sp.op + sp.ver }

// Contains reports whether v matches the specifier (plain membership: a pre-release
// matches like any other version; see Filter for the pre-release policy). === compares
// v's original spelling, ignoring case.
func (sp Specifier) Contains(v Version) bool {
	if v.key == "" {
		return false
	}
	if sp.op == "===" {
		return pystr.Lower(v.orig) == pystr.Lower(sp.ver)
	}
	return sp.rng.Contains(v)
}

// canonical is the spelling-independent identity of a specifier, as packaging's
// Specifier equality defines it.
func (sp Specifier) canonical() string {
	if sp.op == "===" || strings.HasSuffix(sp.ver, ".*") {
		return sp.op + sp.ver
	}
	if sp.op == "~=" {
		return sp.op + sp.v.norm
	}
	return sp.op + trimmedRelease(sp.v.norm)
}

// trimmedRelease drops trailing ".0" release numbers from a normalized version,
// keeping one (packaging's canonicalize_version).
func trimmedRelease(norm string) string {
	start := strings.IndexByte(norm, '!') + 1
	end := start
	for end < len(norm) && (isDigit(norm[end]) || (norm[end] == '.' && end+1 < len(norm) && isDigit(norm[end+1]))) {
		end++
	}
	rel := norm[start:end]
	for strings.HasSuffix(rel, ".0") {
		rel = rel[:len(rel)-2]
	}
	return norm[:start] + rel + norm[end:]
}

// SpecifierSet is a comma-separated list of specifiers, all of which must match. The
// zero SpecifierSet (and the empty string) matches every version.
type SpecifierSet struct {
	specs     []Specifier
	rng       Range
	pre       PrereleasePolicy
	arbitrary bool // has a === clause
}

// ParseSpecifierSet parses a comma-separated list of specifiers, exactly as
// packaging's SpecifierSet: empty items are ignored, so "" is the set of all versions.
func ParseSpecifierSet(s string) (SpecifierSet, error) {
	var set SpecifierSet
	var ranges []Range
	for _, item := range strings.Split(s, ",") {
		if pystr.OnlySpace(item) {
			continue
		}
		sp, reason := parseSpecifier(item)
		if reason != "" {
			if strings.Contains(s, ",") {
				return SpecifierSet{}, fmt.Errorf("%w %q in %q: %s", ErrInvalidSpecifier, pystr.TrimSpace(item), s, reason)
			}
			return SpecifierSet{}, fmt.Errorf("%w %q: %s", ErrInvalidSpecifier, s, reason)
		}
		set.specs = append(set.specs, sp)
		set.arbitrary = set.arbitrary || sp.op == "==="
	}
	// The range is made of the clauses String shows, so that a set and the parse of its
	// String have the same range, down to how its ends are written (!=00 and !=0.0 are
	// one clause, shown as !=0.0).
	for _, sp := range set.shown() {
		ranges = append(ranges, sp.rng)
	}
	set.rng = intersectAll(ranges)
	return set, nil
}

// MustParseSpecifierSet is ParseSpecifierSet for literals known to be valid; it panics
// on an invalid one.
func MustParseSpecifierSet(s string) SpecifierSet {
	set, err := ParseSpecifierSet(s)
	if err != nil {
		panic(err)
	}
	return set
}

// Specifiers returns the clauses in the order written.
func (s SpecifierSet) Specifiers() []Specifier { return slices.Clone(s.specs) }

// Len returns the number of clauses.
func (s SpecifierSet) Len() int { return len(s.specs) }

// WithPrereleases returns s with a pre-release policy of its own (packaging's
// SpecifierSet(..., prereleases=...)): Contains then rejects pre-releases under
// PreExclude, and Filter uses p when called with PreDefault.
func (s SpecifierSet) WithPrereleases(p PrereleasePolicy) SpecifierSet {
	s.pre = p
	return s
}

// String returns the clauses sorted and without duplicates (packaging's
// str(SpecifierSet)): ">=1.0,<2" gives "<2,>=1.0".
func (s SpecifierSet) String() string {
	var out []string
	for _, sp := range s.shown() {
		out = append(out, sp.String())
	}
	return strings.Join(out, ",")
}

// shown are the clauses String writes: sorted by their text, one of each canonical form
// (the first in that order).
func (s SpecifierSet) shown() []Specifier {
	specs := slices.Clone(s.specs)
	slices.SortStableFunc(specs, func(a, b Specifier) int { return strings.Compare(a.String(), b.String()) })
	seen := make(map[string]bool, len(specs))
	return slices.DeleteFunc(specs, func(sp Specifier) bool {
		c := sp.canonical()
		if seen[c] {
			return true
		}
		seen[c] = true
		return false
	})
}

// Contains reports whether v matches every clause (plain membership, as packaging's
// contains: a lone pre-release matches unless the set was given PreExclude).
func (s SpecifierSet) Contains(v Version) bool {
	if v.key == "" || (s.pre == PreExclude && v.pre) {
		return false
	}
	return s.matches(v)
}

func (s SpecifierSet) matches(v Version) bool {
	if len(s.specs) == 0 {
		return true
	}
	if !s.arbitrary {
		return s.rng.Contains(v)
	}
	for _, sp := range s.specs {
		if !sp.Contains(v) {
			return false
		}
	}
	return true
}

// Range returns the versions the set admits, for a resolver's set algebra. Without
// === it is exact: Range().Contains(v) == Contains(v) for every v. A ===S clause
// matches by spelling, which no range can express; it contributes the one version S
// denotes (or nothing if S is not a version), so the range is then the smallest one
// holding every match. The pre-release policy is not part of the range.
func (s SpecifierSet) Range() Range {
	if len(s.specs) == 0 {
		return FullRange()
	}
	return s.rng
}

// prereleases is the set's own policy: the one it was given, else PreAllow when a
// clause names a pre-release.
func (s SpecifierSet) prereleases() PrereleasePolicy {
	if s.pre != PreDefault {
		return s.pre
	}
	for _, sp := range s.specs {
		if sp.namesPre {
			return PreAllow
		}
	}
	return PreDefault
}

// Filter returns the versions of vs that match, in their order, applying the
// pre-release policy to the list as a whole (packaging's SpecifierSet.filter). With
// PreDefault the set's own policy applies (see WithPrereleases); if it has none,
// pre-releases are kept only when the set names one or when no final release in vs
// matches.
func (s SpecifierSet) Filter(vs []Version, pre PrereleasePolicy) []Version {
	if pre == PreDefault {
		pre = s.prereleases()
	}
	var out, pres []Version
	finals := false
	for _, v := range vs {
		if v.key == "" || (pre == PreExclude && v.pre) || !s.matches(v) {
			continue
		}
		switch {
		case pre != PreDefault || !v.pre:
			finals = finals || !v.pre
			out = append(out, v)
		case !finals:
			pres = append(pres, v)
		}
	}
	if pre == PreDefault && !finals {
		return pres
	}
	return out
}

// containsString is packaging's SpecifierSet.contains on a string: one that is not a
// version can only match === clauses (or an empty set). Versions from an index are
// always parsed first, so only the tests need the string form.
func (s SpecifierSet) containsString(item string) bool {
	if v, err := Parse(item); err == nil {
		return s.Contains(v)
	}
	for _, sp := range s.specs {
		if !sp.ContainsString(item) {
			return false
		}
	}
	return true
}

// ScanSpecifier returns the length of the specifier clause at the start of s, as
// packaging's requirement tokenizer matches it (no leading whitespace; whatever
// follows is left to the caller), or -1 when s does not start with one. A clause it
// accepts always parses with ParseSpecifier.
func ScanSpecifier(s string) int {
	var p parts
	op, end := matchSpecifier(s, 0, &p)
	if op == "" {
		return -1
	}
	return end
}

// ContainsString is Contains for a version given as a string, as packaging's
// Specifier.contains(str) with prereleases=True: a string that is not a version
// matches only a === clause with the same spelling (ignoring case). Marker
// evaluation compares environment values this way.
func (sp Specifier) ContainsString(s string) bool {
	if sp.op == "===" {
		return pystr.Lower(s) == pystr.Lower(sp.ver)
	}
	v, err := Parse(s)
	return err == nil && sp.rng.Contains(v)
}
