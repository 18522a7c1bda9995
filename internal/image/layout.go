package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/lithops-fc/runtime-action/internal/atomicfile"
)

// LayoutName is the OCI layout tarball a dry run writes into the output folder.
const LayoutName = "image.tar"

// WriteLayout writes img as an OCI image layout (oci-layout, index.json naming refName,
// blobs/sha256/...) in one tar at path, streaming every blob. The tar is reproducible
// (sorted, fixed dates and owners) and replaces path only once complete; tools read it
// with e.g. `skopeo inspect oci-archive:image.tar` or `crane` after untarring.
func WriteLayout(ctx context.Context, img v1.Image, path, refName string) error {
	index, blobs, err := layoutContent(img, refName)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		bw := bufio.NewWriterSize(w, 1<<20)
		lw := &layoutWriter{ctx: ctx, tw: tar.NewWriter(bw)}
		lw.folder("blobs/")
		lw.folder("blobs/sha256/")
		for _, b := range blobs {
			lw.blob(b)
		}
		lw.file("index.json", index)
		lw.file("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
		if lw.err != nil {
			return lw.err
		}
		if err := lw.tw.Close(); err != nil {
			return err
		}
		return bw.Flush()
	})
}

// layoutBlob is a blob of the layout: bytes at hand (the manifest, the config) or a
// layer, read when it is written.
type layoutBlob struct {
	digest v1.Hash
	data   []byte
	layer  v1.Layer
}

// layoutContent is the layout's index.json and its blobs, each once: the manifest, the
// config, the layers.
func layoutContent(img v1.Image, refName string) ([]byte, []layoutBlob, error) {
	manifest, err := img.RawManifest()
	if err != nil {
		return nil, nil, err
	}
	desc, err := manifestDescriptor(img, manifest)
	if err != nil {
		return nil, nil, err
	}
	desc.Annotations = map[string]string{"org.opencontainers.image.ref.name": refName}
	index, err := json.Marshal(v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{desc}})
	if err != nil {
		return nil, nil, err
	}
	config, err := img.RawConfigFile()
	if err != nil {
		return nil, nil, err
	}
	cfgName, err := img.ConfigName()
	if err != nil {
		return nil, nil, err
	}
	blobs := []layoutBlob{{digest: desc.Digest, data: manifest}, {digest: cfgName, data: config}}
	seen := map[v1.Hash]bool{desc.Digest: true, cfgName: true}
	layers, err := img.Layers()
	if err != nil {
		return nil, nil, err
	}
	for _, l := range layers {
		h, err := l.Digest()
		if err != nil {
			return nil, nil, err
		}
		if !seen[h] {
			seen[h] = true
			blobs = append(blobs, layoutBlob{digest: h, layer: l})
		}
	}
	return index, blobs, nil
}

// manifestDescriptor describes img's manifest: media type, digest and size.
func manifestDescriptor(img v1.Image, manifest []byte) (v1.Descriptor, error) {
	digest, err := img.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := img.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Digest: digest, Size: int64(len(manifest))}, nil
}

// layoutWriter writes the layout's tar entries: reproducible ones (fixedTime, no
// owner), the first error kept and every later write skipped.
type layoutWriter struct {
	ctx context.Context
	tw  *tar.Writer
	err error
}

func (lw *layoutWriter) folder(name string) {
	lw.write(&tar.Header{Name: name, Mode: 0o755, ModTime: fixedTime, Typeflag: tar.TypeDir, Format: tar.FormatPAX}, nil)
}

func (lw *layoutWriter) file(name string, data []byte) {
	lw.stream(name, int64(len(data)), bytes.NewReader(data))
}

// stream writes a file of size bytes read from r.
func (lw *layoutWriter) stream(name string, size int64, r io.Reader) {
	lw.write(&tar.Header{Name: name, Mode: 0o644, Size: size, ModTime: fixedTime, Typeflag: tar.TypeReg, Format: tar.FormatPAX}, r)
}

func (lw *layoutWriter) blob(b layoutBlob) {
	name := "blobs/" + b.digest.Algorithm + "/" + b.digest.Hex
	if b.layer == nil {
		lw.file(name, b.data)
		return
	}
	if lw.err != nil {
		return
	}
	size, err := b.layer.Size()
	if err != nil {
		lw.err = err
		return
	}
	rc, err := b.layer.Compressed()
	if err != nil {
		lw.err = fmt.Errorf("layer %s: %w", b.digest, err)
		return
	}
	defer rc.Close()
	lw.stream(name, size, rc)
}

func (lw *layoutWriter) write(h *tar.Header, r io.Reader) {
	if lw.err != nil {
		return
	}
	if lw.err = lw.ctx.Err(); lw.err != nil {
		return
	}
	if lw.err = lw.tw.WriteHeader(h); lw.err != nil || r == nil {
		return
	}
	n, err := io.Copy(lw.tw, r)
	if err == nil && n != h.Size {
		err = fmt.Errorf("%d of %d bytes", n, h.Size)
	}
	if err != nil {
		lw.err = fmt.Errorf("%s: %w", h.Name, err)
	}
}
