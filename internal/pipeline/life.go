package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// The runtime's life after its deploy, as `lithops runtime list` and `lithops runtime
// delete` see it (lithops@3.7.0 and 3.6.4: lithops/scripts/cli.py, aliyun_fc.py
// list_runtimes and delete_runtime, storage.py delete_runtime_meta): mode: list shows
// the runtimes deployed in a region, mode: delete removes one runtime's functions and
// the objects that describe them, and prune removes a runtime's older Lithops versions
// after a deploy. Unlike Lithops, which takes any lithops-worker-* name at its word, a
// function is a runtime's only when recomputing its name gives it back.

// lifePlan is what a delete or a list works on, decided before any network call.
type lifePlan struct {
	lithops  *lithops.Lithops // nil: every version (list only)
	api      fcruntime.API    // the version's; "" with every version: both
	runtime  string           // "": every runtime (list only)
	memories []int            // delete: the sizes given; nil: every size found
	bucket   bucketPlan       // delete: where its metadata and lock are
}

// what names the runtime for headings and logs.
func (p *lifePlan) what() string {
	name := "Lithops runtime " + p.runtime
	if p.runtime == "" {
		name = "Lithops runtimes"
	}
	if p.lithops != nil {
		name += " (Lithops " + p.lithops.Version() + ")"
	}
	return name
}

// lifeSteps are the steps of a delete or a list: the plan, the credentials, the work,
// then the outputs and the summary.
func (r *run) lifeSteps() []step {
	work := r.deleteStage
	if r.cfg.Mode == inputs.ModeList {
		work = r.listStage
	}
	return []step{r.lifePlanStage, r.resolveCredentials, work, r.finishLife}
}

// lifePlanStage decides what a delete or a list is about: the Lithops version (the
// input, else the requirements' pin; a list without one lists every version), the
// runtime name (a delete without one takes Lithops' default for the Python version)
// and, for a delete, the memory sizes and the storage bucket.
func (r *run) lifePlanStage(ctx context.Context) error {
	return r.rep.Stage("plan", func() error {
		cfg := r.cfg
		var pre error
		if !cfg.Local {
			pre = credentials.Check(credentials.Request{AccessKeyID: cfg.AccessKeyID, AccessKeySecret: cfg.AccessKeySecret,
				SecurityToken: cfg.SecurityToken, OIDCRoleARN: cfg.OIDCRoleARN, OIDCProviderARN: cfg.OIDCProviderARN,
				OIDCAudience: cfg.OIDCAudience}, r.deps.credentialsOptions()...)
		}
		p, err := r.makeLifePlan(ctx)
		if err != nil || pre != nil {
			return errors.Join(pre, err)
		}
		r.life = p
		if r.cfg.Mode == inputs.ModeList {
			r.logf("list: %s in %s", p.what(), cfg.Region)
			return nil
		}
		sizes := "every memory size found"
		if p.memories != nil {
			sizes = "memory " + joinInts(p.memories, ", ") + " MB"
		}
		r.logf("delete: %s in %s, FC %s; %s", p.what(), cfg.Region, p.lithops.API(), sizes)
		if p.bucket.name == "" {
			r.rep.Annotate(report.Annotation{Level: report.LevelNotice, Title: "storage bucket",
				Message: "publish-metadata is false: the runtime's metadata and lock are not looked for in a storage bucket (set storage-bucket, with publish-metadata true, to remove them too)"})
		}
		return nil
	})
}

func (r *run) makeLifePlan(ctx context.Context) (*lifePlan, error) {
	cfg := r.cfg
	p := &lifePlan{runtime: cfg.RuntimeName}
	f, err := readRequirements(ctx, cfg, r.deps.Getenv)
	if err != nil {
		return nil, err
	}
	reqs := lithops.Requirements(f, cfg.Rel)
	if cfg.Mode == inputs.ModeList && cfg.LithopsVersion == "" && len(reqs) == 0 {
		p.api = cfg.FCAPI // every version of that API, or of both
		return p, nil
	}
	if cfg.LithopsVersion == "" && len(reqs) == 0 {
		return nil, &inputs.Error{Input: "lithops-version", Problem: "missing: a delete removes the functions of one Lithops version (their names hold it)",
			Fix: "set lithops-version to the version to delete (mode: list shows the versions deployed), or give the requirements that pin it"}
	}
	version, err := lithops.ChooseVersion(cfg.LithopsVersion, reqs)
	if err != nil {
		return nil, versionError(err)
	}
	l, err := lithops.New(version)
	if err != nil {
		return nil, &inputs.Error{Input: "lithops-version", Problem: err.Error(), Fix: "use Lithops " + lithops.MinVersion + " or later"}
	}
	if err := checkAPI(cfg, l); err != nil {
		return nil, err
	}
	p.lithops, p.api = &l, l.API()
	if cfg.Mode == inputs.ModeList {
		return p, nil
	}
	if p.runtime == "" {
		if p.runtime, err = defaultRuntimeName(cfg, l, r.deps.Getenv); err != nil {
			return nil, err
		}
	}
	if _, err := l.FunctionName(p.runtime, fcruntime.MinMemoryMB); err != nil {
		return nil, &inputs.Error{Input: "runtime-name", Problem: err.Error()}
	}
	if cfg.RuntimeMemoryGiven {
		p.memories = cfg.RuntimeMemory
	}
	keyID, temporary := knownCredentials(cfg, r.deps.Getenv)
	if p.bucket, err = decideBucket(cfg, l, keyID, temporary); err != nil {
		var ie *inputs.Error
		if errors.As(err, &ie) {
			ie.Fix = "set storage-bucket to the bucket your Lithops clients use (their aliyun_oss.storage_bucket), so that the runtime's metadata goes with its functions, " +
				"or publish-metadata: false to delete the functions only (a client that read the metadata would then invoke functions that are gone)"
		}
		return nil, err
	}
	return p, nil
}

// defaultRuntimeName is Lithops' default runtime name for the workflow's Python, which
// only the default name needs.
func defaultRuntimeName(cfg inputs.Config, l lithops.Lithops, getenv func(string) string) (string, error) {
	py, err := inputs.DetectPython(cfg, getenv, fcruntime.Offered(l.API()))
	var ie *inputs.Error
	if errors.As(err, &ie) {
		ie.Fix = strings.TrimSuffix(ie.Fix, ".") + fmt.Sprintf(". A %s needs the Python version only for Lithops' default runtime name (default-python-runtime-v312 and the like): set runtime-name instead, and no Python is needed", cfg.Mode)
		return "", ie
	}
	if err != nil {
		return "", err
	}
	return defaultRuntime(l, py.Version, cfg.DeployMode)
}

// deployerFor is a deployer for one FC API (and FC 2.0 service) and storage bucket,
// made once per run.
func (r *run) deployerFor(api fcruntime.API, service, bucket string) (*deploy.Deployer, error) {
	if api != fcruntime.FC2 {
		service = ""
	}
	key := string(api) + "|" + service + "|" + bucket
	if d, ok := r.deployers[key]; ok {
		return d, nil
	}
	c := r.cfg
	d, err := deploy.New(deploy.Destination{API: api, Region: c.Region, AccountID: c.AccountID, Credentials: r.creds, Service: service,
		Bucket: bucket, Endpoint: c.Endpoint, OSSEndpoint: c.OSSEndpoint}, append(r.deps.deployOptions(), deploy.WithLog(r.logf))...)
	if err != nil {
		return nil, err
	}
	if r.deployers == nil {
		r.deployers = map[string]*deploy.Deployer{}
	}
	r.deployers[key] = d
	return d, nil
}

// bucketOf is the storage bucket of version l's runtime objects, decided as a deploy of
// l decides it (the storage-bucket input, else Lithops' default for the key), with the
// credentials now known; "" and why when it cannot be known.
func (r *run) bucketOf(l lithops.Lithops) (string, error) {
	cfg := r.cfg
	cfg.PublishMetadata, cfg.DryRun = true, false
	b, err := decideBucket(cfg, l, r.creds.AccessKeyID, r.creds.SecurityToken != "")
	if err != nil {
		return "", err
	}
	return b.name, nil
}

// finishLife sets a delete's or a list's outputs and writes its summary.
func (r *run) finishLife(context.Context) error {
	if r.summarized {
		return nil
	}
	r.summarized = true
	if err := r.rep.SetOutputs(r.out); err != nil {
		return err
	}
	var md report.Markdown
	if r.cfg.Mode == inputs.ModeList {
		r.listSummary(&md)
	} else {
		r.removalSummary(&md, 2, r.life.what(), "already gone")
	}
	return r.rep.AddSummary(md.String())
}

func joinInts(ns []int, sep string) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, sep)
}
