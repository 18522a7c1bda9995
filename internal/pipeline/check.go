package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// mode: check builds the runtime as a deploy would and smoke-tests it in a temporary
// function only (the import check, then Lithops' metadata call, verify.Verifier.Check),
// which is deleted whatever happens, cancellation included. It reads what a deploy
// would change (the functions, the live lock) and writes nothing live: no worker
// function, no bucket, no published object. Its outputs name what a deploy would make.

// checkBucketStage looks the storage bucket up without creating it. A bucket another
// account holds fails the check as it would fail a deploy; a missing one means nothing
// is published yet, and the check's package goes through FC's temporary bucket.
func (r *run) checkBucketStage(ctx context.Context) error {
	p := r.plan
	if p.Bucket.name == "" {
		return nil
	}
	return r.rep.Stage("storage bucket", func() error {
		exists, err := r.deployer.Uploader().BucketExists(ctx)
		if err != nil {
			return p.bucketError(err)
		}
		if exists {
			return nil
		}
		r.bucketMissing = true
		r.logf("the storage bucket %s does not exist yet (a deploy creates it): nothing is published there, and the check's package goes through FC's temporary bucket", p.Bucket.name)
		return r.connect("")
	})
}

// checkServiceStage says, on FC 2.0, whether a deploy could use the service as it is. A
// check does not need it (its temporary function has a service of its own), so a
// difference is a warning, not a failure.
func (r *run) checkServiceStage(ctx context.Context) error {
	p := r.plan
	if p.API != fcruntime.FC2 {
		return nil
	}
	return r.rep.Stage("FC 2.0 service", func() error {
		err := r.deployer.CheckService(ctx, p.Config.RoleARN, lithops.InternetAccess)
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled):
			return err
		case errors.As(err, new(*deploy.ServiceMismatchError)):
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "a deploy would fail",
				Message: "the check passes without it, but a deploy with these inputs would fail: " + serviceError(err, r.service).Error()})
		default:
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "FC 2.0 service",
				Message: "the check could not look the FC 2.0 service up (a deploy needs to): " + err.Error()})
		}
		return nil
	})
}

// checkStage smoke-tests the package in a temporary function (verify.Verifier.Check; for
// an image, verify.Verifier.CheckImage, on the image pushed by digest): the import check
// when smoke is imports, then Lithops' metadata call. It reads which
// functions exist first, for what a deploy would do. A failure says that nothing live
// changed.
func (r *run) checkStage(ctx context.Context) error {
	p := r.plan
	var err error
	if r.live, err = r.deployer.Live(ctx, r.deployPackage(), r.specs); err != nil {
		return err
	}
	imports := p.Config.Smoke == inputs.SmokeImports
	err = r.rep.Stage("smoke: check", func() error {
		want := verify.Expect{Python: p.Runtime.Python, Lithops: r.lithopsVersion()}
		var rep verify.CheckReport
		var modules []string
		if imports {
			modules = r.importModules()
		}
		if p.Container {
			var err error
			if rep, err = r.verifier.CheckImage(ctx, r.specs[0], r.ctr.python, modules, want); err != nil {
				return err
			}
		} else {
			pkg, remove, err := verify.ImportPackage(ctx, r.in, build.WithCodeLimits(r.deps.limits()))
			if err != nil {
				return err
			}
			defer remove()
			if rep, err = r.verifier.Check(ctx, packageOf(pkg), r.specs[0], modules, want); err != nil {
				return err
			}
		}
		if rep.Imports != nil {
			r.smoke.Imports, r.smoke.Modules = ImportsOK, rep.Imports.Modules
		}
		r.smoke.Metadata, r.checked = true, []string{rep.Function}
		if rep.Imports != nil && rep.Imports.Function != rep.Function {
			r.checked = []string{rep.Imports.Function, rep.Function} // an image's: two functions
		}
		return nil
	})
	if err != nil {
		showSmokeFailure(r.rep, err)
		return fmt.Errorf("%w; nothing live changed (mode: check): the functions and the published metadata are as they were", err)
	}
	return nil
}

// checkOutputs are a check's outputs: deployed is checked, and the names, runtime keys
// and service are those a deploy would make (no ARN: nothing was deployed).
func (r *run) checkOutputs(context.Context) error {
	p := r.plan
	r.out = r.baseOutputs()
	r.out.Deployed = report.DeployedChecked
	for _, w := range p.Workers {
		key, err := p.Lithops.RuntimeKey(p.Config.Region, r.service, w.Name)
		if err != nil {
			return err
		}
		r.out.Functions = append(r.out.Functions, report.FunctionOutput{Memory: w.MemoryMB, Name: w.Name, RuntimeKey: key, Deployed: report.DeployedChecked})
	}
	r.out.RuntimeKey = r.out.Functions[0].RuntimeKey
	r.out.ServiceName = r.service
	r.out.SmokeResult = r.smoke.String()
	r.out.ClientConfig = p.clientConfig(r.service).YAML()
	return nil
}

// checkedIn names the temporary function(s) a check ran in.
func (r *run) checkedIn() string {
	if len(r.checked) == 1 {
		return "the temporary function " + r.checked[0]
	}
	return "the temporary functions " + strings.Join(r.checked, " and ")
}

// checkSection says in the job summary what a check did and what it left alone.
func (r *run) checkSection(md *report.Markdown) {
	what := "Lithops' metadata call"
	if r.smoke.Imports == ImportsOK {
		what = fmt.Sprintf("the import check (%d modules) and Lithops' metadata call", r.smoke.Modules)
	}
	md.Paragraph(fmt.Sprintf("Checked (mode: check): the runtime was built and %s passed in %s, deleted afterwards. "+
		"Nothing live changed: the functions below, the published metadata and the published lock are as they were; the deployed column says what a deploy of this package would do.",
		what, r.checkedIn()))
}
