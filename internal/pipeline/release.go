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
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// The release puts the package live on FC and proves it runs: the import check on a
// temporary function first (so broken code never goes live), then the deploy, the
// Lithops metadata call on every function, and the publication of the runtime metadata.
// A failure after the deploy rolls everything back (deploy.Release.Abort).

// credentialsStage resolves the credentials (inputs, environment or GitHub OIDC) and,
// on FC 2.0, the service: the input, else Lithops' default for the key.
func (r *run) credentialsStage(ctx context.Context) error {
	if err := r.resolveCredentials(ctx); err != nil || r.plan.API != fcruntime.FC2 {
		return err
	}
	var err error
	r.service, err = r.fc2Service()
	return err
}

// resolveCredentials is the credentials stage: the key pair from the inputs or the
// environment, or temporary keys through GitHub OIDC, masked at once.
func (r *run) resolveCredentials(ctx context.Context) error {
	c := r.cfg
	return r.rep.Stage("credentials", func() error {
		var err error
		r.creds, err = credentials.Resolve(ctx, credentials.Request{
			AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken,
			OIDCRoleARN: c.OIDCRoleARN, OIDCProviderARN: c.OIDCProviderARN, OIDCAudience: c.OIDCAudience,
		}, append(r.deps.credentialsOptions(), credentials.WithLog(r.logf))...)
		if err != nil {
			return err
		}
		// STS answers are values the runner has never seen: mask them before anything else.
		return r.rep.Mask(r.creds.Secrets()...)
	})
}

// fc2Service is the FC 2.0 service of the run: the service input, else Lithops'
// default for the access key.
func (r *run) fc2Service() (string, error) {
	if r.cfg.Service != "" {
		return r.cfg.Service, nil
	}
	s, err := lithops.DefaultService(r.creds.AccessKeyID)
	if err != nil {
		return "", &inputs.Error{Input: "service", Problem: err.Error()}
	}
	return s, nil
}

// connectStep makes the deployer and the verifier, and the workers' specs. It calls
// nothing.
func (r *run) connectStep(context.Context) error { return r.connect(r.plan.Bucket.name) }

// connect makes the deployer (with the storage bucket, "" for none: FC's temporary
// bucket takes large packages), the verifier, and the workers' specs.
func (r *run) connect(bucket string) error {
	p := r.plan
	dest := destination(p.Config, p.API, r.creds, r.service)
	dest.Bucket = bucket
	d, err := deploy.New(dest,
		append(r.deps.deployOptions(), deploy.WithLog(r.logf), deploy.WithServiceUpdate(p.Config.UpdateService))...)
	if err != nil {
		return err
	}
	r.deployer = d
	r.verifier = verify.New(d.Functions(), d.Uploader(), verify.WithLog(r.logf), verify.WithScratch(d.Scratch))
	r.specs = make([]deploy.Spec, len(p.Workers))
	for i, w := range p.Workers {
		r.specs[i] = deploy.Spec{Name: w.Name, Runtime: p.Runtime.Name, Handler: lithops.Handler, MemoryMB: w.MemoryMB,
			TimeoutSec: p.Config.RuntimeTimeout, Role: p.Config.RoleARN, InternetAccess: lithops.InternetAccess}
		if p.Container {
			// Lithops 3.7's _create_function in custom-container mode, pinned by digest.
			r.specs[i].Handler = lithops.ContainerHandler
			r.specs[i].Container = &deploy.Container{Image: r.ctr.pinned, Port: lithops.ContainerPort, AccelerationType: lithops.ContainerAccelerationType}
		}
	}
	return nil
}

// deployPackage is the zip the functions run; an image function's code is its image,
// in its spec.
func (r *run) deployPackage() deploy.Package {
	if r.pkg == nil {
		return deploy.Package{}
	}
	return packageOf(r.pkg)
}

// lithopsVersion is the lithops wheel's own __version__, as the package or image has it.
func (r *run) lithopsVersion() string {
	if r.ctr.img != nil {
		return r.ctr.img.LithopsVersion
	}
	return r.pkg.LithopsVersion
}

// lockPath is the runtime's pylock.toml, the image's for a container runtime.
func (r *run) lockPath() string {
	if r.ctr.img != nil {
		return r.ctr.lock
	}
	return r.pkg.LockPath
}

// bucketStage makes the storage bucket clients read exist before FC is touched (created
// as Lithops' client creates it).
func (r *run) bucketStage(ctx context.Context) error {
	p := r.plan
	if p.Bucket.name == "" {
		return nil
	}
	return r.rep.Stage("storage bucket", func() error {
		_, err := r.deployer.Uploader().EnsureBucket(ctx) // it logs a creation
		return p.bucketError(err)
	})
}

// bucketError explains a failure to find or create the storage bucket: a name another
// account holds is the storage-bucket input's fault.
func (p *Plan) bucketError(err error) error {
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
}

// serviceStage checks, on FC 2.0, that an existing service shared with other functions
// is not to be changed, before FC is touched.
func (r *run) serviceStage(ctx context.Context) error {
	p := r.plan
	if p.API != fcruntime.FC2 {
		return nil
	}
	return r.rep.Stage("FC 2.0 service", func() error {
		err := r.deployer.CheckService(ctx, p.Config.RoleARN, lithops.InternetAccess)
		if errors.As(err, new(*deploy.ServiceMismatchError)) {
			return serviceError(err, r.service)
		}
		return err
	})
}

// importCheckStage imports every module of the package in a temporary function before
// anything goes live, unless every function already runs this package: the same zip
// (same checksum) and configuration passed it when it went live, and a rerun of an
// unchanged runtime stays fast. A failure leaves FC as it was.
func (r *run) importCheckStage(ctx context.Context) error {
	var err error
	if r.live, err = r.deployer.Live(ctx, r.deployPackage(), r.specs); err != nil {
		return err
	}
	imports := r.plan.Config.Smoke == inputs.SmokeImports
	if r.live.Current {
		r.logf("every function already runs this package with this configuration: the import check is skipped")
		if imports {
			r.smoke.Imports = ImportsUnchanged
		}
		return nil
	}
	if !imports {
		return nil
	}
	err = r.rep.Stage("smoke: imports", func() error {
		if r.plan.Container {
			rep, err := r.verifier.ImageImports(ctx, r.specs[0], r.ctr.python, r.importModules())
			if err == nil {
				r.smoke.Imports, r.smoke.Modules = ImportsOK, rep.Modules
			}
			return err
		}
		pkg, remove, err := verify.ImportPackage(ctx, r.in, build.WithCodeLimits(r.deps.limits()))
		if err != nil {
			return err
		}
		defer remove()
		rep, err := r.verifier.Imports(ctx, packageOf(pkg), r.specs[0], r.importModules())
		if err == nil {
			r.smoke.Imports, r.smoke.Modules = ImportsOK, rep.Modules
		}
		return err
	})
	if err != nil {
		showSmokeFailure(r.rep, err)
		return r.live.Untouched(err)
	}
	return nil
}

// deployStage makes every function run the package (deploy.Deployer.Deploy, which
// rolls back what it changed when it fails).
func (r *run) deployStage(ctx context.Context) error {
	return r.rep.Stage("deploy", func() error {
		var err error
		r.rel, err = r.deployer.Deploy(ctx, r.deployPackage(), r.specs)
		return err
	})
}

// verifyStage runs Lithops' metadata call on every function, then ends the release:
// the functions are confirmed and the runtime metadata published where clients look,
// with the runtime's lock beside it (lithops.LockKey: what the next run's change report
// compares with), by deploy.Release.Commit. A failure rolls the release back, the
// published objects included.
func (r *run) verifyStage(ctx context.Context) error {
	p := r.plan
	err := r.rep.Stage("verify", func() error {
		// The metadata answer is what Lithops clients read, so it is taken whenever it
		// is published, even with smoke: none.
		if p.Config.Smoke == inputs.SmokeNone && !p.Bucket.publish {
			return nil
		}
		want := verify.Expect{Python: p.Runtime.Python, Lithops: r.lithopsVersion()}
		lock := r.lock.data
		var objects []deploy.Object
		for _, fn := range r.rel.Functions {
			m, err := r.verifier.Metadata(ctx, fn, want)
			if err != nil {
				return err
			}
			if p.Bucket.publish {
				key, err := p.Lithops.RuntimeKey(p.Config.Region, r.service, fn.Spec.Name)
				if err != nil {
					return err
				}
				objects = append(objects, deploy.Object{Key: lithops.MetaKey(key), Body: m.Published(p.Config.RuntimeTimeout)},
					deploy.Object{Key: lithops.LockKey(key), Body: lock, ContentType: "application/toml"})
			}
		}
		r.smoke.Metadata = true
		return r.rel.Commit(ctx, objects...)
	})
	if err != nil {
		showSmokeFailure(r.rep, err)
		return r.rel.Abort(ctx, err)
	}
	if p.Container {
		r.tagImage(ctx)
	}
	return nil
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
