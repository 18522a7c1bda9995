package pipeline

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/resolve"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// fetchWorkers bounds parallel index requests and downloads: enough to hide
// round trips, few enough to be polite to a private index.
const fetchWorkers = 16

// resolution is what the resolve and fetch stages hand to the build: local,
// verified wheels and why each one is there.
type resolution struct {
	lithops build.Wheel
	wheels  []build.Wheel
	why     map[string]string   // normalized name → the requirement chain, for the summary
	from    map[string][]string // normalized name → the user's lines that pulled it in
}

func (s *resolution) explain(name string) string {
	if s == nil {
		return ""
	}
	return s.why[pep508.NormalizeName(name)]
}

// modules are the top-level modules the import check imports: those of every
// distribution in the package except lithops itself, whose entry point the metadata
// call exercises.

// resolved is what the resolve stage found: a wheel per distribution the user's
// requirements and Lithops' worker modules need, and lithops' own.
type resolved struct {
	*resolve.Result
	lithops resolve.Wheel
}

// resolveStage resolves the user's requirements and Lithops' worker modules for the
// target, and picks the lithops wheel, which goes in without its dependencies (as
// Lithops' own runtime build installs it).
func (r *run) resolveStage(ctx context.Context) error {
	p := r.plan
	var err error
	if r.client, err = r.indexClient(); err != nil {
		return err
	}
	return r.rep.Stage("resolve", func() error {
		req := resolve.Request{Pre: p.Sources.Pre}
		if p.Requirements != nil {
			req = resolve.RequestFromFile(p.Requirements)
			req.Pre = p.Sources.Pre
			req.HashModeFrom = p.relOrigin(req.HashModeFrom)
			// Messages and the summary name the workspace's files as the user wrote them.
			for _, rs := range [][]resolve.Requirement{req.Requirements, req.Constraints} {
				for i := range rs {
					rs[i].Origin = p.relOrigin(rs[i].Origin)
				}
			}
			// lithops comes without its client-side dependencies: it is added below.
			req.Requirements = slices.DeleteFunc(req.Requirements, func(r resolve.Requirement) bool { return lithops.Is(r.Name) })
		}
		modules, origin := p.Lithops.WorkerModules(), "Lithops "+p.Lithops.Version()+" worker module"
		if p.Container {
			// The image has what Lithops' Dockerfile installs: its HTTP server, the worker
			// modules and the client libraries FC's Python runtime would preinstall.
			modules, origin = p.Lithops.ContainerModules(), runtimeModules(p.Lithops)
		}
		for _, m := range modules {
			w, err := pep508.ParseRequirement(m)
			if err != nil {
				return fmt.Errorf("resolve: worker module %s: %w", m, err)
			}
			req.Requirements = append(req.Requirements, resolve.Requirement{Requirement: w, Origin: origin})
		}
		res, err := resolve.Resolve(ctx, r.client, p.Target, req, resolve.WithLog(r.logf))
		if err != nil {
			return p.atFindLinks(err)
		}
		for _, w := range res.Warnings {
			r.logf("warning: %s", w)
		}
		lw, err := r.lithopsWheel(ctx)
		if err != nil {
			return p.atFindLinks(err)
		}
		r.res = &resolved{Result: res, lithops: lw}
		return nil
	})
}

// fetchStage downloads every chosen wheel into the cache, hash-checked, and inspects
// each once; a failure is tied to the lines that asked for the wheel.
func (r *run) fetchStage(ctx context.Context) error {
	p, res := r.plan, r.res
	set := &resolution{why: map[string]string{}, from: map[string][]string{}}
	return r.rep.Stage("fetch", func() error {
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(fetchWorkers)
		set.wheels = make([]build.Wheel, len(res.Dists))
		for i, d := range res.Dists {
			set.why[d.Name] = chain(d.Why)
			set.from[d.Name] = whyLines(d.Why)
			// A failure is the user's lines': those with its --hash on a hash
			// mismatch, else the requirement that pulled it in.
			lines := d.Wheel.HashesFrom
			var hm *index.HashMismatchError
			g.Go(func() error {
				w, err := r.fetchWheel(gctx, d.Display, d.Version, d.Wheel)
				set.wheels[i] = w
				if err != nil && (len(lines) == 0 || !errors.As(err, &hm) || hm.Source != "--hash") {
					lines = whyLines(d.Why)
				}
				return p.atFindLinks(atLines(err, lines...))
			})
		}
		g.Go(func() error {
			w, err := r.fetchWheel(gctx, lithops.Project, p.Lithops.PEP440(), res.lithops)
			set.lithops = w
			return p.atLithops(err)
		})
		set.why[lithops.Project] = lithops.Why
		if err := g.Wait(); err != nil {
			return err
		}
		r.set = set
		var total int64
		for _, w := range append(set.wheels, set.lithops) {
			total += w.Manifest.Size
		}
		r.logf("%d wheels ready (%s)", len(set.wheels)+1, size(total))
		return nil
	})
}

// indexClient is the package index client for the plan's sources.
func (r *run) indexClient() (*index.Client, error) {
	s := r.plan.Sources
	opts := []index.Option{
		index.WithCacheDir(filepath.Join(r.plan.Config.CacheDir, "index")),
		index.WithWorkers(fetchWorkers),
		index.WithNetrc(index.NetrcPath(r.deps.Getenv)),
		index.WithWorkspace(r.plan.Config.Workspace),
		index.WithProgress(func(e index.Event) { r.logf("%s", e) }),
	}
	if r.deps.HTTP != nil {
		opts = append(opts, index.WithHTTPClient(r.deps.HTTP))
	}
	if s.NoIndex {
		opts = append(opts, index.WithNoIndex())
	} else {
		if s.IndexURL != "" {
			opts = append(opts, index.WithIndexURL(s.IndexURL))
		}
		if len(s.ExtraIndexURLs) > 0 {
			opts = append(opts, index.WithExtraIndexURLs(s.ExtraIndexURLs...))
		}
	}
	if len(s.FindLinks) > 0 {
		opts = append(opts, index.WithFindLinks(s.FindLinks...))
	}
	c, err := index.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("package index: %w", err)
	}
	for _, src := range c.PlainHTTPCredentials() {
		r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "Index credentials over plain http",
			Message: src + ": its credentials travel unencrypted (http to a host other than loopback); use an https URL"})
	}
	return c, nil
}

// lithopsWheel is the lithops wheel of the plan's version for the target, with the
// --hash values of a lithops requirement (hash-checking mode).
func (r *run) lithopsWheel(ctx context.Context) (resolve.Wheel, error) {
	p := r.plan
	proj, err := r.client.Project(ctx, lithops.Project)
	if err != nil {
		return resolve.Wheel{}, p.atLithops(fmt.Errorf("lithops: %w", err))
	}
	f, tag, err := lithops.ChooseWheel(proj, p.Lithops.PEP440(), p.Target.Platform, p.Target.Tags)
	if err != nil {
		return resolve.Wheel{}, p.atLithops(err)
	}
	return resolve.Wheel{File: f, Index: f.Index, Tag: tag, RequiredHashes: lithops.Hashes(p.Requirements)}, nil
}

// atLithops ties an error about the lithops wheel to where its version was chosen: the
// requirement line pinning it, else the lithops-version input.
func (p *Plan) atLithops(err error) error {
	if err == nil {
		return nil
	}
	if reqs := lithops.Requirements(p.Requirements, p.Config.Rel); len(reqs) > 0 && p.Config.LithopsVersion == "" {
		var lines []string
		for _, r := range reqs {
			lines = append(lines, fmt.Sprintf("%s:%d", r.File, r.Line))
		}
		return atLines(err, lines...)
	}
	if p.Config.LithopsVersion != "" && !errors.Is(err, context.Canceled) {
		return &inputs.Error{Input: "lithops-version", Problem: err.Error()}
	}
	return err
}

// atFindLinks ties a find-links failure to the -f lines of the requirements that named
// the location (an input's has no line: it stays as it is).
func (p *Plan) atFindLinks(err error) error {
	var fe *index.FindLinksError
	if err == nil || p.Requirements == nil || !errors.As(err, &fe) {
		return err
	}
	var lines []string
	for _, v := range p.Requirements.FindLinks {
		if v.Value == fe.Location {
			lines = append(lines, fmt.Sprintf("%s:%d", p.Config.Rel(v.File), v.Line))
		}
	}
	return atLines(err, lines...)
}

// whyLines are the user's lines a Why chain starts at.
func whyLines(why []resolve.Link) []string {
	if len(why) == 0 {
		return nil
	}
	return []string{why[0].From}
}

// origins are the user's lines that pulled a distribution in.
func (s *resolution) origins(name string) []string {
	if s == nil {
		return nil
	}
	return s.from[pep508.NormalizeName(name)]
}

// elfFault ties a wheel that cannot go into the runtime (build.ELFError: it needs a newer
// glibc than the target's) to the user's lines that asked for it; other errors pass.
func (s *resolution) elfFault(err error) error {
	var ee *build.ELFError
	if !errors.As(err, &ee) {
		return err
	}
	var lines []string
	for _, v := range ee.Violations {
		lines = append(lines, s.origins(v.Distribution)...)
	}
	return atLines(err, lines...)
}

// relOrigin makes an origin's "file:line" workspace-relative.
func (p *Plan) relOrigin(origin string) string {
	i := strings.LastIndex(origin, ":")
	if i <= 0 {
		return p.Config.Rel(origin)
	}
	return p.Config.Rel(origin[:i]) + origin[i:]
}

// chain renders a Why chain: "requirements.txt:3: flask>=3 → Flask 3.0.3: click>=8".
func chain(links []resolve.Link) string {
	parts := make([]string, len(links))
	for i, l := range links {
		parts[i] = l.String()
	}
	return strings.Join(parts, " → ")
}

// fetchAll downloads and inspects the chosen wheels of dists, fetchWorkers at a time.
func (r *run) fetchAll(ctx context.Context, dists []resolve.Dist) ([]build.Wheel, error) {
	out := make([]build.Wheel, len(dists))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(fetchWorkers)
	for i, d := range dists {
		g.Go(func() error {
			var err error
			out[i], err = r.fetchWheel(gctx, d.Display, d.Version, d.Wheel)
			return err
		})
	}
	return out, g.Wait()
}

// fetchWheel downloads the chosen wheel of name at version into the cache, checked
// against its required hashes (and the index's), and inspects it once.
func (r *run) fetchWheel(ctx context.Context, name string, version pep440.Version, w resolve.Wheel) (build.Wheel, error) {
	hashes := make([]string, len(w.RequiredHashes))
	for i, h := range w.RequiredHashes {
		hashes[i] = h.String()
	}
	f := w.File
	d, err := r.client.Download(ctx, f, hashes)
	if err != nil {
		return build.Wheel{}, err
	}
	manifests := build.ManifestCache{Dir: filepath.Join(r.plan.Config.CacheDir, "manifests")}
	m, err := manifests.Inspect(ctx, d.Path, d.SHA256, build.WithFilename(f.Filename))
	if err != nil {
		return build.Wheel{}, err
	}
	return build.Wheel{Name: name, Version: version, Path: d.Path, Filename: f.Filename, URL: f.URL, Index: f.Index, SHA256: d.SHA256, Tag: w.Tag, Manifest: m}, nil
}
