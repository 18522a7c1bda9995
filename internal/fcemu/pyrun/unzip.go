package pyrun

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// extractZip writes the archive's entries under dest. Entries that would land outside
// dest (absolute paths, "..", links pointing out) are refused rather than skipped: FC
// would not run such a package as its author meant either.
func extractZip(data []byte, dest string) error {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return fmt.Errorf("read zip: %w", err)
	}
	for _, f := range zr.File {
		name := f.Name
		if strings.Contains(name, `\`) || path.IsAbs(name) || !fs.ValidPath(strings.TrimSuffix(name, "/")) {
			return fmt.Errorf("zip entry %q: unsafe path", name)
		}
		target := filepath.Join(dest, filepath.FromSlash(name))
		mode := f.Mode()
		switch {
		case mode.IsDir():
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case mode&fs.ModeSymlink != 0:
			if err := extractLink(f, dest, target); err != nil {
				return err
			}
		default:
			if err := extractFile(f, target, mode); err != nil {
				return err
			}
		}
	}
	return nil
}

func extractFile(f *zip.File, target string, mode fs.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("zip entry %q: %w", f.Name, err)
	}
	defer rc.Close()
	perm := fs.FileMode(0o644)
	if mode&0o111 != 0 {
		perm = 0o755
	}
	out, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, rc); err != nil {
		out.Close()
		return fmt.Errorf("zip entry %q: %w", f.Name, err)
	}
	return out.Close()
}

func extractLink(f *zip.File, dest, target string) error {
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("zip entry %q: %w", f.Name, err)
	}
	link, err := io.ReadAll(io.LimitReader(rc, 4096))
	rc.Close()
	if err != nil {
		return fmt.Errorf("zip entry %q: %w", f.Name, err)
	}
	to := string(link)
	resolved := filepath.Join(filepath.Dir(target), filepath.FromSlash(to))
	if filepath.IsAbs(to) || !strings.HasPrefix(resolved, dest+string(filepath.Separator)) {
		return fmt.Errorf("zip entry %q: link to %q leaves the package", f.Name, to)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return os.Symlink(to, target)
}

// Extract unpacks zipData into dest as FC unpacks a function's code (regular files and
// links inside dest only), for folders the emulator puts on a handler's path.
func Extract(zipData []byte, dest string) error { return extractZip(zipData, dest) }
