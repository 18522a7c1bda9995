package pipeline

import (
	"context"
	"errors"
	"fmt"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/image"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/resolve"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Plan is everything decided before a package is fetched: what to build, for which
// Python and FC runtime, under which names. Making it touches no network, so every
// input mistake surfaces before any work.
type Plan struct {
	Config       inputs.Config
	Requirements *reqfile.File // nil: the Lithops default runtime

	Lithops lithops.Lithops
	API     fcruntime.API
	Python  inputs.Python
	Runtime fcruntime.Runtime
	Glibc   tags.Glibc     // the runtime's, or the platform input's
	Target  resolve.Target // wheel tags, marker environment and Requires-Python of the runtime

	RuntimeName string
	Workers     []Worker // one per runtime-memory size, in input order
	Sources     Sources
	Bucket      bucketPlan // where the runtime metadata is published

	// Lock is the lock input, nil without one: the run installs exactly Pins, its wheels
	// for the target, instead of resolving (see lock.go).
	Lock     *pylock.Lock
	Pins     []lockedPin
	lockData []byte // the lock's bytes as read

	// Container is set for a custom-container runtime (deploy-mode: container): Runtime
	// is then FC's custom-container and Glibc and Target are the base image's, known
	// once it is read (the base image stage).
	Container bool
	BaseImage string // the base image's reference; "" is --local's host base (image.HostBase)
	Image     string // the image as Lithops names it (repository:tag); "" without a registry
}

// Worker is one of the runtime's Lithops worker functions: one per memory size, named
// by Lithops' rule (lithops.FunctionName). Its configuration for FC is a deploy.Spec.
type Worker struct {
	MemoryMB int
	Name     string
}

// Sources are where packages come from: the inputs, completed by the requirements
// file's own options (as pip reads them).
type Sources struct {
	IndexURL       string // "" means PyPI
	ExtraIndexURLs []string
	FindLinks      []string
	NoIndex        bool
	Pre            bool
}

// MakePlan validates what the inputs and the requirements file say together and
// decides the target. getenv reads the runner's environment (pythonLocation).
func MakePlan(ctx context.Context, cfg inputs.Config, getenv func(string) string) (*Plan, error) {
	p := &Plan{Config: cfg}
	var err error
	if cfg.Lock != "" {
		if p.Lock, p.lockData, err = readLock(ctx, cfg); err != nil {
			return nil, err
		}
		if cfg.Requirements, err = lockedRequirements(cfg, p.Lock); err != nil {
			return nil, err
		}
		p.Config.Requirements = cfg.Requirements
	}
	if p.Requirements, err = readRequirements(ctx, cfg, getenv); err != nil {
		return nil, err
	}
	reqs := lithops.Requirements(p.Requirements, cfg.Rel)
	version, err := lithops.ChooseVersion(lockedLithops(cfg, reqs, p.Lock), reqs)
	if err != nil {
		return nil, versionError(err)
	}
	if p.Lithops, err = lithops.New(version); err != nil {
		return nil, &inputs.Error{Input: "lithops-version", Problem: err.Error(), Fix: "use Lithops " + lithops.MinVersion + " or later"}
	}
	p.Container = cfg.DeployMode == inputs.DeployContainer
	if p.Container {
		if err := checkContainer(cfg, p.Lithops); err != nil {
			return nil, err
		}
	}
	if err := checkAPI(cfg, p.Lithops); err != nil {
		return nil, err
	}
	p.API = p.Lithops.API()

	if p.Python, err = inputs.DetectPython(cfg, getenv, fcruntime.Offered(p.API)); err != nil {
		return nil, err
	}
	if p.Container {
		return p, p.planContainer(getenv)
	}
	if p.Runtime, err = p.Python.Runtime(p.API); err != nil {
		return nil, err
	}
	p.Glibc = p.Runtime.Glibc
	if cfg.Platform != (tags.Glibc{}) {
		if g, fc := cfg.Platform, p.Runtime.Glibc; g.Newer(fc) {
			return nil, &inputs.Error{Input: "platform",
				Problem: fmt.Sprintf("manylinux_%d_%d needs glibc %s, newer than the glibc %s of FC's %s runtime: its wheels would not load there", g.Major, g.Minor, g, fc, p.Runtime.Name),
				Fix:     fmt.Sprintf("use manylinux_%d_%d or older, or leave platform empty to use the runtime's", fc.Major, fc.Minor)}
		}
		p.Glibc = cfg.Platform
	}
	if err := p.target(); err != nil {
		return nil, err
	}

	p.RuntimeName = cfg.RuntimeName
	if p.RuntimeName == "" {
		if p.RuntimeName, err = defaultRuntime(p.Lithops, p.Python.Version, cfg.DeployMode); err != nil {
			return nil, err
		}
	}
	if err := p.names(getenv); err != nil {
		return nil, err
	}
	return p, nil
}

// names decides the workers' names, the sources and the storage bucket.
func (p *Plan) names(getenv func(string) string) error {
	cfg := p.Config
	for _, mem := range cfg.RuntimeMemory {
		name, err := p.Lithops.FunctionName(p.RuntimeName, mem)
		if err != nil {
			return &inputs.Error{Input: "runtime-name", Problem: err.Error()}
		}
		p.Workers = append(p.Workers, Worker{MemoryMB: mem, Name: name})
	}
	p.Sources = p.sources()
	if p.Lock != nil {
		if err := p.checkLock(); err != nil {
			return err
		}
	}
	keyID, temporary := knownCredentials(cfg, getenv)
	var err error
	if p.Bucket, err = decideBucket(cfg, p.Lithops, keyID, temporary); err != nil {
		return err
	}
	// The deployer uploads large packages to the storage bucket and publishes there.
	p.Config.StorageBucket = p.Bucket.name
	return nil
}

// defaultRuntime is Lithops' runtime name when none is configured: default-container-
// runtime-vXY for an image runtime (deploy-mode: container), else the zip runtime's
// (default-runtime-vXY up to 3.6, default-python-runtime-vXY from 3.7). Deploys,
// deletes and prunes all name the default runtime through it.
func defaultRuntime(l lithops.Lithops, python string, mode inputs.DeployMode) (string, error) {
	if mode == inputs.DeployContainer {
		return l.DefaultContainerRuntimeName(python)
	}
	return l.DefaultRuntimeName(python)
}

// readRequirements parses the requirements input, nil when there is none.
func readRequirements(ctx context.Context, cfg inputs.Config, getenv func(string) string) (*reqfile.File, error) {
	if cfg.Requirements == "" {
		return nil, nil
	}
	f, err := reqfile.Parse(ctx, cfg.Requirements, reqfile.WithLookupEnv(func(k string) (string, bool) {
		v := getenv(k)
		return v, v != ""
	}), reqfile.WithWorkDir(cfg.Workspace), reqfile.WithWorkspace(cfg.Workspace))
	if err != nil {
		// Paths in messages and annotations are the workspace's, as the user wrote them.
		var rerr *reqfile.Error
		if errors.As(err, &rerr) {
			rerr.File = cfg.Rel(rerr.File)
		}
		return nil, err
	}
	return f, nil
}

// planStage decides what to build (MakePlan) after checking what the run will need
// later (preflight): every mistake that needs no network is reported before any work,
// all at once.
func (r *run) planStage(ctx context.Context) error {
	return r.rep.Stage("plan", func() error {
		pre := preflight(r.cfg, r.deps)
		var err error
		if r.plan, err = MakePlan(ctx, r.cfg, r.deps.Getenv); err != nil || pre != nil {
			return errors.Join(pre, err)
		}
		p := r.plan
		// Credentials from the requirements file (often a ${TOKEN}) are secrets the
		// inputs did not show: masked like theirs.
		if err := r.rep.Mask(p.secrets()...); err != nil {
			return err
		}
		if p.Container {
			r.logf("%s → FC runtime %s on base image %s, FC API %s, Lithops %s, image %s", p.Python, p.Runtime.Name, or(p.BaseImage, image.HostBaseRef), p.API, p.Lithops.Version(), or(p.Image, "(no registry: not pushed)"))
			for _, a := range p.registryNotices() {
				r.rep.Annotate(a)
			}
		} else {
			r.logf("%s → FC runtime %s, glibc %s, FC API %s, Lithops %s", p.Python, p.Runtime.Name, p.Glibc, p.API, p.Lithops.Version())
		}
		if p.Lock != nil {
			from := "made without a requirements file"
			switch {
			case r.cfg.Requirements != "":
				from = p.Config.Rel(p.Config.Requirements) + " unchanged since it was made"
			case p.Config.Requirements != "":
				from = p.Config.Rel(p.Config.Requirements) + ", which it records, unchanged since it was made"
			}
			r.logf("locked: %s fits this run (%s): %d wheels, nothing resolved", p.Lock.Path, from, len(p.Pins))
		}
		if p.Python.Notice != "" {
			r.rep.Annotate(report.Annotation{Level: report.LevelNotice, File: p.Python.File, Line: p.Python.Line, Title: "Python version", Message: p.Python.Notice})
		}
		var names []string
		for _, w := range p.Workers {
			names = append(names, w.Name)
		}
		for _, a := range p.bucketNotices(names) {
			r.rep.Annotate(a)
		}
		if r.deps.Local != nil && !r.cfg.DryRun {
			// --local: a missing CPython is found here, before anything is resolved or deployed.
			return r.deps.Local.CheckPython(p.Runtime.Python, r.deps.Getenv)
		}
		return nil
	})
}

// rename recomputes the workers' names for the Lithops version the wheel reports.
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
	if p.Container {
		return p.nameImage()
	}
	return nil
}

// target fixes the wheel tags, the marker environment and the Python that
// Requires-Python is checked against. The client's full version stands in for the
// runtime's patch level, which FC does not publish.
func (p *Plan) target() error {
	full := p.Python.Full
	if full == "" {
		full = p.Runtime.Python
	}
	t, err := resolve.NewTarget(full, p.Glibc)
	if err != nil {
		return fmt.Errorf("plan: target Python %s on glibc %s: %w", full, p.Glibc, err)
	}
	p.Target = t
	return nil
}

// versionError anchors a lithops-version error to the requirements line it names, so
// that the annotation points at it.
func versionError(err error) error {
	var rerr *lithops.RequirementError
	if errors.As(err, &rerr) {
		return &inputs.Error{Input: "lithops-version", Problem: rerr.Problem, File: rerr.File, Line: rerr.Line}
	}
	return err
}

// secrets are the credentials in the plan's URLs: its sources' and those of direct URL
// requirements and constraints (pkg @ https://user:token@host/pkg.whl).
func (p *Plan) secrets() []string {
	s := p.Sources
	urls := append(append([]string{s.IndexURL}, s.ExtraIndexURLs...), s.FindLinks...)
	if f := p.Requirements; f != nil {
		for _, r := range append(append([]reqfile.Requirement{}, f.Requirements...), f.Constraints...) {
			urls = append(urls, r.Requirement.URL)
		}
	}
	var out []string
	for _, u := range urls {
		out = append(out, urlcred.Secrets(u)...)
	}
	return out
}

// sources merges the index inputs with the requirements file's options. An input
// wins over the file for the main index; extra indexes and find-links add up.
func (p *Plan) sources() Sources {
	c := p.Config
	s := Sources{IndexURL: c.IndexURL, NoIndex: c.NoIndex}
	s.ExtraIndexURLs = append(s.ExtraIndexURLs, c.ExtraIndexURLs...)
	s.FindLinks = append(s.FindLinks, c.FindLinks...)
	if f := p.Requirements; f != nil {
		if s.IndexURL == "" && f.IndexURL != nil {
			s.IndexURL = f.IndexURL.Value
		}
		for _, v := range f.ExtraIndexURLs {
			s.ExtraIndexURLs = append(s.ExtraIndexURLs, v.Value)
		}
		for _, v := range f.FindLinks {
			s.FindLinks = append(s.FindLinks, v.Value)
		}
		s.NoIndex = s.NoIndex || f.NoIndex != nil
		s.Pre = f.Pre != nil
	}
	return s
}
