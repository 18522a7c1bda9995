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
	Props string // the text between the name and "::" (or "]")
	Data  string
	Line  int // 1-based line of the log
}

// registered are the commands the runner knows (actions/runner's command extensions).
var registered = map[string]bool{
	"set-env": true, "set-output": true, "save-state": true, "add-mask": true, "add-path": true,
	"add-matcher": true, "remove-matcher": true, "warning": true, "error": true, "notice": true,
	"debug": true, "group": true, "endgroup": true, "echo": true, "stop-commands": true,
}

// Commands returns the workflow commands the runner would act on in a step's log, as
// actions/runner parses them: a line starting (after white space) with "::name props::"
// for a known name, else the legacy "##[name props]data" anywhere in the line; between
// "::stop-commands::TOKEN" and a command named TOKEN, nothing but that resume is acted
// on. Stopped reports the lines read with commands stopped.
func Commands(log string) (cmds []Command, stopped map[int]bool) {
	stopped = map[int]bool{}
	token := ""
	for i, line := range strings.Split(log, "\n") {
		line = strings.TrimRight(line, "\r")
		c, ok := parseV2(line, token)
		if !ok {
			c, ok = parseV1(line, token)
		}
		if token != "" {
			if ok && strings.EqualFold(c.Name, token) {
				token = ""
			} else {
				stopped[i+1] = true
			}
			continue
		}
		if !ok {
			continue
		}
		c.Line = i + 1
		cmds = append(cmds, c)
		if c.Name == "stop-commands" {
			token = c.Data
		}
	}
	return cmds, stopped
}

func known(name, token string) bool {
	return registered[strings.ToLower(name)] || token != "" && strings.EqualFold(name, token)
}

func parseV2(line, token string) (Command, bool) {
	l := strings.TrimLeft(line, " \t")
	if !strings.HasPrefix(l, "::") {
		return Command{}, false
	}
	end := strings.Index(l[2:], "::")
	if end < 0 {
		return Command{}, false
	}
	c := Command{Name: l[2 : 2+end], Data: l[2+end+2:]}
	if sp := strings.IndexByte(c.Name, ' '); sp >= 0 {
		c.Name, c.Props = c.Name[:sp], c.Name[sp+1:]
	}
	return c, known(c.Name, token)
}

func parseV1(line, token string) (Command, bool) {
	i := strings.Index(line, "##[")
	if i < 0 {
		return Command{}, false
	}
	end := strings.IndexByte(line[i:], ']')
	if end < 0 {
		return Command{}, false
	}
	c := Command{Name: line[i+3 : i+end], Data: line[i+end+1:]}
	if sp := strings.IndexByte(c.Name, ' '); sp >= 0 {
		c.Name, c.Props = c.Name[:sp], c.Name[sp+1:]
	}
	return c, known(c.Name, token)
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
