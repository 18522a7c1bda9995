package resolve

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// graph is an in-memory universe for the solver alone: project → version →
// requirements (PEP 508 strings without extras or markers).
type graph map[string]map[string][]string

// graphProvider answers the solver from a graph: newest version first, stable
// releases before pre-releases.
type graphProvider struct {
	known map[string][]pep440.Version // oldest first
	deps  map[string][]string         // "name version" → requirements
}

func newGraphProvider(g graph) *graphProvider {
	gp := &graphProvider{known: map[string][]pep440.Version{}, deps: map[string][]string{}}
	for name, vs := range g {
		for v, reqs := range vs {
			pv := pep440.MustParse(v)
			gp.known[name] = append(gp.known[name], pv)
			gp.deps[name+" "+pv.String()] = reqs
		}
		slices.SortFunc(gp.known[name], pep440.Compare)
	}
	return gp
}

func (gp *graphProvider) candidate(_ context.Context, k pkgKey, r pep440.Range) (pep440.Version, bool, string, error) {
	vs := gp.known[k.name]
	var pre *pep440.Version
	for i := len(vs) - 1; i >= 0; i-- {
		if !r.Contains(vs[i]) {
			continue
		}
		if !vs[i].IsPrerelease() {
			return vs[i], true, "", nil
		}
		if pre == nil {
			pre = &vs[i]
		}
	}
	if pre != nil {
		return *pre, true, "", nil
	}
	if len(vs) == 0 {
		return pep440.Version{}, false, k.name + " does not exist", nil
	}
	return pep440.Version{}, false, "no version of " + describeVersions(k.name, nil, r) + " exists", nil
}

func (gp *graphProvider) dependencies(_ context.Context, k pkgKey, v pep440.Version) ([]dep, string, error) {
	reqs, ok := gp.deps[k.name+" "+v.String()]
	if !ok {
		return nil, "", fmt.Errorf("%s %s is not in the graph", k, v)
	}
	deps, err := parseDeps(reqs, "")
	return deps, "", err
}

func (gp *graphProvider) span(k pkgKey, v pep440.Version) pep440.Range {
	vs := gp.known[k.name]
	i := slices.IndexFunc(vs, v.Equal)
	return span(vs, i)
}

func (gp *graphProvider) describe(k pkgKey, r pep440.Range) string {
	return describeVersions(k.name, gp.known[k.name], r)
}

func parseDeps(reqs []string, origin string) ([]dep, error) {
	var deps []dep
	for _, s := range reqs {
		req, err := pep508.ParseRequirement(s)
		if err != nil {
			return nil, err
		}
		deps = append(deps, dep{key: pkgKey{name: req.NormalizedName()}, r: req.Specifier.Range(), text: s, origin: origin})
	}
	return deps, nil
}

// solveGraph resolves root in g and returns name → version, or the error.
func solveGraph(t testing.TB, g graph, root ...string) (map[string]string, *solver, error) {
	t.Helper()
	s := newSolver(newGraphProvider(g), nil)
	deps, err := parseDeps(root, "requirements.txt")
	if err != nil {
		t.Fatal(err)
	}
	s.rootDeps = deps
	if err := s.solve(context.Background()); err != nil {
		return nil, s, err
	}
	out := map[string]string{}
	for p, st := range s.st {
		if st.decided && !s.pkgs[p].isRoot() {
			out[s.pkgs[p].name] = st.version.String()
		}
	}
	return out, s, nil
}

// The examples of PubGrub's documentation (dart-lang/pub doc/solver.md), in PEP 440
// spelling: each exercises one part of the algorithm.
func TestSolverExamples(t *testing.T) {
	tests := []struct {
		name   string
		g      graph
		root   []string
		want   map[string]string
		report []string // the failure report, line by line
	}{
		{
			name: "no conflicts",
			g: graph{
				"foo": {"1.0.0": {"bar>=1,<2"}},
				"bar": {"1.0.0": nil, "1.1.0": nil, "2.0.0": nil},
			},
			root: []string{"foo>=1,<2"},
			want: map[string]string{"foo": "1.0.0", "bar": "1.1.0"},
		},
		{
			name: "avoiding conflict during decision making",
			g: graph{
				"foo": {"1.0.0": nil, "1.1.0": {"bar>=2,<3"}},
				"bar": {"1.0.0": nil, "1.1.0": nil, "2.0.0": nil},
			},
			root: []string{"foo>=1,<2", "bar>=1,<2"},
			want: map[string]string{"foo": "1.0.0", "bar": "1.1.0"},
		},
		{
			name: "performing conflict resolution",
			g: graph{
				"foo": {"1.0.0": nil, "2.0.0": {"bar>=1,<2"}},
				"bar": {"1.0.0": {"foo>=1,<2"}},
			},
			root: []string{"foo>=1"},
			want: map[string]string{"foo": "1.0.0"},
		},
		{
			name: "conflict resolution with a partial satisfier",
			g: graph{
				"foo":    {"1.0.0": nil, "1.1.0": {"left>=1,<2", "right>=1,<2"}},
				"left":   {"1.0.0": {"shared>=1"}},
				"right":  {"1.0.0": {"shared<1"}},
				"shared": {"1.0.0": {"target>=1,<2"}, "2.0.0": nil},
				"target": {"1.0.0": nil, "2.0.0": nil},
			},
			root: []string{"foo>=1,<2", "target>=2,<3"},
			want: map[string]string{"foo": "1.0.0", "target": "2.0.0"},
		},
		{
			name: "linear error reporting",
			g: graph{
				"foo": {"1.0.0": {"bar>=2,<3"}},
				"bar": {"2.0.0": {"baz>=3,<4"}},
				"baz": {"1.0.0": nil, "3.0.0": nil},
			},
			root: []string{"foo>=1,<2", "baz>=1,<2"},
			report: []string{
				"Because foo depends on bar>=2,<3 and bar depends on baz>=3,<4, foo requires baz 3.0.0.",
				"So, because requirements.txt requires foo>=1,<2 and requirements.txt requires baz>=1,<2, the requirements cannot be satisfied together.",
			},
		},
		{
			name: "branching error reporting",
			g: graph{
				"foo": {"1.0.0": {"a>=1,<2", "b>=1,<2"}, "1.1.0": {"x>=1,<2", "y>=1,<2"}},
				"a":   {"1.0.0": {"b>=2,<3"}},
				"b":   {"1.0.0": nil, "2.0.0": nil},
				"x":   {"1.0.0": {"y>=2,<3"}},
				"y":   {"1.0.0": nil, "2.0.0": nil},
			},
			root: []string{"foo>=1,<2"},
			report: []string{
				"    Because a depends on b>=2,<3 and foo 1.0.0 depends on a>=1,<2, foo 1.0.0 requires b 2.0.0.",
				"(1) So, because foo 1.0.0 depends on b>=1,<2, foo 1.0.0 cannot be used.",
				"",
				"    Because x depends on y>=2,<3 and foo 1.1.0 depends on x>=1,<2, foo 1.1.0 requires y 2.0.0.",
				"    And because foo 1.1.0 depends on y>=1,<2, foo 1.1.0 cannot be used.",
				"    And because foo 1.0.0 cannot be used (1), foo cannot be used.",
				"    So, because requirements.txt requires foo>=1,<2, the requirements cannot be satisfied together.",
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, err := solveGraph(t, tc.g, tc.root...)
			if tc.report != nil {
				var ns *NoSolutionError
				if !errors.As(err, &ns) {
					t.Fatalf("got %v, %v; want a NoSolutionError", got, err)
				}
				if want := strings.Join(tc.report, "\n"); ns.Report != want {
					t.Errorf("report:\n%s\nwant:\n%s", ns.Report, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
