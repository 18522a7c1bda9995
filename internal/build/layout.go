package build

import (
	"fmt"
	"path"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The runtime's layout is what `pip install --target DIR` lays down, with these
// documented differences (docs/architecture.md, "Python packaging"):
//
//   - root files, {dist}.data/purelib and {dist}.data/platlib go to the zip root (pip:
//     the same);
//   - {dist}.data/data goes to the zip root too (pip --target: the same, e.g. share/...);
//   - {dist}.data/scripts is dropped (pip: DIR/bin with rewritten shebangs); FC never
//     runs console scripts, and a root "bin/" folder in a wheel is dropped as well so the
//     zip has no bin/ at all;
//   - {dist}.data/headers is dropped (pip: DIR/include/python/{name}); C headers only
//     matter to compilers, and nothing is compiled on FC;
//   - __pycache__ folders and *.pyc/*.pyo files are dropped: bytecode belongs to the
//     interpreter that wrote it, and FC's code folder is read-only anyway;
//   - {dist}.dist-info is kept (importlib.metadata needs it) with RECORD rewritten to the
//     files actually shipped at their final paths; no INSTALLER, REQUESTED or
//     direct_url.json is added, so the bytes do not depend on the installer.
//
// Any other {dist}.data kind is an error, as in pip.

// dest returns where a wheel entry goes in the runtime zip, or "" when it is dropped.
func dest(name string) (string, error) {
	out := name
	if first, rest, _ := strings.Cut(name, "/"); strings.HasSuffix(first, ".data") && rest != "" {
		kind, sub, _ := strings.Cut(rest, "/")
		switch kind {
		case "purelib", "platlib", "data":
			out = sub
		case "scripts", "headers":
			return "", nil
		default:
			return "", fmt.Errorf("unknown .data kind %q (only purelib, platlib, data, scripts and headers exist)", kind)
		}
	}
	if out == "" || strings.HasPrefix(out, "bin/") || isBytecode(out) {
		return "", nil
	}
	return out, nil
}

func isBytecode(name string) bool {
	return strings.HasSuffix(name, ".pyc") || strings.HasSuffix(name, ".pyo") ||
		strings.HasPrefix(name, "__pycache__/") || strings.Contains(name, "/__pycache__/")
}

// checkPath reports why name is not a clean, relative, forward-slash path, or "" when
// it is one. Names that only differ by such spellings could otherwise alias each other
// or escape the folder they are unpacked into.
func checkPath(name string) string {
	switch {
	case name == "":
		return "empty path"
	case !utf8.ValidString(name):
		return "path is not valid UTF-8"
	case strings.ContainsRune(name, 0):
		return "path contains a NUL byte"
	case strings.HasPrefix(name, "/"):
		return "absolute path"
	case strings.Contains(name, `\`):
		return `path contains a backslash`
	case len(name) >= 2 && name[1] == ':':
		return "path starts with a drive letter"
	}
	for _, seg := range strings.Split(strings.TrimSuffix(name, "/"), "/") {
		switch seg {
		case "..":
			return `path contains ".."`
		case ".", "":
			return "path is not clean (empty or \".\" segment)"
		}
	}
	return ""
}

// topLevel lists the importable top-level names among paths (zip destinations):
// what pkgutil.iter_modules would list for them, plus namespace packages. .pth files,
// .dist-info folders and names that are not Python identifiers are left out.
func topLevel(paths []string) []string {
	seen := map[string]bool{}
	for _, p := range paths {
		first, rest, isDir := strings.Cut(p, "/")
		var mod string
		switch {
		case isDir && rest != "":
			mod = first
		case strings.HasSuffix(first, ".py"):
			mod = strings.TrimSuffix(first, ".py")
		case strings.HasSuffix(first, ".so"):
			mod, _, _ = strings.Cut(first, ".")
		}
		if mod != "" && isIdentifier(mod) {
			seen[mod] = true
		}
	}
	out := make([]string, 0, len(seen))
	for m := range seen {
		out = append(out, m)
	}
	sort.Strings(out)
	return out
}

func isIdentifier(s string) bool {
	for i, r := range s {
		if !(r == '_' || unicode.IsLetter(r) || i > 0 && unicode.IsDigit(r)) {
			return false
		}
	}
	return s != ""
}

// parentDirs returns the folders p lives in, outermost first ("a/b/c" → "a", "a/b").
func parentDirs(p string) []string {
	var out []string
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		out = append(out, d)
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out
}
