package tags

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// ErrInvalidWheelName is wrapped by every error ParseWheelName returns.
var ErrInvalidWheelName = errors.New("invalid wheel file name")

// Tag is one compatibility tag (PEP 425), in lower case.
type Tag struct {
	Interpreter string // e.g. "cp310", "py3"
	ABI         string // e.g. "cp310", "abi3", "none"
	Platform    string // e.g. "manylinux_2_17_x86_64", "any"
}

// String returns the tag as it appears in file names: "cp310-cp310-manylinux_2_17_x86_64";
// "" for the zero Tag (none chosen).
func (t Tag) String() string {
	if t == (Tag{}) {
		return ""
	}
	return t.Interpreter + "-" + t.ABI + "-" + t.Platform
}

// maxTags bounds the tags one compressed tag set may expand to. The expansion is a
// cross product, cubic in the length of the name: a few hundred characters of a file
// name on an index page would otherwise take minutes and gigabytes. Real wheels have
// a few dozen tags at most.
const maxTags = 1 << 14

// ParseTag expands a tag, possibly a compressed tag set such as
// "py2.py3-none-any", into its tags (the cross product of the dotted parts, in the
// order written, without duplicates), as packaging's parse_tag. A set of more than
// 16384 tags is refused.
func ParseTag(s string) ([]Tag, error) {
	fields := strings.Split(s, "-")
	parts := make([][]string, len(fields))
	for i, f := range fields {
		parts[i] = strings.Split(f, ".")
		for _, p := range parts[i] {
			if p == "" {
				return nil, fmt.Errorf("tag %q has an empty component in %q", s, f)
			}
		}
	}
	if len(parts) != 3 {
		return nil, fmt.Errorf("tag %q must have exactly three components (python-abi-platform)", s)
	}
	for _, interp := range parts[0] {
		if !isIdentifier(interp) {
			return nil, fmt.Errorf("tag %q has an invalid interpreter %q", s, interp)
		}
	}
	// Distinct lower-case parts make distinct tags, in the order of first appearance.
	n := 1
	for i := range parts {
		parts[i] = distinctLower(parts[i])
		if n *= len(parts[i]); n > maxTags {
			return nil, fmt.Errorf("tag %q expands to more than %d tags", s, maxTags)
		}
	}
	out := make([]Tag, 0, n)
	for _, i := range parts[0] {
		for _, a := range parts[1] {
			for _, p := range parts[2] {
				out = append(out, Tag{i, a, p})
			}
		}
	}
	return out, nil
}

// distinctLower returns the parts in lower case, each once, in the order written.
func distinctLower(parts []string) []string {
	seen := make(map[string]bool, len(parts))
	out := parts[:0]
	for _, p := range parts {
		if p = strings.ToLower(p); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// isIdentifier approximates Python's str.isidentifier (XID_Start then XID_Continue).
func isIdentifier(s string) bool {
	for i, r := range s {
		start := r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
		if i == 0 && !start {
			return false
		}
		if !start && !unicode.In(r, unicode.Mn, unicode.Mc, unicode.Nd, unicode.Pc) {
			return false
		}
	}
	return s != ""
}

// Build is a wheel's optional build tag: a number, then any text. Build tags order
// wheels of one version that are otherwise the same; no build tag sorts first.
type Build struct {
	Number string // the leading digits without leading zeros; "" when there is no build tag
	Rest   string // what follows the digits
}

// IsZero reports whether there is no build tag.
func (b Build) IsZero() bool { return b.Number == "" }

// String returns the build tag as its number and rest ("" when there is none).
func (b Build) String() string { return b.Number + b.Rest }

// CompareBuild orders build tags as packaging's (number, rest) tuples: no tag, then
// by number, then by the rest.
func CompareBuild(a, b Build) int {
	switch {
	case a.IsZero() || b.IsZero():
		return boolCmp(!a.IsZero(), !b.IsZero())
	case len(a.Number) != len(b.Number):
		return boolCmp(len(a.Number) > len(b.Number), len(a.Number) < len(b.Number))
	case a.Number != b.Number:
		return strings.Compare(a.Number, b.Number)
	}
	return strings.Compare(a.Rest, b.Rest)
}

func boolCmp(a, b bool) int {
	switch {
	case a && !b:
		return 1
	case b && !a:
		return -1
	}
	return 0
}

// WheelName is a parsed wheel file name (PEP 427/491):
// {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl.
type WheelName struct {
	Name    string // the project name as written in the file name, e.g. "zope_interface"
	Version pep440.Version
	Build   Build
	Tags    []Tag // the expanded tag set, in the order written
}

// NormalizedName returns the project name in PEP 503 normal form.
func (w WheelName) NormalizedName() string { return pep508.NormalizeName(w.Name) }

// ParseWheelName parses a wheel file name (the base name, not a path or URL) as
// packaging's parse_wheel_filename, refusing what it refuses.
func ParseWheelName(filename string) (WheelName, error) {
	bad := func(why string) (WheelName, error) {
		return WheelName{}, fmt.Errorf("%w %q: %s", ErrInvalidWheelName, filename, why)
	}
	stem, ok := strings.CutSuffix(filename, ".whl")
	if !ok {
		return bad("the extension must be .whl")
	}
	dashes := strings.Count(stem, "-")
	if dashes != 4 && dashes != 5 {
		return bad("wrong number of parts (want name-version[-build]-python-abi-platform.whl)")
	}
	parts := strings.SplitN(stem, "-", dashes-1)
	if strings.Contains(parts[0], "__") || !validWheelProject(parts[0]) {
		return bad(fmt.Sprintf("invalid project name %q", parts[0]))
	}
	var w WheelName
	w.Name = parts[0]
	v, err := pep440.Parse(parts[1])
	if err != nil {
		return bad(fmt.Sprintf("invalid version %q", parts[1]))
	}
	w.Version = v
	if dashes == 5 {
		b := parts[2]
		n := 0
		for n < len(b) && b[n] >= '0' && b[n] <= '9' {
			n++
		}
		if n == 0 {
			return bad(fmt.Sprintf("invalid build tag %q (it must start with a digit)", b))
		}
		if n > 4300 { // packaging's int() refuses longer numbers
			return bad("the build number has more than 4300 digits")
		}
		rest, _, _ := strings.Cut(b[n:], "\n") // packaging's (.*) stops at a newline
		w.Build = Build{Number: strings.TrimLeft(b[:n], "0"), Rest: rest}
		if w.Build.Number == "" {
			w.Build.Number = "0"
		}
	}
	if w.Tags, err = ParseTag(parts[len(parts)-1]); err != nil {
		return bad(err.Error())
	}
	return w, nil
}

// validWheelProject matches packaging's ^[\w._]+\Z (Unicode word characters).
func validWheelProject(s string) bool {
	if s == "" || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r != '.' && r != '_' && !unicode.IsLetter(r) && !unicode.IsNumber(r) {
			return false
		}
	}
	return true
}
