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
