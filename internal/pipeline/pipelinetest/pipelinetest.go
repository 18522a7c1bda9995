// Package pipelinetest helps tests run the whole action: FIXTURE wheelhouses, a PEP 503
// index over them (with credentials, and a hook that can hold a request), and readers
// for what the runner reads from a step: GITHUB_OUTPUT file commands and the workflow
// commands in its log. Nothing here is used by the action itself.
package pipelinetest

import (
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// Runtime lists the wheels of a runtime: the FIXTURE lithops at version, its worker
// modules, and extra.
func Runtime(version string, extra ...wheeltest.Wheel) []wheeltest.Wheel {
	ws := append([]wheeltest.Wheel{wheeltest.Lithops(version)}, wheeltest.Workers(version)...)
	return append(ws, extra...)
}

// Module is a one-package distribution named name whose __init__.py is source, with
// requires as its Requires-Dist.
func Module(name, version, source string, requires ...string) wheeltest.Wheel {
	pkg := strings.ReplaceAll(pep508.NormalizeName(name), "-", "_")
	return wheeltest.Wheel{Name: name, Version: version,
		Metadata: wheeltest.Metadata{Summary: "FIXTURE: a test module", RequiresDist: requires},
		Files:    map[string][]byte{pkg + "/__init__.py": []byte(source)}}
}

// Wheelhouse writes wheels into dir (created if missing) and returns dir.
func Wheelhouse(t testing.TB, dir string, wheels ...wheeltest.Wheel) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range wheels {
		w.MustWrite(t, dir)
	}
	return dir
}

// Index is a PEP 503 simple index (HTML pages, sha256 fragments, range requests) over
// the wheels of a folder, read at each request.
type Index struct {
	// URL is the simple index's URL, with the credentials in it when the index has some.
	URL string
	// Password is the index password, for secret scans ("" without credentials).
	Password string

	dir        string
	user, pass string
	requests   atomic.Int64
	mu         sync.Mutex
	hook       func(*http.Request)
}

// IndexOption configures NewIndex.
type IndexOption func(*Index)

// WithCredentials makes the index demand HTTP basic authentication with user and
// password; URL then carries them.
func WithCredentials(user, password string) IndexOption {
	return func(i *Index) { i.user, i.pass, i.Password = user, password, password }
}

// NewIndex serves the wheels in dir until the test ends.
func NewIndex(t testing.TB, dir string, opts ...IndexOption) *Index {
	i := &Index{dir: dir}
	for _, o := range opts {
		o(i)
	}
	srv := httptest.NewServer(http.HandlerFunc(i.serve))
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL + "/simple/")
	if err != nil {
		t.Fatal(err)
	}
	if i.user != "" {
		u.User = url.UserPassword(i.user, i.pass)
	}
	i.URL = u.String()
	return i
}

// OnRequest calls f with every request before it is answered; f may block (until the
// request's context ends, say) to hold the index.
func (i *Index) OnRequest(f func(*http.Request)) {
	i.mu.Lock()
	i.hook = f
	i.mu.Unlock()
}

// Requests counts the requests answered or held so far.
func (i *Index) Requests() int { return int(i.requests.Load()) }

func (i *Index) serve(w http.ResponseWriter, r *http.Request) {
	i.requests.Add(1)
	i.mu.Lock()
	hook := i.hook
	i.mu.Unlock()
	if hook != nil {
		hook(r)
	}
	if i.user != "" {
		if u, p, ok := r.BasicAuth(); !ok || u != i.user || p != i.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="pipelinetest"`)
			http.Error(w, "credentials required", http.StatusUnauthorized)
			return
		}
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/simple/"):
		i.page(w, strings.Trim(strings.TrimPrefix(r.URL.Path, "/simple/"), "/"))
	case strings.HasPrefix(r.URL.Path, "/files/"):
		name := filepath.Base(r.URL.Path)
		f, err := os.Open(filepath.Join(i.dir, name))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		http.ServeContent(w, r, name, time.Time{}, f)
	default:
		http.NotFound(w, r)
	}
}

// page lists the project's wheels, or answers 404 for a project the folder lacks.
func (i *Index) page(w http.ResponseWriter, project string) {
	files, _ := filepath.Glob(filepath.Join(i.dir, "*.whl"))
	sort.Strings(files)
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html><body>\n")
	n := 0
	for _, f := range files {
		wn, err := tags.ParseWheelName(filepath.Base(f))
		if err != nil || pep508.NormalizeName(wn.Name) != pep508.NormalizeName(project) {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintf(&b, "<a href=\"../../files/%s#sha256=%s\">%s</a><br>\n", html.EscapeString(filepath.Base(f)), sha256Hex(data), html.EscapeString(filepath.Base(f)))
		n++
	}
	if n == 0 {
		http.NotFound(w, nil)
		return
	}
	b.WriteString("</body></html>\n")
	w.Header().Set("Content-Type", "text/html")
	fmt.Fprint(w, b.String())
}
