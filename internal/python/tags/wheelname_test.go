package tags

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

func tagStrings(ts []Tag) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.String()
	}
	return out
}

func TestParseWheelName(t *testing.T) {
	// Expectations are packaging 26.4's parse_wheel_filename.
	tests := []struct {
		file, name, norm, version, build string
		tags                             []string
	}{
		{"zope_interface-5.4.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "zope_interface", "zope-interface", "5.4.0", "",
			[]string{"cp310-cp310-manylinux_2_17_x86_64", "cp310-cp310-manylinux2014_x86_64"}},
		{"Foo.Bar-1.0-007abc-py2.py3-none-any.whl", "Foo.Bar", "foo-bar", "1.0", "7abc", []string{"py2-none-any", "py3-none-any"}},
		{"foo-1.0-1a\nb-py3-none-any.whl", "foo", "foo", "1.0", "1a", []string{"py3-none-any"}}, // (.*) stops at a newline
		{"foo- 1.0 -py3-none-any.whl", "foo", "foo", "1.0", "", []string{"py3-none-any"}},
		{"foo-1.0-PY3-NONE-ANY.whl", "foo", "foo", "1.0", "", []string{"py3-none-any"}},
		{"café-1.0-py3-none-any.whl", "café", "café", "1.0", "", []string{"py3-none-any"}},
		{"foo-1.0-py3-none-any.py2.whl", "foo", "foo", "1.0", "", []string{"py3-none-any", "py3-none-py2"}},
		{"numpy-1.26.4-cp312-cp312-musllinux_1_1_x86_64.whl", "numpy", "numpy", "1.26.4", "", []string{"cp312-cp312-musllinux_1_1_x86_64"}},
	}
	for _, tt := range tests {
		w, err := ParseWheelName(tt.file)
		if err != nil {
			t.Errorf("ParseWheelName(%q): %v", tt.file, err)
			continue
		}
		if w.Name != tt.name || w.NormalizedName() != tt.norm || w.Version.String() != tt.version ||
			w.Build.String() != tt.build || !slices.Equal(tagStrings(w.Tags), tt.tags) {
			t.Errorf("ParseWheelName(%q) = %q %q %s build %q tags %v", tt.file, w.Name, w.NormalizedName(), w.Version, w.Build, tagStrings(w.Tags))
		}
	}
}

func TestParseWheelNameErrors(t *testing.T) {
	tests := []struct{ file, want string }{
		{"foo-1.0.whl", `invalid wheel file name "foo-1.0.whl": wrong number of parts (want name-version[-build]-python-abi-platform.whl)`},
		{"foo-1.0-py3-none-any.wheel", `invalid wheel file name "foo-1.0-py3-none-any.wheel": the extension must be .whl`},
		{"foo__bar-1.0-py3-none-any.whl", `invalid wheel file name "foo__bar-1.0-py3-none-any.whl": invalid project name "foo__bar"`},
		{"foobar-1.x-py3-none-any.whl", `invalid wheel file name "foobar-1.x-py3-none-any.whl": invalid version "1.x"`},
		{"foo-1.0-abc-py3-none-any.whl", `invalid wheel file name "foo-1.0-abc-py3-none-any.whl": invalid build tag "abc" (it must start with a digit)`},
		{"foo-1.0--none-any.whl", `invalid wheel file name "foo-1.0--none-any.whl": tag "-none-any" has an empty component in ""`},
		{"playlyfe-0.1.1-2.7.6-none-any.whl", `invalid wheel file name "playlyfe-0.1.1-2.7.6-none-any.whl": tag "2.7.6-none-any" has an invalid interpreter "2"`},
	}
	for _, tt := range tests {
		_, err := ParseWheelName(tt.file)
		if err == nil || err.Error() != tt.want {
			t.Errorf("ParseWheelName(%q) error = %v\nwant %s", tt.file, err, tt.want)
		}
	}
}

func TestCompareBuild(t *testing.T) {
	order := []Build{{}, {Number: "0"}, {Number: "1"}, {Number: "1", Rest: "a"}, {Number: "1", Rest: "b"}, {Number: "2"}, {Number: "10"}, {Number: "100000000000000000000000"}}
	for i := range order {
		for j := range order {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := CompareBuild(order[i], order[j]); got != want {
				t.Errorf("CompareBuild(%q, %q) = %d, want %d", order[i], order[j], got, want)
			}
		}
	}
}

func TestParseTag(t *testing.T) {
	got, err := ParseTag("py2.py3-none-any.manylinux1_x86_64")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"py2-none-any", "py2-none-manylinux1_x86_64", "py3-none-any", "py3-none-manylinux1_x86_64"}
	if !slices.Equal(tagStrings(got), want) {
		t.Errorf("got %v, want %v", tagStrings(got), want)
	}
	for _, bad := range []string{"py3-none", "py3-none-any-x", "py3.-none-any", "3-none-any"} {
		if _, err := ParseTag(bad); err == nil {
			t.Errorf("ParseTag(%q) accepted", bad)
		}
	}
	// Duplicates differ in case only; the first spelling's place is kept.
	got, err = ParseTag("py3.PY2.Py3-none.NONE-any.ANY")
	if want := []string{"py3-none-any", "py2-none-any"}; err != nil || !slices.Equal(tagStrings(got), want) {
		t.Errorf("got %v, %v; want %v", tagStrings(got), err, want)
	}
}

func TestParseTagLimit(t *testing.T) {
	dotted := func(prefix string, n int) string {
		parts := make([]string, n)
		for i := range parts {
			parts[i] = fmt.Sprintf("%s%d", prefix, i)
		}
		return strings.Join(parts, ".")
	}
	if got, err := ParseTag(dotted("py", maxTags) + "-none-any"); err != nil || len(got) != maxTags {
		t.Errorf("%d tags: %d, %v", maxTags, len(got), err)
	}
	if _, err := ParseTag(dotted("py", maxTags+1) + "-none-any"); err == nil {
		t.Errorf("%d tags accepted", maxTags+1)
	}
	// 27,000 tags from a file name of under 400 bytes, as an index page may list one.
	name := "a-1-" + dotted("py", 30) + "-" + dotted("a", 30) + "-" + dotted("p", 30) + ".whl"
	_, err := ParseWheelName(name)
	if want := "expands to more than 16384 tags"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("ParseWheelName of a %d-byte name: %v, want an error saying %q", len(name), err, want)
	}
}
