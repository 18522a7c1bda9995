package pep508

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// Marker is a parsed environment marker such as `python_version < "3.11" and
// sys_platform == "linux"`. The zero Marker is "no marker": it is always true.
// Markers are immutable.
type Marker struct {
	m *mlist
}

// ParseMarker parses a marker expression as packaging's Marker does.
func ParseMarker(s string) (Marker, error) {
	p := &parser{src: s, kind: "marker"}
	m, err := p.parseMarker()
	if err != nil {
		return Marker{}, err
	}
	if !p.atEnd() {
		return Marker{}, p.failHere("Expected end of marker expression")
	}
	m.normalizeExtras()
	return Marker{m: m}, nil
}

// IsZero reports whether m is the zero Marker (no marker at all).
func (m Marker) IsZero() bool { return m.m == nil }

// String returns packaging's str(Marker): single spaces, double quotes (single ones
// when the value contains a double quote), variables in their canonical names and
// only the parentheses the grouping needs.
func (m Marker) String() string {
	if m.m == nil {
		return ""
	}
	var b strings.Builder
	formatList(&b, m.m, true)
	return b.String()
}

func formatList(b *strings.Builder, l *mlist, top bool) {
	// A list of one item is that item: packaging unwraps [[...]] and [(...)].
	if len(l.items) == 1 {
		if it := l.items[0]; it.list != nil {
			formatList(b, it.list, top)
		} else {
			formatComparison(b, it.cmp)
		}
		return
	}
	if !top {
		b.WriteByte('(')
	}
	for i, it := range l.items {
		if i > 0 {
			b.WriteString(" " + l.ops[i-1] + " ")
		}
		if it.list != nil {
			formatList(b, it.list, false)
		} else {
			formatComparison(b, it.cmp)
		}
	}
	if !top {
		b.WriteByte(')')
	}
}

func formatComparison(b *strings.Builder, c *comparison) {
	formatOperand(b, c.lhs)
	b.WriteString(" " + c.op + " ")
	formatOperand(b, c.rhs)
}

func formatOperand(b *strings.Builder, o operand) {
	switch {
	case o.variable:
		b.WriteString(o.value)
	case !strings.Contains(o.value, `"`):
		b.WriteString(`"` + o.value + `"`)
	case !strings.Contains(o.value, "'"):
		b.WriteString("'" + o.value + "'")
	default:
		// packaging cannot print a value holding both quotes; spell the double quote
		// as an escape so that the marker still reads back the same.
		b.WriteString(`"` + strings.ReplaceAll(o.value, `"`, `\x22`) + `"`)
	}
}

// Env is the target environment markers are evaluated against: the values of PEP
// 508's marker variables for the interpreter the packages will run on.
type Env struct {
	ImplementationName           string // implementation_name, e.g. "cpython"
	ImplementationVersion        string // implementation_version, e.g. "3.10.14"
	OSName                       string // os_name, e.g. "posix"
	PlatformMachine              string // platform_machine, e.g. "x86_64"
	PlatformRelease              string // platform_release (kernel release; "" if unknown)
	PlatformSystem               string // platform_system, e.g. "Linux"
	PlatformVersion              string // platform_version ("" if unknown)
	PythonFullVersion            string // python_full_version, e.g. "3.10.14"
	PlatformPythonImplementation string // platform_python_implementation, e.g. "CPython"
	PythonVersion                string // python_version, e.g. "3.10"
	SysPlatform                  string // sys_platform, e.g. "linux"
}

var pythonVersionRE = regexp.MustCompile(`^([0-9]+)\.([0-9]+)(\.[0-9]+)?((a|b|rc)[0-9]+)?$`)

// TargetEnv returns the environment of CPython on Linux x86_64 (Function Compute's
// runtimes) for a Python version "X.Y" or "X.Y.Z" ("X.Y" stands for X.Y.0, as pip
// and uv assume when the patch level is unknown). platform_release and
// platform_version are unknown for a remote target and are "".
func TargetEnv(pythonFullVersion string) (Env, error) {
	m := pythonVersionRE.FindStringSubmatch(pythonFullVersion)
	if m == nil {
		return Env{}, fmt.Errorf("python version %q: want X.Y or X.Y.Z, like 3.10 or 3.10.14", pythonFullVersion)
	}
	full := pythonFullVersion
	if m[3] == "" {
		full = m[1] + "." + m[2] + ".0" + m[4]
	}
	return Env{
		ImplementationName:           "cpython",
		ImplementationVersion:        full,
		OSName:                       "posix",
		PlatformMachine:              "x86_64",
		PlatformSystem:               "Linux",
		PythonFullVersion:            full,
		PlatformPythonImplementation: "CPython",
		PythonVersion:                m[1] + "." + m[2],
		SysPlatform:                  "linux",
	}, nil
}

// lookup returns the value of a marker variable; extras and dependency_groups exist
// only in lock files, and anything else is no variable at all.
func (e Env) lookup(name, extra string) (string, bool) {
	switch name {
	case "implementation_name":
		return e.ImplementationName, true
	case "implementation_version":
		return e.ImplementationVersion, true
	case "os_name":
		return e.OSName, true
	case "platform_machine":
		return e.PlatformMachine, true
	case "platform_release":
		return e.PlatformRelease, true
	case "platform_system":
		return e.PlatformSystem, true
	case "platform_version":
		return e.PlatformVersion, true
	case "python_full_version":
		// packaging repairs the "3.12.0+" of unreleased builds into a version.
		if strings.HasSuffix(e.PythonFullVersion, "+") {
			return e.PythonFullVersion + "local", true
		}
		return e.PythonFullVersion, true
	case "platform_python_implementation":
		return e.PlatformPythonImplementation, true
	case "python_version":
		return e.PythonVersion, true
	case "sys_platform":
		return e.SysPlatform, true
	case "extra":
		return extra, true
	}
	return "", false
}

// ErrUndefinedComparison is wrapped by evaluation errors for comparisons PEP 508
// leaves undefined (~= or === on values that are not versions).
var ErrUndefinedComparison = errors.New("undefined marker comparison")

// ErrUndefinedName is wrapped by evaluation errors for names that have no value in a
// requirement's environment (extras, dependency_groups, or a literal used as a name).
var ErrUndefinedName = errors.New("undefined marker name")

// Evaluate reports whether the marker holds in env with the extra being installed
// ("" for a package's base dependencies; normalized here, PEP 685). It evaluates
// exactly as packaging's Marker.evaluate in the "metadata" context, including its
// errors. The zero Marker is true.
func (m Marker) Evaluate(env Env, extra string) (bool, error) {
	if m.m == nil {
		return true, nil
	}
	if extra != "" {
		extra = NormalizeName(extra)
	}
	return evalList(m.m, env, extra)
}

// evalList evaluates every comparison, as packaging does: an error anywhere is an
// error even when the result is already known.
func evalList(l *mlist, env Env, extra string) (bool, error) {
	result, group := false, true
	for i, it := range l.items {
		if i > 0 && l.ops[i-1] == "or" {
			result = result || group
			group = true
		}
		var v bool
		var err error
		if it.list != nil {
			v, err = evalList(it.list, env, extra)
		} else {
			v, err = evalComparison(it.cmp, env, extra)
		}
		if err != nil {
			return false, err
		}
		group = group && v
	}
	return result || group, nil
}

func evalComparison(c *comparison, env Env, extra string) (bool, error) {
	var key, lhs, rhs string
	var ok bool
	if c.lhs.variable {
		key = c.lhs.value
		if lhs, ok = env.lookup(key, extra); !ok {
			return false, undefinedName(key)
		}
		rhs = c.rhs.value
	} else {
		lhs, key = c.lhs.value, c.rhs.value
		if rhs, ok = env.lookup(key, extra); !ok {
			return false, undefinedName(key)
		}
	}
	if c.spec != nil {
		return c.spec.ContainsString(lhs), nil
	}
	if versionVariable(key) && (!c.lhs.variable || c.rhs.variable) {
		if sp, err := pep440.ParseSpecifier(c.op + rhs); err == nil {
			return sp.ContainsString(lhs), nil
		}
	}
	switch c.op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	case "<", ">":
		return false, nil
	case "==", "<=", ">=":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	}
	return false, fmt.Errorf("%w: %q %s %q (%s needs versions on both sides)", ErrUndefinedComparison, lhs, c.op, rhs, c.op)
}

func undefinedName(name string) error {
	return fmt.Errorf("%w %q (markers here may use python_version, python_full_version, os_name, sys_platform, platform_machine, platform_system, platform_release, platform_version, platform_python_implementation, implementation_name, implementation_version and extra)", ErrUndefinedName, name)
}
