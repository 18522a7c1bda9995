package tags

import (
	"fmt"
	"strconv"
	"strings"
)

// Glibc is a glibc version. A platform's glibc bounds the manylinux tags it accepts: a
// manylinux_2_N wheel needs glibc 2.N or newer (PEP 600), and the ELF files in it may
// use no GLIBC_x.y symbol version newer than the platform's.
type Glibc struct{ Major, Minor int }

func (g Glibc) String() string { return fmt.Sprintf("%d.%d", g.Major, g.Minor) }

// Newer reports whether g is a later glibc than h.
func (g Glibc) Newer(h Glibc) bool {
	return g.Major > h.Major || g.Major == h.Major && g.Minor > h.Minor
}

// ParseGlibcSymbol reads an ELF symbol version of glibc, "GLIBC_2.34" or "GLIBC_2.2.5",
// as the glibc release that introduced it (2.34, 2.2); ok is false for other names
// (GLIBC_PRIVATE, GLIBC_ABI_* tags).
func ParseGlibcSymbol(name string) (g Glibc, ok bool) {
	rest, ok := strings.CutPrefix(name, "GLIBC_")
	if !ok {
		return Glibc{}, false
	}
	f := strings.Split(rest, ".")
	if len(f) < 2 {
		return Glibc{}, false
	}
	ma, err1 := strconv.Atoi(f[0])
	mi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return Glibc{}, false
	}
	return Glibc{Major: ma, Minor: mi}, true
}
