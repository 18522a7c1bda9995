package report_test

import (
	"fmt"
	"strings"
)

// This file reads what the action wrote the way actions/runner does
// (FileCommandManager.cs for GITHUB_OUTPUT, ActionCommandManager.cs and ActionCommand.cs
// for the log), so tests check what the workflow would really see.

// parseOutputFile parses a GITHUB_OUTPUT file: "name=value" lines and "name<<DELIM"
// heredocs whose value ends at the first line equal to DELIM.
func parseOutputFile(text string) (map[string]string, error) {
	out := map[string]string{}
	lines := strings.Split(text, "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		eq, hd := strings.Index(line, "="), strings.Index(line, "<<")
		switch {
		case eq >= 0 && (hd < 0 || eq < hd):
			out[line[:eq]] = line[eq+1:]
		case hd >= 0:
			name, delim := line[:hd], line[hd+2:]
			if name == "" || delim == "" {
				return nil, fmt.Errorf("invalid line %q", line)
			}
			var value []string
			for i++; ; i++ {
				if i >= len(lines) {
					return nil, fmt.Errorf("matching delimiter not found %q", delim)
				}
				if lines[i] == delim {
					break
				}
				value = append(value, lines[i])
			}
			out[name] = strings.Join(value, "\n")
		default:
			return nil, fmt.Errorf("invalid line %q", line)
		}
	}
	return out, nil
}

// command is a workflow command the runner processed.
type command struct{ name, props, data string }

// runnerCommands returns the workflow commands the runner would process in a log,
// honouring ::stop-commands::. Both the "::name props::data" form and the legacy
// "##[name props]data" form are read; names compare case-insensitively.
func runnerCommands(log string) []command {
	registered := map[string]bool{}
	for _, c := range []string{"stop-commands", "add-mask", "set-output", "set-env", "add-path", "save-state",
		"error", "warning", "notice", "debug", "group", "endgroup", "echo", "add-matcher", "remove-matcher"} {
		registered[c] = true
	}
	var out []command
	stopToken := ""
	for _, line := range strings.Split(log, "\n") {
		c, ok := parseCommand(line, registered)
		if !ok {
			continue
		}
		if stopToken != "" {
			if strings.EqualFold(c.name, stopToken) {
				delete(registered, strings.ToLower(stopToken))
				stopToken = ""
				out = append(out, c)
			}
			continue
		}
		if c.name == "stop-commands" {
			stopToken = c.data
			registered[strings.ToLower(c.data)] = true
		}
		out = append(out, c)
	}
	return out
}

// parseCommand reads a line as actions/runner does: "::name props::data" at the start
// (after white space) for a registered name, else the legacy "##[name props]data"
// anywhere in the line.
func parseCommand(line string, registered map[string]bool) (command, bool) {
	if l := strings.TrimLeft(line, " \t\r\n"); strings.HasPrefix(l, "::") {
		if end := strings.Index(l[2:], "::"); end >= 0 {
			name, props, _ := strings.Cut(l[2:2+end], " ")
			if registered[strings.ToLower(name)] {
				return command{strings.ToLower(name), props, l[2+end+2:]}, true
			}
		}
	}
	i := strings.Index(line, "##[")
	if i < 0 {
		return command{}, false
	}
	end := strings.Index(line[i:], "]")
	if end < 0 {
		return command{}, false
	}
	name, props, _ := strings.Cut(line[i+3:i+end], " ")
	if !registered[strings.ToLower(name)] {
		return command{}, false
	}
	return command{strings.ToLower(name), props, line[i+end+1:]}, true
}
