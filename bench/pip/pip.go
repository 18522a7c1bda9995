// Package pip holds what the benchmarks need to run pip as the baseline: the
// command-line flags that make pip choose wheels for an FC target, and the
// distributions a `pip install --target` left in a folder.
package pip

import (
	"fmt"
	"os"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// TargetArgs are pip's flags for wheels only, for CPython python ("3.12") on x86_64
// Linux with glibc 2.glibc: every manylinux platform from 2_glibc down to 2_5 with
// the legacy aliases, as the action accepts them. pip needs --target (or --dry-run)
// with them.
func TargetArgs(python string, glibc int) []string {
	args := []string{"--only-binary=:all:", "--python-version", python, "--implementation", "cp"}
	for n := glibc; n >= 5; n-- {
		args = append(args, "--platform", fmt.Sprintf("manylinux_2_%d_x86_64", n))
		switch n {
		case 17:
			args = append(args, "--platform", "manylinux2014_x86_64")
		case 12:
			args = append(args, "--platform", "manylinux2010_x86_64")
		case 5:
			args = append(args, "--platform", "manylinux1_x86_64")
		}
	}
	return args
}

// Installed maps the normalized name of each distribution installed in dir (its
// NAME-VERSION.dist-info folder) to its version.
func Installed(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("installed distributions: %w", err)
	}
	out := map[string]string{}
	for _, e := range entries {
		base, ok := strings.CutSuffix(e.Name(), ".dist-info")
		if !ok || !e.IsDir() {
			continue
		}
		i := strings.LastIndexByte(base, '-')
		if i < 0 {
			return nil, fmt.Errorf("installed distributions: %s in %s is not NAME-VERSION.dist-info", e.Name(), dir)
		}
		out[pep508.NormalizeName(base[:i])] = base[i+1:]
	}
	return out, nil
}
