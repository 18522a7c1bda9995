package report

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sethvargo/go-githubactions"
)

// Reporter is what the action prints and writes for the workflow: masks, log lines, stage
// groups, annotations, untrusted text, outputs and the job summary. It is the only way
// text reaches the runner, and all of it goes through one sanitizer (see Sanitize):
// masked secrets, URL credentials (parsed or not), signed-URL query values, and cuts of
// overlong words and lines.
type Reporter struct {
	out    *redactor
	gha    *githubactions.Action
	getenv func(string) string
	rand   io.Reader
	now    func() time.Time

	mu     sync.Mutex
	depth  int // open stages; groups do not nest, inner stages print no group
	stages []StageTime
}

// Option configures New.
type Option func(*Reporter)

// WithWriter sets where the log goes (default os.Stdout).
func WithWriter(w io.Writer) Option { return func(r *Reporter) { r.out = newRedactor(w) } }

// WithGetenv sets how GITHUB_OUTPUT and GITHUB_STEP_SUMMARY are found (default os.Getenv).
func WithGetenv(getenv func(string) string) Option { return func(r *Reporter) { r.getenv = getenv } }

// WithRand sets the source of heredoc delimiters and stop-commands tokens (default crypto/rand).
func WithRand(rd io.Reader) Option { return func(r *Reporter) { r.rand = rd } }

// WithClock sets the clock used to time stages.
func WithClock(now func() time.Time) Option { return func(r *Reporter) { r.now = now } }

// New returns a Reporter.
func New(opts ...Option) *Reporter {
	r := &Reporter{out: newRedactor(os.Stdout), getenv: os.Getenv, rand: rand.Reader, now: time.Now}
	for _, o := range opts {
		o(r)
	}
	r.gha = githubactions.New(githubactions.WithWriter(r.out), githubactions.WithGetenv(r.getenv))
	return r
}

// Mask registers secrets: the runner is told (::add-mask::) and this Reporter replaces
// them with *** in everything it prints from now on. Call it before printing anything.
// A multi-line secret is also masked line by line, as the runner masks lines.
func (r *Reporter) Mask(secrets ...string) error {
	var all []string
	for _, s := range secrets {
		if strings.TrimSpace(s) == "" {
			continue
		}
		all = append(all, s)
		if strings.ContainsAny(s, "\r\n") {
			for _, l := range strings.FieldsFunc(s, func(c rune) bool { return c == '\n' || c == '\r' }) {
				if strings.TrimSpace(l) != "" {
					all = append(all, l)
				}
			}
		}
	}
	for _, s := range r.out.add(all) {
		cmd := &githubactions.Command{Name: "add-mask", Message: s}
		if err := r.out.writeRaw(cmd.String() + "\n"); err != nil {
			return fmt.Errorf("mask: %w", err)
		}
	}
	return nil
}

// Sanitize returns s as the Reporter prints it: masked secrets replaced by ***, then
// package Sanitize (URL credentials, signed query values, cuts). For text that leaves
// some other way (error files, artifacts).
func (r *Reporter) Sanitize(s string) string { return r.out.sanitize(s) }

// Writer is the sanitizing log writer, for streaming trusted output (it must not carry
// workflow commands from elsewhere; use Untrusted for that).
func (r *Reporter) Writer() io.Writer { return r.out }

// Printf prints a log line. Text with a line that the runner would read as a workflow
// command (from an error message, say) is printed inert, as Untrusted does.
func (r *Reporter) Printf(format string, args ...any) error {
	s := fmt.Sprintf(format, args...)
	if looksLikeCommand(s) {
		return r.Untrusted("", s)
	}
	_, err := io.WriteString(r.out, strings.TrimSuffix(s, "\n")+"\n")
	return err
}

// looksLikeCommand reports whether the runner could read a command in s: a line
// starting with "::", or the legacy "##[name]" form, which the runner looks for anywhere
// in a line (actions/runner ActionCommand.TryParse).
func looksLikeCommand(s string) bool {
	if strings.Contains(s, "##[") {
		return true
	}
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(strings.TrimLeft(l, " \t\r"), "::") {
			return true
		}
	}
	return false
}

// Untrusted prints text that came from outside (function logs, smoke answers, index
// pages) so it cannot issue workflow commands: it goes between ::stop-commands::TOKEN and
// ::TOKEN:: with a random token that does not occur in it. title, if any, is printed
// before, as a normal line.
func (r *Reporter) Untrusted(title, text string) error {
	token, err := r.token(text)
	if err != nil {
		return err
	}
	var b strings.Builder
	if title != "" {
		b.WriteString(strings.ReplaceAll(title, "\n", " ") + "\n")
	}
	b.WriteString("::stop-commands::" + token + "\n")
	b.WriteString(text)
	if !strings.HasSuffix(text, "\n") {
		b.WriteString("\n")
	}
	b.WriteString("::" + token + "::\n")
	_, err = io.WriteString(r.out, b.String())
	return err
}

// token returns a random hex string that does not occur in any of avoid (case-insensitive:
// the runner compares command names that way).
func (r *Reporter) token(avoid ...string) (string, error) {
	for range 16 {
		buf := make([]byte, 16)
		if _, err := io.ReadFull(r.rand, buf); err != nil {
			return "", fmt.Errorf("random token: %w", err)
		}
		t := hex.EncodeToString(buf)
		clash := false
		for _, a := range avoid {
			if strings.Contains(strings.ToLower(a), t) {
				clash = true
			}
		}
		if !clash {
			return t, nil
		}
	}
	return "", errors.New("random token: every candidate occurs in the text")
}

// Level is an annotation level.
type Level string

const (
	LevelError   Level = "error"
	LevelWarning Level = "warning"
	LevelNotice  Level = "notice"
)

// Annotation is an ::error/::warning/::notice command, anchored to a file line when File
// is set (workspace-relative; the runner maps container paths back).
type Annotation struct {
	Level          Level
	File           string
	Line, EndLine  int
	Col, EndCol    int
	Title, Message string
}

// Annotate prints a; properties and message are sanitized, then escaped, so a message
// cannot break out of its command (sanitized first: escaping would hide a secret
// holding "%" from the mask, and a URL's "://" from the redaction).
func (r *Reporter) Annotate(a Annotation) {
	a.File, a.Title, a.Message = r.out.sanitize(a.File), r.out.sanitize(a.Title), r.out.sanitize(a.Message)
	props := map[string]string{}
	set := func(k, v string) {
		if v != "" {
			props[k] = v
		}
	}
	num := func(n int) string {
		if n <= 0 {
			return ""
		}
		return strconv.Itoa(n)
	}
	set("file", a.File)
	set("line", num(a.Line))
	set("endLine", num(a.EndLine))
	set("col", num(a.Col))
	set("endColumn", num(a.EndCol))
	set("title", a.Title)
	gha := r.gha.WithFieldsMap(props)
	switch a.Level {
	case LevelWarning:
		gha.Warningf("%s", a.Message)
	case LevelNotice:
		gha.Noticef("%s", a.Message)
	default:
		gha.Errorf("%s", a.Message)
	}
}

// StageTime is how long a stage took.
type StageTime struct {
	Name     string
	Duration time.Duration
	Failed   bool
}

// Stage runs fn inside a ::group:: named name and then prints how long it took. Stages
// inside a stage print no group of their own (the runner does not nest groups).
func (r *Reporter) Stage(name string, fn func() error) error {
	name = r.out.sanitize(name) // before the group command escapes it
	r.mu.Lock()
	outer := r.depth == 0
	r.depth++
	r.mu.Unlock()
	if outer {
		r.gha.Group(name)
	}
	start := r.now()
	err := fn()
	d := r.now().Sub(start)
	if outer {
		r.gha.EndGroup()
	}
	r.mu.Lock()
	r.depth--
	r.stages = append(r.stages, StageTime{Name: name, Duration: d, Failed: err != nil})
	r.mu.Unlock()
	status := "done in"
	if err != nil {
		status = "failed after"
	}
	fmt.Fprintf(r.out, "%s: %s %s\n", name, status, roundDuration(d))
	return err
}

// Stages returns the stages run so far, in the order they ended.
func (r *Reporter) Stages() []StageTime {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]StageTime(nil), r.stages...)
}

func roundDuration(d time.Duration) time.Duration {
	if d < time.Second {
		return d.Round(time.Millisecond)
	}
	return d.Round(100 * time.Millisecond)
}

// Flush writes a pending partial line of the log.
func (r *Reporter) Flush() error { return r.out.Flush() }
