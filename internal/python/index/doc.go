// Package index owns package sources: PEP 691 JSON and PEP 503 HTML simple indexes,
// find-links folders and pages, wheel metadata (PEP 658/714 .metadata files, then an HTTP
// range request, then a full download), credentials, retries and the on-disk cache.
package index
