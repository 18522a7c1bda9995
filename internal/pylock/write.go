package pylock

import (
	"fmt"
	"strings"
)

// Marshal renders the lock as pylock.toml. Keys keep the spec's order, lists keep the
// lock's order, and nothing depends on the clock, so equal locks give equal bytes. A
// lock Parse would refuse is refused here too (a URL with credentials, say), so what
// this action writes it can read back.
func (l *Lock) Marshal() ([]byte, error) {
	if p := l.validate(); p != nil {
		msg := "pylock: " + p.msg
		if p.hint != "" {
			msg += " (" + p.hint + ")"
		}
		return nil, fmt.Errorf("%s", msg)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "lock-version = %s\n", tomlString(l.LockVersion))
	writeList(&b, "environments", l.Environments)
	if l.RequiresPython != "" {
		fmt.Fprintf(&b, "requires-python = %s\n", tomlString(l.RequiresPython))
	}
	writeList(&b, "extras", l.Extras)
	writeList(&b, "dependency-groups", l.DependencyGroups)
	writeList(&b, "default-groups", l.DefaultGroups)
	fmt.Fprintf(&b, "created-by = %s\n", tomlString(l.CreatedBy))
	for _, p := range l.Packages {
		b.WriteString("\n[[packages]]\n")
		fmt.Fprintf(&b, "name = %s\n", tomlString(p.Name))
		fmt.Fprintf(&b, "version = %s\n", tomlString(p.Version))
		if p.Marker != "" {
			fmt.Fprintf(&b, "marker = %s\n", tomlString(p.Marker))
		}
		if p.RequiresPython != "" {
			fmt.Fprintf(&b, "requires-python = %s\n", tomlString(p.RequiresPython))
		}
		if p.Index != "" {
			fmt.Fprintf(&b, "index = %s\n", tomlString(p.Index))
		}
		w := p.Wheel
		fmt.Fprintf(&b, "wheels = [\n  {name = %s", tomlString(w.Name))
		if w.URL != "" {
			fmt.Fprintf(&b, ", url = %s", tomlString(w.URL))
		}
		if w.Path != "" {
			fmt.Fprintf(&b, ", path = %s", tomlString(w.Path))
		}
		if w.Size > 0 {
			fmt.Fprintf(&b, ", size = %d", w.Size)
		}
		fmt.Fprintf(&b, ", hashes = {sha256 = %s}},\n]\n", tomlString(w.SHA256))
	}
	fmt.Fprintf(&b, "\n[tool.%s]\n", ToolTable)
	writeList(&b, "excluded", append([]string{}, l.Excluded...))
	if o := l.Origin; o != nil {
		if len(o.Requirements) == 0 {
			b.WriteString("requirements = []\n")
		} else {
			b.WriteString("requirements = [\n")
			for _, f := range o.Requirements {
				fmt.Fprintf(&b, "  {path = %s, sha256 = %s},\n", tomlString(f.Path), tomlString(f.SHA256))
			}
			b.WriteString("]\n")
		}
		t := o.Target
		fmt.Fprintf(&b, "\n[tool.%s.target]\n", ToolTable)
		fmt.Fprintf(&b, "python = %s\n", tomlString(t.Python))
		fmt.Fprintf(&b, "fc-runtime = %s\n", tomlString(t.FCRuntime))
		fmt.Fprintf(&b, "fc-api = %s\n", tomlString(string(t.FCAPI)))
		fmt.Fprintf(&b, "glibc = %s\n", tomlString(t.Glibc.String()))
		fmt.Fprintf(&b, "manylinux = %s\n", tomlString(t.Manylinux()))
		fmt.Fprintf(&b, "lithops = %s\n", tomlString(t.Lithops))
	}
	return []byte(b.String()), nil
}

// writeList writes key = [...] on one line; nothing for a nil list.
func writeList(b *strings.Builder, key string, list []string) {
	if list == nil {
		return
	}
	fmt.Fprintf(b, "%s = [", key)
	for i, s := range list {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tomlString(s))
	}
	b.WriteString("]\n")
}

// tomlString is a TOML basic string.
func tomlString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
