package pyrun

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Discover finds a CPython interpreter for each major.minor version: the newest
// $(pyenv root)/versions/X.Y.*/bin/pythonX.Y, else pythonX.Y on PATH when it really runs
// that version (a pyenv shim for an uninstalled version does not). Versions without one
// are absent from the map.
func Discover(versions []string) map[string]string {
	root := pyenvRoot()
	found := map[string]string{}
	for _, v := range versions {
		if p := newestPyenv(root, v); p != "" {
			found[v] = p
			continue
		}
		if p, err := exec.LookPath("python" + v); err == nil && runsVersion(p, v) {
			found[v] = p
		}
	}
	return found
}

func pyenvRoot() string {
	if r := os.Getenv("PYENV_ROOT"); r != "" {
		return r
	}
	if p, err := exec.LookPath("pyenv"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if out, err := exec.CommandContext(ctx, p, "root").Output(); err == nil {
			return strings.TrimSpace(string(out))
		}
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".pyenv")
}

func newestPyenv(root, version string) string {
	matches, _ := filepath.Glob(filepath.Join(root, "versions", version+".*", "bin", "python"+version))
	best, bestPatch := "", -1
	for _, m := range matches {
		dir := filepath.Base(filepath.Dir(filepath.Dir(m))) // e.g. 3.10.13
		patch, err := strconv.Atoi(strings.TrimPrefix(dir, version+"."))
		if err != nil { // 3.10-dev, 3.10.0rc1 and the like
			continue
		}
		if _, err := os.Stat(m); err == nil && patch > bestPatch {
			best, bestPatch = m, patch
		}
	}
	return best
}

func runsVersion(python, version string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	return err == nil && strings.TrimSpace(string(out)) == version
}
