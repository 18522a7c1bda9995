package imagetest

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"sort"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// BaseSpec describes a synthetic base image.
type BaseSpec struct {
	// Python is the CPython major.minor laid out as the official python images do:
	// /usr/local/bin/python3.X (python3 links to it), /usr/local/lib/python3.X/os.py,
	// site-packages. Empty: no Python.
	Python string
	// Libc is libc.so.6's content (FakeLibc); nil: no libc (a musl-like image).
	Libc []byte
	// Debian11Layout keeps libc as /lib/x86_64-linux-gnu/libc-2.31.so with the
	// libc.so.6 link beside it (before merged /usr); otherwise the file is
	// /usr/lib/x86_64-linux-gnu/libc.so.6 and /lib links to usr/lib (Debian 12).
	Debian11Layout bool
	OSRelease      string // /usr/lib/os-release (with /etc/os-release linking to it); "" none
	Docker         bool   // Docker media types instead of OCI
	Arch           string // default amd64
	// Extra files in a last layer; a nil value whites the path out.
	Extra map[string][]byte
}

// Bookworm is Debian 12's os-release.
const Bookworm = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
`

// Bullseye is Debian 11's os-release.
const Bullseye = `PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"
NAME="Debian GNU/Linux"
VERSION_ID="11"
ID=debian
`

// Debian12 is a python:{python}-slim-bookworm look-alike: glibc 2.36.
func Debian12(python string) BaseSpec {
	return BaseSpec{Python: python, Libc: FakeLibc(GlibcVersions(36), "2.36"), OSRelease: Bookworm}
}

// Debian11 is a python:{python}-slim-bullseye look-alike: glibc 2.31, whose libc
// defines versions up to GLIBC_2.30 only (2.31 added no libc symbol on x86_64).
func Debian11(python string) BaseSpec {
	return BaseSpec{Python: python, Libc: FakeLibc(GlibcVersions(30), "2.31"), OSRelease: Bullseye, Debian11Layout: true}
}

// Entry is one tar entry of a synthetic layer.
type Entry struct {
	Name     string
	Data     []byte
	Link     string // symlink target
	Dir      bool
	Whiteout bool
	Mode     int64
}

// Layer builds a gzip'd layer from entries (in the order given).
func Layer(t testing.TB, mt types.MediaType, entries ...Entry) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.Name, Mode: e.Mode, Typeflag: tar.TypeReg, Size: int64(len(e.Data))}
		switch {
		case e.Dir:
			h.Typeflag, h.Size = tar.TypeDir, 0
		case e.Link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.Link, 0
		case e.Whiteout:
			dir, file := splitPath(e.Name)
			h.Name, h.Size = dir+".wh."+file, 0
		}
		if h.Mode == 0 {
			h.Mode = 0o644
			if e.Dir {
				h.Mode = 0o755
			}
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Size > 0 {
			tw.Write(e.Data)
		}
	}
	tw.Close()
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(mt))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func splitPath(p string) (string, string) {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[:i+1], p[i+1:]
		}
	}
	return "", p
}

// Base builds the synthetic base image spec describes.
func Base(t testing.TB, spec BaseSpec) v1.Image {
	t.Helper()
	img := empty.Image
	lt := types.DockerLayer
	if !spec.Docker {
		img = mutate.MediaType(img, types.OCIManifestSchema1)
		img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
		lt = types.OCILayer
	}
	os := []Entry{{Name: "etc/", Dir: true}, {Name: "usr/", Dir: true}, {Name: "usr/lib/", Dir: true}, {Name: "tmp/", Dir: true, Mode: 0o1777}}
	if spec.OSRelease != "" {
		os = append(os, Entry{Name: "usr/lib/os-release", Data: []byte(spec.OSRelease)}, Entry{Name: "etc/os-release", Link: "../usr/lib/os-release"})
	}
	if spec.Libc != nil {
		if spec.Debian11Layout {
			os = append(os, Entry{Name: "lib/", Dir: true}, Entry{Name: "lib/x86_64-linux-gnu/", Dir: true},
				Entry{Name: "lib/x86_64-linux-gnu/libc-2.31.so", Data: spec.Libc, Mode: 0o755},
				Entry{Name: "lib/x86_64-linux-gnu/libc.so.6", Link: "libc-2.31.so"})
		} else {
			os = append(os, Entry{Name: "lib", Link: "usr/lib"}, Entry{Name: "usr/lib/x86_64-linux-gnu/", Dir: true},
				Entry{Name: "usr/lib/x86_64-linux-gnu/libc.so.6", Data: spec.Libc, Mode: 0o755})
		}
	}
	os = append(os, Entry{Name: "bin/", Dir: true}, Entry{Name: "bin/sh", Data: []byte("FIXTURE: not a shell\n"), Mode: 0o755})
	layers := []v1.Layer{Layer(t, lt, os...)}
	env := []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}
	if v := spec.Python; v != "" {
		lib := "usr/local/lib/python" + v + "/"
		layers = append(layers, Layer(t, lt,
			Entry{Name: "usr/local/", Dir: true}, Entry{Name: "usr/local/bin/", Dir: true},
			Entry{Name: "usr/local/bin/python" + v, Data: []byte("FIXTURE: stands for CPython " + v + "\n"), Mode: 0o755},
			Entry{Name: "usr/local/bin/python3", Link: "python" + v},
			Entry{Name: "usr/local/lib/", Dir: true}, Entry{Name: lib, Dir: true},
			Entry{Name: lib + "os.py", Data: []byte("# FIXTURE standard library marker\n")},
			Entry{Name: lib + "site-packages/", Dir: true},
			Entry{Name: lib + "site-packages/README.txt", Data: []byte("This directory exists so that 3rd party packages can be installed here.\n")},
		))
		env = append(env, "PYTHON_VERSION="+v+".0")
	}
	if len(spec.Extra) > 0 {
		var names []string
		for n := range spec.Extra {
			names = append(names, n)
		}
		sort.Strings(names)
		var es []Entry
		for _, n := range names {
			if spec.Extra[n] == nil {
				es = append(es, Entry{Name: n, Whiteout: true})
			} else {
				es = append(es, Entry{Name: n, Data: spec.Extra[n]})
			}
		}
		layers = append(layers, Layer(t, lt, es...))
	}
	img, err := mutate.AppendLayers(img, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", spec.Arch
	if cf.Architecture == "" {
		cf.Architecture = "amd64"
	}
	cf.Config.Env = env
	cf.Config.Cmd = []string{"python3"}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	if _, err := img.Digest(); err != nil {
		t.Fatal(fmt.Errorf("synthetic base: %w", err))
	}
	return img
}
