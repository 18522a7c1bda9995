package index

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

type sourceKind int

const (
	kindIndex     sourceKind = iota // a PEP 503/691 index
	kindLinksPage                   // a find-links page on http(s)
	kindLinksPath                   // a find-links folder or local HTML file
)

// source is one configured place files come from. Credentials live only in user; url and
// display never carry them.
type source struct {
	kind    sourceKind
	url     *url.URL // index base (ending in "/") or page URL; file: URL for local paths
	path    string   // local folder or HTML file, for kindLinksPath
	display string   // what messages show
	raw     string   // as configured (find-links), for FindLinksError
	user    *url.Userinfo
}

func parseIndexSource(raw string) (*source, error) {
	u, err := urlcred.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("index URL %s: %w", urlcred.Quote(raw), err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("index URL %s: want an http(s) URL such as https://pypi.org/simple/", urlcred.Quote(raw))
	}
	s := &source{kind: kindIndex, user: u.User}
	u.User, u.Fragment, u.RawFragment = nil, "", ""
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		if u.RawPath != "" {
			u.RawPath += "/"
		}
	}
	s.url, s.display = u, u.String()
	return s, nil
}

func parseFindLinksSource(raw string) (*source, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, fmt.Errorf("find-links: empty location")
	}
	u, err := urlcred.Parse(raw)
	if err != nil && strings.Contains(raw, "://") {
		return nil, fmt.Errorf("find-links %s: %w", urlcred.Quote(raw), err)
	}
	if err == nil && len(u.Scheme) > 1 { // "C:" is a drive, not a scheme
		switch u.Scheme {
		case "http", "https":
			if u.Host == "" {
				return nil, fmt.Errorf("find-links %q: no host", urlcred.Redact(raw))
			}
			s := &source{kind: kindLinksPage, user: u.User}
			u.User, u.Fragment, u.RawFragment = nil, "", ""
			s.url, s.display = u, u.String()
			return s, nil
		case "file":
			return localSource(u.Path)
		default:
			return nil, fmt.Errorf("find-links %q: unsupported scheme %q (use a folder, an HTML file or an http(s) URL)", urlcred.Redact(raw), u.Scheme)
		}
	}
	return localSource(raw)
}

func localSource(p string) (*source, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return nil, fmt.Errorf("find-links %s: %w", p, err)
	}
	return &source{kind: kindLinksPath, path: abs, display: abs,
		url: &url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}}, nil
}

// origin is scheme, host name and port, the unit credentials are bound to.
func origin(u *url.URL) string {
	port := u.Port()
	if port == "" {
		switch u.Scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return u.Scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

func isLoopback(u *url.URL) bool {
	h := u.Hostname()
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// credentialsFor picks the credentials for a request URL: those of a configured index or
// find-links page with the same origin, else a .netrc entry for the host (the .netrc
// "default" only for hosts of configured sources). Any other host gets none.
func (c *Client) credentialsFor(u *url.URL) *url.Userinfo {
	o := origin(u)
	known := false
	for _, s := range c.remote {
		if origin(s.url) == o {
			if s.user != nil {
				return s.user
			}
			known = true
		}
	}
	if c.netrc == nil {
		return nil
	}
	if e, ok := c.netrc.machines[strings.ToLower(u.Hostname())]; ok {
		return url.UserPassword(e.login, e.password)
	}
	if known && c.netrc.def != nil {
		return url.UserPassword(c.netrc.def.login, c.netrc.def.password)
	}
	return nil
}

// authorize sets the request's credentials: own, when the caller's URL carried them (a
// direct URL such as `pkg @ https://user:token@host/pkg.whl`, which the user wrote), else
// those configured for its origin. The URL itself never keeps them, so a redirect does not
// carry them on.
func (c *Client) authorize(req *http.Request, own *url.Userinfo) {
	req.URL.User = nil
	req.Header.Del("Authorization")
	ui := own
	if ui == nil {
		ui = c.credentialsFor(req.URL)
	}
	if ui != nil {
		pw, _ := ui.Password()
		req.SetBasicAuth(ui.Username(), pw)
	}
}

// redirectError refuses a redirect that would leave HTTPS.
type redirectError struct{ from, to string }

func (e *redirectError) Error() string {
	return fmt.Sprintf("refused redirect from %s to %s: it leaves HTTPS (only a loopback index may redirect to plain http)", e.from, e.to)
}

// checkRedirect keeps credentials bound to their origin across redirects and refuses
// redirects to anything but HTTPS unless the original request went to a loopback host.
func (c *Client) checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		// A Location whose password a parser cuts short: req.URL holds part of the
		// password as its host or path, and any message would show it.
		if req.Response != nil {
			if _, err := urlcred.Parse(req.Response.Header.Get("Location")); errors.Is(err, urlcred.ErrAmbiguous) {
				return fmt.Errorf("refused redirect from %s: the new location's %w", urlcred.RedactURL(via[len(via)-1].URL), err)
			}
		}
		if len(via) >= 10 {
			return fmt.Errorf("stopped after 10 redirects (last to %s)", urlcred.RedactURL(req.URL))
		}
		if req.URL.Scheme != "https" && !isLoopback(via[0].URL) {
			return &redirectError{from: urlcred.RedactURL(via[len(via)-1].URL), to: urlcred.RedactURL(req.URL)}
		}
		c.authorize(req, nil) // credentials written in a URL go to that URL only
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}
