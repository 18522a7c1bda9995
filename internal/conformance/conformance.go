// Package conformance locates the shared conformance corpora (../shared/conformance
// beside the project root) for table tests, and holds the one list of cases the
// project does not run. The corpora are read in place, never copied.
package conformance

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the corpus folder: $CONFORMANCE_DIR if set, else ../shared/conformance
// relative to the module root. A missing folder fails the test: the corpora are
// required. Only where they cannot exist (the public GitHub CI, which has no ../shared)
// does CONFORMANCE_OPTIONAL=1 turn that into a skip that names the folder.
func Dir(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("CONFORMANCE_DIR"); d != "" {
		return d
	}
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	d := filepath.Join(root, "..", "shared", "conformance")
	if _, err := os.Stat(d); err != nil {
		if os.Getenv("CONFORMANCE_OPTIONAL") == "1" {
			t.Skipf("SKIPPED: conformance corpora not found at %s (CONFORMANCE_OPTIONAL=1)", d)
		}
		t.Fatalf("conformance corpora not found at %s (set CONFORMANCE_DIR): %v", d, err)
	}
	return d
}

// Load decodes the named corpus file (for example "pep440_vectors.json") into v.
func Load(t testing.TB, name string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(Dir(t), name))
	if err != nil {
		t.Fatalf("conformance: %v", err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("conformance: decode %s: %v", name, err)
	}
}

// skips lists every conformance case the project does not run, keyed by
// "file/section/case" (the corpus file without .json), with the reason. The corpora
// ask for one such list for the whole project; it is empty: every case runs.
var skips = map[string]string{}

// Skipped reports whether the case id (like "pep440_vectors/compare/17") is listed
// as not run, logging the reason.
func Skipped(t testing.TB, id string) bool {
	t.Helper()
	if reason, ok := skips[id]; ok {
		t.Logf("skip %s: %s", id, reason)
		return true
	}
	return false
}

// moduleRoot walks up from the working directory to the folder holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
