package resolve

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// indexServer serves a universe as a PEP 691 JSON simple index: project pages at
// /simple/NAME/, files at /files/FILE and their PEP 658 metadata at
// /files/FILE.metadata. Faults can be injected per path.
type indexServer struct {
	*httptest.Server
	u *universe

	mu        sync.Mutex
	status    map[string]int    // path → status to answer instead
	body      map[string]string // path → body to answer instead (malformed pages)
	requests  map[string]int    // path → count
	delay     time.Duration     // before each answer
	metadata  map[string][]byte // file name → METADATA
	wheelBody map[string][]byte // file name → bytes
}

func newIndexServer(t testing.TB, u *universe) *indexServer {
	s := &indexServer{u: u, status: map[string]int{}, body: map[string]string{}, requests: map[string]int{},
		metadata: map[string][]byte{}, wheelBody: map[string][]byte{}}
	for _, p := range u.projects {
		for _, f := range p.files {
			s.wheelBody[f.file.Filename] = f.body
			if f.wheel != nil {
				s.metadata[f.file.Filename] = f.wheel.MetadataFile()
			}
		}
	}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// fail makes path answer status (0 restores it).
func (s *indexServer) fail(path string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status[path] = status
}

// replace makes path answer body with status 200.
func (s *indexServer) replace(path, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.body[path] = body
}

func (s *indexServer) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests[path]
}

func (s *indexServer) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests[r.URL.Path]++
	status, body, delay := s.status[r.URL.Path], s.body[r.URL.Path], s.delay
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}
	switch {
	case status != 0:
		http.Error(w, http.StatusText(status), status)
		return
	case body != "":
		w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
		w.Write([]byte(body))
		return
	}
	if name, ok := strings.CutPrefix(r.URL.Path, "/simple/"); ok {
		s.page(w, strings.TrimSuffix(name, "/"))
		return
	}
	if fn, ok := strings.CutPrefix(r.URL.Path, "/files/"); ok {
		if base, ok := strings.CutSuffix(fn, ".metadata"); ok {
			if m, ok := s.metadata[base]; ok {
				http.ServeContent(w, r, fn, time.Time{}, bytes.NewReader(m))
				return
			}
		}
		if b, ok := s.wheelBody[fn]; ok {
			http.ServeContent(w, r, fn, time.Time{}, bytes.NewReader(b))
			return
		}
	}
	http.NotFound(w, r)
}

type pep691File struct {
	Filename       string            `json:"filename"`
	URL            string            `json:"url"`
	Hashes         map[string]string `json:"hashes"`
	RequiresPython string            `json:"requires-python,omitempty"`
	Yanked         any               `json:"yanked"`
	CoreMetadata   any               `json:"core-metadata"`
	Size           int64             `json:"size"`
}

func (s *indexServer) page(w http.ResponseWriter, name string) {
	if name == "" {
		var projects []map[string]string
		for _, n := range sortedKeys(s.u.projects) {
			projects = append(projects, map[string]string{"name": s.u.projects[n].name})
		}
		writeJSON(w, map[string]any{"meta": map[string]string{"api-version": "1.1"}, "projects": projects})
		return
	}
	p := s.u.projects[pep508.NormalizeName(name)]
	if p == nil {
		http.NotFound(w, nil)
		return
	}
	var files []pep691File
	for _, f := range p.files {
		pf := pep691File{Filename: f.file.Filename, URL: s.URL + f.file.URL, Hashes: f.file.Hashes,
			RequiresPython: f.file.RequiresPython, Yanked: false, CoreMetadata: false, Size: f.file.Size}
		if f.file.Yanked {
			pf.Yanked = true
			if f.file.YankedReason != "" {
				pf.Yanked = f.file.YankedReason
			}
		}
		if m, ok := s.metadata[f.file.Filename]; ok {
			sum := sha256.Sum256(m)
			pf.CoreMetadata = map[string]string{"sha256": hex.EncodeToString(sum[:])}
		}
		files = append(files, pf)
	}
	writeJSON(w, map[string]any{"meta": map[string]string{"api-version": "1.1"}, "name": p.name, "files": files})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
	json.NewEncoder(w).Encode(v)
}
