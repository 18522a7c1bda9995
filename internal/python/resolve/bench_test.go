package resolve

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/python/index"
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

// BenchmarkResolveLatency resolves a wide graph (3 levels, 40 projects) from an
// HTTP index that answers every request after 5 ms, through the real client. With
// pages and metadata prefetched level by level the time is about 3 levels × 2
// requests × 5 ms, not 80 requests × 5 ms: "rtts" reports it in round trips.
func BenchmarkResolveLatency(b *testing.B) {
	u := newUniverse()
	var top []string
	for i := range 8 {
		mid := fmt.Sprintf("mid%d", i)
		top = append(top, mid)
		var leaves []string
		for j := range 4 {
			leaf := fmt.Sprintf("leaf%d-%d", i, j)
			leaves = append(leaves, leaf)
			u.add(b, testRelease{name: leaf, version: "1.0", requiresPython: ">=3"})
		}
		u.add(b, testRelease{name: mid, version: "1.0", requiresPython: ">=3", requires: leaves})
	}
	u.add(b, testRelease{name: "app", version: "1.0", requiresPython: ">=3", requires: top})
	srv := newIndexServer(b, u)
	const rtt = 5 * time.Millisecond
	srv.delay = rtt
	target := mustTarget(b, "3.12", 31)
	req := Request{Requirements: reqs(b, "requirements.txt", "app")}
	for b.Loop() {
		client, err := index.New(index.WithIndexURL(srv.URL+"/simple/"), index.WithWorkers(64))
		if err != nil {
			b.Fatal(err)
		}
		res, err := Resolve(context.Background(), client, target, req)
		if err != nil || len(res.Dists) != 41 {
			b.Fatalf("%v, %v", versionsOrNil(res), err)
		}
	}
	b.ReportMetric(float64(b.Elapsed())/float64(b.N)/float64(rtt), "rtts")
}
