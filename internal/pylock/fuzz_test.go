package pylock

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// FuzzParse feeds arbitrary text to Parse: it must return a lock or an *Error naming
// the file, never panic; an error's line lies within the text; and a lock it accepts
// is written by Marshal without error and reads back equal (what is read can be
// written, and the two agree).
func FuzzParse(f *testing.F) {
	f.Add(mustMarshal(f, sampleLock()))
	f.Add(mustMarshal(f, New("x", "3.12")))
	f.Add("lock-version = \"1.0\"\ncreated-by = \"x\"\npackages = [{name = \"a\", version = \"1\", wheels = [{url = \"https://h/a-1-py3-none-any.whl\", hashes = {sha256 = \"" + shaA + "\"}}]}]\n")
	f.Add("[[packages]]\nname = \"\"\"\n[[packages]]\n\"\"\"\n")
	f.Add("[tool.lithops-fc-runtime]\ntarget = {python = 3}\n")
	f.Add("a = [\n")
	f.Fuzz(func(t *testing.T, text string) {
		const name = "fuzz/pylock.toml"
		l, err := Parse(name, []byte(text))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.File != name || !strings.HasPrefix(err.Error(), name+":") {
				t.Fatalf("error %q does not name the file", err)
			}
			if e.Line < 0 || e.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("error %q names line %d of a %d-line text", err, e.Line, strings.Count(text, "\n")+1)
			}
			return
		}
		out, err := l.Marshal()
		if err != nil {
			t.Fatalf("Parse accepted what Marshal refuses: %v\n%s", err, text)
		}
		back, err := Parse(name, out)
		if err != nil {
			t.Fatalf("Marshal wrote what Parse refuses: %v\n%s", err, out)
		}
		if diff := cmp.Diff(l, back, lockCmp...); diff != "" {
			t.Fatalf("round trip (-read +reread):\n%s", diff)
		}
	})
}
