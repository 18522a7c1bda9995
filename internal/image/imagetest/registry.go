package imagetest

import (
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lithops-fc/runtime-action/internal/httpstatus"
)

// Registry is an in-process OCI registry (go-containerregistry's pkg/registry) on a
// loopback port that counts the requests it answers, so tests can see what a push
// really uploaded.
type Registry struct {
	Host string // 127.0.0.1:PORT, usable in image references (plain HTTP)

	mu     sync.Mutex
	counts Counts
}

// Counts are the registry's answered requests by kind.
type Counts struct {
	BlobUploads  int   // finished blob uploads (PUT with the digest, answered 201)
	BlobBytes    int64 // bytes received in blob upload bodies
	BlobHeads    int   // existence checks
	ManifestPuts int
	ManifestGets int // GET and HEAD of manifests (pulls, existence checks)
	BlobGets     int // blob downloads (pulls)
}

// RegistryOption configures NewRegistry.
type RegistryOption func(*registryConfig)

type registryConfig struct{ user, password string }

// WithBasicAuth makes the registry answer 401 (with a Basic challenge) to requests
// without these credentials.
func WithBasicAuth(user, password string) RegistryOption {
	return func(c *registryConfig) { c.user, c.password = user, password }
}

// NewRegistry starts a registry for the test.
func NewRegistry(t testing.TB, opts ...RegistryOption) *Registry {
	t.Helper()
	var cfg registryConfig
	for _, o := range opts {
		o(&cfg)
	}
	r := &Registry{}
	h := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if cfg.user != "" {
			if u, p, ok := req.BasicAuth(); !ok || u != cfg.user || p != cfg.password {
				w.Header().Set("WWW-Authenticate", `Basic realm="imagetest"`)
				http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
				return
			}
		}
		sw := &httpstatus.Writer{ResponseWriter: w}
		if req.Body != nil && strings.Contains(req.URL.Path, "/blobs/uploads/") {
			req.Body = &countBody{ReadCloser: req.Body, r: r}
		}
		h.ServeHTTP(sw, req)
		r.count(req, sw.Status())
	}))
	t.Cleanup(srv.Close)
	r.Host = strings.TrimPrefix(srv.URL, "http://")
	return r
}

func (r *Registry) count(req *http.Request, status int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, m := req.URL.Path, req.Method
	switch {
	case strings.Contains(p, "/blobs/uploads/") && m == http.MethodPut && status == http.StatusCreated:
		r.counts.BlobUploads++
	case strings.Contains(p, "/blobs/sha256:") && m == http.MethodHead:
		r.counts.BlobHeads++
	case strings.Contains(p, "/blobs/sha256:") && m == http.MethodGet:
		r.counts.BlobGets++
	case strings.Contains(p, "/manifests/") && m == http.MethodPut && status < 300:
		r.counts.ManifestPuts++
	case strings.Contains(p, "/manifests/") && (m == http.MethodGet || m == http.MethodHead):
		r.counts.ManifestGets++
	}
}

// Counts returns the counts so far.
func (r *Registry) Counts() Counts {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.counts
}

// Reset zeroes the counts.
func (r *Registry) Reset() {
	r.mu.Lock()
	r.counts = Counts{}
	r.mu.Unlock()
}

// Put pushes img as host/repo (a tag reference without the host, e.g. "library/python:3.12")
// and returns the full reference.
func (r *Registry) Put(t testing.TB, repo string, img v1.Image) string {
	t.Helper()
	ref := r.Host + "/" + repo
	tag, err := name.NewTag(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	return ref
}

type countBody struct {
	io.ReadCloser
	r *Registry
}

func (c *countBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.r.mu.Lock()
	c.r.counts.BlobBytes += int64(n)
	c.r.mu.Unlock()
	return n, err
}
