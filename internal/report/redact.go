package report

import (
	"bytes"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Bounds of one message. A word (a run without white space) is where an input quoted
// whole goes: a requirement, a name, a URL; MaxWord leaves room for the longest real
// ones (wheel URLs), while a hostile one is cut. MaxLine bounds a line of the log or an
// annotation (one line on the runner, its line breaks escaped).
const (
	MaxWord = 512
	MaxLine = 16 << 10
)

// Sanitize returns s as it may reach the runner: the user information of every
// URL-like text (parsed or not) and the values of signed-URL query parameters masked
// (urlcred.RedactText), and every word and line cut to MaxWord and MaxLine with a count
// of what was cut. It knows no registered secret: Reporter.Sanitize adds those. It is
// for text that must leave before a Reporter exists (main's last resort).
func Sanitize(s string) string { return capText(urlcred.RedactText(s)) }

// redactor is a line-buffered writer that sanitizes every line before the bytes reach w:
// registered secrets become "***", then URL credentials and signed query values are
// masked and words and lines are cut (see Sanitize). Buffering whole lines catches a
// secret split across writes; the runner reads the log line by line anyway. Every byte
// the Reporter prints goes through it, but for the ::add-mask:: commands themselves
// (writeRaw). Safe for concurrent use.
type redactor struct {
	mu       sync.Mutex
	w        io.Writer
	pending  []byte
	secrets  map[string]bool
	replacer *strings.Replacer
}

func newRedactor(w io.Writer) *redactor {
	return &redactor{w: w, secrets: map[string]bool{}, replacer: strings.NewReplacer()}
}

// add registers secrets; it reports those that were new.
func (r *redactor) add(secrets []string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var added []string
	for _, s := range secrets {
		if !r.secrets[s] {
			r.secrets[s] = true
			added = append(added, s)
		}
	}
	if len(added) > 0 {
		all := make([]string, 0, len(r.secrets))
		for s := range r.secrets {
			all = append(all, s)
		}
		// Longest first, so a secret containing another is replaced whole.
		sort.Slice(all, func(i, j int) bool {
			if len(all[i]) != len(all[j]) {
				return len(all[i]) > len(all[j])
			}
			return all[i] < all[j]
		})
		pairs := make([]string, 0, 2*len(all))
		for _, s := range all {
			pairs = append(pairs, s, "***")
		}
		r.replacer = strings.NewReplacer(pairs...)
	}
	return added
}

// redact returns s with the registered secrets replaced and URL credentials masked,
// nothing cut: for outputs and the job summary.
func (r *redactor) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.redactLocked(s)
}

func (r *redactor) redactLocked(s string) string {
	return urlcred.RedactText(r.replacer.Replace(s))
}

// sanitize is redact, then the cuts of Sanitize.
func (r *redactor) sanitize(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return capText(r.redactLocked(s))
}

func (r *redactor) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pending = append(r.pending, p...)
	i := bytes.LastIndexByte(r.pending, '\n')
	if i < 0 {
		return len(p), nil
	}
	lines := string(r.pending[:i+1])
	r.pending = append(r.pending[:0], r.pending[i+1:]...)
	if _, err := io.WriteString(r.w, capText(r.redactLocked(lines))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeRaw writes s unsanitized (the ::add-mask:: commands themselves), after ending any
// partial line so the command starts a line of its own.
func (r *redactor) writeRaw(s string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.flushLocked(true); err != nil {
		return err
	}
	_, err := io.WriteString(r.w, s)
	return err
}

// writeLines writes whole lines redacted, with lines but not words cut (outputs printed
// on a laptop: a long functions list is no hostile input), after ending any partial
// line.
func (r *redactor) writeLines(s string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.flushLocked(true); err != nil {
		return err
	}
	lines := strings.SplitAfter(r.redactLocked(s), "\n")
	for i, l := range lines {
		lines[i] = capLine(l, false)
	}
	_, err := io.WriteString(r.w, strings.Join(lines, ""))
	return err
}

// Flush writes a pending partial line.
func (r *redactor) Flush() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.flushLocked(false)
}

func (r *redactor) flushLocked(newline bool) error {
	if len(r.pending) == 0 {
		return nil
	}
	s := capText(r.redactLocked(string(r.pending)))
	if newline {
		s += "\n"
	}
	r.pending = r.pending[:0]
	_, err := io.WriteString(r.w, s)
	return err
}

// capText cuts every word of s to MaxWord bytes and every line to MaxLine, saying how
// much was cut. Cut text is itself within the bounds, so cutting twice changes nothing.
func capText(s string) string {
	if len(s) <= MaxWord {
		return s
	}
	lines := strings.SplitAfter(s, "\n")
	changed := false
	for i, l := range lines {
		if c := capLine(l, true); c != l {
			lines[i], changed = c, true
		}
	}
	if !changed {
		return s
	}
	return strings.Join(lines, "")
}

// capLine bounds one line (with its line break, if any), and its words if words is set.
func capLine(l string, words bool) string {
	body, nl := strings.CutSuffix(l, "\n")
	if len(body) <= MaxWord || !words && len(body) <= MaxLine {
		return l
	}
	var b strings.Builder
	for i := 0; i < len(body); {
		if c := body[i]; c == ' ' || c == '\t' || c == '\r' {
			b.WriteByte(c)
			i++
			continue
		}
		end := len(body)
		if k := strings.IndexAny(body[i:], " \t\r"); k >= 0 {
			end = i + k
		}
		w := body[i:end]
		if words && len(w) > MaxWord {
			kept := urlcred.Cut(w, MaxWord-len("…"))
			w = kept + "… (" + strconv.Itoa(len(w)-len(kept)) + " more bytes)"
		}
		b.WriteString(w)
		i = end
	}
	out := b.String()
	if len(out) > MaxLine {
		kept := urlcred.Cut(out, MaxLine-60)
		out = kept + " … (" + strconv.Itoa(len(out)-len(kept)) + " more bytes in this line)"
	}
	if nl {
		out += "\n"
	}
	return out
}
