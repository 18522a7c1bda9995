package pipeline

import (
	"context"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// baseOutputs are the outputs known without a cloud.
func (r *run) baseOutputs() report.Outputs {
	p, pkg := r.plan, r.pkg
	out := report.Outputs{
		FunctionName:   p.Workers[0].Name,
		RuntimeName:    p.RuntimeName,
		RuntimeKey:     r.dryRunKey(p.Workers[0].Name),
		PythonVersion:  p.Runtime.Python,
		FCRuntime:      p.Runtime.Name,
		LithopsVersion: r.lithopsVersion(),
	}
	if c := r.ctr; c.img != nil {
		// The image's: image.tar when a dry run wrote it; no zip, no code checksum.
		out.Image, out.ImageDigest, out.LockPath = c.pinned, c.img.Digest.String(), p.Config.Rel(c.lock)
		if c.layout != "" {
			out.PackagePath, out.PackageSHA256, out.PackageSize = p.Config.Rel(c.layout), c.layoutSHA256, c.layoutSize
		}
		return out
	}
	out.PackagePath, out.PackageSHA256, out.PackageSize = p.Config.Rel(pkg.ZipPath), pkg.SHA256, pkg.Size
	out.CodeChecksum, out.LockPath = pkg.CodeChecksum, p.Config.Rel(pkg.LockPath)
	return out
}

// dryRunOutputs are a dry run's outputs: the functions a deploy would make, so that a
// pull request check can show them.
func (r *run) dryRunOutputs(context.Context) error {
	p := r.plan
	r.out = r.baseOutputs()
	r.out.Deployed = report.DeployedDryRun
	r.smoke = SmokeResult{Skipped: "dry run"}
	r.out.SmokeResult = r.smoke.String()
	if p.API == fcruntime.FC2 {
		r.out.ServiceName = r.cfg.Service // the default service needs the key id: unknown here
	}
	for _, w := range p.Workers {
		r.out.Functions = append(r.out.Functions, report.FunctionOutput{Memory: w.MemoryMB, Name: w.Name, RuntimeKey: r.dryRunKey(w.Name), Deployed: report.DeployedDryRun})
	}
	r.out.ClientConfig = p.clientConfig(r.cfg.Service).YAML()
	if r.cfg.Prune {
		r.logf("prune: nothing is pruned in a dry run (it deploys nothing)")
	}
	return nil
}

// releaseOutputs are a deploy's outputs: what became of each function, and what client
// machines must do about it.
func (r *run) releaseOutputs(context.Context) error {
	p := r.plan
	if p.Config.Smoke == inputs.SmokeNone {
		r.smoke = SmokeResult{Skipped: "smoke: none"}
	}
	codeChanged, replaced := map[string]bool{}, map[string]bool{}
	for _, k := range r.rel.Replaced {
		replaced[k] = true
	}
	r.out = r.baseOutputs()
	for _, fn := range r.rel.Functions {
		key, err := p.Lithops.RuntimeKey(p.Config.Region, r.service, fn.Spec.Name)
		if err != nil {
			return err
		}
		codeChanged[fn.Spec.Name] = fn.Outcome == deploy.Updated && !fn.ConfigOnly
		r.out.Functions = append(r.out.Functions, report.FunctionOutput{
			Memory:     fn.Spec.MemoryMB,
			Name:       fn.Spec.Name,
			ARN:        lithops.FunctionARN(p.API, p.Config.Region, p.Config.AccountID, r.service, fn.Spec.Name),
			RuntimeKey: key,
			Deployed:   fn.Outcome,
		})
	}
	r.stale = staleCaches(r.out.Functions, codeChanged, replaced)
	r.out.ServiceName = r.service
	r.out.FunctionARN, r.out.RuntimeKey = r.out.Functions[0].ARN, r.out.Functions[0].RuntimeKey
	r.out.Deployed = r.rel.Outcome()
	r.out.SmokeResult = r.smoke.String()
	r.out.ClientConfig = p.clientConfig(r.service).YAML()
	if len(r.stale) > 0 {
		r.rep.Annotate(staleCacheWarning(r.stale))
	}
	return nil
}

// finish sets the outputs and writes the job summary (with what a prune did), once.
func (r *run) finish(context.Context) error {
	if r.summarized {
		return nil
	}
	r.summarized = true
	var err error
	if r.out.Changes, err = r.changes.json(); err != nil {
		return err
	}
	if err := r.rep.SetOutputs(r.out); err != nil {
		return err
	}
	var md string
	if r.ctr.img != nil {
		md = r.imageSummary()
	} else {
		md = r.summary()
	}
	if r.cfg.Prune && !r.cfg.DryRun {
		var m report.Markdown
		r.removalSummary(&m, 3, "Older Lithops versions pruned", "none found")
		md += m.String()
	}
	return r.rep.AddSummary(md)
}

// dryRunKey is the runtime key of function name when it does not depend on
// credentials: FC 3.0 keys name no service; an FC 2.0 key needs the service, known
// without credentials only from the service input. It is "" without a region.
func (r *run) dryRunKey(name string) string {
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
