package wheeltest

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Python returns the path of the local CPython major.minor ("3.12") interpreter, from
// $PYENV_ROOT (default ~/.pyenv) versions/X.Y.*/bin/python3. A missing interpreter skips
// the test with a message naming it: such a skip is loud, never silent.
func Python(t testing.TB, version string) string {
	t.Helper()
	root := os.Getenv("PYENV_ROOT")
	if root == "" {
		home, _ := os.UserHomeDir()
		root = filepath.Join(home, ".pyenv")
	}
	matches, _ := filepath.Glob(filepath.Join(root, "versions", version+".*", "bin", "python3"))
	// "3.1.*" must not pick up 3.10: keep exact major.minor matches only.
	var exact []string
	for _, m := range matches {
		v := filepath.Base(filepath.Dir(filepath.Dir(m)))
		if strings.Count(v, ".") == 2 && v[:strings.LastIndex(v, ".")] == version {
			exact = append(exact, m)
		}
	}
	if len(exact) == 0 {
		t.Skipf("SKIPPED: CPython %s is not installed under %s/versions (want %s.*/bin/python3); install it to run this test", version, root, version)
	}
	sort.Strings(exact)
	return exact[len(exact)-1]
}

// Extract unpacks the zip file at path into dir as an installer would (regular files
// only; it fails on anything but a clean relative path), for tests that run the result.
func Extract(t testing.TB, path, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatalf("wheeltest: open %s: %v", path, err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, "/") {
			continue
		}
		if !filepath.IsLocal(f.Name) {
			t.Fatalf("wheeltest: %s: entry %q is not a local path", path, f.Name)
		}
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("wheeltest: %s: %s: %v", path, f.Name, err)
		}
		out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, f.Mode().Perm()|0o600)
		if err != nil {
			rc.Close()
			t.Fatalf("wheeltest: %s: %v", path, err)
		}
		_, err = io.Copy(out, rc)
		rc.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatalf("wheeltest: %s: %s: %v", path, f.Name, err)
		}
	}
}

// PreinstalledDir unpacks FCPreinstalled(runtime) into a folder for the test, the way
// FC has them installed, and returns it (for fcemu.WithPreinstalled or sys.path).
func PreinstalledDir(t testing.TB, runtime string) string {
	t.Helper()
	wheels, dir := t.TempDir(), t.TempDir()
	for _, w := range FCPreinstalled(runtime) {
		Extract(t, w.MustWrite(t, wheels), dir)
	}
	return dir
}
