package pep440

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParseNormalizes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1.0", "1.0"},
		{"v1.0", "1.0"},
		{"V1.0", "1.0"},
		{"1.0a.", "1.0a0"},      // a trailing separator after the letter is accepted
		{"1.0dev-", "1.0.dev0"}, // likewise after dev
		{"1.0a-1", "1.0a1"},     // the number goes to the pre-release, not an implicit post
		{"1.0.post.dev1", "1.0.post0.dev1"},
		{"1.0-1", "1.0.post1"},
		{"1!1.0", "1!1.0"},
		{"0!1.0", "1.0"},
		{"1.0+ABC.01-x_Y", "1.0+abc.1.x.y"},
		{"\u20281.0\u3000", "1.0"}, // Unicode whitespace around the version
		{"\x1c1.0\x1f", "1.0"},     // Python counts the information separators as space
		{"123456789012345678901234567890.0", "123456789012345678901234567890.0"},
	}
	for _, tt := range tests {
		v, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if v.String() != tt.want || v.Original() != tt.in {
			t.Errorf("Parse(%q) = %q (original %q), want %q", tt.in, v.String(), v.Original(), tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `invalid version "": not a PEP 440 version (like 1.2, 2.0rc1, 1.0.post1, 3!1.0+local)`},
		{"1.0-", `invalid version "1.0-": not a PEP 440 version (like 1.2, 2.0rc1, 1.0.post1, 3!1.0+local)`},
		{"1.0+", `invalid version "1.0+": not a PEP 440 version (like 1.2, 2.0rc1, 1.0.post1, 3!1.0+local)`},
		{"1.0\u0085x", `invalid version "1.0\u0085x": not a PEP 440 version (like 1.2, 2.0rc1, 1.0.post1, 3!1.0+local)`},
		{"1." + strings.Repeat("1", 4301), `invalid version "1.` + strings.Repeat("1", 4301) + `": a number has more than 4300 digits`},
		{"1.0+\xff", `invalid version "1.0+\xff": not a PEP 440 version (like 1.2, 2.0rc1, 1.0.post1, 3!1.0+local)`},
	}
	for _, tt := range tests {
		_, err := Parse(tt.in)
		if err == nil || err.Error() != tt.want {
			t.Errorf("Parse(%q) error = %v, want %s", tt.in, err, tt.want)
		}
		if !errors.Is(err, ErrInvalidVersion) {
			t.Errorf("Parse(%q) error does not wrap ErrInvalidVersion", tt.in)
		}
	}
	// 4300 digits is still a number packaging accepts.
	if _, err := Parse("1." + strings.Repeat("9", 4300)); err != nil {
		t.Errorf("4300 digits: %v", err)
	}
	// The limit is on numbers: a local segment of digits is one, a longer word is not.
	if _, err := Parse("1.0+" + strings.Repeat("1", 4301)); err == nil {
		t.Error("a local number of 4301 digits was accepted")
	}
	if _, err := Parse("1.0+a" + strings.Repeat("1", 4301)); err != nil {
		t.Errorf("a local word of 4302 characters: %v", err)
	}
}

func TestOrderFromTheSpecification(t *testing.T) {
	// The example order in PEP 440's "Summary of permitted suffixes and relative
	// ordering", plus epochs and locals.
	order := []string{
		"0.dev0", "1.dev0", "1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12",
		"1.0b1.dev456", "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456",
		"1.0rc1", "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34",
		"1.0.post456", "1.0.15", "1.1.dev1", "99999999999999999999999", "1!0.dev0",
	}
	vs := make([]Version, len(order))
	for i, s := range order {
		vs[i] = MustParse(s)
	}
	for i := range vs {
		for j := range vs {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Compare(vs[i], vs[j]); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", vs[i], vs[j], got, want)
			}
		}
	}
	if !MustParse("1.0").Equal(MustParse("v1.0.0")) || !MustParse("1.0+a-1").Equal(MustParse("1.0+A.01")) {
		t.Error("equal versions compare unequal")
	}
	if !(Version{}).Less(MustParse("0.dev0")) || !(Version{}).IsZero() {
		t.Error("the zero Version must sort first")
	}
	if r := (Version{}).Release(); r != nil {
		t.Errorf("the zero Version has release numbers %v", r)
	}
}

func TestVersionParts(t *testing.T) {
	tests := []struct {
		in             string
		epoch          int
		release        []int
		public, local  string
		canonical      string
		pre, post, dev bool
	}{
		{"1.2.3", 0, []int{1, 2, 3}, "1.2.3", "", "1.2.3", false, false, false},
		{"2!1.0.0rc1.post2.dev3+Ubuntu.1", 2, []int{1, 0, 0}, "2!1.0.0rc1.post2.dev3", "ubuntu.1", "2!1rc1.post2.dev3+ubuntu.1", true, true, true},
		{"1.0.dev0", 0, []int{1, 0}, "1.0.dev0", "", "1.dev0", true, false, true},
		{"1.0.post0", 0, []int{1, 0}, "1.0.post0", "", "1.post0", false, true, false},
		{"0.0", 0, []int{0, 0}, "0.0", "", "0", false, false, false},
		{"1." + strings.Repeat("9", 30), 0, []int{1, int(^uint(0) >> 1)}, "1." + strings.Repeat("9", 30), "", "1." + strings.Repeat("9", 30), false, false, false},
	}
	for _, tt := range tests {
		v := MustParse(tt.in)
		if v.Epoch() != tt.epoch || !slices.Equal(v.Release(), tt.release) || v.Public() != tt.public ||
			v.Local() != tt.local || v.Canonical() != tt.canonical ||
			v.IsPrerelease() != tt.pre || v.IsPostrelease() != tt.post || v.IsDevrelease() != tt.dev {
			t.Errorf("%s: epoch %d release %v public %q local %q canonical %q pre %v post %v dev %v; want %+v",
				tt.in, v.Epoch(), v.Release(), v.Public(), v.Local(), v.Canonical(),
				v.IsPrerelease(), v.IsPostrelease(), v.IsDevrelease(), tt)
		}
	}
}

func TestMustParsePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustParse of an invalid version did not panic")
		}
	}()
	MustParse("not a version")
}
