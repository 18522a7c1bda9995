package pipeline

import (
	"context"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// assembleStage writes runtime.zip and pylock.toml from the fetched wheels
// (build.Assemble).
func (r *run) assembleStage(ctx context.Context) error {
	p, set := r.plan, r.set
	r.in = build.Input{
		Lithops: set.lithops, Wheels: set.wheels, Exclude: r.cfg.Exclude,
		Target: p.Target.Platform, LithopsVersion: p.Lithops.Version(), OutDir: r.cfg.OutputDir,
		Origin: p.origin(),
	}
	if p.Lock != nil {
		// The lock's wheels are already without its excluded distributions; its record
		// (origin, excluded) is written again as it was.
		r.in.Exclude, r.in.Excluded = nil, p.Lock.Excluded
	}
	return r.rep.Stage("assemble", func() error {
		pkg, err := build.Assemble(ctx, r.in, build.WithCodeLimits(r.deps.limits()))
		if err != nil {
			return set.elfFault(err)
		}
		r.pkg = pkg
		for _, w := range pkg.Warnings {
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "runtime package", Message: w})
		}
		r.logf("runtime.zip: %s, %d entries, sha256 %s, delivered %s", size(pkg.Size), pkg.Entries, pkg.SHA256, pkg.Delivery)
		if err := r.readBuiltLock(); err != nil {
			return err
		}
		if p.Lock != nil {
			return r.proveLock()
		}
		return nil
	})
}

// nameStep names the workers after the lithops wheel's own __version__, as Lithops
// does, which may be spelled differently from the input (3.7 and 3.7.0).
func (r *run) nameStep(context.Context) error { return r.plan.rename(r.pkg.LithopsVersion) }

// origin is what the runtime's lock records it was made from: the target and the
// requirements files with their sha256 (a locked deploy checks them against its own),
// or, for a locked run, what its lock recorded.
func (p *Plan) origin() *pylock.Origin {
	if p.Lock != nil {
		return p.Lock.Origin
	}
	full := p.Python.Full
	if full == "" {
		full = p.Runtime.Python
	}
	return &pylock.Origin{
		Target:       pylock.Target{Python: full, FCRuntime: p.Runtime.Name, FCAPI: p.API},
		Requirements: pylock.FilesOf(p.Requirements, p.Config.Rel),
	}
}
