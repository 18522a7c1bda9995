package pipeline

import (
	"context"
	"fmt"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/image"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// run is the state the stages share: each stage reads what the earlier ones left and
// adds its own result, typed.
type run struct {
	deps Deps
	rep  *report.Reporter
	cfg  inputs.Config

	plan     *Plan                   // plan
	client   *index.Client           // resolve: the package index client of the plan's sources
	res      *resolved               // resolve
	set      *resolution             // fetch
	in       build.Input             // assemble: what the package is made of (the import check's too)
	pkg      *build.Result           // assemble
	creds    credentials.Credentials // credentials
	service  string                  // credentials: the FC 2.0 service, "" on FC 3.0
	deployer *deploy.Deployer        // connect
	verifier *verify.Verifier        // connect
	specs    []deploy.Spec           // connect: one per worker, in the plan's order
	live     deploy.Live             // import check: what FC ran before
	rel      *deploy.Release         // deploy
	smoke    SmokeResult             // import check and verify
	out      report.Outputs          // outputs
	stale    []string                // outputs: cached metadata files client machines must delete

	changes       *changeReport // changes: the lock against the live one or compare-to
	bucketMissing bool          // check: the storage bucket does not exist (nothing is published)
	checked       []string      // check: the temporary functions the smoke test ran in

	life       *lifePlan                   // delete, list: the plan
	deployers  map[string]*deploy.Deployer // delete, list, prune: by API, service and bucket
	removals   []removal                   // delete, prune: what became of each resource
	skipped    []string                    // list: functions that are no runtime's, and why
	summarized bool                        // the outputs and the summary are written

	ctr      containerRun // a container runtime's stages (container.go)
	lock     builtLock    // the runtime's pylock.toml, as the build wrote it
	cleanups []func()     // run when the run ends, newest first
}

// A step is one stage of a run, or the glue between two. It returns the stage's error,
// which ends the run.
type step func(ctx context.Context) error

// steps are the run's steps in order. A dry run builds and reports what changes; a
// deploy then puts the package live and proves it runs; a check (mode: check) proves it
// runs in a temporary function and changes nothing live. A locked run (the lock input)
// fetches its lock's wheels instead of resolving. Another mode (a delete, a list, a
// container runtime) is another list, made of these steps and its own.
func (r *run) steps() []step {
	if r.cfg.Mode == inputs.ModeDelete || r.cfg.Mode == inputs.ModeList {
		return r.lifeSteps()
	}
	if r.cfg.DeployMode == inputs.DeployContainer {
		return r.containerSteps()
	}
	steps := []step{r.planStage, r.resolveStage, r.fetchStage}
	if r.cfg.Lock != "" {
		steps = []step{r.planStage, r.fetchLockedStage}
	}
	if r.deps.Local != nil && !r.cfg.DryRun {
		steps = append(steps, r.preinstallStage)
	}
	steps = append(steps, r.assembleStage, r.nameStep)
	switch {
	case r.cfg.DryRun:
		return append(steps, r.changesStage, r.dryRunOutputs, r.finish)
	case r.cfg.Mode == inputs.ModeCheck:
		return append(steps, r.credentialsStage, r.connectStep, r.checkBucketStage, r.checkServiceStage,
			r.changesStage, r.checkStage, r.checkOutputs, r.finish)
	}
	steps = append(steps, r.credentialsStage, r.connectStep, r.bucketStage, r.serviceStage,
		r.changesStage, r.importCheckStage, r.deployStage, r.verifyStage, r.releaseOutputs)
	if r.cfg.Prune {
		steps = append(steps, r.pruneStage)
	}
	return append(steps, r.finish)
}

// containerSteps are a custom-container runtime's: the base image is read before the
// resolution (its glibc is the target's), the image stage replaces assemble (and
// preinstalled modules: an image carries its own), and the image is pushed before the
// import check runs on it. A check pushes the image too, and runs it in temporary
// functions only.
func (r *run) containerSteps() []step {
	steps := []step{r.planStage, r.baseStage, r.resolveStage, r.fetchStage, r.imageStage}
	switch {
	case r.cfg.DryRun:
		return append(steps, r.changesStage, r.dryRunOutputs, r.finish)
	case r.cfg.Mode == inputs.ModeCheck:
		// The image is pushed by digest (no tag moves): the temporary functions pull it.
		return append(steps, r.credentialsStage, r.connectStep, r.checkBucketStage, r.changesStage, r.pushStage,
			r.checkStage, r.checkOutputs, r.finish)
	}
	steps = append(steps, r.credentialsStage, r.connectStep, r.bucketStage, r.changesStage, r.pushStage,
		r.importCheckStage, r.deployStage, r.verifyStage, r.releaseOutputs)
	if r.cfg.Prune {
		steps = append(steps, r.pruneStage)
	}
	return append(steps, r.finish)
}

// runError is a failed run with what it had done, for the job summary (see Fail).
type runError struct {
	err     error
	plan    *Plan         // nil when planning failed
	pkg     *build.Result // nil when no zip was built
	img     *image.Result // nil when no image was built
	changes *changeReport // nil when nothing was compared
	// title names what failed when there is no plan (a delete, a list).
	title string
	// summarized is set when the run wrote its outputs and summary before it failed
	// (what a failed delete or prune left): the failure adds only why.
	summarized bool
}

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

func (r *run) logf(format string, args ...any) { r.rep.Printf(format, args...) }

// Run builds the runtime package and, unless it is a dry run, deploys and verifies it.
// The outputs it returns are also set on the reporter.
func Run(ctx context.Context, cfg inputs.Config, deps Deps) (report.Outputs, error) {
	r := &run{deps: deps, rep: deps.Report, cfg: cfg}
	defer func() {
		for i := len(r.cleanups) - 1; i >= 0; i-- {
			r.cleanups[i]()
		}
	}()
	for _, s := range r.steps() {
		if err := s(ctx); err != nil {
			re := &runError{err: err, plan: r.plan, pkg: r.pkg, img: r.ctr.img, changes: r.changes, summarized: r.summarized}
			if r.life != nil {
				re.title = r.life.what()
			}
			return r.out, re
		}
	}
	return r.out, nil
}

func size(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
