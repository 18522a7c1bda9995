package report_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/report"
)

// everyPath sends text through every way a Reporter lets text reach the runner: log
// lines, the stream writer, stage names, untrusted text, each annotation field, the
// summary, and outputs (printed, or written to GITHUB_OUTPUT). It returns all that the
// runner would get: the log, the summary and the output file.
func everyPath(t *testing.T, text string, secrets ...string) (log, summary, outputs string) {
	t.Helper()
	dir := t.TempDir()
	sum, out := filepath.Join(dir, "summary"), filepath.Join(dir, "output")
	env := map[string]string{"GITHUB_STEP_SUMMARY": sum, "GITHUB_OUTPUT": out}
	r, buf := newReporter(t, env)
	r.Mask(secrets...)
	r.Printf("%s", text)
	io.WriteString(r.Writer(), text+"\n")
	r.Stage(text, func() error { return nil })
	r.Untrusted(text, text)
	r.Annotate(report.Annotation{File: text, Line: 1, Title: text, Message: text})
	r.AddSummary(text)
	if err := r.SetOutputs(report.Outputs{SmokeResult: text}); err == nil {
		// Accepted: it holds nothing the sanitizer hides. Print it as on a laptop too.
		delete(env, "GITHUB_OUTPUT")
		r.SetOutputs(report.Outputs{SmokeResult: text})
	}
	r.Flush()
	s, _ := os.ReadFile(sum)
	o, _ := os.ReadFile(out)
	return buf.String(), string(s), string(o)
}

// shown is what a user sees of a log on the runner: command data and properties are
// unescaped (a masked secret holding "%" must not come back through its escape), and
// ::add-mask:: lines are not shown.
func shown(log string) string {
	var b strings.Builder
	unescape := strings.NewReplacer("%25", "%", "%0D", "\r", "%0A", "\n", "%3A", ":", "%2C", ",")
	for _, l := range strings.Split(log, "\n") {
		if strings.HasPrefix(l, "::add-mask::") {
			continue
		}
		b.WriteString(unescape.Replace(l) + "\n")
	}
	return b.String()
}

func TestSanitizedOnEveryPath(t *testing.T) {
	tests := []struct {
		name    string
		text    string
		secrets []string // registered with Mask
		hidden  []string // must not reach the runner
	}{
		{name: "a token with / and + that url.Parse rejects", text: `index-url "https://__token__:pypi-AgEI/abc+def@pypi.example.com/simple" is not a valid URL`, hidden: []string{"AgEI/abc+def", "abc+def"}},
		{name: "a password with #", text: "find-links https://ci:pa#ss@h.example/w/", hidden: []string{"pa#ss"}},
		{name: "a base href without a scheme", text: `<base href="//u:s3cr3t@mirror.example/x/">: invalid URL`, hidden: []string{"s3cr3t"}},
		{name: "a direct URL", text: "pkg @ https://user:pa/ss@host.example/x.whl: not found", hidden: []string{"pa/ss"}},
		{name: "a net/url error", text: `parse "https://u:tok/en@h.example/x": invalid port ":tok" after host`, hidden: []string{"tok/en", `":tok"`}},
		{name: "a signed OSS URL", text: "GET https://b.oss-cn-hangzhou.aliyuncs.com/p.zip?OSSAccessKeyId=STS.NUk&Expires=1&Signature=q%2Bs%3D&security-token=CAIS9", hidden: []string{"STS.NUk", "q%2Bs%3D", "CAIS9"}},
		{name: "an FC 3.0 presigned header in a query", text: "code at https://fc.example.com/x?x-fc-credential=AK/20260101&x-acs-security-token=TOK", hidden: []string{"AK/20260101", "TOK"}},
		{name: "a registered secret with %", text: "key pa%40ss and multi\nline-s3cret", secrets: []string{"pa%40ss", "multi\nline-s3cret"}, hidden: []string{"pa%40ss", "multi", "line-s3cret"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, summary, outputs := everyPath(t, tt.text, tt.secrets...)
			for where, got := range map[string]string{"log": shown(log), "summary": summary, "GITHUB_OUTPUT": outputs} {
				for _, h := range tt.hidden {
					if strings.Contains(got, h) {
						t.Errorf("%s shows %q:\n%s", where, h, got)
					}
				}
			}
		})
	}
}

func TestLongInputIsCut(t *testing.T) {
	name := strings.Repeat("a", 200000)
	log, summary, _ := everyPath(t, `invalid requirement "`+name+`==1": expected end`)
	for _, l := range strings.Split(log, "\n") {
		if len(l) > report.MaxLine {
			t.Errorf("a log line of %d bytes", len(l))
		}
		// A run of 20: the random ::stop-commands:: token holds "aaa" in about 1 run of 140.
		if strings.Contains(l, strings.Repeat("a", 20)) && !strings.Contains(l, "more bytes") {
			t.Errorf("a cut line does not say what was cut: %.200s", l)
		}
	}
	if len(log) > 10*report.MaxLine {
		t.Errorf("the log is %d bytes for one message on each path", len(log))
	}
	if !strings.Contains(summary, name) {
		t.Errorf("the summary was cut: it is the action's own text, with a limit of its own")
	}
	// Cutting twice changes nothing: the cut text is within the bounds.
	once := report.Sanitize(strings.Repeat("w", 3*report.MaxWord) + " " + strings.Repeat("x ", report.MaxLine))
	if twice := report.Sanitize(once); twice != once {
		t.Errorf("Sanitize is not idempotent:\n%.300s\n%.300s", once, twice)
	}
	if len(once) > report.MaxLine {
		t.Errorf("a line of %d bytes", len(once))
	}
}

func TestSetOutputsRefusesURLCredentials(t *testing.T) {
	outFile := filepath.Join(t.TempDir(), "output")
	r, _ := newReporter(t, map[string]string{"GITHUB_OUTPUT": outFile})
	err := r.SetOutputs(report.Outputs{PackagePath: "https://u:p/w@h.example/x.zip"})
	if err == nil || !strings.Contains(err.Error(), "package-path") {
		t.Errorf("error %v", err)
	}
	if _, err := os.Stat(outFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("GITHUB_OUTPUT written: %v", err)
	}
}

// FuzzReporter plants a secret in a URL's user information, or as a registered secret,
// inside random text, and sends the text through every Reporter path: the secret never
// reaches the log, the summary or GITHUB_OUTPUT.
func FuzzReporter(f *testing.F) {
	f.Add("index ", "https", "__token__", "pypi-AgEI/abc+", "@pypi.example.com/simple", " is not valid")
	f.Add(`<base href="`, "", "", ":", "@", `">: invalid URL`)
	f.Add("", "git+https", "u", "x#y", "@h.example/r.git@v1", "")
	const secret = "SeKr3tV4lue"
	f.Fuzz(func(t *testing.T, before, scheme, user, pass, after, tail string) {
		if strings.ContainsAny(scheme+user+pass, " \t\r\n\"'`<>") || strings.HasPrefix(user, "/") ||
			strings.Contains(before+after+tail, "SeKr3t") || !strings.HasPrefix(after, "@") ||
			strings.ContainsAny(after, " \t\r\n\"'`<>") {
			t.Skip()
		}
		prefix := "//"
		if scheme != "" {
			if strings.Trim(scheme, "abcdefghijklmnopqrstuvwxyz+.-") != "" || scheme[0] < 'a' {
				t.Skip()
			}
			prefix = scheme + "://"
		}
		if before != "" && strings.IndexByte(" \t\r\n\"'`<>=([{,;|", before[len(before)-1]) < 0 {
			before += " "
		}
		// As a password, and as a registered secret anywhere in the text.
		for _, tc := range []struct{ text, mask string }{
			{before + prefix + user + ":" + pass + secret + "@" + after[1:] + tail, ""},
			{before + secret + tail, secret},
		} {
			if strings.ContainsAny(user, "@:") || strings.ContainsAny(pass, "@") {
				continue // the password would start or end elsewhere
			}
			log, summary, outputs := everyPath(t, tc.text, tc.mask)
			for where, got := range map[string]string{"log": shown(log), "summary": summary, "GITHUB_OUTPUT": outputs} {
				if strings.Contains(got, secret) {
					t.Fatalf("%s shows the secret for %q:\n%s", where, tc.text, got)
				}
			}
		}
	})
}
