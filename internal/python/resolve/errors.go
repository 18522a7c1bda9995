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
	Target string // the target, as "cp312-manylinux_2_31_x86_64"
	Report string // the explanation, one sentence a line
}

func (e *NoSolutionError) Error() string {
	return fmt.Sprintf("no set of wheels for %s satisfies the requirements:\n  %s",
		e.Target, strings.ReplaceAll(e.Report, "\n", "\n  "))
}
