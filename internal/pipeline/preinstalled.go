package pipeline

import (
	"context"
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/local"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// preinstallStage is --local's stage: the emulator's runtime gets FC's preinstalled modules
// (local.Account.Preinstall), and the user is told what it lacks.
func (r *run) preinstallStage(ctx context.Context) error {
	p := r.plan
	name := p.Runtime.Name
	return r.rep.Stage("preinstalled modules", func() error {
		got, err := r.deps.Local.Preinstall(ctx, local.Request{Runtime: p.Runtime, Python: p.Python.Full, Workspace: p.Config.Workspace,
			Sources: p.Sources, Client: r.client, Fetch: r.fetchAll})
		if err != nil {
			return fmt.Errorf("FC's preinstalled modules for the emulator's %s: %w", name, err)
		}
		if got.Reused {
			r.logf("FC's preinstalled modules for %s: reusing %s", name, p.Config.Rel(got.Dir))
		}
		r.logf("the emulator's %s has FC's preinstalled modules: %s", name, strings.Join(got.Installed, " "))
		if !got.Complete {
			r.rep.Annotate(report.Annotation{Level: report.LevelNotice, Title: "--local: preinstalled modules",
				Message: fmt.Sprintf("FC's list of %s's preinstalled modules is incomplete in the sources this action knows (%s): the emulator has what is listed, with its dependencies", name, fcruntime.PreinstalledSource)})
		}
		var what []string
		if len(got.NotFound) > 0 {
			what = append(what, strings.Join(got.NotFound, ", ")+" (no such wheel on the configured index or find-links)")
		}
		if what = append(what, got.Failed...); len(what) > 0 {
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "--local: preinstalled modules missing",
				Message: fmt.Sprintf("FC's %s preinstalls these, but the emulator lacks them: %s. "+
					"Code that imports them fails with --local although it works on FC; add wheels of these versions to find-links (or an index) to run it locally",
					name, strings.Join(what, "; "))})
		}
		return nil
	})
}
