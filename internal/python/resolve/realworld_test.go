package resolve

import (
	"context"
	"errors"
	"maps"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/piptest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// The wheels installed for the local python3 (3.11), repacked into a PEP 503 index,
// resolved by this package and by pip for the same target.

// repackedIndex serves the real-world wheelhouse's PEP 503 index on loopback.
func repackedIndex(t testing.TB) string {
	t.Helper()
	return wheeltest.RealIndex(t)
}

// pipChoice is what pip would install: name → "version file".
type pipChoice map[string]string

// pipResolve runs pip's resolver for the target; ok is false when pip finds no
// solution (its message is returned then).
func pipResolve(t testing.TB, indexURL, python string, glibcMinor int, reqs []string) (pipChoice, string, bool) {
	t.Helper()
	if err := exec.Command("python3", "-m", "pip", "--version").Run(); err != nil {
		t.Skipf("SKIP: pip is missing for python3 (%v); cannot compare with pip", err)
	}
	report := filepath.Join(t.TempDir(), "report.json")
	args := []string{"-m", "pip", "install", "--dry-run", "--ignore-installed", "--report", report, "-q",
		"--disable-pip-version-check", "--no-cache-dir",
		// pip 23 takes platform options only with --target; nothing is written there.
		"--target", filepath.Join(t.TempDir(), "target"),
	}
	args = append(args, piptest.TargetArgs(python, glibcMinor)...)
	args = append(args, "--index-url", indexURL)
	args = append(args, reqs...)
	out, err := exec.Command("python3", args...).CombinedOutput()
	if err != nil {
		return nil, string(out), false
	}
	got, err := piptest.Report(report)
	if err != nil {
		t.Fatal(err)
	}
	return pipChoice(got), "", true
}

func ourChoice(res *Result) pipChoice {
	got := pipChoice{}
	for _, d := range res.Dists {
		got[d.Name] = d.Version.String() + " " + d.Wheel.File.Filename
	}
	return got
}

func TestRealWorldAgainstPip(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: packs site-packages and runs pip; not in -short mode")
	}
	indexURL := repackedIndex(t)
	tests := []struct {
		name   string
		python string
		glibc  int
		reqs   []string
		// hostMarkers explains why pip's answer is wrong for the target (it evaluates
		// markers for the 3.11 running it); fix turns pip's answer into the right one.
		hostMarkers string
		fix         func(pipChoice)
		wantErr     string // this set must fail, with this in the message (pip must fail too)
	}{
		{name: "extras and a large graph", python: "3.11", glibc: 34, reqs: []string{"moto[s3,server]"}},
		{name: "extras and binaries", python: "3.11", glibc: 31, reqs: []string{"flask[dotenv]", "requests"}},
		{name: "binaries for glibc 2.28", python: "3.11", glibc: 28, reqs: []string{"jsonschema", "pydantic", "orjson", "regex"}},
		{name: "platform markers", python: "3.11", glibc: 17, reqs: []string{"ipython"}},
		{name: "glibc too old for cryptography 48", python: "3.11", glibc: 31, reqs: []string{"cryptography"},
			wantErr: "48.0.0 needs glibc 2.34: its wheels are manylinux_2_34, the target has glibc 2.31"},
		{name: "manylinux_2_28 only, glibc 2.24", python: "3.11", glibc: 24, reqs: []string{"orjson"},
			wantErr: "3.8.3 needs glibc 2.28: its wheels are manylinux_2_28, the target has glibc 2.24"},
		{name: "a 3.12 target with a marker pip reads on the host", python: "3.12", glibc: 31,
			reqs:        []string{"boto3", "ipython", `typing-extensions ; python_version >= "3.12"`},
			hostMarkers: `pip drops typing-extensions: its marker python_version >= "3.12" is false on the 3.11 running pip`,
			fix: func(c pipChoice) {
				c["typing-extensions"] = "4.15.0 typing_extensions-4.15.0-py3-none-any.whl"
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client, err := index.New(index.WithIndexURL(indexURL), index.WithCacheDir(t.TempDir()))
			if err != nil {
				t.Fatal(err)
			}
			target := mustTarget(t, tc.python, tc.glibc)
			res, err := Resolve(context.Background(), client, target, Request{Requirements: reqs(t, "requirements.txt", tc.reqs...)})
			want, pipErr, pipOK := pipResolve(t, indexURL, tc.python, tc.glibc, tc.reqs)
			if tc.wantErr != "" {
				var ns *NoSolutionError
				if !errors.As(err, &ns) || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want a failure saying %q, got %v", tc.wantErr, err)
				}
				if pipOK {
					t.Errorf("pip found %v", want)
				}
				t.Logf("ours:\n%v\npip:\n%s", err, pipErr)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !pipOK {
				t.Fatalf("pip failed where we did not:\n%s", pipErr)
			}
			if tc.fix != nil {
				t.Logf("pip is wrong for the target: %s", tc.hostMarkers)
				tc.fix(want)
			}
			if got := ourChoice(res); !maps.Equal(got, want) {
				for _, n := range slices.Sorted(maps.Keys(mergeKeys(got, want))) {
					if got[n] != want[n] {
						t.Errorf("%s: ours %q, pip %q", n, got[n], want[n])
					}
				}
			}
			t.Logf("%d distributions, as pip; %+v", len(res.Dists), res.Stats)
		})
	}
}

// A target below 3.11 needs what markers add there; pip, reading them on 3.11,
// misses it.
func TestRealWorldHostMarkers(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: packs site-packages and runs pip; not in -short mode")
	}
	indexURL := repackedIndex(t)
	client, err := index.New(index.WithIndexURL(indexURL), index.WithCacheDir(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Resolve(context.Background(), client, mustTarget(t, "3.10", 28), Request{Requirements: reqs(t, "requirements.txt", "trio")})
	var ns *NoSolutionError
	if !errors.As(err, &ns) || !strings.Contains(err.Error(), "trio depends on exceptiongroup>=1.0.0rc9") || !strings.Contains(err.Error(), "exceptiongroup is not on any index") {
		t.Fatalf("got %v", err)
	}
	got, _, ok := pipResolve(t, indexURL, "3.10", 28, []string{"trio"})
	if !ok || got["exceptiongroup"] != "" {
		t.Fatalf("pip: %v, %v", got, ok)
	}
	t.Logf(`pip is wrong for 3.10: it installs %d distributions without exceptiongroup, which trio needs there (exceptiongroup ; python_version < "3.11", false on the 3.11 running pip)`, len(got))
}

func mergeKeys(a, b pipChoice) pipChoice {
	out := maps.Clone(a)
	maps.Copy(out, b)
	return out
}
