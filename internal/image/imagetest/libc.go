package imagetest

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
)

// GlibcVersions lists version names like a real x86_64 glibc's up to release
// major.minor: GLIBC_2.2.5, GLIBC_2.2.6, GLIBC_2.3 ... GLIBC_2.{minor}.
func GlibcVersions(minor int) []string {
	out := []string{"GLIBC_2.2.5", "GLIBC_2.2.6"}
	for m := 3; m <= minor; m++ {
		out = append(out, fmt.Sprintf("GLIBC_2.%d", m))
	}
	return out
}

// FakeLibc returns a minimal x86_64 ELF shared object that defines the symbol versions
// given (SHT_GNU_verdef, after the base definition "libc.so.6") and, when banner is set
// (e.g. "2.31"), holds glibc's banner "... stable release version 2.31." in .rodata.
// debug/elf reads it as a libc; it cannot be loaded.
func FakeLibc(versions []string, banner string) []byte {
	return fakeELF(elf.EM_X86_64, append([]string{"libc.so.6"}, versions...), banner)
}

func fakeELF(machine elf.Machine, defs []string, banner string) []byte {
	le := binary.LittleEndian
	// .dynstr
	dynstr := []byte{0}
	nameOff := make([]uint32, len(defs))
	for i, d := range defs {
		nameOff[i] = uint32(len(dynstr))
		dynstr = append(append(dynstr, d...), 0)
	}
	// .gnu.version_d: one Elf64_Verdef (20 bytes) and one Elf64_Verdaux (8) per version.
	var verdef []byte
	for i := range defs {
		var e [28]byte
		le.PutUint16(e[0:], 1) // vd_version
		if i == 0 {
			le.PutUint16(e[2:], 1) // VER_FLG_BASE
		}
		le.PutUint16(e[4:], uint16(i+1)) // vd_ndx
		le.PutUint16(e[6:], 1)           // vd_cnt
		le.PutUint32(e[12:], 20)         // vd_aux
		if i < len(defs)-1 {
			le.PutUint32(e[16:], 28) // vd_next
		}
		le.PutUint32(e[20:], nameOff[i]) // vda_name
		verdef = append(verdef, e[:]...)
	}
	rodata := []byte{}
	if banner != "" {
		rodata = []byte("GNU C Library (FIXTURE GLIBC " + banner + "-1) stable release version " + banner + ".\n\x00")
	}
	shstr := []byte("\x00.dynstr\x00.gnu.version_d\x00.rodata\x00.shstrtab\x00")
	type sec struct {
		name, typ   uint32
		data        []byte
		link, info  uint32
		align, flag uint64
	}
	secs := []sec{
		{},
		{name: 1, typ: uint32(elf.SHT_STRTAB), data: dynstr, align: 1, flag: uint64(elf.SHF_ALLOC)},
		{name: 9, typ: uint32(elf.SHT_GNU_VERDEF), data: verdef, link: 1, info: uint32(len(defs)), align: 8, flag: uint64(elf.SHF_ALLOC)},
		{name: 24, typ: uint32(elf.SHT_PROGBITS), data: rodata, align: 1, flag: uint64(elf.SHF_ALLOC)},
		{name: 32, typ: uint32(elf.SHT_STRTAB), data: shstr, align: 1},
	}
	var body bytes.Buffer
	body.Write(make([]byte, 64)) // the header, filled below
	offs := make([]uint64, len(secs))
	for i, s := range secs[1:] {
		for body.Len()%8 != 0 {
			body.WriteByte(0)
		}
		offs[i+1] = uint64(body.Len())
		body.Write(s.data)
	}
	for body.Len()%8 != 0 {
		body.WriteByte(0)
	}
	shoff := uint64(body.Len())
	for i, s := range secs {
		var h [64]byte
		le.PutUint32(h[0:], s.name)
		le.PutUint32(h[4:], s.typ)
		le.PutUint64(h[8:], s.flag)
		le.PutUint64(h[24:], offs[i])
		le.PutUint64(h[32:], uint64(len(s.data)))
		le.PutUint32(h[40:], s.link)
		le.PutUint32(h[44:], s.info)
		le.PutUint64(h[48:], s.align)
		body.Write(h[:])
	}
	b := body.Bytes()
	copy(b, []byte{0x7f, 'E', 'L', 'F', byte(elf.ELFCLASS64), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)})
	le.PutUint16(b[16:], uint16(elf.ET_DYN))
	le.PutUint16(b[18:], uint16(machine))
	le.PutUint32(b[20:], uint32(elf.EV_CURRENT))
	le.PutUint64(b[40:], shoff)
	le.PutUint16(b[52:], 64)                // e_ehsize
	le.PutUint16(b[58:], 64)                // e_shentsize
	le.PutUint16(b[60:], uint16(len(secs))) // e_shnum
	le.PutUint16(b[62:], uint16(len(secs)-1))
	return b
}
