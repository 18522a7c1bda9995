package pipeline

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/report"
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
	anns := report.ErrorAnnotations(err)
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

// lineError ties an error found later (a download, a find-links folder) to the lines
// of the requirements that asked for it.
type lineError struct {
	title   string // the file's kind, "requirements" or "lock"
	origins []string
	err     error
}

func (e *lineError) Error() string { return e.err.Error() }
func (e *lineError) Unwrap() error { return e.err }

// Fault puts the error on the file's lines (report.ErrorAnnotations).
func (e *lineError) Fault() (title string, places []string) { return e.title, e.origins }

// atLines ties err to origins, when there are any.
func atLines(err error, origins ...string) error {
	var keep []string
	for _, o := range origins {
		if _, line, ok := report.ParsePlace(o); ok && line > 0 {
			keep = append(keep, o)
		}
	}
	if err == nil || len(keep) == 0 {
		return err
	}
	return &lineError{title: "requirements", origins: keep, err: err}
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
	switch {
	case re != nil && re.summarized:
		// The run's own summary says what it did and what remains.
		title := re.title
		if re.plan != nil {
			title = "Lithops runtime " + re.plan.RuntimeName
		}
		md.Heading(2, title+": "+strings.ToLower(what)+" "+where)
	case re != nil && re.plan != nil:
		md.Heading(2, "Lithops runtime "+re.plan.RuntimeName+": "+strings.ToLower(what)+" "+where)
		planSummary(&md, re.plan)
		re.changes.section(&md)
		switch {
		case re.pkg != nil:
			packageSummary(&md, re.plan, re.pkg)
		case re.img != nil:
			md.Table(report.Table{
				Columns: []report.Column{{Title: "image digest", Code: true}, {Title: "distributions", Right: true}},
				Rows:    [][]string{{re.img.Digest.String(), fmt.Sprint(len(re.img.Distributions))}},
			})
		default:
			md.Paragraph("Nothing was built.")
		}
	case re != nil && re.title != "":
		md.Heading(2, re.title+": "+strings.ToLower(what)+" "+where)
	default:
		md.Heading(2, "Lithops runtime: "+strings.ToLower(what)+" "+where)
	}
	md.Heading(3, "Why")
	// Sanitized here, with words and lines cut: the summary itself is not cut.
	md.CodeBlock("", rep.Sanitize(err.Error()))
	return md.String()
}
