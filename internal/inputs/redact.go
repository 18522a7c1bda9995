package inputs

import (
	"net/url"
	"strings"
)

// RedactURL replaces the user information of a URL-like string ("https://user:pass@host")
// with "***". It works on the raw text, so it also redacts strings url.Parse rejects (whose
// parse errors would quote the credentials). Strings without "://" are returned unchanged.
func RedactURL(s string) string {
	start, end, ok := userInfo(s)
	if !ok {
		return s
	}
	return s[:start] + "***" + s[end:]
}

// URLSecrets returns the user information of a URL-like string that must be masked: the
// raw user info, the user and the password, each also percent-decoded. Index tokens are
// often the user name alone ("https://TOKEN@host"), so the user is a secret too.
func URLSecrets(s string) []string {
	start, end, ok := userInfo(s)
	if !ok {
		return nil
	}
	info := s[start:end]
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

// userInfo finds the user information of a URL-like string on the raw text: s[start:end]
// lies between "://" and the last "@" before the path, query or fragment.
func userInfo(s string) (start, end int, ok bool) {
	scheme := strings.Index(s, "://")
	if scheme < 0 {
		return 0, 0, false
	}
	start = scheme + 3
	rest := s[start:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return 0, 0, false
	}
	return start, start + at, true
}
