package build

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"github.com/lithops-fc/runtime-action/internal/atomicfile"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// File names written into Input.OutDir.
const (
	ZipName  = "runtime.zip"
	LockName = "pylock.toml"
)

// Wheel is one resolved distribution, as the resolver and cache hand it over.
type Wheel struct {
	Name     string // project name as resolved
	Version  pep440.Version
	Path     string   // local file, already checked against SHA256 by the cache
	Filename string   // wheel file name; default filepath.Base(Path)
	URL      string   // where it came from, for pylock.toml (credentials are stripped)
	Index    string   // the index it was found on, for pylock.toml (optional)
	SHA256   string   // hex digest of the file
	Tag      tags.Tag // the compatible tag chosen for the target, for reports; zero if unknown
	// LockPath is the wheel's path as pylock.toml records it when it has no URL (a
	// locked deploy keeps its lock's, relative to the lock's folder); "" records Path.
	LockPath string
	// Manifest is the wheel's Inspect result (from ManifestCache); nil makes Assemble
	// inspect the wheel itself.
	Manifest *Manifest
}

// File is an extra file added to the zip root or below (e.g. a smoke-test handler).
type File struct {
	Path string // forward slashes, relative
	Data []byte
	Mode fs.FileMode // permission bits; 0 means 0644
}

// Input is everything that goes into one runtime package.
type Input struct {
	Lithops Wheel   // the lithops wheel: its package, and its entry point at the root
	Wheels  []Wheel // every other resolved distribution (worker modules, requirements, deps)
	Exclude []string
	Files   []File
	Target  tags.Target // the runtime: CPython X.Y and the newest glibc it has (or the platform input)
	// LithopsVersion, when set, must equal the lithops wheel's __version__ as a PEP 440
	// version (Result.LithopsVersion is the wheel's own spelling, the one Lithops uses).
	LithopsVersion string
	OutDir         string // runtime.zip and pylock.toml are written here
	// NoLithops assembles Wheels alone, without lithops and its entry point: a plain set
	// of installed distributions (FC's preinstalled modules, for the emulator).
	NoLithops bool
	// Origin, when set, is recorded in pylock.toml as what the lock was made from;
	// Assemble fills in its Target.Glibc and Target.Lithops (from Target and the wheel).
	Origin *pylock.Origin
	// Excluded are distributions left out before the build (those a locked deploy's lock
	// lists as excluded): recorded, with those Exclude leaves out, in pylock.toml and
	// Result.Excluded.
	Excluded []string
}

// Distribution is one distribution's share of the package.
type Distribution struct {
	Name, Version string
	Filename      string // wheel file name
	Tag           string
	Compressed    int64 // bytes of its entries' data in the zip
	Uncompressed  int64
	Entries       int
	TopLevel      []string // importable top-level names it installs
}

// Result describes a built package.
type Result struct {
	ZipPath, LockPath string
	Size              int64
	SHA256            string // hex
	CodeChecksum      string // CRC-64/ECMA-182 of the zip, unsigned decimal (FC's codeChecksum)
	Base64Size        int64
	Delivery          Delivery
	LithopsVersion    string // the lithops wheel's __version__
	Entries           int
	Distributions     []Distribution // sorted by normalized name
	Excluded          []string       // normalized names left out
	Warnings          []string
}

type config struct {
	inspect   Limits
	code      fcruntime.CodeLimits
	createdBy string
}

// Option configures Assemble.
type Option func(*config)

// WithInspectLimits sets the limits used for wheels that come without a Manifest.
func WithInspectLimits(l Limits) Option { return func(c *config) { c.inspect = l } }

// WithCodeLimits replaces FC's code limits, fcruntime.Limits (tests use small ones, and
// FC's preinstalled modules for the emulator none).
func WithCodeLimits(l fcruntime.CodeLimits) Option { return func(c *config) { c.code = l } }

// dist is one distribution being assembled.
type dist struct {
	key  string // normalized name
	w    Wheel
	m    *Manifest
	file *os.File
	stat *Distribution
}

// item is one zip entry to write, from a wheel (raw copy) or generated.
type item struct {
	dest string
	d    *dist  // nil for extra files
	e    *Entry // nil for generated content
	data []byte // generated content
	comp []byte // data, deflated
	exec bool
}

// Assemble builds the runtime package: runtime.zip and pylock.toml in in.OutDir. The zip
// is written in one pass (entries copied raw from the wheels, sorted, fixed dates and
// modes, no extra fields) while its SHA-256 and CRC-64 are computed, so the same inputs
// give the same bytes anywhere and memory does not grow with the package. When it fails,
// OutDir holds neither file (an older package there is removed first).
func Assemble(ctx context.Context, in Input, opts ...Option) (*Result, error) {
	cfg := config{inspect: DefaultLimits, code: fcruntime.Limits, createdBy: "lithops-fc-runtime"}
	for _, o := range opts {
		o(&cfg)
	}
	if in.Target.Python == [2]int{} || in.Target.Glibc == (tags.Glibc{}) {
		return nil, errors.New("build: the target's Python version and glibc are required")
	}
	if in.OutDir == "" {
		return nil, errors.New("build: no output folder given")
	}
	a := &assembler{cfg: cfg, in: in}
	defer a.close()
	res, err := a.run(ctx)
	if err != nil {
		return nil, fmt.Errorf("build runtime package: %w", err)
	}
	return res, nil
}

type assembler struct {
	cfg      config
	in       Input
	dists    []*dist
	lithops  *dist
	excluded []string
	warnings []string
	fw       *flate.Writer
}

func (a *assembler) close() {
	for _, d := range a.dists {
		if d.file != nil {
			d.file.Close()
		}
	}
}

func (a *assembler) warn(format string, args ...any) {
	a.warnings = append(a.warnings, fmt.Sprintf(format, args...))
}

func (a *assembler) run(ctx context.Context) (*Result, error) {
	// A failed build must not leave an older package behind for later steps to upload.
	for _, name := range []string{ZipName, LockName} {
		if err := os.Remove(filepath.Join(a.in.OutDir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if err := a.selectDists(); err != nil {
		return nil, err
	}
	if err := a.loadManifests(ctx); err != nil {
		return nil, err
	}
	version, err := a.lithopsVersion()
	if err != nil {
		return nil, err
	}
	items, err := a.plan()
	if err != nil {
		return nil, err
	}
	if err := a.checkELF(items); err != nil {
		return nil, err
	}
	// Raw copy makes the zip at least as large as the data it copies: refuse early,
	// before writing hundreds of megabytes.
	var lower int64
	for _, it := range items {
		lower += int64(len(it.comp))
		if it.e != nil {
			lower += int64(it.e.CompressedSize)
		}
	}
	if lower > a.cfg.code.OSS {
		return nil, &TooLargeError{Size: lower, Limit: a.cfg.code.OSS, Largest: largest(a.stats(items), 10)}
	}
	res, err := a.write(ctx, items) // into a temporary file beside runtime.zip
	if err != nil {
		return nil, err
	}
	defer os.Remove(res.ZipPath) // a no-op once renamed
	res.LithopsVersion = version
	if res.Delivery, err = Deliver(a.cfg.code, res.Size, res.Distributions); err != nil {
		return nil, err
	}
	lock, err := lockFile(a.cfg.createdBy, a.in.Target, a.in.Origin, version, a.dists, a.excluded)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(filepath.Join(a.in.OutDir, LockName), lock); err != nil {
		return nil, err
	}
	zipPath := filepath.Join(a.in.OutDir, ZipName)
	if err := os.Rename(res.ZipPath, zipPath); err != nil {
		os.Remove(filepath.Join(a.in.OutDir, LockName))
		return nil, err
	}
	res.ZipPath, res.LockPath = zipPath, filepath.Join(a.in.OutDir, LockName)
	res.Excluded, res.Warnings = a.excluded, a.warnings
	return res, nil
}

// selectDists applies `exclude` and refuses two wheels of one distribution.
func (a *assembler) selectDists() error {
	if a.in.Lithops.Path == "" && !a.in.NoLithops {
		return errors.New("no lithops wheel given")
	}
	exclude := map[string]bool{}
	for _, e := range a.in.Exclude {
		k := pep508.NormalizeName(strings.TrimSpace(e))
		if k == "lithops" {
			return errors.New("`exclude` lists lithops, which the runtime cannot do without; remove it from `exclude`")
		}
		exclude[k] = true
	}
	all := append([]Wheel{a.in.Lithops}, a.in.Wheels...)
	if a.in.NoLithops {
		if a.in.Lithops.Path != "" {
			return errors.New("Input.NoLithops is set, and a lithops wheel is given")
		}
		all[0] = Wheel{Name: "lithops"} // a placeholder, skipped below
	}
	seen := map[string]bool{}
	for i, w := range all {
		if i == 0 && a.in.NoLithops {
			continue
		}
		k := pep508.NormalizeName(w.Name)
		if k == "" {
			return fmt.Errorf("wheel %s has no distribution name", w.Path)
		}
		if i == 0 && k != "lithops" {
			return fmt.Errorf("Input.Lithops is %s, not a lithops wheel", w.Name)
		}
		if i > 0 && k == "lithops" {
			return errors.New("a lithops wheel is among the other wheels; pass it as Input.Lithops only")
		}
		if seen[k] {
			return fmt.Errorf("distribution %s is given twice (the resolver must pick one wheel per distribution)", w.Name)
		}
		seen[k] = true
		if exclude[k] {
			a.excluded = append(a.excluded, k)
			continue
		}
		if w.Filename == "" {
			w.Filename = filepath.Base(w.Path)
		}
		d := &dist{key: k, w: w, m: w.Manifest}
		a.dists = append(a.dists, d)
		if i == 0 {
			a.lithops = d
		}
	}
	for _, e := range a.in.Excluded {
		if k := pep508.NormalizeName(strings.TrimSpace(e)); !slices.Contains(a.excluded, k) {
			a.excluded = append(a.excluded, k)
		}
	}
	sort.Strings(a.excluded)
	for k := range exclude {
		if !seen[k] {
			a.warn("`exclude` names %s, which is not among the resolved distributions", k)
		}
	}
	sort.Strings(a.warnings)
	sort.Slice(a.dists, func(i, j int) bool { return a.dists[i].key < a.dists[j].key })
	return nil
}

// loadManifests loads every wheel (in parallel): its manifest, inspecting it when it
// came without one, and its open file.
func (a *assembler) loadManifests(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for _, d := range a.dists {
		g.Go(func() error {
			var err error
			d.file, d.m, err = Load(gctx, d.w, WithLimits(a.cfg.inspect))
			return err
		})
	}
	return g.Wait()
}

var versionAssign = regexp.MustCompile(`(?m)^__version__\s*=\s*['"]([^'"]+)['"]`)

// lithopsVersion reads the lithops wheel's __version__ and checks it against
// Input.LithopsVersion.
func (a *assembler) lithopsVersion() (string, error) {
	d := a.lithops
	if d == nil {
		return "", nil // NoLithops
	}
	v, err := LithopsVersion(d.file, d.m)
	if err != nil {
		return "", err
	}
	if a.in.LithopsVersion != "" && !sameVersion(v, a.in.LithopsVersion) {
		return "", fmt.Errorf("the lithops wheel %s has __version__ %q but lithops-version is %q; they must be equal (Lithops refuses a runtime whose version differs from the client's)",
			d.w.Filename, v, a.in.LithopsVersion)
	}
	return v, nil
}

// plan maps every kept entry to its place in the zip, adds entry_point.py, the rewritten
// RECORDs and the extra files, and refuses collisions.
func (a *assembler) plan() ([]item, error) {
	var items []item
	owner := map[string]int{} // dest → index in items
	add := func(it item) error {
		if it.e == nil {
			var err error
			if it.comp, err = a.deflate(it.data); err != nil {
				return err
			}
		}
		if i, ok := owner[it.dest]; ok {
			prev := items[i]
			if prev.e != nil && it.e != nil && prev.e.Hash == it.e.Hash && prev.e.Size == it.e.Size {
				a.warn("%s and %s both install %s with identical content; kept once", prev.d.w.Name, it.d.w.Name, it.dest)
				return nil
			}
			return fmt.Errorf("%s and %s both install %s with different content; leave one out with `exclude` or pick compatible versions",
				what(prev), what(it), it.dest)
		}
		owner[it.dest] = len(items)
		items = append(items, it)
		return nil
	}
	var entryPoint *item
	for _, d := range a.dists {
		d.stat = &Distribution{Name: d.m.Name, Version: d.m.Version, Filename: d.w.Filename, Tag: d.w.Tag.String(), TopLevel: d.m.TopLevel}
		files, err := d.m.Installed()
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			it := item{dest: f.Path, d: d, e: f.Entry, data: f.Data, exec: f.Mode()&0o111 != 0}
			if err := add(it); err != nil {
				return nil, err
			}
			if d == a.lithops && f.Path == lithops.EntryPointSource {
				ep := it
				ep.dest = lithops.EntryPoint
				entryPoint = &ep
			}
			if strings.HasSuffix(f.Path, "-nspkg.pth") && !strings.Contains(f.Path, "/") {
				a.warn("%s relies on %s, but .pth files only work in site-packages, not on FC's code path: its namespace package may not import", d.m.Name, f.Path)
			}
		}
	}
	if entryPoint == nil && a.lithops != nil {
		return nil, fmt.Errorf("wheel %s has no %s: this lithops has no aliyun_fc backend", a.lithops.w.Filename, lithops.EntryPointSource)
	}
	if entryPoint != nil {
		if err := add(*entryPoint); err != nil {
			return nil, err
		}
	}
	for _, f := range a.in.Files {
		if p := checkPath(f.Path); p != "" || strings.HasSuffix(f.Path, "/") {
			return nil, fmt.Errorf("extra file %q: %s", f.Path, or(p, "is a folder"))
		}
		if err := add(item{dest: f.Path, data: f.Data, exec: f.Mode&0o111 != 0}); err != nil {
			return nil, err
		}
	}
	// A path that is a file for one distribution and a folder for another cannot be
	// unpacked.
	for _, it := range items {
		for _, dir := range parentDirs(it.dest) {
			if i, ok := owner[dir]; ok {
				return nil, fmt.Errorf("%s installs the file %s, but %s installs %s inside a folder of that name", what(items[i]), dir, what(it), it.dest)
			}
		}
	}
	sort.Slice(items, func(i, j int) bool { return items[i].dest < items[j].dest })
	return items, nil
}

func what(it item) string {
	if it.d == nil {
		return "the extra file " + strconv.Quote(it.dest)
	}
	return it.d.m.Name + " " + it.d.m.Version
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// recordFile renders a RECORD the way pip writes one: CSV, CRLF line ends, sorted.
func recordFile(rows [][]string) []byte {
	sort.Slice(rows, func(i, j int) bool { return rows[i][0] < rows[j][0] })
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.WriteAll(rows) // writes to a bytes.Buffer cannot fail
	return b.Bytes()
}

// ELFError lists ELF files that cannot load on the target.
type ELFError struct {
	Target     tags.Target
	Violations []ELFViolation
}

// ELFViolation is one ELF file's problem.
type ELFViolation struct {
	Distribution, Version, File, Problem string
}

func (e *ELFError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d ELF file(s) cannot load on the target (x86_64, glibc %s, Python %s):", len(e.Violations), e.Target.Glibc, e.Target.PythonVersion())
	for _, v := range e.Violations {
		fmt.Fprintf(&b, "\n  %s: %s: %s", strings.TrimSpace(v.Distribution+" "+v.Version), v.File, v.Problem)
	}
	fmt.Fprintf(&b, "\nPin versions that publish manylinux_%d_%d (or older) x86_64 wheels, or set `platform` only if the runtime really has a newer glibc.",
		e.Target.Glibc.Major, e.Target.Glibc.Minor)
	return b.String()
}

// checkELF checks every ELF file going into the zip against the target.
func (a *assembler) checkELF(items []item) error {
	var vs []ELFViolation
	for _, it := range items {
		var info *ELFInfo
		switch {
		case it.e != nil:
			info = it.e.ELF
		case it.d == nil && bytes.HasPrefix(it.data, elfMagic):
			info = readELF(bytes.NewReader(it.data))
		}
		if info == nil {
			continue
		}
		dist, version := "extra file", ""
		if it.d != nil {
			dist, version = it.d.m.Name, it.d.m.Version
		}
		for _, p := range info.Problems(a.in.Target.Glibc) {
			vs = append(vs, ELFViolation{Distribution: dist, Version: version, File: it.dest, Problem: p})
		}
	}
	if len(vs) > 0 {
		return &ELFError{Target: a.in.Target, Violations: vs}
	}
	return nil
}

// stats sums each distribution's share of the package.
func (a *assembler) stats(items []item) []Distribution {
	for _, d := range a.dists {
		d.stat.Compressed, d.stat.Uncompressed, d.stat.Entries = 0, 0, 0
	}
	for _, it := range items {
		if it.d == nil {
			continue
		}
		s := it.d.stat
		s.Entries++
		if it.e != nil {
			s.Compressed += int64(it.e.CompressedSize)
			s.Uncompressed += int64(it.e.Size)
		} else {
			s.Compressed += int64(len(it.comp))
			s.Uncompressed += int64(len(it.data))
		}
	}
	out := make([]Distribution, len(a.dists))
	for i, d := range a.dists {
		out[i] = *d.stat
	}
	return out
}

// hashingWriter feeds everything written to the file into SHA-256 and CRC-64 as well.
type hashingWriter struct {
	w      io.Writer
	sha    hash.Hash
	crc    uint64
	table  *crc64.Table
	length int64
}

func (h *hashingWriter) Write(p []byte) (int, error) {
	n, err := h.w.Write(p)
	h.sha.Write(p[:n])
	h.crc = crc64.Update(h.crc, h.table, p[:n])
	h.length += int64(n)
	return n, err
}

// The fixed entry date, 1980-01-01 00:00 in MS-DOS format, written in the legacy header
// fields only: no extended-timestamp extra field, nothing from a clock.
const (
	fixedDate = 1<<5 | 1
	fixedTime = 0
)

func (a *assembler) write(ctx context.Context, items []item) (*Result, error) {
	if err := os.MkdirAll(a.in.OutDir, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(a.in.OutDir, ".runtime-*.zip")
	if err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 1<<20)
	sum := sha256.New()
	hw := &hashingWriter{w: bw, sha: sum, table: crc64.MakeTable(crc64.ECMA)}
	zw := zip.NewWriter(hw)
	buf := make([]byte, 256<<10)
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fh := &zip.FileHeader{Name: it.dest, ModifiedDate: fixedDate, ModifiedTime: fixedTime, CreatorVersion: 20, ReaderVersion: 20}
		if !isASCII(it.dest) && utf8.ValidString(it.dest) {
			fh.Flags |= 0x800 // names are UTF-8
		}
		mode := fs.FileMode(0o644)
		if it.exec {
			mode = 0o755
		}
		fh.SetMode(mode)
		var src io.Reader
		if it.e != nil {
			fh.Method, fh.CRC32 = it.e.Method, it.e.CRC32
			fh.CompressedSize64, fh.UncompressedSize64 = it.e.CompressedSize, it.e.Size
			src = io.NewSectionReader(it.d.file, it.e.Offset, int64(it.e.CompressedSize))
		} else {
			fh.Method, fh.CRC32 = zip.Deflate, crc32.ChecksumIEEE(it.data)
			fh.CompressedSize64, fh.UncompressedSize64 = uint64(len(it.comp)), uint64(len(it.data))
			src = bytes.NewReader(it.comp)
		}
		w, err := zw.CreateRaw(fh)
		if err != nil {
			return nil, fmt.Errorf("write %s: %w", it.dest, err)
		}
		if n, err := io.CopyBuffer(w, src, buf); err != nil || uint64(n) != fh.CompressedSize64 {
			return nil, fmt.Errorf("copy %s from %s: %d of %d bytes: %v", it.dest, what(it), n, fh.CompressedSize64, err)
		}
	}
	dists := a.stats(items)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	// CreateTemp's 0600 would keep later steps, which run as the runner's user while a
	// container action runs as root, from reading the package.
	if err := tmp.Chmod(0o644); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	ok = true
	return &Result{
		ZipPath:       tmp.Name(),
		Size:          hw.length,
		SHA256:        hex.EncodeToString(sum.Sum(nil)),
		CodeChecksum:  strconv.FormatUint(hw.crc, 10),
		Base64Size:    fcruntime.Base64Size(hw.length),
		Entries:       len(items),
		Distributions: dists,
	}, nil
}

// deflate compresses generated content with one reused compressor (a flate.Writer
// allocates about 1 MB). Go's compress/flate is deterministic for a given level, so the
// bytes only depend on the input.
func (a *assembler) deflate(b []byte) ([]byte, error) {
	var out bytes.Buffer
	out.Grow(len(b)/3 + 64)
	if a.fw == nil {
		fw, err := flate.NewWriter(&out, flate.DefaultCompression)
		if err != nil {
			return nil, err
		}
		a.fw = fw
	} else {
		a.fw.Reset(&out)
	}
	if _, err := a.fw.Write(b); err != nil {
		return nil, err
	}
	if err := a.fw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// Lock writes pylock.toml alone into in.OutDir, for what would go into the package: the
// lock of a container runtime, whose image holds the same distributions (internal/image
// installs them), so that one lock format describes both kinds of runtime. It returns
// the lock's path.
func Lock(ctx context.Context, in Input, opts ...Option) (string, error) {
	cfg := config{inspect: DefaultLimits, code: fcruntime.Limits, createdBy: "lithops-fc-runtime"}
	for _, o := range opts {
		o(&cfg)
	}
	if in.Target.Python == [2]int{} || in.Target.Glibc == (tags.Glibc{}) || in.OutDir == "" {
		return "", errors.New("build: the target and the output folder are required")
	}
	a := &assembler{cfg: cfg, in: in}
	defer a.close()
	path := filepath.Join(in.OutDir, LockName)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	if err := a.selectDists(); err != nil {
		return "", err
	}
	if err := a.loadManifests(ctx); err != nil {
		return "", err
	}
	version, err := a.lithopsVersion()
	if err != nil {
		return "", err
	}
	lock, err := lockFile(a.cfg.createdBy, a.in.Target, a.in.Origin, version, a.dists, a.excluded)
	if err != nil {
		return "", err
	}
	return path, atomicfile.WriteFile(path, lock)
}
