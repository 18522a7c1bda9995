// Package reqfile owns pip's requirements-file format: nested -r/-c files, index options,
// per-requirement hashes, continuations, comments and ${VAR} expansion. Every parsed item
// keeps the file and line it came from, and every error names them.
package reqfile
