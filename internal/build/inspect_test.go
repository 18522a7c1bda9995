package build

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

func goodWheel() wheeltest.Wheel {
	return wheeltest.Wheel{
		Name: "demo-pkg", Version: "1.0",
		Files: map[string][]byte{
			"demo_pkg/__init__.py":                    []byte("X = 1\n"),
			"demo_pkg/data.json":                      []byte("{}\n"),
			"demo_pkg-1.0.data/purelib/demo_extra.py": []byte("Y = 2\n"),
			"demo_pkg-1.0.data/scripts/demo":          []byte("#!python\n"),
		},
	}
}

func TestInspectGoodWheel(t *testing.T) {
	dir := t.TempDir()
	w := goodWheel()
	p := w.MustWrite(t, dir)
	m, err := Inspect(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if m.Name != "demo-pkg" || m.Version != "1.0" || m.DistInfo != "demo_pkg-1.0.dist-info" || !m.RootIsPurelib {
		t.Errorf("manifest header %+v", m)
	}
	if got := strings.Join(m.TopLevel, ","); got != "demo_extra,demo_pkg" {
		t.Errorf("TopLevel = %s", got)
	}
	st, _ := os.Stat(p)
	if m.Size != st.Size() || len(m.SHA256) != 64 {
		t.Errorf("size %d sha %q", m.Size, m.SHA256)
	}
	names := map[string]Entry{}
	for _, e := range m.Entries {
		names[e.Name] = e
	}
	if e := names["demo_pkg-1.0.data/scripts/demo"]; !e.Exec || !strings.HasPrefix(e.Hash, "sha256=") {
		t.Errorf("script entry %+v", e)
	}
	if _, ok := names["demo_pkg-1.0.dist-info/RECORD"]; !ok {
		t.Error("RECORD entry missing from manifest")
	}
	// Platlib wheels are read too.
	w.Platlib, w.Tag = true, "cp310-cp310-manylinux_2_17_x86_64"
	if m, err := Inspect(context.Background(), w.MustWrite(t, t.TempDir())); err != nil || m.RootIsPurelib {
		t.Errorf("platlib wheel: %v, RootIsPurelib %v", err, m != nil && m.RootIsPurelib)
	}
}

// TestInspectHostile builds one hostile wheel per case and checks the error names the
// wheel, the entry and the problem.
func TestInspectHostile(t *testing.T) {
	const file = "demo_pkg-1.0-py3-none-any.whl"
	rename := func(w wheeltest.Wheel) wheeltest.Wheel { w.Metadata.Name = "other-pkg"; return w }
	reversion := func(w wheeltest.Wheel) wheeltest.Wheel { w.Metadata.PackageVersion = "2.0"; return w }
	unknownData := func(w wheeltest.Wheel) wheeltest.Wheel {
		w.Files = map[string][]byte{"demo_pkg-1.0.data/lib/x.py": []byte("x\n")}
		return w
	}
	tests := []struct {
		name   string
		edit   func(wheeltest.Wheel) wheeltest.Wheel
		opts   []wheeltest.Option
		limits Limits
		want   []string // substrings of the error
	}{
		{"absolute path", nil, []wheeltest.Option{wheeltest.WithEntry("/etc/cron.d/x", []byte("x"))}, Limits{}, []string{file, `entry "/etc/cron.d/x"`, "absolute path"}},
		{"dotdot", nil, []wheeltest.Option{wheeltest.WithEntry("demo_pkg/../../evil.py", []byte("x"))}, Limits{}, []string{`entry "demo_pkg/../../evil.py"`, `path contains ".."`}},
		{"backslash", nil, []wheeltest.Option{wheeltest.WithEntry(`demo_pkg\evil.py`, []byte("x"))}, Limits{}, []string{"backslash"}},
		{"symlink", nil, []wheeltest.Option{wheeltest.WithSymlink("demo_pkg/link", "/etc/passwd")}, Limits{}, []string{`entry "demo_pkg/link"`, "symbolic link"}},
		{"duplicate", nil, []wheeltest.Option{wheeltest.WithDuplicate("demo_pkg/__init__.py", []byte("evil\n"))}, Limits{}, []string{`entry "demo_pkg/__init__.py"`, "duplicate name"}},
		{"size larger than declared", nil, []wheeltest.Option{wheeltest.WithLyingSize("demo_pkg/__init__.py", 2)}, Limits{}, []string{`entry "demo_pkg/__init__.py"`, "declares 2 bytes but its data is larger"}},
		{"size smaller than declared", nil, []wheeltest.Option{wheeltest.WithLyingSize("demo_pkg/__init__.py", 1000)}, Limits{}, []string{"declares 1000 bytes but its data is 6 bytes"}},
		{"zip bomb", nil, []wheeltest.Option{wheeltest.WithZipBomb("demo_pkg/zeros.bin", 32<<20)}, Limits{MaxEntries: 100, MaxUncompressed: 16 << 20}, []string{file, "more than 16777216 bytes uncompressed", "zip bomb"}},
		{"lying bomb", nil, []wheeltest.Option{wheeltest.WithZipBomb("demo_pkg/zeros.bin", 8<<20), wheeltest.WithLyingSize("demo_pkg/zeros.bin", 10)}, Limits{}, []string{`entry "demo_pkg/zeros.bin"`, "declares 10 bytes but its data is larger"}},
		{"too many entries", nil, nil, Limits{MaxEntries: 3, MaxUncompressed: 1 << 20}, []string{"entries, more than the limit of 3"}},
		{"record hash", nil, []wheeltest.Option{wheeltest.WithRecordHash("demo_pkg/data.json", "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,3")}, Limits{}, []string{`entry "demo_pkg/data.json"`, "does not match its RECORD hash"}},
		{"record size", nil, []wheeltest.Option{wheeltest.WithRecordHash("demo_pkg/data.json", "sha256=yj0WO6sFU4GCciYUBWjzvvfqrBh869doeOC2Pp5EI1Y,99")}, Limits{}, []string{"RECORD says 99 bytes, the file has 3"}},
		{"record md5", nil, []wheeltest.Option{wheeltest.WithRecordHash("demo_pkg/data.json", "md5=AAAA,3")}, Limits{}, []string{`hash algorithm "md5" is not accepted`}},
		{"not in record", nil, []wheeltest.Option{wheeltest.WithoutRecordRow("demo_pkg/data.json")}, Limits{}, []string{`entry "demo_pkg/data.json"`, "not listed in RECORD"}},
		{"no record", nil, []wheeltest.Option{wheeltest.WithoutFile("demo_pkg-1.0.dist-info/RECORD")}, Limits{}, []string{"has no demo_pkg-1.0.dist-info/RECORD"}},
		{"no WHEEL", nil, []wheeltest.Option{wheeltest.WithoutFile("demo_pkg-1.0.dist-info/WHEEL")}, Limits{}, []string{"has no demo_pkg-1.0.dist-info/WHEEL"}},
		{"metadata name", rename, nil, Limits{}, []string{"METADATA", "says other-pkg 1.0 but the file name says demo_pkg 1.0"}},
		{"metadata version", reversion, nil, Limits{}, []string{"says demo-pkg 2.0 but the file name says demo_pkg 1.0"}},
		{"second dist-info", nil, []wheeltest.Option{wheeltest.WithEntry("other-2.0.dist-info/METADATA", []byte("Name: other\n"))}, Limits{}, []string{"2 top-level .dist-info folders"}},
		{"unknown data kind", unknownData, nil, Limits{}, []string{`entry "demo_pkg-1.0.data/lib/x.py"`, `unknown .data kind "lib"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := goodWheel()
			if tt.edit != nil {
				w = tt.edit(w)
			}
			p := w.MustWrite(t, t.TempDir(), tt.opts...)
			limits := DefaultLimits
			if tt.limits != (Limits{}) {
				limits = tt.limits
			}
			_, err := Inspect(context.Background(), p, WithLimits(limits))
			var we *WheelError
			if !errors.As(err, &we) {
				t.Fatalf("Inspect error = %v, want a *WheelError", err)
			}
			for _, s := range append(tt.want, "refusing this wheel") {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
		})
	}
	t.Run("file name", func(t *testing.T) {
		p := goodWheel().MustWrite(t, t.TempDir())
		_, err := Inspect(context.Background(), p, WithFilename("demo_pkg-1.0.whl"))
		if err == nil || !strings.Contains(err.Error(), "invalid wheel file name \"demo_pkg-1.0.whl\": wrong number of parts") {
			t.Errorf("err = %v", err)
		}
		q := filepath.Join(filepath.Dir(p), "cache-blob")
		os.Rename(p, q)
		if _, err := Inspect(context.Background(), q, WithFilename(filepath.Base(p))); err != nil {
			t.Errorf("content-addressed path with WithFilename: %v", err)
		}
	})
	t.Run("not a zip", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), file)
		os.WriteFile(p, []byte("PK not really"), 0o644)
		if _, err := Inspect(context.Background(), p); err == nil || !strings.Contains(err.Error(), "not a readable zip archive") {
			t.Errorf("err = %v", err)
		}
	})
}

// withCompressedSize makes the central directory of the wheel b declare size bytes of
// compressed data for the entry name (wheeltest writes no zip64 records, and the
// central directory is what readers believe).
func withCompressedSize(t *testing.T, b []byte, name string, size uint32) []byte {
	t.Helper()
	b = bytes.Clone(b)
	for i := 0; ; i++ {
		j := bytes.Index(b[i:], []byte("PK\x01\x02"))
		if j < 0 {
			t.Fatalf("no central directory header for %s", name)
		}
		i += j
		n := int(binary.LittleEndian.Uint16(b[i+28:]))
		if string(b[i+46:i+46+n]) == name {
			binary.LittleEndian.PutUint32(b[i+20:], size)
			return b
		}
	}
}

// TestInspectDataRange checks that Inspect refuses entries whose declared compressed
// data does not lie in the file on its own. Before the check, a deflated entry whose
// size runs past the end of the file or over the next entry inflated fine, and was
// accepted: Assemble then failed late on a short copy, or copied the next entry's
// bytes into the package.
func TestInspectDataRange(t *testing.T) {
	good := goodWheel().MustBytes(t)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	// The entry whose data comes last in the file, and another one.
	var last, inner *zip.File
	var lastOff int64 = -1
	for _, zf := range zr.File {
		off, _ := zf.DataOffset()
		if off > lastOff {
			last, lastOff = zf, off
		}
	}
	for _, zf := range zr.File {
		if zf != last && !strings.HasSuffix(zf.Name, "/") && !strings.HasSuffix(zf.Name, "/RECORD") && !strings.HasSuffix(zf.Name, "/METADATA") && !strings.HasSuffix(zf.Name, "/WHEEL") {
			inner = zf
			break
		}
	}
	tests := []struct {
		name  string
		entry *zip.File
		size  uint32
		want  string
	}{
		{"past the end", last, uint32(len(good)), "run past the end of the"},
		{"over the next entry", inner, uint32(inner.CompressedSize64) + 200, "overlaps the data of"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "demo_pkg-1.0-py3-none-any.whl")
			os.WriteFile(p, withCompressedSize(t, good, tt.entry.Name, tt.size), 0o644)
			_, err := Inspect(context.Background(), p)
			var we *WheelError
			if !errors.As(err, &we) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Inspect error = %v, want a *WheelError saying %q", err, tt.want)
			}
		})
	}
}

// TestInspectSizeWrap gives an entry a declared size that wraps the uint64 total of the
// declared sizes around: the bomb limit must still see it. (Before, the total wrapped
// to a small number, and the wheel was refused later, for a misleading reason.)
func TestInspectSizeWrap(t *testing.T) {
	good := goodWheel().MustBytes(t)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	files := 0
	for _, zf := range zr.File {
		if !strings.HasSuffix(zf.Name, "/") {
			if files++; files == 2 { // after a file with some bytes
				zf.UncompressedSize64 = math.MaxUint64
			}
		}
		if err := zw.Copy(zf); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "demo_pkg-1.0-py3-none-any.whl")
	os.WriteFile(p, out.Bytes(), 0o644)
	_, err = Inspect(context.Background(), p)
	if err == nil || !strings.Contains(err.Error(), "more than 4294967296 bytes uncompressed") {
		t.Errorf("Inspect error = %v, want the uncompressed-size limit", err)
	}
}

func TestManifestCache(t *testing.T) {
	dir := t.TempDir()
	p := goodWheel().MustWrite(t, dir)
	m, err := Inspect(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	c := ManifestCache{Dir: filepath.Join(dir, "manifests")}
	m1, err := c.Inspect(context.Background(), p, m.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	cached := filepath.Join(c.Dir, m.SHA256+".manifest.json")
	if _, err := os.Stat(cached); err != nil {
		t.Fatalf("no cached manifest: %v", err)
	}
	// A second call must come from the cache: make the wheel unreadable as a zip but
	// keep its size, and the cached manifest is still returned.
	b, _ := os.ReadFile(p)
	os.WriteFile(p, make([]byte, len(b)), 0o644)
	m2, err := c.Inspect(context.Background(), p, m.SHA256)
	if err != nil || m2.SHA256 != m1.SHA256 || len(m2.Entries) != len(m1.Entries) {
		t.Errorf("cached Inspect: %v", err)
	}
	if _, err := c.Inspect(context.Background(), p, strings.Repeat("0", 64)); err == nil {
		t.Error("a wrong sha256 was accepted")
	}
}

func TestSameVersion(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{{"1.0", "1.0.0", true}, {"1.0", "1.0.1", false}, {"2.0rc1", "2.0RC1", true}, {"1.0.post1", "1.0-1", true}, {"weird", "weird", true}, {"weird", "Weird", false}}
	for _, tt := range tests {
		if got := sameVersion(tt.a, tt.b); got != tt.want {
			t.Errorf("sameVersion(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}
