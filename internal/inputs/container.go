package inputs

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// containerRoot is where the runner mounts what a container action shares with the
// host: /github/workspace, /github/home, /github/file_commands, /github/workflow and,
// since runner 2.329, /github/runner_temp (docs/architecture.md, "GitHub Actions").
const containerRoot = "/github/"

// InContainerAction reports whether the binary runs as the runner runs a container
// action: on GitHub Actions with the workspace mounted at /github/workspace.
func InContainerAction(getenv func(string) string) bool {
	return getenv("GITHUB_ACTIONS") == "true" && strings.HasPrefix(getenv("GITHUB_WORKSPACE"), containerRoot)
}

// hostShared reports whether dir, inside a container action, is on a folder the runner
// mounted from the host, so what is written there outlives the step. The runner rewrites
// an input holding a host path under a mounted folder to its container path; a host path
// it did not mount (${{ runner.temp }} before runner 2.329, any other absolute path)
// stays as given and would land in the container's own file system, lost at exit.
// RUNNER_TEMP and HOME count only when the runner translated them, i.e. mounted them.
func hostShared(dir, ws string, getenv func(string) string) bool {
	roots := []string{ws}
	for _, v := range []string{"RUNNER_TEMP", "HOME"} {
		if p := getenv(v); strings.HasPrefix(p, containerRoot) {
			roots = append(roots, p)
		}
	}
	for _, r := range roots {
		if _, err := workspace.New(filepath.Clean(r)).Rel(dir); err == nil {
			return true
		}
	}
	return false
}

// checkShared refuses, in a container action, an output-dir or cache-dir that is not on
// a folder shared with the host: the step would succeed and its files vanish with the
// container (runtime.zip for later steps, the cache for actions/cache).
func checkShared(c Config, getenv func(string) string) error {
	if !InContainerAction(getenv) {
		return nil
	}
	var errs []error
	for _, d := range []struct{ input, dir string }{{"output-dir", c.OutputDir}, {"cache-dir", c.CacheDir}} {
		if d.dir == "" || hostShared(d.dir, c.Workspace, getenv) {
			continue
		}
		errs = append(errs, &Error{Input: d.input,
			Problem: fmt.Sprintf("%q is not in a folder the runner shares with the action's container (the workspace, or RUNNER_TEMP on runner 2.329 and later): "+
				"what is written there is lost when the step ends", d.dir),
			Fix: "give a path relative to the workspace (e.g. .lithops-runtime/cache), or update the runner to 2.329 or later for ${{ runner.temp }}"})
	}
	return errors.Join(errs...)
}
