package imagetest

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// Describe writes w into dir and describes it as the resolver hands wheels over.
func Describe(t testing.TB, dir string, w wheeltest.Wheel, opts ...wheeltest.Option) build.Wheel {
	t.Helper()
	p := w.MustWrite(t, dir, opts...)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return build.Wheel{Name: w.Name, Version: pep440.MustParse(w.Version), Path: p, SHA256: hex.EncodeToString(sum[:]), Tag: w.FirstTag()}
}

// DescribeAll describes every wheel.
func DescribeAll(t testing.TB, dir string, ws []wheeltest.Wheel) []build.Wheel {
	t.Helper()
	var out []build.Wheel
	for _, w := range ws {
		out = append(out, Describe(t, dir, w))
	}
	return out
}

// SharedObject compiles C source into an x86_64 shared object with gcc, or skips the
// test (loudly) without gcc. Objects linked against newer glibc symbols need this
// machine's glibc to have them.
func SharedObject(t testing.TB, src string) []byte {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("SKIPPED: gcc is not installed; the glibc tests build their objects with it")
	}
	dir := t.TempDir()
	c, out := filepath.Join(dir, "x.c"), filepath.Join(dir, "x.so")
	if err := os.WriteFile(c, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("gcc", "-shared", "-fPIC", "-o", out, c).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: gcc cannot build the test object here: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Sources of shared objects needing symbols of known glibc releases.
const (
	SrcGlibc234 = "#include <unistd.h>\nvoid tidy(void) { closefrom(3); }\n" // closefrom: GLIBC_2.34
	SrcOld      = "#include <string.h>\nvoid copy(char *d, const char *s, unsigned long n) { memcpy(d, s, n); }\n"
)
