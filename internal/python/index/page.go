package index

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// File is one distribution file listed by an index or a find-links location.
type File struct {
	Filename       string
	URL            string // absolute, without credentials or fragment
	Hashes         Hashes // from the URL fragment or the JSON "hashes"; may be empty
	RequiresPython string // the raw data-requires-python / requires-python value, unescaped
	Yanked         bool
	YankedReason   string
	// CoreMetadata says the index serves the wheel's METADATA at URL + ".metadata"
	// (PEP 658/714); CoreMetadataHashes are its advertised digests, possibly none.
	CoreMetadata       bool
	CoreMetadataHashes Hashes
	Size               int64     // bytes; 0 when the index does not say
	UploadTime         time.Time // zero when the index does not say
	Index              string    // the page or folder that listed the file, credentials redacted
}

// Project is what the sources know about one project.
type Project struct {
	Name  string // the normalized name
	Index string // the index that supplied the files (redacted); "" when only find-links did
	Files []File
}

// Content types of PEP 691; text/html is the legacy alias of v1+html.
const (
	acceptHeader = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
	mimeJSON     = "application/vnd.pypi.simple.v1+json"
	mimeHTML     = "application/vnd.pypi.simple.v1+html"
	mimeLatestJS = "application/vnd.pypi.simple.latest+json"
	mimeLatestHT = "application/vnd.pypi.simple.latest+html"
)

// checkAPIVersion fails on an unknown major version, as PEP 629 requires.
func checkAPIVersion(v string) error {
	major, _, _ := strings.Cut(strings.TrimSpace(v), ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return fmt.Errorf("invalid repository API version %q", v)
	}
	if n != 1 {
		return fmt.Errorf("unsupported repository API version %s (this tool speaks 1.x)", v)
	}
	return nil
}

// parseHTMLPage reads a PEP 503 page or a find-links page of links. Relative links
// resolve against base (or a <base href>); which schemes a link may have depends on the
// page itself, never on a <base href> it chose.
func parseHTMLPage(body []byte, base *url.URL) ([]File, error) {
	page := base
	z := html.NewTokenizer(bytes.NewReader(body))
	var files []File
	links := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if errors.Is(z.Err(), io.EOF) {
				return files, nil
			}
			return nil, fmt.Errorf("malformed HTML: %w", z.Err())
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		name, hasAttr := z.TagName()
		switch atom.Lookup(name) {
		case atom.A:
			links++
			attrs := readAttrs(z, hasAttr)
			href, ok := attrs["href"]
			if !ok {
				continue
			}
			f, skip, err := htmlFile(attrs, href, base, page)
			if err != nil {
				return nil, fmt.Errorf("link %d (href %q): %w", links, urlcred.Redact(href), err)
			}
			if !skip {
				files = append(files, f)
			}
		case atom.Base:
			if href, ok := readAttrs(z, hasAttr)["href"]; ok {
				u, err := parseLink(base, href)
				if err != nil {
					return nil, fmt.Errorf("<base href=%q>: %w", urlcred.Redact(href), err)
				}
				base = u
			}
		case atom.Meta:
			attrs := readAttrs(z, hasAttr)
			if attrs["name"] == "pypi:repository-version" {
				if err := checkAPIVersion(attrs["content"]); err != nil {
					return nil, err
				}
			}
		}
	}
}

func readAttrs(z *html.Tokenizer, more bool) map[string]string {
	attrs := map[string]string{}
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		key := string(k) // the tokenizer lower-cases names and unescapes values
		if _, dup := attrs[key]; !dup {
			attrs[key] = string(v)
		}
	}
	return attrs
}

// htmlFile builds a File from an anchor on page, resolved against base. skip is set for
// links that are not files (parent-folder links, mailto:, empty names), which pages of
// links commonly have.
func htmlFile(attrs map[string]string, href string, base, page *url.URL) (f File, skip bool, err error) {
	u, err := parseLink(base, href)
	if err != nil {
		return File{}, false, err
	}
	if !linkAllowed(u, page) || strings.HasSuffix(u.Path, "/") {
		return File{}, true, nil // not a file: another scheme, or a folder
	}
	f.Hashes = Hashes{}
	if alg, digest, ok := parseHashPair(u.Fragment, '='); ok {
		f.Hashes[alg] = digest
	}
	u.Fragment, u.RawFragment, u.User = "", "", nil
	f.URL = u.String()
	// net/url accepts some hosts it cannot read back ("0::"): such a link is no URL.
	if _, err := url.Parse(f.URL); err != nil {
		return File{}, false, errors.New("not a valid URL once resolved against the page")
	}
	f.Filename = path.Base(u.Path)
	if !validFilename(f.Filename) {
		return File{}, true, nil
	}
	f.RequiresPython = strings.TrimSpace(attrs["data-requires-python"])
	if reason, ok := attrs["data-yanked"]; ok {
		f.Yanked, f.YankedReason = true, reason
	}
	meta, ok := attrs["data-core-metadata"]
	if !ok {
		meta, ok = attrs["data-dist-info-metadata"]
	}
	if ok {
		f.CoreMetadata, f.CoreMetadataHashes = parseCoreMetadataAttr(meta)
	}
	return f, false, nil
}

// parseLink resolves a link against its page. The error leaves out the link itself
// (urlcred.ParseRef's never quote it); callers name it redacted.
func parseLink(base *url.URL, link string) (*url.URL, error) {
	return urlcred.ParseRef(base, strings.TrimSpace(link))
}

// parseCoreMetadataAttr reads "true" or "sha256=<hex>"; "false" and garbage mean none.
func parseCoreMetadataAttr(v string) (bool, Hashes) {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "true") {
		return true, Hashes{}
	}
	if alg, digest, ok := parseHashPair(v, '='); ok {
		return true, Hashes{alg: digest}
	}
	return false, nil
}

// linkAllowed keeps http(s) links, and file: links only on local pages: a remote page must
// not make the client read local files.
func linkAllowed(u, page *url.URL) bool {
	switch u.Scheme {
	case "http", "https":
		return true
	case "file":
		return page.Scheme == "file"
	}
	return false
}

// validFilename refuses names that could escape a cache folder.
func validFilename(name string) bool {
	return name != "" && name != "." && name != ".." && name != "/" &&
		!strings.ContainsAny(name, "/\\\x00")
}

type jsonPage struct {
	Meta *struct {
		APIVersion string `json:"api-version"`
	} `json:"meta"`
	Name  string      `json:"name"`
	Files *[]jsonFile `json:"files"`
}

type jsonFile struct {
	Filename         string            `json:"filename"`
	URL              string            `json:"url"`
	Hashes           map[string]string `json:"hashes"`
	RequiresPython   *string           `json:"requires-python"`
	CoreMetadata     json.RawMessage   `json:"core-metadata"`
	DistInfoMetadata json.RawMessage   `json:"dist-info-metadata"`
	Yanked           json.RawMessage   `json:"yanked"`
	Size             *int64            `json:"size"`
	UploadTime       *string           `json:"upload-time"`
}

// parseJSONPage reads a PEP 691 project page. It returns the project name the page gives.
func parseJSONPage(body []byte, base *url.URL) (string, []File, error) {
	var p jsonPage
	if err := json.Unmarshal(body, &p); err != nil {
		return "", nil, fmt.Errorf("malformed JSON: %w", err)
	}
	if p.Meta == nil || p.Meta.APIVersion == "" {
		return "", nil, errors.New(`malformed JSON page: no "meta"."api-version"`)
	}
	if err := checkAPIVersion(p.Meta.APIVersion); err != nil {
		return "", nil, err
	}
	if p.Files == nil {
		return "", nil, errors.New(`malformed JSON page: no "files" list`)
	}
	files := make([]File, 0, len(*p.Files))
	for i, jf := range *p.Files {
		f, err := jf.file(base)
		if err != nil {
			return "", nil, fmt.Errorf("files[%d] (%q): %w", i, jf.Filename, err)
		}
		files = append(files, f)
	}
	return p.Name, files, nil
}

func (jf *jsonFile) file(base *url.URL) (File, error) {
	if !validFilename(jf.Filename) {
		return File{}, errors.New("missing or invalid filename")
	}
	if jf.URL == "" {
		return File{}, errors.New("missing url")
	}
	u, err := parseLink(base, jf.URL)
	if err != nil {
		return File{}, err
	}
	if !linkAllowed(u, base) {
		return File{}, fmt.Errorf("url scheme %q not allowed", u.Scheme)
	}
	u.Fragment, u.RawFragment, u.User = "", "", nil
	f := File{Filename: jf.Filename, URL: u.String(), Hashes: Hashes{}}
	if _, err := url.Parse(f.URL); err != nil { // as in htmlFile
		return File{}, errors.New("url is not valid once resolved against the page")
	}
	for alg, digest := range jf.Hashes {
		f.Hashes[strings.ToLower(alg)] = strings.ToLower(digest)
	}
	if jf.RequiresPython != nil {
		f.RequiresPython = strings.TrimSpace(*jf.RequiresPython)
	}
	meta := jf.CoreMetadata
	if len(meta) == 0 || string(meta) == "null" {
		meta = jf.DistInfoMetadata
	}
	if f.CoreMetadata, f.CoreMetadataHashes, err = parseCoreMetadataJSON(meta); err != nil {
		return File{}, fmt.Errorf("core-metadata: %w", err)
	}
	if f.Yanked, f.YankedReason, err = parseYankedJSON(jf.Yanked); err != nil {
		return File{}, fmt.Errorf("yanked: %w", err)
	}
	if jf.Size != nil {
		if *jf.Size < 0 {
			return File{}, fmt.Errorf("negative size %d", *jf.Size)
		}
		f.Size = *jf.Size
	}
	if jf.UploadTime != nil && *jf.UploadTime != "" {
		t, err := time.Parse(time.RFC3339Nano, *jf.UploadTime)
		if err != nil {
			return File{}, fmt.Errorf("upload-time %q is not ISO 8601: %w", *jf.UploadTime, err)
		}
		f.UploadTime = t.UTC()
	}
	return f, nil
}

// parseCoreMetadataJSON reads a bool or a {"sha256": "..."} object.
func parseCoreMetadataJSON(raw json.RawMessage) (bool, Hashes, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, nil, nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		if b {
			return true, Hashes{}, nil
		}
		return false, nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(raw, &m); err != nil {
		return false, nil, fmt.Errorf("want true, false or a hash object, got %.40s", raw)
	}
	h := Hashes{}
	for alg, digest := range m {
		h[strings.ToLower(alg)] = strings.ToLower(digest)
	}
	return true, h, nil
}

// parseYankedJSON reads false, true or a reason string (PEP 592).
func parseYankedJSON(raw json.RawMessage) (bool, string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, "", nil
	}
	var b bool
	if err := json.Unmarshal(raw, &b); err == nil {
		return b, "", nil
	}
	var reason string
	if err := json.Unmarshal(raw, &reason); err != nil {
		return false, "", fmt.Errorf("want a boolean or a reason string, got %.40s", raw)
	}
	return true, reason, nil
}
