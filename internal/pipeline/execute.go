package pipeline

import (
	"context"
	"time"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/local"
	"github.com/lithops-fc/runtime-action/internal/python/index"
)

// Execute runs the action for cfg as the binary does: it masks the input secrets, starts
// the embedded emulator for --local, runs the pipeline and reports a failure. It returns
// the exit code (see Fail). Tests call it in-process to run exactly main's path.
func Execute(ctx context.Context, cfg inputs.Config, deps Deps) int {
	rep := deps.Report
	// Every secret known before the first line: the inputs', the credential variables'
	// and .netrc's (the requirements file's are masked as soon as it is read).
	secrets := append(cfg.Secrets(), credentials.EnvSecrets(deps.Getenv)...)
	secrets = append(secrets, index.NetrcSecrets(index.NetrcPath(deps.Getenv))...)
	if err := rep.Mask(secrets...); err != nil {
		return Fail(rep, err)
	}
	if cfg.Local {
		var acct *local.Account
		var err error
		if cfg, acct, err = local.Start(ctx, cfg, func(f string, a ...any) { rep.Printf(f, a...) }); err != nil {
			return Fail(rep, err)
		}
		defer acct.Close()
		deps.Local = acct
		if deps.Cloud.Poll == 0 {
			// An image function is Pending while the emulator pulls its image from the
			// local registry, milliseconds: no need to wait a second before looking.
			deps.Cloud.Poll = 50 * time.Millisecond
		}
		// The emulator's secret is new each run: masked like any other.
		if err := rep.Mask(cfg.Secrets()...); err != nil {
			return Fail(rep, err)
		}
	}
	if _, err := Run(ctx, cfg, deps); err != nil {
		return Fail(rep, err)
	}
	return 0
}
