package pep508

import (
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
)

// reparseable reports whether packaging's string form reads back as itself: it prints
// marker values raw, so one holding a backslash or a line break does not.
func reparseable(s string) bool { return !strings.ContainsAny(s, "\\\n\r\x00") }

func FuzzParseRequirement(f *testing.F) {
	for i, c := range loadRequirements(f) {
		if i%7 == 0 { // a sample keeps the seed corpus quick to replay
			f.Add(c.Input)
		}
	}
	f.Add(`name; os_name == "\x22'"`)
	f.Add("name [ a ] ( >=1.0 , <2 ) ; extra == 'X'")
	env, err := TargetEnv("3.10.14")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRequirement(s)
		if err != nil {
			return
		}
		_, _ = r.Marker.Evaluate(env, "x")
		str := r.String()
		if !reparseable(str) {
			return
		}
		again, err := ParseRequirement(str)
		if err != nil {
			t.Fatalf("%q: String() %q does not parse: %v", s, str, err)
		}
		if again.String() != str {
			t.Fatalf("%q: %q reads back as %q", s, str, again.String())
		}
	})
}

func FuzzParseMarker(f *testing.F) {
	var c markerCorpus
	conformance.Load(f, "marker_eval.json", &c)
	for i, cs := range c.Cases {
		if i%5 == 0 {
			f.Add(cs.Marker)
		}
	}
	f.Add(`(os_name == "a" or (python_version >= '3.9' and extra == "x")) and "1" not in platform_release`)
	env, err := TargetEnv("3.12.4")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarker(s)
		if err != nil {
			return
		}
		want, werr := m.Evaluate(env, "socks")
		str := m.String()
		if !reparseable(str) {
			return
		}
		again, err := ParseMarker(str)
		if err != nil {
			t.Fatalf("%q: String() %q does not parse: %v", s, str, err)
		}
		if again.String() != str {
			t.Fatalf("%q: %q reads back as %q", s, str, again.String())
		}
		if got, gerr := again.Evaluate(env, "socks"); got != want || (gerr == nil) != (werr == nil) {
			t.Fatalf("%q: evaluates to %v/%v, its string form %q to %v/%v", s, want, werr, str, got, gerr)
		}
	})
}
