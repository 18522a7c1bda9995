package fcemutest

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotInBinary: fault injection and the call logs are test machinery. The binary
// links fcemu (its --local path runs the emulator) but must link no test-support
// package: neither this one nor any other internal/...test package. The imports are
// read here (go/build) rather than by `go list`, so a cached pass follows the sources.
func TestNotInBinary(t *testing.T) {
	const module = "github.com/lithops-fc/runtime-action"
	root := filepath.Join("..", "..", "..")
	linked := map[string]bool{}
	var walk func(path string)
	walk = func(path string) {
		if linked[path] {
			return
		}
		linked[path] = true
		pkg, err := build.ImportDir(filepath.Join(root, filepath.FromSlash(strings.TrimPrefix(path, module))), 0)
		if err != nil {
			t.Fatalf("read package %s: %v", path, err)
		}
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, module+"/") {
				walk(imp)
			}
		}
	}
	walk(module)
	if !linked[module+"/internal/fcemu"] {
		t.Fatalf("the binary does not link internal/fcemu: this test reads the wrong packages (%d)", len(linked))
	}
	for p := range linked {
		if strings.HasSuffix(p, "test") {
			t.Errorf("the binary links the test-support package %s", p)
		}
	}
}
