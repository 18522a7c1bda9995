package pep440

import (
	"errors"
	"slices"
	"testing"
)

func TestSpecifierErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2.0", `invalid version specifier "2.0": expected an operator (one of ~= == != <= >= < > ===) followed by a version`},
		{"=>2.0", `invalid version specifier "=>2.0": expected an operator (one of ~= == != <= >= < > ===) followed by a version`},
		{"==", `invalid version specifier "==": expected a version after ==`},
		{"~=1", `invalid version specifier "~=1": ~= needs at least two release numbers (~=1.4, not ~=1)`},
		{">=1.0.*", `invalid version specifier ">=1.0.*": .* is only allowed with == and !=`},
		{"==2.0a1.*", `invalid version specifier "==2.0a1.*": .* cannot follow a pre-, post-, dev-release or local version`},
		{"<=1.0+abc", `invalid version specifier "<=1.0+abc": a local version label (+...) is only allowed with == and !=`},
		{"==1.0 extra", `invalid version specifier "==1.0 extra": unexpected " extra" after the version`},
		{"===a b", `invalid version specifier "===a b": unexpected " b" after the version`},
	}
	for _, tt := range tests {
		_, err := ParseSpecifier(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseSpecifier(%q) error = %v\nwant %s", tt.in, err, tt.want)
		}
		if !errors.Is(err, ErrInvalidSpecifier) {
			t.Errorf("ParseSpecifier(%q) error does not wrap ErrInvalidSpecifier", tt.in)
		}
	}
	_, err := ParseSpecifierSet(">=1.0, <2.0+x")
	if want := `invalid version specifier "<2.0+x" in ">=1.0, <2.0+x": a local version label (+...) is only allowed with == and !=`; err == nil || err.Error() != want {
		t.Errorf("ParseSpecifierSet error = %v\nwant %s", err, want)
	}
}

func TestSpecifierAccessors(t *testing.T) {
	sp := MustParseSpecifier("  == v1.0.*\t")
	if sp.Operator() != "==" || sp.Version() != "v1.0.*" || sp.String() != "==v1.0.*" {
		t.Errorf("got %q %q %q", sp.Operator(), sp.Version(), sp.String())
	}
	if sp := MustParseSpecifier("===  foo"); sp.Operator() != "===" || sp.Version() != "foo" {
		t.Errorf("=== got %q %q", sp.Operator(), sp.Version())
	}
}

func TestSpecifierSetString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{" , ,", ""},
		{">=1.0, <2", "<2,>=1.0"},
		{"==1.0.0,==1.0,== 1", "==1"},      // equal clauses are kept once, the first in sorted order
		{"~=1.0,~=1.0.0", "~=1.0,~=1.0.0"}, // ~= keeps trailing zeros: these differ
		{"==1.0.*, ==1.00.*", "==1.0.*,==1.00.*"},
		{"===Foo,===foo", "===Foo,===foo"},
		{">= 1.0a1, != 1.5", "!=1.5,>=1.0a1"},
	}
	for _, tt := range tests {
		set := MustParseSpecifierSet(tt.in)
		if set.String() != tt.want {
			t.Errorf("ParseSpecifierSet(%q).String() = %q, want %q", tt.in, set.String(), tt.want)
		}
		again := MustParseSpecifierSet(set.String())
		if again.String() != set.String() {
			t.Errorf("%q does not round-trip: %q", set.String(), again.String())
		}
	}
	if n := MustParseSpecifierSet(">=1, <2,").Len(); n != 2 {
		t.Errorf("Len = %d, want 2", n)
	}
	if got := MustParseSpecifierSet(">=1,<2").Specifiers(); len(got) != 2 || got[0].String() != ">=1" {
		t.Errorf("Specifiers = %v", got)
	}
}

func versions(ss ...string) []Version {
	out := make([]Version, len(ss))
	for i, s := range ss {
		out[i] = MustParse(s)
	}
	return out
}

func strs(vs []Version) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.String()
	}
	return out
}

func TestFilterPolicy(t *testing.T) {
	cands := versions("0.9", "1.0", "1.1a1", "1.1", "2.0b1", "2.0.dev3")
	tests := []struct {
		spec string
		pre  PrereleasePolicy
		want []string
	}{
		{"", PreDefault, []string{"0.9", "1.0", "1.1"}},
		{">=1.0", PreDefault, []string{"1.0", "1.1"}},
		{">=1.0", PreAllow, []string{"1.0", "1.1a1", "1.1", "2.0b1", "2.0.dev3"}},
		{">=1.5", PreDefault, []string{"2.0b1", "2.0.dev3"}}, // nothing final matches
		{">=1.5", PreExclude, nil},
		{">=1.0b1", PreDefault, []string{"1.0", "1.1a1", "1.1", "2.0b1", "2.0.dev3"}}, // names a pre-release
		{"!=2.0b1", PreDefault, []string{"0.9", "1.0", "1.1"}},                        // != never opts in
		{"==1.*", PreDefault, []string{"1.0", "1.1"}},
	}
	for _, tt := range tests {
		got := strs(MustParseSpecifierSet(tt.spec).Filter(cands, tt.pre))
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q Filter(pre=%d) = %v, want %v", tt.spec, tt.pre, got, tt.want)
		}
	}
	// A set's own policy applies when Filter is called with PreDefault, and an explicit
	// argument wins over it.
	set := MustParseSpecifierSet(">=1.0").WithPrereleases(PreAllow)
	if got := strs(set.Filter(cands, PreDefault)); len(got) != 5 {
		t.Errorf("WithPrereleases(PreAllow).Filter = %v", got)
	}
	if got := strs(set.Filter(cands, PreExclude)); !slices.Equal(got, []string{"1.0", "1.1"}) {
		t.Errorf("explicit PreExclude = %v", got)
	}
	// Contains is membership; only an explicit PreExclude on the set rejects a
	// pre-release.
	v := MustParse("2.0b1")
	if !MustParseSpecifierSet(">=1.0").Contains(v) || MustParseSpecifierSet(">=1.0").WithPrereleases(PreExclude).Contains(v) {
		t.Error("Contains ignores or misapplies the pre-release policy")
	}
	if (SpecifierSet{}).Contains(Version{}) || !(SpecifierSet{}).Contains(v) {
		t.Error("zero SpecifierSet must hold every valid version")
	}
}

func TestArbitraryEquality(t *testing.T) {
	set := MustParseSpecifierSet("===1.0")
	for _, tt := range []struct {
		v    string
		want bool
	}{{"1.0", true}, {"1.0.0", false}, {"v1.0", false}, {"1.0+local", false}} {
		if got := set.Contains(MustParse(tt.v)); got != tt.want {
			t.Errorf("===1.0 contains %q = %v, want %v", tt.v, got, tt.want)
		}
	}
	// The range is the one version the string denotes: a superset of the matches.
	if r := set.Range(); !r.Contains(MustParse("1.0.0")) || r.Contains(MustParse("1.0+local")) {
		t.Errorf("===1.0 range = %s", r)
	}
	// str.lower() maps the Kelvin sign to k, so ===1.0+K (Kelvin) matches 1.0+k.
	if !MustParseSpecifierSet("===1.0+\u212a").Contains(MustParse("1.0+k")) {
		t.Error("=== must compare with Python's lower-casing")
	}
	if MustParseSpecifierSet("===foo").Range().IsEmpty() != true {
		t.Error("=== with a non-version has an empty range")
	}
}

func TestScanSpecifier(t *testing.T) {
	// The clause packaging's requirement tokenizer takes from the start of a string.
	tests := []struct {
		in   string
		want int
	}{
		{">=1.0,<2", 5},
		{"== 1.0.* ;", 8},
		{"==1.0a1.*", 7}, // the .* is left for the caller to refuse
		{">=1.0+local", 5},
		{"===foo bar", 6},
		{"~=1", -1},
		{"1.0", -1},
		{"<=v1!2.0.post1.dev2 x", 19},
	}
	for _, tt := range tests {
		if got := ScanSpecifier(tt.in); got != tt.want {
			t.Errorf("ScanSpecifier(%q) = %d, want %d", tt.in, got, tt.want)
		}
		if tt.want > 0 {
			if _, err := ParseSpecifier(tt.in[:tt.want]); err != nil {
				t.Errorf("the clause %q does not parse: %v", tt.in[:tt.want], err)
			}
		}
	}
}

func TestContainsString(t *testing.T) {
	tests := []struct {
		spec, s string
		want    bool
	}{
		{"==3.10.*", "3.10.14", true},
		{">=3.8", "", false}, // not a version: no match
		{"===Linux", "linux", true},
		{"===foo", "foo ", false},
		{"<3.11", "3.11.0rc1", false},
	}
	for _, tt := range tests {
		if got := MustParseSpecifier(tt.spec).ContainsString(tt.s); got != tt.want {
			t.Errorf("%q ContainsString(%q) = %v, want %v", tt.spec, tt.s, got, tt.want)
		}
	}
}
