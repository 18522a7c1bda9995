package workspace

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestRoot(t *testing.T) {
	ws := t.TempDir()
	outside := t.TempDir()
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(ws, "requirements.txt"), "six\n")
	write(filepath.Join(ws, "sub", "more.txt"), "attrs\n")
	write(filepath.Join(outside, "secret.txt"), "TOP-SECRET\n")
	links := map[string]string{
		"inside-link.txt": "sub/more.txt",                                 // relative, inside: followed
		"escape-link.txt": filepath.Join(outside, "secret.txt"),           // absolute, outside
		"rel-escape.txt":  "../" + filepath.Base(outside) + "/secret.txt", // relative, outside
		"abs-inside.txt":  filepath.Join(ws, "requirements.txt"),          // absolute: os.Root refuses it
		"proc.txt":        "/proc/self/environ",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(ws, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(ws, "fifo.txt"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := New(ws)
	tests := []struct {
		path string
		want error // nil: readable
	}{
		{"requirements.txt", nil},
		{filepath.Join(ws, "sub", "more.txt"), nil},
		{"inside-link.txt", nil},
		{"sub/../requirements.txt", nil},
		{"../" + filepath.Base(outside) + "/secret.txt", ErrOutside},
		{filepath.Join(outside, "secret.txt"), ErrOutside},
		{"/proc/self/environ", ErrOutside},
		{"/etc/passwd", ErrOutside},
		{"escape-link.txt", ErrOutside},
		{"rel-escape.txt", ErrOutside},
		{"abs-inside.txt", ErrOutside},
		{"proc.txt", ErrOutside},
		{"fifo.txt", ErrNotRegular},
		{"sub", ErrNotRegular}, // a folder is not a file to open
		{"missing.txt", os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			done := make(chan struct{})
			var data []byte
			var err error
			go func() {
				defer close(done)
				var f *os.File
				if f, err = r.Open(tt.path); err == nil {
					data, err = io.ReadAll(f)
					f.Close()
				}
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Open blocked (a FIFO waiting for a writer?)")
			}
			if tt.want == nil {
				if err != nil || len(data) == 0 {
					t.Fatalf("Open: %v, %q", err, data)
				}
				return
			}
			var we *Error
			if !errors.Is(err, tt.want) || !errors.As(err, &we) {
				t.Fatalf("Open: %v, want %v", err, tt.want)
			}
			if strings.Contains(err.Error(), "TOP-SECRET") || strings.Contains(err.Error(), "PATH=") {
				t.Errorf("the error shows the file: %v", err)
			}
		})
	}
	if _, err := r.ReadDir("sub"); err != nil {
		t.Errorf("ReadDir(sub): %v", err)
	}
	if _, err := r.ReadDir(outside); !errors.Is(err, ErrOutside) {
		t.Errorf("ReadDir(outside): %v", err)
	}
	if _, err := r.ReadDir("requirements.txt"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadDir(a file): %v", err)
	}
}

// The zero Root confines nothing but still refuses what is not a regular file.
func TestZeroRoot(t *testing.T) {
	var r Root
	f, err := r.Open("/etc/hostname")
	if err != nil {
		t.Skipf("no /etc/hostname: %v", err)
	}
	f.Close()
	if _, err := r.Open("/dev/null"); !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), "device") {
		t.Errorf("Open(/dev/null): %v", err)
	}
}
