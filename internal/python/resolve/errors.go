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

	noFit []pkgKey // the packages the report says have no usable version
}

func (e *NoSolutionError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no set of wheels for %s satisfies the requirements:\n  %s", e.Target, strings.ReplaceAll(e.Report, "\n", "\n  "))
	for _, h := range e.Hints {
		b.WriteString("\n  hint: " + h)
	}
	return b.String()
}
