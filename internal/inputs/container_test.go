package inputs_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/inputs"
)

// TestFoldersSharedWithTheHost: in a container action, output-dir and cache-dir must be
// on a folder the runner mounted from the host, or what the step writes there is lost
// when it ends (the step would still pass). The runner translates a host path under a
// mounted folder to the container's (/github/...); one it did not mount arrives as given.
func TestFoldersSharedWithTheHost(t *testing.T) {
	const hostTemp = "/home/runner/work/_temp"
	container := func(runnerTemp string, in map[string]string) map[string]string {
		env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/github/workspace",
			"HOME": "/github/home", "RUNNER_TEMP": runnerTemp}
		for k, v := range in {
			env[k] = v
		}
		return env
	}
	tests := []struct {
		name    string
		env     map[string]string
		refused []string // inputs refused, in order
	}{
		{"defaults: in the workspace", container("/github/runner_temp", nil), nil},
		{"relative cache-dir", container(hostTemp, map[string]string{"INPUT_CACHE-DIR": ".cache/wheels"}), nil},
		{"${{ github.workspace }}/x, translated", container(hostTemp, map[string]string{"INPUT_CACHE-DIR": "/github/workspace/x"}), nil},
		{"${{ runner.temp }}/x on runner >= 2.329 (mounted, translated)",
			container("/github/runner_temp", map[string]string{"INPUT_CACHE-DIR": "/github/runner_temp/x", "INPUT_OUTPUT-DIR": "/github/runner_temp/out"}), nil},
		{"HOME (/github/home, kept for the job)", container(hostTemp, map[string]string{"INPUT_CACHE-DIR": "/github/home/.cache/x"}), nil},
		{"${{ runner.temp }}/x on runner < 2.329 (not mounted)",
			container(hostTemp, map[string]string{"INPUT_CACHE-DIR": hostTemp + "/x"}), []string{"cache-dir"}},
		{"/github/runner_temp given by hand on runner < 2.329",
			container(hostTemp, map[string]string{"INPUT_CACHE-DIR": "/github/runner_temp/x"}), []string{"cache-dir"}},
		{"both outside, /tmp and ..",
			container("/github/runner_temp", map[string]string{"INPUT_OUTPUT-DIR": "/tmp/out", "INPUT_CACHE-DIR": "../cache"}), []string{"output-dir", "cache-dir"}},
		{"a workspace look-alike", container("/github/runner_temp", map[string]string{"INPUT_CACHE-DIR": "/github/workspace2/x"}), []string{"cache-dir"}},
		{"not in a container: any absolute path is the host's",
			map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": "/home/runner/work/r/r", "INPUT_CACHE-DIR": hostTemp + "/x"}, nil},
		{"laptop", map[string]string{"GITHUB_WORKSPACE": "/home/me/proj", "INPUT_CACHE-DIR": "/tmp/x"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.env["INPUT_DRY-RUN"] = "true" // nothing else to give
			_, err := load(tt.env)
			var got []string
			for _, e := range inputs.Errors(err) {
				got = append(got, e.Input)
				if !strings.Contains(e.Problem, "lost when the step ends") || !strings.Contains(e.Fix, "relative to the workspace") {
					t.Errorf("message does not say why and what to do: %v", e)
				}
			}
			if err != nil && len(got) == 0 {
				t.Fatalf("error %v is not an input error", err)
			}
			if strings.Join(got, ",") != strings.Join(tt.refused, ",") {
				t.Errorf("refused %q, want %q (error: %v)", got, tt.refused, err)
			}
			if err != nil && !errors.As(err, new(*inputs.Error)) {
				t.Errorf("not an *inputs.Error: %v", err)
			}
		})
	}
}
