package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

func mustTarget(t testing.TB, python string, glibcMinor int) Target {
	t.Helper()
	tg, err := NewTarget(python, tags.Glibc{Major: 2, Minor: glibcMinor})
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// reqs parses requirement lines, each from "requirements.txt:N".
func reqs(t testing.TB, file string, lines ...string) []Requirement {
	t.Helper()
	var out []Requirement
	for i, l := range lines {
		r, err := pep508.ParseRequirement(l)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, Requirement{Requirement: r, Origin: fmt.Sprintf("%s:%d", file, i+1)})
	}
	return out
}

func resolveMem(t testing.TB, u *universe, target Target, req Request) (*Result, error) {
	t.Helper()
	return Resolve(context.Background(), newMemSource(u), target, req)
}

// webapp is a small universe with extras, markers, several wheels per version and
// a yanked release.
func webapp(t testing.TB) *universe {
	u := newUniverse()
	for _, r := range []testRelease{
		{name: "Flask", version: "2.3.3", requires: []string{"Werkzeug>=2.3.7", "click>=8.1.3"}},
		{name: "Flask", version: "3.0.3", requires: []string{"Werkzeug>=3.0.0", "click>=8.1.3", "blinker>=1.6.2"},
			extras: map[string][]string{"async": {"asgiref>=3.2"}, "dotenv": {"python-dotenv"}}},
		{name: "Werkzeug", version: "3.0.3", requires: []string{"MarkupSafe>=2.1.1"}},
		{name: "Werkzeug", version: "2.3.8", requires: []string{"MarkupSafe>=2.1.1"}},
		{name: "click", version: "8.1.7"},
		{name: "blinker", version: "1.8.2"},
		{name: "asgiref", version: "3.8.1", requires: []string{`typing_extensions>=4 ; python_version < "3.11"`}},
		{name: "typing-extensions", version: "4.12.2"},
		{name: "MarkupSafe", version: "2.1.5", wheelTags: []string{
			"cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
			"cp312-cp312-musllinux_1_1_x86_64",
			"cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
			"cp310-cp310-manylinux_2_5_x86_64.manylinux1_x86_64",
		}},
		{name: "MarkupSafe", version: "3.0.0", yanked: true, yankReason: "broken wheel"},
		{name: "tomli", version: "2.0.1"},
	} {
		r.requiresPython = ">=3.8"
		u.add(t, r)
	}
	return u
}

func TestResolveResult(t *testing.T) {
	u := webapp(t)
	req := Request{Requirements: reqs(t, "requirements.txt",
		"flask[async]>=2",
		`tomli ; python_version < "3.12"`, // true on the 3.11 running this test, false on the target
	)}
	res, err := resolveMem(t, u, mustTarget(t, "3.12", 31), req)
	if err != nil {
		t.Fatal(err)
	}
	checkValid(t, u, mustTarget(t, "3.12", 31), []string{"flask[async]>=2"}, res)
	want := map[string]string{"flask": "3.0.3", "werkzeug": "3.0.3", "click": "8.1.7", "blinker": "1.8.2", "asgiref": "3.8.1", "markupsafe": "2.1.5"}
	if got := versions(res); !maps.Equal(got, want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	dist := map[string]Dist{}
	for _, d := range res.Dists {
		dist[d.Name] = d
	}
	flask := dist["flask"]
	if !flask.Direct || !slices.Equal(flask.Extras, []string{"async"}) || flask.Display != "Flask" {
		t.Errorf("flask: direct %v extras %v display %q", flask.Direct, flask.Extras, flask.Display)
	}
	if !slices.Equal(flask.Dependencies, []string{"asgiref", "blinker", "click", "werkzeug"}) {
		t.Errorf("flask dependencies %v", flask.Dependencies)
	}
	ms := dist["markupsafe"]
	if ms.Direct || ms.Wheel.File.Filename != "markupsafe-2.1.5-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" ||
		ms.Wheel.Tag.String() != "cp312-cp312-manylinux_2_17_x86_64" {
		t.Errorf("markupsafe: direct %v, wheel %s tag %s", ms.Direct, ms.Wheel.File.Filename, ms.Wheel.Tag)
	}
	if got := fmt.Sprint(ms.Why); got != "[requirements.txt:1: flask[async]>=2 Flask 3.0.3: Werkzeug>=3.0.0 Werkzeug 3.0.3: MarkupSafe>=2.1.1]" {
		t.Errorf("markupsafe why: %s", got)
	}
	if got := fmt.Sprint(dist["asgiref"].Why); got != "[requirements.txt:1: flask[async]>=2 Flask 3.0.3: asgiref>=3.2]" {
		t.Errorf("asgiref why: %s", got)
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}

	// Python 3.10: asgiref's marker now holds, tomli's too, and MarkupSafe has its
	// own wheel; glibc 2.12 leaves only the manylinux1 one.
	req.Requirements = append(req.Requirements, reqs(t, "more.txt", "markupsafe")...)
	res, err = resolveMem(t, u, mustTarget(t, "3.10.14", 12), req)
	if err != nil {
		t.Fatal(err)
	}
	got := versions(res)
	if got["typing-extensions"] != "4.12.2" || got["tomli"] != "2.0.1" {
		t.Errorf("3.10: %v", got)
	}
	for _, d := range res.Dists {
		if d.Name == "markupsafe" && (d.Wheel.Tag.String() != "cp310-cp310-manylinux_2_5_x86_64" || !d.Direct) {
			t.Errorf("3.10, glibc 2.12: markupsafe %s (direct %v)", d.Wheel.Tag, d.Direct)
		}
	}
}

// Among the wheels of one version: the best tag for the target, then the highest
// build tag.
func TestResolveWheelChoice(t *testing.T) {
	u := newUniverse()
	for _, r := range []testRelease{
		{build: "1", wheelTags: []string{"cp312-abi3-manylinux_2_17_x86_64", "py3-none-any"}},
		{build: "2", wheelTags: []string{"cp312-abi3-manylinux_2_17_x86_64", "cp312-cp312-manylinux_2_34_x86_64"}, noSdist: true},
		{build: "10", wheelTags: []string{"py3-none-any"}, noSdist: true},
	} {
		r.name, r.version, r.requiresPython = "fast", "1.0", ">=3.8"
		u.add(t, r)
	}
	for _, tc := range []struct {
		glibc int
		want  string
	}{
		{34, "fast-1.0-2-cp312-cp312-manylinux_2_34_x86_64.whl"},
		{31, "fast-1.0-2-cp312-abi3-manylinux_2_17_x86_64.whl"}, // build 2 beats build 1
		{12, "fast-1.0-10-py3-none-any.whl"},                    // build 10 beats build 1
	} {
		res, err := resolveMem(t, u, mustTarget(t, "3.12", tc.glibc), Request{Requirements: reqs(t, "requirements.txt", "fast")})
		if err != nil {
			t.Fatal(err)
		}
		if got := res.Dists[0].Wheel.File.Filename; got != tc.want {
			t.Errorf("glibc 2.%d: chose %s, want %s", tc.glibc, got, tc.want)
		}
	}
}

func TestResolveYankedPin(t *testing.T) {
	u := webapp(t)
	res, err := resolveMem(t, u, mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", "markupsafe==3.0.0")})
	if err != nil {
		t.Fatal(err)
	}
	if got := versions(res)["markupsafe"]; got != "3.0.0" {
		t.Errorf("markupsafe %s", got)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "MarkupSafe 3.0.0 is yanked (broken wheel)") {
		t.Errorf("warnings %q", res.Warnings)
	}
	// Unpinned, the yanked release is passed over.
	res, err = resolveMem(t, u, mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", "markupsafe>=2")})
	if err != nil || versions(res)["markupsafe"] != "2.1.5" {
		t.Errorf("markupsafe>=2: %v, %v", versionsOrNil(res), err)
	}
}

func TestResolveConstraints(t *testing.T) {
	u := webapp(t)
	req := Request{
		Requirements: reqs(t, "requirements.txt", "flask"),
		Constraints:  reqs(t, "constraints.txt", "werkzeug<3", "tomli==2.0.1", `click<8 ; python_version < "3"`),
	}
	res, err := resolveMem(t, u, mustTarget(t, "3.12", 31), req)
	if err != nil {
		t.Fatal(err)
	}
	// werkzeug<3 forces Flask back to 2.3.3; tomli is constrained but never required.
	want := map[string]string{"flask": "2.3.3", "werkzeug": "2.3.8", "click": "8.1.7", "markupsafe": "2.1.5"}
	if got := versions(res); !maps.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}

	req.Constraints = reqs(t, "constraints.txt", "werkzeug<2")
	_, err = resolveMem(t, u, mustTarget(t, "3.12", 31), req)
	var ns *NoSolutionError
	if !errors.As(err, &ns) || !strings.Contains(ns.Report, "the constraint werkzeug<2 (constraints.txt:1) rules out every other version of werkzeug") {
		t.Errorf("got %v", err)
	}
}

func TestResolveDirectURL(t *testing.T) {
	u := webapp(t)
	u.add(t, testRelease{name: "click", version: "9.0.0.dev1", requiresPython: ">=3.8"}) // not on the page below
	req := Request{Requirements: reqs(t, "requirements.txt", "flask>=3", "click @ https://user:secret@mem.example/files/click-9.0.0.dev1-py3-none-any.whl")}
	res, err := resolveMem(t, u, mustTarget(t, "3.12", 31), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range res.Dists {
		if d.Name == "click" && (d.Version.String() != "9.0.0.dev1" || d.Wheel.File.URL != "https://user:secret@mem.example/files/click-9.0.0.dev1-py3-none-any.whl") {
			t.Errorf("click: %s from %s", d.Version, d.Wheel.File.URL)
		}
	}
	// A URL whose wheel the target cannot use says so, with the secret masked.
	req = Request{Requirements: reqs(t, "requirements.txt", "markupsafe @ https://user:secret@mem.example/files/markupsafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl")}
	_, err = resolveMem(t, u, mustTarget(t, "3.12", 31), req)
	if err == nil || !strings.Contains(err.Error(), "has wheels only for musllinux_1_1_x86_64") || strings.Contains(err.Error(), "secret") {
		t.Errorf("got %v", err)
	}
}

func TestResolveHashMode(t *testing.T) {
	u := webapp(t)
	hashOf := func(filename string) reqfile.Hash {
		for _, p := range u.projects {
			for _, f := range p.files {
				if f.file.Filename == filename {
					return reqfile.Hash{Algorithm: "sha256", Digest: f.file.Hashes["sha256"]}
				}
			}
		}
		t.Fatalf("no file %s", filename)
		return reqfile.Hash{}
	}
	cp310 := hashOf("markupsafe-2.1.5-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
	cp312 := hashOf("markupsafe-2.1.5-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl")
	musl := hashOf("markupsafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl")
	req := func(hs ...reqfile.Hash) Request {
		r := Request{HashMode: true, Requirements: reqs(t, "requirements.txt", "markupsafe==2.1.5")}
		r.Requirements[0].Hashes = hs
		return r
	}

	// Only files with one of the hashes count: here the best one is among them.
	res, err := resolveMem(t, u, mustTarget(t, "3.12", 31), req(cp310, cp312))
	if err != nil {
		t.Fatal(err)
	}
	if w := res.Dists[0].Wheel; !strings.Contains(w.File.Filename, "cp312-cp312-manylinux") || !slices.Equal(w.RequiredHashes, []reqfile.Hash{cp310, cp312}) {
		t.Errorf("chose %s, required %v", w.File.Filename, w.RequiredHashes)
	}
	// The hashes name only wheels the target cannot use: a mismatch, with what the
	// index has.
	_, err = resolveMem(t, u, mustTarget(t, "3.12", 31), req(cp310, musl))
	if err == nil || !strings.Contains(err.Error(), "2.1.5 has no wheel matching the --hash values given for it (markupsafe-2.1.5-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl has sha256:"+cp312.Digest) {
		t.Errorf("got %v", err)
	}
	// A dependency without a hash: pip's refusal, with the line to add.
	r := Request{HashMode: true, Requirements: reqs(t, "requirements.txt", "werkzeug==3.0.3")}
	r.Requirements[0].Hashes = []reqfile.Hash{hashOf("werkzeug-3.0.3-py3-none-any.whl")}
	_, err = resolveMem(t, u, mustTarget(t, "3.12", 31), r)
	if err == nil || !strings.Contains(err.Error(), "MarkupSafe==2.1.5 --hash=sha256:"+cp312.Digest) {
		t.Errorf("got %v", err)
	}
}

// The failure paths, each with the words that make it actionable.
func TestResolveFailures(t *testing.T) {
	u := webapp(t)
	for _, r := range []testRelease{
		{name: "lxml", version: "4.1.0", wheelTags: []string{"cp27-cp27mu-manylinux1_x86_64", "cp36-cp36m-manylinux1_x86_64"}},
		{name: "lxml", version: "5.2.1", wheelTags: []string{"cp310-cp310-manylinux_2_28_x86_64"}},
		{name: "cryptography", version: "48.0.0", wheelTags: []string{"cp311-abi3-manylinux_2_34_x86_64", "cp311-abi3-macosx_10_9_universal2"}},
		{name: "onlysdist", version: "1.0", noWheel: true},
		{name: "newpy", version: "1.0", requiresPython: ">=3.13"},
		{name: "app", version: "1.0", requires: []string{"lib"}},
		{name: "lib", version: "1.0", requires: []string{"click==7.0"}},
		{name: "badmeta", version: "2.0", requires: []string{"click>=8 ; platform_version ~= 'x'"}},
		{name: "badmeta", version: "1.0"},
		{name: "linux", version: "1.0", wheelTags: []string{"cp312-cp312-linux_x86_64"}},
	} {
		if r.requiresPython == "" {
			r.requiresPython = ">=2.7"
		}
		u.add(t, r)
	}
	tests := []struct {
		name  string
		lines []string
		want  []string // parts of the message
	}{
		{"unknown project", []string{"flask", "no-such-thing"}, []string{
			"no-such-thing is not on any index (asked https://mem.example/simple/) and requirements.txt:2 requires no-such-thing",
			"hint: check the spelling of no-such-thing"}},
		{"no wheel for the interpreter", []string{"lxml<5"}, []string{
			"no version of lxml <5 fits cp312-manylinux_2_31_x86_64, Python 3.12.0 (4.1.0 has an sdist and wheels only for cp27/cp36, not cp312)",
			"hint: lxml: require a version that has a wheel for cp312-manylinux_2_31_x86_64"}},
		{"glibc too old", []string{"cryptography"}, []string{
			"48.0.0 needs glibc 2.34: its wheels are manylinux_2_34, the target has glibc 2.31",
			"hint: cryptography: require a version with a manylinux wheel for glibc 2.31 or older"}},
		{"newer glibc and interpreter mix", []string{"lxml"}, []string{
			"(5.2.1 has an sdist and wheels only for cp310, not cp312; 4.1.0 has an sdist and wheels only for cp27/cp36, not cp312)"}},
		{"only an sdist", []string{"onlysdist"}, []string{"(1.0 has only an sdist)"}},
		{"requires a newer Python", []string{"newpy"}, []string{"(1.0 requires Python >=3.13)"}},
		{"linux_x86_64 is not manylinux", []string{"linux"}, []string{"1.0 has an sdist and wheels only for linux_x86_64"}},
		{"conflict through a chain", []string{"flask", "app"}, []string{
			"Because Flask depends on click>=8.1.3 and lib depends on click==7.0, Flask is incompatible with lib.\n" +
				"  And because app depends on lib, Flask is incompatible with app.\n" +
				"  So, because requirements.txt:1 requires flask and requirements.txt:2 requires app, the requirements cannot be satisfied together."}},
		{"empty requirement", []string{"flask<1,>1"}, []string{"requirements.txt:1 requires flask<1,>1, which no version can match."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := resolveMem(t, u, mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", tc.lines...)})
			var ns *NoSolutionError
			if !errors.As(err, &ns) {
				t.Fatalf("got %v, %v; want a NoSolutionError", versionsOrNil(res), err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}

	// Metadata whose marker cannot be evaluated makes that version unusable; the
	// older one is taken.
	res, err := resolveMem(t, u, mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", "badmeta")})
	if err != nil || versions(res)["badmeta"] != "1.0" {
		t.Errorf("badmeta: %v, %v", versionsOrNil(res), err)
	}
}

// errSource fails every request after its universe's pages: what the index client
// returns once its retries are spent.
type errSource struct {
	*memSource
	fail string // the project whose page fails
	err  error
}

func (e *errSource) Project(ctx context.Context, name string) (*index.Project, error) {
	if name == e.fail {
		return nil, e.err
	}
	return e.memSource.Project(ctx, name)
}

func TestResolveSourceErrors(t *testing.T) {
	u := webapp(t)
	down := errors.New("GET https://mem.example/simple/werkzeug/: 503 Service Unavailable (after 4 attempts)")
	src := &errSource{memSource: newMemSource(u), fail: "werkzeug", err: down}
	_, err := Resolve(context.Background(), src, mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", "flask")})
	var ns *NoSolutionError
	if !errors.Is(err, down) || errors.As(err, &ns) || !strings.HasPrefix(err.Error(), "resolve: werkzeug: GET") {
		t.Errorf("got %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Resolve(ctx, newMemSource(u), mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", "flask")}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v", err)
	}
}

// Metadata is read only for versions tried, and the pages of a wide graph are
// fetched in parallel.
func TestResolveFetching(t *testing.T) {
	u := newUniverse()
	var roots []string
	for i := range 12 {
		name := fmt.Sprintf("leaf%d", i)
		roots = append(roots, name)
		for _, v := range []string{"1.0", "1.1", "2.0"} {
			u.add(t, testRelease{name: name, version: v, requiresPython: ">=3"})
		}
	}
	u.add(t, testRelease{name: "top", version: "1.0", requiresPython: ">=3", requires: roots})
	src := &gateSource{memSource: newMemSource(u), release: make(chan struct{})}
	go func() {
		// Let requests through only once 12 are waiting at the same time.
		src.waitInFlight(12)
		close(src.release)
	}()
	res, err := Resolve(context.Background(), src, mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", "top")})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Dists) != 13 {
		t.Errorf("got %v", versions(res))
	}
	for name, n := range src.asked {
		if n != 1 {
			t.Errorf("%s asked %d times", name, n)
		}
		if strings.HasSuffix(name, ".whl") && !strings.Contains(name, "-2.0-") && !strings.HasPrefix(name, "top") {
			t.Errorf("metadata of %s was read, but that version was never tried", name)
		}
	}
	if res.Stats.Metadata != 13 || res.Stats.Projects != 13 {
		t.Errorf("stats %+v", res.Stats)
	}
}

// gateSource holds every request until release is closed, counting those waiting.
type gateSource struct {
	*memSource
	release  chan struct{}
	mu       sync.Mutex
	cond     *sync.Cond
	inFlight int
}

func (g *gateSource) wait() {
	g.mu.Lock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	g.inFlight++
	g.cond.Broadcast()
	g.mu.Unlock()
	<-g.release
}

func (g *gateSource) waitInFlight(n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	for g.inFlight < n {
		g.cond.Wait()
	}
}

func (g *gateSource) Project(ctx context.Context, name string) (*index.Project, error) {
	if name != "top" {
		g.wait()
	}
	return g.memSource.Project(ctx, name)
}

// The index over HTTP, through the real client: what reaches the user when the
// index is down, serves a broken page, or the run is cancelled mid-way.
func TestResolveIndexFailures(t *testing.T) {
	u := webapp(t)
	fast := index.WithRetry(index.Retry{Retries: 2, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond})
	run := func(t *testing.T, srv *indexServer, ctx context.Context, lines ...string) error {
		client, err := index.New(index.WithIndexURL(srv.URL+"/simple/"), fast)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Resolve(ctx, client, mustTarget(t, "3.12", 31), Request{Requirements: reqs(t, "requirements.txt", lines...)})
		return err
	}
	var ns *NoSolutionError

	t.Run("index down", func(t *testing.T) {
		srv := newIndexServer(t, u)
		srv.fail("/simple/werkzeug/", http.StatusServiceUnavailable)
		err := run(t, srv, context.Background(), "flask")
		if err == nil || errors.As(err, &ns) || !strings.HasPrefix(err.Error(), "resolve: werkzeug: ") || !strings.Contains(err.Error(), "503") {
			t.Fatalf("got %v", err)
		}
		if n := srv.count("/simple/werkzeug/"); n != 3 {
			t.Errorf("werkzeug's page was asked %d times, want 3 (2 retries)", n)
		}
		t.Log(err)
	})
	t.Run("malformed page", func(t *testing.T) {
		srv := newIndexServer(t, u)
		srv.replace("/simple/click/", `{"meta": {"api-version": "1.1"}, "name": "click", "files": [{"filename": 7}]}`)
		err := run(t, srv, context.Background(), "flask")
		if err == nil || errors.As(err, &ns) || !strings.HasPrefix(err.Error(), "resolve: click: ") {
			t.Fatalf("got %v", err)
		}
		t.Log(err)
	})
	t.Run("unknown project", func(t *testing.T) {
		srv := newIndexServer(t, u)
		err := run(t, srv, context.Background(), "flask", "not-there")
		if !errors.As(err, &ns) || !strings.Contains(err.Error(), "not-there is not on any index (asked "+srv.URL+"/simple/)") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("cancelled mid-way", func(t *testing.T) {
		srv := newIndexServer(t, u)
		srv.delay = 20 * time.Millisecond
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(30*time.Millisecond, cancel)
		if err := run(t, srv, ctx, "flask"); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v", err)
		}
	})
}

// A requirements file through reqfile, with a local wheel (a file:// URL), a
// constraint and --pre, resolved through the real client; the log reads as a
// progress report.
func TestResolveRequirementsFile(t *testing.T) {
	u := webapp(t)
	srv := newIndexServer(t, u)
	dir := t.TempDir()
	local := wheeltest.Wheel{Name: "click", Version: "9.0.0rc1", Metadata: wheeltest.Metadata{RequiresPython: ">=3.8"}}
	local.MustWrite(t, dir)
	reqPath := filepath.Join(dir, "requirements.txt")
	writeFile(t, reqPath, "--pre\n-c constraints.txt\nflask[async]\n./"+local.Filename()+"\n")
	writeFile(t, filepath.Join(dir, "constraints.txt"), "werkzeug<3.0.3\n")
	f, err := reqfile.Parse(context.Background(), reqPath, reqfile.WithWorkDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	req := RequestFromFile(f)
	if !req.Pre || len(req.Constraints) != 1 || req.Requirements[1].Origin != reqPath+":4" {
		t.Fatalf("request %+v", req)
	}
	client, err := index.New(index.WithIndexURL(srv.URL + "/simple/"))
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	res, err := Resolve(context.Background(), client, mustTarget(t, "3.12", 31), req, WithLog(func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }))
	if err != nil {
		t.Fatal(err)
	}
	got := versions(res)
	// werkzeug<3.0.3 rules out Flask 3, and Flask 2.3.3 has no "async" extra: as pip
	// and uv, the missing extra is a warning, not a reason to fail.
	if !maps.Equal(got, map[string]string{"click": "9.0.0rc1", "werkzeug": "2.3.8", "flask": "2.3.3", "markupsafe": "2.1.5"}) {
		t.Errorf("got %v", got)
	}
	if len(res.Warnings) != 1 {
		t.Errorf("warnings %q", res.Warnings)
	}
	text := strings.Join(log, "\n")
	for _, want := range []string{
		"resolving 2 requirements for cp312-manylinux_2_31_x86_64",
		"fetch flask",
		"metadata flask-3.0.3-py3-none-any.whl",
		"try flask 3.0.3",
		"backtrack: ",
		"try flask 2.3.3",
		`warning: Flask 2.3.3 does not provide the extra "async"`,
		"resolved 4 distributions:",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %q:\n%s", want, text)
		}
	}
	// Prefetching heeds the constraints: werkzeug 3.0.3 is never a candidate.
	if strings.Contains(text, "metadata werkzeug-3.0.3") {
		t.Errorf("the metadata of werkzeug 3.0.3 was read:\n%s", text)
	}
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}
