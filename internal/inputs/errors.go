package inputs

import (
	"errors"
	"fmt"
	"strconv"
)

// ErrHelp is returned by Load after --help printed the usage; the caller exits 0.
var ErrHelp = errors.New("help requested")

// Error is a bad input: which input (and whether it came as a --flag), what is wrong with
// it and what to do. File and Line are set when a file is at fault (e.g. .python-version),
// so the caller can annotate it.
type Error struct {
	Input   string // input name, e.g. "runtime-memory"
	Flag    bool   // the value came from --input rather than INPUT_*
	Problem string // what is wrong; values quoted in it are already redacted
	Fix     string // what to do
	File    string // workspace-relative file at fault, if any
	Line    int    // 1-based line in File, if known
}

func (e *Error) Error() string {
	s := "input " + e.Input
	if e.Flag {
		s = "flag --" + e.Input
	}
	if e.File != "" {
		s += " (" + e.File
		if e.Line > 0 {
			s += ":" + strconv.Itoa(e.Line)
		}
		s += ")"
	}
	s += ": " + e.Problem
	if e.Fix != "" {
		s += "; " + e.Fix
	}
	return s
}

// Fault says where the error is at fault, for annotations: titled with the input, on
// File's Line when a file is at fault (see report.ErrorAnnotations).
func (e *Error) Fault() (title string, places []string) {
	title = "input " + e.Input
	if e.File == "" {
		return title, nil
	}
	return title, []string{e.File + ":" + strconv.Itoa(e.Line)}
}

func errorf(input string, fix string, format string, args ...any) *Error {
	return &Error{Input: input, Problem: fmt.Sprintf(format, args...), Fix: fix}
}
