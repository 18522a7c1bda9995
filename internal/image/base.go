package image

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// Platform is the only platform Function Compute runs.
var Platform = v1.Platform{OS: "linux", Architecture: "amd64"}

// Base is a base image and what Inspect read from its filesystem.
type Base struct {
	Ref     string  // as given to Inspect
	Digest  v1.Hash // of the linux/amd64 image manifest
	Image   v1.Image
	OS      OSRelease
	Glibc   tags.Glibc // the release of its glibc (see readLibc)
	Libc    string     // the libc.so.6 read, e.g. /usr/lib/x86_64-linux-gnu/libc.so.6
	Pythons []Python   // CPython installations found, /usr/local first
}

// OSRelease is the image's os-release (/etc/os-release, else /usr/lib/os-release).
type OSRelease struct {
	ID, VersionID, PrettyName string
}

// Python is one CPython installation in an image.
type Python struct {
	Version      string // major.minor, e.g. "3.12"
	Interpreter  string // e.g. /usr/local/bin/python3.12
	SitePackages string // where Build installs wheels, e.g. /usr/local/lib/python3.12/site-packages
}

// Python returns the installation of Python major.minor version, or an error listing
// those the image has.
func (b *Base) Python(version string) (Python, error) {
	var have []string
	for _, p := range b.Pythons {
		if p.Version == version {
			return p, nil
		}
		have = append(have, p.Version+" ("+p.Interpreter+")")
	}
	if len(have) == 0 {
		return Python{}, fmt.Errorf("base image %s has no CPython (no bin/python3.X beside lib/python3.X/os.py under /usr/local or /usr): use an official python image, e.g. python:%s-slim-bookworm", b.Ref, version)
	}
	return Python{}, fmt.Errorf("base image %s has Python %s, not %s (the runtime's Python must equal the Lithops client's): pick a base image with Python %s, e.g. python:%s-slim-bookworm",
		b.Ref, strings.Join(have, ", "), version, version, version)
}

// Inspect pulls the linux/amd64 image ref names (any registry; credentials from
// WithKeychain) and reads its OS, glibc and Python installations from its files.
func Inspect(ctx context.Context, ref string, opts ...Option) (*Base, error) {
	cfg := newConfig(opts)
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("base image %q is not an image reference: %w", ref, err)
	}
	img, err := remote.Image(r, cfg.remote(ctx, r.Context().Registry)...)
	if err != nil {
		return nil, fmt.Errorf("pull base image %s: %w", ref, err)
	}
	return InspectImage(ctx, ref, img)
}

// InspectImage is Inspect for an image at hand.
func InspectImage(ctx context.Context, ref string, img v1.Image) (*Base, error) {
	b := &Base{Ref: ref, Image: img}
	var err error
	if b.Digest, err = img.Digest(); err != nil {
		return nil, fmt.Errorf("base image %s: %w", ref, err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("base image %s: config: %w", ref, err)
	}
	if cf.OS != Platform.OS || cf.Architecture != Platform.Architecture {
		return nil, fmt.Errorf("base image %s is %s/%s; Function Compute runs linux/amd64: use an image (or index) that has linux/amd64", ref, cf.OS, cf.Architecture)
	}
	fs, err := scan(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("base image %s: read its files: %w", ref, err)
	}
	if err := b.readOS(fs); err != nil {
		return nil, fmt.Errorf("base image %s: %w", ref, err)
	}
	if err := b.readLibc(fs); err != nil {
		return nil, fmt.Errorf("base image %s: %w", ref, err)
	}
	b.findPythons(fs)
	return b, nil
}

// Files the scan keeps the content of, and how much of it.
const (
	maxLibc      = 64 << 20
	maxOSRelease = 64 << 10
)

var libcName = regexp.MustCompile(`^libc(\.so\.6|-[0-9]+\.[0-9]+\.so)$`)

// tree is the part of an image's flattened filesystem Inspect needs: every path and its
// kind, symlink targets, and the content of libc and os-release candidates.
type tree struct {
	kind    map[string]byte   // clean path without leading slash → tar type flag
	link    map[string]string // symlink or hard link → target
	content map[string][]byte
}

// scan reads the image's flattened filesystem (whiteouts applied) once, streaming.
func scan(ctx context.Context, img v1.Image) (*tree, error) {
	rc := mutate.Extract(img)
	defer rc.Close()
	t := &tree{kind: map[string]byte{}, link: map[string]string{}, content: map[string][]byte{}}
	tr := tar.NewReader(bufio.NewReaderSize(rc, 1<<20))
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return t, nil
		}
		if err != nil {
			return nil, err
		}
		p := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if p == "" {
			continue
		}
		if _, seen := t.kind[p]; seen {
			continue // an upper layer's folder was implied by its files (below)
		}
		t.kind[p] = h.Typeflag
		// Layers need not hold entries for the folders of their files.
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if _, ok := t.kind[d]; !ok {
				t.kind[d] = tar.TypeDir
			}
		}
		switch h.Typeflag {
		case tar.TypeSymlink:
			t.link[p] = h.Linkname
		case tar.TypeLink:
			t.link[p] = "/" + strings.TrimPrefix(path.Clean("/"+h.Linkname), "/")
		case tar.TypeReg:
			base := path.Base(p)
			limit := int64(0)
			switch {
			case libcName.MatchString(base):
				limit = maxLibc
			case p == "etc/os-release" || p == "usr/lib/os-release":
				limit = maxOSRelease
			}
			if limit > 0 && h.Size <= limit {
				b, err := readAllLimit(tr, limit)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", p, err)
				}
				t.content[p] = b
			}
		}
	}
}

// resolve follows symlinks in p (absolute, or relative to the root) the way the kernel
// would, inside the image's root ("/.." stays at the root); ok is false when it does not
// lead to an existing entry.
func (t *tree) resolve(p string) (string, bool) {
	todo := strings.Split(p, "/")
	var cur []string
	for hops := 0; len(todo) > 0; {
		c := todo[0]
		todo = todo[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			if len(cur) > 0 {
				cur = cur[:len(cur)-1]
			}
			continue
		}
		next := strings.Join(append(cur[:len(cur):len(cur)], c), "/")
		kind, ok := t.kind[next]
		if !ok {
			return "", false
		}
		if kind == tar.TypeSymlink {
			if hops++; hops > 40 {
				return "", false
			}
			target := t.link[next]
			if strings.HasPrefix(target, "/") {
				cur = nil
			}
			todo = append(strings.Split(target, "/"), todo...)
			continue
		}
		cur = append(cur, c)
	}
	if len(cur) == 0 {
		return "", false
	}
	return strings.Join(cur, "/"), true
}

// file returns the content of the regular file p resolves to.
func (t *tree) file(p string) (string, []byte, bool) {
	r, ok := t.resolve(p)
	if !ok {
		return "", nil, false
	}
	if t.kind[r] == tar.TypeLink { // a hard link: its target holds the data
		r = strings.TrimPrefix(t.link[r], "/")
	}
	b, ok := t.content[r]
	return "/" + r, b, ok
}

func (t *tree) isDir(p string) bool {
	r, ok := t.resolve(p)
	return ok && t.kind[r] == tar.TypeDir
}

func (t *tree) isFile(p string) bool {
	r, ok := t.resolve(p)
	return ok && (t.kind[r] == tar.TypeReg || t.kind[r] == tar.TypeLink)
}

func (b *Base) readOS(t *tree) error {
	for _, p := range []string{"etc/os-release", "usr/lib/os-release"} {
		if _, data, ok := t.file(p); ok {
			kv := parseOSRelease(data)
			b.OS = OSRelease{ID: kv["ID"], VersionID: kv["VERSION_ID"], PrettyName: kv["PRETTY_NAME"]}
			return nil
		}
	}
	return errors.New("it has no /etc/os-release or /usr/lib/os-release, so its OS is unknown: use a Linux distribution image (e.g. python:3.12-slim-bookworm)")
}

// parseOSRelease reads os-release's KEY=value lines (values optionally quoted).
func parseOSRelease(b []byte) map[string]string {
	out := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") {
			continue
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = strings.ReplaceAll(v[1:len(v)-1], `\"`, `"`)
		}
		out[k] = v
	}
	return out
}

// libcPaths are where the dynamic loader of glibc-based x86_64 distributions finds
// libc.so.6: Debian and Ubuntu multiarch folders (before and after merged /usr), then
// the lib64 folders of Red Hat-like systems.
var libcPaths = []string{
	"lib/x86_64-linux-gnu/libc.so.6",
	"usr/lib/x86_64-linux-gnu/libc.so.6",
	"lib64/libc.so.6",
	"usr/lib64/libc.so.6",
	"lib/libc.so.6",
	"usr/lib/libc.so.6",
}

func (b *Base) readLibc(t *tree) error {
	for _, p := range libcPaths {
		real, data, ok := t.file(p)
		if !ok {
			if t.isFile(p) {
				return fmt.Errorf("%s is larger than %d bytes: not a libc", p, maxLibc)
			}
			continue
		}
		info, err := readLibc(data)
		if err != nil {
			return fmt.Errorf("/%s (%s): %w", p, real, err)
		}
		b.Glibc, b.Libc = info.Glibc, "/"+p
		return nil
	}
	return fmt.Errorf("it has no glibc (no libc.so.6 in %s): Function Compute's manylinux wheels need a glibc-based image such as python:3.12-slim-bookworm (musl images like alpine do not work)",
		strings.Join(libcPaths, ", "))
}

var pythonBin = regexp.MustCompile(`^python(3\.[0-9]+)$`)

// findPythons lists CPython installations: {prefix}/bin/python3.X with the standard
// library at {prefix}/lib/python3.X/os.py, for the prefixes /usr/local (official python
// images) and /usr (distribution packages).
func (b *Base) findPythons(t *tree) {
	for _, prefix := range []string{"usr/local", "usr"} {
		var versions []string
		for p := range t.kind {
			dir, file := path.Split(p)
			if m := pythonBin.FindStringSubmatch(file); m != nil && dir == prefix+"/bin/" {
				versions = append(versions, m[1])
			}
		}
		sort.Slice(versions, func(i, j int) bool { return versionLess(versions[j], versions[i]) })
		for _, v := range versions {
			bin := prefix + "/bin/python" + v
			if !t.isFile(bin) || !t.isFile(prefix+"/lib/python"+v+"/os.py") {
				continue
			}
			site := prefix + "/lib/python" + v + "/site-packages"
			if prefix == "usr" {
				// Debian's own Python never reads /usr/lib/python3.X/site-packages; it
				// looks in /usr/local/lib/python3.X/dist-packages for local installs.
				site = "usr/local/lib/python" + v + "/dist-packages"
			}
			b.Pythons = append(b.Pythons, Python{Version: v, Interpreter: "/" + bin, SitePackages: "/" + site})
		}
	}
}

// versionLess compares "3.9" and "3.12" numerically.
func versionLess(a, b string) bool {
	var a1, a2, b1, b2 int
	fmt.Sscanf(a, "%d.%d", &a1, &a2)
	fmt.Sscanf(b, "%d.%d", &b1, &b2)
	return a1 < b1 || a1 == b1 && a2 < b2
}
