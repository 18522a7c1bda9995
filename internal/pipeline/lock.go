package pipeline

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// A locked run (the lock input) deploys exactly a pylock.toml this action wrote, with no
// resolution: the plan reads the lock and decides whether it fits the run (readLock,
// checkLock: no download, no cloud), fetch downloads its wheels by URL and sha256 through
// the run's index client, so index credentials apply (fetchLockedStage), and after
// assemble the lock the build wrote must hold the same wheels (proveLock).

// lockedPin is a wheel of the lock and where this run fetches it from.
type lockedPin struct {
	pylock.Pin
	from string // the pin's URL, or a file: URL of its path inside the workspace
}

// readLock reads the lock input, and keeps its bytes: the build may write its new lock
// over the same file (a lock given in output-dir). Its path, and those in its errors,
// are the workspace's, as annotations show them.
func readLock(ctx context.Context, cfg inputs.Config) (*pylock.Lock, []byte, error) {
	f, err := workspace.New(cfg.Workspace).Open(cfg.Lock)
	if err != nil {
		return nil, nil, &inputs.Error{Input: "lock", Problem: err.Error(), Fix: "give a file inside the workspace"}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 4<<20)) // Parse refuses more than its own limit
	if err != nil {
		return nil, nil, &inputs.Error{Input: "lock", Problem: "cannot read " + cfg.Rel(cfg.Lock) + ": " + err.Error()}
	}
	l, err := pylock.Parse(cfg.Rel(cfg.Lock), data)
	if err != nil {
		return nil, nil, fmt.Errorf("input lock: %w", err)
	}
	return l, data, ctx.Err()
}

// lockedRequirements is the requirements file of a locked run: the input, else the file
// the lock was made from (the first it records), which must still be in the workspace;
// "" for a lock made without one.
func lockedRequirements(cfg inputs.Config, l *pylock.Lock) (string, error) {
	if cfg.Requirements != "" || l.Origin == nil || len(l.Origin.Requirements) == 0 {
		return cfg.Requirements, nil
	}
	rel := l.Origin.Requirements[0].Path
	p := filepath.Join(cfg.Workspace, filepath.FromSlash(rel))
	st, err := workspace.New(cfg.Workspace).Stat(p)
	if err == nil && st.IsDir() {
		err = errors.New("it is a folder")
	}
	if err != nil {
		return "", &inputs.Error{Input: "lock", File: l.Path,
			Problem: fmt.Sprintf("the lock was made from the requirements file %s, which this run cannot read: %v", urlcred.Quote(rel), err),
			Fix:     "check out the same repository, give the requirements input, or make the lock again"}
	}
	return p, nil
}

// lockedLithops is the Lithops version a locked run takes from its lock when neither
// the lithops-version input nor a requirement pins one: the lock's lithops wheel.
func lockedLithops(cfg inputs.Config, reqs []lithops.Requirement, l *pylock.Lock) string {
	if cfg.LithopsVersion != "" || l == nil {
		return cfg.LithopsVersion
	}
	for _, r := range reqs {
		if name, _, _ := strings.Cut(r.Name, "["); lithops.Is(strings.TrimSpace(name)) {
			return ""
		}
	}
	if pkg := l.Package(lithops.Project); pkg != nil {
		return pkg.Version
	}
	return ""
}

// checkLock decides, before anything is downloaded, that the lock fits the plan's
// target, Lithops and requirements (pylock.Check), that the exclude input agrees with
// it, and that every wheel it names on disk is inside the workspace.
func (p *Plan) checkLock() error {
	l, cfg := p.Lock, p.Config
	full := p.Python.Full
	if full == "" {
		full = p.Runtime.Python
	}
	pins, err := pylock.Check(l, pylock.Target{Python: full, FCRuntime: p.Runtime.Name, FCAPI: p.API, Glibc: p.Glibc, Lithops: p.Lithops.Version()},
		pylock.FilesOf(p.Requirements, cfg.Rel))
	if err != nil {
		return err
	}
	if len(cfg.Exclude) > 0 && !slices.Equal(sorted(cfg.Exclude), sorted(normalized(l.Excluded))) {
		return &inputs.Error{Input: "exclude", Problem: fmt.Sprintf("%v differs from what %s excludes (%v): a locked deploy installs exactly the lock", cfg.Exclude, l.Path, l.Excluded),
			Fix: "remove exclude (the lock's excluded distributions stay out), or make the lock again with this exclude"}
	}
	var errs []error
	for _, pin := range pins {
		from, err := p.pinSource(pin)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p.Pins = append(p.Pins, lockedPin{Pin: pin, from: from})
	}
	return errors.Join(errs...)
}

// pinSource is where a pin is fetched from: its http(s) URL, or the file its file: URL
// or path (relative to the lock's folder) names, which must lie inside the workspace
// (a lock is edited by pull requests as freely as a requirements file).
func (p *Plan) pinSource(pin pylock.Pin) (string, error) {
	fail := func(format string, args ...any) error {
		return p.atLock(fmt.Errorf("%s %s: "+format, append([]any{pin.Name, pin.Version}, args...)...), pin.Line)
	}
	var file string
	switch u, err := url.Parse(pin.URL); {
	case pin.URL == "":
		file = filepath.FromSlash(pin.Path)
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(p.Config.Lock), file)
		}
	case err != nil:
		return "", fail("its url does not parse")
	case u.Scheme == "http" || u.Scheme == "https":
		return pin.URL, nil
	case u.Scheme == "file":
		file = filepath.FromSlash(u.Path)
	default:
		return "", fail("its url %s is neither http(s) nor file", urlcred.Quote(urlcred.Strip(pin.URL)))
	}
	st, err := workspace.New(p.Config.Workspace).Stat(file)
	if err == nil && st.IsDir() {
		err = errors.New("it is a folder")
	}
	if err != nil {
		return "", fail("the wheel %s: %v", urlcred.Quote(p.Config.Rel(file)), err)
	}
	return (&url.URL{Scheme: "file", Path: filepath.ToSlash(file)}).String(), nil
}

// atLock ties err to line of the lock file (line 0: the file as a whole).
func (p *Plan) atLock(err error, line int) error {
	place := fmt.Sprintf("%s:%d", p.Lock.Path, line)
	shown := place
	if line == 0 {
		shown = p.Lock.Path
	}
	return &lineError{title: "lock", origins: []string{place}, err: fmt.Errorf("%s: %w", shown, err)}
}

// fetchLockedStage downloads the lock's wheels into the cache, each checked against the
// lock's sha256 (a file that differs is refused, annotated on its line of the lock), and
// inspects each once.
func (r *run) fetchLockedStage(ctx context.Context) error {
	p := r.plan
	var err error
	if r.client, err = r.indexClient(); err != nil {
		return err
	}
	return r.rep.Stage("fetch", func() error {
		r.logf("%s: %d wheels, installed as locked (nothing is resolved)", p.Lock.Path, len(p.Pins))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(fetchWorkers)
		wheels := make([]build.Wheel, len(p.Pins))
		for i, pin := range p.Pins {
			g.Go(func() error {
				var err error
				wheels[i], err = r.fetchPin(gctx, pin)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return err
		}
		set := &resolution{why: map[string]string{}, from: map[string][]string{}}
		var total int64
		for _, w := range wheels {
			if lithops.Is(w.Name) {
				set.lithops = w
			} else {
				set.wheels = append(set.wheels, w)
			}
			set.why[pep508.NormalizeName(w.Name)] = "pinned by " + p.Lock.Path
			total += w.Manifest.Size
		}
		r.set = set
		r.logf("%d wheels ready (%s)", len(wheels), size(total))
		return nil
	})
}

// fetchPin downloads one wheel of the lock, refusing any bytes but those of its sha256.
func (r *run) fetchPin(ctx context.Context, pin lockedPin) (build.Wheel, error) {
	p := r.plan
	fail := func(err error) error { return p.atLock(fmt.Errorf("%s %s: %w", pin.Name, pin.Version, err), pin.Line) }
	version, err := pep440.Parse(pin.Version)
	if err != nil {
		return build.Wheel{}, fail(err)
	}
	tag, err := tags.ParseTag(pin.Tag)
	if err != nil || len(tag) != 1 {
		return build.Wheel{}, fail(fmt.Errorf("tag %s: %v", pin.Tag, err))
	}
	d, err := r.client.Download(ctx, index.File{Filename: pin.Filename, URL: pin.from, Size: pin.Size, Hashes: index.Hashes{"sha256": pin.SHA256}}, nil)
	var mismatch *index.HashMismatchError
	switch {
	case errors.As(err, &mismatch):
		return build.Wheel{}, fail(&lockHashError{filename: pin.Filename, want: pin.SHA256, got: mismatch.Got, err: mismatch})
	case err != nil:
		return build.Wheel{}, fail(err)
	}
	manifests := build.ManifestCache{Dir: filepath.Join(p.Config.CacheDir, "manifests")}
	m, err := manifests.Inspect(ctx, d.Path, d.SHA256, build.WithFilename(pin.Filename))
	if err != nil {
		return build.Wheel{}, fail(err)
	}
	w := build.Wheel{Name: pin.Name, Version: version, Path: d.Path, Filename: pin.Filename, URL: pin.URL, Index: pin.Index,
		SHA256: d.SHA256, Tag: tag[0], Manifest: m}
	if pin.URL == "" {
		w.LockPath = pin.Path
	}
	return w, nil
}

// lockHashError is a wheel whose bytes are not those the lock pins.
type lockHashError struct {
	filename, want, got string
	err                 error
}

func (e *lockHashError) Error() string {
	return fmt.Sprintf("%s: the lock pins sha256:%s, the file has sha256:%s: it is not the file locked "+
		"(changed or re-uploaded since the lock was made, or the lock was edited); nothing was deployed", e.filename, e.want, e.got)
}

func (e *lockHashError) Unwrap() error { return e.err }

// proveLock checks that the package holds exactly the lock's wheels: the lock the build
// wrote has the same distributions, versions and files (pylock.Diff is empty). It says
// whether the lock written is the very file given.
func (r *run) proveLock() error {
	p := r.plan
	locked := *p.Lock
	locked.Packages = slices.DeleteFunc(slices.Clone(p.Lock.Packages), func(pkg pylock.Package) bool {
		return !slices.ContainsFunc(p.Pins, func(pin lockedPin) bool { return pin.Name == pkg.Name })
	})
	if d := pylock.Diff(&locked, r.lock.parsed); !d.Empty() {
		return fmt.Errorf("the package does not hold exactly the wheels of %s (%s): nothing was deployed; this is a bug, please report it", p.Lock.Path, d.Summary())
	}
	if bytes.Equal(p.lockData, r.lock.data) {
		r.logf("%s holds exactly the wheels of %s: the two files are identical", p.Config.Rel(r.pkg.LockPath), p.Lock.Path)
	} else {
		r.logf("%s holds exactly the wheels of %s (the files differ in form only)", p.Config.Rel(r.pkg.LockPath), p.Lock.Path)
	}
	return nil
}

// builtLock is the runtime's pylock.toml as the build wrote it, read once: a locked run
// proves it, the change report compares it, a deploy publishes it.
type builtLock struct {
	data   []byte
	parsed *pylock.Lock
}

// readBuiltLock reads the lock the build (zip or image) just wrote into r.lock.
func (r *run) readBuiltLock() error {
	path := r.lockPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read back the lock the build wrote: %w", err)
	}
	parsed, err := pylock.Parse(path, data)
	if err != nil {
		return fmt.Errorf("read back the lock the build wrote: %w", err)
	}
	r.lock = builtLock{data: data, parsed: parsed}
	return nil
}

func normalized(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = pep508.NormalizeName(n)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
