package index

import (
	"net/http"
	"time"

	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// DefaultIndexURL is PyPI's simple index, used unless WithIndexURL or WithNoIndex says otherwise.
const DefaultIndexURL = "https://pypi.org/simple/"

// Retry bounds how often a request is repeated after a connection error, a 429 or a 5xx.
// Other 4xx answers are never retried.
type Retry struct {
	Retries   int           // extra attempts after the first; 0 disables retries
	BaseDelay time.Duration // the first back-off; it doubles on every retry, with jitter
	MaxDelay  time.Duration // cap of one back-off, also of an honoured Retry-After
	// Budget bounds the retries of a request: no retry is made whose wait would end later
	// than Budget after the first attempt failed (0: only Retries bounds them).
	Budget time.Duration
}

// Option configures a Client.
type Option func(*config)

type config struct {
	indexURL     string
	extraURLs    []string
	findLinks    []string
	noIndex      bool
	cacheDir     string
	httpClient   *http.Client
	workers      int
	netrcPath    string
	retry        Retry
	timeout      time.Duration
	progress     func(Event)
	maxPageBytes int64
	maxFileBytes int64
	root         workspace.Root
}

func defaultConfig() config {
	return config{
		indexURL:     DefaultIndexURL,
		workers:      8,
		retry:        Retry{Retries: 3, BaseDelay: 500 * time.Millisecond, MaxDelay: 20 * time.Second, Budget: time.Minute},
		timeout:      60 * time.Second,
		maxPageBytes: 64 << 20,
		maxFileBytes: 2 << 30,
	}
}

// WithIndexURL replaces the default index (PyPI). Credentials may be given in the URL
// (https://user:token@host/simple/); they are sent only to that host and never printed.
func WithIndexURL(u string) Option { return func(c *config) { c.indexURL = u } }

// WithExtraIndexURLs adds indexes. They are asked before the index URL, in the order given,
// and the first index that has a project supplies all its files (see the package doc).
func WithExtraIndexURLs(urls ...string) Option {
	return func(c *config) { c.extraURLs = append(c.extraURLs, urls...) }
}

// WithFindLinks adds find-links locations: local folders, local HTML files, or http(s)
// pages of links. Their files are added to a project's candidates from the indexes.
func WithFindLinks(locations ...string) Option {
	return func(c *config) { c.findLinks = append(c.findLinks, locations...) }
}

// WithWorkspace confines every local file the client reads (find-links folders and HTML
// files, file: links of wheels) to the workspace at dir: see package workspace. Without
// it any regular file may be read.
func WithWorkspace(dir string) Option { return func(c *config) { c.root = workspace.New(dir) } }

// WithNoIndex ignores every index URL: only find-links locations are used.
func WithNoIndex() Option { return func(c *config) { c.noIndex = true } }

// WithCacheDir sets the on-disk cache folder (created if missing). It may be shared by
// several processes. The default is the user cache folder's lithops-runtime/index.
func WithCacheDir(dir string) Option { return func(c *config) { c.cacheDir = dir } }

// WithHTTPClient sets the HTTP client (its transport, proxies, TLS roots). The client is
// copied; its redirect policy is wrapped by the credential and HTTPS checks.
func WithHTTPClient(hc *http.Client) Option { return func(c *config) { c.httpClient = hc } }

// WithWorkers bounds the number of HTTP requests in flight at once (default 8).
func WithWorkers(n int) Option { return func(c *config) { c.workers = n } }

// WithNetrc reads credentials for index hosts from a .netrc file (see NetrcPath).
// A missing file means no credentials. Without this option no .netrc is read.
func WithNetrc(path string) Option { return func(c *config) { c.netrcPath = path } }

// WithRetry sets the retry policy. The default is 3 retries, 0.5 s doubling, capped at
// 20 s, within a minute.
func WithRetry(r Retry) Option { return func(c *config) { c.retry = r } }

// WithTimeout bounds how long a request may wait for the response headers, and then for
// each read of its body, so a stalled connection fails while a slow download goes on.
// The default is 60 seconds.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithProgress sets a callback told about every page, metadata file and download fetched
// and every retry. It is called from several goroutines at once.
func WithProgress(fn func(Event)) Option { return func(c *config) { c.progress = fn } }

// WithMaxPageBytes caps the size of an index or find-links page (default 64 MiB).
func WithMaxPageBytes(n int64) Option { return func(c *config) { c.maxPageBytes = n } }

// WithMaxFileBytes caps the size of a downloaded file (default 2 GiB).
func WithMaxFileBytes(n int64) Option { return func(c *config) { c.maxFileBytes = n } }
