package index

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// netrcEntry is one machine (or the default) of a .netrc file.
type netrcEntry struct {
	login, password string
}

type netrc struct {
	machines map[string]netrcEntry // by host name, lower case
	def      *netrcEntry
}

// NetrcPath returns where pip and curl look for credentials in the environment getenv
// reads: $NETRC, else $HOME/.netrc; "" when neither is set. Pass it to WithNetrc to
// enable .netrc lookups.
func NetrcPath(getenv func(string) string) string {
	if p := getenv("NETRC"); p != "" {
		return p
	}
	if home := getenv("HOME"); home != "" {
		return filepath.Join(home, ".netrc")
	}
	return ""
}

// readNetrc loads a .netrc file. A missing file is not an error (no credentials). Errors
// name the file and token position but never a password.
func readNetrc(path string) (*netrc, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return &netrc{machines: map[string]netrcEntry{}}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read netrc: %w", err)
	}
	return parseNetrc(path, string(data))
}

func parseNetrc(path, text string) (*netrc, error) {
	n := &netrc{machines: map[string]netrcEntry{}}
	// macdef bodies run to the next blank line; they are skipped before tokenizing.
	var kept []string
	inMacro := false
	for _, line := range strings.Split(text, "\n") {
		if inMacro {
			if strings.TrimSpace(line) == "" {
				inMacro = false
			}
			continue
		}
		fields := strings.Fields(line)
		for i, f := range fields {
			if f == "macdef" {
				kept = append(kept, strings.Join(fields[:i], " "))
				inMacro = true
				break
			}
		}
		if !inMacro {
			if i := strings.Index(line, "#"); i == 0 || (i > 0 && strings.TrimSpace(line[:i]) == "") {
				continue // comment line
			}
			kept = append(kept, line)
		}
	}
	toks := strings.Fields(strings.Join(kept, "\n"))
	var cur *netrcEntry
	var curHost string
	isDefault := false
	flush := func() {
		if cur == nil {
			return
		}
		if isDefault {
			if n.def == nil {
				e := *cur
				n.def = &e
			}
		} else if _, dup := n.machines[curHost]; !dup {
			n.machines[curHost] = *cur // the first entry for a host wins, as in curl
		}
		cur = nil
	}
	for i := 0; i < len(toks); i++ {
		switch toks[i] {
		case "machine":
			flush()
			if i+1 >= len(toks) {
				return nil, fmt.Errorf("netrc %s: \"machine\" without a host name", path)
			}
			i++
			curHost, isDefault, cur = strings.ToLower(toks[i]), false, &netrcEntry{}
		case "default":
			flush()
			curHost, isDefault, cur = "", true, &netrcEntry{}
		case "login", "password", "account":
			if cur == nil {
				return nil, fmt.Errorf("netrc %s: %q before any \"machine\" or \"default\"", path, toks[i])
			}
			if i+1 >= len(toks) {
				return nil, fmt.Errorf("netrc %s: %q without a value", path, toks[i])
			}
			i++
			switch toks[i-1] {
			case "login":
				cur.login = toks[i]
			case "password":
				cur.password = toks[i]
			}
		default:
			return nil, fmt.Errorf("netrc %s: unexpected token %d (expected machine, default, login, password, account or macdef)", path, i+1)
		}
	}
	flush()
	return n, nil
}

// NetrcSecrets returns the passwords (and logins, which index tokens often are) of the
// .netrc file at path, for masking before anything is printed. A missing or malformed
// file gives none: the client reports it when it reads the file.
func NetrcSecrets(path string) []string {
	if path == "" {
		return nil
	}
	n, err := readNetrc(path)
	if err != nil {
		return nil
	}
	var out []string
	add := func(e netrcEntry) {
		for _, s := range []string{e.login, e.password} {
			if s != "" {
				out = append(out, s)
			}
		}
	}
	for _, e := range n.machines {
		add(e)
	}
	if n.def != nil {
		add(*n.def)
	}
	return out
}
