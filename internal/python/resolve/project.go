package resolve

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// project is an index page seen through the target: the versions that have a usable
// wheel (candidates), and for every other version why not.
type project struct {
	name     string // normalized
	index    string
	notFound string // the project is on no index: this says which were asked

	cands    []*cand          // newest first
	known    []pep440.Version // the candidates' versions, oldest first
	releases []*release       // every version on the index, newest first
}

// cand is a version that can be installed: its best wheel for the target.
type cand struct {
	version    pep440.Version
	file       index.File
	tag        tags.Tag
	yanked     bool // a yanked file, allowed because the user pinned this version
	yankReason string
}

// release is one version on the index, usable or not.
type release struct {
	version pep440.Version
	wheels  []wheelFile
	sdist   bool
	problem string // why none of its wheels can be used; "" for a candidate
}

type wheelFile struct {
	file index.File
	name tags.WheelName
}

// find returns the candidate at version v (nil if v is not one).
func (pr *project) find(v pep440.Version) *cand {
	for _, c := range pr.cands {
		if c.version.Equal(v) {
			return c
		}
	}
	return nil
}

// pick returns the candidate to try within r: the newest final release, else the
// newest pre-release (uv's default), or the newest of all with pre.
func (pr *project) pick(r pep440.Range, pre bool) *cand {
	var firstPre *cand
	for _, c := range pr.cands {
		if !r.Contains(c.version) {
			continue
		}
		if pre || !c.version.IsPrerelease() {
			return c
		}
		if firstPre == nil {
			firstPre = c
		}
	}
	return firstPre
}

// build sorts a project page's files into candidates and diagnosed releases.
func (r *resolver) build(name string, p *index.Project) *project {
	pr := &project{name: name, index: p.Index}
	byVersion := map[string]*release{}
	get := func(v pep440.Version) *release {
		k := v.Canonical()
		rel := byVersion[k]
		if rel == nil {
			rel = &release{version: v}
			byVersion[k] = rel
			pr.releases = append(pr.releases, rel)
		}
		return rel
	}
	for _, f := range p.Files {
		if strings.HasSuffix(strings.ToLower(f.Filename), ".whl") {
			wn, err := tags.ParseWheelName(f.Filename)
			if err != nil || wn.NormalizedName() != name {
				continue // pip skips these too
			}
			rel := get(wn.Version)
			rel.wheels = append(rel.wheels, wheelFile{file: f, name: wn})
		} else if v, ok := index.SdistVersion(f.Filename, name); ok {
			get(v).sdist = true
		}
	}
	slices.SortFunc(pr.releases, func(a, b *release) int { return pep440.Compare(b.version, a.version) })
	for _, rel := range pr.releases {
		if c := r.choose(pr, rel); c != nil {
			pr.cands = append(pr.cands, c)
			pr.known = append(pr.known, c.version)
		}
	}
	slices.Reverse(pr.known)
	return pr
}

// choose picks a release's wheel for the target, or records why there is none.
func (r *resolver) choose(pr *project, rel *release) *cand {
	if len(rel.wheels) == 0 {
		rel.problem = "has only an sdist"
		return nil
	}
	var fit, good []wheelFile
	var pyBad, yankBad, hashBad []wheelFile
	allowYank := r.yankAllowed(pr.name, rel.version)
	for _, w := range rel.wheels {
		if _, ok := r.target.Tags.Rank(w.name); !ok {
			continue
		}
		fit = append(fit, w)
		switch {
		case !r.pythonFits(w.file.RequiresPython, w.file.Filename):
			pyBad = append(pyBad, w)
		case w.file.Yanked && !allowYank:
			yankBad = append(yankBad, w)
		case !r.hashAllowed(pr.name, w.file):
			hashBad = append(hashBad, w)
		default:
			good = append(good, w)
		}
	}
	if len(good) > 0 {
		// A yanked file only when no other file of the version fits.
		if unyanked := slices.DeleteFunc(slices.Clone(good), func(w wheelFile) bool { return w.file.Yanked }); len(unyanked) > 0 {
			good = unyanked
		}
		names := make([]tags.WheelName, len(good))
		for i, w := range good {
			names[i] = w.name
		}
		w := good[r.target.Tags.Best(names)]
		c := &cand{version: rel.version, file: w.file, yanked: w.file.Yanked, yankReason: w.file.YankedReason}
		c.tag = r.bestTag(w.name)
		return c
	}
	switch {
	case len(fit) == 0:
		rel.problem = r.tagProblem(rel.wheels, rel.sdist)
	case len(pyBad) > 0:
		rel.problem = "requires Python " + pyBad[0].file.RequiresPython
	case len(yankBad) > 0:
		rel.problem = "is yanked" + reasonSuffix(yankBad[0].file.YankedReason) + "; only an exact == pin in the requirements allows it"
	default:
		var got []string
		for _, w := range hashBad {
			for alg, h := range w.file.Hashes {
				got = append(got, fmt.Sprintf("%s has %s:%s", w.file.Filename, alg, h))
			}
		}
		slices.Sort(got)
		rel.problem = "has no wheel matching the --hash values given for it (" + strings.Join(got, "; ") + ")"
	}
	return nil
}

func (r *resolver) bestTag(w tags.WheelName) tags.Tag {
	rank, _ := r.target.Tags.Rank(w)
	for _, t := range w.Tags {
		if i, ok := r.target.Tags.Index(t); ok && i == rank {
			return t
		}
	}
	return tags.Tag{}
}

// pythonFits checks a file's Requires-Python against the target. An invalid one is
// ignored, as pip does.
func (r *resolver) pythonFits(spec, filename string) bool {
	if spec == "" {
		return true
	}
	s, err := pep440.ParseSpecifierSet(spec)
	if err != nil {
		r.logf("ignoring the invalid Requires-Python %q of %s", spec, filename)
		return true
	}
	return s.Contains(r.target.Python)
}

// tagProblem says, for wheels none of which the target accepts, what they were
// built for and what would fit.
func (r *resolver) tagProblem(ws []wheelFile, sdist bool) string {
	best := fmt.Sprintf("manylinux_2_%d_x86_64", r.target.Platform.Glibc.Minor)
	interpOK := func(t tags.Tag) bool {
		_, a := r.target.Tags.Index(tags.Tag{Interpreter: t.Interpreter, ABI: t.ABI, Platform: best})
		_, b := r.target.Tags.Index(tags.Tag{Interpreter: t.Interpreter, ABI: t.ABI, Platform: "any"})
		return a || b
	}
	platformOK := func(p string) bool {
		_, ok := r.target.Tags.Index(tags.Tag{Interpreter: "py3", ABI: "none", Platform: p})
		return ok
	}
	needGlibc := 0
	var interps, platforms []string
	add := func(list *[]string, s string) {
		if !slices.Contains(*list, s) {
			*list = append(*list, s)
		}
	}
	for _, w := range ws {
		for _, t := range w.name.Tags {
			switch {
			case interpOK(t):
				if n, ok := manylinuxGlibc(t.Platform); ok && n > r.target.Platform.Glibc.Minor {
					if needGlibc == 0 || n < needGlibc {
						needGlibc = n
					}
				} else {
					add(&platforms, t.Platform)
				}
			case platformOK(t.Platform):
				interp := t.Interpreter
				if t.ABI != "none" && t.ABI != "abi3" && !strings.HasPrefix(t.ABI, t.Interpreter) {
					interp += "-" + t.ABI
				}
				add(&interps, interp)
			default:
				add(&platforms, t.Platform)
			}
		}
	}
	and := ""
	if sdist {
		and = "an sdist and "
	}
	switch cp := fmt.Sprintf("cp%d%d", r.target.Platform.Python[0], r.target.Platform.Python[1]); {
	case needGlibc > 0:
		return fmt.Sprintf("needs glibc 2.%d: its wheels are manylinux_2_%d, the target has glibc %s", needGlibc, needGlibc, r.target.Platform.Glibc)
	case len(interps) > 0:
		return fmt.Sprintf("has %swheels only for %s, not %s", and, shortList(interps, "/"), cp)
	}
	return fmt.Sprintf("has %swheels only for %s", and, shortList(platforms, ", "))
}

// manylinuxGlibc returns the glibc minor version an x86_64 manylinux platform needs.
func manylinuxGlibc(platform string) (int, bool) {
	switch platform {
	case "manylinux1_x86_64":
		return 5, true
	case "manylinux2010_x86_64":
		return 12, true
	case "manylinux2014_x86_64":
		return 17, true
	}
	rest, ok := strings.CutPrefix(platform, "manylinux_2_")
	if !ok {
		return 0, false
	}
	n, ok := strings.CutSuffix(rest, "_x86_64")
	if !ok {
		return 0, false
	}
	minor, err := strconv.Atoi(n)
	return minor, err == nil
}

// shortList joins at most six items and says how many more there are.
func shortList(items []string, sep string) string {
	const max = 6
	if len(items) <= max {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:max], sep), len(items)-max)
}

// noVersions says why no version of p in rng can be used, listing what exists.
func (r *resolver) noVersions(pr *project, k pkgKey, rng pep440.Range) string {
	name := r.display(k.name)
	if k.extra != "" {
		name += "[" + k.extra + "]"
	}
	if pr.notFound != "" {
		return pr.notFound
	}
	spec := prettyRange(rng)
	subject := strings.TrimSpace(name + " " + spec)
	var in []*release
	for _, rel := range pr.releases {
		if rng.Contains(rel.version) && rel.problem != "" {
			in = append(in, rel)
		}
	}
	if len(in) == 0 {
		if len(pr.releases) == 0 {
			return fmt.Sprintf("%s has no files on %s", name, pr.index)
		}
		var vs []string
		for _, rel := range pr.releases {
			vs = append(vs, rel.version.String())
		}
		return fmt.Sprintf("no version of %s exists (%s has %s)", subject, pr.index, shortList(vs, ", "))
	}
	const max = 4
	var parts []string
	for i, rel := range in {
		if i == max {
			parts = append(parts, fmt.Sprintf("%d older ones have no usable wheel either", len(in)-max))
			break
		}
		parts = append(parts, rel.version.String()+" "+rel.problem)
	}
	return fmt.Sprintf("no version of %s fits %s, Python %s (%s)", subject, r.target, r.target.Python, strings.Join(parts, "; "))
}

// hints says what to do about projects without a usable version.
func (r *resolver) hints(keys []pkgKey) []string {
	var out []string
	for _, k := range keys {
		pr := r.loaded(k.name)
		if pr == nil {
			continue
		}
		if pr.notFound != "" {
			out = append(out, fmt.Sprintf("check the spelling of %s, or add the index that has it (index-url, extra-index-url)", k.name))
			continue
		}
		var glibc, wheel bool
		for _, rel := range pr.releases {
			glibc = glibc || strings.HasPrefix(rel.problem, "needs glibc")
			wheel = wheel || strings.HasPrefix(rel.problem, "has ")
		}
		switch {
		case glibc:
			out = append(out, fmt.Sprintf("%s: require a version with a manylinux wheel for glibc %s or older (FC's runtime has no newer glibc), or provide such a wheel with find-links", r.display(pr.name), r.target.Platform.Glibc))
		case wheel:
			out = append(out, fmt.Sprintf("%s: require a version that has a wheel for %s, or build one and provide it with find-links (this action builds nothing)", r.display(pr.name), r.target))
		}
	}
	return out
}
