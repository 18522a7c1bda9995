package build

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// gcc compiles C source with args, or skips the test (loudly) without gcc.
func gcc(t testing.TB, src string, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("SKIPPED: gcc is not installed; the ELF tests build their objects with it")
	}
	dir := t.TempDir()
	c, out := filepath.Join(dir, "x.c"), filepath.Join(dir, "x.out")
	os.WriteFile(c, []byte(src), 0o644)
	cmd := exec.Command("gcc", append(append([]string{}, args...), "-o", out, c)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: gcc %v cannot build the test object here: %v\n%s", args, err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Objects linked against symbols of known glibc releases (this machine's glibc must be
// at least 2.36 to link them).
const (
	srcOld      = "#include <string.h>\nvoid copy(char *d, const char *s, unsigned long n) { memcpy(d, s, n); }\n"
	srcGlibc234 = "#include <unistd.h>\nvoid tidy(void) { closefrom(3); }\n"                // closefrom: GLIBC_2.34
	srcGlibc236 = "#include <stdlib.h>\nunsigned int pick(void) { return arc4random(); }\n" // arc4random: GLIBC_2.36
)

func TestReadELF(t *testing.T) {
	shared := []string{"-shared", "-fPIC"}
	old := gcc(t, srcOld, shared...)
	new234 := gcc(t, srcGlibc234, shared...)
	new236 := gcc(t, srcGlibc236, shared...)
	aarch64 := bytes.Clone(old)
	binary.LittleEndian.PutUint16(aarch64[18:], 183) // e_machine = EM_AARCH64
	m32 := gcc(t, "int f(void) { return 1; }\n", "-m32", "-c", "-fPIC")

	tests := []struct {
		name  string
		elf   []byte
		limit tags.Glibc
		want  []string // problems, as substrings; none = loads
	}{
		{"old symbols on 2.17", old, tags.Glibc{Major: 2, Minor: 17}, nil},
		{"2.34 symbol on 2.34", new234, tags.Glibc{Major: 2, Minor: 34}, nil},
		{"2.34 symbol on 2.31", new234, tags.Glibc{Major: 2, Minor: 31}, []string{"requires GLIBC_2.34 (glibc 2.34), newer than the target's glibc 2.31"}},
		{"2.36 symbol on 2.34", new236, tags.Glibc{Major: 2, Minor: 34}, []string{"requires GLIBC_2.36"}},
		{"aarch64 header", aarch64, tags.Glibc{Major: 2, Minor: 31}, []string{"machine EM_AARCH64, the target is x86_64"}},
		{"32-bit i386 object", m32, tags.Glibc{Major: 2, Minor: 31}, []string{"class ELFCLASS32", "machine EM_386"}},
		{"truncated", old[:100], tags.Glibc{Major: 2, Minor: 31}, []string{"unreadable ELF file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			probs := readELF(bytes.NewReader(tt.elf)).Problems(tt.limit)
			if len(tt.want) == 0 && len(probs) > 0 {
				t.Errorf("problems %v, want none", probs)
			}
			all := strings.Join(probs, "; ")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("problems %q lack %q", all, w)
				}
			}
		})
	}
}

func TestGlibcVersion(t *testing.T) {
	tests := map[string]string{"GLIBC_2.2.5": "2.2", "GLIBC_2.34": "2.34", "GLIBC_ABI_DT_RELR": "2.36", "GLIBC_PRIVATE": "", "GLIBC_ABI_NEW": ""}
	for in, want := range tests {
		g, ok := glibcVersion(in)
		if got := map[bool]string{true: g.String(), false: ""}[ok]; got != want {
			t.Errorf("glibcVersion(%s) = %q, want %q", in, got, want)
		}
	}
}

// TestAssembleELF puts compiled extension modules in wheels (one large enough to be
// spooled to a temporary file by Inspect) and checks the build refuses them for a target
// with an older glibc, naming the distribution, the file, the version and the limit.
func TestAssembleELF(t *testing.T) {
	shared := []string{"-shared", "-fPIC"}
	ext := gcc(t, srcGlibc234, shared...)
	big := gcc(t, srcOld+"char ballast[20 << 20] = {1};\n", shared...)
	if len(big) <= spoolMemory {
		t.Fatalf("big object is only %d bytes", len(big))
	}
	dir := t.TempDir()
	wheel := wheeltest.Wheel{Name: "fastthing", Version: "1.2", Tag: "cp312-cp312-manylinux_2_34_x86_64", Platlib: true, Files: map[string][]byte{
		"fastthing/__init__.py":                            nil,
		"fastthing/_speed.cpython-312-x86_64-linux-gnu.so": ext,
		"fastthing.libs/libbig.so":                         big,
	}}
	base := fixtureInput(t, dir, "3.7.0", py312)
	base.Wheels = append(base.Wheels, fixtureWheel(t, dir, wheel))

	m, err := Inspect(context.Background(), base.Wheels[len(base.Wheels)-1].Path)
	if err != nil {
		t.Fatal(err)
	}
	var elfs int
	for _, e := range m.Entries {
		if e.ELF != nil {
			elfs++
			if e.ELF.Invalid != "" {
				t.Errorf("%s: %s", e.Name, e.ELF.Invalid)
			}
		}
	}
	if elfs != 2 {
		t.Errorf("Inspect found %d ELF files, want 2", elfs)
	}

	in := base
	_, err = Assemble(context.Background(), in) // py312: glibc 2.31
	var ee *ELFError
	if !errors.As(err, &ee) {
		t.Fatalf("err = %v, want an *ELFError", err)
	}
	for _, s := range []string{"fastthing 1.2: fastthing/_speed.cpython-312-x86_64-linux-gnu.so: requires GLIBC_2.34 (glibc 2.34), newer than the target's glibc 2.31", "x86_64, glibc 2.31", "manylinux_2_31"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q lacks %q", err, s)
		}
	}
	if len(ee.Violations) != 1 {
		t.Errorf("violations %+v, want only the 2.34 module", ee.Violations)
	}

	in.Target.Glibc = tags.Glibc{Major: 2, Minor: 34}
	in.OutDir = filepath.Join(dir, "out234")
	if _, err := Assemble(context.Background(), in); err != nil {
		t.Errorf("glibc 2.34 target: %v", err)
	}

	// Extra files are checked too.
	in = fixtureInput(t, t.TempDir(), "3.7.0", py312)
	in.Files = []File{{Path: "helper.so", Data: ext}}
	if _, err := Assemble(context.Background(), in); err == nil || !strings.Contains(err.Error(), "extra file: helper.so: requires GLIBC_2.34") {
		t.Errorf("ELF extra file: %v", err)
	}
}

// TestRealCryptography checks the real-world cryptography wheel (abi3, built for
// manylinux_2_34) is refused for glibc 2.31 and accepted for 2.34.
func TestRealCryptography(t *testing.T) {
	crypto := realWheel(t, "cryptography")
	for _, tc := range []struct {
		glibc tags.Glibc
		ok    bool
	}{{tags.Glibc{Major: 2, Minor: 31}, false}, {tags.Glibc{Major: 2, Minor: 34}, true}} {
		in := fixtureInput(t, t.TempDir(), "3.7.0", tags.Target{Python: [2]int{3, 12}, Glibc: tc.glibc})
		in.Wheels = append(in.Wheels, crypto)
		_, err := Assemble(context.Background(), in)
		if tc.ok && err != nil {
			t.Errorf("glibc %s: %v", tc.glibc, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "cryptography/hazmat/bindings/_rust.abi3.so: requires GLIBC_2.34 (glibc 2.34), newer than the target's glibc 2.31")) {
			t.Errorf("glibc %s: err = %v", tc.glibc, err)
		}
	}
}

// withVersionNeeds points the ELF file b's SHT_GNU_VERNEED section at n bytes of entries
// appended to the file, each a version-need with 65535 aux entries, its aux chain and
// its next link one entry further: every chain walks the rest of the section.
func withVersionNeeds(t *testing.T, b []byte, n int) []byte {
	t.Helper()
	le := binary.LittleEndian
	shoff, shentsize, shnum := le.Uint64(b[0x28:]), int(le.Uint16(b[0x3a:])), int(le.Uint16(b[0x3c:]))
	out := bytes.Clone(b)
	at := uint64(len(out))
	for i := 0; i < n/16; i++ {
		var e [16]byte
		le.PutUint16(e[0:], 1)      // vn_version, also read as vna_flags
		le.PutUint16(e[2:], 0xffff) // vn_cnt, also read as vna_other
		le.PutUint32(e[8:], 16)     // vn_aux
		le.PutUint32(e[12:], 16)    // vn_next, also vna_next
		out = append(out, e[:]...)
	}
	for k := range shnum {
		sh := out[int(shoff)+k*shentsize:]
		if elf.SectionType(le.Uint32(sh[4:])) == elf.SHT_GNU_VERNEED {
			le.PutUint64(sh[24:], at)
			le.PutUint64(sh[32:], uint64(n))
			return out
		}
	}
	t.Fatal("no SHT_GNU_VERNEED section")
	return nil
}

// TestReadELFVersionNeedsChain gives readELF a version-needs section whose links make
// every entry's chain walk the rest of the section. debug/elf follows them all, about
// (n/16)²/2 entries (here 2 billion, tens of gigabytes), so a hostile wheel could
// exhaust Inspect's memory; readELF must call the file unreadable instead.
func TestReadELFVersionNeedsChain(t *testing.T) {
	b := withVersionNeeds(t, gcc(t, srcGlibc234, "-shared", "-fPIC"), 1<<20)
	info := readELF(bytes.NewReader(b))
	if info.Invalid == "" || !strings.Contains(info.Invalid, "version needs") {
		t.Errorf("readELF = %+v, want an unreadable version-needs section", info)
	}
}
