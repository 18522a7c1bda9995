package tags

import (
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
)

func FuzzParseWheelName(f *testing.F) {
	var c struct {
		ParseWheelInvalid []struct {
			Filename string `json:"filename"`
		} `json:"parse_wheel_invalid"`
	}
	conformance.Load(f, "utils_vectors.json", &c)
	for _, w := range c.ParseWheelInvalid {
		f.Add(w.Filename)
	}
	f.Add("zope_interface-5.4.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
	f.Add("Foo.Bar-1.0-007abc-py2.py3-none-any.whl")
	set := mustSupported(f, 10, 28)
	f.Fuzz(func(t *testing.T, s string) {
		w, err := ParseWheelName(s)
		if err != nil {
			return
		}
		set.Rank(w)
		// A canonical spelling of the parsed name reads back as the same wheel.
		var ifaces, abis, plats []string
		for _, tag := range w.Tags {
			ifaces, abis, plats = appendNew(ifaces, tag.Interpreter), appendNew(abis, tag.ABI), appendNew(plats, tag.Platform)
		}
		name := w.Name + "-" + w.Version.String()
		if !w.Build.IsZero() {
			name += "-" + w.Build.String()
		}
		name += "-" + strings.Join(ifaces, ".") + "-" + strings.Join(abis, ".") + "-" + strings.Join(plats, ".") + ".whl"
		if strings.Contains(w.Version.String(), "-") {
			return // normalized versions never hold a dash
		}
		again, err := ParseWheelName(name)
		if err != nil {
			t.Fatalf("%q: rebuilt as %q, which does not parse: %v", s, name, err)
		}
		if again.Name != w.Name || !again.Version.Equal(w.Version) || CompareBuild(again.Build, w.Build) != 0 || len(again.Tags) != len(w.Tags) {
			t.Fatalf("%q: rebuilt as %q, parsed differently: %+v vs %+v", s, name, again, w)
		}
	})
}

func appendNew(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
