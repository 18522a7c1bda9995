package image

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Pushed is what Push did.
type Pushed struct {
	Ref    string  // repository@digest: what a function is pinned to
	Tag    string  // the reference pushed to, as given
	Digest v1.Hash // of the image manifest
	// Blobs and Bytes count the blobs uploaded: only those the registry lacked (each is
	// checked with a HEAD first), so pushing an unchanged image uploads none.
	Blobs int
	Bytes int64
	// ManifestPut is false when the reference already named this exact image.
	ManifestPut bool
}

// Push uploads img to ref (a tag, e.g. registry.cn-hangzhou.aliyuncs.com/ns/repo:v3-7-0,
// or a digest) with the credentials of WithKeychain, and returns the reference pinned
// by digest. Blobs the registry has are not uploaded again, and a tag that already
// names img is left as it is.
func Push(ctx context.Context, img v1.Image, ref string, opts ...Option) (*Pushed, error) {
	cfg := newConfig(opts)
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("image reference %q: %w", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return nil, err
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != digest.String() {
		return nil, fmt.Errorf("image reference %q names digest %s, but the image is %s", ref, d.DigestStr(), digest)
	}
	base := cfg.transport
	if base == nil {
		base = remote.DefaultTransport
	}
	ct := &countingTransport{base: base}
	cfg.transport = ct
	if err := remote.Write(r, img, cfg.remote(ctx, r.Context().Registry)...); err != nil {
		return nil, fmt.Errorf("push %s: %w", r.Name(), err)
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	return &Pushed{Ref: r.Context().Digest(digest.String()).String(), Tag: ref, Digest: digest,
		Blobs: ct.blobs, Bytes: ct.bytes, ManifestPut: ct.manifests > 0}, nil
}

// countingTransport counts what a push uploads: blob bytes (PATCH and PUT bodies of
// upload sessions), finished blob uploads (the PUT that names the digest) and manifest
// PUTs.
type countingTransport struct {
	base http.RoundTripper

	mu               sync.Mutex
	blobs, manifests int
	bytes            int64
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	p := req.URL.Path
	upload := strings.Contains(p, "/blobs/uploads/") && (req.Method == http.MethodPatch || req.Method == http.MethodPut)
	if upload && req.Body != nil {
		req = req.Clone(req.Context())
		req.Body = &countingBody{ReadCloser: req.Body, t: t}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode >= 300 {
		return resp, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case upload && req.Method == http.MethodPut:
		t.blobs++
	case strings.Contains(p, "/manifests/") && req.Method == http.MethodPut:
		t.manifests++
	}
	return resp, err
}

type countingBody struct {
	io.ReadCloser
	t *countingTransport
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.t.mu.Lock()
	b.t.bytes += int64(n)
	b.t.mu.Unlock()
	return n, err
}
