package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// released is what the deploy and verify stages leave for the outputs.
type released struct {
	service   string
	functions []report.FunctionOutput
	outcome   deploy.Outcome // the strongest change made
	smoke     string
	stale     []string // cached metadata files client machines must delete
}

// release puts pkg live on FC and proves it runs: the import check on a temporary
// function first (so broken code never goes live), then the deploy, the Lithops
// metadata call on every function, and the publication of the runtime metadata. A
// failure after the deploy rolls everything back (deploy.Release.Abort). in is what
// made pkg: the import check's package is assembled from it, only when the check runs.
func (r *runner) release(ctx context.Context, pkg *build.Result, in build.Input, modules []string) (*released, error) {
	p := r.plan
	out := &released{}
	var creds credentials.Credentials
	err := r.rep.Stage("credentials", func() error {
		var err error
		creds, err = credentials.Resolve(ctx, credentials.Request{
			AccessKeyID: p.Config.AccessKeyID, AccessKeySecret: p.Config.AccessKeySecret, SecurityToken: p.Config.SecurityToken,
			OIDCRoleARN: p.Config.OIDCRoleARN, OIDCProviderARN: p.Config.OIDCProviderARN, OIDCAudience: p.Config.OIDCAudience,
		}, append([]credentials.Option{credentials.WithGetenv(r.env.Getenv), credentials.WithLog(r.logf)}, r.env.Credentials...)...)
		if err != nil {
			return err
		}
		// STS answers are values the runner has never seen: mask them before anything else.
		return r.rep.Mask(creds.Secrets()...)
	})
	if err != nil {
		return nil, err
	}
	if p.API == fcruntime.FC2 {
		out.service = p.Config.Service
		if out.service == "" {
			if out.service, err = lithops.DefaultService(creds.AccessKeyID); err != nil {
				return nil, &inputs.Error{Input: "service", Problem: err.Error()}
			}
		}
	}

	d, err := deploy.New(destination(p.Config, p.API, creds, out.service),
		append([]deploy.Option{deploy.WithLog(r.logf), deploy.WithServiceUpdate(p.Config.UpdateService)}, r.env.Deploy...)...)
	if err != nil {
		return nil, err
	}
	// Before FC is touched: the bucket clients read exists (created as Lithops creates
	// it), and an FC 2.0 service shared with other functions is not to be changed.
	if err := r.prepare(ctx, d, out.service); err != nil {
		return nil, err
	}
	v := verify.New(d.Functions(), d.Uploader(), append([]verify.Option{verify.WithLog(r.logf), verify.WithScratch(d.Scratch)}, r.env.Verify...)...)
	specs := make([]deploy.Spec, len(p.Workers))
	for i, fn := range p.Workers {
		specs[i] = deploy.Spec{Name: fn.Name, Runtime: p.Runtime.Name, Handler: lithops.Handler, MemoryMB: fn.MemoryMB,
			TimeoutSec: p.Config.RuntimeTimeout, Role: p.Config.RoleARN, InternetAccess: lithops.InternetAccess}
	}

	live, err := d.Live(ctx, packageOf(pkg), specs)
	if err != nil {
		return nil, err
	}
	if live.Current {
		// The same zip (same checksum) and configuration passed this check when it went
		// live: a rerun of an unchanged runtime stays fast.
		r.logf("every function already runs this package with this configuration: the import check is skipped")
		if p.Config.Smoke == inputs.SmokeImports {
			out.smoke = "imports skipped (package unchanged)"
		}
	}
	if p.Config.Smoke == inputs.SmokeImports && !live.Current {
		err := r.rep.Stage("smoke: imports", func() error {
			smokePkg, remove, err := verify.ImportPackage(ctx, in, r.env.Build...)
			if err != nil {
				return err
			}
			defer remove()
			rep, err := v.Imports(ctx, packageOf(smokePkg), specs[0], modules)
			if err == nil {
				out.smoke = fmt.Sprintf("imports ok (%d modules)", rep.Modules)
			}
			return err
		})
		if err != nil {
			showSmokeFailure(r.rep, err)
			return nil, live.Untouched(err)
		}
	}

	var rel *deploy.Release
	if err := r.rep.Stage("deploy", func() error {
		var err error
		rel, err = d.Deploy(ctx, packageOf(pkg), specs)
		return err
	}); err != nil {
		return nil, err
	}
	err = r.rep.Stage("verify", func() error {
		// The metadata answer is what Lithops clients read, so it is taken whenever it
		// is published, even with smoke: none.
		if p.Config.Smoke == inputs.SmokeNone && !p.Bucket.publish {
			return nil
		}
		want := verify.Expect{Python: p.Runtime.Python, Lithops: pkg.LithopsVersion}
		var objects []deploy.Object
		for _, fn := range rel.Functions {
			m, err := v.Metadata(ctx, fn, want)
			if err != nil {
				return err
			}
			if p.Bucket.publish {
				key, err := p.Lithops.RuntimeKey(p.Config.Region, out.service, fn.Spec.Name)
				if err != nil {
					return err
				}
				objects = append(objects, deploy.Object{Key: lithops.MetaKey(key), Body: m.Published(p.Config.RuntimeTimeout)})
			}
		}
		if out.smoke == "" || p.Config.Smoke == inputs.SmokeMetadata {
			out.smoke = "metadata ok"
		} else {
			out.smoke += ", metadata ok"
		}
		return rel.Commit(ctx, objects...)
	})
	if err != nil {
		showSmokeFailure(r.rep, err)
		return nil, rel.Abort(ctx, err)
	}
	if p.Config.Smoke == inputs.SmokeNone {
		out.smoke = "skipped (smoke: none)"
	}

	codeChanged, replaced := map[string]bool{}, map[string]bool{}
	for _, k := range rel.Replaced {
		replaced[k] = true
	}
	for _, fn := range rel.Functions {
		key, err := p.Lithops.RuntimeKey(p.Config.Region, out.service, fn.Spec.Name)
		if err != nil {
			return nil, err
		}
		codeChanged[fn.Spec.Name] = fn.Outcome == deploy.Updated && !fn.ConfigOnly
		out.functions = append(out.functions, report.FunctionOutput{
			Memory:     fn.Spec.MemoryMB,
			Name:       fn.Spec.Name,
			ARN:        lithops.FunctionARN(p.API, p.Config.Region, p.Config.AccountID, out.service, fn.Spec.Name),
			RuntimeKey: key,
			Deployed:   fn.Outcome,
		})
	}
	out.outcome = rel.Outcome()
	out.stale = staleCaches(out.functions, codeChanged, replaced)
	return out, nil
}

// prepare checks and readies what the deployment relies on, before FC is touched: the
// storage bucket (created when missing, as Lithops' client creates it) and, on FC 2.0,
// an existing service that must not change under the other functions in it.
func (r *runner) prepare(ctx context.Context, d *deploy.Deployer, service string) error {
	p := r.plan
	if p.Bucket.name != "" {
		err := r.rep.Stage("storage bucket", func() error {
			_, err := d.Uploader().EnsureBucket(ctx) // it logs a creation
			var taken *deploy.BucketTakenError
			switch {
			case errors.As(err, &taken):
				problem := err.Error()
				if p.Bucket.dflt {
					problem += fmt.Sprintf(" (it is Lithops %s's default name for this key, so the clients' default bucket is unusable too)", p.Lithops.Version())
				}
				return &inputs.Error{Input: "storage-bucket", Problem: problem,
					Fix: "set storage-bucket to a bucket of your own account, and give your Lithops clients the same aliyun_oss.storage_bucket"}
			case err != nil:
				return fmt.Errorf("storage bucket %s: %w", p.Bucket.name, err)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if p.API != fcruntime.FC2 {
		return nil
	}
	return r.rep.Stage("FC 2.0 service", func() error {
		err := d.CheckService(ctx, p.Config.RoleARN, true)
		if errors.As(err, new(*deploy.ServiceMismatchError)) {
			return serviceError(err, service)
		}
		return err
	})
}

// destination is where the inputs say to deploy, as whom (creds) and in which FC 2.0
// service (the service input or lithops.DefaultService; none on FC 3.0).
func destination(c inputs.Config, api fcruntime.API, creds credentials.Credentials, service string) deploy.Destination {
	if api != fcruntime.FC2 {
		service = ""
	}
	return deploy.Destination{API: api, Region: c.Region, AccountID: c.AccountID, Credentials: creds, Service: service,
		Bucket: c.StorageBucket, Endpoint: c.Endpoint, OSSEndpoint: c.OSSEndpoint}
}

func packageOf(res *build.Result) deploy.Package {
	return deploy.Package{Path: res.ZipPath, Size: res.Size, SHA256: res.SHA256, CodeChecksum: res.CodeChecksum}
}
