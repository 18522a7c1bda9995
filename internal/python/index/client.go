package index

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Client reads projects, metadata and files from the configured sources. It is safe for
// concurrent use; results are shared between callers and must be treated as read-only.
type Client struct {
	cfg     config
	hc      *http.Client
	indexes []*source // in the order they are asked
	links   []*source // find-links locations
	remote  []*source // every http(s) source, for credential lookups
	netrc   *netrc
	cache   *diskCache
	sem     chan struct{}

	projects  memo[*Project]
	linkFiles memo[[]File]
	metadata  memo[*Metadata]
	downloads memo[*Downloaded]
}

// New builds a client. Bad URLs, an unreadable .netrc or an unusable cache folder are
// reported here, before any request.
func New(opts ...Option) (*Client, error) {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.workers < 1:
		return nil, fmt.Errorf("index: workers must be at least 1, got %d", cfg.workers)
	case cfg.timeout <= 0:
		return nil, fmt.Errorf("index: timeout must be positive, got %s", cfg.timeout)
	case cfg.retry.Retries < 0 || cfg.retry.BaseDelay < 0 || cfg.retry.MaxDelay < 0:
		return nil, fmt.Errorf("index: retry settings must not be negative")
	case cfg.maxPageBytes <= 0 || cfg.maxFileBytes <= 0:
		return nil, fmt.Errorf("index: size limits must be positive")
	}
	c := &Client{cfg: cfg, sem: make(chan struct{}, cfg.workers)}
	if !cfg.noIndex {
		// Extra indexes first, as uv does: see the package doc.
		seen := map[string]bool{}
		for _, raw := range append(append([]string{}, cfg.extraURLs...), cfg.indexURL) {
			s, err := parseIndexSource(raw)
			if err != nil {
				return nil, fmt.Errorf("index: %w", err)
			}
			if !seen[s.display] {
				seen[s.display] = true
				c.indexes = append(c.indexes, s)
				c.remote = append(c.remote, s)
			}
		}
	}
	for _, raw := range cfg.findLinks {
		s, err := parseFindLinksSource(raw)
		if err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		s.raw = raw
		c.links = append(c.links, s)
		if s.kind == kindLinksPage {
			c.remote = append(c.remote, s)
		}
	}
	if cfg.netrcPath != "" {
		n, err := readNetrc(cfg.netrcPath)
		if err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		c.netrc = n
	}
	dir := cfg.cacheDir
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return nil, fmt.Errorf("index: no cache folder given and no user cache folder: %w", err)
		}
		dir = filepath.Join(base, "lithops-runtime", "index")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("index: cache folder: %w", err)
	}
	c.cache = &diskCache{dir: dir}
	hc := &http.Client{}
	if cfg.httpClient != nil {
		copied := *cfg.httpClient
		hc = &copied
	}
	hc.CheckRedirect = c.checkRedirect(hc.CheckRedirect)
	c.hc = hc
	return c, nil
}

// Sources lists the indexes in the order they are asked, then the find-links locations,
// credentials redacted: for logs and summaries.
func (c *Client) Sources() []string {
	var out []string
	for _, s := range c.indexes {
		out = append(out, s.display)
	}
	for _, s := range c.links {
		out = append(out, s.display)
	}
	return out
}

// PlainHTTPCredentials lists the configured sources (redacted) to which credentials, from
// their URL or from .netrc, would travel over plain http to a host other than loopback:
// readable by anyone on the path. They are still sent, as pip sends them, because private
// indexes on internal networks often run without TLS; the caller should warn.
func (c *Client) PlainHTTPCredentials() []string {
	var out []string
	for _, s := range c.remote {
		if s.url.Scheme == "http" && !isLoopback(s.url) && c.credentialsFor(s.url) != nil {
			out = append(out, s.display)
		}
	}
	return out
}

// Project returns the files of a project: those of the first index that has it, plus the
// matching files of every find-links location. An unknown project is a *NotFoundError.
func (c *Client) Project(ctx context.Context, name string) (*Project, error) {
	if !pep508.ValidName(name) {
		return nil, fmt.Errorf("index: %q is not a valid project name", name)
	}
	key := pep508.NormalizeName(name)
	return c.projects.get(ctx, key, func(ctx context.Context) (*Project, error) {
		return c.fetchProject(ctx, key)
	})
}

func (c *Client) fetchProject(ctx context.Context, key string) (*Project, error) {
	p := &Project{Name: key}
	var asked []string
	for _, s := range c.indexes {
		asked = append(asked, s.display)
		files, found, err := c.indexProject(ctx, s, key)
		if err != nil {
			return nil, err
		}
		if found {
			p.Index, p.Files = s.display, files
			break
		}
	}
	byName := map[string]int{}
	for i, f := range p.Files {
		byName[f.Filename] = i
	}
	for _, s := range c.links {
		asked = append(asked, s.display)
		files, err := c.linkFiles.get(ctx, s.display, func(ctx context.Context) ([]File, error) {
			return c.loadLinks(ctx, s)
		})
		if err != nil {
			return nil, &FindLinksError{Location: s.raw, Display: s.display, Err: err}
		}
		for _, f := range files {
			if !belongsTo(f.Filename, key) {
				continue
			}
			// A file the user put in find-links replaces the index's file of that name.
			if i, dup := byName[f.Filename]; dup {
				p.Files[i] = f
				continue
			}
			byName[f.Filename] = len(p.Files)
			p.Files = append(p.Files, f)
		}
	}
	if p.Index == "" && len(p.Files) == 0 {
		return nil, &NotFoundError{Project: key, Asked: asked}
	}
	return p, nil
}

// indexProject reads one index's page for a project; found is false on 404 or 410.
func (c *Client) indexProject(ctx context.Context, s *source, key string) ([]File, bool, error) {
	u := s.url.JoinPath(key)
	u.Path += "/"
	if u.RawPath != "" {
		u.RawPath += "/"
	}
	files, found, err := c.page(ctx, u, key, s.display)
	if err != nil {
		return nil, false, fmt.Errorf("index %s: project %s: %w", s.display, key, err)
	}
	return files, found, nil
}

// page fetches (or revalidates) and parses a page. Its files carry Index = display.
func (c *Client) page(ctx context.Context, u *url.URL, project, display string) ([]File, bool, error) {
	key := u.String()
	entry, cached, haveCache := c.cache.readPage(key)
	if haveCache && entry.fresh(time.Now()) {
		files, err := parsePage(cached, entry.ContentType, entry.baseURL(u), project, display)
		if err == nil {
			c.emit(Event{Kind: EventPage, Project: project, URL: key, Cached: true})
			return files, true, nil
		}
		haveCache = false // unreadable now: fetch again
	}
	header := http.Header{"Accept": {acceptHeader}}
	if haveCache {
		if entry.ETag != "" {
			header.Set("If-None-Match", entry.ETag)
		}
		if entry.LastModified != "" {
			header.Set("If-Modified-Since", entry.LastModified)
		}
	}
	var (
		body      []byte
		fresh     *pageEntry
		notFound  bool
		unchanged bool
	)
	err := c.get(ctx, u, header, func(resp *http.Response) error {
		body, fresh, notFound, unchanged = nil, nil, false, false
		switch {
		case resp.StatusCode == http.StatusOK:
			b, err := readCapped(resp.Body, c.cfg.maxPageBytes)
			if err != nil {
				return fmt.Errorf("page %s: %w", key, err)
			}
			body = b
			fresh = &pageEntry{URL: key, ContentType: resp.Header.Get("Content-Type"),
				ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
			if final := resp.Request.URL.String(); final != key {
				fresh.Base = final
			}
			fresh.setCaching(resp.Header)
		case resp.StatusCode == http.StatusNotModified && haveCache:
			unchanged = true
			entry.setCaching(resp.Header)
		case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
			notFound = true
		default:
			return statusError(resp)
		}
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	switch {
	case notFound:
		return nil, false, nil
	case unchanged:
		entry.Fetched = time.Now().UTC()
		_ = c.cache.writePage(entry, cached) // only freshness changed; a failed write costs a request later
		c.emit(Event{Kind: EventPage, Project: project, URL: key, Cached: true})
		files, err := parsePage(cached, entry.ContentType, entry.baseURL(u), project, display)
		return files, err == nil, err
	}
	files, err := parsePage(body, fresh.ContentType, fresh.baseURL(u), project, display)
	if err != nil {
		return nil, false, err
	}
	c.emit(Event{Kind: EventPage, Project: project, URL: key, Bytes: int64(len(body))})
	if !fresh.noStore {
		fresh.Fetched = time.Now().UTC()
		if err := c.cache.writePage(fresh, body); err != nil {
			return nil, false, err
		}
	}
	return files, true, nil
}

// parsePage branches on the response's content type, as PEP 691 requires.
func parsePage(body []byte, contentType string, base *url.URL, project, display string) ([]File, error) {
	mt := ""
	if contentType != "" {
		var err error
		if mt, _, err = mime.ParseMediaType(contentType); err != nil {
			return nil, fmt.Errorf("page %s: bad Content-Type %q", urlcred.RedactURL(base), contentType)
		}
	}
	var files []File
	switch mt {
	case mimeJSON, mimeLatestJS:
		name, fs, err := parseJSONPage(body, base)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", urlcred.RedactURL(base), err)
		}
		if project != "" && name != "" && pep508.NormalizeName(name) != project {
			return nil, fmt.Errorf("page %s: lists project %q, not %s", urlcred.RedactURL(base), name, project)
		}
		files = fs
	case mimeHTML, mimeLatestHT, "text/html", "":
		fs, err := parseHTMLPage(body, base)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", urlcred.RedactURL(base), err)
		}
		files = fs
	default:
		return nil, fmt.Errorf("page %s: unsupported Content-Type %q (want PEP 691 JSON or HTML)", urlcred.RedactURL(base), contentType)
	}
	for i := range files {
		files[i].Index = display
	}
	return files, nil
}

// loadLinks lists a find-links location: a folder's distribution files, or the links of
// a local HTML file or an http(s) page.
func (c *Client) loadLinks(ctx context.Context, s *source) ([]File, error) {
	if s.kind == kindLinksPage {
		files, found, err := c.page(ctx, s.url, "", s.display)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, errors.New("page not found (404)")
		}
		return files, nil
	}
	info, err := c.cfg.root.Stat(s.path)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		f, err := c.cfg.root.Open(s.path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		body, err := readCapped(f, c.cfg.maxPageBytes)
		if err != nil {
			return nil, err
		}
		files, err := parsePage(body, "text/html", s.url, "", s.display)
		if err != nil {
			return nil, err
		}
		return files, nil
	}
	entries, err := c.cfg.root.ReadDir(s.path)
	if err != nil {
		return nil, err
	}
	var files []File
	for _, e := range entries {
		if !e.Type().IsRegular() || distKind(e.Name()) == "" {
			continue
		}
		info, err := e.Info()
		if err != nil {
			return nil, err
		}
		p := filepath.Join(s.path, e.Name())
		files = append(files, File{
			Filename: e.Name(),
			URL:      (&url.URL{Scheme: "file", Path: filepath.ToSlash(p)}).String(),
			Hashes:   Hashes{},
			Size:     info.Size(),
			Index:    s.display,
		})
	}
	return files, nil
}

// distKind tells a wheel ("wheel") from an sdist ("sdist") by extension; "" for neither.
func distKind(filename string) string {
	if strings.HasSuffix(strings.ToLower(filename), ".whl") {
		return "wheel"
	}
	if _, ok := sdistStem(filename); ok {
		return "sdist"
	}
	return ""
}

// sdistExts are the source-archive extensions pip accepts for an sdist.
var sdistExts = []string{".tar.gz", ".zip", ".tar.bz2", ".tbz", ".tgz", ".tar.xz", ".tar"}

// sdistStem is a source archive's name without its extension.
func sdistStem(filename string) (string, bool) {
	lower := strings.ToLower(filename)
	for _, ext := range sdistExts {
		if strings.HasSuffix(lower, ext) {
			return filename[:len(filename)-len(ext)], true
		}
	}
	return "", false
}

// SdistVersion returns the version in the name of one of project's source archives
// (project normalized): the name splits at the dash after which the rest is the
// version. Sdist names may hold dashes, so every split is tried, as pip does; false
// when the name is not project's or its version is not valid PEP 440.
func SdistVersion(filename, project string) (pep440.Version, bool) {
	stem, ok := sdistStem(filename)
	if !ok {
		return pep440.Version{}, false
	}
	// At most one prefix normalizes to project: each longer one adds a "-" and more.
	for i := 0; i < len(stem); i++ {
		if stem[i] == '-' && pep508.NormalizeName(stem[:i]) == project {
			v, err := pep440.Parse(stem[i+1:])
			return v, err == nil
		}
	}
	return pep440.Version{}, false
}

// belongsTo reports whether a distribution file name is of the (normalized) project: a
// wheel by its parsed name, an sdist by SdistVersion. Files whose names do not parse
// belong to no project.
func belongsTo(filename, key string) bool {
	switch distKind(filename) {
	case "wheel":
		wn, err := tags.ParseWheelName(filename)
		return err == nil && wn.NormalizedName() == key
	case "sdist":
		_, ok := SdistVersion(filename, key)
		return ok
	}
	return false
}
