package index

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// testWheel is a wheel built in memory.
type testWheel struct {
	filename string
	data     []byte
	metadata []byte
}

func (w testWheel) sha256() string {
	s := sha256.Sum256(w.data)
	return hex.EncodeToString(s[:])
}

// makeWheel builds a wheel whose METADATA has the given Requires-Dist lines. pad bytes of
// incompressible data come first in the archive, so a full download is easy to tell from a
// range read of the tail.
func makeWheel(t testing.TB, name, version string, requires []string, pad int) testWheel {
	t.Helper()
	return makeWheelN(t, name, version, requires, pad, 0)
}

// makeWheelN is makeWheel with n extra small modules, for a central directory larger than
// one range request.
func makeWheelN(t testing.TB, name, version string, requires []string, pad, n int) testWheel {
	t.Helper()
	dist := strings.ReplaceAll(pep508.NormalizeName(name), "-", "_")
	var md strings.Builder
	fmt.Fprintf(&md, "Metadata-Version: 2.1\nName: %s\nVersion: %s\nRequires-Python: >=3.8\n", name, version)
	for _, r := range requires {
		fmt.Fprintf(&md, "Requires-Dist: %s\n", r)
	}
	md.WriteString("\nA long description.\n")
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(path string, data []byte, method uint16) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: path, Method: method})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	rng := rand.New(rand.NewPCG(uint64(len(name)), uint64(pad)))
	blob := make([]byte, pad)
	for i := range blob {
		blob[i] = byte(rng.Uint32())
	}
	add(dist+"/blob.bin", blob, zip.Store)
	for i := range n {
		add(fmt.Sprintf("%s/sub/module_with_a_long_name_%05d.py", dist, i), []byte("x = 1\n"), zip.Deflate)
	}
	add(dist+"/__init__.py", []byte("VERSION = "+fmt.Sprintf("%q", version)+"\n"), zip.Deflate)
	info := dist + "-" + version + ".dist-info/"
	add(info+"METADATA", []byte(md.String()), zip.Deflate)
	add(info+"WHEEL", []byte("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"), zip.Deflate)
	add(info+"RECORD", []byte(""), zip.Deflate)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return testWheel{filename: dist + "-" + version + "-py3-none-any.whl", data: buf.Bytes(), metadata: []byte(md.String())}
}

// fakeFile is a file listed by a fakeIndex.
type fakeFile struct {
	testWheel
	noMetadataFile bool   // do not advertise or serve .metadata
	metadataHash   string // advertised .metadata sha256; "" means the real one
	indexHash      string // advertised sha256; "" means the real one, "-" means none
	requiresPython string
	yanked         string // "" not yanked; "true" yanked without reason; else the reason
}

// fakeIndex is a PEP 691/503 index on an httptest server. Pages are at /simple/NAME/ and
// files at /files/NAME; HTML pages link files relatively, JSON pages absolutely.
type fakeIndex struct {
	srv      *httptest.Server
	mu       sync.Mutex
	projects map[string][]*fakeFile
	format   string // "json", "html" or "" (negotiate from Accept)
	noRange  bool   // serve files without range support
	maxAge   int    // Cache-Control max-age for pages; 0 sends ETag and no-cache
	// intercept, when set, may answer a request itself (return true) to inject faults.
	intercept func(w http.ResponseWriter, r *http.Request) bool

	hits       map[string]int // request path -> count
	fullGets   map[string]int // file name -> GETs without a Range header
	fileBytes  int64          // bytes of file bodies sent
	authSeen   []string       // Authorization headers received
	conditions int            // conditional page requests that got 304
}

func newFakeIndex(t testing.TB) *fakeIndex {
	fi := &fakeIndex{projects: map[string][]*fakeFile{}, hits: map[string]int{}, fullGets: map[string]int{}}
	fi.srv = httptest.NewServer(http.HandlerFunc(fi.serve))
	t.Cleanup(fi.srv.Close)
	return fi
}

func (fi *fakeIndex) URL() string { return fi.srv.URL + "/simple/" }

func (fi *fakeIndex) add(project string, files ...*fakeFile) {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	key := pep508.NormalizeName(project)
	fi.projects[key] = append(fi.projects[key], files...)
}

func (fi *fakeIndex) count(path string) int {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	return fi.hits[path]
}

func (fi *fakeIndex) total() int {
	fi.mu.Lock()
	defer fi.mu.Unlock()
	n := 0
	for _, c := range fi.hits {
		n += c
	}
	return n
}

func (fi *fakeIndex) serve(w http.ResponseWriter, r *http.Request) {
	fi.mu.Lock()
	fi.hits[r.URL.Path]++
	if a := r.Header.Get("Authorization"); a != "" {
		fi.authSeen = append(fi.authSeen, a)
	}
	intercept := fi.intercept
	fi.mu.Unlock()
	if intercept != nil && intercept(w, r) {
		return
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/simple/"):
		fi.servePage(w, r, strings.Trim(strings.TrimPrefix(r.URL.Path, "/simple/"), "/"))
	case strings.HasPrefix(r.URL.Path, "/files/"):
		fi.serveFile(w, r, strings.TrimPrefix(r.URL.Path, "/files/"))
	default:
		http.NotFound(w, r)
	}
}

func (fi *fakeIndex) servePage(w http.ResponseWriter, r *http.Request, name string) {
	fi.mu.Lock()
	files, ok := fi.projects[name]
	format, maxAge := fi.format, fi.maxAge
	fi.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if format == "" {
		format = "html"
		if strings.Contains(r.Header.Get("Accept"), mimeJSON) {
			format = "json"
		}
	}
	var body []byte
	var ctype string
	if format == "json" {
		body, ctype = fi.jsonPage(name, files), mimeJSON
	} else {
		body, ctype = fi.htmlPage(name, files), "text/html; charset=utf-8"
	}
	etag := `"` + sha256Hex(body)[:16] + `"`
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("ETag", etag)
	if maxAge > 0 {
		w.Header().Set("Cache-Control", fmt.Sprintf("max-age=%d", maxAge))
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	if r.Header.Get("If-None-Match") == etag {
		fi.mu.Lock()
		fi.conditions++
		fi.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Write(body)
}

func (fi *fakeIndex) jsonPage(name string, files []*fakeFile) []byte {
	type jf struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython *string           `json:"requires-python,omitempty"`
		CoreMetadata   any               `json:"core-metadata,omitempty"`
		Yanked         any               `json:"yanked,omitempty"`
		Size           int               `json:"size"`
		UploadTime     string            `json:"upload-time"`
	}
	page := map[string]any{"meta": map[string]string{"api-version": "1.1"}, "name": name}
	var out []jf
	for _, f := range files {
		j := jf{Filename: f.filename, URL: fi.srv.URL + "/files/" + f.filename, Hashes: map[string]string{},
			Size: len(f.data), UploadTime: "2024-01-02T03:04:05.123456Z"}
		if h := f.advertisedHash(); h != "" {
			j.Hashes["sha256"] = h
		}
		if f.requiresPython != "" {
			j.RequiresPython = &f.requiresPython
		}
		if !f.noMetadataFile {
			j.CoreMetadata = map[string]string{"sha256": f.advertisedMetadataHash()}
		}
		switch f.yanked {
		case "":
		case "true":
			j.Yanked = true
		default:
			j.Yanked = f.yanked
		}
		out = append(out, j)
	}
	page["files"] = out
	b, _ := json.Marshal(page)
	return b
}

func (fi *fakeIndex) htmlPage(name string, files []*fakeFile) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html>\n<html><head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for %s</title></head><body>\n", name)
	for _, f := range files {
		href := "../../files/" + f.filename
		if h := f.advertisedHash(); h != "" {
			href += "#sha256=" + h
		}
		fmt.Fprintf(&b, `<a href="%s"`, html.EscapeString(href))
		if f.requiresPython != "" {
			fmt.Fprintf(&b, ` data-requires-python="%s"`, html.EscapeString(f.requiresPython))
		}
		if !f.noMetadataFile {
			fmt.Fprintf(&b, ` data-core-metadata="sha256=%s"`, f.advertisedMetadataHash())
		}
		switch f.yanked {
		case "":
		case "true":
			b.WriteString(` data-yanked=""`)
		default:
			fmt.Fprintf(&b, ` data-yanked="%s"`, html.EscapeString(f.yanked))
		}
		fmt.Fprintf(&b, ">%s</a><br/>\n", f.filename)
	}
	b.WriteString("</body></html>\n")
	return []byte(b.String())
}

func (f *fakeFile) advertisedHash() string {
	switch f.indexHash {
	case "":
		return f.sha256()
	case "-":
		return ""
	}
	return f.indexHash
}

func (f *fakeFile) advertisedMetadataHash() string {
	if f.metadataHash != "" {
		return f.metadataHash
	}
	return sha256Hex(f.metadata)
}

func (fi *fakeIndex) serveFile(w http.ResponseWriter, r *http.Request, name string) {
	fi.mu.Lock()
	var file *fakeFile
	for _, fs := range fi.projects {
		for _, f := range fs {
			if f.filename == name || f.filename+".metadata" == name {
				file = f
			}
		}
	}
	noRange := fi.noRange
	fi.mu.Unlock()
	if file == nil {
		http.NotFound(w, r)
		return
	}
	if strings.HasSuffix(name, ".metadata") {
		if file.noMetadataFile {
			http.NotFound(w, r)
			return
		}
		w.Write(file.metadata)
		return
	}
	cw := &countingWriter{ResponseWriter: w}
	fi.mu.Lock()
	if r.Header.Get("Range") == "" || noRange {
		fi.fullGets[name]++
	}
	fi.mu.Unlock()
	if noRange {
		cw.Write(file.data)
	} else {
		http.ServeContent(cw, r, name, time.Time{}, bytes.NewReader(file.data))
	}
	fi.mu.Lock()
	fi.fileBytes += cw.n
	fi.mu.Unlock()
}

type countingWriter struct {
	http.ResponseWriter
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.n += int64(n)
	return n, err
}

// newTestClient builds a client with a private cache and tiny retry delays.
func newTestClient(t testing.TB, opts ...Option) *Client {
	t.Helper()
	base := []Option{
		WithCacheDir(t.TempDir()),
		WithRetry(Retry{Retries: 3, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond}),
		WithTimeout(5 * time.Second),
	}
	c, err := New(append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// eventLog collects progress events for assertions.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) lines() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, e := range l.events {
		b.WriteString(e.String() + "\n")
	}
	return b.String()
}

func (l *eventLog) kinds(k EventKind) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, e := range l.events {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

var bg = context.Background()

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}
