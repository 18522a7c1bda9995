package build

import (
	"archive/zip"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// This file is what other installers (internal/image's site-packages layer) share with
// Assemble: the files a verified wheel installs and a way to read them.

// Load opens the wheel w and returns its manifest: w.Manifest, else Inspect's (opts
// apply then). It checks the manifest describes this file (size, and sha256 when w has
// one) and the distribution the resolver chose, so raw copies cannot take bytes from
// another file. The caller closes the file.
func Load(ctx context.Context, w Wheel, opts ...InspectOption) (*os.File, *Manifest, error) {
	if w.Filename == "" {
		w.Filename = filepath.Base(w.Path)
	}
	m := w.Manifest
	if m == nil {
		var err error
		if m, err = Inspect(ctx, w.Path, append([]InspectOption{WithFilename(w.Filename)}, opts...)...); err != nil {
			return nil, nil, err
		}
	}
	f, err := os.Open(w.Path)
	if err != nil {
		return nil, nil, fmt.Errorf("wheel of %s: %w", w.Name, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("wheel of %s: %w", w.Name, err)
	}
	switch {
	case m.Format != manifestFormat:
		err = fmt.Errorf("wheel %s: manifest format %d, want %d: inspect the wheel again", w.Filename, m.Format, manifestFormat)
	case st.Size() != m.Size || w.SHA256 != "" && !strings.EqualFold(w.SHA256, m.SHA256):
		err = fmt.Errorf("wheel %s: its manifest describes another file (sha256 %s, %d bytes; the wheel is %s, %d bytes): inspect the wheel again",
			w.Filename, m.SHA256, m.Size, w.SHA256, st.Size())
	case pep508.NormalizeName(m.Name) != pep508.NormalizeName(w.Name) || !sameVersion(m.Version, w.Version.String()):
		err = fmt.Errorf("wheel %s holds %s %s, but the resolver chose %s %s", w.Filename, m.Name, m.Version, w.Name, w.Version)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, m, nil
}

// InstalledFile is one file a verified wheel installs, at its path below the install
// root (the zip root for Assemble, site-packages for an image): a wheel entry, or the
// regenerated RECORD (Entry nil, Data set).
type InstalledFile struct {
	Path  string
	Entry *Entry
	Data  []byte
}

// Mode is the file's permission bits: 0755 for executables, else 0644.
func (f InstalledFile) Mode() fs.FileMode {
	if f.Entry != nil && f.Entry.Exec {
		return 0o755
	}
	return 0o644
}

// Size is the file's uncompressed size.
func (f InstalledFile) Size() int64 {
	if f.Entry != nil {
		return int64(f.Entry.Size)
	}
	return int64(len(f.Data))
}

// Installed lists the files m's wheel installs, by layout.go's rules, in the wheel's
// order and the RECORD last (rewritten to the installed paths, without signatures,
// which would no longer match). Every path is checked to be clean and relative.
func (m *Manifest) Installed() ([]InstalledFile, error) {
	var files []InstalledFile
	var rows [][]string
	for i := range m.Entries {
		e := &m.Entries[i]
		dst, err := dest(e.Name)
		if err != nil {
			return nil, fmt.Errorf("wheel %s: %s: %w", m.Filename, e.Name, err)
		}
		if dst == "" || dst == m.DistInfo+"/RECORD" || dst == m.DistInfo+"/RECORD.jws" || dst == m.DistInfo+"/RECORD.p7s" {
			continue // dropped, or regenerated below
		}
		if p := checkPath(dst); p != "" {
			return nil, fmt.Errorf("wheel %s: %s installs to %q: %s", m.Filename, e.Name, dst, p)
		}
		files = append(files, InstalledFile{Path: dst, Entry: e})
		rows = append(rows, []string{dst, e.Hash, strconv.FormatUint(e.Size, 10)})
	}
	record := m.DistInfo + "/RECORD"
	rows = append(rows, []string{record, "", ""})
	return append(files, InstalledFile{Path: record, Data: recordFile(rows)}), nil
}

// Open streams f's bytes; r is the wheel file f came from (Entry.Offset is relative to
// it). A wheel that changed since Inspect fails the read (CRC-32 or size mismatch)
// instead of yielding other bytes.
func (f InstalledFile) Open(r io.ReaderAt) io.ReadCloser {
	if f.Entry == nil {
		return io.NopCloser(strings.NewReader(string(f.Data)))
	}
	return f.Entry.Open(r)
}

// Open streams the entry's uncompressed bytes from the wheel file r, checking its size
// and CRC-32 at the end.
func (e *Entry) Open(r io.ReaderAt) io.ReadCloser {
	var src io.Reader = io.NewSectionReader(r, e.Offset, int64(e.CompressedSize))
	var fr io.ReadCloser
	if e.Method == zip.Deflate {
		fr = flate.NewReader(src)
		src = fr
	}
	return &checkedReader{r: io.LimitReader(src, int64(e.Size)+1), fr: fr, e: e, crc: crc32.NewIEEE()}
}

type checkedReader struct {
	r   io.Reader
	fr  io.ReadCloser
	e   *Entry
	crc hash.Hash32
	n   uint64
}

var errChanged = errors.New("the wheel changed since it was inspected")

func (c *checkedReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.crc.Write(p[:n])
	c.n += uint64(n)
	if c.n > c.e.Size {
		return n, fmt.Errorf("%s: more than its %d bytes: %w", c.e.Name, c.e.Size, errChanged)
	}
	if err == io.EOF && (c.n != c.e.Size || c.crc.Sum32() != c.e.CRC32) {
		return n, fmt.Errorf("%s: size or CRC-32 differ: %w", c.e.Name, errChanged)
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%s: %w", c.e.Name, err)
	}
	return n, err
}

func (c *checkedReader) Close() error {
	if c.fr != nil {
		return c.fr.Close()
	}
	return nil
}

// LithopsVersion reads __version__ from lithops/version.py in the lithops wheel r that
// m describes: the string Lithops compares between client and runtime, and puts into
// function names.
func LithopsVersion(r io.ReaderAt, m *Manifest) (string, error) {
	for i := range m.Entries {
		e := &m.Entries[i]
		if dst, _ := dest(e.Name); dst != "lithops/version.py" {
			continue
		}
		if e.Size > 1<<20 {
			return "", fmt.Errorf("wheel %s: lithops/version.py is %d bytes, not a version file", m.Filename, e.Size)
		}
		rc := e.Open(r)
		src, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return "", fmt.Errorf("wheel %s: %w", m.Filename, err)
		}
		v := versionAssign.FindSubmatch(src)
		if v == nil {
			return "", fmt.Errorf("wheel %s: lithops/version.py has no __version__ = \"...\" line", m.Filename)
		}
		return string(v[1]), nil
	}
	return "", fmt.Errorf("wheel %s has no lithops/version.py: it is not a lithops wheel", m.Filename)
}
