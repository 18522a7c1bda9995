package report_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/report"
)

// FuzzSetOutputs checks that any value, however hostile, comes back from GITHUB_OUTPUT
// (read as the runner reads it) exactly as given, and sets no other output; or is
// refused whole when it holds what the sanitizer hides (URL credentials).
func FuzzSetOutputs(f *testing.F) {
	f.Add(hostile)
	f.Add("")
	f.Add("\n")
	f.Add("a\r\nb\r")
	f.Add("x<<y\nz=1")
	out := filepath.Join(f.TempDir(), "output")
	f.Fuzz(func(t *testing.T, v string) {
		os.Remove(out)
		r := report.New(report.WithWriter(&discard{}), report.WithGetenv(func(k string) string {
			if k == "GITHUB_OUTPUT" {
				return out
			}
			return ""
		}))
		if err := r.SetOutputs(report.Outputs{FunctionName: v, SmokeResult: v}); err != nil {
			if r.Sanitize(v) == v {
				t.Fatal(err)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Fatalf("a refused value was written: %v", err)
			}
			return
		}
		data, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		got, err := parseOutputFile(string(data))
		if err != nil {
			t.Fatalf("runner would fail: %v", err)
		}
		if len(got) != len(report.OutputFields()) || got["function-name"] != v || got["smoke-result"] != v {
			t.Fatalf("value %q came back as %q / %q with %d outputs", v, got["function-name"], got["smoke-result"], len(got))
		}
	})
}

type discard struct{}

func (*discard) Write(p []byte) (int, error) { return len(p), nil }
