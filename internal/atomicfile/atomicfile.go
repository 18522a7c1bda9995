// Package atomicfile writes files so that readers, including other processes sharing a
// cache or a state folder, see either the old file or the whole new one: content goes
// to a temporary file in the same folder, which is then renamed over the target.
package atomicfile

import (
	"io"
	"os"
	"path/filepath"
)

// Write creates path's folder if needed and writes path with write, atomically. The
// file gets mode 0644 (CreateTemp's 0600 would surprise later readers).
func Write(path string, write func(io.Writer) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op after the rename
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// WriteFile writes data to path atomically.
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}
