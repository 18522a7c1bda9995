package index

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// NotFoundError reports a project that none of the sources has.
type NotFoundError struct {
	Project string
	// Asked lists the indexes (credentials redacted) and find-links locations consulted, in order.
	Asked []string
}

func (e *NotFoundError) Error() string {
	if len(e.Asked) == 0 {
		return fmt.Sprintf("project %s not found: no index or find-links location is configured (no-index is set without find-links)", e.Project)
	}
	return fmt.Sprintf("project %s not found on %s; check the name, or add the index that has it (index-url, extra-index-url, find-links)",
		e.Project, strings.Join(e.Asked, ", "))
}

// FindLinksError is a find-links location that could not be read. Location is the
// value given to WithFindLinks (so that a caller can tell which of its lines named it);
// messages show Display, without credentials.
type FindLinksError struct {
	Location, Display string
	Err               error
}

func (e *FindLinksError) Error() string { return "find-links " + e.Display + ": " + e.Err.Error() }
func (e *FindLinksError) Unwrap() error { return e.Err }

// HashMismatchError reports a downloaded file whose digest differs from the one the index
// advertised (Source "index") or from every --hash of its requirement (Source "--hash").
type HashMismatchError struct {
	Filename  string
	Source    string // "index", "--hash" or "core-metadata"
	Algorithm string
	Want      []string
	Got       string
}

func (e *HashMismatchError) Error() string {
	want := make([]string, len(e.Want))
	for i, w := range e.Want {
		want[i] = e.Algorithm + ":" + w
	}
	switch e.Source {
	case "--hash":
		return fmt.Sprintf("hash mismatch for %s: the requirement's --hash allows %s but the downloaded file has %s:%s; the file changed or the --hash is wrong",
			e.Filename, strings.Join(want, " or "), e.Algorithm, e.Got)
	case "core-metadata":
		return fmt.Sprintf("hash mismatch for %s: the index advertises %s but the metadata file has %s:%s",
			e.Filename, strings.Join(want, " or "), e.Algorithm, e.Got)
	default:
		return fmt.Sprintf("hash mismatch for %s: the index says %s but the downloaded file has %s:%s",
			e.Filename, strings.Join(want, " or "), e.Algorithm, e.Got)
	}
}

// StatusError is an HTTP answer other than success. URL has its credentials redacted.
type StatusError struct {
	URL    string
	Status int
	Text   string // the status line's text, for example "403 Forbidden"

	retryAfter time.Duration
}

func (e *StatusError) Error() string { return fmt.Sprintf("GET %s: %s", e.URL, e.Text) }

// retryable reports whether the status is worth another try: rate limits and server errors.
func (e *StatusError) retryable() bool { return e.Status == 429 || e.Status >= 500 }

var errNotWheel = errors.New("not a wheel")

// errNoRange tells the metadata path that the server cannot serve ranges.
var errNoRange = errors.New("server does not support range requests")
