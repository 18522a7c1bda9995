package pipeline

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// SmokeResult is what the smoke stages found, the smoke-result output.
type SmokeResult struct {
	// Skipped says why nothing was checked ("dry run", "smoke: none"); "" when
	// something was.
	Skipped string
	Imports Imports
	Modules int // the modules the import check imported
	// Metadata is set when every function answered Lithops' metadata call as Lithops
	// requires.
	Metadata bool
}

// Imports is what became of the import check.
type Imports int

const (
	ImportsNotRun    Imports = iota // smoke is not imports
	ImportsOK                       // every module imports
	ImportsUnchanged                // skipped: every function already ran this package
)

// String is the smoke-result output: "imports ok (12 modules), metadata ok",
// "metadata ok", "skipped (dry run)".
func (s SmokeResult) String() string {
	if s.Skipped != "" {
		return "skipped (" + s.Skipped + ")"
	}
	var parts []string
	switch s.Imports {
	case ImportsOK:
		parts = append(parts, fmt.Sprintf("imports ok (%d modules)", s.Modules))
	case ImportsUnchanged:
		parts = append(parts, "imports skipped (package unchanged)")
	}
	if s.Metadata {
		parts = append(parts, "metadata ok")
	}
	return strings.Join(parts, ", ")
}

// showSmokeFailure prints what a failed smoke test's function said: each import
// failure's traceback, then the function's log tail in a collapsed group. Everything is
// printed as untrusted text, so nothing the function wrote can issue workflow commands.
// The runner does not nest groups: call it outside report stages. Errors other than
// *verify.SmokeError print nothing.
func showSmokeFailure(r *report.Reporter, err error) error {
	var se *verify.SmokeError
	if !errors.As(err, &se) {
		return nil
	}
	for _, f := range se.Failures {
		if err := r.Untrusted(fmt.Sprintf("import %s failed:", f.Module), f.Traceback); err != nil {
			return err
		}
	}
	if se.Log == "" {
		return nil
	}
	return r.Stage(fmt.Sprintf("Log of function %s (last 4 KB)", se.Function), func() error {
		return r.Untrusted("", se.Log)
	})
}
