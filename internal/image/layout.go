package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// LayoutName is the OCI layout tarball a dry run writes into the output folder.
const LayoutName = "image.tar"

// WriteLayout writes img as an OCI image layout (oci-layout, index.json naming refName,
// blobs/sha256/...) in one tar at path, streaming every blob. The tar is reproducible
// (sorted, fixed dates and owners) and replaces path only once complete; tools read it
// with e.g. `skopeo inspect oci-archive:image.tar` or `crane` after untarring.
func WriteLayout(ctx context.Context, img v1.Image, path, refName string) (err error) {
	manifest, err := img.RawManifest()
	if err != nil {
		return err
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	mt, err := img.MediaType()
	if err != nil {
		return err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return err
	}
	index := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{MediaType: mt, Digest: digest, Size: int64(len(manifest)),
			Annotations: map[string]string{"org.opencontainers.image.ref.name": refName}}},
	}
	indexJSON, err := json.Marshal(index)
	if err != nil {
		return err
	}

	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), ".image-*.tar")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	tw := tar.NewWriter(bw)
	put := func(name string, size int64, r io.Reader) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		h := &tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: fixedTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if r == nil {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if r == nil {
			return nil
		}
		n, err := io.Copy(tw, r)
		if err == nil && n != size {
			err = fmt.Errorf("%d of %d bytes", n, size)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		return nil
	}
	small := func(name string, b []byte) error { return put(name, int64(len(b)), bytesReader(b)) }
	blob := func(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

	if err := put("blobs/", 0, nil); err != nil {
		return err
	}
	if err := put("blobs/sha256/", 0, nil); err != nil {
		return err
	}
	written := map[v1.Hash]bool{}
	for _, b := range []struct {
		h v1.Hash
		b []byte
	}{{digest, manifest}, {cfgName, config}} {
		if err := small(blob(b.h), b.b); err != nil {
			return err
		}
		written[b.h] = true
	}
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return err
		}
		if written[h] {
			continue
		}
		written[h] = true
		size, err := l.Size()
		if err != nil {
			return err
		}
		rc, err := l.Compressed()
		if err != nil {
			return fmt.Errorf("layer %s: %w", h, err)
		}
		err = put(blob(h), size, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	if err := small("index.json", indexJSON); err != nil {
		return err
	}
	if err := small("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	// CreateTemp's 0600 would keep later workflow steps (another user) from reading it.
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
