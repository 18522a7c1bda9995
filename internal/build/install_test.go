package build

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

func TestInstalled(t *testing.T) {
	w := goodWheel()
	w.Files["demo_pkg/__pycache__/x.cpython-312.pyc"] = []byte("bytecode")
	w.Files["demo_pkg-1.0.data/platlib/demo_native.py"] = []byte("Z = 3\n")
	w.Files["demo_pkg-1.0.data/headers/demo.h"] = []byte("int x;\n")
	w.Files["bin/tool"] = []byte("#!/bin/sh\n")
	w.Files["demo_pkg/big.bin"] = bytes.Repeat([]byte("0123456789"), 100_000) // deflated in the wheel
	p := w.MustWrite(t, t.TempDir())
	m, err := Inspect(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	files, err := m.Installed()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]string{}
	var paths []string
	for _, inst := range files {
		rc := inst.Open(f)
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", inst.Path, err)
		}
		if int64(len(b)) != inst.Size() {
			t.Errorf("%s: %d bytes, Size %d", inst.Path, len(b), inst.Size())
		}
		got[inst.Path] = string(b)
		paths = append(paths, inst.Path)
	}
	want := []string{"demo_pkg/__init__.py", "demo_pkg/data.json", "demo_extra.py", "demo_native.py", "demo_pkg/big.bin",
		"demo_pkg-1.0.dist-info/METADATA", "demo_pkg-1.0.dist-info/WHEEL", "demo_pkg-1.0.dist-info/RECORD"}
	for _, p := range want {
		if _, ok := got[p]; !ok {
			t.Errorf("%s not installed; installed %v", p, paths)
		}
	}
	for _, p := range paths {
		if strings.Contains(p, "__pycache__") || strings.HasPrefix(p, "bin/") || strings.HasSuffix(p, ".h") || strings.Contains(p, "scripts") {
			t.Errorf("%s installed; layout.go drops it", p)
		}
	}
	if paths[len(paths)-1] != "demo_pkg-1.0.dist-info/RECORD" {
		t.Errorf("RECORD is not last: %v", paths)
	}
	if got["demo_pkg/big.bin"] != string(w.Files["demo_pkg/big.bin"]) || got["demo_extra.py"] != "Y = 2\n" {
		t.Error("installed content differs from the wheel's")
	}
	record := got["demo_pkg-1.0.dist-info/RECORD"]
	for _, line := range []string{"demo_extra.py,sha256=", "demo_pkg-1.0.dist-info/RECORD,,\r\n"} {
		if !strings.Contains(record, line) {
			t.Errorf("RECORD lacks %q:\n%s", line, record)
		}
	}
	if strings.Contains(record, ".data/") || strings.Contains(record, "__pycache__") {
		t.Errorf("RECORD lists files at their wheel paths:\n%s", record)
	}
}

// TestEntryOpenChangedWheel: bytes that changed after Inspect fail the read instead of
// being installed.
func TestEntryOpenChangedWheel(t *testing.T) {
	w := wheeltest.Wheel{Name: "demo", Version: "1.0", Files: map[string][]byte{"demo/a.txt": []byte(strings.Repeat("a", 4096))}}
	p := w.MustWrite(t, t.TempDir())
	m, err := Inspect(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	var e *Entry
	for i := range m.Entries {
		if m.Entries[i].Name == "demo/a.txt" {
			e = &m.Entries[i]
		}
	}
	data, _ := os.ReadFile(p)
	for _, tc := range []struct {
		name string
		edit func(e Entry) Entry
	}{
		{"crc", func(e Entry) Entry { e.CRC32 ^= 1; return e }},
		{"shorter", func(e Entry) Entry { e.Size--; return e }},
		{"longer", func(e Entry) Entry { e.Size++; return e }},
	} {
		changed := tc.edit(*e)
		_, err := io.ReadAll(changed.Open(bytes.NewReader(data)))
		if !errors.Is(err, errChanged) || !strings.Contains(err.Error(), "demo/a.txt") {
			t.Errorf("%s: read error %v, want one naming the entry and saying the wheel changed", tc.name, err)
		}
	}
}

func TestLithopsVersion(t *testing.T) {
	p := wheeltest.Lithops("3.7.0").MustWrite(t, t.TempDir())
	m, err := Inspect(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(p)
	defer f.Close()
	if v, err := LithopsVersion(f, m); v != "3.7.0" || err != nil {
		t.Errorf("LithopsVersion = %q, %v", v, err)
	}
	other := goodWheel().MustWrite(t, t.TempDir())
	mo, _ := Inspect(context.Background(), other)
	fo, _ := os.Open(other)
	defer fo.Close()
	if _, err := LithopsVersion(fo, mo); err == nil || !strings.Contains(err.Error(), "not a lithops wheel") {
		t.Errorf("LithopsVersion of another wheel: %v", err)
	}
}
