package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

type packseScenario struct {
	Name     string `json:"name"`
	Expected struct {
		Satisfiable bool              `json:"satisfiable"`
		Packages    map[string]string `json:"packages"`
	} `json:"expected"`
	Root struct {
		Requires []string `json:"requires"`
	} `json:"root"`
	Packages map[string]struct {
		Versions map[string]struct {
			RequiresPython *string             `json:"requires_python"`
			Requires       []string            `json:"requires"`
			Extras         map[string][]string `json:"extras"`
			WheelTags      []string            `json:"wheel_tags"`
			Sdist          *bool               `json:"sdist"`
			Wheel          *bool               `json:"wheel"`
			Yanked         bool                `json:"yanked"`
		} `json:"versions"`
	} `json:"packages"`
	Environment struct {
		Python string `json:"python"`
	} `json:"environment"`
	ResolverOptions struct {
		Python         string   `json:"python"`
		Prereleases    bool     `json:"prereleases"`
		PythonPlatform string   `json:"python_platform"`
		NoBinary       []string `json:"no_binary"`
		NoBuild        []string `json:"no_build"`
	} `json:"resolver_options"`
}

// packseDifferences are the scenarios where this resolver knowingly does not give
// uv's answer, each with the error it gives instead and why. Every other scenario
// must give exactly uv's result.
var packseDifferences = map[string]struct {
	err    string // a part of the error message
	reason string
}{
	// Only an sdist would do: the action installs wheels and never builds.
	"no-wheels": {"1.0.0 has only an sdist", "a has only an sdist; uv builds it"},
	"no-wheels-with-matching-platform": {
		"1.0.0 has an sdist and wheels only for macosx_10_0_ppc64",
		"a's only wheel is for macOS ppc64; uv builds the sdist"},
	"no-binary": {"1.0.0 has only an sdist", "--no-binary a asks for a build (reqfile refuses the option; here a's wheels are withheld as it would)"},
	"incompatible-python-compatible-override-available-no-wheels": {
		"no version of a ==1.0.0 fits cp311-manylinux_2_17_x86_64, Python 3.11.0 (1.0.0 has only an sdist)",
		"a 1.0.0 has only an sdist; uv builds it with another local Python"},
	"incompatible-python-compatible-override-unavailable-no-wheels": {
		"1.0.0 has only an sdist", "a 1.0.0 has only an sdist; uv reads its static metadata and would build it"},
	"incompatible-python-compatible-override-no-compatible-wheels": {
		"1.0.0 has an sdist and wheels only for foo, not cp311", "a 1.0.0's wheel is tagged for interpreter 'foo'; uv falls back to the sdist"},
	"incompatible-python-compatible-override-other-wheel": {
		"1.0.0 has only an sdist", "the only version for Python 3.11 (1.0.0) has only an sdist; 2.0.0 needs Python >=3.12"},
	// A policy difference: uv ignores upper bounds of Requires-Python; pip honours them,
	// and so does the action, as a distribution that says it does not support the
	// runtime's Python is exactly what must not land in a runtime.
	"python-less-than-current": {"fits cp39-manylinux_2_17_x86_64, Python 3.9.0 (1.0.0 requires Python <=3.8)", "uv ignores Requires-Python upper bounds, pip does not"},
}

func TestPackse(t *testing.T) {
	var corpus struct {
		Scenarios []packseScenario `json:"scenarios"`
	}
	conformance.Load(t, "packse_scenarios.json", &corpus)
	if len(corpus.Scenarios) == 0 {
		t.Fatal("no scenarios")
	}
	seen := map[string]bool{}
	for _, sc := range corpus.Scenarios {
		seen[sc.Name] = true
		t.Run(sc.Name, func(t *testing.T) { runPackse(t, sc) })
	}
	for name := range packseDifferences {
		if !seen[name] {
			t.Errorf("packseDifferences lists %s, which the corpus lacks", name)
		}
	}
}

func runPackse(t *testing.T, sc packseScenario) {
	u := newUniverse()
	noBinary := map[string]bool{}
	for _, n := range sc.ResolverOptions.NoBinary {
		noBinary[pep508.NormalizeName(n)] = true
	}
	for _, name := range sortedKeys(sc.Packages) {
		for _, v := range sortedKeys(sc.Packages[name].Versions) {
			pv := sc.Packages[name].Versions[v]
			rel := testRelease{name: name, version: v, requiresPython: ">=3.12", requires: pv.Requires,
				extras: pv.Extras, wheelTags: pv.WheelTags, yanked: pv.Yanked}
			if pv.RequiresPython != nil {
				rel.requiresPython = *pv.RequiresPython
			}
			rel.noWheel = (pv.Wheel != nil && !*pv.Wheel) || noBinary[pep508.NormalizeName(name)]
			rel.noSdist = pv.Sdist != nil && !*pv.Sdist
			u.add(t, rel)
		}
	}
	python := "3.12"
	if sc.Environment.Python != "" {
		python = sc.Environment.Python
	}
	if sc.ResolverOptions.Python != "" {
		python = sc.ResolverOptions.Python
	}
	// x86_64-manylinux2014, the scenarios' platform and the default here.
	target, err := NewTarget(python, tags.Glibc{Major: 2, Minor: 17})
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Pre: sc.ResolverOptions.Prereleases}
	for i, s := range sc.Root.Requires {
		r, err := pep508.ParseRequirement(s)
		if err != nil {
			t.Fatal(err)
		}
		req.Requirements = append(req.Requirements, Requirement{Requirement: r, Origin: fmt.Sprintf("requirements.txt:%d", i+1)})
	}
	// The scenario's index over HTTP, read by the real client.
	srv := newIndexServer(t, u)
	client, err := index.New(index.WithIndexURL(srv.URL + "/simple/"))
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	res, err := Resolve(context.Background(), client, target, req, WithLog(func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }))
	defer func() {
		if t.Failed() {
			t.Logf("log:\n%s", strings.Join(log, "\n"))
		}
	}()

	if diff, ok := packseDifferences[sc.Name]; ok {
		var ns *NoSolutionError
		if !errors.As(err, &ns) {
			t.Fatalf("want a NoSolutionError (%s), got %v, %v", diff.reason, res, err)
		}
		if !strings.Contains(err.Error(), diff.err) {
			t.Errorf("error lacks %q:\n%v", diff.err, err)
		}
		return
	}
	if !sc.Expected.Satisfiable {
		var ns *NoSolutionError
		if !errors.As(err, &ns) {
			t.Fatalf("want a NoSolutionError, got %v, %v", versionsOrNil(res), err)
		}
		t.Logf("%v", err)
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, u, target, sc.Root.Requires, res)
	if want := sc.Expected.Packages; want != nil {
		norm := map[string]string{}
		for k, v := range want {
			norm[pep508.NormalizeName(k)] = v
		}
		if got := versions(res); !maps.Equal(got, norm) {
			t.Errorf("got %v, want %v", got, norm)
		}
	}
}

func versionsOrNil(res *Result) map[string]string {
	if res == nil {
		return nil
	}
	return versions(res)
}
