package resolve

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// release describes one version of a test project: what packse scenarios say.
type testRelease struct {
	name, version  string
	requiresPython string
	requires       []string
	extras         map[string][]string
	wheelTags      []string // one wheel each; none means one py3-none-any wheel
	build          string   // the wheels' build tag
	noWheel        bool
	noSdist        bool
	yanked         bool
	yankReason     string
}

// universe is a set of test projects with real wheels built by wheeltest.
type universe struct {
	projects map[string]*testProject // by normalized name
}

type testProject struct {
	name  string
	files []testFile
}

type testFile struct {
	file  index.File
	body  []byte
	wheel *wheeltest.Wheel // nil for an sdist
}

func newUniverse() *universe { return &universe{projects: map[string]*testProject{}} }

// add builds the files of a release. URLs are relative ("/files/NAME"); the
// in-memory source uses them as they are, the HTTP index serves them.
func (u *universe) add(t testing.TB, r testRelease) {
	t.Helper()
	name := pep508.NormalizeName(r.name)
	p := u.projects[name]
	if p == nil {
		p = &testProject{name: r.name}
		u.projects[name] = p
	}
	md := wheeltest.Metadata{RequiresPython: r.requiresPython, RequiresDist: slices.Clone(r.requires)}
	for _, e := range slices.Sorted(maps.Keys(r.extras)) {
		md.ProvidesExtra = append(md.ProvidesExtra, e)
		for _, req := range r.extras[e] {
			md.RequiresDist = append(md.RequiresDist, fmt.Sprintf("%s ; extra == %q", req, e))
		}
	}
	if !r.noWheel {
		tagList := r.wheelTags
		if len(tagList) == 0 {
			tagList = []string{"py3-none-any"}
		}
		for _, tag := range tagList {
			w := &wheeltest.Wheel{Name: r.name, Version: r.version, Build: r.build, Tag: tag, Metadata: md,
				Files: map[string][]byte{strings.ReplaceAll(name, "-", "_") + "/__init__.py": []byte("")}}
			body := w.MustBytes(t)
			p.files = append(p.files, testFile{wheel: w, body: body, file: u.file(w.Filename(), body, r)})
		}
	}
	if !r.noSdist {
		fn := fmt.Sprintf("%s-%s.tar.gz", strings.ReplaceAll(name, "-", "_"), r.version)
		body := []byte("not really a tarball: " + fn)
		p.files = append(p.files, testFile{body: body, file: u.file(fn, body, r)})
	}
}

func (u *universe) file(fn string, body []byte, r testRelease) index.File {
	sum := sha256.Sum256(body)
	return index.File{
		Filename:       fn,
		URL:            "/files/" + fn,
		Hashes:         index.Hashes{"sha256": hex.EncodeToString(sum[:])},
		RequiresPython: r.requiresPython,
		Yanked:         r.yanked,
		YankedReason:   r.yankReason,
		CoreMetadata:   strings.HasSuffix(fn, ".whl"),
		Size:           int64(len(body)),
	}
}

// memSource serves a universe from memory and counts requests.
type memSource struct {
	u     *universe
	index string
	mu    sync.Mutex
	asked map[string]int // project name or file name → requests
}

func newMemSource(u *universe) *memSource {
	return &memSource{u: u, index: "https://mem.example/simple/", asked: map[string]int{}}
}

func (m *memSource) count(k string) {
	m.mu.Lock()
	m.asked[k]++
	m.mu.Unlock()
}

func (m *memSource) Project(ctx context.Context, name string) (*index.Project, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.count(name)
	p := m.u.projects[name]
	if p == nil {
		return nil, &index.NotFoundError{Project: name, Asked: []string{m.index}}
	}
	out := &index.Project{Name: name, Index: m.index}
	for _, f := range p.files {
		out.Files = append(out.Files, f.file)
	}
	return out, nil
}

func (m *memSource) Metadata(ctx context.Context, f index.File) (*index.Metadata, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.count(f.Filename)
	for _, p := range m.u.projects {
		for _, tf := range p.files {
			if tf.file.Filename == path.Base(f.URL) && tf.wheel != nil {
				return index.ParseMetadata(tf.wheel.MetadataFile())
			}
		}
	}
	return nil, fmt.Errorf("no wheel at %s", f.URL)
}

// checkValid asserts that a result satisfies every requirement it should, as
// evaluated for the target: the roots', and each installed wheel's (with the extras
// installed), with no distribution missing.
func checkValid(t *testing.T, u *universe, target Target, roots []string, res *Result) {
	t.Helper()
	got := map[string]Dist{}
	for _, d := range res.Dists {
		got[d.Name] = d
	}
	satisfied := func(from, line string, extra string) {
		req, err := pep508.ParseRequirement(line)
		if err != nil {
			t.Errorf("%s: %v", from, err)
			return
		}
		if ok, err := req.Marker.Evaluate(target.Env, extra); err != nil || !ok {
			return
		}
		d, ok := got[req.NormalizedName()]
		switch {
		case !ok:
			t.Errorf("%s requires %s, which the result lacks", from, line)
		case req.URL == "" && !req.Specifier.Contains(d.Version):
			t.Errorf("%s requires %s, the result has %s", from, line, d.Version)
		}
		for _, e := range req.Extras {
			if !slices.Contains(d.Extras, pep508.NormalizeName(e)) {
				t.Errorf("%s requires %s, the result lacks the extra %s", from, line, e)
			}
		}
	}
	for _, r := range roots {
		satisfied("root", r, "")
	}
	for _, d := range res.Dists {
		var w *wheeltest.Wheel
		for _, f := range u.projects[d.Name].files {
			if f.file.Filename == d.Wheel.File.Filename {
				w = f.wheel
			}
		}
		if w == nil {
			t.Errorf("%s: chose %s, which is not a wheel of the index", d.Name, d.Wheel.File.Filename)
			continue
		}
		for _, e := range append([]string{""}, d.Extras...) {
			for _, line := range w.Metadata.RequiresDist {
				satisfied(fmt.Sprintf("%s %s", d.Name, d.Version), line, e)
			}
		}
	}
}

// versions returns the result as name → version.
func versions(res *Result) map[string]string {
	out := map[string]string{}
	for _, d := range res.Dists {
		out[d.Name] = d.Version.String()
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := slices.Collect(maps.Keys(m))
	sort.Strings(ks)
	return ks
}
