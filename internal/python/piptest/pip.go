// Package piptest runs pip as the reference the tests and benchmarks compare with: the
// command-line flags that make pip choose wheels for an FC target, what its
// `install --report` says it chose, and the distributions a `pip install --target`
// left in a folder.
package piptest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path"
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

// Report reads the file of `pip install --report FILE` and maps the normalized name
// of each distribution pip would install to "VERSION WHEEL-FILE-NAME", the form the
// comparisons with our resolver use.
func Report(file string) (map[string]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("pip report: %w", err)
	}
	var rep struct {
		Install []struct {
			Metadata struct {
				Name    string `json:"name"`
				Version string `json:"version"`
			} `json:"metadata"`
			DownloadInfo struct {
				URL string `json:"url"`
			} `json:"download_info"`
		} `json:"install"`
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		return nil, fmt.Errorf("pip report %s: %w", file, err)
	}
	out := map[string]string{}
	for _, in := range rep.Install {
		u, err := url.Parse(in.DownloadInfo.URL)
		if err != nil {
			return nil, fmt.Errorf("pip report %s: %s: %w", file, in.Metadata.Name, err)
		}
		out[pep508.NormalizeName(in.Metadata.Name)] = in.Metadata.Version + " " + path.Base(u.Path)
	}
	return out, nil
}
