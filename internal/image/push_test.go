package image

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
)

// TestPushOtherRegistry pushes to a registry that requires credentials and lacks the
// base: every blob goes up once, the password never shows in an error.
func TestPushOtherRegistry(t *testing.T) {
	ctx := context.Background()
	src := imagetest.NewRegistry(t)
	baseRef := src.Put(t, "library/python:3.12-slim-bookworm", imagetest.Base(t, imagetest.Debian12("3.12")))
	const user, password = "robot", "s3cr3t-P4ss"
	dst := imagetest.NewRegistry(t, imagetest.WithBasicAuth(user, password))
	base, err := Inspect(ctx, baseRef)
	if err != nil {
		t.Fatal(err)
	}
	res := mustBuild(t, base, fixtureInput(t, t.TempDir(), userWheel()))
	target := dst.Host + "/team/lithops-aliyunfc-rt:v3-7-0"

	wrong := Credentials{dst.Host: authn.AuthConfig{Username: user, Password: "wrong-" + password}}
	_, err = Push(ctx, res.Image, target, WithKeychain(wrong))
	if err == nil || strings.Contains(err.Error(), password) || !strings.Contains(err.Error(), "push "+dst.Host+"/team/lithops-aliyunfc-rt") {
		t.Errorf("push with a wrong password: %v", err)
	}
	if c := dst.Counts(); c.BlobUploads != 0 || c.ManifestPuts != 0 {
		t.Errorf("refused push stored %+v", c)
	}

	right := WithKeychain(Credentials{dst.Host: authn.AuthConfig{Username: user, Password: password}})
	p, err := Push(ctx, res.Image, target, right)
	if err != nil {
		t.Fatal(err)
	}
	// The base's two layers, ours, the config.
	if c := dst.Counts(); p.Blobs != 5 || c.BlobUploads != 5 || c.ManifestPuts != 1 {
		t.Errorf("push: %+v; registry saw %+v", p, c)
	}
	dst.Reset()
	if p, err := Push(ctx, res.Image, target, right); err != nil || p.Blobs != 0 || p.ManifestPut || dst.Counts().BlobUploads != 0 {
		t.Errorf("second push: %+v, %v; registry saw %+v", p, err, dst.Counts())
	}
	// Pinned by digest: another tag of the same image uploads nothing either.
	dst.Reset()
	if p, err := Push(ctx, res.Image, dst.Host+"/team/lithops-aliyunfc-rt:other", right); err != nil || p.Blobs != 0 || dst.Counts().BlobUploads != 0 {
		t.Errorf("push under another tag: %+v, %v", p, err)
	}
	if _, err := Push(ctx, res.Image, dst.Host+"/team/x@sha256:"+strings.Repeat("a", 64), right); err == nil || !strings.Contains(err.Error(), "names digest") {
		t.Errorf("push to another digest: %v", err)
	}
}

func TestWriteLayout(t *testing.T) {
	ctx := context.Background()
	res := mustBuild(t, mustInspect(t, imagetest.Debian12("3.12")), fixtureInput(t, t.TempDir(), userWheel()))
	dir := t.TempDir()
	p := filepath.Join(dir, "out", LayoutName)
	if err := WriteLayout(ctx, res.Image, p, "registry.example/ns/rt:v3-7-0"); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(p)
	if err := WriteLayout(ctx, res.Image, p, "registry.example/ns/rt:v3-7-0"); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(p)
	if sha256.Sum256(first) != sha256.Sum256(second) {
		t.Error("two layouts of the same image differ")
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o644 {
		t.Errorf("image.tar mode %v", st.Mode())
	}
	// Unpack it and read it back with go-containerregistry's OCI layout reader.
	oci := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(first))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(oci, h.Name)
		if h.Typeflag == tar.TypeDir {
			os.MkdirAll(dst, 0o755)
			continue
		}
		b, _ := io.ReadAll(tr)
		os.WriteFile(dst, b, 0o644)
	}
	idx, err := layout.ImageIndexFromPath(oci)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil || len(m.Manifests) != 1 || m.Manifests[0].Digest != res.Digest || m.Manifests[0].Annotations["org.opencontainers.image.ref.name"] != "registry.example/ns/rt:v3-7-0" {
		t.Fatalf("index %+v, %v", m, err)
	}
	img, err := idx.Image(res.Digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Image(img); err != nil {
		t.Errorf("the layout's image does not validate: %v", err)
	}
}
