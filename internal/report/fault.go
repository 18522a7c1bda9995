package report

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// An error says where it is at fault, so that a pull request shows it there, with one
// method that any package's error can have without importing report (its signature uses
// built-in types only):
//
//	Fault() (title string, places []string)
//
// title heads the annotation ("input runtime-memory", "requirements"); places are the
// workspace-relative file lines at fault, "file:line" ("requirements.txt:3"; line 0 for
// the file as a whole). Other strings among places ("Lithops 3.7.0 worker module") are
// no place and are left out. An error with places gets one annotation on each; one with
// a title and no places at all gets one annotation without a file; one with neither is
// looked through, as errors that do not say where they are. The message is the error's
// text, which says what to do.
type fault interface {
	Fault() (title string, places []string)
}

// ParsePlace reads a place, "file:line" with line 0 or more; ok is false for anything
// else (a name with white space in it names no file).
func ParsePlace(s string) (file string, line int, ok bool) {
	i := strings.LastIndexByte(s, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(s[i+1:])
	if err != nil || n < 0 || strings.ContainsAny(s[:i], " \t\n") {
		return "", 0, false
	}
	return s[:i], n, true
}

// ErrorAnnotations are the ::error annotations for err: one per place an error in it is
// at fault (see fault), else one for the whole error. Each problem's message is the whole
// of it (wrappers add what was undone, say); errors.Join's parts are separate problems.
func ErrorAnnotations(err error) []Annotation {
	var anns []Annotation
	var walk func(e error, msg string)
	walk = func(e error, msg string) {
		if e == nil {
			return
		}
		if f, ok := e.(fault); ok {
			title, places := f.Fault()
			found := false
			for _, p := range places {
				if file, line, ok := ParsePlace(p); ok {
					anns = append(anns, Annotation{Level: LevelError, File: file, Line: line, Title: title, Message: msg})
					found = true
				}
			}
			if found {
				return
			}
			if title != "" && len(places) == 0 {
				anns = append(anns, Annotation{Level: LevelError, Title: title, Message: msg})
				return
			}
		}
		if j, ok := e.(interface{ Unwrap() []error }); ok {
			for _, c := range j.Unwrap() {
				if !isJoin(e) {
					walk(c, msg)
					continue
				}
				n := len(anns)
				walk(c, c.Error())
				if len(anns) == n { // a problem tied to no line
					anns = append(anns, Annotation{Level: LevelError, Message: c.Error()})
				}
			}
			return
		}
		walk(errors.Unwrap(e), msg)
	}
	walk(err, err.Error())
	if len(anns) == 0 {
		anns = append(anns, Annotation{Level: LevelError, Message: err.Error()})
	}
	return anns
}

// isJoin reports whether e is errors.Join's (whose parts are independent problems),
// rather than one error that wraps several causes.
func isJoin(e error) bool {
	return fmt.Sprintf("%T", e) == "*errors.joinError"
}
