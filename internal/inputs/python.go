package inputs

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/tomlshape"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// Python is the workflow's Python version and where it was found.
type Python struct {
	Version string // major.minor, e.g. "3.10"
	Full    string // major.minor.patch when the source names one, e.g. "3.10.14"
	Source  string // e.g. "input python-version", "pythonLocation", ".python-version"
	File    string // workspace-relative file the version came from, if any
	Line    int    // 1-based line in File, if known
	Notice  string // set when the choice should be told to the user
}

// Where says where the version came from, e.g. ".python-version:1" or "input python-version".
func (p Python) Where() string {
	if p.File == "" {
		return p.Source
	}
	if p.Line > 0 {
		return p.File + ":" + strconv.Itoa(p.Line)
	}
	return p.File
}

func (p Python) String() string {
	v := p.Version
	if p.Full != "" {
		v = p.Full
	}
	return fmt.Sprintf("Python %s (from %s)", v, p.Where())
}

// Runtime returns FC's runtime for p under api. When FC does not offer p there, the
// error is an *Error naming python-version and where p came from, with the versions FC
// offers.
func (p Python) Runtime(api fcruntime.API) (fcruntime.Runtime, error) {
	rt, err := fcruntime.ForPython(api, p.Version)
	if err != nil {
		problem := err.Error()
		if p.File == "" && p.Source != SourceInput {
			problem = fmt.Sprintf("%s, found by %s", problem, p.Source)
		}
		return rt, &Error{
			Input:   "python-version",
			Problem: problem,
			Fix:     "use one of those with the python-version input or actions/setup-python, or choose another Lithops version (fc-api)",
			File:    p.File,
			Line:    p.Line,
		}
	}
	return rt, nil
}

// Detection sources, first match wins (the README's python-version input).
const (
	SourceInput          = "input python-version"
	SourcePythonLocation = "pythonLocation (actions/setup-python)"
	SourcePythonVersion  = ".python-version"
	SourceToolVersions   = ".tool-versions"
	SourcePyproject      = "pyproject.toml"
)

// versionWordRE matches the start of a pyenv/asdf version word: "3.10", "3.10.14",
// "3.10-dev", "3.12.0rc1", "3.10.14/envs/venv".
var (
	versionWordRE = regexp.MustCompile(`^3\.(\d+)(?:\.(\d+))?([-a-z0-9./]*)$`)
	toolCacheRE   = regexp.MustCompile(`^3\.\d+\.\d+`)
)

// DetectPython finds the workflow's Python version: the python-version input, then
// pythonLocation (only its version: the tool cache is not mounted in a container action),
// .python-version, .tool-versions, then pyproject.toml's requires-python, where the
// highest of offered that it allows is chosen (with a Notice). offered is what FC offers
// for the API in use; nil means every runtime FC has. Files are read from c.Workspace.
// Checking the version against FC is the caller's (Python.Runtime).
func DetectPython(c Config, getenv func(string) string, offered []fcruntime.Runtime) (Python, error) {
	if c.PythonVersion != "" {
		return fromWord(c.PythonVersion, SourceInput, "", 0), nil
	}
	if loc := getenv("pythonLocation"); loc != "" {
		if p, ok := fromPythonLocation(loc); ok {
			return p, nil
		}
	}
	for _, read := range []func(string) (Python, bool, error){readPythonVersion, readToolVersions} {
		if p, ok, err := read(c.Workspace); err != nil || ok {
			return p, err
		}
	}
	if offered == nil {
		offered = fcruntime.All()
	}
	p, ok, err := readPyproject(c.Workspace, offered)
	if err != nil || ok {
		return p, err
	}
	return Python{}, &Error{
		Input:   "python-version",
		Problem: "no Python version found (no python-version input, no actions/setup-python, and no .python-version, .tool-versions or pyproject.toml requires-python in the workspace)",
		Fix:     "set python-version (e.g. python-version: '3.10'), or run actions/setup-python before this step; it must match the Python of your Lithops client",
	}
}

// fromWord makes a Python from a version word already known to match versionWordRE or
// pythonVersionRE.
func fromWord(w, source, file string, line int) Python {
	m := versionWordRE.FindStringSubmatch(w)
	p := Python{Version: "3." + m[1], Source: source, File: file, Line: line}
	if m[2] != "" && (m[3] == "" || strings.HasPrefix(m[3], "/")) {
		p.Full = p.Version + "." + m[2]
	}
	return p
}

// fromPythonLocation reads the version out of a tool-cache path such as
// /opt/hostedtoolcache/Python/3.10.14/x64.
func fromPythonLocation(loc string) (Python, bool) {
	for _, part := range strings.Split(filepath.ToSlash(loc), "/") {
		if v := toolCacheRE.FindString(part); v != "" {
			p := fromWord(v, SourcePythonLocation, "", 0)
			return p, true
		}
	}
	return Python{}, false
}

// readPythonVersion reads pyenv's .python-version: the first version word is the one
// pyenv uses; '#' starts a comment.
func readPythonVersion(ws string) (Python, bool, error) {
	return scanVersionFile(ws, SourcePythonVersion, func(fields []string) (string, bool) {
		return fields[0], true
	})
}

// readToolVersions reads asdf's .tool-versions: "python 3.10.14 3.9.1", the first
// version is the one asdf uses.
func readToolVersions(ws string) (Python, bool, error) {
	return scanVersionFile(ws, SourceToolVersions, func(fields []string) (string, bool) {
		if fields[0] != "python" || len(fields) < 2 {
			return "", false
		}
		return fields[1], true
	})
}

func scanVersionFile(ws, name string, pick func([]string) (string, bool)) (Python, bool, error) {
	data, err := readWorkspaceFile(ws, name)
	if errors.Is(err, os.ErrNotExist) {
		return Python{}, false, nil
	}
	if err != nil {
		return Python{}, false, &Error{Input: "python-version", File: name, Problem: "cannot read the file: " + err.Error(), Fix: "fix it, or set python-version"}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line, _, _ := strings.Cut(sc.Text(), "#")
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		w, ok := pick(fields)
		if !ok {
			continue
		}
		if m := versionWordRE.FindStringSubmatch(w); m != nil {
			if minor, _ := strconv.Atoi(m[1]); minor >= 6 {
				return fromWord(w, name, name, n), true, nil
			}
		}
		return Python{}, false, &Error{
			Input: "python-version", File: name, Line: n,
			Problem: fmt.Sprintf("%s is not a CPython version FC can run", urlcred.Quote(w)),
			Fix:     "write a version such as 3.10 or 3.10.14 there, or set the python-version input",
		}
	}
	if err := sc.Err(); err != nil {
		// Else the file would read as empty and a later source would win unseen.
		return Python{}, false, &Error{Input: "python-version", File: name, Problem: "cannot read the file: " + err.Error(), Fix: "write the version alone on a line, or set python-version"}
	}
	return Python{}, false, nil
}

// readPyproject reads [project] requires-python from pyproject.toml and picks the highest
// offered Python it allows.
func readPyproject(ws string, offered []fcruntime.Runtime) (Python, bool, error) {
	const name = SourcePyproject
	data, err := readWorkspaceFile(ws, name)
	if errors.Is(err, os.ErrNotExist) {
		return Python{}, false, nil
	}
	if err != nil {
		return Python{}, false, &Error{Input: "python-version", File: name, Problem: "cannot read the file: " + err.Error(), Fix: "fix it, or set python-version"}
	}
	// A pull request can edit this file, and the TOML decoder's time grows with the
	// square of the nesting depth: refuse deep nesting before it decodes.
	if line, problem := tomlshape.Check(data); problem != "" {
		return Python{}, false, &Error{Input: "python-version", File: name, Line: line, Problem: "invalid TOML: " + problem, Fix: "fix the file or set python-version"}
	}
	// Decoded loosely, so that valid TOML of the wrong shape gets its own message.
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		e := &Error{Input: "python-version", File: name, Problem: "invalid TOML: " + err.Error(), Fix: "fix the file or set python-version"}
		var pe toml.ParseError
		if errors.As(err, &pe) {
			e.Line = pe.Position.Line
			e.Problem = "invalid TOML: " + pe.Message
		}
		return Python{}, false, e
	}
	project, ok := doc["project"]
	if !ok {
		return Python{}, false, nil
	}
	table, ok := project.(map[string]any)
	if !ok {
		return Python{}, false, &Error{Input: "python-version", File: name, Line: keyLine(data, "", "project"),
			Problem: fmt.Sprintf("project is %s, not a table", tomlKind(project)), Fix: "write it as a [project] table (PEP 621), or set python-version"}
	}
	raw, ok := table["requires-python"]
	if !ok {
		return Python{}, false, nil
	}
	spec, ok := raw.(string)
	if !ok {
		return Python{}, false, &Error{Input: "python-version", File: name, Line: keyLine(data, "project", "requires-python"),
			Problem: fmt.Sprintf("requires-python is %s, not a string", tomlKind(raw)), Fix: `quote it, e.g. requires-python = ">=3.10", or set python-version`}
	}
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return Python{}, false, nil
	}
	line := keyLine(data, "project", "requires-python")
	allows, err := specifierAllows(spec)
	if err != nil {
		return Python{}, false, &Error{Input: "python-version", File: name, Line: line,
			Problem: fmt.Sprintf("requires-python: %v", err), Fix: "fix the specifier or set python-version"}
	}
	var best *fcruntime.Runtime
	var listed []string
	for i, rt := range offered {
		listed = append(listed, rt.Python)
		if allows(rt.Python) && (best == nil || pyLess(best.Python, rt.Python)) {
			best = &offered[i]
		}
	}
	if best == nil {
		return Python{}, false, &Error{Input: "python-version", File: name, Line: line,
			Problem: fmt.Sprintf("requires-python %q allows none of the Pythons FC offers (%s)", spec, strings.Join(listed, ", ")),
			Fix:     "set python-version to the Python of your Lithops client"}
	}
	p := Python{Version: best.Python, Source: name, File: name, Line: line}
	p.Notice = fmt.Sprintf("Python %s chosen from requires-python %q in %s: the highest FC offers (%s) that it allows; set python-version to choose another",
		p.Version, spec, p.Where(), strings.Join(listed, ", "))
	return p, true, nil
}

// tomlKind names the TOML type of a decoded value, for messages.
func tomlKind(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64, float64:
		return "a number"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	default:
		return "a date or time"
	}
}

// pyLess orders major.minor strings numerically ("3.9" < "3.10").
func pyLess(a, b string) bool {
	am, _ := strconv.Atoi(strings.TrimPrefix(a, "3."))
	bm, _ := strconv.Atoi(strings.TrimPrefix(b, "3."))
	return am < bm
}

// keyLine finds the 1-based line of key in [table] of a TOML file, or 0. TOML decoders do
// not report key positions; this covers the usual layout ("key = ..." under "[table]").
func keyLine(data []byte, table, key string) int {
	cur := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		l := strings.TrimSpace(sc.Text())
		if strings.HasPrefix(l, "[") {
			cur = strings.Trim(strings.TrimSpace(strings.Trim(l, "[]")), " ")
			continue
		}
		k, _, ok := strings.Cut(l, "=")
		if ok && cur == table && strings.Trim(strings.TrimSpace(k), `"'`) == key {
			return n
		}
	}
	return 0
}

// maxVersionFile bounds the version files read from the workspace; real ones are small.
const maxVersionFile = 1 << 20

// readWorkspaceFile reads a file of the workspace's root that the repository provides
// (.python-version, a symbolic link, say): confined to the workspace (see package
// workspace) and bounded.
func readWorkspaceFile(ws, name string) ([]byte, error) {
	f, err := workspace.New(ws).Open(filepath.Join(ws, name))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxVersionFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxVersionFile {
		return nil, fmt.Errorf("larger than %d KiB", maxVersionFile>>10)
	}
	return data, nil
}
