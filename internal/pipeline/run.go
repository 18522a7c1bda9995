package pipeline

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/local"
	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// Env is what the pipeline needs from outside the inputs: the runner's environment,
// the reporter, and the seams --local and tests use.
type Env struct {
	Getenv      func(string) string
	Report      *report.Reporter
	HTTPClient  *http.Client         // package index requests; nil uses a default
	Credentials []credentials.Option // e.g. the emulator's STS endpoint
	Deploy      []deploy.Option      // e.g. fast polls, or a lower inline limit
	Build       []build.Option       // e.g. a lower budget, to match Deploy's inline limit
	Verify      []verify.Option
	// Local is the embedded emulator's account of --local (set by Execute): Run checks
	// it has the plan's CPython and gives its runtime FC's preinstalled modules, so what
	// works on FC works locally.
	Local *local.Account
}

type runner struct {
	env  Env
	rep  *report.Reporter
	plan *Plan
	pkg  *build.Result // once assembled
}

// runError is a failed run with what it had done, for the job summary (see Fail).
type runError struct {
	err  error
	plan *Plan         // nil when planning failed
	pkg  *build.Result // nil when nothing was built
}

func (e *runError) Error() string { return e.err.Error() }
func (e *runError) Unwrap() error { return e.err }

func (r *runner) logf(format string, args ...any) { r.rep.Printf(format, args...) }

// Run builds the runtime package and, unless it is a dry run, deploys and verifies it.
// The outputs it returns are also set on the reporter.
func Run(ctx context.Context, cfg inputs.Config, env Env) (_ report.Outputs, err error) {
	r := &runner{env: env, rep: env.Report}
	defer func() {
		if err != nil {
			err = &runError{err: err, plan: r.plan, pkg: r.pkg}
		}
	}()
	var out report.Outputs
	err = r.rep.Stage("plan", func() error {
		// Everything checkable without the network comes first, all of it reported at once.
		pre := preflight(cfg, env)
		var err error
		if r.plan, err = MakePlan(ctx, cfg, env.Getenv); err != nil || pre != nil {
			return errors.Join(pre, err)
		}
		p := r.plan
		// Credentials from the requirements file (often a ${TOKEN}) are secrets the
		// inputs did not show: masked like theirs.
		if err := r.rep.Mask(p.secrets()...); err != nil {
			return err
		}
		r.logf("%s → FC runtime %s, glibc %s, FC API %s, Lithops %s", p.Python, p.Runtime.Name, p.Glibc, p.API, p.Lithops.Version())
		if p.Python.Notice != "" {
			r.rep.Annotate(report.Annotation{Level: report.LevelNotice, File: p.Python.File, Line: p.Python.Line, Title: "Python version", Message: p.Python.Notice})
		}
		var names []string
		for _, fn := range p.Workers {
			names = append(names, fn.Name)
		}
		for _, a := range p.bucketNotices(names) {
			r.rep.Annotate(a)
		}
		if env.Local != nil && !cfg.DryRun {
			// --local: a missing CPython is found here, before anything is resolved or deployed.
			return env.Local.CheckPython(p.Runtime.Python, env.Getenv)
		}
		return nil
	})
	if err != nil {
		return out, err
	}

	set, err := r.resolve(ctx)
	if err != nil {
		return out, err
	}
	if env.Local != nil && !cfg.DryRun {
		if err := r.preinstall(ctx, set.client); err != nil {
			return out, err
		}
	}

	var pkg *build.Result
	in := build.Input{
		Lithops: set.lithops, Wheels: set.wheels, Exclude: cfg.Exclude,
		Target:         r.plan.Target.Platform,
		LithopsVersion: r.plan.Lithops.Version(), OutDir: cfg.OutputDir,
	}
	err = r.rep.Stage("assemble", func() error {
		var err error
		if pkg, err = build.Assemble(ctx, in, r.env.Build...); err != nil {
			// A wheel that cannot go into the package is the fault of the lines
			// that asked for it.
			var ee *build.ELFError
			if errors.As(err, &ee) {
				var lines []string
				for _, v := range ee.Violations {
					lines = append(lines, set.origins(v.Distribution)...)
				}
				return atLines(err, lines...)
			}
			return err
		}
		r.pkg = pkg
		for _, w := range pkg.Warnings {
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "runtime package", Message: w})
		}
		r.logf("runtime.zip: %s, %d entries, sha256 %s, delivered %s", size(pkg.Size), pkg.Entries, pkg.SHA256, pkg.Delivery)
		return nil
	})
	if err != nil {
		return out, err
	}
	// Lithops names functions after its own __version__, which may be spelled
	// differently from the input (3.7 and 3.7.0).
	if err := r.plan.rename(pkg.LithopsVersion); err != nil {
		return out, err
	}

	out = r.outputs(pkg)
	if cfg.DryRun {
		out.Deployed = report.DeployedDryRun
		out.SmokeResult = "skipped (dry run)"
		if r.plan.API == fcruntime.FC2 {
			out.ServiceName = cfg.Service // the default service needs the key id: unknown here
		}
		// The functions a deploy would make, so a PR check can show them.
		for _, fn := range r.plan.Workers {
			out.Functions = append(out.Functions, report.FunctionOutput{Memory: fn.MemoryMB, Name: fn.Name, RuntimeKey: r.dryRunKey(fn.Name), Deployed: report.DeployedDryRun})
		}
		out.ClientConfig = r.plan.clientConfig(cfg.Service).YAML()
		return out, r.finish(out, set, pkg, nil)
	}
	rel, err := r.release(ctx, pkg, in, set.modules(pkg))
	if err != nil {
		return out, err
	}
	out.ServiceName = rel.service
	out.Functions = rel.functions
	out.FunctionARN, out.RuntimeKey = rel.functions[0].ARN, rel.functions[0].RuntimeKey
	out.Deployed = rel.outcome
	out.SmokeResult = rel.smoke
	out.ClientConfig = r.plan.clientConfig(rel.service).YAML()
	if len(rel.stale) > 0 {
		r.rep.Annotate(staleCacheWarning(rel.stale))
	}
	return out, r.finish(out, set, pkg, rel.stale)
}

// rename recomputes the function names for the Lithops version the wheel reports.
func (p *Plan) rename(version string) error {
	if version == p.Lithops.Version() {
		return nil
	}
	l, err := lithops.New(version)
	if err != nil {
		return fmt.Errorf("lithops wheel version %s: %w", version, err)
	}
	if l.API() != p.API {
		return fmt.Errorf("the lithops wheel says it is version %s, which deploys through FC %s, not FC %s as %s does", version, l.API(), p.API, p.Lithops.Version())
	}
	p.Lithops = l
	for i := range p.Workers {
		if p.Workers[i].Name, err = l.FunctionName(p.RuntimeName, p.Workers[i].MemoryMB); err != nil {
			return &inputs.Error{Input: "runtime-name", Problem: err.Error()}
		}
	}
	return nil
}

// outputs are the outputs known without a cloud.
func (r *runner) outputs(pkg *build.Result) report.Outputs {
	p := r.plan
	return report.Outputs{
		FunctionName:   p.Workers[0].Name,
		RuntimeName:    p.RuntimeName,
		RuntimeKey:     r.dryRunKey(p.Workers[0].Name),
		PythonVersion:  p.Runtime.Python,
		FCRuntime:      p.Runtime.Name,
		LithopsVersion: pkg.LithopsVersion,
		PackagePath:    p.Config.Rel(pkg.ZipPath),
		PackageSHA256:  pkg.SHA256,
		PackageSize:    pkg.Size,
		CodeChecksum:   pkg.CodeChecksum,
		LockPath:       p.Config.Rel(pkg.LockPath),
	}
}

// dryRunKey is the runtime key of function name when it does not depend on
// credentials: FC 3.0 keys name no service; an FC 2.0 key needs the service, known
// without credentials only from the service input. It is "" without a region.
func (r *runner) dryRunKey(name string) string {
	p := r.plan
	service := p.Config.Service
	if p.Config.Region == "" || p.API == fcruntime.FC2 && service == "" {
		return ""
	}
	key, err := p.Lithops.RuntimeKey(p.Config.Region, service, name)
	if err != nil {
		return ""
	}
	return key
}

// finish sets the outputs and writes the job summary. stale lists the cached metadata
// files client machines must delete.
func (r *runner) finish(out report.Outputs, set *resolution, pkg *build.Result, stale []string) error {
	if err := r.rep.SetOutputs(out); err != nil {
		return err
	}
	return r.rep.AddSummary(summary(r.plan, out, set, pkg, stale))
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
