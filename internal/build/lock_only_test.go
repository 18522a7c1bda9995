package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// TestLockEqualsAssembles: the lock written alone (a container runtime's) is byte for
// byte the one Assemble writes beside the zip for the same input, exclusions included.
func TestLockEqualsAssembles(t *testing.T) {
	target := tags.Target{Python: [2]int{3, 12}, Glibc: tags.Glibc{Major: 2, Minor: 31}}
	in := fixtureInput(t, t.TempDir(), "3.7.0", target)
	in.Exclude = []string{"six"}
	in.OutDir = t.TempDir()
	if _, err := Assemble(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(in.OutDir, LockName))
	if err != nil {
		t.Fatal(err)
	}
	in.OutDir = t.TempDir()
	path, err := Lock(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, want) || !bytes.Contains(got, []byte("six")) {
		t.Errorf("Lock wrote (%v):\n%s\nAssemble wrote:\n%s", err, got, want)
	}
	if _, err := os.Stat(filepath.Join(in.OutDir, ZipName)); !os.IsNotExist(err) {
		t.Errorf("Lock wrote a zip: %v", err)
	}
}
