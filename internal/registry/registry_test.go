package registry

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// uploads counts finished blob uploads and manifest PUTs going through a transport.
type uploads struct {
	base             http.RoundTripper
	blobs, manifests atomic.Int32
}

func (u *uploads) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := u.base.RoundTrip(req)
	if err == nil && resp.StatusCode < 300 && req.Method == http.MethodPut {
		switch {
		case strings.Contains(req.URL.Path, "/blobs/uploads/"):
			u.blobs.Add(1)
		case strings.Contains(req.URL.Path, "/manifests/"):
			u.manifests.Add(1)
		}
	}
	return resp, err
}

// TestImagesOutliveTheRegistry: what one registry was given, the next one started on the
// same folder has, under the same names: pushing it again uploads no blob and no
// manifest, and it can be pulled by tag and by digest.
func TestImagesOutliveTheRegistry(t *testing.T) {
	dir := t.TempDir()
	img, err := random.Image(2048, 3)
	if err != nil {
		t.Fatal(err)
	}
	digest, _ := img.Digest()
	tag := name.MustParseReference(Host + "/lithops/lithops-aliyunfc-rt:v3-7-0")
	pinned, err := name.ParseReference(Host + "/lithops/lithops-aliyunfc-rt@" + digest.String())
	if err != nil {
		t.Fatal(err)
	}
	var logged []string
	logf := func(f string, a ...any) { logged = append(logged, f) }

	r1, err := Start(dir, logf)
	if err != nil {
		t.Fatal(err)
	}
	u1 := &uploads{base: r1.Transport(nil)}
	if err := remote.Write(tag, img, remote.WithTransport(u1)); err != nil {
		t.Fatal(err)
	}
	if u1.blobs.Load() != 4 || u1.manifests.Load() != 1 {
		t.Fatalf("first push: %d blobs, %d manifests; want 4 and 1", u1.blobs.Load(), u1.manifests.Load())
	}
	if err := r1.Close(); err != nil {
		t.Fatal(err)
	}

	r2, err := Start(dir, logf)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	u2 := &uploads{base: r2.Transport(nil)}
	for _, ref := range []name.Reference{tag, pinned} {
		got, err := remote.Image(ref, remote.WithTransport(u2))
		if err != nil {
			t.Fatalf("pull %s from the next registry: %v", ref, err)
		}
		if d, _ := got.Digest(); d != digest {
			t.Errorf("%s is %s, want %s", ref, d, digest)
		}
		if _, err := got.RawConfigFile(); err != nil {
			t.Errorf("%s: config blob: %v", ref, err)
		}
	}
	if err := remote.Write(tag, img, remote.WithTransport(u2)); err != nil {
		t.Fatal(err)
	}
	if u2.blobs.Load() != 0 || u2.manifests.Load() != 0 {
		t.Errorf("second push: %d blobs, %d manifests uploaded; want none", u2.blobs.Load(), u2.manifests.Load())
	}
	if len(logged) > 0 {
		t.Errorf("logged %v", logged)
	}
}

// TestLostBlobsDropManifests: a manifest whose blobs are gone is not restored (pushing
// the image again brings both back), and a corrupt manifests file starts empty.
func TestLostBlobsDropManifests(t *testing.T) {
	dir := t.TempDir()
	img, _ := random.Image(512, 1)
	tag := name.MustParseReference(Host + "/ns/img:v1")
	r1, err := Start(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, remote.WithTransport(r1.Transport(nil))); err != nil {
		t.Fatal(err)
	}
	r1.Close()
	if err := os.RemoveAll(filepath.Join(dir, "blobs")); err != nil {
		t.Fatal(err)
	}
	r2, err := Start(dir, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := remote.Head(tag, remote.WithTransport(r2.Transport(nil))); err == nil {
		t.Error("a manifest whose blobs are gone is served")
	}
	if err := remote.Write(tag, img, remote.WithTransport(r2.Transport(nil))); err != nil {
		t.Fatalf("push again: %v", err)
	}
	r2.Close()

	if err := os.WriteFile(filepath.Join(dir, "manifests.json"), []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	r3, err := Start(dir, t.Logf)
	if err != nil {
		t.Fatalf("start on a corrupt file: %v", err)
	}
	r3.Close()
}

// TestTransportLeavesOtherHosts: only Host is routed to the registry.
func TestTransportLeavesOtherHosts(t *testing.T) {
	r, err := Start(t.TempDir(), t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var seen string
	base := roundTripFunc(func(req *http.Request) (*http.Response, error) {
		seen = req.URL.Host
		return &http.Response{StatusCode: 204, Body: http.NoBody, Request: req}, nil
	})
	tr := r.Transport(base)
	for host, want := range map[string]string{Host: r.addr, "registry.cn-hangzhou.aliyuncs.com": "registry.cn-hangzhou.aliyuncs.com"} {
		req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/v2/", nil)
		if _, err := tr.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if seen != want {
			t.Errorf("a request for %s went to %s, want %s", host, seen, want)
		}
		if req.URL.Host != host {
			t.Errorf("the caller's request was changed: %s", req.URL.Host)
		}
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
