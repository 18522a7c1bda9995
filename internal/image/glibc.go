package image

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// libcInfo is what the glibc check needs from the image's libc.so.6.
type libcInfo struct {
	Glibc   fcruntime.Glibc // the release: the banner's, else the newest version definition
	Defined fcruntime.Glibc // newest GLIBC_x.y version the library defines
	Banner  string          // e.g. "2.36" from "... release version 2.36.", when present
}

// glibc's banner (gnu_get_libc_version reads the same number), e.g. "GNU C Library
// (Debian GLIBC 2.36-9+deb12u7) stable release version 2.36."
var bannerRE = regexp.MustCompile(`release version ([0-9]+)\.([0-9]+)`)

// readLibc reads the glibc release of a libc.so.6. The GLIBC_x.y version definitions are
// what an ELF file's version needs are matched against, so the newest one bounds what
// can load; a release that added no libc symbols (2.31 on x86_64 defines up to
// GLIBC_2.30) is known from the banner, which the version check then uses.
func readLibc(b []byte) (libcInfo, error) {
	f, err := elf.NewFile(bytes.NewReader(b))
	if err != nil {
		return libcInfo{}, fmt.Errorf("not an ELF file: %w", err)
	}
	defer f.Close()
	if f.Class != elf.ELFCLASS64 || f.Machine != elf.EM_X86_64 {
		return libcInfo{}, fmt.Errorf("it is %s %s; Function Compute runs x86_64 (ELFCLASS64, EM_X86_64)", f.Class, f.Machine)
	}
	names, err := versionDefinitions(f)
	if err != nil {
		return libcInfo{}, err
	}
	var info libcInfo
	for _, n := range names {
		if g, ok := build.ParseGlibcVersion(n); ok && less(info.Defined, g) {
			info.Defined = g
		}
	}
	if info.Defined == (fcruntime.Glibc{}) {
		return libcInfo{}, errors.New("it defines no GLIBC_x.y symbol versions: not glibc (a musl-based image such as alpine cannot run manylinux wheels)")
	}
	info.Glibc = info.Defined
	if m := bannerRE.FindSubmatch(b); m != nil {
		ma, _ := strconv.Atoi(string(m[1]))
		mi, _ := strconv.Atoi(string(m[2]))
		g := fcruntime.Glibc{Major: ma, Minor: mi}
		if less(g, info.Defined) {
			return libcInfo{}, fmt.Errorf("its banner says glibc %s but it defines GLIBC_%s symbols: inconsistent, refusing to guess", g, info.Defined)
		}
		info.Banner, info.Glibc = g.String(), g
	}
	return info, nil
}

// versionDefinitions lists the names of the SHT_GNU_verdef entries. It walks the section
// itself rather than through debug/elf's DynamicVersions, which needs a symbol table and
// follows a crafted chain's counts without bound; here each entry is read once and the
// walk stops at the section's end.
func versionDefinitions(f *elf.File) ([]string, error) {
	sec := f.SectionByType(elf.SHT_GNU_VERDEF)
	if sec == nil {
		return nil, errors.New("it has no symbol version definitions (.gnu.version_d): not a glibc libc.so.6")
	}
	if int(sec.Link) >= len(f.Sections) || sec.Size > 16<<20 {
		return nil, errors.New("malformed .gnu.version_d section")
	}
	d, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf(".gnu.version_d: %w", err)
	}
	strs, err := f.Sections[sec.Link].Data()
	if err != nil {
		return nil, fmt.Errorf(".gnu.version_d strings: %w", err)
	}
	bo := f.ByteOrder
	var names []string
	for i := 0; i+20 <= len(d); {
		// Elf_Verdef: version, flags, ndx, cnt (uint16 each), hash, aux, next (uint32).
		if v := bo.Uint16(d[i:]); v != 1 {
			return nil, fmt.Errorf(".gnu.version_d: entry at %d has version %d", i, v)
		}
		aux, next := int(bo.Uint32(d[i+12:])), int(bo.Uint32(d[i+16:]))
		if j := i + aux; aux > 0 && j+8 <= len(d) { // the first Elf_Verdaux names the version
			if n := int(bo.Uint32(d[j:])); n < len(strs) {
				name := strs[n:]
				if k := bytes.IndexByte(name, 0); k >= 0 {
					names = append(names, string(name[:k]))
				}
			}
		}
		if next <= 0 {
			break
		}
		i += next
	}
	return names, nil
}

func less(a, b fcruntime.Glibc) bool {
	return a.Major < b.Major || a.Major == b.Major && a.Minor < b.Minor
}

// readAllLimit reads r whole, refusing more than limit bytes.
func readAllLimit(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return b, nil
}
