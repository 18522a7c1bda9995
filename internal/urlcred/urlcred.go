// Package urlcred finds the credentials written in URLs (scheme://user:password@host/...,
// //user@host, signed query parameters) and hides them: one URL for messages (Redact),
// every URL in a text (RedactText), a URL cut to what a record may keep (Strip), the
// values the runner must mask (Secrets), and
// untrusted text quoted in a message (Quote). Every package that shows a URL a user or an
// index wrote goes through it, so a fix to what counts as credentials lands everywhere.
//
// All of them work on the raw text, so strings url.Parse rejects (whose parse errors
// would quote the credentials) are covered too. The user information runs from "//" to
// the last "@" of the authority, as Go's, urllib's and pip's parsers read it (a password
// may hold a raw "@"). When a later "@" follows and the authority holds a password, or
// ends in something that is not a host name with a dot and a numeric port, or is a
// host and a port at all, that later "@" is taken as the end instead: real
// tokens hold "/", "#", "?" and "+", which end the authority early in a parser, and
// hiding too much is the safe mistake. Without a scheme (user:token@host/simple) a ":"
// before the last "@" says user information, whatever it holds; name@host (an e-mail
// address) and registry/repo@sha256:... (an image pinned by digest) are not.
package urlcred

import (
	"errors"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redact replaces the user information of a URL-like string with "***"
// ("https://***@host/simple"), and the values of signed-URL query parameters
// (Signature, security tokens, x-oss-* ...) with "***". A string without "//" is read
// as a URL without its scheme ("user:token@host/simple"). Strings without user
// information are returned unchanged.
func Redact(s string) string {
	// Query values first: one may hold an "@" that the user information would run to.
	s = redactQuery(s)
	if start, end, ok := userinfo(s, urlStart(s), urlStart(s) == 0); ok {
		s = s[:start] + "***" + s[end:]
	} else if from := urlStart(s); from > 0 && cutShort(s[from:]) {
		s = s[:from] + "***"
	}
	return s
}

// RedactURL is Redact for a parsed URL; "" for nil.
func RedactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	return Redact(u.String())
}

// Strip returns s without its user information, query and fragment (presigned download
// URLs carry their signature in the query): what a record such as a lock may keep, or a
// message needs. It returns "" for a URL that does not parse, rather than risk keeping a
// secret.
func Strip(s string) string {
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

// Secrets returns what of a URL-like string's user information must be masked: the raw
// user information, the user and the password, each also percent-decoded. Index tokens
// are often the user name alone ("https://TOKEN@host"), so the user is a secret too;
// and so are the values of signed-URL query parameters.
func Secrets(s string) []string {
	var parts []string
	if start, end, ok := userinfo(s, urlStart(s), urlStart(s) == 0); ok {
		info := s[start:end]
		parts = append(parts, info)
		user, pass, hasPass := strings.Cut(info, ":")
		if !hostAndPort(info) {
			parts = append(parts, user)
		}
		if hasPass {
			parts = append(parts, pass)
		}
	}
	parts = append(parts, queryValues(s)...)
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

// RedactText masks the credentials of every URL in s: ****@ for the user information
// (all of it: a user name may be a token), and *** for the values of signed query
// parameters. A URL starts at "scheme://", or at a "//" that begins a word, and ends at
// white space or a quote; it need not parse. Fragments of net/url errors that quote part
// of a URL's authority (invalid port ":pass" after host) lose the quoted part.
func RedactText(s string) string {
	if strings.Contains(s, "//") {
		s = redactSlashed(s)
	}
	return scrubURLErrors(redactBare(s))
}

// redactSlashed masks the URLs of s that start at "scheme://" or "//".
func redactSlashed(s string) string {
	var b strings.Builder
	last := 0
	// A word with many "scheme://" in it is read from each of them in turn, up to
	// maxStarts times; after that, all of it up to its last "@" is hidden, which bounds
	// the work on hostile text.
	const maxStarts = 8
	wordEnd, starts := -1, 0
	for i := 0; i < len(s); {
		j := strings.Index(s[i:], "//")
		if j < 0 {
			break
		}
		j += i
		start, ok := tokenStart(s, j)
		if !ok || start < last {
			i = j + 2
			continue
		}
		if j >= wordEnd {
			wordEnd, starts = tokenEnd(s, j+2), 0
		}
		end := wordEnd
		starts++
		red := s[start:end]
		if starts > maxStarts {
			red = redactQuery(red)
			if at := strings.LastIndexByte(red, '@'); at > j+2-start {
				red = red[:j+2-start] + "****" + red[at:]
			}
			b.WriteString(s[last:start])
			b.WriteString(red)
			last, i = end, end
			continue
		}
		red = redactToken(red, j-start)
		if red == s[start:end] {
			i = j + 2 // a URL may still start inside it: ///x://u:p@h
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(red)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// redactBare masks the URLs of s written without "//" (user:token@host/simple, a signed
// host/path?Signature=...), read as Redact reads a URL without its scheme: each word (up
// to white space, a quote or an angle bracket) holding an "@" or a query, after an
// option's "--name=" or "-x" if it starts with one. Words with a "//" are redactSlashed's.
func redactBare(s string) string {
	if !strings.ContainsAny(s, "@?#") {
		return s
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if isWordEnd(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && !isWordEnd(s[j]) {
			j++
		}
		word := s[i:j]
		if !strings.Contains(word, "//") && strings.ContainsAny(word, "@?#") {
			skip := 0
			if strings.HasPrefix(word, "-") {
				if eq := strings.IndexByte(word, '='); eq >= 0 {
					skip = eq + 1
				} else if !strings.HasPrefix(word, "--") && len(word) > 2 {
					skip = 2 // -iuser:token@host
				}
			}
			red := redactQuery(word[skip:])
			if start, end, ok := userinfo(red, 0, true); ok {
				red = red[:start] + "****" + red[end:]
			}
			if red != word[skip:] {
				b.WriteString(s[last : i+skip])
				b.WriteString(red)
				last = j
			}
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isWordEnd reports whether c ends a URL in a text.
func isWordEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '\v', '\f', '"', '\'', '`', '<', '>':
		return true
	}
	return false
}

// redactToken masks one URL found in a text; slashes is where its "//" is.
func redactToken(tok string, slashes int) string {
	tok = redactQuery(tok) // first, as in Redact
	if start, end, ok := userinfo(tok, slashes+2, false); ok {
		tok = tok[:start] + "****" + tok[end:]
	} else if cutShort(tok[slashes+2:]) {
		tok = tok[:slashes+2] + "****"
	}
	return tok
}

// cutShort reports whether what follows a URL's "//" looks like user information whose
// "@" and host were cut off (a parser quoting "https://user:pa" of
// "https://user:pa#ss@host"): no "@", and an authority whose ":" is followed by no port.
func cutShort(rest string) bool {
	if strings.IndexByte(rest, '@') >= 0 {
		return false
	}
	auth := rest
	if i := strings.IndexAny(rest, "/?#\\"); i >= 0 {
		auth = rest[:i]
	}
	return strings.Contains(auth, ":") && !strings.HasPrefix(auth, "[") && !plainHost(auth)
}

// ErrAmbiguous is a URL whose user information holds a character that ends it early
// for a URL parser ("/", "?", "#", or "@" before them): the parser would read part of
// the password as the host or the path, send the wrong credentials, and show the rest.
var ErrAmbiguous = errors.New("its user information (a password or token) holds /, ?, # or @, which end it early; percent-encode them (/ as %2F, # as %23, ? as %3F, @ as %40)")

// Parse parses a URL a user or an index wrote, as url.Parse does, but never returns an
// error that quotes it (url.Parse's do, credentials and all), and refuses a URL whose
// user information a parser would cut short (ErrAmbiguous).
func Parse(raw string) (*url.URL, error) {
	if start := urlStart(raw); start > 0 {
		if _, _, ok, past := userinfoEx(raw, start, false); ok && past {
			return nil, ErrAmbiguous
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, parseError(err)
	}
	return u, nil
}

// ParseRef resolves a reference (a link, a <base href>) against base, as base.Parse
// does, with Parse's guarantees.
func ParseRef(base *url.URL, ref string) (*url.URL, error) {
	if start := urlStart(ref); start > 0 {
		if _, _, ok, past := userinfoEx(ref, start, false); ok && past {
			return nil, ErrAmbiguous
		}
	}
	u, err := base.Parse(ref)
	if err != nil {
		return nil, parseError(err)
	}
	return u, nil
}

// parseError is what url.Parse found wrong, without the URL and without the parts of it
// that net/url quotes.
func parseError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return errors.New("not a valid URL: " + scrubURLErrors(err.Error()))
}

// MaxQuote is how much of a piece of untrusted text Quote shows.
const MaxQuote = 200

// Quote quotes untrusted text for a message (a requirement, a value, a path): its URL
// credentials masked, and cut after MaxQuote bytes with a count of what was cut, so
// that no input can make a message long.
func Quote(s string) string {
	s = RedactText(s)
	if len(s) <= MaxQuote {
		return strconv.Quote(s)
	}
	cut := Cut(s, MaxQuote)
	return strconv.Quote(cut) + " (" + strconv.Itoa(len(s)-len(cut)) + " more bytes not shown)"
}

// Cut returns the longest prefix of s of at most n bytes that ends on a character
// boundary.
func Cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func unescape(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// urlStart is where the authority of a lone URL-like string begins: after a leading
// "//", after "scheme://", after the first "://" even without a valid scheme (hostile
// text), else at 0 (a URL written without its scheme).
func urlStart(s string) int {
	if strings.HasPrefix(s, "//") {
		return 2
	}
	if i := strings.Index(s, "://"); i >= 0 {
		return i + 3
	}
	return 0
}

// userinfo finds the user information of a URL-like string whose authority starts at
// from: s[start:end] runs to the last "@" of the authority, or to the last "@" of the
// whole string when the authority could be a token cut short (see the package
// comment). schemeless says that s is a URL written without "//", where only a ":"
// before the first "/" can say so. Only a file: URL may have an empty authority
// (file:///home/a@b is a path); "https:///x@h" is a token after "//".
func userinfo(s string, from int, schemeless bool) (start, end int, ok bool) {
	start, end, ok, _ = userinfoEx(s, from, schemeless)
	return start, end, ok
}

// userinfoEx is userinfo, and whether the user information runs past the authority as a
// URL parser reads it (to a later "@").
func userinfoEx(s string, from int, schemeless bool) (start, end int, ok, past bool) {
	file := from >= 7 && strings.EqualFold(s[from-7:from], "file://")
	rest := s[from:]
	at := strings.LastIndexByte(rest, '@')
	if at < 0 || schemeless && digestRE.MatchString(rest[at+1:]) {
		return 0, 0, false, false // registry:5000/ns/repo@sha256:... is an image
	}
	if schemeless {
		// Without a scheme nothing marks where an authority ends, and no parser reads
		// one: a ":" before the last "@" is taken for a password, whatever it holds
		// (user:pa/ss@host, /:p@x); without one, name@host is an e-mail address or a
		// registry login, not a secret.
		if strings.IndexByte(rest[:at], ':') < 0 {
			return 0, 0, false, false
		}
		return from, from + at, true, true
	}
	auth := rest
	if i := strings.IndexAny(rest, "/?#\\"); i >= 0 {
		auth = rest[:i]
	}
	authAt := strings.LastIndexByte(auth, '@')
	plain := func(host string) bool {
		if host == "" { // file:///path@x has no authority; "//@#..." is no URL
			return len(auth) == len(rest) || rest[len(auth)] == '/' && file
		}
		return plainHost(host)
	}
	switch {
	case authAt == at:
		return from, from + at, true, false
	case authAt >= 0 && !strings.Contains(auth[:authAt], ":") && authAt+1 < len(auth) && plain(auth[authAt+1:]):
		return from, from + authAt, true, false // user@host/path@ref
	case authAt < 0 && plain(auth):
		if strings.Contains(auth, ":") {
			// user.name:1234/rest@host reads as a host, a port and a path holding "@";
			// it is as often a password cut short, so it is hidden. A URL parser may read
			// it as written (a path may hold "@"), but a "?" or "#" right after the port
			// is no URL anyone writes on purpose: Parse refuses that one.
			return from, from + at, true, rest[len(auth)] != '/'
		}
		return 0, 0, false, false // an "@" in the path, query or fragment of host.example/...
	}
	return from, from + at, true, true
}

// hostAndPort reports whether user information reads as a host and port before a path
// (first.last:2024/pw, localhost:8080/a): its "user" is then a host name, which masked
// alone would hide the host wherever the log names it.
func hostAndPort(info string) bool {
	i := strings.IndexAny(info, "/?#\\")
	return i > 0 && strings.Contains(info[:i], ":") && plainHost(info[:i])
}

// plainHost reports whether the end of an authority reads as a host and port, and not
// as a token cut short by "/", "#" or "?": a name with a dot, localhost or an IP
// literal, and a numeric port if any.
func plainHost(h string) bool {
	if strings.HasPrefix(h, "[") { // an IPv6 literal, and maybe a port
		i := strings.IndexByte(h, ']')
		return i > 0 && net.ParseIP(h[1:i]) != nil && (i == len(h)-1 || h[i+1] == ':' && strings.Trim(h[i+2:], "0123456789") == "")
	}
	if host, port, err := net.SplitHostPort(h); err == nil {
		if port == "" || strings.Trim(port, "0123456789") != "" {
			return false
		}
		h = host
	} else if strings.Contains(h, ":") {
		return false
	}
	if strings.EqualFold(h, "localhost") {
		return true
	}
	labels := strings.Split(strings.TrimSuffix(h, "."), ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || strings.Trim(l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") != "" {
			return false
		}
	}
	return true
}

// tokenStart reports whether the "//" at j begins a URL in a text, and where the URL
// starts: at its scheme, or at the "//" itself when a word starts there.
func tokenStart(s string, j int) (int, bool) {
	if j > 0 && s[j-1] == ':' {
		k := j - 1
		for k > 0 && isSchemeChar(s[k-1]) {
			k--
		}
		for k < j-1 && !isAlpha(s[k]) { // a scheme starts with a letter
			k++
		}
		if k < j-1 {
			return k, true
		}
		return j - 1, true // "://" without a valid scheme: hostile text, read it anyway
	}
	if j == 0 || strings.IndexByte(" \t\r\n\"'`<>=([{,;|", s[j-1]) >= 0 {
		return j, true
	}
	return 0, false
}

// tokenEnd is where a URL that continues at i ends in a text: at white space, a quote,
// an angle bracket or a backtick.
func tokenEnd(s string, i int) int {
	if k := strings.IndexAny(s[i:], " \t\r\n\"'`<>"); k >= 0 {
		return i + k
	}
	return len(s)
}

func isAlpha(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isSchemeChar(c byte) bool {
	return isAlpha(c) || '0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'
}

// sensitiveParam reports whether a query parameter of a signed URL carries a credential
// (OSS, FC and STS signatures and tokens, and the common ones of other clouds).
func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	if n == "" {
		return false
	}
	for _, prefix := range []string{"x-oss-", "x-fc-", "x-acs-", "x-amz-", "x-goog-"} {
		if strings.HasPrefix(n, prefix) {
			return true
		}
	}
	switch n {
	case "sig", "key", "auth", "ossaccesskeyid", "accesskeyid", "access_key_id", "sv", "se", "sp", "st", "sr", "skoid", "sktid":
		return true
	}
	for _, part := range []string{"signature", "token", "credential", "secret", "password", "passwd", "accesskey", "access_key", "apikey", "api_key"} {
		if strings.Contains(n, part) {
			return true
		}
	}
	return false
}

// redactQuery masks the values of sensitive query parameters in a URL-like string:
// every name=value after its first "?" or "#" (a fragment may carry them too),
// separated by "&", "?" or "#". A masked value runs to the next "&".
func redactQuery(s string) string {
	q := strings.IndexAny(s, "?#")
	if q < 0 {
		return s
	}
	end := len(s)
	var b strings.Builder
	changed := false
	i := q + 1
	for i <= end {
		k := strings.IndexAny(s[i:end], "&?#")
		next := end
		if k >= 0 {
			next = i + k
		}
		name, _, ok := strings.Cut(s[i:next], "=")
		sensitive := ok && sensitiveParam(unescape(name))
		if sensitive {
			// The value runs to the next "&": a "?" may be part of it.
			if k := strings.IndexByte(s[next:end], '&'); k >= 0 {
				next += k
			} else {
				next = end
			}
		}
		if sensitive && next > i+len(name)+1 {
			if !changed {
				b.WriteString(s[:i])
				changed = true
			}
			b.WriteString(name + "=***")
		} else if changed {
			b.WriteString(s[i:next])
		}
		if next < end && changed {
			b.WriteByte(s[next])
		}
		i = next + 1
	}
	if !changed {
		return s
	}
	b.WriteString(s[end:])
	return b.String()
}

// queryValues are the values of the sensitive query parameters of a URL-like string,
// read as redactQuery reads them.
func queryValues(s string) []string {
	q := strings.IndexAny(s, "?#")
	if q < 0 {
		return nil
	}
	var out []string
	for _, p := range strings.Split(s[q+1:], "&") {
		// A "?" or "#" inside a part starts another parameter, unless the part's value
		// is a sensitive one (then it is all of it).
		for p != "" {
			name, value, ok := strings.Cut(p, "=")
			if ok && !strings.ContainsAny(name, "?#") && sensitiveParam(unescape(name)) {
				if value != "" {
					out = append(out, value)
				}
				break
			}
			i := strings.IndexAny(p, "?#")
			if i < 0 {
				break
			}
			p = p[i+1:]
		}
	}
	return out
}

// digestRE is a content digest as an image reference ends in after its "@" (OCI
// image-spec: algorithm ":" encoded), so that registry:5000/ns/repo@sha256:... is not
// read as user information.
var digestRE = regexp.MustCompile(`^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]{32,}$`)

// urlErrorRE matches the parts of net/url errors that quote a piece of a URL's
// authority, which may be part of a password: `invalid port ":pa" after host`,
// `invalid URL escape "%zz"`, `invalid character "x" in host name`.
var urlErrorRE = regexp.MustCompile(`(invalid port|invalid URL escape|invalid character) "(?:[^"\\]|\\.)*"`)

func scrubURLErrors(s string) string {
	if !strings.Contains(s, "invalid ") {
		return s
	}
	return urlErrorRE.ReplaceAllString(s, `$1 (not shown)`)
}
