// Package fcruntime owns the facts about Function Compute's managed Python runtimes:
// which Python each runtime runs, on which Debian and glibc, under which FC API
// (docs/architecture.md, "Function Compute runtimes"), its code limits and preinstalled
// modules, and the registries it pulls custom-container images from (ImagePullProblem).
package fcruntime

import (
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// API is a Function Compute API generation.
type API string

const (
	FC2 API = "2.0" // 2016-08-15, services and functions
	FC3 API = "3.0" // 2023-03-30, top-level functions
)

// Runtime is one managed Python runtime of FC.
type Runtime struct {
	Name   string // FC's runtime identifier, e.g. "python3.10"
	Python string // major.minor, e.g. "3.10"
	Debian int
	Glibc  tags.Glibc
	APIs   []API // the APIs Lithops deploys this runtime through
}

// Manylinux is the newest manylinux tag the runtime's glibc satisfies, e.g. "manylinux_2_28".
func (r Runtime) Manylinux() string {
	return fmt.Sprintf("manylinux_%d_%d", r.Glibc.Major, r.Glibc.Minor)
}

// Supports reports whether Lithops deploys r through api.
func (r Runtime) Supports(api API) bool {
	for _, a := range r.APIs {
		if a == api {
			return true
		}
	}
	return false
}

// runtimes are docs/architecture.md's "Function Compute runtimes": Lithops up to 3.6 deploys through FC 2.0 (3.6, 3.9,
// 3.10), Lithops 3.7 and later through FC 3.0 (3.9, 3.10, 3.12). Debian 9 has glibc 2.24,
// Debian 10 2.28, Debian 11 2.31.
var runtimes = []Runtime{
	{Name: "python3", Python: "3.6", Debian: 9, Glibc: tags.Glibc{Major: 2, Minor: 24}, APIs: []API{FC2}},
	{Name: "python3.9", Python: "3.9", Debian: 9, Glibc: tags.Glibc{Major: 2, Minor: 24}, APIs: []API{FC2, FC3}},
	{Name: "python3.10", Python: "3.10", Debian: 10, Glibc: tags.Glibc{Major: 2, Minor: 28}, APIs: []API{FC2, FC3}},
	{Name: "python3.12", Python: "3.12", Debian: 11, Glibc: tags.Glibc{Major: 2, Minor: 31}, APIs: []API{FC3}},
}

// All returns every known runtime, oldest Python first.
func All() []Runtime { return append([]Runtime(nil), runtimes...) }

// Offered returns the runtimes Lithops deploys through api, oldest Python first.
func Offered(api API) []Runtime {
	var out []Runtime
	for _, r := range runtimes {
		if r.Supports(api) {
			out = append(out, r)
		}
	}
	return out
}

// ByName returns the runtime with FC identifier name (e.g. "python3.10").
func ByName(name string) (Runtime, bool) {
	for _, r := range runtimes {
		if r.Name == name {
			return r, true
		}
	}
	return Runtime{}, false
}

// ForPython returns the runtime for Python major.minor under api, or an error that
// lists the Python versions api offers.
func ForPython(api API, python string) (Runtime, error) {
	for _, r := range runtimes {
		if r.Python == python && r.Supports(api) {
			return r, nil
		}
	}
	var offered []string
	for _, r := range Offered(api) {
		offered = append(offered, r.Python+" ("+r.Name+")")
	}
	return Runtime{}, fmt.Errorf("Python %s is not offered by FC %s for Lithops; offered: %s", python, api, strings.Join(offered, ", "))
}
