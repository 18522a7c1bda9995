package pipeline

import (
	"errors"
	"fmt"

	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

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
