package pep508

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

func TestParseRequirementErrors(t *testing.T) {
	// Messages and positions are packaging 26.4's.
	tests := []struct {
		in, msg    string
		start, end int
	}{
		{"", "Expected package name at the start of dependency specifier", 0, 0},
		{"name-", "Expected semicolon (after name with no version specifier) or end", 4, 4},
		{"name[a b]", "Expected comma between extra names", 7, 7},
		{"name[a,]", "Expected extra name after comma", 7, 7},
		{"name (>=1.0", "Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after version specifier", 5, 11},
		{"name >=1.0.*", ".* suffix can only be used with `==` or `!=` operators", 5, 11},
		{"name ==1.0a1.*", ".* suffix cannot be used with pre-release, post-release, dev or local versions", 5, 13},
		{"name >=1.0+local", "Local version label can only be used with `==` or `!=` operators", 5, 10},
		{"name @ ", "Expected URL after @", 7, 7},
		{"name; os_name", "Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in", 13, 13},
		{"name; os_name == ", "Expected a marker variable or quoted string", 17, 17},
		{`name; (os_name == "a"`, "Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after marker expression", 6, 21},
		{`name; os_name not"a"`, "Expected whitespace after 'not'", 17, 17},
		{`name; os_name == "a" ]`, "Expected end of dependency specifier", 21, 21},
		{"name ~=1", "Expected semicolon (after name with no version specifier) or end", 5, 5},
		{"name>=1 2", "Expected comma (within version specifier), semicolon (after version specifier) or end", 4, 8},
		{`name; os_name == "\x4"`, `Invalid quoted string: truncated \x escape`, 17, 22},
		{`name; os_name == "\N{DASH}"`, `Invalid quoted string: \N{...} escapes are not supported`, 17, 27},
	}
	for _, tt := range tests {
		_, err := ParseRequirement(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseRequirement(%q) = %v, want a *SyntaxError", tt.in, err)
			continue
		}
		if se.Msg != tt.msg || se.Start != tt.start || se.End != tt.end {
			t.Errorf("ParseRequirement(%q): %q at %d..%d, want %q at %d..%d", tt.in, se.Msg, se.Start, se.End, tt.msg, tt.start, tt.end)
		}
	}
	_, err := ParseRequirement("name-")
	if want := `invalid requirement "name-": Expected semicolon (after name with no version specifier) or end (at column 5)`; err.Error() != want {
		t.Errorf("Error() = %q, want %q", err, want)
	}
}

func TestParseRequirement(t *testing.T) {
	tests := []struct {
		in, str, name, url, spec, marker string
		extras                           []string
	}{
		{in: "Foo.Bar", str: "Foo.Bar", name: "Foo.Bar"},
		{in: "name()", str: "name", name: "name"},
		{in: "name[]", str: "name", name: "name"},
		{in: "name>=1.0,", str: "name>=1.0", name: "name", spec: ">=1.0"},
		{in: "name (>=1.0, <2)", str: "name<2,>=1.0", name: "name", spec: "<2,>=1.0"},
		{in: "name[b,a,b]", str: "name[a,b]", name: "name", extras: []string{"a", "b"}},
		{in: "name @ https://h/x.whl;x", str: "name @ https://h/x.whl;x", name: "name", url: "https://h/x.whl;x"},
		{in: "name@https://h/x.whl ; os.name=='posix'", str: `name @ https://h/x.whl ; os_name == "posix"`, name: "name", url: "https://h/x.whl", marker: `os_name == "posix"`},
		{in: `name; extra == "Socks.Extra"`, str: `name; extra == "socks-extra"`, name: "name", marker: `extra == "socks-extra"`},
		{in: `name; (python_implementation=='CPython')`, str: `name; platform_python_implementation == "CPython"`, name: "name", marker: `platform_python_implementation == "CPython"`},
		{in: `name; os_name == "it's"`, str: `name; os_name == "it's"`, name: "name", marker: `os_name == "it's"`},
		{in: `name; os_name == 'say "hi"'`, str: `name; os_name == 'say "hi"'`, name: "name", marker: `os_name == 'say "hi"'`},
	}
	for _, tt := range tests {
		r, err := ParseRequirement(tt.in)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", tt.in, err)
			continue
		}
		if r.String() != tt.str || r.Name != tt.name || r.URL != tt.url || r.Specifier.String() != tt.spec ||
			r.Marker.String() != tt.marker || !slices.Equal(r.Extras, tt.extras) {
			t.Errorf("ParseRequirement(%q) = %q (name %q url %q spec %q marker %q extras %q)", tt.in, r.String(), r.Name, r.URL, r.Specifier, r.Marker, r.Extras)
		}
	}
	r, _ := ParseRequirement("Foo_Bar.baz")
	if r.NormalizedName() != "foo-bar-baz" {
		t.Errorf("NormalizedName = %q", r.NormalizedName())
	}
	// A specifier clause with a number too long for packaging fails as a specifier.
	if _, err := ParseRequirement("name>=1." + strings.Repeat("9", 4301)); !errors.Is(err, pep440.ErrInvalidSpecifier) {
		t.Errorf("oversized version: %v, want pep440.ErrInvalidSpecifier", err)
	}
}

func TestMarkerNestingLimit(t *testing.T) {
	nested := func(n int) string {
		return strings.Repeat("(", n) + `os_name == "posix"` + strings.Repeat(")", n)
	}
	// As deep as packaging gets before its RecursionError still parses and evaluates.
	env, err := TargetEnv("3.12")
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMarker(nested(maxMarkerDepth))
	if err != nil {
		t.Fatalf("%d levels: %v", maxMarkerDepth, err)
	}
	if ok, err := m.Evaluate(env, ""); !ok || err != nil {
		t.Errorf("%d levels evaluate to %v, %v", maxMarkerDepth, ok, err)
	}
	if m.String() != `os_name == "posix"` {
		t.Errorf("%d levels print as %.40q", maxMarkerDepth, m.String())
	}
	// A line of a million parentheses (a requirements file may hold 8 MiB) is an error,
	// not a stack overflow.
	_, err = ParseRequirement("name; " + nested(1_000_000))
	var se *SyntaxError
	if !errors.As(err, &se) || se.Msg != "Marker nests parentheses more than 1000 deep" || se.Start != 6+maxMarkerDepth {
		t.Errorf("a million parentheses: %v", err)
	}
}
