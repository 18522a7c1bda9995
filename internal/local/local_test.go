package local

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
)

// TestLocalPythonHint: a missing CPython for --local is an error on the --local flag whose
// hint fits where the step runs: inside the action's container (no Python can be
// installed there) or on a machine where one can be.
func TestLocalPythonHint(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	emu, err := fcemu.New(fcemu.WithStateDir(t.TempDir()), fcemu.WithPython("3.10", self))
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	acct := &Account{emu: emu}
	python := func(name string) string {
		rt, ok := fcruntime.ByName(name)
		if !ok {
			t.Fatalf("no runtime %s", name)
		}
		return rt.Python
	}
	container := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/github/workspace"}
	laptop := map[string]string{"GITHUB_WORKSPACE": "/home/me/proj"}
	tests := []struct {
		name    string
		env     map[string]string
		runtime string
		want    string // in the fix; "" for no error
	}{
		{"interpreter present", container, "python3.10", ""},
		{"in the action's container", container, "python3.12", "the action's image has no Python"},
		{"on a laptop", laptop, "python3.12", "pyenv install 3.12"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := acct.CheckPython(python(tt.runtime), func(k string) string { return tt.env[k] })
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ie *inputs.Error
			if !errors.As(err, &ie) || ie.Input != "local" || !ie.Flag || !strings.Contains(ie.Problem, "CPython 3.12") || !strings.Contains(ie.Fix, tt.want) {
				t.Fatalf("error %v: want one on --local naming CPython 3.12, with %q", err, tt.want)
			}
		})
	}
}
