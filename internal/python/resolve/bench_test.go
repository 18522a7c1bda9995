package resolve

import (
	"fmt"
	"testing"
)

// layeredGraph builds depth layers of width projects with n versions each. Version v
// of a project needs version v of two projects of the next layer, and the user pins
// one project of the last layer to version 1: the newest versions, tried first,
// all fail deep down, and the solver must learn its way back to version 1 of
// everything connected.
func layeredGraph(width, depth, n int) (graph, []string) {
	name := func(l, i int) string { return fmt.Sprintf("p%d-%d", l, i) }
	g := graph{}
	for l := range depth {
		for i := range width {
			vs := map[string][]string{}
			for v := 1; v <= n; v++ {
				var deps []string
				if l+1 < depth {
					deps = []string{fmt.Sprintf("%s==%d.0", name(l+1, i), v), fmt.Sprintf("%s==%d.0", name(l+1, (i+1)%width), v)}
				}
				vs[fmt.Sprintf("%d.0", v)] = deps
			}
			g[name(l, i)] = vs
		}
	}
	var root []string
	for i := range width {
		root = append(root, name(0, i))
	}
	return g, append(root, name(depth-1, 0)+"==1.0")
}

func TestLayeredGraph(t *testing.T) {
	g, root := layeredGraph(5, 6, 20)
	got, s, err := solveGraph(t, g, root...)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 30 {
		t.Errorf("%d packages: %v", len(got), got)
	}
	for p, v := range got {
		if v != "1.0" {
			t.Errorf("%s %s, want 1.0", p, v)
		}
	}
	if s.conflicts == 0 {
		t.Error("no conflict: the graph does not exercise backtracking")
	}
}

// BenchmarkSolver runs PubGrub alone (no index) on layered graphs that need
// backtracking.
func BenchmarkSolver(b *testing.B) {
	for _, size := range []struct{ width, depth, n int }{{5, 6, 20}, {10, 10, 50}, {20, 10, 100}} {
		g, root := layeredGraph(size.width, size.depth, size.n)
		b.Run(fmt.Sprintf("%dx%dx%d", size.width, size.depth, size.n), func(b *testing.B) {
			var s *solver
			for b.Loop() {
				var err error
				if _, s, err = solveGraph(b, g, root...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(s.decisions), "decisions")
			b.ReportMetric(float64(s.conflicts), "conflicts")
		})
	}
}
