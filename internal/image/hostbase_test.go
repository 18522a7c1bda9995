package image

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
)

// TestHostBase: --local's base has this machine's libc (its glibc is what Inspect reads
// from it), a CPython layout of the requested version, and the same digest every time;
// a machine without glibc is told why --local cannot work.
func TestHostBase(t *testing.T) {
	ctx := context.Background()
	root := t.TempDir()
	libc := filepath.Join(root, "usr", "lib", "x86_64-linux-gnu", "libc.so.6")
	if err := os.MkdirAll(filepath.Dir(libc), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(libc, imagetest.FakeLibc(imagetest.GlibcVersions(36), "2.36"), 0o755); err != nil {
		t.Fatal(err)
	}
	b, err := hostBase(ctx, root, "3.11")
	if err != nil {
		t.Fatal(err)
	}
	if b.Glibc.String() != "2.36" || b.OS.ID != "lithops-fc-local" || b.Ref != HostBaseRef {
		t.Errorf("base: glibc %s, os %+v, ref %s", b.Glibc, b.OS, b.Ref)
	}
	py, err := b.Python("3.11")
	if err != nil || py.Interpreter != "/usr/local/bin/python3.11" || py.SitePackages != "/usr/local/lib/python3.11/site-packages" {
		t.Errorf("python %+v, %v", py, err)
	}
	again, err := hostBase(ctx, root, "3.11")
	if err != nil || again.Digest != b.Digest {
		t.Errorf("second base %v (%v), want %v", again.Digest, err, b.Digest)
	}
	// A build on it works like on any base.
	in := fixtureInput(t, t.TempDir())
	in.Python = "3.11"
	mustBuild(t, b, in)

	if _, err := hostBase(ctx, t.TempDir(), "3.11"); err == nil || !strings.Contains(err.Error(), "no glibc") {
		t.Errorf("no libc: %v", err)
	}

	// This machine's own.
	host, err := HostBase(ctx, "3.12")
	if err != nil {
		t.Skipf("SKIPPED: this machine has no readable glibc: %v", err)
	}
	if host.Glibc.Major != 2 || host.Glibc.Minor < 17 {
		t.Errorf("this machine's glibc read as %s", host.Glibc)
	}
}

// TestTag: a tag is moved to a pushed digest once; moving it again changes nothing.
func TestTag(t *testing.T) {
	ctx := context.Background()
	reg := imagetest.NewRegistry(t)
	base := mustInspect(t, imagetest.Debian12("3.12"))
	res := mustBuild(t, base, fixtureInput(t, t.TempDir()))
	repo := reg.Host + "/ns/lithops-aliyunfc-rt"
	p, err := Push(ctx, res.Image, repo+"@"+res.Digest.String())
	if err != nil {
		t.Fatal(err)
	}
	reg.Reset()
	moved, err := Tag(ctx, p.Ref, repo+":v3-7-0")
	if err != nil || !moved || reg.Counts().ManifestPuts != 1 || reg.Counts().BlobUploads != 0 {
		t.Fatalf("tag: %t %v, registry %+v", moved, err, reg.Counts())
	}
	reg.Reset()
	if moved, err := Tag(ctx, p.Ref, repo+":v3-7-0"); err != nil || moved || reg.Counts().ManifestPuts != 0 {
		t.Errorf("tag again: %t %v, registry %+v", moved, err, reg.Counts())
	}
	if _, err := Tag(ctx, repo+"@sha256:"+strings.Repeat("0", 64), repo+":v3-7-0"); err == nil {
		t.Error("tagging a digest the registry lacks")
	}
}
