// Package urlcred finds the credentials written in URLs (scheme://user:password@host/...)
// and hides them: one URL for messages (Redact), every URL in a text (RedactText), and
// the values the runner must mask (Secrets). Every package that shows a URL a user or an
// index wrote goes through it, so a fix to what counts as credentials lands everywhere.
//
// All three work on the raw text, so strings url.Parse rejects (whose parse errors would
// quote the credentials) are covered too. The user information runs from "://" to the
// last "@" before the path, query or fragment, as Go's, urllib's and pip's parsers read
// it: a password may hold a raw "@".
package urlcred

import (
	"net/url"
	"regexp"
	"strings"
)

// Redact replaces the user information of a URL-like string with "***"
// ("https://***@host/simple"). Strings without "://" and "@" before the path are
// returned unchanged.
func Redact(s string) string {
	start, end, ok := userinfo(s)
	if !ok {
		return s
	}
	return s[:start] + "***" + s[end:]
}

// Secrets returns what of a URL-like string's user information must be masked: the raw
// user information, the user and the password, each also percent-decoded. Index tokens
// are often the user name alone ("https://TOKEN@host"), so the user is a secret too.
func Secrets(s string) []string {
	start, end, ok := userinfo(s)
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

// textUserinfo matches the user information of each URL in a text; unlike a lone URL,
// a URL in a text ends at white space.
var textUserinfo = regexp.MustCompile(`([a-zA-Z][a-zA-Z0-9+.-]*://)([^/?#\s]*)@`)

// RedactText masks the credentials of every URL in s as pip does: user:****@ when a
// password follows the user, else ****@.
func RedactText(s string) string {
	return textUserinfo.ReplaceAllStringFunc(s, func(m string) string {
		sub := textUserinfo.FindStringSubmatch(m)
		if user, _, ok := strings.Cut(sub[2], ":"); ok {
			return sub[1] + user + ":****@"
		}
		return sub[1] + "****@"
	})
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// userinfo finds the user information of a URL-like string: s[start:end] lies between
// "://" and the last "@" before the path, query or fragment.
func userinfo(s string) (start, end int, ok bool) {
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
