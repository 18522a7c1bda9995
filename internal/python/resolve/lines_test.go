package resolve

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
)

// TestFailuresNameEveryLine: a failure of resolution says which lines of the
// requirements and constraints it rests on, every one of them, so that each can be
// annotated.
func TestFailuresNameEveryLine(t *testing.T) {
	u := webapp(t)
	target := mustTarget(t, "3.12", 31)
	tests := []struct {
		name  string
		req   Request
		lines []string
	}{
		{
			name:  "a conflict through a dependency",
			req:   Request{Requirements: reqs(t, "requirements.txt", "click", "Flask==3.0.3", "Werkzeug<3")},
			lines: []string{"requirements.txt:2", "requirements.txt:3"},
		},
		{
			name: "a constraint against a requirement",
			req: Request{Requirements: reqs(t, "requirements.txt", "Flask>=3"),
				Constraints: reqs(t, "constraints.txt", "tomli", "Flask<3")},
			lines: []string{"requirements.txt:1", "constraints.txt:2"},
		},
		{
			name:  "a project no index has",
			req:   Request{Requirements: reqs(t, "requirements.txt", "click", "no-such-project")},
			lines: []string{"requirements.txt:2"},
		},
		{
			name:  "no wheel for the target",
			req:   Request{Requirements: reqs(t, "requirements.txt", "MarkupSafe==2.1.5")},
			lines: []string{"requirements.txt:1"},
		},
		{
			name:  "a specifier nothing matches",
			req:   Request{Requirements: reqs(t, "requirements.txt", "click", "click>2,<1")},
			lines: []string{"requirements.txt:2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			target := target
			if tt.name == "no wheel for the target" {
				target = mustTarget(t, "3.11", 31) // MarkupSafe 2.1.5 has cp310 and cp312 wheels only
			}
			_, err := resolveMem(t, u, target, tt.req)
			var ns *NoSolutionError
			if !errors.As(err, &ns) {
				t.Fatalf("error %v, want a *NoSolutionError", err)
			}
			got := slices.Clone(ns.Lines)
			slices.Sort(got)
			want := slices.Clone(tt.lines)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("lines %q, want %q\n%s", ns.Lines, tt.lines, ns)
			}
		})
	}
}

// TestDuplicatesMerged: the same requirement on many lines is one dependency for the
// solver, which remembers every line; a conflict with it names them.
func TestDuplicatesMerged(t *testing.T) {
	u := webapp(t)
	target := mustTarget(t, "3.12", 31)
	lines := make([]string, 5000)
	for i := range lines {
		lines[i] = "Flask"
	}
	lines = append(lines, "flask[async]")
	var log []string
	res, err := Resolve(context.Background(), newMemSource(u), target, Request{Requirements: reqs(t, "requirements.txt", lines...)},
		WithLog(func(f string, a ...any) { log = append(log, fmt.Sprintf(f, a...)) }))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(log, "4999 requirement lines repeat an earlier one: merged with it") {
		t.Errorf("no line says the duplicates were merged:\n%s", strings.Join(log[:min(len(log), 5)], "\n"))
	}
	if res.Stats.Decisions > 20 {
		t.Errorf("%d decisions for one project and its dependencies", res.Stats.Decisions)
	}

	lines = append(lines[:5000], "Werkzeug<2")
	_, err = resolveMem(t, u, target, Request{Requirements: reqs(t, "requirements.txt", lines...)})
	var ns *NoSolutionError
	if !errors.As(err, &ns) {
		t.Fatalf("error %v", err)
	}
	if len(ns.Lines) < 5000 || !strings.Contains(ns.Report, "requirements.txt:1 (and 4999 more lines) requires Flask") {
		t.Errorf("%d lines; report:\n%s", len(ns.Lines), ns.Report)
	}
}

// BenchmarkDuplicateLines parses and resolves a requirements file of 100,000 lines that
// all say the same (a PR can write one): parsing is linear in the lines, and resolving
// costs about what one line costs.
func BenchmarkDuplicateLines(b *testing.B) {
	u := webapp(b)
	target := mustTarget(b, "3.12", 31)
	dir := b.TempDir()
	path := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("Flask>=3\n", 100000)), 0o644); err != nil {
		b.Fatal(err)
	}
	parse := func() *reqfile.File {
		f, err := reqfile.Parse(context.Background(), path, reqfile.WithWorkDir(dir), reqfile.WithWorkspace(dir))
		if err != nil {
			b.Fatal(err)
		}
		return f
	}
	b.Run("parse", func(b *testing.B) {
		for b.Loop() {
			parse()
		}
	})
	req := RequestFromFile(parse())
	b.Run("resolve", func(b *testing.B) {
		for b.Loop() {
			res, err := Resolve(context.Background(), newMemSource(u), target, req)
			if err != nil || len(res.Dists) != 5 {
				b.Fatal(fmt.Sprint(err))
			}
		}
	})
}
