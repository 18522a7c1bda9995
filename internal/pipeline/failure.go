package pipeline

import (
	"context"
	"errors"

	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// Fail tells the workflow why the run failed: one ::error annotation per problem,
// anchored to the file and line at fault where there is one. It returns the exit
// code: 130 when the run was cancelled (GitHub cancels with SIGINT, then SIGTERM),
// 1 otherwise.
func Fail(rep *report.Reporter, err error) int {
	if errors.Is(err, context.Canceled) {
		msg := "the run was cancelled"
		if st := rep.Stages(); len(st) > 0 && st[len(st)-1].Failed {
			msg += " during " + st[len(st)-1].Name
		}
		rep.Annotate(report.Annotation{Level: report.LevelError, Title: "cancelled", Message: msg + ": " + err.Error()})
		return 130
	}
	var anns []report.Annotation
	for _, e := range inputs.Errors(err) {
		anns = append(anns, report.Annotation{Level: report.LevelError, File: e.File, Line: e.Line, Title: "input " + e.Input, Message: e.Error()})
	}
	var rerr *reqfile.Error
	if errors.As(err, &rerr) {
		anns = append(anns, report.Annotation{Level: report.LevelError, File: rerr.File, Line: rerr.Line, Title: "requirements", Message: rerr.Error()})
	}
	if len(anns) == 0 {
		anns = append(anns, report.Annotation{Level: report.LevelError, Message: err.Error()})
	}
	for _, a := range anns {
		rep.Annotate(a)
	}
	return 1
}
