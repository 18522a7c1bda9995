// Package build owns the runtime package: the Lithops zip layout, assembly by raw copy of
// compressed wheel entries, byte reproducibility, the size budget, the ELF glibc check and
// the pylock.toml lock file.
package build
