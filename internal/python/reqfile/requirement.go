package reqfile

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/pystr"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// Requirement lines, read as pip's parse_req_from_line: a URL, a local path or a PEP
// 508 requirement, with the marker split off first.

func (p *fileParser) requirementLine(pos Pos, l logicalLine, args string, opts []option, constraint bool) error {
	rawArgs, _ := splitArgsOptions(l.raw)
	fail := func(msg, hint string, err error) error {
		if l.raw != l.text {
			err = nil // it would quote the line with its variables expanded
		}
		return &Error{File: pos.File, Line: pos.Line, Msg: urlcred.RedactText(msg), Hint: hint, Err: err}
	}
	var hashes []Hash
	for _, o := range opts {
		if o.name != "hash" {
			return fail(fmt.Sprintf("%s on a requirement's line has no effect", o.flag), "pip ignores it there: put it on a line of its own", nil)
		}
		h, err := parseHash(o.value, o.raw)
		if err != nil {
			return fail(err.Error(), "copy the hash from the index or from pip hash", err)
		}
		hashes = append(hashes, h)
	}

	req, wheel, err := p.parseRequirementText(pystr.TrimSpace(args), l.raw != l.text)
	if err != nil {
		var le *lineError
		if errors.As(err, &le) {
			return fail(strings.ReplaceAll(le.msg, reqRef, urlcred.Quote(pystr.TrimSpace(rawArgs))), le.hint, le.err)
		}
		return fail(err.Error(), "", err)
	}
	if constraint && len(req.Extras) > 0 {
		return fail(fmt.Sprintf("constraint %s has extras", pystr.TrimSpace(rawArgs)), "constraints restrict versions only: drop the [extras]", nil)
	}
	if len(hashes) > 0 && p.anyHash == nil {
		p.anyHash = &pos
	}
	r := Requirement{Pos: pos, Requirement: req, Wheel: wheel, Hashes: hashes}
	if constraint {
		p.out.Constraints = append(p.out.Constraints, r)
	} else {
		p.out.Requirements = append(p.out.Requirements, r)
	}
	return nil
}

// lineError is a requirement problem whose message shows the requirement as written
// (before ${VAR} expansion) where msg holds reqRef.
type lineError struct {
	msg, hint string
	err       error
}

const reqRef = "\x00"

func (e *lineError) Error() string { return strings.ReplaceAll(e.msg, reqRef, "requirement") }

func lineErr(msg, hint string, err error) error { return &lineError{msg: msg, hint: hint, err: err} }

// parseRequirementText turns the requirement part of a line into a requirement and,
// for a direct reference to a wheel, its file name. expanded says whether ${VAR}
// expansion changed the line (then messages do not quote the expanded text).
func (p *fileParser) parseRequirementText(text string, expanded bool) (pep508.Requirement, *tags.WheelName, error) {
	sep := ";"
	if isURL(text) {
		sep = "; " // a URL may hold ";" of its own
	}
	var marker pep508.Marker
	if name, ms, ok := strings.Cut(text, sep); ok {
		text = name
		if ms = pystr.TrimSpace(ms); ms != "" {
			m, err := pep508.ParseMarker(ms)
			if err != nil {
				return pep508.Requirement{}, nil, lineErr("invalid marker in "+reqRef+": "+syntaxMsg(err, expanded), "see https://packaging.python.org/specifications/dependency-specifiers/#environment-markers", err)
			}
			marker = m
		}
	}
	text = pystr.TrimSpace(text)

	link, extras := "", []string(nil)
	if isURL(text) {
		link = text
	} else {
		local, ex := stripExtras(text)
		abs := local
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(p.cfg.workDir, abs)
		}
		if looksLikePath(text) {
			if st, err := p.cfg.root.Stat(abs); err == nil && st.IsDir() {
				return pep508.Requirement{}, nil, lineErr(reqRef+" is a project folder, which needs a build", "this action installs wheels only: build a wheel and reference it, or list the package by name", nil)
			} else if refused(err) {
				return pep508.Requirement{}, nil, lineErr(reqRef+": "+err.Error(), "wheel paths must lead to files inside the workspace", err)
			}
		}
		if isArchive(abs) {
			st, err := p.cfg.root.Stat(abs)
			before, _, hasAt := strings.Cut(text, "@")
			switch {
			case err == nil && !st.IsDir():
				link = (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
				extras = ex
			case hasAt && !looksLikePath(before):
				// name @ url: a PEP 508 requirement, read below.
			case refused(err):
				return pep508.Requirement{}, nil, lineErr(reqRef+": "+err.Error(), "wheel paths must lead to files inside the workspace", err)
			default:
				return pep508.Requirement{}, nil, lineErr(reqRef+" looks like a file, but it does not exist", fmt.Sprintf("bare paths are relative to the working directory %s", p.cfg.workDir), nil)
			}
		}
	}

	if link != "" {
		wheel, err := p.wheelAt(link)
		if err != nil {
			return pep508.Requirement{}, nil, err
		}
		req := pep508.Requirement{Name: wheel.Name, URL: link, Marker: marker}
		if len(extras) > 0 {
			if req, err = withExtras(req, extras); err != nil {
				return pep508.Requirement{}, nil, err
			}
		}
		return req, wheel, nil
	}

	req, err := pep508.ParseRequirement(text)
	if err != nil {
		return pep508.Requirement{}, nil, lineErr("invalid requirement "+reqRef+": "+syntaxMsg(err, expanded), requirementHint(text), err)
	}
	if !marker.IsZero() {
		req.Marker = marker
	}
	if req.URL == "" {
		return req, nil, nil
	}
	if !isURL(req.URL) {
		return pep508.Requirement{}, nil, lineErr(reqRef+": the part after @ is not a URL", "use https://..., or file:///absolute/path/to/the.whl", nil)
	}
	wheel, err := p.wheelAt(req.URL)
	if err != nil {
		return pep508.Requirement{}, nil, err
	}
	if wheel.NormalizedName() != req.NormalizedName() {
		return pep508.Requirement{}, nil, lineErr(reqRef+fmt.Sprintf(" names %s, but the wheel is %s", req.Name, wheel.Name), "make the name before @ match the wheel's", nil)
	}
	return req, wheel, nil
}

// syntaxMsg is the reason a requirement or marker does not parse. Its input is not
// repeated: the caller shows the text as written, before ${VAR} expansion.
func syntaxMsg(err error, expanded bool) string {
	var se *pep508.SyntaxError
	if errors.As(err, &se) {
		if expanded {
			return se.Msg
		}
		return fmt.Sprintf("%s (at column %d)", se.Msg, se.Column())
	}
	return err.Error()
}

// requirementHint is pip's advice for a requirement that does not parse.
func requirementHint(text string) string {
	switch {
	case strings.Contains(text, "/"):
		return "it looks like a path, but no such file exists"
	case strings.Contains(text, "=") && !strings.ContainsAny(text, "<>!~") && !strings.Contains(text, "=="):
		return "= is not a valid operator: did you mean ==?"
	}
	return "see https://pip.pypa.io/en/stable/reference/requirements-file-format/"
}

// withExtras adds a path's [extras] to a requirement, checking them as packaging does.
func withExtras(req pep508.Requirement, extras []string) (pep508.Requirement, error) {
	parsed, err := pep508.ParseRequirement("placeholder[" + strings.Join(extras, ",") + "]")
	if err != nil {
		return req, lineErr("invalid extras in "+reqRef, "extras are names separated by commas", err)
	}
	req.Extras = parsed.Extras
	return req, nil
}

// refused reports whether the workspace refused a path (outside it, or no regular
// file or folder), as opposed to its not existing.
func refused(err error) bool {
	return errors.Is(err, workspace.ErrOutside) || errors.Is(err, workspace.ErrNotRegular)
}

// wheelAt checks that a direct reference points at a wheel (a file: one inside the
// workspace), and parses its name.
func (p *fileParser) wheelAt(link string) (*tags.WheelName, error) {
	u, err := urlcred.Parse(link)
	if err != nil {
		return nil, lineErr(reqRef+": "+err.Error(), "check the URL; percent-encode special characters in a password", err)
	}
	if strings.EqualFold(u.Scheme, "file") {
		if _, err := p.cfg.root.Stat(filepath.FromSlash(u.Path)); refused(err) {
			return nil, lineErr(reqRef+": "+err.Error(), "wheel paths must lead to files inside the workspace", err)
		}
	}
	scheme := strings.ToLower(u.Scheme)
	if vcsScheme(scheme) {
		return nil, lineErr(reqRef+" is a version-control URL, which needs a build", "this action installs wheels only: build a wheel and reference it, or use a released version from an index", nil)
	}
	name := path.Base(strings.TrimRight(u.Path, "/"))
	if n, err := url.PathUnescape(name); err == nil {
		name = n
	}
	switch {
	case strings.HasSuffix(strings.ToLower(name), ".whl"):
		w, err := tags.ParseWheelName(name)
		if err != nil {
			return nil, lineErr(reqRef+": "+err.Error(), "a wheel's file name must follow PEP 427: name-version[-build]-python-abi-platform.whl", err)
		}
		return &w, nil
	case isArchive(name):
		return nil, lineErr(reqRef+" is a source distribution, which needs a build", "this action installs wheels only: use a wheel URL, or the released version from an index", nil)
	}
	return nil, lineErr(reqRef+" does not point to a wheel (.whl)", "this action installs wheels only", nil)
}

// isURL is pip's is_url: a scheme among http, https, file, ftp and the VCS ones.
func isURL(s string) bool {
	m := urlScheme.FindStringSubmatch(s)
	if m == nil {
		return false
	}
	switch scheme := strings.ToLower(m[1]); scheme {
	case "http", "https", "file", "ftp":
		return true
	default:
		return vcsScheme(scheme)
	}
}

var urlScheme = regexp.MustCompile(`^([a-zA-Z][a-zA-Z0-9+.-]*):`)

// vcsScheme reports whether a URL scheme is one of pip's version-control ones (or
// plain git:, which pip does not take but which means the same).
func vcsScheme(s string) bool {
	for _, prefix := range []string{"git+", "hg+", "svn+", "bzr+"} {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return s == "git"
}

// looksLikePath is pip's _looks_like_path.
func looksLikePath(s string) bool {
	return strings.Contains(s, "/") || strings.HasPrefix(s, ".")
}

// stripExtras splits "path[extra,...]" as pip's strip_extras.
var extrasSuffix = regexp.MustCompile(`^(.+)(\[[^\]]+\])$`)

func stripExtras(s string) (string, []string) {
	m := extrasSuffix.FindStringSubmatch(s)
	if m == nil {
		return s, nil
	}
	inner := strings.TrimSuffix(strings.TrimPrefix(m[2], "["), "]")
	var extras []string
	for _, e := range strings.Split(inner, ",") {
		extras = append(extras, strings.TrimSpace(strings.ToLower(e)))
	}
	return strings.TrimRightFunc(m[1], pystr.IsSpace), extras
}

// isArchive is pip's is_archive_file: the extensions of wheels and source archives.
func isArchive(name string) bool {
	n := strings.ToLower(name)
	for _, ext := range []string{".zip", ".whl", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma", ".tar.gz", ".tgz", ".tar"} {
		if strings.HasSuffix(n, ext) {
			return true
		}
	}
	return false
}
