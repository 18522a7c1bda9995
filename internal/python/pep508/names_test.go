package pep508

import (
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
)

func TestNormalizeNameConformance(t *testing.T) {
	var corpus struct {
		CanonicalizeName []struct{ Name, Expected string } `json:"canonicalize_name"`
	}
	conformance.Load(t, "utils_vectors.json", &corpus)
	if len(corpus.CanonicalizeName) == 0 {
		t.Fatal("utils_vectors.json: no canonicalize_name cases")
	}
	for _, c := range corpus.CanonicalizeName {
		if got := NormalizeName(c.Name); got != c.Expected {
			t.Errorf("NormalizeName(%q) = %q, want %q", c.Name, got, c.Expected)
		}
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"requests", true}, {"Django", true}, {"zope.interface", true}, {"a", true},
		{"ps-mem", true}, {"_private", false}, {"trailing-", false}, {"", false}, {"na me", false},
	}
	for _, tt := range tests {
		if got := ValidName(tt.in); got != tt.want {
			t.Errorf("ValidName(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeNamePythonLowercase(t *testing.T) {
	// packaging lower-cases with str.lower(): İ becomes "i̇", a final Σ becomes ς.
	tests := []struct{ in, want string }{
		{"İnfo", "i\u0307nfo"},
		{"ΟΔΟΣ", "οδος"},
		{"A__b..C-", "a-b-c-"},
		{"-x", "-x"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
