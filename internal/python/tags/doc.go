// Package tags owns wheel file names (PEP 427/491, build tags, compressed tag sets) and
// compatibility tags (PEP 425, manylinux PEP 600): the ordered list of tags a target
// CPython on glibc x86_64 supports, and the rank of a wheel for that target.
//
// Both follow pypa/packaging 26.4: ParseWheelName refuses what parse_wheel_filename
// refuses (and, knowingly, a compressed tag set of more than 16384 tags), and
// Supported lists exactly cpython_tags followed by compatible_tags for the target's
// interpreter and manylinux platforms (tags_goldens.json). The target is a remote
// one: nothing is read from the machine running the action.
package tags
