package index

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/lithops-fc/runtime-action/internal/atomicfile"
)

// diskCache is the on-disk cache. Layout (every name is derived from content hashes or
// credential-free URLs):
//
//	pages-v1/ab/<sha256 of page URL>        header line (JSON) + page body
//	metadata-v1/ab/<sha256 of wheel>        "sha256:<hex of METADATA>\n" + METADATA
//	wheels-v1/ab/<sha256 of wheel>/<file>   the file itself
//
// Every write goes to a temporary file in the same folder, then is renamed into place, so
// readers (other processes too) see either nothing or a whole entry. Entries carry or are
// named by a digest of their content, so a corrupt one is detected and fetched again.
type diskCache struct{ dir string }

func (d *diskCache) shard(kind, key string) string {
	return filepath.Join(d.dir, kind, key[:2], key)
}

func keyOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// pageEntry is the header of a cached index page.
type pageEntry struct {
	URL          string    `json:"url"` // credential-free, for people reading the cache
	ContentType  string    `json:"content_type"`
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Fetched      time.Time `json:"fetched"`
	MaxAge       int64     `json:"max_age"`        // seconds the page is fresh; 0 means revalidate
	SHA256       string    `json:"sha256"`         // of the body
	Base         string    `json:"base,omitempty"` // the final URL after redirects, for relative links

	noStore bool
}

// setCaching reads Cache-Control: max-age makes the page fresh for that long (no request
// at all), no-cache forces revalidation, no-store keeps it out of the cache.
func (e *pageEntry) setCaching(h http.Header) {
	e.MaxAge, e.noStore = 0, false
	noCache := false
	for _, d := range strings.Split(h.Get("Cache-Control"), ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n > 0 {
				e.MaxAge = n
			}
		case "no-cache":
			noCache = true
		case "no-store":
			e.noStore = true
		}
	}
	if noCache {
		e.MaxAge = 0
	}
}

// baseURL is what relative links resolve against.
func (e *pageEntry) baseURL(requested *url.URL) *url.URL {
	if e.Base != "" {
		if u, err := url.Parse(e.Base); err == nil {
			return u
		}
	}
	return requested
}

func (e *pageEntry) fresh(now time.Time) bool {
	return e.MaxAge > 0 && now.Before(e.Fetched.Add(time.Duration(e.MaxAge)*time.Second))
}

func (d *diskCache) readPage(pageURL string) (*pageEntry, []byte, bool) {
	if d == nil {
		return nil, nil, false
	}
	data, err := os.ReadFile(d.shard("pages-v1", keyOf(pageURL)))
	if err != nil {
		return nil, nil, false
	}
	head, body, ok := bytes.Cut(data, []byte("\n"))
	var e pageEntry
	if !ok || json.Unmarshal(head, &e) != nil || e.URL != pageURL || e.SHA256 != sha256Hex(body) {
		return nil, nil, false // corrupt or foreign: fetch again
	}
	return &e, body, true
}

func (d *diskCache) writePage(e *pageEntry, body []byte) error {
	if d == nil {
		return nil
	}
	e.SHA256 = sha256Hex(body)
	head, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return writeCache(d.shard("pages-v1", keyOf(e.URL)), func(w io.Writer) error {
		if _, err := w.Write(append(head, '\n')); err != nil {
			return err
		}
		_, err := w.Write(body)
		return err
	})
}

func (d *diskCache) readMetadata(wheelSHA256 string) ([]byte, bool) {
	if d == nil || !validDigest(wheelSHA256) {
		return nil, false
	}
	data, err := os.ReadFile(d.shard("metadata-v1", wheelSHA256))
	if err != nil {
		return nil, false
	}
	head, body, ok := bytes.Cut(data, []byte("\n"))
	if !ok || string(head) != "sha256:"+sha256Hex(body) {
		return nil, false
	}
	return body, true
}

func (d *diskCache) writeMetadata(wheelSHA256 string, body []byte) error {
	if d == nil || !validDigest(wheelSHA256) {
		return nil
	}
	return writeCache(d.shard("metadata-v1", wheelSHA256), func(w io.Writer) error {
		_, err := w.Write(append([]byte("sha256:"+sha256Hex(body)+"\n"), body...))
		return err
	})
}

// wheelPath is where a file with this sha256 lives in the cache.
func (d *diskCache) wheelPath(sha, filename string) string {
	return filepath.Join(d.shard("wheels-v1", sha), filename)
}

// checkWheel reports whether the file with this sha256 is cached and still has that
// digest, and its size.
func (d *diskCache) checkWheel(sha, filename string) (int64, bool) {
	if !validDigest(sha) {
		return 0, false
	}
	f, err := os.Open(d.wheelPath(sha, filename))
	if err != nil {
		return 0, false
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, false
	}
	return n, hex.EncodeToString(h.Sum(nil)) == sha
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func validDigest(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// writeCache writes a cache entry atomically, so processes sharing the cache never
// see half an entry.
func writeCache(path string, write func(io.Writer) error) error {
	if err := atomicfile.Write(path, write); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	return nil
}
