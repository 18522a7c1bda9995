package build

import (
	"fmt"
	"net/url"
	"strings"
)

// lockFile renders pylock.toml (PEP 751, lock-version 1.0) for what went into the zip:
// one [[packages]] per distribution, sorted by normalized name, each with its version,
// requires-python, index and the one wheel used (name, url, size, sha256). The target
// is recorded as environments/requires-python; excluded distributions, resolved but
// left out, are listed under [tool.lithops-fc-runtime]. Keys keep the spec's order and
// nothing depends on the clock, so equal inputs give equal files.
func lockFile(createdBy string, t Target, dists []*dist, excluded []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "lock-version = %s\n", tomlString("1.0"))
	fmt.Fprintf(&b, "environments = [%s]\n", tomlString(fmt.Sprintf(
		"sys_platform == 'linux' and platform_machine == 'x86_64' and platform_python_implementation == 'CPython' and python_version == '%s'", t.Python)))
	fmt.Fprintf(&b, "requires-python = %s\n", tomlString("=="+t.Python+".*"))
	b.WriteString("extras = []\ndependency-groups = []\ndefault-groups = []\n")
	fmt.Fprintf(&b, "created-by = %s\n", tomlString(createdBy))
	for _, d := range dists {
		b.WriteString("\n[[packages]]\n")
		fmt.Fprintf(&b, "name = %s\n", tomlString(d.key))
		fmt.Fprintf(&b, "version = %s\n", tomlString(d.m.Version))
		if d.m.RequiresPython != "" {
			fmt.Fprintf(&b, "requires-python = %s\n", tomlString(d.m.RequiresPython))
		}
		if u := redactURL(d.w.Index); u != "" {
			fmt.Fprintf(&b, "index = %s\n", tomlString(u))
		}
		where := ""
		if u := redactURL(d.w.URL); u != "" {
			where = "url = " + tomlString(u)
		} else {
			where = "path = " + tomlString(d.w.Path)
		}
		fmt.Fprintf(&b, "wheels = [\n  {name = %s, %s, size = %d, hashes = {sha256 = %s}},\n]\n",
			tomlString(d.w.Filename), where, d.m.Size, tomlString(d.m.SHA256))
	}
	b.WriteString("\n[tool.lithops-fc-runtime]\nexcluded = [")
	for i, e := range excluded {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(tomlString(e))
	}
	b.WriteString("]\n")
	return []byte(b.String())
}

// redactURL drops credentials from a URL: user:password@, and the query and fragment
// (presigned download URLs carry signatures there). An unparsable URL is left out
// rather than risk writing a secret.
func redactURL(s string) string {
	if s == "" {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil {
		return ""
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
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
