package pipeline

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/report"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// TestShowIsInert: the function's log and tracebacks cannot issue workflow commands, and
// the log is in a group.
func TestShowIsInert(t *testing.T) {
	var out bytes.Buffer
	r := report.New(report.WithWriter(&out))
	err := &verify.SmokeError{Function: "lithops-smoke-1", Problem: "1 of 2 modules failed",
		Log:      "importing badmod\n::error::pwned by the log\n::add-mask::x\n",
		Failures: []verify.ImportFailure{{Module: "badmod", Error: "RuntimeError: x", Traceback: "Traceback\n::set-output name=a::b\n"}}}
	if e := showSmokeFailure(r, errors.Join(errors.New("wrapped"), err)); e != nil {
		t.Fatal(e)
	}
	r.Flush()
	text := out.String()
	if !strings.Contains(text, "::group::Log of function lithops-smoke-1") || !strings.Contains(text, "::endgroup::") {
		t.Errorf("the log is not in a group:\n%s", text)
	}
	// Every line that looks like a command must sit between ::stop-commands::T and ::T::.
	stopped := ""
	for _, line := range strings.Split(text, "\n") {
		switch {
		case stopped != "" && line == "::"+stopped+"::":
			stopped = ""
		case strings.HasPrefix(line, "::stop-commands::"):
			stopped = strings.TrimPrefix(line, "::stop-commands::")
		case stopped == "" && (strings.Contains(line, "pwned") || strings.Contains(line, "set-output") || strings.Contains(line, "add-mask")):
			t.Errorf("untrusted line printed live: %q", line)
		}
	}
	if !strings.Contains(text, "pwned by the log") || !strings.Contains(text, "set-output") {
		t.Errorf("the log or traceback is missing:\n%s", text)
	}
}

// TestSmokeResult: the smoke-result output of every way a run ends.
func TestSmokeResult(t *testing.T) {
	tests := []struct {
		s    SmokeResult
		want string
	}{
		{SmokeResult{Skipped: "dry run"}, "skipped (dry run)"},
		{SmokeResult{Skipped: "smoke: none", Metadata: true}, "skipped (smoke: none)"},
		{SmokeResult{Imports: ImportsOK, Modules: 12, Metadata: true}, "imports ok (12 modules), metadata ok"},
		{SmokeResult{Imports: ImportsUnchanged, Metadata: true}, "imports skipped (package unchanged), metadata ok"},
		{SmokeResult{Metadata: true}, "metadata ok"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.s, got, tt.want)
		}
	}
}
