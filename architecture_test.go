package main

// The package import graph is the one docs/architecture.md allows (section 2): every
// import points to a lower layer and is listed in the importer's row, and only tests and
// benchmarks use the test helper packages. An upward import, or a package or import the
// document does not know, fails here.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const modulePath = "github.com/lithops-fc/runtime-action"

// archRow is one package's row of the document's table.
type archRow struct {
	layer   int
	imports map[string]bool
	line    int
}

var (
	archRowRE  = regexp.MustCompile("^\\|\\s*(\\d+)\\s*\\|\\s*`([^`]+)`\\s*\\|[^|]*\\|([^|]*)\\|\\s*$")
	backtickRE = regexp.MustCompile("`([^`]+)`")
)

// readArchitecture reads the package table of the architecture document.
func readArchitecture(t *testing.T, r io.Reader) map[string]archRow {
	t.Helper()
	rows := map[string]archRow{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		m := archRowRE.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		layer, _ := strconv.Atoi(m[1])
		if _, dup := rows[m[2]]; dup {
			t.Errorf("docs/architecture.md:%d: %s has two rows", n, m[2])
		}
		row := archRow{layer: layer, imports: map[string]bool{}, line: n}
		for _, imp := range backtickRE.FindAllStringSubmatch(m[3], -1) {
			row.imports[imp[1]] = true
		}
		rows[m[2]] = row
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// isHelper reports whether pkg is a test helper package (its name ends in "test").
func isHelper(pkg string) bool { return strings.HasSuffix(pkg, "test") }

func isBench(pkg string) bool { return strings.HasPrefix(pkg, "bench/") }

// checkAllowed checks the document's own rules: imports point to lower layers, name
// known packages, and reach test helpers only from helpers and benchmarks.
func checkAllowed(rows map[string]archRow) []string {
	var problems []string
	for pkg, row := range rows {
		for imp := range row.imports {
			to, ok := rows[imp]
			switch {
			case !ok:
				problems = append(problems, fmt.Sprintf("docs/architecture.md:%d: %s may import %s, which has no row", row.line, pkg, imp))
			case to.layer >= row.layer:
				problems = append(problems, fmt.Sprintf("docs/architecture.md:%d: %s (layer %d) may import %s (layer %d): imports must point to a lower layer",
					row.line, pkg, row.layer, imp, to.layer))
			case isHelper(imp) && !isHelper(pkg) && !isBench(pkg):
				problems = append(problems, fmt.Sprintf("docs/architecture.md:%d: %s may import the test helper %s: only tests, helpers and benchmarks may", row.line, pkg, imp))
			}
		}
	}
	sort.Strings(problems)
	return problems
}

// goPackage is what go list -json says of a package.
type goPackage struct {
	ImportPath string
	Imports    []string
}

// modulePackages lists the module's packages with their imports of the module's own
// packages, paths relative to the module ("." for the root).
func modulePackages(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	rel := func(p string) string {
		if p == modulePath {
			return "."
		}
		return strings.TrimPrefix(p, modulePath+"/")
	}
	pkgs := map[string][]string{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p goPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("go list: %v", err)
		}
		var own []string
		for _, imp := range p.Imports {
			if imp == modulePath || strings.HasPrefix(imp, modulePath+"/") {
				own = append(own, rel(imp))
			}
		}
		pkgs[rel(p.ImportPath)] = own
	}
	return pkgs
}

// checkGraph checks the packages' imports against the document's rows.
func checkGraph(rows map[string]archRow, pkgs map[string][]string) []string {
	var problems []string
	for pkg, imports := range pkgs {
		row, ok := rows[pkg]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s has no row in docs/architecture.md: add one (layer, what it owns, what it may import)", pkg))
			continue
		}
		for _, imp := range imports {
			if !row.imports[imp] {
				problems = append(problems, fmt.Sprintf("%s imports %s, which docs/architecture.md:%d does not allow", pkg, imp, row.line))
			}
		}
	}
	for pkg, row := range rows {
		if _, ok := pkgs[pkg]; !ok {
			problems = append(problems, fmt.Sprintf("docs/architecture.md:%d: %s is not a package of the module", row.line, pkg))
		}
	}
	sort.Strings(problems)
	return problems
}

func TestImportGraph(t *testing.T) {
	f, err := os.Open("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := readArchitecture(t, f)
	if len(rows) < 10 {
		t.Fatalf("docs/architecture.md: %d package rows, want the whole table", len(rows))
	}
	for _, p := range append(checkAllowed(rows), checkGraph(rows, modulePackages(t))...) {
		t.Error(p)
	}
}

// TestImportGraphRules: the rules find what they are for, on a made-up table.
func TestImportGraphRules(t *testing.T) {
	doc := "| layer | package | owns | may import |\n|---|---|---|---|\n" +
		"| 0 | `internal/leaf` | a leaf | — |\n" +
		"| 1 | `internal/mid` | the middle | `internal/leaf`, `internal/top` |\n" +
		"| 2 | `internal/top` | the top | `internal/mid`, `internal/x/xtest` |\n" +
		"| 1 | `internal/x/xtest` | a helper | `internal/leaf` |\n"
	rows := readArchitecture(t, strings.NewReader(doc))
	allowed := strings.Join(checkAllowed(rows), "\n")
	for _, want := range []string{"internal/mid (layer 1) may import internal/top (layer 2)", "internal/top may import the test helper internal/x/xtest"} {
		if !strings.Contains(allowed, want) {
			t.Errorf("checkAllowed misses %q:\n%s", want, allowed)
		}
	}
	graph := strings.Join(checkGraph(rows, map[string][]string{
		"internal/leaf": {"internal/mid"}, "internal/mid": {"internal/leaf"}, "internal/top": nil, "internal/new": nil,
	}), "\n")
	for _, want := range []string{"internal/leaf imports internal/mid", "internal/new has no row", "internal/x/xtest is not a package of the module"} {
		if !strings.Contains(graph, want) {
			t.Errorf("checkGraph misses %q:\n%s", want, graph)
		}
	}
}
