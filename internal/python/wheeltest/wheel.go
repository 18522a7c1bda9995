package wheeltest

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// Wheel describes a wheel to build. The zero value of every optional field gives the
// ordinary, spec-conforming choice.
type Wheel struct {
	Name    string // project name as published, e.g. "ps-mem"
	Version string
	Build   string // optional build tag, must start with a digit
	// Tag is the file name's tag triple; compressed tag sets are allowed
	// ("cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64"). Default "py3-none-any".
	Tag string
	// Platlib sets Root-Is-Purelib: false (wheels with extension modules).
	Platlib bool
	// DistName is the name spelling used in the file name and the .dist-info/.data
	// folders; default: the normalized name with "-" as "_" (the current spec's form).
	DistName string
	Metadata Metadata
	// Files maps paths inside the wheel to their contents. Paths under DataDir() (for
	// example w.DataDir()+"/purelib/x.py") and the .dist-info folder are allowed; files
	// under ".data/scripts/" and "bin/" get mode 0755, the rest 0644. METADATA, WHEEL
	// and RECORD are generated.
	Files map[string][]byte
}

// Metadata holds the METADATA fields a wheel declares.
type Metadata struct {
	Version        string // Metadata-Version, default "2.1"
	Name           string // default Wheel.Name; set to build a name mismatch
	PackageVersion string // Version field, default Wheel.Version; set to build a mismatch
	Summary        string
	RequiresPython string
	RequiresDist   []string
	ProvidesExtra  []string
}

// Every entry is dated 1980-01-01 00:00 (the MS-DOS epoch) in the legacy header fields
// only, without the extended-timestamp extra field, so the bytes never depend on a clock.
const (
	dosDate = 1<<5 | 1 // 1980-01-01
	dosTime = 0
)

var separators = regexp.MustCompile(`[-_.]+`)

func (w Wheel) distName() string {
	if w.DistName != "" {
		return w.DistName
	}
	return strings.ToLower(separators.ReplaceAllString(w.Name, "_"))
}

func (w Wheel) tag() string {
	if w.Tag == "" {
		return "py3-none-any"
	}
	return w.Tag
}

// Filename is the wheel's file name, {name}-{version}[-{build}]-{tag}.whl.
func (w Wheel) Filename() string {
	parts := []string{w.distName(), w.Version}
	if w.Build != "" {
		parts = append(parts, w.Build)
	}
	return strings.Join(append(parts, w.tag()), "-") + ".whl"
}

// DistInfo is the wheel's .dist-info folder name.
func (w Wheel) DistInfo() string { return w.distName() + "-" + w.Version + ".dist-info" }

// DataDir is the wheel's .data folder name.
func (w Wheel) DataDir() string { return w.distName() + "-" + w.Version + ".data" }

// Tags expands the (possibly compressed) tag triple into every tag it stands for.
func (w Wheel) Tags() []string {
	f := strings.Split(w.tag(), "-")
	if len(f) != 3 {
		return []string{w.tag()}
	}
	var out []string
	for _, py := range strings.Split(f[0], ".") {
		for _, abi := range strings.Split(f[1], ".") {
			for _, plat := range strings.Split(f[2], ".") {
				out = append(out, py+"-"+abi+"-"+plat)
			}
		}
	}
	return out
}

// FirstTag is the first of Tags as a tags.Tag (zero when it does not parse), what a
// resolver reports as the tag it chose.
func (w Wheel) FirstTag() tags.Tag {
	ts, err := tags.ParseTag(w.Tags()[0])
	if err != nil {
		return tags.Tag{}
	}
	return ts[0]
}

// MetadataFile renders METADATA.
func (w Wheel) MetadataFile() []byte {
	m := w.Metadata
	var b strings.Builder
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "%s: %s\n", k, v)
		}
	}
	line("Metadata-Version", or(m.Version, "2.1"))
	line("Name", or(m.Name, w.Name))
	line("Version", or(m.PackageVersion, w.Version))
	line("Summary", m.Summary)
	line("Requires-Python", m.RequiresPython)
	for _, e := range m.ProvidesExtra {
		line("Provides-Extra", e)
	}
	for _, r := range m.RequiresDist {
		line("Requires-Dist", r)
	}
	return []byte(b.String())
}

// WheelFile renders the WHEEL file.
func (w Wheel) WheelFile() []byte {
	var b strings.Builder
	b.WriteString("Wheel-Version: 1.0\nGenerator: wheeltest (test fixture)\n")
	fmt.Fprintf(&b, "Root-Is-Purelib: %t\n", !w.Platlib)
	for _, t := range w.Tags() {
		fmt.Fprintf(&b, "Tag: %s\n", t)
	}
	if w.Build != "" {
		fmt.Fprintf(&b, "Build: %s\n", w.Build)
	}
	return []byte(b.String())
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// entry is one zip entry as it will be written; hostile options edit the list.
type entry struct {
	name    string
	data    []byte
	mode    fs.FileMode
	inZip   bool // false: listed in RECORD only
	declare int64
	lying   bool // declare holds a false uncompressed size
	bomb    int64
}

// build is the state hostile options work on.
type build struct {
	entries   []*entry
	record    map[string]string // path -> "sha256=...,size" overrides
	noRecord  map[string]bool   // paths left out of RECORD
	dropFiles map[string]bool
	extra     []*entry // appended after RECORD
}

// Option changes how a wheel is built, mostly to make it hostile.
type Option func(*build)

// WithEntry adds an entry named exactly name (absolute, "..", backslashes: anything),
// listed in RECORD with a correct hash.
func WithEntry(name string, data []byte) Option {
	return func(b *build) {
		b.entries = append(b.entries, &entry{name: name, data: data, mode: 0o644, inZip: true})
	}
}

// WithSymlink adds a symbolic-link entry name → target (Unix mode bits in the external
// attributes, as Info-ZIP stores links).
func WithSymlink(name, target string) Option {
	return func(b *build) {
		b.entries = append(b.entries, &entry{name: name, data: []byte(target), mode: fs.ModeSymlink | 0o777, inZip: true})
	}
}

// WithDuplicate adds a second entry with the same name as an existing one.
func WithDuplicate(name string, data []byte) Option {
	return func(b *build) {
		b.extra = append(b.extra, &entry{name: name, data: data, mode: 0o644, inZip: true})
	}
}

// WithLyingSize makes entry name declare an uncompressed size of declared bytes while
// its data is what Files says.
func WithLyingSize(name string, declared int64) Option {
	return func(b *build) {
		for _, e := range b.entries {
			if e.name == name {
				e.declare, e.lying = declared, true
			}
		}
	}
}

// WithZipBomb adds an honest entry name of size zero bytes (deflate squeezes it about
// a thousandfold), generated without holding it in memory.
func WithZipBomb(name string, size int64) Option {
	return func(b *build) {
		b.entries = append(b.entries, &entry{name: name, bomb: size, mode: 0o644, inZip: true})
	}
}

// WithRecordHash replaces the RECORD row of path with "hash,size" (e.g. a wrong hash).
func WithRecordHash(path, hashAndSize string) Option {
	return func(b *build) { b.record[path] = hashAndSize }
}

// WithoutRecordRow leaves path out of RECORD while keeping it in the zip.
func WithoutRecordRow(path string) Option { return func(b *build) { b.noRecord[path] = true } }

// WithoutFile leaves path (for example the .dist-info/RECORD or METADATA) out of the zip.
func WithoutFile(path string) Option { return func(b *build) { b.dropFiles[path] = true } }

func modeFor(p string, distData string) fs.FileMode {
	if strings.HasPrefix(p, "bin/") || strings.HasPrefix(p, distData+"/scripts/") {
		return 0o755
	}
	return 0o644
}

// Bytes builds the wheel in memory.
func (w Wheel) Bytes(opts ...Option) ([]byte, error) {
	var buf bytes.Buffer
	if err := w.write(&buf, opts...); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Write builds the wheel into dir under its file name and returns the path.
func (w Wheel) Write(dir string, opts ...Option) (string, error) {
	p := filepath.Join(dir, w.Filename())
	f, err := os.Create(p)
	if err != nil {
		return "", err
	}
	if err := w.write(f, opts...); err != nil {
		f.Close()
		return "", err
	}
	return p, f.Close()
}

// MustBytes is Bytes that fails the test on error.
func (w Wheel) MustBytes(t testing.TB, opts ...Option) []byte {
	t.Helper()
	b, err := w.Bytes(opts...)
	if err != nil {
		t.Fatalf("wheeltest: build %s: %v", w.Filename(), err)
	}
	return b
}

// MustWrite is Write that fails the test on error.
func (w Wheel) MustWrite(t testing.TB, dir string, opts ...Option) string {
	t.Helper()
	p, err := w.Write(dir, opts...)
	if err != nil {
		t.Fatalf("wheeltest: write %s: %v", w.Filename(), err)
	}
	return p
}

func (w Wheel) write(out io.Writer, opts ...Option) error {
	if w.Name == "" || w.Version == "" {
		return fmt.Errorf("wheeltest: Name and Version are required")
	}
	distInfo, dataDir := w.DistInfo(), w.DataDir()
	b := &build{record: map[string]string{}, noRecord: map[string]bool{}, dropFiles: map[string]bool{}}
	paths := make([]string, 0, len(w.Files))
	for p := range w.Files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		b.entries = append(b.entries, &entry{name: p, data: w.Files[p], mode: modeFor(p, dataDir), inZip: true})
	}
	b.entries = append(b.entries,
		&entry{name: distInfo + "/METADATA", data: w.MetadataFile(), mode: 0o644, inZip: true},
		&entry{name: distInfo + "/WHEEL", data: w.WheelFile(), mode: 0o644, inZip: true},
	)
	for _, o := range opts {
		o(b)
	}
	recordPath := distInfo + "/RECORD"
	var rec strings.Builder
	for _, e := range b.entries {
		if b.noRecord[e.name] {
			continue
		}
		row, ok := b.record[e.name]
		if !ok {
			row = recordHash(e)
		}
		fmt.Fprintf(&rec, "%s,%s\n", csvField(e.name), row)
	}
	fmt.Fprintf(&rec, "%s,,\n", recordPath)
	b.entries = append(b.entries, &entry{name: recordPath, data: []byte(rec.String()), mode: 0o644, inZip: true})
	b.entries = append(b.entries, b.extra...)

	zw := zip.NewWriter(out)
	for _, e := range b.entries {
		if !e.inZip || b.dropFiles[e.name] {
			continue
		}
		if err := writeEntry(zw, e); err != nil {
			return fmt.Errorf("wheeltest: %s: %w", e.name, err)
		}
	}
	return zw.Close()
}

func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\r\n") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// recordHash is a RECORD row's hash and size columns.
func recordHash(e *entry) string {
	h := sha256.New()
	size := int64(len(e.data))
	if e.bomb > 0 {
		size, _ = io.Copy(h, io.LimitReader(zeros{}, e.bomb))
	} else {
		h.Write(e.data)
	}
	return fmt.Sprintf("sha256=%s,%d", base64.RawURLEncoding.EncodeToString(h.Sum(nil)), size)
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// writeEntry compresses e itself and writes it raw, so that the header can state
// whatever a hostile option wants and no clock-derived extra field is added.
func writeEntry(zw *zip.Writer, e *entry) error {
	var src io.Reader = bytes.NewReader(e.data)
	size := int64(len(e.data))
	if e.bomb > 0 {
		src, size = io.LimitReader(zeros{}, e.bomb), e.bomb
	}
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		return err
	}
	crc := crc32.NewIEEE()
	if _, err := io.Copy(io.MultiWriter(fw, crc), src); err != nil {
		return err
	}
	if err := fw.Close(); err != nil {
		return err
	}
	declared := size
	if e.lying {
		declared = e.declare
	}
	fh := &zip.FileHeader{
		Name:               e.name,
		Method:             zip.Deflate,
		ModifiedDate:       dosDate,
		ModifiedTime:       dosTime,
		CRC32:              crc.Sum32(),
		CompressedSize64:   uint64(comp.Len()),
		UncompressedSize64: uint64(declared),
	}
	fh.SetMode(e.mode)
	fh.ReaderVersion = 20
	if e.mode&fs.ModeSymlink != 0 {
		fh.Method = zip.Store
		fh.CompressedSize64 = uint64(len(e.data))
		w, err := zw.CreateRaw(fh)
		if err != nil {
			return err
		}
		_, err = w.Write(e.data)
		return err
	}
	w, err := zw.CreateRaw(fh)
	if err != nil {
		return err
	}
	_, err = w.Write(comp.Bytes())
	return err
}
