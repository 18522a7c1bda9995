package resolve

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// Target is the runtime wheels are chosen for: a CPython version on glibc Linux
// x86_64. Markers are evaluated in Env and Requires-Python against Python, never
// against the machine running the resolver.
type Target struct {
	Python   pep440.Version // the full version Requires-Python is checked against, e.g. 3.12.0
	Env      pep508.Env     // the marker environment
	Tags     *tags.TagSet   // the wheel tags the target accepts, best first
	Platform tags.Target    // CPython X.Y and glibc, for messages
}

// NewTarget returns the target for CPython python ("3.12" or "3.12.4"; "3.12"
// stands for 3.12.0, as pip and uv assume) on glibc x86_64 Linux.
func NewTarget(python string, glibc tags.Glibc) (Target, error) {
	v, err := pep440.Parse(python)
	if err != nil {
		return Target{}, fmt.Errorf("target Python %q: %w", python, err)
	}
	rel := v.Release()
	if len(rel) < 2 || len(rel) > 3 || v.IsPrerelease() || v.IsPostrelease() || v.Local() != "" || v.Epoch() != 0 {
		return Target{}, fmt.Errorf("target Python %q: want X.Y or X.Y.Z", python)
	}
	full := fmt.Sprintf("%d.%d.0", rel[0], rel[1])
	if len(rel) == 3 {
		full = fmt.Sprintf("%d.%d.%d", rel[0], rel[1], rel[2])
	}
	t := Target{Python: pep440.MustParse(full), Platform: tags.Target{Python: [2]int{rel[0], rel[1]}, Glibc: glibc}}
	if t.Tags, err = tags.Supported(t.Platform); err != nil {
		return Target{}, err
	}
	if t.Env, err = pep508.TargetEnv(full); err != nil {
		return Target{}, err
	}
	return t, nil
}

func (t Target) String() string { return t.Platform.String() }

// Requirement is one requirement of the user, or one constraint.
type Requirement struct {
	pep508.Requirement
	// Origin says where it was written, "requirements.txt:3", for messages and for
	// Dist.Why; "" when it comes from nowhere the user can edit.
	Origin string
	// Hashes are its --hash values (hash-checking mode).
	Hashes []reqfile.Hash
}

// Request is what to resolve.
type Request struct {
	Requirements []Requirement
	// Constraints restrict the versions of projects that something requires; they
	// never add a project.
	Constraints []Requirement
	// Pre allows pre-releases like final releases (pip's --pre). Without it a
	// pre-release is chosen only when no final release fits.
	Pre bool
	// HashMode is pip's hash-checking mode: every distribution needs --hash values
	// (on its requirement or a constraint) and only files with one of them are used.
	HashMode bool
	// HashModeFrom is where hash-checking mode was switched on ("requirements.txt:1"),
	// for messages.
	HashModeFrom string
}

// RequestFromFile takes the requirements, constraints, --pre and hash mode of a
// parsed requirements file.
func RequestFromFile(f *reqfile.File) Request {
	req := Request{Pre: f.Pre != nil, HashMode: f.HashMode}
	if f.HashModeFrom != nil {
		req.HashModeFrom = f.HashModeFrom.String()
	}
	conv := func(rs []reqfile.Requirement) []Requirement {
		out := make([]Requirement, len(rs))
		for i, r := range rs {
			out[i] = Requirement{Requirement: r.Requirement, Origin: r.Pos.String(), Hashes: r.Hashes}
		}
		return out
	}
	req.Requirements = conv(f.Requirements)
	req.Constraints = conv(f.Constraints)
	return req
}

// Result is a resolution: one wheel per distribution.
type Result struct {
	Target   string
	Dists    []Dist   // sorted by name
	Warnings []string // things the user should know (a yanked pin, a missing extra)
	Stats    Stats
}

// Stats count the work a resolution did.
type Stats struct {
	Projects  int // project pages read
	Metadata  int // wheel metadata read
	Decisions int // versions tried
	Conflicts int // conflicts met (each one learned from and backtracked)
}

// Dist is one distribution to install.
type Dist struct {
	Name    string // normalized (PEP 503)
	Display string // as the index spells it
	Version pep440.Version
	Wheel   Wheel
	Extras  []string // extras installed, normalized and sorted
	Direct  bool     // named by one of the user's requirements
	// Why is the chain of requirements that pulled it in, starting at one of the
	// user's requirements.
	Why []Link
	// Dependencies are the names of the distributions it needs here.
	Dependencies []string
}

// Link is one step of a Why chain: a requirement and who made it.
type Link struct {
	From        string // "requirements.txt:3", or "flask 3.0.3" for a dependency
	Requirement string // as written, without its marker
}

func (l Link) String() string { return l.From + ": " + l.Requirement }

// Wheel is the chosen file of a distribution.
type Wheel struct {
	File  index.File // as the index lists it: name, URL, hashes, size
	Index string     // the index it came from
	Tag   tags.Tag   // the wheel's best tag for the target
	// RequiredHashes, in hash-checking mode, are the user's --hash values: the
	// download must match one. Empty otherwise.
	RequiredHashes []reqfile.Hash
	// HashesFrom are the lines that gave RequiredHashes ("requirements.txt:3").
	HashesFrom []string
}

// Option configures Resolve.
type Option func(*config)

type config struct {
	logf func(string, ...any)
}

// WithLog sends progress (what is fetched, tried, backtracked) to logf, one
// printf-style call a line. logf may be called from several goroutines, never at once.
func WithLog(logf func(format string, args ...any)) Option { return func(c *config) { c.logf = logf } }

// Resolve chooses one wheel per distribution the request needs on the target, as
// pip and uv would, or explains with a *NoSolutionError why no set fits. Other
// errors are the index's (unreachable, malformed) or the context's.
func Resolve(ctx context.Context, src Source, target Target, req Request, opts ...Option) (*Result, error) {
	var cfg config
	for _, o := range opts {
		o(&cfg)
	}
	var logMu sync.Mutex
	logf := func(format string, args ...any) {
		if cfg.logf == nil {
			return
		}
		logMu.Lock()
		defer logMu.Unlock()
		cfg.logf(format, args...)
	}

	ctx, cancel := context.WithCancel(ctx)
	r, err := newResolver(ctx, src, target, req, logf)
	if err != nil {
		cancel()
		return nil, err
	}
	defer func() {
		cancel()
		r.load.wg.Wait() // no prefetch outlives the call
	}()

	s := newSolver(r, logf)
	err = r.setup(s)
	if err == nil {
		logf("resolving %d requirements for %s", len(req.Requirements), target)
		err = s.solve(ctx)
	}
	if ns, ok := err.(*NoSolutionError); ok {
		ns.Target = target.String()
		ns.Hints = r.hints(ns.noFit)
		return nil, ns
	}
	if err != nil {
		return nil, err
	}
	res, err := r.result(s)
	if err != nil {
		return nil, err
	}
	logf("resolved %d distributions: %d versions tried, %d conflicts, %d pages, %d metadata files",
		len(res.Dists), res.Stats.Decisions, res.Stats.Conflicts, res.Stats.Projects, res.Stats.Metadata)
	return res, nil
}

// result assembles the solution.
func (r *resolver) result(s *solver) (*Result, error) {
	res := &Result{Target: r.target.String(), Warnings: slices.Clone(r.warnings)}
	res.Stats = Stats{Decisions: s.decisions, Conflicts: s.conflicts, Projects: int(r.load.pages.Load()), Metadata: int(r.load.metas.Load())}

	why := r.chains(s)
	byName := map[string]*Dist{}
	var names []string
	for p, st := range s.st {
		k := s.pkgs[p]
		if !st.decided || k.isRoot() {
			continue
		}
		d := byName[k.name]
		if d == nil {
			pr := r.loaded(k.name)
			c := pr.find(st.version)
			d = &Dist{Name: k.name, Display: pr.name, Version: c.version, Why: why[k.base()]}
			if m, err := r.metaFuture(pr, c).wait(r.ctx); err == nil {
				d.Display = m.Name // the spelling its authors use
			}
			d.Wheel = Wheel{File: c.file, Index: pr.index, Tag: c.tag}
			if r.req.HashMode {
				d.Wheel.RequiredHashes, d.Wheel.HashesFrom = r.hashes[k.name], r.hashFrom[k.name]
			}
			if c.yanked {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s %s is yanked%s; it is used because it is pinned exactly", d.Display, c.version, reasonSuffix(c.yankReason)))
			}
			byName[k.name] = d
			names = append(names, k.name)
		}
		if k.extra != "" {
			d.Extras = append(d.Extras, k.extra)
		}
		for _, dp := range st.deps[st.version.String()] {
			if dp.key.name != k.name && !slices.Contains(d.Dependencies, dp.key.name) {
				d.Dependencies = append(d.Dependencies, dp.key.name)
			}
		}
	}
	for _, dp := range s.rootDeps {
		if d := byName[dp.key.name]; d != nil {
			d.Direct = true
		}
	}
	slices.Sort(names)
	for _, n := range names {
		d := byName[n]
		slices.Sort(d.Extras)
		slices.Sort(d.Dependencies)
		res.Dists = append(res.Dists, *d)
	}
	if r.req.HashMode {
		if err := r.checkHashes(res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// chains finds, for every selected package, the shortest chain of requirements from
// the user's to it (breadth-first over the solution's dependency edges).
func (r *resolver) chains(s *solver) map[pkgKey][]Link {
	out := map[pkgKey][]Link{}
	type item struct {
		p     pkgID
		chain []Link
	}
	seen := map[pkgID]bool{0: true}
	queue := []item{{p: 0}}
	for len(queue) > 0 {
		it := queue[0]
		queue = queue[1:]
		st := s.st[it.p]
		from := s.pkgs[it.p]
		for _, d := range st.deps[st.version.String()] {
			q, ok := s.ids[d.key]
			if !ok || seen[q] || !s.st[q].decided {
				continue
			}
			seen[q] = true
			chain := it.chain
			// An extra's pin on its own project is bookkeeping, not a requirement.
			if !(from.extra != "" && d.key == from.base()) {
				l := Link{From: d.origin, Requirement: d.text}
				if !from.isRoot() {
					l.From = fmt.Sprintf("%s %s", r.display(from.name), st.version)
				}
				chain = append(slices.Clip(chain), l)
			}
			if _, done := out[d.key]; !done {
				out[d.key] = chain
			}
			queue = append(queue, item{q, chain})
		}
	}
	return out
}

// checkHashes refuses, in hash-checking mode, a distribution the user gave no hash
// for, and says which line to add (pip refuses the same way).
func (r *resolver) checkHashes(res *Result) error {
	var missing []string
	for _, d := range res.Dists {
		if len(r.hashes[d.Name]) > 0 {
			continue
		}
		line := fmt.Sprintf("%s==%s", d.Display, d.Version)
		for _, alg := range []string{"sha256", "sha384", "sha512"} {
			if h := d.Wheel.File.Hashes[alg]; h != "" {
				line += fmt.Sprintf(" --hash=%s:%s", alg, h)
				break
			}
		}
		missing = append(missing, "    "+line)
	}
	if len(missing) == 0 {
		return nil
	}
	from := r.hashModeFrom()
	return &LineError{Origin: from, Msg: fmt.Sprintf("hash-checking mode (--hash in %s) needs a --hash for every distribution, and these have none; add them to the requirements:\n%s",
		from, strings.Join(missing, "\n"))}
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return " (" + reason + ")"
}
