package inputs

import (
	"net/url"
	"strings"
)

// RedactURL replaces the user information of a URL-like string ("https://user:pass@host")
// with "***". It works on the raw text, so it also redacts strings url.Parse rejects (whose
// parse errors would quote the credentials). Strings without "://" are returned unchanged.
func RedactURL(s string) string {
	scheme := strings.Index(s, "://")
	if scheme < 0 {
		return s
	}
	rest := s[scheme+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	at := strings.LastIndex(rest[:end], "@")
	if at < 0 {
		return s
	}
	return s[:scheme+3] + "***@" + rest[at+1:]
}

// URLSecrets returns the user information of a URL-like string that must be masked: the
// raw user info, the user and the password, each also percent-decoded. Index tokens are
// often the user name alone ("https://TOKEN@host"), so the user is a secret too.
func URLSecrets(s string) []string {
	scheme := strings.Index(s, "://")
	if scheme < 0 {
		return nil
	}
	rest := s[scheme+3:]
	if end := strings.IndexAny(rest, "/?#"); end >= 0 {
		rest = rest[:end]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return nil
	}
	info := rest[:at]
	parts := []string{info}
	user, pass, hasPass := strings.Cut(info, ":")
	parts = append(parts, user)
	if hasPass {
		parts = append(parts, pass)
	}
	var out []string
	seen := map[string]bool{}
	for _, p := range parts {
		for _, v := range []string{p, unescape(p)} {
			if v != "" && !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}
