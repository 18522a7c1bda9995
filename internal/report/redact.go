package report

import (
	"bytes"
	"io"
	"sort"
	"strings"
	"sync"
)

// redactor is a line-buffered writer that replaces every registered secret with "***"
// before the bytes reach w. Buffering whole lines catches a secret split across writes;
// the runner reads the log line by line anyway. Safe for concurrent use.
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

// redact returns s with the registered secrets replaced.
func (r *redactor) redact(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.replacer.Replace(s)
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
	if _, err := io.WriteString(r.w, r.replacer.Replace(lines)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// writeRaw writes s unredacted (the ::add-mask:: commands themselves), after ending any
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
	s := r.replacer.Replace(string(r.pending))
	if newline {
		s += "\n"
	}
	r.pending = r.pending[:0]
	_, err := io.WriteString(r.w, s)
	return err
}
