package verify

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/lithops"
)

// ImportModule is the top-level module of the import check. Its leading underscore and
// project-specific name keep it from clashing with a distribution's module (the build
// refuses duplicate paths anyway).
const ImportModule = "_lithops_fc_action_smoke"

// ImportHandler is the import check function's handler.
const ImportHandler = ImportModule + ".main"

//go:embed smoke.py
var importSource []byte

// ImportFile is the module's path in the zip root and its source (Python 3.6 to 3.12),
// for build.Input.Files of the import check's package.
func ImportFile() (path string, source []byte) {
	return ImportModule + ".py", append([]byte(nil), importSource...)
}

// Verifier runs the smoke invocations.
type Verifier struct {
	fns     deploy.Functions
	up      *deploy.Uploader
	log     func(string, ...any)
	extra   time.Duration
	scratch Scratch
	now     func() time.Time
}

// Scratch gives where a temporary function named name goes and what removes its holder
// afterwards (deploy.Deployer.Scratch).
type Scratch func(name string) (deploy.Functions, func(context.Context) error)

// Option configures New.
type Option func(*Verifier)

// WithLog sets where progress lines go, one printf-style call a line.
func WithLog(logf func(format string, args ...any)) Option { return func(v *Verifier) { v.log = logf } }

// WithGrace sets how long an invocation may take beyond the function's timeout, retries
// of 412 (function not ready) included (default 3 min).
func WithGrace(d time.Duration) Option { return func(v *Verifier) { v.extra = d } }

// WithScratch puts the import check's temporary function where scratch says (default:
// beside the runtime's functions, through New's fns). The pipeline passes
// deploy.Deployer.Scratch, which keeps it out of Lithops' FC 2.0 service.
func WithScratch(scratch Scratch) Option { return func(v *Verifier) { v.scratch = scratch } }

// New returns a verifier that invokes through fns (deploy.Deployer.Functions: with
// retries, so 412 PreconditionFailed while a function gets ready is retried, bounded)
// and uploads the import check's package with up.
func New(fns deploy.Functions, up *deploy.Uploader, opts ...Option) *Verifier {
	v := &Verifier{fns: fns, up: up, log: func(string, ...any) {}, extra: 3 * time.Minute, now: time.Now}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Expect is what the runtime must report: the client's Python major.minor and Lithops
// version string.
type Expect struct {
	Python  string
	Lithops string
}

// SmokeError is a failed smoke invocation. Problem, Log and the failures' texts come from
// the function: untrusted (print them with report's Untrusted, see Show).
type SmokeError struct {
	Function  string
	RequestID string
	Problem   string
	Log       string          // the function's log tail (X-Fc-Log-Result), if any
	Failures  []ImportFailure // the import check's failed modules
}

func (e *SmokeError) Error() string {
	s := "smoke test of function " + e.Function
	if e.RequestID != "" {
		s += " (request id " + e.RequestID + ")"
	}
	return s + ": " + e.Problem
}

// ImportFailure is one module the import check could not import.
type ImportFailure struct {
	Module    string
	Error     string // e.g. "RuntimeError: boom"
	Traceback string
}

// Metadata runs Lithops' metadata call on a deployed function, as Lithops does before
// using a runtime, and checks the answer: no X-Fc-Error-Type, no errorMessage, a
// "preinstalls" list, the expected Python and Lithops versions, and (when FC says) the
// code checksum that ran equal to the one deployed. The answer is returned for
// publishing (lithops.Metadata.Published).
func (v *Verifier) Metadata(ctx context.Context, f deploy.Result, want Expect) (lithops.Metadata, error) {
	return v.metadata(ctx, v.fns, f, want)
}

// metadata runs Lithops' metadata call on function f of fns (see Metadata).
func (v *Verifier) metadata(ctx context.Context, fns deploy.Functions, f deploy.Result, want Expect) (lithops.Metadata, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Duration(f.Spec.TimeoutSec)*time.Second+v.extra)
	defer cancel()
	v.log("smoke: Lithops metadata call to function %s", f.Spec.Name)
	inv, err := fns.Invoke(ctx, f.Spec.Name, []byte(lithops.MetadataRequest))
	if err != nil {
		return lithops.Metadata{}, fmt.Errorf("smoke test of function %s: %w", f.Spec.Name, err)
	}
	fail := func(format string, args ...any) error {
		return &SmokeError{Function: f.Spec.Name, RequestID: inv.RequestID, Problem: fmt.Sprintf(format, args...), Log: inv.Log}
	}
	if inv.ErrorType != "" {
		return lithops.Metadata{}, fail("%s: %s", inv.ErrorType, errorMessage(inv.Body))
	}
	if msg := errorMessage(inv.Body); msg != "" && isErrorDocument(inv.Body) {
		return lithops.Metadata{}, fail("the function answered an error: %s", msg)
	}
	if inv.CodeChecksum != "" && f.CodeChecksum != "" && inv.CodeChecksum != f.CodeChecksum {
		return lithops.Metadata{}, fail("FC ran code with checksum %s, but this run deployed %s (did another deployment replace it?)", inv.CodeChecksum, f.CodeChecksum)
	}
	m, err := lithops.ParseMetadata(inv.Body)
	if err != nil {
		return lithops.Metadata{}, fail("%v; answer: %s", err, excerpt(inv.Body))
	}
	if err := m.Check(want.Python, want.Lithops); err != nil {
		return lithops.Metadata{}, fail("%v", err)
	}
	v.log("smoke: function %s runs Python %s with Lithops %s (%d modules on its path)", f.Spec.Name, m.PythonVersion, m.LithopsVersion, len(m.Preinstalls))
	return m, nil
}

// isErrorDocument reports whether body is a JSON object with an errorMessage key (Lithops
// treats such an answer as a failure).
func isErrorDocument(body []byte) bool {
	var m map[string]json.RawMessage
	if json.Unmarshal(body, &m) != nil {
		return false
	}
	_, ok := m["errorMessage"]
	return ok
}

// errorMessage returns FC's errorMessage (with errorType) from an error document, else
// an excerpt of the body.
func errorMessage(body []byte) string {
	var e struct {
		ErrorMessage string `json:"errorMessage"`
		ErrorType    string `json:"errorType"`
	}
	if json.Unmarshal(body, &e) == nil && e.ErrorMessage != "" {
		if e.ErrorType != "" {
			return e.ErrorType + ": " + e.ErrorMessage
		}
		return e.ErrorMessage
	}
	return excerpt(body)
}

func excerpt(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// ImportReport is what the import check found.
type ImportReport struct {
	Function string // the temporary function (deleted by now)
	Python   string
	Modules  int
	Failures []ImportFailure
}

// Imports runs the import check: a temporary function (TempName, the same
// configuration as base, handler ImportHandler, where WithScratch says) is created from
// pkg (the runtime's zip plus ImportFile), imports every module and reports each failure
// with its traceback. The function, and the package object when this run uploaded it to
// the storage bucket, are deleted afterwards whatever happens, also when ctx is
// cancelled.
func (v *Verifier) Imports(ctx context.Context, pkg deploy.Package, base deploy.Spec, modules []string) (ImportReport, error) {
	rep := ImportReport{Modules: len(modules)}
	spec := base
	spec.Handler = ImportHandler
	err := v.temporary(ctx, &pkg, spec, func(t temp) error {
		rep.Function = t.spec.Name
		return v.imports(ctx, t, modules, &rep)
	})
	return rep, err
}

// ImageImports runs the import check of an image runtime on the image itself, before
// any function runs it: a temporary function (as for Imports) on base's image, whose
// command (customContainerConfig.command, which replaces the image's) runs interpreter,
// the image's CPython, with ImportServer instead of Lithops' server. The metadata call
// lists the modules on the path without importing them; this imports each, with the
// image's own glibc and system libraries.
func (v *Verifier) ImageImports(ctx context.Context, base deploy.Spec, interpreter string, modules []string) (ImportReport, error) {
	if base.Container == nil {
		return ImportReport{}, errors.New("import check: the function has no image")
	}
	rep := ImportReport{Modules: len(modules)}
	spec := base
	c := *base.Container
	c.Command = []string{interpreter, "-c", ImportServer()}
	spec.Container = &c
	err := v.temporary(ctx, nil, spec, func(t temp) error {
		rep.Function = t.spec.Name
		return v.imports(ctx, t, modules, &rep)
	})
	return rep, err
}

//go:embed server.py
var serverSource string

// ImportServer is the import check as an HTTP server (Python 3.6 and later): FC sends an
// image function's invocations to POST /invoke on its port (CAPort), and the answer is
// the import check's.
func ImportServer() string { return string(importSource) + "\n" + serverSource }

// CheckReport is what Check found in its temporary function.
type CheckReport struct {
	Function string // the temporary function (deleted by now)
	Imports  *ImportReport
	Metadata lithops.Metadata
}

// Check smoke-tests a runtime package without touching any live function: in one
// temporary function made from pkg (the runtime's zip plus ImportFile) with base's
// configuration, it runs the import check of modules (none: skipped), then, with the
// function's handler set back to base's (Lithops' entry point), Lithops' metadata call,
// whose answer must be want. The function (and, on FC 2.0, its service) and the package
// object this run uploaded are deleted afterwards whatever happens, also when ctx is
// cancelled.
func (v *Verifier) Check(ctx context.Context, pkg deploy.Package, base deploy.Spec, modules []string, want Expect) (CheckReport, error) {
	var rep CheckReport
	spec := base
	if len(modules) > 0 {
		spec.Handler = ImportHandler
	}
	err := v.temporary(ctx, &pkg, spec, func(t temp) error {
		rep.Function = t.spec.Name
		if len(modules) > 0 {
			rep.Imports = &ImportReport{Function: t.spec.Name, Modules: len(modules)}
			if err := v.imports(ctx, t, modules, rep.Imports); err != nil {
				return err
			}
			// The same code with Lithops' handler: what the workers run.
			t.spec.Handler = base.Handler
			v.log("smoke: setting the handler of function %s to %s", t.spec.Name, base.Handler)
			if _, err := t.fns.Put(ctx, deploy.Put{Spec: t.spec}); err != nil {
				return fmt.Errorf("check: set the handler of the temporary function %s: %w", t.spec.Name, err)
			}
		}
		var err error
		rep.Metadata, err = v.metadata(ctx, t.fns, deploy.Result{Spec: t.spec, CodeChecksum: pkg.CodeChecksum}, want)
		return err
	})
	return rep, err
}

// CheckImage is Check for an image runtime (base runs the image): the import check on
// the image itself (ImageImports, with interpreter, the image's CPython; none without
// modules), then Lithops' metadata call in a second temporary function that runs the
// image's own command. Two functions rather than one whose command is changed back: an
// update that drops customContainerConfig.command is not relied on to restore the
// image's. Both are deleted whatever happens, also when ctx is cancelled.
func (v *Verifier) CheckImage(ctx context.Context, base deploy.Spec, interpreter string, modules []string, want Expect) (CheckReport, error) {
	var rep CheckReport
	if len(modules) > 0 {
		imports, err := v.ImageImports(ctx, base, interpreter, modules)
		rep.Imports = &imports
		if err != nil {
			return rep, err
		}
	}
	err := v.temporary(ctx, nil, base, func(t temp) error {
		rep.Function = t.spec.Name
		var err error
		rep.Metadata, err = v.metadata(ctx, t.fns, deploy.Result{Spec: t.spec}, want)
		return err
	})
	return rep, err
}

// temp is a temporary function: its configuration and where it lives.
type temp struct {
	fns  deploy.Functions
	spec deploy.Spec
}

// temporary creates a temporary function (TempName, configuration spec, where
// WithScratch says) from pkg (nil for a function that runs an image), runs use with it,
// and deletes it (with its holder, and the package object when this run uploaded it)
// whatever happens, also when ctx is cancelled; the error then says what became of it.
func (v *Verifier) temporary(ctx context.Context, pkg *deploy.Package, spec deploy.Spec, use func(temp) error) (err error) {
	name, err := TempName(v.now())
	if err != nil {
		return err
	}
	spec.Name = name
	fns, removeHolder := v.fns, func(context.Context) error { return nil }
	if v.scratch != nil {
		fns, removeHolder = v.scratch(name)
	}

	var code *deploy.Code
	if pkg != nil {
		c, err := v.up.Upload(ctx, *pkg)
		if err != nil {
			return fmt.Errorf("temporary function: upload its package: %w", err)
		}
		code = &c
		defer v.fresh(ctx, func(cctx context.Context) {
			if err := v.up.Remove(cctx, c); err != nil {
				v.log("temporary function: could not remove its package %s: %v", c, err)
			}
		})
	}
	v.log("smoke: creating the temporary function %s", name)
	defer v.fresh(ctx, func(cctx context.Context) {
		// A failure's message says what became of the function: it is the last thing
		// a cancelled run prints.
		if derr := fns.Delete(cctx, name); derr != nil && !errors.Is(derr, deploy.ErrNotFound) {
			v.log("could not delete the temporary function %s: %v", name, derr)
			if err != nil {
				err = fmt.Errorf("%w; the temporary function %s could NOT be deleted (%v): delete it by hand", err, name, derr)
			}
			return
		}
		if derr := removeHolder(cctx); derr != nil {
			v.log("could not delete the temporary function's service %s: %v", name, derr)
			if err != nil {
				err = fmt.Errorf("%w; the temporary function %s was deleted, its service could NOT be (%v): delete it by hand", err, name, derr)
			}
			return
		}
		v.log("smoke: deleted the temporary function %s", name)
		if err != nil {
			err = fmt.Errorf("%w; cleaned up: the temporary function %s was deleted", err, name)
		}
	})
	if _, err := fns.Put(ctx, deploy.Put{Spec: spec, Code: code, Create: true}); err != nil {
		return fmt.Errorf("create the temporary function %s: %w", name, err)
	}
	return use(temp{fns: fns, spec: spec})
}

// imports runs the import check of modules in the temporary function t (whose handler
// is ImportHandler) and records what it found in rep.
func (v *Verifier) imports(ctx context.Context, t temp, modules []string, rep *ImportReport) error {
	name := t.spec.Name
	event, err := json.Marshal(map[string][]string{"modules": modules})
	if err != nil {
		return err
	}
	ictx, cancel := context.WithTimeout(ctx, time.Duration(t.spec.TimeoutSec)*time.Second+v.extra)
	defer cancel()
	v.log("smoke: importing %d modules in function %s", len(modules), name)
	inv, err := t.fns.Invoke(ictx, name, event)
	if err != nil {
		return fmt.Errorf("import check in function %s: %w", name, err)
	}
	fail := func(format string, args ...any) error {
		return &SmokeError{Function: name, RequestID: inv.RequestID, Problem: fmt.Sprintf(format, args...), Log: inv.Log, Failures: rep.Failures}
	}
	if inv.ErrorType != "" {
		return fail("the import check failed: %s: %s", inv.ErrorType, errorMessage(inv.Body))
	}
	var answer struct {
		Python  string `json:"python_version"`
		Results []struct {
			Module    string `json:"module"`
			OK        bool   `json:"ok"`
			Error     string `json:"error"`
			Traceback string `json:"traceback"`
		} `json:"results"`
	}
	if err := json.Unmarshal(inv.Body, &answer); err != nil {
		return fail("the import check answered something else: %s", excerpt(inv.Body))
	}
	rep.Python = answer.Python
	if len(answer.Results) != len(modules) {
		return fail("the import check reported %d modules of %d", len(answer.Results), len(modules))
	}
	var names []string
	for _, r := range answer.Results {
		if !r.OK {
			rep.Failures = append(rep.Failures, ImportFailure{Module: r.Module, Error: r.Error, Traceback: r.Traceback})
			names = append(names, r.Module+" ("+r.Error+")")
		}
	}
	if len(rep.Failures) > 0 {
		return fail("%d of %d modules failed to import: %s", len(rep.Failures), len(modules), strings.Join(names, ", "))
	}
	v.log("smoke: all %d modules import on Python %s", len(modules), rep.Python)
	return nil
}

// fresh runs cleanup on a context that outlives ctx's cancellation, bounded by 2
// minutes (3 s after a cancellation: GitHub kills a cancelled step 10 s after SIGINT).
func (v *Verifier) fresh(ctx context.Context, cleanup func(context.Context)) {
	limit := 2 * time.Minute
	if ctx.Err() != nil {
		limit = 3 * time.Second
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), limit)
	defer cancel()
	cleanup(cctx)
}

// TempPrefix starts the name of every temporary function (and, on FC 2.0, its service)
// the import check makes: it says what made it and why, and it is not Lithops'
// lithops-worker- prefix, so `lithops runtime list` and `lithops clean` never take it
// for a runtime.
const TempPrefix = "lithops-fc-runtime-action-smoke-"

// TempName returns a new name for the import check's function, made at now:
// TempPrefix, the UTC time (a leftover shows when it was made) and 6 random hex digits;
// 53 characters, valid for FC functions and services.
func TempName(now time.Time) (string, error) {
	b := make([]byte, 3)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random name: %w", err)
	}
	return TempPrefix + now.UTC().Format("20060102t150405") + "-" + hex.EncodeToString(b), nil
}
