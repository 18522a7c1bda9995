package pylock

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/tomlshape"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// maxSize bounds a lock file (and so the decoder's time: BenchmarkParseWorstShape); one
// with a thousand packages is about 400 KB.
const maxSize = 2 << 20

// Error is a problem in a lock file. It renders as "pylock.toml:12: <what is wrong>
// (<what to do>)"; Line is 0 when no line can be named.
type Error struct {
	File string
	Line int
	Msg  string // URLs in it carry no credentials
	Hint string
	Err  error
}

func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	s += ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Fault says where the problem is, for annotations: the lock file's line (line 0 for
// the file as a whole).
func (e *Error) Fault() (title string, places []string) {
	if e.File == "" {
		return "", nil
	}
	return "lock", []string{e.File + ":" + strconv.Itoa(e.Line)}
}

// ReadFile reads and parses the lock file at path; errors name it as path.
func ReadFile(ctx context.Context, path string) (*Lock, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read lock %s: %w", path, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot open the lock file: " + pathErr(err).Error(), Hint: "check the path", Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot read the lock file: " + pathErr(err).Error(), Err: err}
	}
	return Parse(path, data)
}

func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// Parse reads a pylock.toml; name is the file's name in errors. It refuses what this
// action cannot deploy exactly: a package without a version, with no wheel or several,
// or a wheel without a sha256, url or path, or whose file name is not the package's.
func Parse(name string, data []byte) (*Lock, error) {
	fail := func(line int, msg, hint string, err error) error {
		return &Error{File: name, Line: line, Msg: urlcred.RedactText(msg), Hint: hint, Err: err}
	}
	if len(data) > maxSize {
		return nil, fail(0, fmt.Sprintf("the lock file is larger than %d MiB", maxSize>>20), "is this really a pylock.toml?", nil)
	}
	if !utf8.Valid(data) {
		return nil, fail(0, "the lock file is not UTF-8 text", "", nil)
	}
	if line, msg := tomlshape.Check(data); msg != "" {
		return nil, fail(line, msg, "a pylock.toml nests at most a few levels", nil)
	}
	var doc map[string]any
	if _, err := toml.Decode(string(data), &doc); err != nil {
		var pe toml.ParseError
		if errors.As(err, &pe) {
			return nil, fail(pe.Position.Line, "not valid TOML: "+pe.Message, "", err)
		}
		return nil, fail(0, "not valid TOML: "+err.Error(), "", err)
	}
	loc := newLocator(string(data))
	l, p := decode(doc)
	if p == nil {
		p = l.validate()
	}
	if p != nil {
		return nil, fail(loc.find(p.table, p.index, p.key), p.msg, p.hint, nil)
	}
	l.Path, l.lines = name, loc
	return l, nil
}

// decode converts the TOML document into a Lock, checking the types of the keys this
// action reads; keys it does not know are ignored, as PEP 751 asks.
func decode(doc map[string]any) (*Lock, *problem) {
	l := &Lock{}
	d := fields{table: tableTop, m: doc}
	d.str("lock-version", &l.LockVersion, true)
	d.strs("environments", &l.Environments)
	d.str("requires-python", &l.RequiresPython, false)
	d.strs("extras", &l.Extras)
	d.strs("dependency-groups", &l.DependencyGroups)
	d.strs("default-groups", &l.DefaultGroups)
	d.str("created-by", &l.CreatedBy, false)
	if d.err != nil {
		return nil, d.err
	}
	pkgs, p := tableArray(d, "packages")
	if p != nil {
		return nil, p
	}
	for i, m := range pkgs {
		pkg, p := decodePackage(m, i)
		if p != nil {
			return nil, p
		}
		l.Packages = append(l.Packages, pkg)
	}
	tool, p := table(d, "tool")
	if p != nil || tool == nil {
		return l, p
	}
	ours, p := table(fields{table: "tool", m: tool}, ToolTable)
	if p != nil || ours == nil {
		return l, p
	}
	t := fields{table: tableTool, m: ours}
	t.strs("excluded", &l.Excluded)
	if t.err != nil {
		return nil, t.err
	}
	target, p := table(t, "target")
	if p != nil {
		return nil, p
	}
	reqs, p := tableArray(t, "requirements")
	if p != nil {
		return nil, p
	}
	if target == nil && reqs == nil {
		return l, nil
	}
	if target == nil || !t.has("requirements") {
		return nil, &problem{table: tableTool, msg: "[tool." + ToolTable + "] records only part of what the lock was made from",
			hint: "it needs both requirements and [tool." + ToolTable + ".target]; make the lock again with this action"}
	}
	o := &Origin{Requirements: []File{}}
	tf := fields{table: tableTarget, m: target}
	var glibc, manylinux, api string
	tf.str("python", &o.Target.Python, true)
	tf.str("fc-runtime", &o.Target.FCRuntime, true)
	tf.str("fc-api", &api, true)
	tf.str("glibc", &glibc, true)
	tf.str("manylinux", &manylinux, false)
	tf.str("lithops", &o.Target.Lithops, true)
	if tf.err != nil {
		return nil, tf.err
	}
	o.Target.FCAPI = fcruntime.API(api)
	g, ok := parseGlibc(glibc)
	if !ok {
		return nil, &problem{table: tableTarget, key: "glibc", msg: fmt.Sprintf("[tool.%s.target] glibc %q: want 2.N, like 2.28", ToolTable, glibc)}
	}
	o.Target.Glibc = g
	if manylinux != "" && manylinux != o.Target.Manylinux() {
		return nil, &problem{table: tableTarget, key: "manylinux", msg: fmt.Sprintf("[tool.%s.target] manylinux %q does not match glibc %s (%s)", ToolTable, manylinux, glibc, o.Target.Manylinux())}
	}
	for _, m := range reqs {
		f := fields{table: tableTool, key: "requirements", m: m}
		var file File
		f.str("path", &file.Path, true)
		f.str("sha256", &file.SHA256, true)
		if f.err != nil {
			return nil, f.err
		}
		o.Requirements = append(o.Requirements, file)
	}
	l.Origin = o
	return l, nil
}

func decodePackage(m map[string]any, i int) (Package, *problem) {
	var pkg Package
	f := fields{table: tablePackage, index: i, m: m}
	f.str("name", &pkg.Name, true)
	f.str("version", &pkg.Version, false)
	f.str("marker", &pkg.Marker, false)
	f.str("requires-python", &pkg.RequiresPython, false)
	f.str("index", &pkg.Index, false)
	if f.err != nil {
		return pkg, f.err
	}
	where := func(key, msg, hint string) *problem {
		return &problem{table: tablePackage, index: i, key: key, msg: "package " + pkg.Name + ": " + msg, hint: hint}
	}
	wheels, p := tableArray(f, "wheels")
	if p != nil {
		return pkg, p
	}
	switch {
	case len(wheels) == 0:
		kind := ""
		for _, k := range []string{"sdist", "vcs", "directory", "archive"} {
			if f.has(k) {
				kind = " (it is locked as " + k + ")"
				break
			}
		}
		return pkg, where("name", "no wheel"+kind, "this action installs wheels only, one per package; lock a version that publishes a wheel for FC's Linux x86_64")
	case len(wheels) > 1:
		return pkg, where("wheels", fmt.Sprintf("%d wheels: a locked deploy needs exactly one, the one for the target", len(wheels)),
			"use the pylock.toml this action writes for the target; a lock for many platforms (uv export) lists every wheel")
	}
	w := fields{table: tablePackage, index: i, key: "wheels", m: wheels[0]}
	w.str("name", &pkg.Wheel.Name, false)
	w.str("url", &pkg.Wheel.URL, false)
	w.str("path", &pkg.Wheel.Path, false)
	w.int("size", &pkg.Wheel.Size)
	if w.err != nil {
		return pkg, w.err
	}
	hashes, p := table(w, "hashes")
	if p != nil {
		return pkg, p
	}
	h := fields{table: tablePackage, index: i, key: "wheels", m: hashes}
	h.str("sha256", &pkg.Wheel.SHA256, false)
	if h.err != nil {
		return pkg, h.err
	}
	if pkg.Wheel.Name == "" { // PEP 751: the name may be left to the url or path
		switch {
		case pkg.Wheel.URL != "":
			if u, err := url.Parse(pkg.Wheel.URL); err == nil {
				pkg.Wheel.Name = path.Base(u.Path)
			}
		case pkg.Wheel.Path != "":
			pkg.Wheel.Name = path.Base(strings.ReplaceAll(pkg.Wheel.Path, `\`, "/"))
		}
	}
	return pkg, nil
}

// fields reads typed keys of one TOML table; the first problem sticks in err.
type fields struct {
	table string
	index int
	key   string // the key problems point at, when the table is inline; "" for the table's own keys
	m     map[string]any
	err   *problem
}

func (f *fields) has(key string) bool {
	_, ok := f.m[key]
	return ok
}

func (f *fields) fail(key, format string, args ...any) {
	if f.err != nil {
		return
	}
	at := key
	if f.key != "" {
		at = f.key
	}
	where := key
	if f.table != "" {
		where = f.table + "." + key
	}
	if f.table == tablePackage {
		where = fmt.Sprintf("packages[%d].", f.index+1)
		if f.key != "" {
			where += f.key + "."
		}
		where += key
	}
	f.err = &problem{table: f.table, index: f.index, key: at, msg: where + ": " + fmt.Sprintf(format, args...)}
}

func (f *fields) str(key string, dst *string, required bool) {
	v, ok := f.m[key]
	if !ok {
		if required {
			f.fail(key, "missing")
		}
		return
	}
	s, ok := v.(string)
	if !ok {
		f.fail(key, "want a string, found %s", tomlType(v))
		return
	}
	*dst = s
}

func (f *fields) strs(key string, dst *[]string) {
	v, ok := f.m[key]
	if !ok {
		return
	}
	arr, ok := v.([]any)
	if !ok {
		f.fail(key, "want an array of strings, found %s", tomlType(v))
		return
	}
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		s, ok := e.(string)
		if !ok {
			f.fail(key, "want an array of strings, found an element of type %s", tomlType(e))
			return
		}
		out = append(out, s)
	}
	*dst = out
}

func (f *fields) int(key string, dst *int64) {
	v, ok := f.m[key]
	if !ok {
		return
	}
	n, ok := v.(int64)
	if !ok {
		f.fail(key, "want an integer, found %s", tomlType(v))
		return
	}
	*dst = n
}

// table returns the sub-table key of f (nil when absent).
func table(f fields, key string) (map[string]any, *problem) {
	v, ok := f.m[key]
	if !ok {
		return nil, f.err
	}
	m, ok := v.(map[string]any)
	if !ok {
		f.fail(key, "want a table, found %s", tomlType(v))
	}
	return m, f.err
}

// tableArray returns the array of tables key of f, written either way ([[key]] or an
// array of inline tables); nil when absent.
func tableArray(f fields, key string) ([]map[string]any, *problem) {
	v, ok := f.m[key]
	if !ok {
		return nil, f.err
	}
	switch a := v.(type) {
	case []map[string]any:
		return a, nil
	case []any:
		out := make([]map[string]any, 0, len(a))
		for _, e := range a {
			m, ok := e.(map[string]any)
			if !ok {
				f.fail(key, "want an array of tables, found an element of type %s", tomlType(e))
				return nil, f.err
			}
			out = append(out, m)
		}
		return out, nil
	}
	f.fail(key, "want an array of tables, found %s", tomlType(v))
	return nil, f.err
}

func tomlType(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case []any, []map[string]any:
		return "an array"
	case map[string]any:
		return "a table"
	}
	return "a date or time"
}

// locator finds the line of a key in the text of a lock that parsed: TOML decoding
// keeps no positions, and a message without a line makes the reader search.
type locator struct{ blocks []block }

// block is one table header (or the top of the file) and the keys written under it.
type block struct {
	table string // dotted, unquoted: "packages", "tool.lithops-fc-runtime"
	line  int
	keys  map[string]int
}

var (
	headerRE  = regexp.MustCompile(`^\[\[?\s*([^\[\]#]*?)\s*\]\]?\s*(#.*)?$`)
	bareKeyRE = regexp.MustCompile(`^([A-Za-z0-9_-]+)\s*[=.]`)
	quotedRE  = regexp.MustCompile(`^"([^"\\]*)"\s*[=.]`)
)

func newLocator(text string) *locator {
	l := &locator{blocks: []block{{keys: map[string]int{}}}}
	inString := false // inside a multi-line string, whose lines are no keys
	for i, line := range strings.Split(text, "\n") {
		s := strings.TrimSpace(line)
		wasIn := inString
		if (strings.Count(s, `"""`)+strings.Count(s, `'''`))%2 == 1 {
			inString = !inString
		}
		if wasIn {
			continue
		}
		if m := headerRE.FindStringSubmatch(s); m != nil && strings.HasPrefix(s, "[") {
			parts := strings.Split(m[1], ".")
			for j, p := range parts {
				parts[j] = strings.Trim(strings.TrimSpace(p), `"'`)
			}
			l.blocks = append(l.blocks, block{table: strings.Join(parts, "."), line: i + 1, keys: map[string]int{}})
			continue
		}
		key := ""
		if m := bareKeyRE.FindStringSubmatch(s); m != nil {
			key = m[1]
		} else if m := quotedRE.FindStringSubmatch(s); m != nil {
			key = m[1]
		}
		b := &l.blocks[len(l.blocks)-1]
		if _, dup := b.keys[key]; key != "" && !dup {
			b.keys[key] = i + 1
		}
	}
	return l
}

// find returns the line of key in the index-th table named table (the table's header
// line when the key is not found there), or 0.
func (l *locator) find(table string, index int, key string) int {
	n := 0
	for _, b := range l.blocks {
		if b.table != table {
			continue
		}
		if n < index {
			n++
			continue
		}
		if line, ok := b.keys[key]; ok {
			return line
		}
		if b.line > 0 {
			return b.line
		}
		break
	}
	switch table {
	case tablePackage: // packages written inline
		return l.blocks[0].keys["packages"]
	case tableTarget: // target written inline
		return l.find(tableTool, 0, "target")
	}
	return 0
}
