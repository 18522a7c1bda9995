package build

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// manifestFormat versions the Manifest JSON kept in the cache; bump it when the
// meaning of a field changes so stale manifests are recomputed.
const manifestFormat = 1

// Manifest is what Inspect learned about one verified wheel: everything Assemble needs
// to copy its entries raw, without reading the wheel's central directory again.
type Manifest struct {
	Format         int      `json:"format"`
	Filename       string   `json:"filename"`
	SHA256         string   `json:"sha256"` // hex digest of the wheel file
	Size           int64    `json:"size"`
	Name           string   `json:"name"` // METADATA Name, as spelled there
	Version        string   `json:"version"`
	RequiresPython string   `json:"requires_python,omitempty"`
	DistInfo       string   `json:"dist_info"` // e.g. "six-1.17.0.dist-info"
	RootIsPurelib  bool     `json:"root_is_purelib"`
	TopLevel       []string `json:"top_level"` // importable top-level names it installs
	Entries        []Entry  `json:"entries"`   // file entries in archive order (no folders)
}

// Entry is one file of a verified wheel.
type Entry struct {
	Name           string   `json:"name"`
	Method         uint16   `json:"method"`
	CRC32          uint32   `json:"crc32"`
	CompressedSize uint64   `json:"compressed_size"`
	Size           uint64   `json:"size"`
	Offset         int64    `json:"offset"` // of the compressed data in the wheel file
	Exec           bool     `json:"exec,omitempty"`
	Hash           string   `json:"hash,omitempty"` // RECORD's "algo=digest"
	ELF            *ELFInfo `json:"elf,omitempty"`
}

// Limits bound what Inspect accepts from an untrusted wheel.
type Limits struct {
	MaxEntries      int   // files and folders in one wheel
	MaxUncompressed int64 // total uncompressed bytes of one wheel (zip bombs)
}

// DefaultLimits fit the largest wheels seen in practice (torch: ~20k entries, ~2 GB
// unpacked) while refusing bombs.
var DefaultLimits = Limits{MaxEntries: 250_000, MaxUncompressed: 4 << 30}

// WheelError is a wheel Inspect refuses; Entry is empty when the wheel as a whole is bad.
type WheelError struct {
	Wheel   string // file name
	Entry   string
	Problem string
}

func (e *WheelError) Error() string {
	const hint = " (refusing this wheel: it is malformed or was tampered with; pin another version or report it to the project)"
	if e.Entry != "" {
		return fmt.Sprintf("wheel %s: entry %q: %s%s", e.Wheel, e.Entry, e.Problem, hint)
	}
	return fmt.Sprintf("wheel %s: %s%s", e.Wheel, e.Problem, hint)
}

type inspectConfig struct {
	filename string
	limits   Limits
}

// InspectOption configures Inspect.
type InspectOption func(*inspectConfig)

// WithFilename gives the wheel's file name when path is not named after it (for
// example a content-addressed cache file).
func WithFilename(name string) InspectOption { return func(c *inspectConfig) { c.filename = name } }

// WithLimits replaces DefaultLimits.
func WithLimits(l Limits) InspectOption { return func(c *inspectConfig) { c.limits = l } }

// Inspect verifies the wheel at path and returns its Manifest. It is meant to run once,
// when a wheel enters the cache (ManifestCache does that bookkeeping): it decompresses
// every entry, so warm builds need not. It refuses, each with a *WheelError naming the
// wheel and entry: absolute paths, "..", unclean paths, symlinks and other non-regular
// entries, duplicate names, encrypted entries, compression other than stored/deflate,
// declared sizes or CRCs that differ from the data, totals over the limits, files
// missing from RECORD or whose RECORD hash or size differs, unknown .data kinds, and a
// file name whose name or version disagree with METADATA or the .dist-info folder.
func Inspect(ctx context.Context, path string, opts ...InspectOption) (*Manifest, error) {
	cfg := inspectConfig{filename: filepath.Base(path), limits: DefaultLimits}
	for _, o := range opts {
		o(&cfg)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("inspect wheel: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("inspect wheel: %w", err)
	}
	in := &inspector{ctx: ctx, cfg: cfg, file: f, buf: make([]byte, 256<<10)}
	m, err := in.run(st.Size())
	if err != nil {
		return nil, err
	}
	return m, nil
}

type inspector struct {
	ctx  context.Context
	cfg  inspectConfig
	file *os.File
	buf  []byte
	// Reused for every entry: a flate reader allocates a 32 KiB window and more.
	br *bufio.Reader
	fr io.ReadCloser
}

func (in *inspector) fail(entry, format string, args ...any) error {
	return &WheelError{Wheel: in.cfg.filename, Entry: entry, Problem: fmt.Sprintf(format, args...)}
}

func (in *inspector) run(size int64) (*Manifest, error) {
	wn, err := tags.ParseWheelName(in.cfg.filename)
	if err != nil {
		return nil, in.fail("", "%v", err)
	}
	name, version := wn.Name, wn.Version.String()
	sum := sha256.New()
	if _, err := io.CopyBuffer(sum, io.NewSectionReader(in.file, 0, size), in.buf); err != nil {
		return nil, fmt.Errorf("inspect wheel %s: %w", in.cfg.filename, err)
	}
	zr, err := zip.NewReader(in.file, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, in.fail("", "not a readable zip archive: %v", err)
	}
	if len(zr.File) > in.cfg.limits.MaxEntries {
		return nil, in.fail("", "%d entries, more than the limit of %d", len(zr.File), in.cfg.limits.MaxEntries)
	}

	// Names, kinds and declared totals first: cheap, and they stop bombs before any
	// byte is decompressed.
	var total uint64
	seen := make(map[string]bool, len(zr.File))
	var files []*zip.File
	distInfos := map[string]bool{}
	for _, zf := range zr.File {
		if p := checkPath(zf.Name); p != "" {
			return nil, in.fail(zf.Name, "%s", p)
		}
		if seen[zf.Name] {
			return nil, in.fail(zf.Name, "duplicate name: the archive holds two entries with this path")
		}
		seen[zf.Name] = true
		mode := zf.Mode()
		if mode&fs.ModeSymlink != 0 {
			return nil, in.fail(zf.Name, "symbolic link")
		}
		if mode&fs.ModeType&^fs.ModeDir != 0 {
			return nil, in.fail(zf.Name, "not a regular file (mode %v)", mode)
		}
		if strings.HasSuffix(zf.Name, "/") {
			continue
		}
		if zf.Flags&0x1 != 0 {
			return nil, in.fail(zf.Name, "encrypted entry")
		}
		if zf.Method != zip.Store && zf.Method != zip.Deflate {
			return nil, in.fail(zf.Name, "compression method %d; wheels use stored (0) or deflate (8)", zf.Method)
		}
		// Compared before adding, so that a huge declared size cannot wrap the total.
		if zf.UncompressedSize64 > uint64(in.cfg.limits.MaxUncompressed)-total {
			return nil, in.fail("", "declares more than %d bytes uncompressed (limit); a zip bomb?", in.cfg.limits.MaxUncompressed)
		}
		total += zf.UncompressedSize64
		if first, rest, ok := strings.Cut(zf.Name, "/"); ok && strings.HasSuffix(first, ".dist-info") && !strings.Contains(rest, "/") {
			distInfos[first] = true
		}
		files = append(files, zf)
	}
	distInfo, err := in.pickDistInfo(distInfos, name, version)
	if err != nil {
		return nil, err
	}

	m := &Manifest{
		Format:   manifestFormat,
		Filename: in.cfg.filename,
		SHA256:   hex.EncodeToString(sum.Sum(nil)),
		Size:     size,
		DistInfo: distInfo,
	}
	record, err := in.readRecord(zr, distInfo+"/RECORD")
	if err != nil {
		return nil, err
	}
	if err := in.readMetadata(zr, m, name, version); err != nil {
		return nil, err
	}

	offsets, err := in.dataOffsets(files, size)
	if err != nil {
		return nil, err
	}
	var dests []string
	for i, zf := range files {
		if err := in.ctx.Err(); err != nil {
			return nil, err
		}
		e, err := in.verifyEntry(zf, offsets[i], record)
		if err != nil {
			return nil, err
		}
		d, err := dest(zf.Name)
		if err != nil {
			return nil, in.fail(zf.Name, "%v", err)
		}
		if d != "" && !strings.HasPrefix(d, distInfo+"/") {
			dests = append(dests, d)
		}
		m.Entries = append(m.Entries, e)
	}
	m.TopLevel = topLevel(dests)
	return m, nil
}

// dataOffsets returns where each entry's compressed data starts, and refuses data that
// runs past the end of the file or overlaps another entry's. Decompression alone
// would not notice (a deflate stream ends on its own), but Assemble copies each
// declared range raw: it would fail late on a short copy, or put another entry's bytes
// into the package. (Overlapping entries are also a zip-bomb trick.)
func (in *inspector) dataOffsets(files []*zip.File, size int64) ([]int64, error) {
	offsets := make([]int64, len(files))
	order := make([]int, len(files))
	for i, zf := range files {
		off, err := zf.DataOffset()
		if err != nil {
			return nil, in.fail(zf.Name, "unreadable local header: %v", err)
		}
		if off < 0 || off > size || zf.CompressedSize64 > uint64(size-off) {
			return nil, in.fail(zf.Name, "its %d bytes of data at offset %d run past the end of the %d-byte file", zf.CompressedSize64, off, size)
		}
		offsets[i], order[i] = off, i
	}
	sort.Slice(order, func(a, b int) bool { return offsets[order[a]] < offsets[order[b]] })
	for k := 1; k < len(order); k++ {
		prev, next := files[order[k-1]], files[order[k]]
		if offsets[order[k]] < offsets[order[k-1]]+int64(prev.CompressedSize64) {
			return nil, in.fail(next.Name, "its data overlaps the data of %q", prev.Name)
		}
	}
	return offsets, nil
}

// pickDistInfo finds the one .dist-info folder and checks it names the same project and
// version as the file name.
func (in *inspector) pickDistInfo(found map[string]bool, name, version string) (string, error) {
	var all []string
	for d := range found {
		all = append(all, d)
	}
	sort.Strings(all)
	if len(all) != 1 {
		return "", in.fail("", "has %d top-level .dist-info folders %v; a wheel has exactly one", len(all), all)
	}
	d := all[0]
	stem := strings.TrimSuffix(d, ".dist-info")
	i := strings.LastIndex(stem, "-")
	if i < 0 || pep508.NormalizeName(stem[:i]) != pep508.NormalizeName(name) || !sameVersion(stem[i+1:], version) {
		return "", in.fail("", "folder %s does not match the file name's %s %s", d, name, version)
	}
	return d, nil
}

// readSmall returns the content of a small metadata entry.
func (in *inspector) readSmall(zr *zip.Reader, name string) ([]byte, error) {
	for _, zf := range zr.File {
		if zf.Name != name {
			continue
		}
		if zf.UncompressedSize64 > 64<<20 {
			return nil, in.fail(name, "%d bytes, too large for a metadata file", zf.UncompressedSize64)
		}
		rc, err := zf.Open()
		if err != nil {
			return nil, in.fail(name, "%v", err)
		}
		defer rc.Close()
		b, err := io.ReadAll(io.LimitReader(rc, 64<<20))
		if err != nil {
			return nil, in.fail(name, "%v", err)
		}
		return b, nil
	}
	return nil, in.fail("", "has no %s", name)
}

type recordRow struct{ hash, size string }

func (in *inspector) readRecord(zr *zip.Reader, name string) (map[string]recordRow, error) {
	b, err := in.readSmall(zr, name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows := map[string]recordRow{}
	for line := 1; ; line++ {
		row, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, in.fail(name, "unreadable CSV: %v", err)
		}
		if len(row) == 0 || row[0] == "" {
			continue
		}
		var rr recordRow
		if len(row) > 1 {
			rr.hash = row[1]
		}
		if len(row) > 2 {
			rr.size = row[2]
		}
		rows[row[0]] = rr
	}
	return rows, nil
}

func (in *inspector) readMetadata(zr *zip.Reader, m *Manifest, name, version string) error {
	meta, err := in.readSmall(zr, m.DistInfo+"/METADATA")
	if err != nil {
		return err
	}
	h := parseHeaders(meta)
	m.Name, m.Version, m.RequiresPython = h["Name"], h["Version"], h["Requires-Python"]
	if m.Name == "" || m.Version == "" {
		return in.fail(m.DistInfo+"/METADATA", "lacks Name or Version")
	}
	if pep508.NormalizeName(m.Name) != pep508.NormalizeName(name) || !sameVersion(m.Version, version) {
		return in.fail(m.DistInfo+"/METADATA", "says %s %s but the file name says %s %s", m.Name, m.Version, name, version)
	}
	wheel, err := in.readSmall(zr, m.DistInfo+"/WHEEL")
	if err != nil {
		return err
	}
	w := parseHeaders(wheel)
	if v := w["Wheel-Version"]; !strings.HasPrefix(v, "1.") {
		return in.fail(m.DistInfo+"/WHEEL", "Wheel-Version %q; only 1.x is understood", v)
	}
	switch strings.ToLower(w["Root-Is-Purelib"]) {
	case "true":
		m.RootIsPurelib = true
	case "false":
	default:
		return in.fail(m.DistInfo+"/WHEEL", "Root-Is-Purelib is %q, not true or false", w["Root-Is-Purelib"])
	}
	return nil
}

// parseHeaders reads the first value of each RFC 822 header before the first blank
// line (continuation lines are folded in), which is all METADATA and WHEEL need here.
func parseHeaders(b []byte) map[string]string {
	out := map[string]string{}
	var last string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			break
		}
		if (line[0] == ' ' || line[0] == '\t') && last != "" {
			continue // continuation of a field we keep only the first line of
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		last = k
		if _, dup := out[k]; !dup {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

// verifyEntry decompresses one entry, checking its declared size and CRC and its RECORD
// row, and reads ELF facts on the way.
func (in *inspector) verifyEntry(zf *zip.File, off int64, record map[string]recordRow) (Entry, error) {
	e := Entry{
		Name:           zf.Name,
		Method:         zf.Method,
		CRC32:          zf.CRC32,
		CompressedSize: zf.CompressedSize64,
		Size:           zf.UncompressedSize64,
		Offset:         off,
		Exec:           zf.Mode()&0o111 != 0,
	}
	isRecord := strings.HasSuffix(zf.Name, ".dist-info/RECORD") || strings.HasSuffix(zf.Name, ".dist-info/RECORD.jws") || strings.HasSuffix(zf.Name, ".dist-info/RECORD.p7s")
	row, listed := record[zf.Name]
	if !isRecord {
		if !listed {
			return e, in.fail(zf.Name, "not listed in RECORD")
		}
		if row.hash == "" {
			return e, in.fail(zf.Name, "RECORD lists it without a hash")
		}
	}
	var h hash.Hash
	var want []byte
	if !isRecord {
		var err error
		algo, digest, _ := strings.Cut(row.hash, "=")
		switch algo {
		case "sha256":
			h = sha256.New()
		case "sha384":
			h = sha512.New384()
		case "sha512":
			h = sha512.New()
		default:
			return e, in.fail(zf.Name, "RECORD hash algorithm %q is not accepted (sha256, sha384 or sha512)", algo)
		}
		want, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(digest, "="))
		if err != nil {
			return e, in.fail(zf.Name, "RECORD hash %q is not urlsafe base64", row.hash)
		}
		e.Hash = row.hash
	}

	var data io.Reader = io.NewSectionReader(in.file, off, int64(zf.CompressedSize64))
	if zf.Method == zip.Deflate {
		if in.br == nil {
			in.br = bufio.NewReaderSize(data, 64<<10)
			in.fr = flate.NewReader(in.br)
		} else {
			in.br.Reset(data)
			in.fr.(flate.Resetter).Reset(in.br, nil)
		}
		data = in.fr
	}
	crc := crc32.NewIEEE()
	sink := []io.Writer{crc}
	if h != nil {
		sink = append(sink, h)
	}
	sp := &spool{hint: zf.UncompressedSize64}
	defer sp.close()
	sink = append(sink, sp)
	// Read one byte past the declared size to tell "larger than declared" apart.
	n, err := io.CopyBuffer(io.MultiWriter(sink...), io.LimitReader(data, int64(zf.UncompressedSize64)+1), in.buf)
	if err != nil {
		return e, in.fail(zf.Name, "corrupt data: %v", err)
	}
	switch {
	case uint64(n) > zf.UncompressedSize64:
		return e, in.fail(zf.Name, "declares %d bytes but its data is larger", zf.UncompressedSize64)
	case uint64(n) < zf.UncompressedSize64:
		return e, in.fail(zf.Name, "declares %d bytes but its data is %d bytes", zf.UncompressedSize64, n)
	case crc.Sum32() != zf.CRC32:
		return e, in.fail(zf.Name, "CRC-32 %08x does not match the declared %08x", crc.Sum32(), zf.CRC32)
	}
	if h != nil {
		if !bytes.Equal(h.Sum(nil), want) {
			return e, in.fail(zf.Name, "content does not match its RECORD hash %s", row.hash)
		}
		if row.size != "" && row.size != strconv.FormatInt(n, 10) {
			return e, in.fail(zf.Name, "RECORD says %s bytes, the file has %d", row.size, n)
		}
	}
	if sp.decided && sp.isELF {
		r, err := sp.readerAt()
		if err != nil {
			return e, fmt.Errorf("inspect wheel %s: %s: %w", in.cfg.filename, zf.Name, err)
		}
		e.ELF = readELF(r)
	}
	return e, nil
}

// spool keeps an ELF entry's bytes for debug/elf, which needs random access: in memory
// up to spoolMemory, then in a temporary file, so memory stays bounded. Other entries
// are dropped as soon as their first bytes show they are not ELF.
type spool struct {
	decided, isELF bool
	hint           uint64 // expected size
	head, mem      []byte
	file           *os.File
	err            error
}

const spoolMemory = 16 << 20

func (s *spool) Write(p []byte) (int, error) {
	if !s.decided {
		k := min(len(elfMagic)-len(s.head), len(p))
		s.head = append(s.head, p[:k]...)
		switch {
		case !bytes.HasPrefix(elfMagic, s.head):
			s.decided, s.mem = true, nil
		case len(s.head) == len(elfMagic):
			s.decided, s.isELF = true, true
		}
	}
	if s.decided && !s.isELF || s.err != nil {
		return len(p), nil
	}
	if s.file == nil && len(s.mem)+len(p) > spoolMemory {
		s.file, s.err = os.CreateTemp("", "lithops-elf-*")
		if s.err == nil {
			_, s.err = s.file.Write(s.mem)
		}
		s.mem = nil
	}
	switch {
	case s.err != nil:
	case s.file != nil:
		_, s.err = s.file.Write(p)
	default:
		if s.mem == nil && s.hint <= spoolMemory {
			s.mem = make([]byte, 0, s.hint)
		}
		s.mem = append(s.mem, p...)
	}
	return len(p), nil
}

func (s *spool) readerAt() (io.ReaderAt, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.file != nil {
		return s.file, nil
	}
	return bytes.NewReader(s.mem), nil
}

func (s *spool) close() {
	if s.file != nil {
		s.file.Close()
		os.Remove(s.file.Name())
	}
}

// sameVersion reports whether two spellings name the same PEP 440 version (file names
// may spell 1.0.0 as 1.0 or use another normalization than METADATA). Unparsable
// versions must match exactly.
func sameVersion(a, b string) bool {
	va, erra := pep440.Parse(a)
	vb, errb := pep440.Parse(b)
	if erra != nil || errb != nil {
		return a == b
	}
	return va.Equal(vb)
}
