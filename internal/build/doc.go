// Package build owns the runtime package. Inspect verifies a wheel once, when it enters
// the cache (ManifestCache keeps the result), refusing unsafe or inconsistent archives
// and recording what assembly needs: raw-copy offsets, RECORD hashes, top-level modules
// and ELF facts. Assemble then writes runtime.zip in one streaming pass (Lithops' layout:
// entry_point.py at the root, lithops without its client dependencies, the worker
// modules and requirements; entries copied raw, sorted, with fixed dates and modes),
// checks every ELF file against the target's glibc and x86_64, applies FC's code limits
// (fcruntime.Limits: inline or OSS) and writes pylock.toml beside it. The layout rules are in layout.go.
package build
