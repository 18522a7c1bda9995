package index

import (
	"fmt"
	"time"
)

// EventKind says what an Event reports.
type EventKind int

const (
	EventPage     EventKind = iota // a project page or find-links page was fetched or revalidated
	EventMetadata                  // a wheel's METADATA was obtained
	EventDownload                  // a file was downloaded (or found in the cache)
	EventRetry                     // a request failed and will be repeated after Delay
	EventFallback                  // a faster path failed and a slower one is taken
)

// Event is one line of progress. URLs never carry credentials.
type Event struct {
	Kind    EventKind
	Project string // the project a page belongs to, when known
	File    string // the file name for metadata and downloads
	URL     string // credentials redacted
	Bytes   int64  // bytes transferred over the network (0 when served from the cache)
	Cached  bool   // served from the cache (a 304 or a fresh or content-addressed entry)
	Via     string // for EventMetadata: "metadata-file", "range", "download" or "cache"
	Attempt int    // for EventRetry: the attempt that failed, from 1
	Delay   time.Duration
	Err     error         // for EventRetry and EventFallback: what went wrong
	Retries int           // for EventRetry: the most retries of one request
	Budget  time.Duration // for EventRetry: the time a request and its retries may take (0: unbounded)
}

// String renders the event as one log line.
func (e Event) String() string {
	switch e.Kind {
	case EventPage:
		who := "find-links" // a find-links page serves every project
		if e.Project != "" {
			who = e.Project
		}
		if e.Cached {
			return fmt.Sprintf("index: %s: page %s unchanged (cached)", who, e.URL)
		}
		return fmt.Sprintf("index: %s: page %s (%s)", who, e.URL, humanBytes(e.Bytes))
	case EventMetadata:
		if e.Cached {
			return fmt.Sprintf("index: %s: metadata from cache", e.File)
		}
		return fmt.Sprintf("index: %s: metadata via %s (%s transferred)", e.File, e.Via, humanBytes(e.Bytes))
	case EventDownload:
		if e.Cached {
			return fmt.Sprintf("index: %s: in cache", e.File)
		}
		return fmt.Sprintf("index: %s: downloaded %s from %s", e.File, humanBytes(e.Bytes), e.URL)
	case EventRetry:
		line := fmt.Sprintf("index: %s: attempt %d failed (%v); retrying in %s", e.URL, e.Attempt, e.Err, e.Delay.Round(time.Millisecond))
		if e.Attempt == 1 { // the first retry says how far retries go
			line += fmt.Sprintf(", up to %d retries", e.Retries)
			if e.Budget > 0 {
				line += " within " + e.Budget.String()
			}
		}
		return line
	case EventFallback:
		return fmt.Sprintf("index: %s: %v; falling back to %s", e.File, e.Err, e.Via)
	}
	return fmt.Sprintf("index: event %d", e.Kind)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
