package pipelinetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
)

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Output is one name and value set through GITHUB_OUTPUT.
type Output struct{ Name, Value string }

// ReadOutputs reads a GITHUB_OUTPUT file as the runner does: "name=value" lines and
// "name<<DELIMITER" heredocs ending at a line equal to the delimiter; blank lines are
// skipped. A missing file reads as no outputs. Malformed content fails the test, as it
// fails the step on a runner.
func ReadOutputs(t testing.TB, path string) []Output {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	outs, err := ParseOutputs(string(data))
	if err != nil {
		t.Fatalf("GITHUB_OUTPUT: %v\n%s", err, data)
	}
	return outs
}

// ParseOutputs parses GITHUB_OUTPUT content as the runner's file command does.
func ParseOutputs(s string) ([]Output, error) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	var out []Output
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			if eq == 0 {
				return nil, fmt.Errorf("line %d: empty name", i+1)
			}
			out = append(out, Output{Name: line[:eq], Value: line[eq+1:]})
		case hd > 0:
			name, delim := line[:hd], line[hd+2:]
			if delim == "" {
				return nil, fmt.Errorf("line %d: empty delimiter", i+1)
			}
			var value []string
			end := -1
			for j := i + 1; j < len(lines); j++ {
				if lines[j] == delim {
					end = j
					break
				}
				value = append(value, lines[j])
			}
			if end < 0 {
				return nil, fmt.Errorf("line %d: heredoc %s has no closing delimiter", i+1, name)
			}
			out = append(out, Output{Name: name, Value: strings.Join(value, "\n")})
			i = end
		default:
			return nil, fmt.Errorf("line %d: %q is neither name=value nor name<<delimiter", i+1, line)
		}
	}
	return out, nil
}

// OutputMap is outputs by name; a name set twice fails the test (the action sets each
// output once, so a second one is an injected output).
func OutputMap(t testing.TB, outs []Output) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, o := range outs {
		if _, dup := m[o.Name]; dup {
			t.Errorf("output %s set twice", o.Name)
		}
		m[o.Name] = o.Value
	}
	return m
}

// Command is a workflow command the runner acts on.
type Command struct {
	Name  string
	Props string // the text between the name and "::"
	Data  string
	Line  int // 1-based line of the log
}

// Commands returns the workflow commands the runner would act on in a step's log:
// "::name props::data" lines (after leading white space) and legacy "##[name props]data"
// ones, skipping everything between "::stop-commands::TOKEN" and the "::TOKEN::" that
// resumes them. Stopped reports the lines that were read with commands stopped.
func Commands(log string) (cmds []Command, stopped map[int]bool) {
	stopped = map[int]bool{}
	token := ""
	for i, line := range strings.Split(log, "\n") {
		line = strings.TrimRight(line, "\r")
		l := strings.TrimLeft(line, " \t")
		if token != "" {
			if l == "::"+token+"::" {
				token = ""
			} else {
				stopped[i+1] = true
			}
			continue
		}
		var c Command
		switch {
		case strings.HasPrefix(l, "::"):
			end := strings.Index(l[2:], "::")
			if end < 0 {
				continue
			}
			info := l[2 : 2+end]
			c = Command{Name: info, Data: l[2+end+2:], Line: i + 1}
		case strings.HasPrefix(l, "##["):
			end := strings.Index(l, "]")
			if end < 0 {
				continue
			}
			c = Command{Name: l[3:end], Data: l[end+1:], Line: i + 1}
		default:
			continue
		}
		if sp := strings.IndexAny(c.Name, " "); sp >= 0 {
			c.Name, c.Props = c.Name[:sp], c.Name[sp+1:]
		}
		if c.Name == "" {
			continue
		}
		cmds = append(cmds, c)
		if c.Name == "stop-commands" {
			token = c.Data
		}
	}
	return cmds, stopped
}

// Shown is the log as the runner shows it, as far as secrets go: the ::add-mask::
// commands it acts on are consumed, not shown (any other line is shown, commands or not).
func Shown(log string) string {
	cmds, _ := Commands(log)
	masks := map[int]bool{}
	for _, c := range cmds {
		if c.Name == "add-mask" {
			masks[c.Line] = true
		}
	}
	var b strings.Builder
	for i, line := range strings.Split(log, "\n") {
		if !masks[i+1] {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// NoSecrets fails the test when a secret appears in one of texts (name → text).
func NoSecrets(t testing.TB, secrets []string, texts map[string]string) {
	t.Helper()
	for name, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("%s contains the secret %q", name, s)
			}
		}
	}
}
