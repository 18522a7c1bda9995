package pyrun

import (
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, body string
	mode       fs.FileMode
}

func zipOf(t *testing.T, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestUnpack(t *testing.T) {
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	data := zipOf(t,
		entry{name: "pkg/", mode: fs.ModeDir | 0o755},
		entry{name: "pkg/__init__.py", body: "X = 1\n"},
		entry{name: "bin/tool", body: "#!/bin/sh\n", mode: 0o755},
		entry{name: "link", body: "pkg/__init__.py", mode: fs.ModeSymlink | 0o777},
	)
	dir, err := r.Unpack("123", data)
	if err != nil {
		t.Fatalf("Unpack: %v", err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "pkg", "__init__.py")); err != nil || string(b) != "X = 1\n" {
		t.Errorf("pkg/__init__.py = %q, %v", b, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "bin", "tool")); err != nil || fi.Mode()&0o100 == 0 {
		t.Errorf("bin/tool lost its executable bit: %v %v", fi, err)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "link")); err != nil || string(b) != "X = 1\n" {
		t.Errorf("link does not resolve: %q, %v", b, err)
	}
	// Once per key: a second call with other bytes reuses the folder.
	again, err := r.Unpack("123", zipOf(t, entry{name: "other.py"}))
	if err != nil || again != dir {
		t.Errorf("second Unpack = %s, %v; want %s", again, err, dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "other.py")); err == nil {
		t.Error("the second Unpack rewrote the cached code")
	}
}

func TestUnpackRefusesEscapes(t *testing.T) {
	r, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"dot-dot":       zipOf(t, entry{name: "../evil.py", body: "x"}),
		"absolute":      zipOf(t, entry{name: "/etc/evil", body: "x"}),
		"backslash":     zipOf(t, entry{name: `..\evil`, body: "x"}),
		"outbound link": zipOf(t, entry{name: "l", body: "../../etc/passwd", mode: fs.ModeSymlink | 0o777}),
		"not a zip":     []byte("PK nope"),
	} {
		if dir, err := r.Unpack(name, data); err == nil {
			t.Errorf("%s: unpacked to %s, want a refusal", name, dir)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(r.dir, "code"))
	for _, e := range entries {
		t.Errorf("a refused package left %s behind", e.Name())
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 10}
	for _, s := range []string{"0123456789", "abcdefghij", "XYZ"} {
		b.Write([]byte(s))
	}
	if got := string(b.bytes()); got != "defghijXYZ" {
		t.Errorf("tail = %q, want the last 10 bytes", got)
	}
}

func TestDiscoverPicksNewestPatch(t *testing.T) {
	root := t.TempDir()
	for _, v := range []string{"3.10.2", "3.10.11", "3.10-dev", "3.1.4", "3.12.0"} {
		bin := filepath.Join(root, "versions", v, "bin")
		if err := os.MkdirAll(bin, 0o755); err != nil {
			t.Fatal(err)
		}
		major := v[:strings.LastIndex(v, ".")]
		if strings.HasSuffix(v, "-dev") {
			major = "3.10"
		}
		if err := os.WriteFile(filepath.Join(bin, "python"+major), nil, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("PYENV_ROOT", root)
	t.Setenv("PATH", t.TempDir()) // nothing on PATH
	got := Discover([]string{"3.10", "3.1", "3.12", "3.9"})
	want := map[string]string{
		"3.10": filepath.Join(root, "versions", "3.10.11", "bin", "python3.10"),
		"3.1":  filepath.Join(root, "versions", "3.1.4", "bin", "python3.1"),
		"3.12": filepath.Join(root, "versions", "3.12.0", "bin", "python3.12"),
	}
	if len(got) != len(want) {
		t.Errorf("Discover = %v, want %v", got, want)
	}
	for v, p := range want {
		if got[v] != p {
			t.Errorf("Discover[%s] = %q, want %q", v, got[v], p)
		}
	}
}
