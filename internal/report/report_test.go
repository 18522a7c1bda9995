package report_test

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// hostile is a value from the cloud trying every trick: a forged heredoc delimiter (the
// one go-githubactions uses and a ghadelimiter_ guess), new output lines, and workflow
// commands on their own lines.
const hostile = "ok\n_GitHubActionsFileCommandDelimeter_\nghadelimiter_00000000000000000000000000000000\n" +
	"function-arn=acs:fc:evil\nfunction-name<<EOF\nevil\nEOF\n::set-output name=deployed::created\n" +
	"::add-mask::ok\n##[set-output name=x]y\n::stop-commands::abc\n"

func newReporter(t *testing.T, env map[string]string, opts ...report.Option) (*report.Reporter, *bytes.Buffer) {
	t.Helper()
	var log bytes.Buffer
	opts = append([]report.Option{report.WithWriter(&log), report.WithGetenv(func(k string) string { return env[k] })}, opts...)
	return report.New(opts...), &log
}

func TestSetOutputsResistsInjection(t *testing.T) {
	dir := t.TempDir()
	outFile := filepath.Join(dir, "output")
	// An earlier step's line must survive.
	if err := os.WriteFile(outFile, []byte("earlier=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, log := newReporter(t, map[string]string{"GITHUB_OUTPUT": outFile})
	o := report.Outputs{
		FunctionARN:  "acs:fc:cn-hangzhou:123:functions/f",
		FunctionName: "f",
		Functions:    []report.FunctionOutput{{Memory: 256, Name: "f", ARN: "acs:fc:cn-hangzhou:123:functions/f", RuntimeKey: "aliyun_fc/3.7.0/cn-hangzhou/f", Deployed: deploy.Created}},
		PackageSize:  12345,
		Deployed:     deploy.Created,
		SmokeResult:  hostile,
	}
	if err := r.SetOutputs(o); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(outFile)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parseOutputFile(string(data))
	if err != nil {
		t.Fatalf("runner would fail on GITHUB_OUTPUT: %v\n%s", err, data)
	}
	want := map[string]string{"earlier": "1"}
	for _, f := range report.OutputFields() {
		want[f.Name] = ""
	}
	want["function-arn"] = o.FunctionARN
	want["function-name"] = "f"
	want["functions"] = `[{"memory":256,"name":"f","arn":"acs:fc:cn-hangzhou:123:functions/f","runtime_key":"aliyun_fc/3.7.0/cn-hangzhou/f","deployed":"created"}]`
	want["package-size"] = "12345"
	want["deployed"] = "created"
	want["smoke-result"] = hostile
	for _, list := range []string{"deleted", "already-gone", "remaining", "runtimes"} {
		want[list] = "[]" // an empty list is JSON's, so fromJSON reads it
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outputs as the runner reads them (-want +got):\n%s", diff)
	}
	if log.Len() != 0 {
		t.Errorf("SetOutputs printed to the log: %q", log.String())
	}
}

// seqReader returns the given chunks in turn (then zeros), to force delimiter choices.
type seqReader struct{ chunks [][]byte }

func (s *seqReader) Read(p []byte) (int, error) {
	if len(s.chunks) == 0 {
		return copy(p, make([]byte, len(p))), nil
	}
	n := copy(p, s.chunks[0])
	s.chunks = s.chunks[1:]
	return n, nil
}

func TestSetOutputsRedrawsADelimiterFoundInTheValue(t *testing.T) {
	first := bytes.Repeat([]byte{0xab}, 16)
	second := bytes.Repeat([]byte{0xcd}, 16)
	// The value contains the first delimiter on a line of its own.
	value := "a\nghadelimiter_" + hex.EncodeToString(first) + "\nfunction-name=evil"
	outFile := filepath.Join(t.TempDir(), "output")
	r, _ := newReporter(t, map[string]string{"GITHUB_OUTPUT": outFile}, report.WithRand(&seqReader{chunks: [][]byte{first, second}}))
	if err := r.SetOutputs(report.Outputs{SmokeResult: value}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(outFile)
	if !strings.HasPrefix(string(data), "function-arn<<ghadelimiter_"+hex.EncodeToString(second)+"\n") {
		t.Errorf("the delimiter was not drawn again:\n%s", data)
	}
	got, err := parseOutputFile(string(data))
	if err != nil {
		t.Fatal(err)
	}
	if got["smoke-result"] != value || got["function-name"] != "" {
		t.Errorf("smoke-result %q, function-name %q", got["smoke-result"], got["function-name"])
	}
}

func TestSetOutputsWithoutGitHubOutputPrintsInertLines(t *testing.T) {
	r, log := newReporter(t, map[string]string{})
	if err := r.SetOutputs(report.Outputs{FunctionName: "f", SmokeResult: hostile}); err != nil {
		t.Fatal(err)
	}
	// Only the stop/resume pair around the block: the legacy ##[set-output] in the
	// value would act even inside its quotes, since the runner reads ##[ anywhere.
	if cmds := runnerCommands(log.String()); len(cmds) != 2 || cmds[0].name != "stop-commands" {
		t.Errorf("printed outputs issue commands: %+v\n%s", cmds, log)
	}
	for _, want := range []string{"  function-name=f\n", "  smoke-result=" + `"ok\n_GitHub`} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}

func TestSetOutputsRefusesSecrets(t *testing.T) {
	outFile := filepath.Join(t.TempDir(), "output")
	r, _ := newReporter(t, map[string]string{"GITHUB_OUTPUT": outFile})
	r.Mask("LTAIsecretKeyId")
	err := r.SetOutputs(report.Outputs{SmokeResult: "key LTAIsecretKeyId ok"})
	if err == nil || err.Error() != "outputs smoke-result contain a secret; none were set" {
		t.Errorf("error %v", err)
	}
	if _, err := os.Stat(outFile); !os.IsNotExist(err) {
		t.Errorf("GITHUB_OUTPUT written: %v", err)
	}
}

func TestMaskComesFirstAndRedacts(t *testing.T) {
	r, log := newReporter(t, nil)
	w := r.Writer()
	io.WriteString(w, "starting ")
	if err := r.Mask("s3cr3t-value", "", "  ", "multi\nline-secret"); err != nil {
		t.Fatal(err)
	}
	r.Mask("s3cr3t-value") // again: no second command
	io.WriteString(w, "key=s3cr")
	io.WriteString(w, "3t-value done\n")
	r.Printf("token %s and %s", "line-secret", "multi")
	r.Flush()
	want := "starting \n" +
		"::add-mask::s3cr3t-value\n" +
		"::add-mask::multi%0Aline-secret\n" +
		"::add-mask::multi\n" +
		"::add-mask::line-secret\n" +
		"key=*** done\n" +
		"token *** and ***\n"
	if diff := cmp.Diff(want, log.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if got := r.Sanitize("a multi\nline-secret b"); got != "a *** b" {
		t.Errorf("Redact = %q", got)
	}
}

func TestAnnotate(t *testing.T) {
	r, log := newReporter(t, nil)
	r.Mask("hunter2")
	log.Reset()
	r.Annotate(report.Annotation{File: "requirements.txt", Line: 3, Title: "Bad pin: x,y", Message: "no wheel\nfor numpy==1.0 (password hunter2)\n::add-mask::x"})
	r.Annotate(report.Annotation{Level: report.LevelWarning, Message: "100%"})
	r.Annotate(report.Annotation{Level: report.LevelNotice, File: "pyproject.toml", Line: 4, EndLine: 5, Col: 1, EndCol: 9, Message: "chose 3.12"})
	want := "::error file=requirements.txt,line=3,title=Bad pin%3A x%2Cy::no wheel%0Afor numpy==1.0 (password ***)%0A::add-mask::x\n" +
		"::warning::100%25\n" +
		"::notice col=1,endColumn=9,endLine=5,file=pyproject.toml,line=4::chose 3.12\n"
	if diff := cmp.Diff(want, log.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	cmds := runnerCommands(log.String())
	if len(cmds) != 3 || cmds[0].name != "error" || cmds[1].name != "warning" || cmds[2].name != "notice" {
		t.Errorf("runner sees %+v", cmds)
	}
}

func TestUntrustedTextIssuesNoCommand(t *testing.T) {
	r, log := newReporter(t, nil)
	text := "log line\n::add-mask::x\n  ::set-output name=a::b\n##[error]boom\n::STOP-COMMANDS::other\n::endgroup::\nno newline at end"
	if err := r.Untrusted("function log:", text); err != nil {
		t.Fatal(err)
	}
	r.Printf("after ::error:: inline is fine")
	r.Printf("an error message\n::warning::forged on line two")
	r.Printf("FC said: Busy ##[set-output name=evil;]forged, mid-line") // the runner reads ##[ anywhere
	cmds := runnerCommands(log.String())
	var names []string
	for _, c := range cmds {
		names = append(names, c.name)
	}
	// Only the stop/resume pairs are processed: one for Untrusted, one for each Printf
	// that held something the runner would read as a command.
	if len(cmds) != 6 || cmds[0].name != "stop-commands" || cmds[2].name != "stop-commands" || cmds[4].name != "stop-commands" {
		t.Fatalf("runner processed %v\n%s", names, log)
	}
	if !strings.Contains(log.String(), "\nno newline at end\n") || !strings.HasPrefix(log.String(), "function log:\n::stop-commands::") {
		t.Errorf("text not echoed verbatim:\n%s", log)
	}
}

func TestUntrustedTokenAvoidsTheText(t *testing.T) {
	first := bytes.Repeat([]byte{0x11}, 16)
	second := bytes.Repeat([]byte{0x22}, 16)
	text := "::" + strings.ToUpper(hex.EncodeToString(first)) + "::\n::add-mask::x"
	r, log := newReporter(t, nil, report.WithRand(&seqReader{chunks: [][]byte{first, second}}))
	if err := r.Untrusted("", text); err != nil {
		t.Fatal(err)
	}
	cmds := runnerCommands(log.String())
	if len(cmds) != 2 || cmds[0].data != hex.EncodeToString(second) {
		t.Errorf("runner processed %+v\n%s", cmds, log)
	}
}

func TestStage(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(750 * time.Millisecond); return now }
	r, log := newReporter(t, nil, report.WithClock(clock))
	err := r.Stage("resolve", func() error {
		r.Printf("resolving")
		return r.Stage("fetch", func() error { return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := r.Stage("deploy", func() error { return io.ErrUnexpectedEOF })
	if boom != io.ErrUnexpectedEOF {
		t.Errorf("Stage returned %v", boom)
	}
	want := "::group::resolve\nresolving\nfetch: done in 750ms\n::endgroup::\nresolve: done in 2.3s\n" +
		"::group::deploy\n::endgroup::\ndeploy: failed after 750ms\n"
	if diff := cmp.Diff(want, log.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	wantStages := []report.StageTime{
		{Name: "fetch", Duration: 750 * time.Millisecond},
		{Name: "resolve", Duration: 2250 * time.Millisecond},
		{Name: "deploy", Duration: 750 * time.Millisecond, Failed: true},
	}
	if diff := cmp.Diff(wantStages, r.Stages()); diff != "" {
		t.Errorf("Stages (-want +got):\n%s", diff)
	}
}

func TestAddSummary(t *testing.T) {
	sum := filepath.Join(t.TempDir(), "summary")
	r, _ := newReporter(t, map[string]string{"GITHUB_STEP_SUMMARY": sum})
	r.Mask("p@ssw0rd")
	var md report.Markdown
	md.Heading(2, "Runtime *my_rt*").
		Paragraph("index https://u:p@ssw0rd@host <b>").
		Table(report.Table{
			Columns: []report.Column{{Title: "package"}, {Title: "wheel", Code: true}, {Title: "size", Right: true}},
			Rows: [][]string{
				{"a|b", "a|b-1.0-py3-none-any.whl", "10"},
				{"x\ny", "`tick`", ""},
				{"short"},
			},
		})
	if err := r.AddSummary(md.String()); err != nil {
		t.Fatal(err)
	}
	if err := r.AddSummary("second"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(sum)
	want := "## Runtime \\*my\\_rt\\*\n\n" +
		"index https://****@host &lt;b&gt;\n\n" +
		"| package | wheel | size |\n| --- | --- | ---: |\n" +
		"| a\\|b | `a\\|b-1.0-py3-none-any.whl` | 10 |\n" +
		"| x<br>y | `` `tick` `` |  |\n" +
		"| short |  |  |\n\n" +
		"second\n"
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestAddSummaryTruncatesAtTheLimit(t *testing.T) {
	sum := filepath.Join(t.TempDir(), "summary")
	r, _ := newReporter(t, map[string]string{"GITHUB_STEP_SUMMARY": sum})
	line := strings.Repeat("x", 99) + "\n"
	if err := r.AddSummary(strings.Repeat(line, 12000)); err != nil { // 1.2 MB
		t.Fatal(err)
	}
	got, _ := os.ReadFile(sum)
	if len(got) > report.MaxSummaryBytes || !strings.HasSuffix(string(got), "1 MiB per step)_\n") {
		t.Errorf("summary is %d bytes, ends %q", len(got), got[len(got)-40:])
	}
	if err := r.AddSummary(strings.Repeat(line, 10)); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(sum); len(again) != len(got) {
		t.Errorf("a full summary grew from %d to %d bytes", len(got), len(again))
	}
}

func TestNoSummaryOutsideActions(t *testing.T) {
	r, log := newReporter(t, map[string]string{})
	if err := r.AddSummary("# hi"); err != nil || log.Len() != 0 {
		t.Errorf("err %v, log %q", err, log)
	}
}

func TestWriterIsSafeForConcurrentUse(t *testing.T) {
	r, log := newReporter(t, nil)
	r.Mask("topsecret")
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range 200 {
				fmt.Fprintf(r.Writer(), "goroutine %d line %d topsecret\n", g, i)
			}
		}()
	}
	for range 4 {
		<-done
	}
	lines := strings.Split(strings.TrimSuffix(log.String(), "\n"), "\n")
	if len(lines) != 1+4*200 {
		t.Fatalf("%d lines", len(lines))
	}
	for _, l := range lines[1:] {
		if !strings.HasPrefix(l, "goroutine ") || !strings.HasSuffix(l, " ***") {
			t.Fatalf("mangled line %q", l)
		}
	}
}

// TestCodeBlock: the fence is longer than any backtick run in the text, so the text
// cannot close the block and turn into markdown.
func TestCodeBlock(t *testing.T) {
	for _, text := range []string{"a: 1\n", "x ``` y", "````\n**bold**"} {
		var m report.Markdown
		got := m.CodeBlock("yaml", text).String()
		lines := strings.Split(strings.TrimRight(got, "\n"), "\n")
		open, close := strings.TrimSuffix(lines[0], "yaml"), lines[len(lines)-1]
		if open != close || strings.Trim(open, "`") != "" || len(open) < 3 {
			t.Fatalf("CodeBlock(%q) = %q: fences %q and %q", text, got, open, close)
		}
		if inner := strings.Join(lines[1:len(lines)-1], "\n"); inner != strings.TrimSuffix(text, "\n") || strings.Contains(inner, open) {
			t.Errorf("CodeBlock(%q) body %q, or it holds the fence %s", text, inner, open)
		}
	}
}
