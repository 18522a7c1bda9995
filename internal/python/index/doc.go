// Package index owns package sources: PEP 691 JSON and PEP 503 HTML simple indexes,
// find-links folders and pages, wheel metadata (PEP 658/714 .metadata files, then an HTTP
// range request, then a full download), credentials, retries and the on-disk cache.
//
// # Use
//
//	c, err := index.New(index.WithIndexURL(u), index.WithExtraIndexURLs(extra...),
//		index.WithFindLinks(links...), index.WithCacheDir(dir), index.WithNetrc(index.NetrcPath(os.Getenv)),
//		index.WithProgress(func(e index.Event) { log(e.String()) }))
//	p, err := c.Project(ctx, "numpy")           // *NotFoundError when no source has it
//	md, err := c.Metadata(ctx, p.Files[i])      // Requires-Dist, Requires-Python, ...
//	d, err := c.Download(ctx, p.Files[i], hashes) // verified file in the cache
//
// The Client is safe for concurrent use and bounds the requests in flight (WithWorkers).
// Results are shared between callers: treat them as read-only.
//
// # Several indexes: the first one that has a project wins
//
// Indexes are asked in this order: the extra index URLs as given, then the index URL (as
// uv does, and unlike pip, which merges all of them). The first index whose page for the
// project exists (anything but 404/410) supplies all of the project's files; later indexes
// are not asked. So a name published on the public index cannot shadow a private package
// (dependency confusion), as long as the private index is listed as an extra index. Any
// other failure of an index (401, 403, 5xx after retries, a malformed page) stops the
// lookup with an error instead of falling through to the next index, since falling
// through is exactly how a confused package would slip in. Find-links files are added to
// the candidates of every project they belong to (matched by their parsed file name); a
// find-links file with the same name as an index file replaces it.
//
// # Credentials
//
// Credentials come from index and find-links URLs (https://user:token@host/...) and, with
// WithNetrc, from a .netrc file. URL credentials are sent only to their URL's origin
// (scheme, host, port); a .netrc "machine" entry only to that host, and its "default"
// entry only to hosts of configured sources. Files hosted elsewhere (a CDN) are fetched
// without credentials, also after a redirect. Credentials never appear in Project.Index,
// File.URL, progress events, errors or cache paths. A redirect away from HTTPS is refused
// unless the original request went to a loopback host.
//
// # Network
//
// Every request has a stall timeout (WithTimeout: for the headers and then between body
// reads) and is retried on connection errors, 429 and 5xx with exponential back-off and
// jitter, honouring Retry-After up to Retry.MaxDelay; other 4xx answers are never
// retried. Pages are capped in size (WithMaxPageBytes), files too (WithMaxFileBytes).
//
// # Cache
//
// The cache folder holds index pages (revalidated with ETag/Last-Modified; Cache-Control
// max-age makes them fresh without a request), METADATA keyed by the wheel's sha256, and
// files keyed by their sha256 (see diskCache). Entries are written atomically and checked
// against their digest when read, so several processes may share the folder and a
// corrupt entry is fetched again.
package index
