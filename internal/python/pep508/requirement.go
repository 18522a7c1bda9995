package pep508

import (
	"fmt"
	"slices"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// Requirement is a parsed dependency specifier (PEP 508), such as
// `requests[socks]>=2.8; python_version < "3.12"` or `foo @ https://host/foo.whl`.
type Requirement struct {
	// Name is the project name as written; compare names with NormalizeName.
	Name string
	// Extras are the requested extras as written, sorted, without duplicates.
	Extras []string
	// Specifier is the version constraint (empty when there is none or a URL).
	Specifier pep440.SpecifierSet
	// URL is the direct reference after "@", or "".
	URL string
	// Marker is the environment marker; the zero Marker when there is none.
	Marker Marker
}

// ParseRequirement parses a requirement string exactly as packaging's Requirement:
// whitespace is free around tokens, the version may be in parentheses (legacy
// style), and after a URL a marker's ";" must follow whitespace (URLs may contain
// ";"). Errors are *SyntaxError values, or wrap pep440.ErrInvalidSpecifier.
func ParseRequirement(s string) (Requirement, error) {
	p := &parser{src: s, kind: "requirement"}
	name, extras, spec, url, m, err := p.parseRequirement()
	if err != nil {
		return Requirement{}, err
	}
	r := Requirement{Name: name, URL: url}
	set, err := pep440.ParseSpecifierSet(spec)
	if err != nil {
		return Requirement{}, fmt.Errorf("invalid requirement %q: %w", s, err)
	}
	r.Specifier = set
	if len(extras) > 0 {
		slices.Sort(extras)
		r.Extras = slices.Compact(extras)
	}
	if m != nil {
		m.normalizeExtras()
		r.Marker = Marker{m: m}
	}
	return r, nil
}

// NormalizedName returns the project name in PEP 503 normal form.
func (r Requirement) NormalizedName() string { return NormalizeName(r.Name) }

// String returns packaging's str(Requirement): `name[extra,...]specifiers`, or
// `name[extras] @ url`, then `; marker`.
func (r Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		b.WriteString("[" + strings.Join(r.Extras, ",") + "]")
	}
	b.WriteString(r.Specifier.String())
	if r.URL != "" {
		b.WriteString(" @ " + r.URL)
		if !r.Marker.IsZero() {
			b.WriteByte(' ')
		}
	}
	if !r.Marker.IsZero() {
		b.WriteString("; " + r.Marker.String())
	}
	return b.String()
}
