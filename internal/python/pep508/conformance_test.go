package pep508

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/conformance"
)

type requirementCase struct {
	Input     string   `json:"input"`
	Name      string   `json:"name"`
	Extras    []string `json:"extras"`
	URL       *string  `json:"url"`
	Specifier string   `json:"specifier"`
	Marker    *string  `json:"marker"`
	Str       string   `json:"str"`
}

func loadRequirements(t testing.TB) []requirementCase {
	t.Helper()
	var c struct {
		Cases []requirementCase `json:"cases"`
	}
	conformance.Load(t, "requirements_parse.json", &c)
	if len(c.Cases) == 0 {
		t.Fatal("requirements_parse.json: no cases")
	}
	return c.Cases
}

func TestConformanceRequirements(t *testing.T) {
	for i, c := range loadRequirements(t) {
		if conformance.Skipped(t, fmt.Sprintf("requirements_parse/cases/%d", i)) {
			continue
		}
		r, err := ParseRequirement(c.Input)
		if err != nil {
			t.Errorf("ParseRequirement(%q): %v", c.Input, err)
			continue
		}
		url, marker := "", ""
		if c.URL != nil {
			url = *c.URL
		}
		if c.Marker != nil {
			marker = *c.Marker
		}
		want := slices.Clone(c.Extras)
		slices.Sort(want)
		if r.Name != c.Name || !slices.Equal(r.Extras, want) || r.URL != url ||
			r.Specifier.String() != c.Specifier || r.Marker.String() != marker || r.Marker.IsZero() != (c.Marker == nil) {
			t.Errorf("ParseRequirement(%q) = name %q extras %q url %q spec %q marker %q; want %q %q %q %q %q",
				c.Input, r.Name, r.Extras, r.URL, r.Specifier, r.Marker, c.Name, want, url, c.Specifier, marker)
		}
		if r.String() != c.Str {
			t.Errorf("ParseRequirement(%q).String() = %q, want %q", c.Input, r.String(), c.Str)
		}
	}
}

type markerCorpus struct {
	Envs  map[string]map[string]string `json:"envs"`
	Cases []struct {
		Marker  string         `json:"marker"`
		Results map[string]any `json:"results"`
	} `json:"cases"`
}

func envFromMap(t *testing.T, m map[string]string) Env {
	t.Helper()
	e := Env{
		ImplementationName:           m["implementation_name"],
		ImplementationVersion:        m["implementation_version"],
		OSName:                       m["os_name"],
		PlatformMachine:              m["platform_machine"],
		PlatformRelease:              m["platform_release"],
		PlatformSystem:               m["platform_system"],
		PlatformVersion:              m["platform_version"],
		PythonFullVersion:            m["python_full_version"],
		PlatformPythonImplementation: m["platform_python_implementation"],
		PythonVersion:                m["python_version"],
		SysPlatform:                  m["sys_platform"],
	}
	if len(m) != 11 {
		t.Fatalf("environment with %d keys, want the 11 of PEP 508: %v", len(m), m)
	}
	// The corpus environments are CPython on Linux x86_64: TargetEnv must give them.
	if target, err := TargetEnv(m["python_full_version"]); err != nil || target != e {
		t.Errorf("TargetEnv(%q) = %+v, %v; corpus environment %+v", m["python_full_version"], target, err, e)
	}
	return e
}

func TestConformanceMarkers(t *testing.T) {
	var c markerCorpus
	conformance.Load(t, "marker_eval.json", &c)
	if len(c.Cases) == 0 || len(c.Envs) == 0 {
		t.Fatal("marker_eval.json: no cases")
	}
	envs := map[string]Env{}
	for name, m := range c.Envs {
		envs[name] = envFromMap(t, m)
	}
	fails := 0
	for i, cs := range c.Cases {
		if conformance.Skipped(t, fmt.Sprintf("marker_eval/cases/%d", i)) {
			continue
		}
		m, err := ParseMarker(cs.Marker)
		if err != nil {
			t.Errorf("ParseMarker(%q): %v", cs.Marker, err)
			continue
		}
		for key, want := range cs.Results {
			envName, extra, ok := strings.Cut(key, "|extra=")
			env, known := envs[envName]
			if !ok || !known {
				t.Fatalf("result key %q names no environment", key)
			}
			got, err := m.Evaluate(env, extra)
			var gotS string
			switch {
			case errors.Is(err, ErrUndefinedComparison):
				gotS = "error:UndefinedComparison"
			case errors.Is(err, ErrUndefinedName):
				gotS = "error:UndefinedEnvironmentName"
			case err != nil:
				gotS = "error:" + err.Error()
			default:
				gotS = fmt.Sprint(got)
			}
			if gotS != fmt.Sprint(want) {
				fails++
				if fails < 30 {
					t.Errorf("Marker(%q).Evaluate(%s, extra=%q) = %s, want %v", cs.Marker, envName, extra, gotS, want)
				}
			}
		}
	}
	if fails > 0 {
		t.Errorf("%d evaluations wrong", fails)
	}
}
