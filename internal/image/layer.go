package image

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// fixedTime is every layer entry's modification time and the image's creation time:
// 1980-01-01T00:00:00Z, the date of the zip mode's entries, so nothing depends on a clock.
var fixedTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

// layerFile is one file a layer holds.
type layerFile struct {
	path string // relative to the root, no leading slash
	mode fs.FileMode
	size int64
	open func() io.ReadCloser
	from string // who installs it, for error messages
}

// spooledLayer is a layer written once to a gzip file, with its digests computed on the
// way; it implements v1.Layer reading that file.
type spooledLayer struct {
	file         string
	digest       v1.Hash // of the compressed blob
	diffID       v1.Hash // of the uncompressed tar
	size         int64   // compressed
	uncompressed int64
	files        int
	mediaType    types.MediaType
}

func (l *spooledLayer) Digest() (v1.Hash, error)            { return l.digest, nil }
func (l *spooledLayer) DiffID() (v1.Hash, error)            { return l.diffID, nil }
func (l *spooledLayer) Size() (int64, error)                { return l.size, nil }
func (l *spooledLayer) MediaType() (types.MediaType, error) { return l.mediaType, nil }

func (l *spooledLayer) Compressed() (io.ReadCloser, error) { return os.Open(l.file) }

func (l *spooledLayer) Uncompressed() (io.ReadCloser, error) {
	f, err := os.Open(l.file)
	if err != nil {
		return nil, err
	}
	zr, err := gzip.NewReader(bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, err
	}
	return struct {
		io.Reader
		io.Closer
	}{zr, f}, nil
}

// counter counts and hashes what passes through.
type counter struct {
	h hash.Hash
	n int64
}

func (c *counter) Write(p []byte) (int, error) {
	c.h.Write(p)
	c.n += int64(len(p))
	return len(p), nil
}

func (c *counter) hash() v1.Hash {
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(c.h.Sum(nil))}
}

// writeLayer writes files (and the folders they imply) as a reproducible gzip'd tar into
// a new file in dir: entries sorted by path, folders 0755 and files 0644 or 0755, owned
// by root, dated fixedTime, no user or group names, gzip without name or time. The bytes
// stream through; memory does not depend on the files' sizes.
func writeLayer(ctx context.Context, dir string, files []layerFile, level int, mt types.MediaType) (_ *spooledLayer, err error) {
	sort.Slice(files, func(i, j int) bool { return files[i].path < files[j].path })
	entries := withFolders(files)
	f, err := os.CreateTemp(dir, "layer-*.tar.gz")
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	compressed := &counter{h: sha256.New()}
	bw := bufio.NewWriterSize(f, 1<<20)
	zw, err := gzip.NewWriterLevel(io.MultiWriter(bw, compressed), level)
	if err != nil {
		return nil, err
	}
	uncompressed := &counter{h: sha256.New()}
	tw := tar.NewWriter(io.MultiWriter(zw, uncompressed))
	if err := writeEntries(ctx, tw, entries); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return &spooledLayer{file: f.Name(), digest: compressed.hash(), diffID: uncompressed.hash(), size: compressed.n,
		uncompressed: uncompressed.n, files: len(files), mediaType: mt}, nil
}

// writeEntries writes the layer's entries, streaming each file's content.
func writeEntries(ctx context.Context, tw *tar.Writer, entries []layerFile) error {
	buf := make([]byte, 256<<10)
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return err
		}
		h := &tar.Header{Name: e.path, Mode: int64(e.mode.Perm()), ModTime: fixedTime, Format: tar.FormatPAX}
		if e.open == nil {
			h.Typeflag, h.Name = tar.TypeDir, e.path+"/"
		} else {
			h.Typeflag, h.Size = tar.TypeReg, e.size
		}
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("layer entry %s: %w", e.path, err)
		}
		if e.open == nil {
			continue
		}
		rc := e.open()
		n, err := io.CopyBuffer(tw, rc, buf)
		rc.Close()
		if err != nil || n != e.size {
			return fmt.Errorf("layer entry %s (from %s): copied %d of %d bytes: %v", e.path, e.from, n, e.size, err)
		}
	}
	return nil
}

// withFolders returns files (sorted) with an entry before them for every folder they
// live in, each once, the whole sorted by path.
func withFolders(files []layerFile) []layerFile {
	seen := map[string]bool{}
	var out []layerFile
	for _, f := range files {
		var dirs []string
		for d := path.Dir(f.path); d != "." && d != "/" && !seen[d]; d = path.Dir(d) {
			seen[d] = true
			dirs = append(dirs, d)
		}
		for i := len(dirs) - 1; i >= 0; i-- {
			out = append(out, layerFile{path: dirs[i], mode: fs.ModeDir | 0o755})
		}
		out = append(out, f)
	}
	// Sorting by tar name keeps each folder before its content: a folder's name ("a/")
	// is a prefix of the names of all it holds.
	sort.SliceStable(out, func(i, j int) bool { return tarLess(out[i], out[j]) })
	return out
}

// tarLess orders entries by their tar names (folders end in "/").
func tarLess(a, b layerFile) bool {
	an, bn := a.path, b.path
	if a.open == nil {
		an += "/"
	}
	if b.open == nil {
		bn += "/"
	}
	return strings.Compare(an, bn) < 0
}
