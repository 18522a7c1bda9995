// Package tags owns wheel file names (PEP 427/491, build tags, compressed tag sets) and
// compatibility tags (PEP 425, manylinux PEP 600): the ordered list of tags a target
// CPython on glibc x86_64 supports, and the rank of a wheel for that target.
package tags
