package inputs_test

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// The action's contract lives in four places: action.yml (what the workflow sees), the
// Config tags (the inputs the code reads), the Outputs tags (what it can set) and the
// README's tables. These tests keep them in step: names, order, defaults, descriptions.

func repoRoot(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

type ymlEntry struct {
	name  string
	props map[string]string
}

type actionYML struct {
	top     map[string]string // top-level scalars
	runs    map[string]string
	inputs  []ymlEntry
	outputs []ymlEntry
}

// readActionYML reads action.yml in the plain layout it is written in (two-space indents,
// one scalar per line). It fails on anything else inside inputs, outputs and runs, so a
// layout change is noticed here rather than silently misread; actionlint checks the YAML
// itself.
func readActionYML(t *testing.T) actionYML {
	t.Helper()
	f, err := os.Open(filepath.Join(repoRoot(t), "action.yml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	a := actionYML{top: map[string]string{}, runs: map[string]string{}}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		key, raw, ok := strings.Cut(trimmed, ":")
		if !ok {
			t.Fatalf("action.yml:%d: not a key: %q", n, line)
		}
		value := yamlScalar(t, n, strings.TrimSpace(raw))
		switch {
		case indent == 0:
			section = key
			if value != "" {
				a.top[key] = value
			}
		case section == "runs" && indent == 2:
			a.runs[key] = value
		case (section == "inputs" || section == "outputs") && indent == 2 && value == "":
			e := ymlEntry{name: key, props: map[string]string{}}
			if section == "inputs" {
				a.inputs = append(a.inputs, e)
			} else {
				a.outputs = append(a.outputs, e)
			}
		case (section == "inputs" || section == "outputs") && indent == 4:
			list := &a.inputs
			if section == "outputs" {
				list = &a.outputs
			}
			if len(*list) == 0 {
				t.Fatalf("action.yml:%d: property outside an entry", n)
			}
			(*list)[len(*list)-1].props[key] = value
		case section == "branding" && indent == 2:
		default:
			t.Fatalf("action.yml:%d: unexpected layout: %q", n, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return a
}

func yamlScalar(t *testing.T, line int, s string) string {
	switch {
	case strings.HasPrefix(s, "'"):
		if len(s) < 2 || !strings.HasSuffix(s, "'") {
			t.Fatalf("action.yml:%d: unterminated quote: %s", line, s)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
	case strings.HasPrefix(s, `"`):
		u, err := strconv.Unquote(s)
		if err != nil {
			t.Fatalf("action.yml:%d: %v", line, err)
		}
		return u
	case strings.HasPrefix(s, "|") || strings.HasPrefix(s, ">") || strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{"):
		t.Fatalf("action.yml:%d: block and flow values are not used here: %s", line, s)
	}
	return s
}

// readmeTable returns the rows of the first table after the heading, as cells.
func readmeTable(t *testing.T, heading string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(data), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q heading", heading)
	}
	var rows [][]string
	for _, line := range strings.Split(after, "\n") {
		if !strings.HasPrefix(line, "|") {
			if len(rows) > 0 {
				break
			}
			continue
		}
		// Split on pipes not escaped with a backslash.
		var cells []string
		cur := ""
		for i := 1; i < len(line); i++ {
			switch {
			case line[i] == '\\' && i+1 < len(line) && line[i+1] == '|':
				cur += "|"
				i++
			case line[i] == '|':
				cells = append(cells, strings.TrimSpace(cur))
				cur = ""
			default:
				cur += string(line[i])
			}
		}
		rows = append(rows, cells)
	}
	if len(rows) < 2 {
		t.Fatalf("README.md %q: no table", heading)
	}
	return rows[2:] // header and delimiter row
}

var codeSpanRE = regexp.MustCompile("^`([^`]*)`$")

func TestActionYMLMatchesConfig(t *testing.T) {
	a := readActionYML(t)
	var want, got []string
	fields := map[string]inputs.Field{}
	for _, f := range inputs.Fields() {
		if !f.FlagOnly {
			want = append(want, f.Name)
			fields[f.Name] = f
		}
	}
	for _, e := range a.inputs {
		got = append(got, e.name)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("action.yml inputs vs Config tags (-Config +action.yml):\n%s", diff)
	}
	for _, e := range a.inputs {
		f := fields[e.name]
		for k := range e.props {
			if k != "description" && k != "default" {
				t.Errorf("input %s: key %q (only description and default are used)", e.name, k)
			}
		}
		if e.props["description"] != f.Usage {
			t.Errorf("input %s: action.yml description %q, Config usage %q", e.name, e.props["description"], f.Usage)
		}
		if d, ok := e.props["default"]; ok != (f.Default != "") || d != f.Default {
			t.Errorf("input %s: action.yml default %q (set %v), Config default %q", e.name, d, ok, f.Default)
		}
	}
}

func TestActionYMLMatchesOutputs(t *testing.T) {
	a := readActionYML(t)
	var want, got []string
	usage := map[string]string{}
	for _, f := range report.OutputFields() {
		want = append(want, f.Name)
		usage[f.Name] = f.Usage
	}
	for _, e := range a.outputs {
		got = append(got, e.name)
		if e.props["description"] != usage[e.name] {
			t.Errorf("output %s: action.yml description %q, Outputs usage %q", e.name, e.props["description"], usage[e.name])
		}
		if len(e.props) != 1 {
			t.Errorf("output %s: a docker action's output has only a description, got %v", e.name, e.props)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("action.yml outputs vs Outputs tags (-Outputs +action.yml):\n%s", diff)
	}
}

func TestActionYMLRunsTheDockerfile(t *testing.T) {
	a := readActionYML(t)
	want := map[string]string{"using": "docker", "image": "Dockerfile"}
	if diff := cmp.Diff(want, a.runs); diff != "" {
		// No entrypoint or args here: the Dockerfile's exec-form ENTRYPOINT runs the binary,
		// and actionlint would read an entrypoint as a file of the repository.
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	for _, k := range []string{"name", "description"} {
		if a.top[k] == "" {
			t.Errorf("action.yml has no %s", k)
		}
	}
}

func TestREADMETablesMatchActionYML(t *testing.T) {
	a := readActionYML(t)
	rows := readmeTable(t, "## Inputs")
	var want, got []string
	for _, e := range a.inputs {
		want = append(want, e.name)
	}
	for i, r := range rows {
		if len(r) != 3 {
			t.Fatalf("README inputs row %d has %d cells: %q", i, len(r), r)
		}
		m := codeSpanRE.FindStringSubmatch(r[0])
		if m == nil {
			t.Fatalf("README inputs row %d: name %q is not a code span", i, r[0])
		}
		got = append(got, m[1])
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("README inputs vs action.yml (-action.yml +README):\n%s", diff)
	}
	for i, e := range a.inputs {
		cell := rows[i][1]
		d, hasDefault := e.props["default"]
		m := codeSpanRE.FindStringSubmatch(cell)
		switch {
		case hasDefault && (m == nil || m[1] != d):
			t.Errorf("README default of %s is %q, action.yml says `%s`", e.name, cell, d)
		case !hasDefault && (m != nil || cell == ""):
			// Without a literal default the cell says in words what happens.
			t.Errorf("README default of %s is %q, but action.yml has none: describe it in words", e.name, cell)
		}
	}

	rows = readmeTable(t, "## Outputs")
	want, got = nil, nil
	for _, e := range a.outputs {
		want = append(want, e.name)
	}
	for _, r := range rows {
		if m := codeSpanRE.FindStringSubmatch(r[0]); m != nil {
			got = append(got, m[1])
		} else {
			got = append(got, r[0])
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("README outputs vs action.yml (-action.yml +README):\n%s", diff)
	}
}

func TestDockerfileFollowsContainerActionRules(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var froms []string
	var entrypoints []string
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "USER":
			t.Errorf("Dockerfile has %q: container actions must run as root to write the runner's files", line)
		case "FROM":
			froms = append(froms, fields[1])
		case "ENTRYPOINT":
			entrypoints = append(entrypoints, strings.TrimSpace(strings.TrimPrefix(line, fields[0])))
		}
	}
	if len(froms) < 2 || froms[len(froms)-1] != "gcr.io/distroless/static-debian12" {
		t.Errorf("stages %v: want a build stage and a final gcr.io/distroless/static-debian12", froms)
	}
	if len(entrypoints) != 1 || !regexp.MustCompile(`^\["/[^"]+"\]$`).MatchString(entrypoints[0]) {
		t.Errorf("ENTRYPOINT %v: want one, in exec form with an absolute path", entrypoints)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "go build"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("Dockerfile does not build with %s", want)
		}
	}
}
