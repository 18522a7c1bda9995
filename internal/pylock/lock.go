package pylock

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

const (
	// FileName is the name PEP 751 gives a lock file with no other name.
	FileName = "pylock.toml"
	// LockVersion is the lock-version this package writes; it reads any 1.x.
	LockVersion = "1.0"
	// ToolTable is the name of this action's [tool] table.
	ToolTable = "lithops-fc-runtime"
)

// Lock is a pylock.toml: the distributions of one runtime, one wheel each.
type Lock struct {
	// Path is the file the lock was read from, for messages; it is not written.
	Path string

	LockVersion      string
	Environments     []string // PEP 508 markers; the lock fits an environment one of them matches
	RequiresPython   string   // a PEP 440 specifier set
	Extras           []string
	DependencyGroups []string
	DefaultGroups    []string
	CreatedBy        string
	Packages         []Package // this action writes them sorted by name

	// Excluded are the distributions resolved but left out of the runtime (the
	// `exclude` input), normalized and sorted.
	Excluded []string
	// Origin is what the lock was made from; nil when the lock does not say (written
	// by another tool or by an older version of this action).
	Origin *Origin

	// lines finds the line of a table or key in the text the lock was parsed from, for
	// Check's messages; nil for a lock that was not parsed.
	lines *locator
}

// line is the line of key in the index-th table named table of the text the lock was
// read from, or 0 (a lock not read from a file, or a key not found).
func (l *Lock) line(table string, index int, key string) int {
	if l.lines == nil {
		return 0
	}
	return l.lines.find(table, index, key)
}

// Package is one distribution and the one wheel installed for it.
type Package struct {
	Name           string // as written; this action writes the PEP 503 normal form
	Version        string // PEP 440
	Marker         string // PEP 508 marker; "" means every environment (this action writes none)
	RequiresPython string // the wheel's Requires-Python, a specifier set; may be ""
	Index          string // the index the wheel was found on; may be ""
	Wheel          Wheel
}

// Wheel is the wheel file of a package. URL or Path (relative to the lock's folder) or
// both say where it is; URLs carry no credentials, query or fragment.
type Wheel struct {
	Name   string // the file name
	URL    string
	Path   string
	Size   int64 // bytes; 0 when the lock does not say
	SHA256 string
}

// Origin is what a lock was made from, recorded under [tool.lithops-fc-runtime].
type Origin struct {
	Target Target
	// Requirements are the requirements files read when the lock was made, the file
	// given first, then every -r/-c include; empty when the runtime was made without
	// one (Lithops' default runtime).
	Requirements []File
}

// File is a requirements file and the sha256 of its bytes.
type File struct {
	Path   string // relative to the workspace, with forward slashes
	SHA256 string // lower-case hex
}

// Target is what a lock is made for and what a run deploys to.
type Target struct {
	Python    string        // the full version ("3.10.14"), or major.minor when the patch level is unknown
	FCRuntime string        // FC's runtime, "python3.10"; may be "" when checking
	FCAPI     fcruntime.API // "2.0" or "3.0"; may be "" when checking
	Glibc     tags.Glibc    // the newest glibc the package may need (the runtime's, or the platform override)
	Lithops   string        // the lithops wheel's __version__; may be "" when checking
}

// Minor returns the target's Python as major.minor ("3.10"), or "" when Python is not
// a version.
func (t Target) Minor() string {
	parts := strings.Split(t.Python, ".")
	if len(parts) < 2 {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// Manylinux is the newest manylinux tag the target accepts, "manylinux_2_28".
func (t Target) Manylinux() string {
	return fmt.Sprintf("manylinux_%d_%d", t.Glibc.Major, t.Glibc.Minor)
}

func (t Target) String() string {
	s := "Python " + t.Python + " on glibc " + t.Glibc.String()
	if t.FCRuntime != "" {
		s += ", FC runtime " + t.FCRuntime
	}
	return s
}

// New returns an empty lock for CPython python (major.minor) on Function Compute's
// Linux x86_64: the environment marker and requires-python say so, and nothing else
// is set but created-by.
func New(createdBy, python string) *Lock {
	return &Lock{
		LockVersion: LockVersion,
		Environments: []string{"sys_platform == 'linux' and platform_machine == 'x86_64' and " +
			"platform_python_implementation == 'CPython' and python_version == '" + python + "'"},
		RequiresPython:   "==" + python + ".*",
		Extras:           []string{},
		DependencyGroups: []string{},
		DefaultGroups:    []string{},
		CreatedBy:        createdBy,
	}
}

// Package returns the package named name (compared in normal form), or nil.
func (l *Lock) Package(name string) *Package {
	key := normalize(name)
	for i := range l.Packages {
		if normalize(l.Packages[i].Name) == key {
			return &l.Packages[i]
		}
	}
	return nil
}

// FilesOf lists the files a parsed requirements file read, each once, as Origin
// records them: rel maps a path as reqfile names it to the workspace-relative one (nil
// keeps it).
func FilesOf(f *reqfile.File, rel func(string) string) []File {
	if f == nil {
		return nil
	}
	var out []File
	seen := map[string]bool{}
	for i, name := range f.Files {
		if rel != nil {
			name = rel(name)
		}
		name = cleanPath(name)
		if seen[name] || i >= len(f.SHA256) {
			continue
		}
		seen[name] = true
		out = append(out, File{Path: name, SHA256: f.SHA256[i]})
	}
	return out
}

// cleanPath is a requirements file's path as a lock records and compares it.
func cleanPath(p string) string { return path.Clean(filepath.ToSlash(p)) }
