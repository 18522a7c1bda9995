package resolve

import (
	"fmt"
	"strings"
)

// NoSolutionError says that no set of wheels satisfies the requirements for the
// target, and why, in plain words: which requirements conflict, through which
// chain of dependencies, and for projects without a usable wheel which versions and
// tags exist.
type NoSolutionError struct {
	Target string   // the target, as "cp312-manylinux_2_31_x86_64"
	Report string   // the explanation, one sentence a line
	Hints  []string // what to do about the projects without a usable wheel
	// Lines are where the requirements and constraints the explanation rests on were
	// written ("requirements.txt:3"), every one of them, in the order met.
	Lines []string

	noFit []pkgKey // the packages the report says have no usable version
}

// Fault says where the failure is, for annotations: every line it rests on (Lines).
func (e *NoSolutionError) Fault() (title string, places []string) {
	if len(e.Lines) == 0 {
		return "", nil
	}
	return "requirements", e.Lines
}

func (e *NoSolutionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no set of wheels for %s satisfies the requirements:\n  %s", e.Target, strings.ReplaceAll(e.Report, "\n", "\n  "))
	for _, h := range e.Hints {
		b.WriteString("\n  hint: " + h)
	}
	return b.String()
}

// LineError is a problem with one requirement or constraint line.
type LineError struct {
	Origin string // where it was written, "requirements.txt:3"
	Msg    string
}

func (e *LineError) Error() string { return e.Origin + ": " + e.Msg }

// Fault says where the problem is, for annotations: its line.
func (e *LineError) Fault() (title string, places []string) {
	if e.Origin == "" {
		return "", nil
	}
	return "requirements", []string{e.Origin}
}

func lineErrorf(origin, format string, args ...any) error {
	return &LineError{Origin: origin, Msg: fmt.Sprintf(format, args...)}
}
