package pylock

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Tables of the file, as problems name them.
const (
	tableTop     = ""
	tablePackage = "packages"
	tableTool    = "tool." + ToolTable
	tableTarget  = tableTool + ".target"
)

// problem is something wrong with a lock: where (a table, which of its kind, a key)
// and what. Parse turns the where into a line; Marshal has none.
type problem struct {
	table string
	index int // which [[packages]]; 0 otherwise
	key   string
	msg   string
	hint  string
}

func (p *problem) Error() string { return p.msg }

var (
	lockVersionRE = regexp.MustCompile(`^1\.[0-9]+$`)
	sha256RE      = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func normalize(name string) string { return pep508.NormalizeName(name) }

// validate checks everything this action relies on in a lock: the first problem, or
// nil. Parse and Marshal both call it, so what is written can be read.
func (l *Lock) validate() *problem {
	top := func(key, msg, hint string) *problem { return &problem{table: tableTop, key: key, msg: msg, hint: hint} }
	if !lockVersionRE.MatchString(l.LockVersion) {
		return top("lock-version", fmt.Sprintf("lock-version %q is not one this action reads", l.LockVersion),
			"it reads lock-version 1.x (PEP 751); make the lock with this action")
	}
	if l.CreatedBy == "" {
		return top("created-by", "created-by is missing (PEP 751 requires it)", "")
	}
	for _, e := range l.Environments {
		if _, err := pep508.ParseMarker(e); err != nil {
			return top("environments", fmt.Sprintf("environments: %q is not a PEP 508 marker: %v", e, err), "")
		}
	}
	if l.RequiresPython != "" {
		if _, err := pep440.ParseSpecifierSet(l.RequiresPython); err != nil {
			return top("requires-python", fmt.Sprintf("requires-python %q: %v", l.RequiresPython, err), "")
		}
	}
	seen := map[string]int{}
	for i := range l.Packages {
		if p := l.Packages[i].validate(); p != nil {
			p.table, p.index = tablePackage, i
			if l.CreatedBy != ToolTable && p.hint == "" {
				p.hint = "this lock was written by " + l.CreatedBy + "; a locked deploy needs one wheel with a sha256 per package, " +
					"for FC's Linux x86_64: use the pylock.toml this action writes (every run writes one, a dry run too)"
			}
			return p
		}
		key := normalize(l.Packages[i].Name)
		if j, dup := seen[key]; dup {
			return &problem{table: tablePackage, index: i, key: "name",
				msg:  fmt.Sprintf("package %s is listed twice (also as package %d)", l.Packages[i].Name, j+1),
				hint: "a locked deploy needs exactly one wheel per distribution"}
		}
		seen[key] = i
	}
	for _, e := range l.Excluded {
		if !pep508.ValidName(e) {
			return &problem{table: tableTool, key: "excluded", msg: fmt.Sprintf("excluded: %q is not a distribution name", e)}
		}
	}
	if l.Origin != nil {
		return l.Origin.validate(l.RequiresPython)
	}
	return nil
}

func (p *Package) validate() *problem {
	bad := func(key, format string, args ...any) *problem {
		name := p.Name
		if name == "" {
			name = "without a name"
		}
		return &problem{key: key, msg: "package " + name + ": " + fmt.Sprintf(format, args...)}
	}
	if p.Name == "" {
		return bad("name", "name is missing")
	}
	if !pep508.ValidName(p.Name) {
		return bad("name", "%q is not a distribution name", p.Name)
	}
	if p.Version == "" {
		return bad("version", "version is missing (a locked deploy needs it)")
	}
	v, err := pep440.Parse(p.Version)
	if err != nil {
		return bad("version", "version %q is not a PEP 440 version", p.Version)
	}
	if p.Marker != "" {
		if _, err := pep508.ParseMarker(p.Marker); err != nil {
			return bad("marker", "marker %q: %v", p.Marker, err)
		}
	}
	if p.Index != "" {
		if why := urlProblem(p.Index); why != "" {
			return bad("index", "index %s %s", shownURL(p.Index), why)
		}
	}
	w := &p.Wheel
	if w.URL == "" && w.Path == "" {
		return bad("wheels", "the wheel has neither url nor path")
	}
	if w.URL != "" {
		if why := urlProblem(w.URL); why != "" {
			return bad("wheels", "wheel url %s %s", shownURL(w.URL), why)
		}
		if u, _ := url.Parse(w.URL); u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "file" {
			return bad("wheels", "wheel url %s: want an https, http or file URL", shownURL(w.URL))
		}
	}
	if w.SHA256 == "" {
		return bad("wheels", "the wheel has no sha256 hash")
	}
	if !sha256RE.MatchString(w.SHA256) {
		return bad("wheels", "the wheel's sha256 %q is not 64 lower-case hex digits", w.SHA256)
	}
	if w.Size < 0 {
		return bad("wheels", "the wheel's size %d is negative", w.Size)
	}
	wn, err := tags.ParseWheelName(w.Name)
	if err != nil {
		return bad("wheels", "%v", err)
	}
	if wn.NormalizedName() != normalize(p.Name) || !wn.Version.Equal(v) {
		return bad("wheels", "the wheel %s is not %s %s", w.Name, p.Name, p.Version)
	}
	return nil
}

// shownURL is a URL for a message: no credentials, and "…" for a query or fragment
// (presigned URLs carry signatures there).
func shownURL(s string) string {
	s = urlcred.RedactText(s)
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		s = s[:i+1] + "…"
	}
	return s
}

// urlProblem says why a URL may not be in a lock, or "".
func urlProblem(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "does not parse"
	case u.User != nil:
		return "carries credentials: a lock never holds them (give them with the index inputs or netrc)"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "has a query or fragment: a lock holds plain URLs (no signatures, no #hashes)"
	}
	return ""
}

func (o *Origin) validate(requiresPython string) *problem {
	bad := func(key, format string, args ...any) *problem {
		return &problem{table: tableTarget, key: key, msg: "[tool." + ToolTable + ".target] " + fmt.Sprintf(format, args...)}
	}
	t := o.Target
	v, err := pep440.Parse(t.Python)
	if r := v.Release(); err != nil || len(r) < 2 || len(r) > 3 || v.String() != t.Python {
		return bad("python", "python %q: want X.Y or X.Y.Z", t.Python)
	}
	if requiresPython != "" {
		if set, err := pep440.ParseSpecifierSet(requiresPython); err == nil && !set.Contains(v) {
			return bad("python", "python %s is not in the lock's requires-python %q", t.Python, requiresPython)
		}
	}
	if t.FCRuntime == "" {
		return bad("fc-runtime", "fc-runtime is missing")
	}
	if t.FCAPI != fcruntime.FC2 && t.FCAPI != fcruntime.FC3 {
		return bad("fc-api", "fc-api %q: want %q or %q", t.FCAPI, fcruntime.FC2, fcruntime.FC3)
	}
	if t.Glibc.Major != 2 || t.Glibc.Minor < 5 {
		return bad("glibc", "glibc %q: want 2.N with N at least 5", t.Glibc)
	}
	if _, err := pep440.Parse(t.Lithops); err != nil {
		return bad("lithops", "lithops %q is not a PEP 440 version", t.Lithops)
	}
	seen := map[string]bool{}
	for _, f := range o.Requirements {
		p := &problem{table: tableTool, key: "requirements"}
		switch {
		case f.Path == "" || cleanPath(f.Path) != f.Path:
			p.msg = fmt.Sprintf("requirements: path %q: want a clean path with forward slashes, relative to the workspace", f.Path)
		case seen[f.Path]:
			p.msg = fmt.Sprintf("requirements: %s is listed twice", f.Path)
		case !sha256RE.MatchString(f.SHA256):
			p.msg = fmt.Sprintf("requirements: %s: sha256 %q is not 64 lower-case hex digits", f.Path, f.SHA256)
		default:
			seen[f.Path] = true
			continue
		}
		return p
	}
	return nil
}

// parseGlibc reads "2.28".
func parseGlibc(s string) (tags.Glibc, bool) {
	var g tags.Glibc
	major, minor, ok := strings.Cut(s, ".")
	if !ok {
		return g, false
	}
	if _, err := fmt.Sscanf(major+" "+minor, "%d %d", &g.Major, &g.Minor); err != nil || g.String() != s {
		return tags.Glibc{}, false
	}
	return g, true
}
