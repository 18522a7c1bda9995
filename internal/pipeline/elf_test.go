package pipeline_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// sharedObject builds a shared object that needs GLIBC_2.34 (closefrom), or skips the
// test, loudly, without gcc.
func sharedObject(t *testing.T) []byte {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("SKIPPED: gcc is not installed; this test builds its shared object with it")
	}
	dir := t.TempDir()
	src, out := filepath.Join(dir, "fast.c"), filepath.Join(dir, "libfast.so")
	if err := os.WriteFile(src, []byte("#include <unistd.h>\nvoid tidy(void) { closefrom(3); }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := exec.Command("gcc", "-shared", "-fPIC", "-o", out, src).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: gcc cannot build a GLIBC_2.34 object here: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A wheel whose tag claims manylinux2014 but whose shared object needs glibc 2.34 is the
// classic "GLIBC_2.34 not found" on FC. The ELF check must stop the run before anything
// reaches FC, naming the distribution, the file, the version and the limit. A platform
// input that would allow 2.34 is refused before anything is resolved: no FC runtime has
// that glibc.
func TestTooNewGlibcStopsTheDeploy(t *testing.T) {
	so := sharedObject(t)
	liar := wheeltest.Wheel{
		Name: "fastlib", Version: "1.0.0", Tag: "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64", Platlib: true,
		Files: map[string][]byte{"fastlib/__init__.py": []byte("VERSION = '1.0.0'\n"), "fastlib/libfast.so": so},
	}
	v := startEmulator(t, fc3)
	a := newAction(t, fc3, v, "fastlib\n", liar)
	r := a.run(t.Context())
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1; log:\n%s", r.code, r.log)
	}
	for _, want := range []string{"fastlib", "fastlib/libfast.so", "GLIBC_2.34", "2.31"} {
		if !strings.Contains(errorsOf(r.log), want) {
			t.Errorf("error does not name %q:\n%s", want, errorsOf(r.log))
		}
	}
	for _, c := range v.Probe.Calls() {
		if c.API == fcemu.APIFC3 || c.API == fcemu.APIOSS || c.API == fcemu.APIFC2 {
			t.Errorf("the emulator saw %s %s: nothing may reach FC or OSS after a failed ELF check", c.Op, c.Resource)
		}
	}

	a.inputs["dry-run"] = "true"
	a.inputs["platform"] = "manylinux_2_34"
	r = a.run(t.Context())
	if r.code != 1 || strings.Contains(r.log, "::group::resolve") {
		t.Fatalf("with platform manylinux_2_34: exit code %d, want 1 before resolving; log:\n%s", r.code, r.log)
	}
	if errs := errorsOf(r.log); !strings.Contains(errs, "platform") || !strings.Contains(errs, "2.34") || !strings.Contains(errs, "2.31") {
		t.Errorf("the error does not name the input and both glibc versions:\n%s", errs)
	}
}
