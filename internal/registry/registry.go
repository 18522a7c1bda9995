// Package registry owns the OCI registry of --local: go-containerregistry's pkg/registry
// served on a loopback port, with its blobs and manifests kept in a folder, so that a
// later run finds the images an earlier one pushed (an unchanged image pushes nothing).
// Images in it are named under Host, a name that resolves nowhere: Transport reaches
// the registry whatever port it listens on this time, so references, and the functions
// pinned to them, stay the same from run to run.
package registry

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/lithops-fc/runtime-action/internal/atomicfile"
	"github.com/lithops-fc/runtime-action/internal/httpstatus"
)

// Host is the registry's name in image references. Names under .localhost are reserved
// (RFC 6761) and go-containerregistry speaks plain HTTP to them; only Transport reaches
// this one.
const Host = "emulator.localhost"

// maxManifest bounds a manifest kept (OCI registries commonly refuse more than 4 MiB).
const maxManifest = 4 << 20

// Registry is a running registry.
type Registry struct {
	addr string // 127.0.0.1:PORT
	srv  *http.Server
	done chan struct{}

	logf  func(string, ...any)
	blobs string // the blob handler's folder

	mu        sync.Mutex
	path      string            // the manifests file
	manifests map[string]stored // by repository and reference
}

// stored is one manifest as it was pushed, for the next run.
type stored struct {
	Repo        string `json:"repo"`
	Ref         string `json:"ref"` // tag or digest
	ContentType string `json:"contentType"`
	Body        []byte `json:"body"`
}

// Start serves a registry on a loopback port with its content in dir (created when
// missing); logf tells what could not be kept for the next run. Close stops it; the
// content stays.
func Start(dir string, logf func(format string, args ...any)) (*Registry, error) {
	blobs := filepath.Join(dir, "blobs")
	if err := os.MkdirAll(blobs, 0o755); err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r := &Registry{path: filepath.Join(dir, "manifests.json"), blobs: blobs, manifests: map[string]stored{}, done: make(chan struct{}), logf: logf}
	h := ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0)), ggcr.WithBlobHandler(ggcr.NewDiskBlobHandler(blobs)))
	if err := r.load(h); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("registry: %w", err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: r.recording(h), ReadHeaderTimeout: 30 * time.Second}
	go func() {
		defer close(r.done)
		r.srv.Serve(ln)
	}()
	return r, nil
}

// Close stops the registry; the run that used it is over.
func (r *Registry) Close() error {
	err := r.srv.Close()
	<-r.done
	return err
}

// Transport sends requests for Host to the registry and any other request on through
// base (nil: http.DefaultTransport).
func (r *Registry) Transport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{addr: r.addr, base: base}
}

type transport struct {
	addr string
	base http.RoundTripper
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Host != Host {
		return t.base.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = "http", t.addr
	return t.base.RoundTrip(out)
}

// manifestPath is /v2/<repository>/manifests/<reference>.
var manifestPath = regexp.MustCompile(`^/v2/(.+)/manifests/([^/]+)$`)

// recording serves h and keeps every manifest it accepts (PUT) and forgets those it
// deletes, so that the next run's registry has them.
func (r *Registry) recording(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		m := manifestPath.FindStringSubmatch(req.URL.Path)
		if m == nil || (req.Method != http.MethodPut && req.Method != http.MethodDelete) {
			h.ServeHTTP(w, req)
			return
		}
		var body []byte
		if req.Method == http.MethodPut {
			b, err := io.ReadAll(io.LimitReader(req.Body, maxManifest+1))
			if err != nil || len(b) > maxManifest {
				http.Error(w, `{"errors":[{"code":"MANIFEST_INVALID","message":"manifest too large or unreadable"}]}`, http.StatusBadRequest)
				return
			}
			body = b
			req.Body = io.NopCloser(bytes.NewReader(b))
		}
		sw := &httpstatus.Writer{ResponseWriter: w}
		h.ServeHTTP(sw, req)
		if sw.Status() >= 300 {
			return
		}
		if err := r.remember(stored{Repo: m[1], Ref: m[2], ContentType: req.Header.Get("Content-Type"), Body: body}, req.Method == http.MethodDelete); err != nil {
			// The push itself succeeded: the next run pushes the manifest again.
			r.logf("the local registry could not keep manifest %s:%s for the next run: %v", m[1], m[2], err)
		}
	})
}

// remember records (or, deleted, forgets) a manifest and writes the record.
func (r *Registry) remember(s stored, deleted bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := s.Repo + "\x00" + s.Ref
	if deleted {
		delete(r.manifests, key)
	} else {
		r.manifests[key] = s
	}
	all := make([]stored, 0, len(r.manifests))
	for _, m := range r.manifests {
		all = append(all, m)
	}
	// Digests before tags, so that replaying a tag finds what it names.
	sort.Slice(all, func(i, j int) bool {
		di, dj := isDigest(all[i].Ref), isDigest(all[j].Ref)
		if di != dj {
			return di
		}
		return all[i].Repo+"\x00"+all[i].Ref < all[j].Repo+"\x00"+all[j].Ref
	})
	b, err := json.Marshal(all)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(r.path, b)
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func isDigest(ref string) bool { return digestRE.MatchString(ref) }

// load puts the manifests an earlier run kept back into h. A manifest whose blobs are
// gone, or that h refuses now, is dropped: pushing the image again restores it (a
// manifest kept without its blobs would make that push skip them).
func (r *Registry) load(h http.Handler) error {
	b, err := os.ReadFile(r.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	var all []stored
	if err := json.Unmarshal(b, &all); err != nil {
		// Written atomically, so this is not a torn write: start empty, pushes refill it.
		return nil
	}
	for _, s := range all {
		if !manifestPath.MatchString("/v2/"+s.Repo+"/manifests/"+s.Ref) || !r.hasBlobs(s.Body) {
			continue
		}
		req, err := http.NewRequest(http.MethodPut, "/v2/"+s.Repo+"/manifests/"+s.Ref, bytes.NewReader(s.Body))
		if err != nil {
			continue
		}
		req.Header.Set("Content-Type", s.ContentType)
		sw := &httpstatus.Writer{ResponseWriter: discard{}}
		h.ServeHTTP(sw, req)
		if sw.Status() < 300 {
			r.manifests[s.Repo+"\x00"+s.Ref] = s
		}
	}
	return nil
}

// hasBlobs reports whether the blobs an image manifest names (its config and layers)
// are in the blob folder; an index names manifests, which pkg/registry checks itself.
func (r *Registry) hasBlobs(manifest []byte) bool {
	var m struct {
		Config struct{ Digest string }   `json:"config"`
		Layers []struct{ Digest string } `json:"layers"`
	}
	if json.Unmarshal(manifest, &m) != nil {
		return false
	}
	digests := []string{}
	if m.Config.Digest != "" {
		digests = append(digests, m.Config.Digest)
	}
	for _, l := range m.Layers {
		digests = append(digests, l.Digest)
	}
	for _, d := range digests {
		if !isDigest(d) {
			return false
		}
		if _, err := os.Stat(filepath.Join(r.blobs, "sha256", d[len("sha256:"):])); err != nil {
			return false
		}
	}
	return true
}

// discard is the answer of a replayed request, which nobody reads.
type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}
