package pep440

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func TestRangeEmptiness(t *testing.T) {
	// Each set was checked against packaging's SpecifierSet.is_unsatisfiable.
	empty := []string{
		">=2.0,<1.0",
		"==1.0,!=1.0",
		">1.0a1,<1.0a2.dev0", // nothing between 1.0a1's post-releases and 1.0a2.dev0
		">1.0.dev1,<1.0.dev2",
		"!=1.0,<=1.0,>1.0.dev0,>=1.0",
		"<=1.0,>1.0,==1.0+local",
		"<0.dev0",
		"<0", // <0 excludes 0's pre-releases: below 0.dev0 nothing is left
		"==1.0.*,!=1.0.*",
		"~=1.0,<1.0",
		"==1.0+abc,==1.0+abd",
		"<=1.0,>=1.0.post0.dev0",
		"!=0.dev0,<0.dev1,<=1.0a1.post0.dev0", // 0.dev0+local only, and != removes them
	}
	nonEmpty := []string{
		"",
		">=1.0,<=1.0",
		">1.0a1,<1.0a2", // 1.0a2.dev0
		"==1.0.dev0,<1.0.post1",
		">=1.0a1,<1.0a2,!=1.0a1", // 1.0a1.post0
		">1.0,<1.0.1",            // 1.0.0.1
		"<=1.0,!=1.0",            // 1.0+local and everything below
		"<0.dev1",
		"==1.0.*,!=1.0",
		"~=1.0,~=1.0.1",
		">=1.0,<2.0,!=1.0.*,!=1.1.*",
		"!=1.0,>1.0.dev0,<1.0.post0.dev0", // 1.0a1
	}
	for _, s := range empty {
		if r := MustParseSpecifierSet(s).Range(); !r.IsEmpty() {
			t.Errorf("%q: range %s, want empty", s, r)
		}
	}
	for _, s := range nonEmpty {
		if r := MustParseSpecifierSet(s).Range(); r.IsEmpty() {
			t.Errorf("%q: range is empty", s)
		}
	}
}

// pool is a set of versions dense around the boundaries the specifier rules create.
var pool = versions("0.dev0", "0", "0+a", "0.1", "1.0.dev0", "1.0.dev1", "1.0.dev1+x", "1.0a1",
	"1.0a1.post0", "1.0a2.dev0", "1.0a2", "1.0rc1", "1.0", "1.0+a", "1.0+1", "1.0.post0.dev0",
	"1.0.post0", "1.0.post0+b", "1.0.post1", "1.0.0.1", "1.0.1", "1.1.dev0", "1.1", "2.0", "1!0")

var poolSets = []string{"", ">=1.0", "<=1.0", ">1.0", "<1.0", "==1.0", "!=1.0", "==1.0+a",
	"!=1.0+a", "~=1.0", "==1.*", "!=1.0.*", ">1.0a1", ">1.0.dev1", ">1.0.post0", "<1.0.post1",
	"<1.0a2", ">=1.0a1,<1.0.post1", "!=1.0,!=1.1", "<0", "===1.0"}

func TestRangeAlgebra(t *testing.T) {
	ranges := make([]Range, len(poolSets))
	for i, s := range poolSets {
		ranges[i] = MustParseSpecifierSet(s).Range()
	}
	for i, a := range ranges {
		comp := a.Complement()
		for _, v := range pool {
			if comp.Contains(v) == a.Contains(v) {
				t.Errorf("%q: complement %s and range %s agree on %s", poolSets[i], comp, a, v)
			}
		}
		if cc := comp.Complement(); !cc.IsSubset(a) || !a.IsSubset(cc) {
			t.Errorf("%q: complement twice %s, want %s", poolSets[i], cc, a)
		}
		for j, b := range ranges {
			and, or := a.Intersect(b), a.Union(b)
			for _, v := range pool {
				if and.Contains(v) != (a.Contains(v) && b.Contains(v)) {
					t.Errorf("%q & %q = %s wrong on %s", poolSets[i], poolSets[j], and, v)
				}
				if or.Contains(v) != (a.Contains(v) || b.Contains(v)) {
					t.Errorf("%q | %q = %s wrong on %s", poolSets[i], poolSets[j], or, v)
				}
			}
			// De Morgan, decided by IsEmpty alone.
			lhs, rhs := or.Complement(), a.Complement().Intersect(b.Complement())
			if !lhs.IsSubset(rhs) || !rhs.IsSubset(lhs) {
				t.Errorf("De Morgan fails for %q, %q: %s vs %s", poolSets[i], poolSets[j], lhs, rhs)
			}
		}
	}
}

func TestRangeString(t *testing.T) {
	tests := []struct{ spec, want string }{
		{"", "(-inf, +inf)"},
		{">=1.0,<2", "[1.0, 2.dev0)"},
		{">1.0", "(1.0.post*, +inf)"},
		{"!=1.0", "(-inf, 1.0) | (1.0+*, +inf)"},
		{"==1.0+x", "[1.0+x, 1.0+x]"},
		{">2,<1", "<empty>"},
	}
	for _, tt := range tests {
		if got := MustParseSpecifierSet(tt.spec).Range().String(); got != tt.want {
			t.Errorf("%q: %s, want %s", tt.spec, got, tt.want)
		}
	}
	if got := Singleton(MustParse("1.0")).String(); got != "[1.0, 1.0]" {
		t.Errorf("Singleton: %s", got)
	}
	if !Singleton(MustParse("1.0")).Contains(MustParse("1.0.0")) || Singleton(MustParse("1.0")).Contains(MustParse("1.0+x")) {
		t.Error("Singleton holds every spelling of the version and nothing else")
	}
}

func TestIntersectAllIsTheFold(t *testing.T) {
	// intersectAll pairs ranges up in rounds; it must give what intersecting them one
	// by one gives, interval for interval.
	var clauses []string
	for _, s := range poolSets {
		for _, c := range strings.Split(s, ",") {
			if c != "" && !slices.Contains(clauses, c) {
				clauses = append(clauses, c)
			}
		}
	}
	for _, a := range clauses {
		for _, b := range clauses {
			for _, c := range clauses {
				list := []string{a, b, c, "!=1.1"}
				fold := FullRange()
				var rs []Range
				for _, s := range list {
					r := MustParseSpecifier(s).rng
					fold, rs = fold.Intersect(r), append(rs, r)
				}
				if got := intersectAll(rs); got.String() != fold.String() {
					t.Errorf("%q: %s, one by one %s", list, got, fold)
				}
			}
		}
	}
}

func TestManyClausesCopyLittle(t *testing.T) {
	// A line of 10,000 != clauses (89 kB; a requirements file may hold 8 MiB) once
	// copied O(n²) intervals, gigabytes in all; in rounds it is O(n log n).
	var b strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&b, "!=1.%d,", i)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	set, err := ParseSpecifierSet(b.String())
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 256<<20 {
		t.Errorf("parsing 10,000 clauses allocated %d MiB", n>>20)
	}
	if set.Contains(MustParse("1.9999")) || !set.Contains(MustParse("1.10000")) || !set.Contains(MustParse("1.5.1")) {
		t.Errorf("range %.80s... is wrong", set.Range())
	}
}
