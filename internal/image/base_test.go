package image

import (
	"context"
	"debug/elf"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

func TestInspect(t *testing.T) {
	ctx := context.Background()
	bookwormOnUsr := imagetest.Debian12("3.12")
	bookwormOnUsr.Python = ""
	tests := []struct {
		name   string
		spec   imagetest.BaseSpec
		os     OSRelease
		glibc  tags.Glibc
		libc   string
		python []Python
		err    []string
	}{
		{name: "debian 12 (merged /usr, libc.so.6 a file, OCI)", spec: imagetest.Debian12("3.12"),
			os: OSRelease{"debian", "12", "Debian GNU/Linux 12 (bookworm)"}, glibc: tags.Glibc{Major: 2, Minor: 36}, libc: "/lib/x86_64-linux-gnu/libc.so.6",
			python: []Python{{"3.12", "/usr/local/bin/python3.12", "/usr/local/lib/python3.12/site-packages"}}},
		{name: "debian 11 (libc.so.6 links to libc-2.31.so; banner 2.31 above its newest version GLIBC_2.30; Docker media types)",
			spec: func() imagetest.BaseSpec { s := imagetest.Debian11("3.10"); s.Docker = true; return s }(),
			os:   OSRelease{"debian", "11", "Debian GNU/Linux 11 (bullseye)"}, glibc: tags.Glibc{Major: 2, Minor: 31}, libc: "/lib/x86_64-linux-gnu/libc.so.6",
			python: []Python{{"3.10", "/usr/local/bin/python3.10", "/usr/local/lib/python3.10/site-packages"}}},
		{name: "no banner: the newest version definition",
			spec: imagetest.BaseSpec{Python: "3.9", Libc: imagetest.FakeLibc(imagetest.GlibcVersions(28), ""), OSRelease: imagetest.Bookworm},
			os:   OSRelease{"debian", "12", "Debian GNU/Linux 12 (bookworm)"}, glibc: tags.Glibc{Major: 2, Minor: 28}, libc: "/lib/x86_64-linux-gnu/libc.so.6",
			python: []Python{{"3.9", "/usr/local/bin/python3.9", "/usr/local/lib/python3.9/site-packages"}}},
		{name: "no python", spec: bookwormOnUsr, os: OSRelease{"debian", "12", "Debian GNU/Linux 12 (bookworm)"},
			glibc: tags.Glibc{Major: 2, Minor: 36}, libc: "/lib/x86_64-linux-gnu/libc.so.6"},
		{name: "no libc (musl-like)", spec: imagetest.BaseSpec{Python: "3.12", OSRelease: imagetest.Bookworm}, err: []string{"no glibc", "alpine"}},
		{name: "libc whited out by an upper layer",
			spec: func() imagetest.BaseSpec {
				s := imagetest.Debian12("3.12")
				s.Extra = map[string][]byte{"usr/lib/x86_64-linux-gnu/libc.so.6": nil}
				return s
			}(), err: []string{"no glibc"}},
		{name: "arm64", spec: func() imagetest.BaseSpec { s := imagetest.Debian12("3.12"); s.Arch = "arm64"; return s }(), err: []string{"linux/arm64", "linux/amd64"}},
		{name: "no os-release", spec: func() imagetest.BaseSpec { s := imagetest.Debian12("3.12"); s.OSRelease = ""; return s }(), err: []string{"os-release"}},
		{name: "libc for another machine",
			spec: imagetest.BaseSpec{Python: "3.12", Libc: func() []byte {
				b := imagetest.FakeLibc(imagetest.GlibcVersions(36), "")
				b[18] = byte(elf.EM_AARCH64)
				return b
			}(), OSRelease: imagetest.Bookworm}, err: []string{"EM_AARCH64", "x86_64"}},
		{name: "banner below its versions", spec: imagetest.BaseSpec{Python: "3.12", Libc: imagetest.FakeLibc(imagetest.GlibcVersions(36), "2.28"), OSRelease: imagetest.Bookworm},
			err: []string{"inconsistent"}},
		{name: "a libc without GLIBC versions", spec: imagetest.BaseSpec{Python: "3.12", Libc: imagetest.FakeLibc([]string{"MUSL_1.2"}, ""), OSRelease: imagetest.Bookworm},
			err: []string{"no GLIBC_x.y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := InspectImage(ctx, "example/base:1", imagetest.Base(t, tt.spec))
			if tt.err != nil {
				for _, s := range tt.err {
					if err == nil || !strings.Contains(err.Error(), s) {
						t.Errorf("error %v, want one containing %q", err, s)
					}
				}
				if err != nil && !strings.Contains(err.Error(), "example/base:1") {
					t.Errorf("error %v does not name the base image", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.OS != tt.os || b.Glibc != tt.glibc || b.Libc != tt.libc {
				t.Errorf("OS %+v glibc %s libc %s; want %+v %s %s", b.OS, b.Glibc, b.Libc, tt.os, tt.glibc, tt.libc)
			}
			if len(b.Pythons) != len(tt.python) || len(tt.python) > 0 && b.Pythons[0] != tt.python[0] {
				t.Errorf("Pythons %+v, want %+v", b.Pythons, tt.python)
			}
		})
	}
}

// TestInspectPull reads the base from a registry, as the action does.
func TestInspectPull(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	ref := reg.Put(t, "library/python:3.12-slim-bookworm", imagetest.Base(t, imagetest.Debian12("3.12")))
	b, err := Inspect(context.Background(), ref)
	if err != nil {
		t.Fatal(err)
	}
	if b.Glibc != (tags.Glibc{Major: 2, Minor: 36}) || b.OS.VersionID != "12" {
		t.Errorf("pulled base: %+v", b)
	}
	if _, err := b.Python("3.10"); err == nil || !strings.Contains(err.Error(), "has Python 3.12") || !strings.Contains(err.Error(), "python:3.10-slim-bookworm") {
		t.Errorf("Python(3.10) = %v", err)
	}
	if _, err := Inspect(context.Background(), reg.Host+"/library/python:missing"); err == nil || !strings.Contains(err.Error(), "pull base image") {
		t.Errorf("missing base: %v", err)
	}
	if _, err := Inspect(context.Background(), "UPPER/case:x"); err == nil || !strings.Contains(err.Error(), "not an image reference") {
		t.Errorf("bad reference: %v", err)
	}
}

// TestResolveSymlinks covers the link walk used for libc, os-release and Python.
func TestResolveSymlinks(t *testing.T) {
	tr := &tree{kind: map[string]byte{}, link: map[string]string{}}
	add := func(p string, kind byte, target string) {
		tr.kind[p] = kind
		if target != "" {
			tr.link[p] = target
		}
	}
	add("usr", '5', "")
	add("usr/lib", '5', "")
	add("usr/lib/x", '0', "")
	add("lib", '2', "usr/lib")
	add("abs", '2', "/usr/lib/x")
	add("usr/lib/up", '2', "../../usr/lib/x")
	add("loop", '2', "loop")
	add("escape", '2', "../../../../usr/lib/x")
	for in, want := range map[string]string{"lib/x": "usr/lib/x", "/abs": "usr/lib/x", "usr/lib/up": "usr/lib/x", "escape": "usr/lib/x", "loop": "", "lib/missing": ""} {
		got, ok := tr.resolve(in)
		if got != want || ok != (want != "") {
			t.Errorf("resolve(%s) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
