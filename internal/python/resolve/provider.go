package resolve

import (
	"context"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// resolver is the solver's provider over a Source for one target and request.
type resolver struct {
	ctx    context.Context
	src    Source
	target Target
	req    Request
	logf   func(string, ...any)
	load   *loader

	urls   map[string]*urlReq          // direct wheel URL requirements, by name
	yanks  map[string][]pep440.Version // yanked versions the user pinned exactly
	hashes map[string][]reqfile.Hash   // hash-checking mode: the --hash values per project
	// hashFrom are the lines that gave a project's --hash values, for messages.
	hashFrom map[string][]string
	limits   map[string]pep440.Range // what the constraints allow, per project

	crawlMu sync.Mutex
	crawled map[pkgKey]bool

	names    map[string]string // normalized name → the spelling its metadata uses
	warnings []string
	warned   map[string]bool
}

// urlReq is a `name @ https://.../x.whl` requirement: the project's only candidate.
type urlReq struct {
	origin string
	url    string // without its #hash fragment
	file   index.File
	wheel  tags.WheelName
}

func newResolver(ctx context.Context, src Source, target Target, req Request, logf func(string, ...any)) (*resolver, error) {
	if target.Tags == nil {
		return nil, fmt.Errorf("resolve: the target has no tags (use NewTarget)")
	}
	r := &resolver{
		ctx: ctx, src: src, target: target, req: req, logf: logf,
		load:     newLoader(ctx, sourceCalls),
		urls:     map[string]*urlReq{},
		yanks:    map[string][]pep440.Version{},
		hashes:   map[string][]reqfile.Hash{},
		hashFrom: map[string][]string{},
		limits:   map[string]pep440.Range{},
		crawled:  map[pkgKey]bool{},
		warned:   map[string]bool{},
		names:    map[string]string{},
	}
	// Sets, so that many lines saying the same thing cost linear time.
	seenHash, seenYank := map[string]bool{}, map[string]bool{}
	for _, rq := range slices.Concat(req.Requirements, req.Constraints) {
		name := rq.NormalizedName()
		if req.HashMode {
			for _, h := range rq.Hashes {
				if k := name + " " + h.String(); !seenHash[k] {
					seenHash[k] = true
					r.hashes[name] = append(r.hashes[name], h)
				}
			}
			if len(rq.Hashes) > 0 && !slices.Contains(r.hashFrom[name], rq.Origin) && len(r.hashFrom[name]) < 10 {
				r.hashFrom[name] = append(r.hashFrom[name], rq.Origin)
			}
		}
		// uv's rule (PEP 592's advice): a yanked file only for an exact pin by the user.
		if specs := rq.Specifier.Specifiers(); len(specs) == 1 && (specs[0].Operator() == "===" || specs[0].Operator() == "==") && !strings.HasSuffix(specs[0].Version(), ".*") {
			if v, err := pep440.Parse(specs[0].Version()); err == nil && !seenYank[name+" "+v.String()] {
				seenYank[name+" "+v.String()] = true
				r.yanks[name] = append(r.yanks[name], v)
			}
		}
	}
	for _, rq := range req.Requirements {
		if rq.URL == "" {
			continue
		}
		if ok, err := rq.Marker.Evaluate(target.Env, ""); err != nil || !ok {
			continue // setup reports the error; a false marker drops the requirement
		}
		u, err := r.urlRequirement(rq)
		if err != nil {
			return nil, err
		}
		name := rq.NormalizedName()
		if prev := r.urls[name]; prev != nil && prev.url != u.url {
			return nil, &NoSolutionError{Report: fmt.Sprintf("%s requires %s from %s, and %s from another URL; keep one.", rq.Origin, rq.Name, urlcred.RedactText(u.url), prev.origin),
				Lines: []string{prev.origin, rq.Origin}}
		}
		r.urls[name] = u
	}
	return r, nil
}

// urlRequirement checks a direct wheel URL requirement.
func (r *resolver) urlRequirement(rq Requirement) (*urlReq, error) {
	u, err := urlcred.Parse(rq.URL)
	if err != nil {
		return nil, lineErrorf(rq.Origin, "%s: %s: %v", rq.Name, urlcred.Quote(rq.URL), err)
	}
	file := index.File{Filename: path.Base(u.Path), Hashes: index.Hashes{}}
	if alg, digest, ok := strings.Cut(u.Fragment, "="); ok {
		file.Hashes[strings.ToLower(alg)] = strings.ToLower(digest)
	}
	u.Fragment = ""
	file.URL = u.String()
	wn, err := tags.ParseWheelName(file.Filename)
	if err != nil {
		return nil, lineErrorf(rq.Origin, "%s: the URL must point at a wheel: %v", rq.Name, err)
	}
	if wn.NormalizedName() != rq.NormalizedName() {
		return nil, lineErrorf(rq.Origin, "the wheel %s is %s, not %s", urlcred.Quote(file.Filename), wn.Name, rq.Name)
	}
	return &urlReq{origin: rq.Origin, url: file.URL, file: file, wheel: wn}, nil
}

// setup gives the solver the user's requirements and constraints. Requirements written
// more than once (the same text, on several lines or in several files) become one
// dependency that remembers every line: the solver's work does not grow with copies.
func (r *resolver) setup(s *solver) error {
	type same struct{ name, text string }
	merged := map[same][2]int{} // the requirement's dependencies: s.rootDeps[from:to]
	dups := 0
	for _, rq := range r.req.Requirements {
		ok, err := rq.Marker.Evaluate(r.target.Env, "")
		if err != nil {
			return lineErrorf(rq.Origin, "the marker of %s: %v", rq.Name, err)
		}
		if !ok {
			r.logf("ignoring %s (%s): its marker is false for %s", reqText(rq.Requirement), rq.Origin, r.target)
			continue
		}
		k := same{rq.NormalizedName(), reqText(rq.Requirement)}
		if span, ok := merged[k]; ok {
			for i := span[0]; i < span[1]; i++ {
				s.rootDeps[i].lines = append(s.rootDeps[i].lines, rq.Origin)
			}
			dups++
			continue
		}
		deps := r.expand(rq.Requirement, rq.Origin)
		if deps[0].r.IsEmpty() {
			return &NoSolutionError{Report: fmt.Sprintf("%s requires %s, which no version can match.", rq.Origin, deps[0].text), Lines: []string{rq.Origin}}
		}
		merged[k] = [2]int{len(s.rootDeps), len(s.rootDeps) + len(deps)}
		for _, d := range deps {
			d.lines = []string{rq.Origin}
			s.rootDeps = append(s.rootDeps, d)
		}
	}
	if dups > 0 {
		r.logf("%d requirement lines repeat an earlier one: merged with it", dups)
	}
	for _, c := range r.req.Constraints {
		ok, err := c.Marker.Evaluate(r.target.Env, "")
		if err != nil {
			return lineErrorf(c.Origin, "the marker of %s: %v", c.Name, err)
		}
		if !ok || c.Specifier.Len() == 0 {
			continue
		}
		if c.URL != "" {
			return lineErrorf(c.Origin, "constraint %s has a URL; name the wheel URL in the requirements instead", c.Name)
		}
		name := c.NormalizedName()
		limit, ok := r.limits[name]
		if !ok {
			limit = pep440.FullRange()
		}
		r.limits[name] = limit.Intersect(c.Specifier.Range())
		s.constrain(pkgKey{name: name}, c.Specifier.Range(), fmt.Sprintf("the constraint %s (%s) rules out every other version of %s", reqText(c.Requirement), c.Origin, c.Name), c.Origin)
	}
	for _, d := range s.rootDeps {
		r.want(d)
	}
	return nil
}

// reqText is a requirement as messages show it: without its marker, and with any
// password in its URL masked.
func reqText(req pep508.Requirement) string {
	req.Marker = pep508.Marker{}
	return urlcred.RedactText(req.String())
}

// expand turns a requirement into dependencies: one on the project, one on each of
// its extras (pinned to the project by the extra's own dependencies).
func (r *resolver) expand(req pep508.Requirement, origin string) []dep {
	name := req.NormalizedName()
	rng := req.Specifier.Range()
	if req.URL != "" {
		rng = pep440.FullRange()
	}
	text := reqText(req)
	deps := []dep{{key: pkgKey{name: name}, r: rng, text: text, origin: origin}}
	for _, e := range req.Extras {
		deps = append(deps, dep{key: pkgKey{name: name, extra: pep508.NormalizeName(e)}, r: rng, text: text, origin: origin})
	}
	return deps
}

// project returns name's page, fetching it (once) if needed.
func (r *resolver) project(ctx context.Context, name string) (*project, error) {
	return r.projectFuture(name).wait(ctx)
}

// loaded returns a page the solver already has (nil if it has not).
func (r *resolver) loaded(name string) *project {
	r.load.mu.Lock()
	f := r.load.proj[name]
	r.load.mu.Unlock()
	if f == nil {
		return nil
	}
	select {
	case <-f.done:
		return f.val
	default:
		return nil
	}
}

// display is a project's name for messages: as its metadata spells it once read.
func (r *resolver) display(name string) string {
	if n, ok := r.names[name]; ok {
		return n
	}
	return name
}

func (r *resolver) projectFuture(name string) *future[*project] {
	return load(r.load, r.load.proj, name, func(ctx context.Context) (*project, error) {
		if u := r.urls[name]; u != nil {
			return r.urlProject(name, u), nil
		}
		r.logf("fetch %s", name)
		p, err := r.src.Project(ctx, name)
		if nf, ok := isNotFound(err); ok {
			where := "no index or find-links location was asked"
			if len(nf.Asked) > 0 {
				where = "asked " + strings.Join(nf.Asked, ", ")
			}
			return &project{name: name, notFound: fmt.Sprintf("%s is not on any index (%s)", name, where)}, nil
		}
		if err != nil {
			return nil, fmt.Errorf("resolve: %s: %w", name, err)
		}
		r.load.pages.Add(1)
		return r.build(name, p), nil
	})
}

// urlProject is the one-candidate project of a direct wheel URL.
func (r *resolver) urlProject(name string, u *urlReq) *project {
	pr := &project{name: name, index: urlcred.RedactText(u.url)}
	rel := &release{version: u.wheel.Version, wheels: []wheelFile{{file: u.file, name: u.wheel}}}
	pr.releases = []*release{rel}
	if c := r.choose(pr, rel); c != nil {
		pr.cands = []*cand{c}
		pr.known = []pep440.Version{c.version}
	} else {
		rel.problem = fmt.Sprintf("(%s, from %s) %s", u.file.Filename, u.origin, rel.problem)
	}
	return pr
}

func (r *resolver) metaFuture(pr *project, c *cand) *future[*index.Metadata] {
	return load(r.load, r.load.meta, c.file.URL, func(ctx context.Context) (*index.Metadata, error) {
		r.logf("metadata %s", c.file.Filename)
		m, err := r.src.Metadata(ctx, c.file)
		if err != nil {
			return nil, fmt.Errorf("resolve: metadata of %s: %w", c.file.Filename, err)
		}
		r.load.metas.Add(1)
		return m, nil
	})
}

// want prefetches the page of a dependency and, once it is in, the metadata of the
// version the solver will most likely try, and so on down the graph.
func (r *resolver) want(d dep) {
	r.projectFuture(d.key.name)
	r.crawlMu.Lock()
	seen := r.crawled[d.key]
	r.crawled[d.key] = true
	r.crawlMu.Unlock()
	if seen {
		return
	}
	r.load.spawn(func() {
		pr, err := r.project(r.ctx, d.key.name)
		if err != nil || pr.notFound != "" {
			return
		}
		rng := d.r
		if limit, ok := r.limits[d.key.name]; ok {
			rng = rng.Intersect(limit)
		}
		c := pr.pick(rng, r.req.Pre)
		if c == nil {
			return
		}
		m, err := r.metaFuture(pr, c).wait(r.ctx)
		if err != nil {
			return
		}
		deps, _, _ := r.depsOf(pr, c, m, d.key.extra)
		for _, next := range deps {
			r.want(next)
		}
	})
}

func (r *resolver) yankAllowed(name string, v pep440.Version) bool {
	return slices.ContainsFunc(r.yanks[name], v.Equal)
}

// hashAllowed reports whether a file may be used in hash-checking mode: one of its
// index hashes is among the user's. A file the index gives no hash for in the
// user's algorithms stays: its download is checked against the user's hashes.
func (r *resolver) hashAllowed(name string, f index.File) bool {
	allowed := r.hashes[name]
	if !r.req.HashMode || len(allowed) == 0 {
		return true
	}
	comparable := false
	for _, h := range allowed {
		if got, ok := f.Hashes[h.Algorithm]; ok {
			if strings.EqualFold(got, h.Digest) {
				return true
			}
			comparable = true
		}
	}
	return !comparable
}

func (r *resolver) hashModeFrom() string {
	if r.req.HashModeFrom != "" {
		return r.req.HashModeFrom
	}
	for _, rq := range slices.Concat(r.req.Requirements, r.req.Constraints) {
		if len(rq.Hashes) > 0 {
			return rq.Origin
		}
	}
	return "the requirements"
}

func (r *resolver) warn(msg string) {
	if !r.warned[msg] {
		r.warned[msg] = true
		r.warnings = append(r.warnings, msg)
		r.logf("warning: %s", msg)
	}
}

// The provider interface.

func (r *resolver) candidate(ctx context.Context, k pkgKey, rng pep440.Range) (pep440.Version, bool, string, error) {
	pr, err := r.project(ctx, k.name)
	if err != nil {
		return pep440.Version{}, false, "", err
	}
	if c := pr.pick(rng, r.req.Pre); c != nil {
		return c.version, true, "", nil
	}
	return pep440.Version{}, false, r.noVersions(pr, k, rng), nil
}

func (r *resolver) dependencies(ctx context.Context, k pkgKey, v pep440.Version) ([]dep, string, error) {
	pr, err := r.project(ctx, k.name)
	if err != nil {
		return nil, "", err
	}
	c := pr.find(v)
	m, err := r.metaFuture(pr, c).wait(ctx)
	if err != nil {
		return nil, "", err
	}
	if _, ok := r.names[pr.name]; !ok && pep508.NormalizeName(m.Name) == pr.name {
		r.names[pr.name] = m.Name
	}
	deps, unusable, warning := r.depsOf(pr, c, m, k.extra)
	if warning != "" {
		r.warn(warning)
	}
	if unusable != "" {
		r.logf("skip %s %s: %s", r.display(pr.name), v, unusable)
		return nil, unusable, nil
	}
	for _, d := range deps {
		r.want(d)
	}
	return deps, "", nil
}

// depsOf reads what a candidate needs for the target, for the project itself
// (extra "") or for one extra: then a pin on the project and the requirements that
// only that extra adds. unusable says why the candidate cannot be used at all.
func (r *resolver) depsOf(pr *project, c *cand, m *index.Metadata, extra string) (deps []dep, unusable, warning string) {
	subject := fmt.Sprintf("%s %s", m.Name, c.version)
	if pep508.NormalizeName(m.Name) != pr.name {
		return nil, fmt.Sprintf("%s cannot be used: its metadata names the project %q", subject, m.Name), ""
	}
	if !m.Version.Equal(c.version) {
		return nil, fmt.Sprintf("%s cannot be used: its metadata says version %s", subject, m.Version), ""
	}
	if !m.RequiresPython.Contains(r.target.Python) {
		return nil, fmt.Sprintf("%s requires Python %s (its metadata says so; the target has %s)", subject, m.RequiresPython, r.target.Python), ""
	}
	if extra != "" {
		deps = append(deps, dep{key: pkgKey{name: pr.name}, r: pep440.Singleton(c.version), text: fmt.Sprintf("%s==%s", m.Name, c.version)})
		if !slices.ContainsFunc(m.ProvidesExtra, func(e string) bool { return pep508.NormalizeName(e) == extra }) {
			warning = fmt.Sprintf("%s does not provide the extra %q", subject, extra)
		}
	}
	for _, req := range m.RequiresDist {
		applies, err := req.Marker.Evaluate(r.target.Env, extra)
		if err == nil && applies && extra != "" {
			// The extra's node carries only what the extra adds.
			var base bool
			base, err = req.Marker.Evaluate(r.target.Env, "")
			applies = !base
		}
		if err != nil {
			return nil, fmt.Sprintf("%s cannot be used: the marker of its requirement %q: %v", subject, req.String(), err), ""
		}
		if !applies {
			continue
		}
		name := req.NormalizedName()
		if req.URL != "" {
			if u := r.urls[name]; u == nil || !sameURL(u.url, req.URL) {
				return nil, fmt.Sprintf("%s cannot be used: it requires %s from a URL (%s) the requirements do not name", subject, req.Name, urlcred.RedactText(req.URL)), ""
			}
		}
		for _, d := range r.expand(req, "") {
			if d.key == (pkgKey{name: pr.name, extra: extra}) {
				continue // a requirement on itself
			}
			if d.r.IsEmpty() {
				return nil, fmt.Sprintf("%s requires %s, which no version can match", subject, d.text), ""
			}
			deps = append(deps, d)
		}
	}
	return deps, "", warning
}

func sameURL(a, b string) bool {
	ua, errA := url.Parse(a)
	ub, errB := url.Parse(b)
	if errA != nil || errB != nil {
		return a == b
	}
	ua.Fragment, ub.Fragment = "", ""
	return ua.String() == ub.String()
}

func (r *resolver) span(k pkgKey, v pep440.Version) pep440.Range {
	pr := r.loaded(k.name)
	if pr == nil {
		return pep440.Singleton(v)
	}
	i := slices.IndexFunc(pr.known, v.Equal)
	if i < 0 {
		return pep440.Singleton(v)
	}
	return span(pr.known, i)
}

func (r *resolver) describe(k pkgKey, rng pep440.Range) string {
	name := r.display(k.name)
	if k.extra != "" {
		name += "[" + k.extra + "]"
	}
	var known []pep440.Version
	if pr := r.loaded(k.name); pr != nil {
		known = pr.known
	}
	return describeVersions(name, known, rng)
}
