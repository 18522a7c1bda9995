package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// HostBaseRef names the base HostBase makes, in messages and the summary.
const HostBaseRef = "host (--local: this machine's glibc, the emulator's CPython)"

// HostBase is the base image of --local, whose emulator runs an image's Python command
// with a local CPython on this machine (it runs no container): an image that says
// exactly that. It holds this machine's libc.so.6, so that wheels are chosen and checked
// for the glibc they will really load with, and the layout of a CPython python under
// /usr/local whose interpreter and standard library are stand-ins (the emulator uses its
// own). Inspect reads it like any base. The same machine and python give the same
// image, byte for byte, so a second run deploys nothing.
func HostBase(ctx context.Context, python string) (*Base, error) {
	return hostBase(ctx, "/", python)
}

func hostBase(ctx context.Context, root, python string) (*Base, error) {
	libc, err := hostLibc(root)
	if err != nil {
		return nil, fmt.Errorf("--local base image: %w", err)
	}
	bin := "usr/local/bin/python" + python
	lib := "usr/local/lib/python" + python + "/"
	files := []struct {
		path string
		mode int64
		data []byte
	}{
		{"etc/os-release", 0o644, []byte("PRETTY_NAME=\"lithops-fc-runtime --local base (this machine's glibc, CPython " + python + " run by the emulator)\"\nID=lithops-fc-local\nVERSION_ID=\"1\"\n")},
		{"lib/x86_64-linux-gnu/libc.so.6", 0o755, libc},
		{bin, 0o755, []byte("# Stands for CPython " + python + ": the --local emulator runs its own local CPython " + python + ".\n")},
		{lib + "os.py", 0o644, []byte("# Stands for CPython " + python + "'s standard library (the emulator's CPython has its own).\n")},
		{lib + "site-packages/README.txt", 0o644, []byte("Wheels are installed here.\n")},
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed) // rebuilt every run: speed over size
	tw := tar.NewWriter(zw)
	dirs := map[string]bool{}
	for _, f := range files {
		for i, c := range f.path {
			if d := f.path[:i+1]; c == '/' && !dirs[d] {
				dirs[d] = true
				if err := tw.WriteHeader(&tar.Header{Name: d, Typeflag: tar.TypeDir, Mode: 0o755, ModTime: fixedTime, Format: tar.FormatPAX}); err != nil {
					return nil, err
				}
			}
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.path, Typeflag: tar.TypeReg, Mode: f.mode, Size: int64(len(f.data)), ModTime: fixedTime, Format: tar.FormatPAX}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	data := gz.Bytes()
	layer, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		tarball.WithMediaType(types.OCILayer))
	if err != nil {
		return nil, err
	}
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img, mutate.Addendum{Layer: layer, MediaType: types.OCILayer,
		History: v1.History{Created: v1.Time{Time: fixedTime}, CreatedBy: "lithops-fc-runtime: --local base"}})
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture, cf.Created = Platform.OS, Platform.Architecture, v1.Time{Time: fixedTime}
	cf.Config.Env = []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"}
	cf.Config.Cmd = []string{"/" + bin}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		return nil, err
	}
	return InspectImage(ctx, HostBaseRef, img)
}

// hostLibc reads the libc.so.6 of the machine whose file system is at root, where its
// dynamic loader finds it (libcPaths).
func hostLibc(root string) ([]byte, error) {
	for _, p := range libcPaths {
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(p)))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxLibc+1))
		if err != nil {
			return nil, fmt.Errorf("/%s: %w", p, err)
		}
		if len(b) > maxLibc {
			return nil, fmt.Errorf("/%s is larger than %d bytes: not a libc", p, maxLibc)
		}
		return b, nil
	}
	return nil, fmt.Errorf("this machine has no glibc (no libc.so.6 in /%s): --local runs images with a local CPython, which needs a glibc-based Linux", strings.Join(libcPaths, ", /"))
}
