package pep508

import (
	"regexp"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pystr"
)

var validName = regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)

// ValidName reports whether s is a valid project name (PEP 508 "identifier").
func ValidName(s string) bool { return validName.MatchString(s) }

// NormalizeName returns the PEP 503 normal form of a project name: lower case, each run
// of "-", "_" and "." collapsed to one "-". Extras are normalized the same way (PEP 685).
// Lower-casing is Python's, as in packaging's canonicalize_name.
func NormalizeName(s string) string {
	s = pystr.Lower(s)
	var b strings.Builder
	b.Grow(len(s))
	sep := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}
