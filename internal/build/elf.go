package build

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// ELFInfo is what the glibc check needs from one ELF file; it is target-independent,
// so Inspect records it once per wheel and Assemble checks it per target.
type ELFInfo struct {
	Class   string   `json:"class"`             // e.g. "ELFCLASS64"
	Machine string   `json:"machine"`           // e.g. "EM_X86_64"
	Glibc   []string `json:"glibc,omitempty"`   // required GLIBC_* versions, sorted
	Musl    bool     `json:"musl,omitempty"`    // links against musl's libc
	Invalid string   `json:"invalid,omitempty"` // why debug/elf could not read it
}

var elfMagic = []byte("\x7fELF")

// readELF extracts the ELF facts from r. A file that starts like an ELF but cannot be
// parsed is recorded as Invalid (and refused by the check), not as an Inspect error:
// what matters is whether it could load on the target.
func readELF(r io.ReaderAt) *ELFInfo {
	f, err := elf.NewFile(r)
	if err != nil {
		return &ELFInfo{Invalid: err.Error()}
	}
	defer f.Close()
	info := &ELFInfo{Class: f.Class.String(), Machine: f.Machine.String()}
	var needs []elf.DynamicVersionNeed
	if sec := f.SectionByType(elf.SHT_GNU_VERNEED); sec != nil { // objects without one need no versions
		if err = checkVersionNeeds(sec, f.ByteOrder); err == nil {
			needs, err = f.DynamicVersionNeeds()
		}
		if err != nil {
			return &ELFInfo{Class: info.Class, Machine: info.Machine, Invalid: "version needs: " + err.Error()}
		}
	}
	seen := map[string]bool{}
	for _, n := range needs {
		for _, d := range n.Needs {
			if strings.HasPrefix(d.Dep, "GLIBC_") && !seen[d.Dep] {
				seen[d.Dep] = true
				info.Glibc = append(info.Glibc, d.Dep)
			}
		}
	}
	sort.Strings(info.Glibc)
	if libs, err := f.ImportedLibraries(); err == nil {
		for _, l := range libs {
			if strings.HasPrefix(l, "libc.musl") {
				info.Musl = true
			}
		}
	}
	return info
}

// checkVersionNeeds walks the links of a SHT_GNU_VERNEED section the way debug/elf's
// DynamicVersionNeeds does, and refuses one where two links reach the same entry.
// debug/elf follows such links again every time, so a crafted section of n bytes
// yields about (n/16)²/2 entries: a hostile wheel could exhaust memory. Real sections
// are chains that visit each entry once, which also keeps this walk linear.
func checkVersionNeeds(sec *elf.Section, bo binary.ByteOrder) error {
	d, err := sec.Data()
	if err != nil {
		return err
	}
	seen := make(map[int]bool)
	visit := func(at int) error {
		if seen[at] {
			return fmt.Errorf("version needs: two links reach the entry at offset %d of the section", at)
		}
		seen[at] = true
		return nil
	}
	for i := 0; i+16 <= len(d); {
		if err := visit(i); err != nil {
			return err
		}
		cnt, aux, next := int(bo.Uint16(d[i+2:])), int(bo.Uint32(d[i+8:])), int(bo.Uint32(d[i+12:]))
		for j, c := i+aux, 0; c < cnt && j+16 <= len(d); c++ {
			if err := visit(j); err != nil {
				return err
			}
			vnext := int(bo.Uint32(d[j+12:]))
			if vnext == 0 {
				break
			}
			j += vnext
		}
		if next == 0 {
			break
		}
		i += next
	}
	return nil
}

// glibcABITags are GLIBC_ABI_* version names and the release that introduced them.
var glibcABITags = map[string]fcruntime.Glibc{
	"GLIBC_ABI_DT_RELR": {Major: 2, Minor: 36},
}

// glibcVersion is the release a GLIBC_* version need asks for: ParseGlibcVersion's,
// or the one that introduced a GLIBC_ABI_* tag; ok is false for names that are not
// releases (GLIBC_PRIVATE, unknown GLIBC_ABI_* tags).
func glibcVersion(dep string) (fcruntime.Glibc, bool) {
	if g, ok := glibcABITags[dep]; ok {
		return g, true
	}
	return ParseGlibcVersion(dep)
}

// ParseGlibcVersion parses an ELF symbol version name "GLIBC_2.34" (or "GLIBC_2.2.5")
// into its major.minor; ok is false for other names. internal/image reads libc's
// version definitions with it.
func ParseGlibcVersion(name string) (fcruntime.Glibc, bool) {
	rest, ok := strings.CutPrefix(name, "GLIBC_")
	if !ok {
		return fcruntime.Glibc{}, false
	}
	f := strings.Split(rest, ".")
	if len(f) < 2 {
		return fcruntime.Glibc{}, false
	}
	ma, err1 := strconv.Atoi(f[0])
	mi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return fcruntime.Glibc{}, false
	}
	return fcruntime.Glibc{Major: ma, Minor: mi}, true
}

func glibcLess(a, b fcruntime.Glibc) bool {
	return a.Major < b.Major || a.Major == b.Major && a.Minor < b.Minor
}

// Problems lists why the ELF file cannot load on an x86_64 target with glibc limit (none:
// it can). Assemble and internal/image check every ELF file they ship with it.
func (e *ELFInfo) Problems(limit fcruntime.Glibc) []string {
	if e.Invalid != "" {
		return []string{"unreadable ELF file: " + e.Invalid}
	}
	var out []string
	if e.Class != elf.ELFCLASS64.String() {
		out = append(out, fmt.Sprintf("class %s, the target needs ELFCLASS64", e.Class))
	}
	if e.Machine != elf.EM_X86_64.String() {
		out = append(out, fmt.Sprintf("machine %s, the target is x86_64 (EM_X86_64)", e.Machine))
	}
	if e.Musl {
		out = append(out, "linked against musl libc (a musllinux build); the target uses glibc")
	}
	worst, worstName := fcruntime.Glibc{}, ""
	for _, dep := range e.Glibc {
		g, ok := glibcVersion(dep)
		if !ok {
			if strings.HasPrefix(dep, "GLIBC_ABI_") {
				out = append(out, fmt.Sprintf("requires %s, an unknown glibc ABI tag", dep))
			}
			continue
		}
		if glibcLess(limit, g) && (worstName == "" || glibcLess(worst, g)) {
			worst, worstName = g, dep
		}
	}
	if worstName != "" {
		out = append(out, fmt.Sprintf("requires %s (glibc %s), newer than the target's glibc %s", worstName, worst, limit))
	}
	return out
}
