package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// Outcome says what a deployment did to one function (the `deployed` output).
type Outcome string

const (
	Created   Outcome = "created"
	Updated   Outcome = "updated"
	Unchanged Outcome = "unchanged"
)

// Result is one function of a deployment.
type Result struct {
	Spec         Spec
	Outcome      Outcome
	CodeChecksum string // the code live in the function
	ConfigOnly   bool   // Updated without new code (same checksum, other configuration)
}

// Deployer puts a runtime package live as one function per Spec, through one FC API.
type Deployer struct {
	api     fcruntime.API
	fns     Functions // retrying
	svc     *fc2      // FC 2.0 only
	retry   RetryPolicy
	up      *Uploader
	http    *http.Client
	tmpDir  string
	timeout Timeouts
	log     func(string, ...any)
}

// API is the FC API the deployer uses.
func (d *Deployer) API() fcruntime.API { return d.api }

// CheckService makes sure a deployment with role and internet access leaves the FC 2.0
// service as it is: an existing service that differs is a *ServiceMismatchError (unless
// WithServiceUpdate allows changing it); a missing one is fine, since deploying creates
// it. It changes nothing; on FC 3.0 it does nothing.
func (d *Deployer) CheckService(ctx context.Context, role string, internet bool) error {
	if d.svc == nil {
		return nil
	}
	return retry(ctx, d.retry, d.log, "look up FC 2.0 service "+d.svc.service, func() error {
		return d.svc.checkService(ctx, role, internet)
	})
}

// Scratch is where a temporary function named name goes (verify's import check), and
// how to remove what holds it once the function is deleted. On FC 3.0 functions stand
// alone: the account's functions, nothing more to remove. On FC 2.0 a function lives in
// a service, and `lithops clean` deletes the Lithops service after its lithops-worker-*
// functions, which fails while any other function is in it: so the temporary function
// gets a service of its own, named like it, created with it (role and internet access
// of its spec) and deleted after it.
func (d *Deployer) Scratch(name string) (Functions, func(context.Context) error) {
	if d.svc == nil {
		return d.fns, func(context.Context) error { return nil }
	}
	s := &fc2{t: d.svc.t, service: name, updateService: true, timeout: d.timeout, log: d.log}
	remove := func(ctx context.Context) error {
		return retry(ctx, d.retry, d.log, "delete FC 2.0 service "+name, func() error {
			mctx, cancel := mutating(ctx, d.timeout.Call)
			defer cancel()
			_, _, err := s.t.do(mctx, "DeleteService", name, http.MethodDelete, fc.NewDeleteServiceInput(name), nil)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			return err
		})
	}
	return Retrying(s, d.retry, d.log), remove
}

// Functions gives direct access to the functions, with retries but without roll back
// (verify invokes through it and manages its own temporary function).
func (d *Deployer) Functions() Functions { return d.fns }

// Uploader is the deployer's code uploader and storage-bucket writer.
func (d *Deployer) Uploader() *Uploader { return d.up }

// Deploy makes every spec live with pkg's code: a missing function is created, one whose
// code checksum and configuration already match is left alone (Unchanged), one with the
// same code but another configuration gets a configuration-only update, any other gets
// code and configuration in one update. The package is uploaded at most once, whatever
// the number of functions. When Deploy fails or ctx is cancelled, what it changed is
// rolled back before it returns (on a fresh, bounded context) and the error is a
// *RollbackError saying so. On success the caller verifies the functions and then calls
// Commit, or Abort to roll back.
func (d *Deployer) Deploy(ctx context.Context, pkg Package, specs []Spec) (*Release, error) {
	r := &Release{d: d, pkg: pkg, j: &journal{fns: d.fns, up: d.up, http: d.http, tmpDir: d.tmpDir, log: d.log}}
	if err := d.deploy(ctx, r, specs); err != nil {
		return nil, r.Abort(ctx, err)
	}
	return r, nil
}

type plan struct {
	spec   Spec
	create bool
	code   bool // the code changes
	live   Function
}

func (d *Deployer) deploy(ctx context.Context, r *Release, specs []Spec) error {
	if len(specs) == 0 {
		return errors.New("no function to deploy")
	}
	images, err := imageSpecs(specs)
	if err != nil {
		return err
	}
	if !images && (r.pkg.CodeChecksum == "" || r.pkg.Path == "") {
		return errors.New("the package has no path or code checksum")
	}
	seen := map[string]bool{}
	var plans []plan
	needCode := false
	for _, s := range specs {
		if s.Name == "" || seen[s.Name] {
			return fmt.Errorf("function names must be set and distinct (got %q twice or empty)", s.Name)
		}
		seen[s.Name] = true
		live, err := d.fns.Get(ctx, s.Name)
		p := plan{spec: s, live: live}
		switch {
		case errors.Is(err, ErrNotFound):
			p.create, p.code = true, !images
		case err != nil:
			return fmt.Errorf("look up function %s: %w", s.Name, err)
		case s.Runs(live, r.pkg.CodeChecksum):
			d.log("function %s is up to date (%s)", s.Name, running(live))
			r.Functions = append(r.Functions, Result{Spec: s, Outcome: Unchanged, CodeChecksum: r.pkg.CodeChecksum})
			continue
		default:
			// An image function's image is in its spec: it takes no code.
			p.code = !images && live.CodeChecksum != r.pkg.CodeChecksum
		}
		needCode = needCode || p.code
		plans = append(plans, p)
	}
	var code *Code
	if needCode {
		c, err := d.up.Upload(ctx, r.pkg)
		if err != nil {
			return fmt.Errorf("upload the package: %w", err)
		}
		code, r.code = &c, &c
	}
	for _, p := range plans {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("deployment interrupted before function %s: %w", p.spec.Name, err)
		}
		put := Put{Spec: p.spec, Create: p.create}
		if p.code {
			put.Code = code
		}
		res := Result{Spec: p.spec, Outcome: Updated, CodeChecksum: r.pkg.CodeChecksum, ConfigOnly: !p.code && !images}
		if p.create {
			res.Outcome = Created
			what := p.spec.Container.String()
			if !images {
				what = "code " + code.String()
			}
			d.log("creating function %s (%d MB, %d s, %s)", p.spec.Name, p.spec.MemoryMB, p.spec.TimeoutSec, what)
		} else {
			d.log("updating function %s (%s)", p.spec.Name, changes(p.live, p.spec, r.pkg.CodeChecksum))
		}
		_, err := r.j.Put(ctx, put)
		if p.create && isAlreadyExists(err) {
			// Created meanwhile by someone else: update it like any existing function.
			d.log("function %s appeared meanwhile; updating it", p.spec.Name)
			put.Create, put.Code, res.Outcome = false, code, Updated
			_, err = r.j.Put(ctx, put)
		}
		if err != nil {
			return fmt.Errorf("%s function %s: %w", putVerb(put), p.spec.Name, err)
		}
		r.Functions = append(r.Functions, res)
	}
	// A change that landed after the run was cancelled is rolled back too.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("deployment interrupted: %w", err)
	}
	return nil
}

// imageSpecs reports whether specs are custom-container functions (true) or zip
// functions (false): one deployment puts one runtime live, an image or a zip, never both.
func imageSpecs(specs []Spec) (bool, error) {
	images := specs[0].Container != nil
	for _, s := range specs[1:] {
		if (s.Container != nil) != images {
			return false, errors.New("a deployment is of image functions or of zip functions, not both")
		}
	}
	return images, nil
}

// changes describes an update for the log.
func changes(live Function, want Spec, checksum string) string {
	var out []string
	add := func(what string, from, to any) {
		if from != to {
			out = append(out, fmt.Sprintf("%s %v -> %v", what, from, to))
		}
	}
	if want.Container == nil {
		add("code checksum", live.CodeChecksum, checksum)
	}
	add("image", image(live.Container), image(want.Container))
	add("port", port(live.Container), port(want.Container))
	add("memory MB", live.MemoryMB, want.MemoryMB)
	add("timeout s", live.TimeoutSec, want.TimeoutSec)
	add("runtime", live.Runtime, want.Runtime)
	add("handler", live.Handler, want.Handler)
	add("role", live.Role, want.Role)
	add("internet access", live.InternetAccess, want.InternetAccess)
	return strings.Join(out, ", ")
}

func image(c *Container) string {
	if c == nil {
		return "(none)"
	}
	return c.Image
}

func port(c *Container) int {
	if c == nil {
		return 0
	}
	return c.Port
}

// Release is a deployment in progress: live, not yet verified. Commit it once the
// functions passed their smoke test, or Abort it to put everything back.
type Release struct {
	Functions []Result
	// Replaced lists the objects Commit wrote over different content: Lithops clients
	// that read the old one keep it in their cache.
	Replaced []string
	d        *Deployer
	pkg      Package
	code     *Code // where the package was uploaded; nil when no function needed it
	j        *journal
}

// Outcome is the release's outcome over all its functions: the strongest change made
// (Created, then Updated, else Unchanged).
func (r *Release) Outcome() Outcome {
	o := Unchanged
	for _, f := range r.Functions {
		switch f.Outcome {
		case Created:
			return Created
		case Updated:
			o = Updated
		}
	}
	return o
}

// Code is where the package was uploaded (nil when every function was unchanged).
func (r *Release) Code() *Code { return r.code }

// Object is a storage-bucket object a release publishes (Lithops' runtime metadata, the
// runtime's lock).
type Object struct {
	Key         string
	Body        []byte
	ContentType string // "" is application/json
}

// Commit ends the release: it confirms that every function is still exactly as this run
// left it (a concurrent deployment may have replaced it while it was verified: then this
// run must not report success), writes objects to the storage bucket, and confirms
// again. Objects are written only once the functions are confirmed, so the metadata of a
// runtime that is not live is never published. After a failed Commit, call Abort: it
// leaves another deployment's functions, and the objects, to that deployment.
func (r *Release) Commit(ctx context.Context, objects ...Object) error {
	if len(objects) > 0 && r.d.up.bucket == "" {
		return errors.New("publish " + objects[0].Key + ": no storage-bucket given")
	}
	if err := r.confirm(ctx); err != nil {
		return err
	}
	for _, o := range objects {
		wrote, replaced, err := r.j.publish(ctx, o)
		if err != nil {
			return fmt.Errorf("publish oss://%s/%s: %w", r.d.up.bucket, o.Key, err)
		}
		if replaced {
			r.Replaced = append(r.Replaced, o.Key)
		}
		if wrote {
			r.d.log("published oss://%s/%s", r.d.up.bucket, o.Key)
		} else {
			r.d.log("oss://%s/%s is up to date", r.d.up.bucket, o.Key)
		}
	}
	if len(objects) > 0 {
		if err := r.confirm(ctx); err != nil {
			return err
		}
	}
	r.j.close()
	return nil
}

// ReplacedError is a function that another deployment changed after this run deployed it.
type ReplacedError struct {
	Name          string
	Live, ThisRun string // what each runs: "code checksum ..." or "image ..."
}

func (e *ReplacedError) Error() string {
	return fmt.Sprintf("function %s was changed by another deployment while this run verified it (live: %s; this run deployed %s): this run's runtime is not the one live",
		e.Name, e.Live, e.ThisRun)
}

// confirm checks that every function is as this run left it.
func (r *Release) confirm(ctx context.Context) error {
	for _, f := range r.Functions {
		live, err := r.d.fns.Get(ctx, f.Spec.Name)
		if err != nil {
			return fmt.Errorf("confirm function %s: %w", f.Spec.Name, err)
		}
		if !f.Spec.Runs(live, f.CodeChecksum) {
			return &ReplacedError{Name: f.Spec.Name, Live: running(live), ThisRun: running(Function{Spec: f.Spec, CodeChecksum: f.CodeChecksum})}
		}
	}
	return nil
}

// Abort rolls back everything the release changed and returns a *RollbackError wrapping
// cause that says what was undone. It runs on a fresh context bounded by the cleanup
// timeout (Timeouts.Cancelled when ctx was cancelled), so it works when the job is being
// cancelled.
func (r *Release) Abort(ctx context.Context, cause error) error {
	cancelled := ctx.Err() != nil || errors.Is(cause, context.Canceled)
	limit := r.d.timeout.Cleanup
	if cancelled && r.d.timeout.Cancelled > 0 {
		limit = min(limit, r.d.timeout.Cancelled)
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	if cancelled {
		r.d.log("cancelled: rolling back")
	}
	// When another deployment replaced a function, the live runtime is that deployment's:
	// its functions and the metadata it publishes are left alone.
	replaced := r.confirm(cctx) != nil
	done, errs := r.j.undo(cctx, replaced)
	r.j.close()
	for _, d := range done {
		r.d.log("roll back: %s", d)
	}
	return &RollbackError{Err: cause, Cancelled: cancelled, Undone: done, Failed: errs}
}
