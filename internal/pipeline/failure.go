package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// Errors say which lines of which files they are about through one of these methods;
// any package's error can have one without importing this package. Fail puts an
// ::error annotation on each such line, so that a pull request shows it there.
type (
	// fileLiner is an error about one line of one file (workspace-relative); line 0
	// means the file as a whole.
	fileLiner interface {
		FileLine() (file string, line int)
	}
	// originer is an error about several lines, each as "file:line" (a resolution
	// conflict names every requirement and constraint it rests on).
	originer interface{ Origins() []string }
)

// maxAnnotations is how many error annotations a failure makes: GitHub shows at most
// 10 per step; the rest would be lost.
const maxAnnotations = 10

// Fail tells the workflow why the run failed: one ::error annotation per problem, on
// each file line at fault where there is one, and the failure in the job summary (the
// stage, its explanation, and what was undone, which the error says). It returns the
// exit code: 130 when the run was cancelled (GitHub cancels with SIGINT, then SIGTERM),
// 1 otherwise.
func Fail(rep *report.Reporter, err error) int {
	stage := failedStage(rep)
	if errors.Is(err, context.Canceled) {
		msg := "the run was cancelled"
		if stage != "" {
			msg += " during " + stage
		}
		rep.Annotate(report.Annotation{Level: report.LevelError, Title: "cancelled", Message: msg + ": " + err.Error()})
		rep.AddSummary(failureSummary(rep, "Cancelled", stage, err))
		return 130
	}
	anns := annotations(err)
	if len(anns) > maxAnnotations {
		more := len(anns) - maxAnnotations + 1
		anns = anns[:maxAnnotations]
		anns[maxAnnotations-1].Message += fmt.Sprintf("\n(and %d more lines: see the job summary)", more)
	}
	for _, a := range anns {
		rep.Annotate(a)
	}
	rep.AddSummary(failureSummary(rep, "Failed", stage, err))
	return 1
}

// failedStage is the stage that failed, "" when none had started (bad inputs).
func failedStage(rep *report.Reporter) string {
	if st := rep.Stages(); len(st) > 0 && st[len(st)-1].Failed {
		return st[len(st)-1].Name
	}
	return ""
}

// annotations are the ::error annotations for err: one per bad input, one per line of
// a file an error names, else one for the whole error. Each problem's message is the
// whole of it (wrappers add what was undone, say); errors.Join's parts are separate
// problems.
func annotations(err error) []report.Annotation {
	var anns []report.Annotation
	var walk func(e error, msg string)
	walk = func(e error, msg string) {
		if e == nil {
			return
		}
		if ie, ok := e.(*inputs.Error); ok {
			anns = append(anns, report.Annotation{Level: report.LevelError, File: ie.File, Line: ie.Line, Title: "input " + ie.Input, Message: msg})
			return
		}
		if o, ok := e.(originer); ok {
			found := false
			for _, origin := range o.Origins() {
				if file, line, ok := splitOrigin(origin); ok {
					anns = append(anns, report.Annotation{Level: report.LevelError, File: file, Line: line, Title: "requirements", Message: msg})
					found = true
				}
			}
			if found {
				return
			}
		}
		if fl, ok := e.(fileLiner); ok {
			if file, line := fl.FileLine(); file != "" {
				anns = append(anns, report.Annotation{Level: report.LevelError, File: file, Line: line, Title: "requirements", Message: msg})
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
					anns = append(anns, report.Annotation{Level: report.LevelError, Message: c.Error()})
				}
			}
			return
		}
		walk(errors.Unwrap(e), msg)
	}
	walk(err, err.Error())
	if len(anns) == 0 {
		anns = append(anns, report.Annotation{Level: report.LevelError, Message: err.Error()})
	}
	return anns
}

// isJoin reports whether e is errors.Join's (whose parts are independent problems),
// rather than one error that wraps several causes.
func isJoin(e error) bool {
	return fmt.Sprintf("%T", e) == "*errors.joinError"
}

// splitOrigin reads "file:line" ("requirements.txt:3"); origins that name no file line
// ("Lithops 3.7.0 worker module") are not one.
func splitOrigin(origin string) (string, int, bool) {
	i := strings.LastIndexByte(origin, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(origin[i+1:])
	if err != nil || n <= 0 || strings.ContainsAny(origin[:i], " \t\n") {
		return "", 0, false
	}
	return origin[:i], n, true
}

// lineError ties an error found later (a download, a find-links folder) to the lines
// of the requirements that asked for it.
type lineError struct {
	origins []string
	err     error
}

func (e *lineError) Error() string     { return e.err.Error() }
func (e *lineError) Unwrap() error     { return e.err }
func (e *lineError) Origins() []string { return e.origins }

// atLines ties err to origins, when there are any.
func atLines(err error, origins ...string) error {
	var keep []string
	for _, o := range origins {
		if _, _, ok := splitOrigin(o); ok {
			keep = append(keep, o)
		}
	}
	if err == nil || len(keep) == 0 {
		return err
	}
	return &lineError{origins: keep, err: err}
}

// failureSummary is the job summary of a failed run: where it failed, what was planned
// and built by then, and the explanation (for a resolution, its derivation; after a
// deploy, what was undone, which the error says).
func failureSummary(rep *report.Reporter, what, stage string, err error) string {
	var md report.Markdown
	where := "while reading the inputs"
	if stage != "" {
		where = "during " + stage
	}
	var re *runError
	errors.As(err, &re)
	if re != nil && re.plan != nil {
		md.Heading(2, "Lithops runtime "+re.plan.RuntimeName+": "+strings.ToLower(what)+" "+where)
		planSummary(&md, re.plan)
		if re.pkg != nil {
			packageSummary(&md, re.plan, re.pkg)
		} else {
			md.Paragraph("Nothing was built.")
		}
	} else {
		md.Heading(2, "Lithops runtime: "+strings.ToLower(what)+" "+where)
	}
	md.Heading(3, "Why")
	// Sanitized here, with words and lines cut: the summary itself is not cut.
	md.CodeBlock("", rep.Sanitize(err.Error()))
	return md.String()
}
