package pep508

import (
	"regexp"
	"strings"
)

var (
	validName = regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)
	separator = regexp.MustCompile(`[-_.]+`)
)

// ValidName reports whether s is a valid project name (PEP 508 "identifier").
func ValidName(s string) bool { return validName.MatchString(s) }

// NormalizeName returns the PEP 503 normal form of a project name: lower case, each run
// of "-", "_" and "." collapsed to one "-". Extras are normalized the same way (PEP 685).
func NormalizeName(s string) string {
	return strings.ToLower(separator.ReplaceAllString(s, "-"))
}
