package pep440

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
)

// pep440Corpus is pep440_vectors.json (pypa/packaging 26.4 tests).
type pep440Corpus struct {
	Valid                     []string         `json:"valid"`
	Invalid                   []string         `json:"invalid"`
	Normalized                [][2]string      `json:"normalized"`
	Compare                   [][4]any         `json:"compare"`
	SpecContainsPreTrue       [][3]any         `json:"spec_contains_pre_true"`
	SpecInvalid               []string         `json:"spec_invalid"`
	Arbitrary                 [][3]any         `json:"arbitrary"`
	SpecPreDefault            [][3]any         `json:"spec_pre_default"`
	SpecifierFilter           []filterCase     `json:"specifier_filter"`
	SpecifierSetFilter        []filterCase     `json:"specifierset_filter"`
	SpecifierPrereleasesAll   []prereleaseCase `json:"specifier_prereleases_all"`
	SpecifiersNormalizedValid []string         `json:"specifiers_normalized_valid"`
}

type filterCase struct {
	Specifier string            `json:"specifier"`
	SpecPre   *bool             `json:"specifier_prereleases"`
	Pre       *bool             `json:"prereleases"`
	Input     []json.RawMessage `json:"input"`
	Expected  []json.RawMessage `json:"expected"`
}

type prereleaseCase struct {
	Specifier   string `json:"specifier"`
	Version     string `json:"version"`
	SpecPre     *bool  `json:"spec_pre"`
	ContainsPre *bool  `json:"contains_pre"`
	Expected    bool   `json:"expected"`
}

func loadPEP440(t *testing.T) pep440Corpus {
	t.Helper()
	var c pep440Corpus
	conformance.Load(t, "pep440_vectors.json", &c)
	if len(c.Valid) == 0 || len(c.Compare) == 0 || len(c.SpecifierSetFilter) == 0 {
		t.Fatal("pep440_vectors.json: sections missing")
	}
	return c
}

// policy maps packaging's prereleases argument (None, True, False).
func policy(b *bool) PrereleasePolicy {
	switch {
	case b == nil:
		return PreDefault
	case *b:
		return PreAllow
	}
	return PreExclude
}

// item decodes a filter input: a string, or a Version object shown as its repr.
func item(t *testing.T, raw json.RawMessage) string {
	t.Helper()
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Repr string `json:"__repr__"`
		Type string `json:"__type__"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil || obj.Type != "Version" {
		t.Fatalf("unexpected filter item %s", raw)
	}
	v, okPrefix := strings.CutPrefix(obj.Repr, "<Version('")
	v, okSuffix := strings.CutSuffix(v, "')>")
	if !okPrefix || !okSuffix {
		t.Fatalf("unexpected Version repr %q", obj.Repr)
	}
	return v
}

func TestConformanceVersions(t *testing.T) {
	c := loadPEP440(t)
	for i, s := range c.Valid {
		if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/valid/%d", i)) {
			continue
		}
		if _, err := Parse(s); err != nil {
			t.Errorf("Parse(%q): %v", s, err)
		}
	}
	for i, s := range c.Invalid {
		if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/invalid/%d", i)) {
			continue
		}
		if v, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) = %s, want an error", s, v)
		}
	}
	for i, n := range c.Normalized {
		if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/normalized/%d", i)) {
			continue
		}
		v, err := Parse(n[0])
		if err != nil {
			t.Errorf("Parse(%q): %v", n[0], err)
			continue
		}
		if v.String() != n[1] {
			t.Errorf("Parse(%q).String() = %q, want %q", n[0], v.String(), n[1])
		}
		if v.Original() != n[0] {
			t.Errorf("Parse(%q).Original() = %q", n[0], v.Original())
		}
	}
}

func TestConformanceCompare(t *testing.T) {
	c := loadPEP440(t)
	cache := map[string]Version{}
	get := func(s string) Version {
		v, ok := cache[s]
		if !ok {
			v = MustParse(s)
			cache[s] = v
		}
		return v
	}
	fails := 0
	for i, cs := range c.Compare {
		if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/compare/%d", i)) {
			continue
		}
		l, op, r, want := cs[0].(string), cs[1].(string), cs[2].(string), cs[3].(bool)
		n := Compare(get(l), get(r))
		var got bool
		switch op {
		case "<":
			got = n < 0
		case "<=":
			got = n <= 0
		case "==":
			got = n == 0
		case "!=":
			got = n != 0
		case ">=":
			got = n >= 0
		case ">":
			got = n > 0
		default:
			t.Fatalf("compare case %d: unknown operator %q", i, op)
		}
		if got != want {
			fails++
			if fails < 20 {
				t.Errorf("%s %s %s = %v, want %v", l, op, r, got, want)
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d of %d comparisons wrong", fails, len(c.Compare))
	}
}

func TestConformanceSpecifiers(t *testing.T) {
	c := loadPEP440(t)
	membership := func(section string, cases [][3]any) {
		for i, cs := range cases {
			if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/%s/%d", section, i)) {
				continue
			}
			spec, ver, want := cs[0].(string), cs[1].(string), cs[2].(bool)
			sp, err := ParseSpecifier(spec)
			if err != nil {
				t.Errorf("%s: ParseSpecifier(%q): %v", section, spec, err)
				continue
			}
			set := MustParseSpecifierSet(spec)
			var got bool
			if v, err := Parse(ver); err == nil {
				got = sp.Contains(v)
				if set.Contains(v) != got {
					t.Errorf("%s: set and specifier disagree on %q in %q", section, ver, spec)
				}
				if set.Range().Contains(v) != got && sp.op != "===" {
					t.Errorf("%s: Range %s and Contains disagree on %q in %q", section, set.Range(), ver, spec)
				}
			} else {
				got = set.containsString(ver)
			}
			if got != want {
				t.Errorf("%s: %q contains %q = %v, want %v", section, spec, ver, got, want)
			}
		}
	}
	membership("spec_contains_pre_true", c.SpecContainsPreTrue)
	membership("arbitrary", c.Arbitrary)
	membership("spec_pre_default", c.SpecPreDefault)

	for i, spec := range c.SpecInvalid {
		if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/spec_invalid/%d", i)) {
			continue
		}
		if sp, err := ParseSpecifier(spec); err == nil {
			t.Errorf("ParseSpecifier(%q) = %s, want an error", spec, sp)
		}
	}
	for i, ver := range c.SpecifiersNormalizedValid {
		if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/specifiers_normalized_valid/%d", i)) {
			continue
		}
		ops := []string{"~=", "==", "!=", "<=", ">=", "<", ">"}
		if slices.Contains([]byte(ver), '+') {
			ops = []string{"==", "!="}
		}
		for _, op := range ops {
			if _, err := ParseSpecifier(op + ver); err != nil {
				t.Errorf("ParseSpecifier(%q): %v", op+ver, err)
			}
		}
	}
}

func TestConformancePrereleasePolicy(t *testing.T) {
	c := loadPEP440(t)
	filter := func(section string, cases []filterCase) {
		for i, fc := range cases {
			if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/%s/%d", section, i)) {
				continue
			}
			set, err := ParseSpecifierSet(fc.Specifier)
			if err != nil {
				t.Errorf("%s: ParseSpecifierSet(%q): %v", section, fc.Specifier, err)
				continue
			}
			set = set.WithPrereleases(policy(fc.SpecPre))
			var inputs []string
			var versions []Version
			for _, raw := range fc.Input {
				s := item(t, raw)
				inputs = append(inputs, s)
				if v, err := Parse(s); err == nil {
					versions = append(versions, v)
				}
			}
			kept := map[string]bool{}
			for _, v := range set.Filter(versions, policy(fc.Pre)) {
				kept[v.Original()] = true
			}
			// Filter works on versions; a string that is not one survives packaging's
			// filter exactly when it matches (=== or an empty set), whatever the
			// pre-release policy, and never counts as a final release.
			var got []string
			for _, s := range inputs {
				if _, err := Parse(s); err != nil {
					if set.containsString(s) {
						got = append(got, s)
					}
				} else if kept[s] {
					got = append(got, s)
				}
			}
			var want []string
			for _, raw := range fc.Expected {
				want = append(want, item(t, raw))
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s: SpecifierSet(%q, prereleases=%v).filter(%q, prereleases=%v) = %q, want %q",
					section, fc.Specifier, fmtPre(fc.SpecPre), inputs, fmtPre(fc.Pre), got, want)
			}
		}
	}
	filter("specifier_filter", c.SpecifierFilter)
	filter("specifierset_filter", c.SpecifierSetFilter)

	for i, pc := range c.SpecifierPrereleasesAll {
		if conformance.Skipped(t, fmt.Sprintf("pep440_vectors/specifier_prereleases_all/%d", i)) {
			continue
		}
		set := MustParseSpecifierSet(pc.Specifier).WithPrereleases(policy(pc.SpecPre))
		v := MustParse(pc.Version)
		// contains(v, prereleases=p) is filtering the one-element list [v].
		got := len(set.Filter([]Version{v}, policy(pc.ContainsPre))) == 1
		if pc.ContainsPre == nil && got != set.Contains(v) {
			t.Errorf("Contains and Filter disagree on %q in %q", pc.Version, pc.Specifier)
		}
		if got != pc.Expected {
			t.Errorf("Specifier(%q, prereleases=%v).contains(%q, prereleases=%v) = %v, want %v",
				pc.Specifier, fmtPre(pc.SpecPre), pc.Version, fmtPre(pc.ContainsPre), got, pc.Expected)
		}
	}
}

func fmtPre(b *bool) string {
	if b == nil {
		return "None"
	}
	if *b {
		return "True"
	}
	return "False"
}

func TestConformanceCanonicalizeVersion(t *testing.T) {
	var c struct {
		CanonicalizeVersion []struct {
			Version  json.RawMessage `json:"version"`
			Expected string          `json:"expected"`
		} `json:"canonicalize_version"`
	}
	conformance.Load(t, "utils_vectors.json", &c)
	if len(c.CanonicalizeVersion) == 0 {
		t.Fatal("utils_vectors.json: no canonicalize_version cases")
	}
	for i, cv := range c.CanonicalizeVersion {
		if conformance.Skipped(t, fmt.Sprintf("utils_vectors/canonicalize_version/%d", i)) {
			continue
		}
		in := item(t, cv.Version)
		v, err := Parse(in)
		if err != nil {
			// packaging returns a string that is not a version unchanged.
			if in != cv.Expected {
				t.Errorf("canonicalize_version(%q): Parse failed (%v), but packaging gives %q", in, err, cv.Expected)
			}
			continue
		}
		if got := v.Canonical(); got != cv.Expected {
			t.Errorf("Parse(%q).Canonical() = %q, want %q", in, got, cv.Expected)
		}
	}
}
