package pep440

import (
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
)

func FuzzParseVersion(f *testing.F) {
	var c pep440Corpus
	conformance.Load(f, "pep440_vectors.json", &c)
	for _, s := range append(c.Valid, c.Invalid...) {
		f.Add(s)
	}
	for _, n := range c.Normalized {
		f.Add(n[0])
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err != nil {
			return
		}
		again, err := Parse(v.String())
		if err != nil {
			t.Fatalf("Parse(%q).String() = %q does not parse: %v", s, v.String(), err)
		}
		if !again.Equal(v) || again.String() != v.String() {
			t.Fatalf("%q: normal form %q re-parses as %q", s, v.String(), again.String())
		}
		if canon, err := Parse(v.Canonical()); err != nil || !canon.Equal(v) {
			t.Fatalf("%q: canonical form %q is not the same version (%v)", s, v.Canonical(), err)
		}
		if Compare(v, again) != 0 || v.Less(again) {
			t.Fatalf("%q: compares unequal to itself", s)
		}
		_, _, _ = v.Release(), v.Epoch(), v.Local()
	})
}

func FuzzParseSpecifierSet(f *testing.F) {
	var c pep440Corpus
	conformance.Load(f, "pep440_vectors.json", &c)
	for _, s := range c.SpecInvalid {
		f.Add(s)
	}
	for _, cs := range append(append(c.SpecContainsPreTrue, c.Arbitrary...), c.SpecPreDefault...) {
		f.Add(cs[0].(string))
	}
	for _, fc := range c.SpecifierSetFilter {
		f.Add(fc.Specifier)
	}
	for _, s := range poolSets {
		f.Add(s)
	}
	// Found by this target: equal bounds shown as the clause that came first (2.0), while
	// String keeps the clause that sorts first (<=2).
	f.Add("<=2.0,<=2")
	// And: != 0.dev0 kept an empty interval below the least version; its intersection did not.
	f.Add("!=0dev,!=0dev")
	// And: one clause written twice (!=00, !=0.0), its range written as the first one.
	f.Add("!=00,!=0.0")
	f.Fuzz(func(t *testing.T, s string) {
		set, err := ParseSpecifierSet(s)
		if err != nil {
			return
		}
		again, err := ParseSpecifierSet(set.String())
		if err != nil {
			t.Fatalf("%q: String() %q does not parse: %v", s, set.String(), err)
		}
		if again.String() != set.String() || again.Range().String() != set.Range().String() {
			t.Fatalf("%q: round trip changed %q/%s into %q/%s", s, set.String(), set.Range(), again.String(), again.Range())
		}
		r := set.Range()
		for _, v := range pool {
			if !set.arbitrary && r.Contains(v) != set.Contains(v) {
				t.Fatalf("%q: range %s and Contains disagree on %s", s, r, v)
			}
			if set.Contains(v) && !r.Contains(v) {
				t.Fatalf("%q: range %s misses match %s", s, r, v)
			}
		}
		if cc := r.Complement().Complement(); !cc.IsSubset(r) || !r.IsSubset(cc) {
			t.Fatalf("%q: complement twice %s, want %s", s, cc, r)
		}
	})
}
