// Package image owns the custom-container runtime image (Lithops 3.7 deploy_mode
// custom-container) built without Docker, the way ko builds Go images: Inspect pulls a
// base image and reads from its own filesystem what the runtime depends on (OS, glibc
// from libc's version definitions, the CPython and its site-packages); Build adds two
// reproducible layers, one with Lithops, its container entry point and the wheels that
// entry point needs, one with the user's wheels, both installed raw into site-packages
// by internal/build's rules (no pip, no Python) and checked against the image's glibc,
// and sets the command Lithops' image runs (gunicorn on port 9000); Push uploads only
// the blobs a registry lacks and pins the result by digest; Tag moves a tag to a pushed
// digest; WriteLayout writes the image as an OCI layout tarball for dry runs; HostBase is
// --local's base, standing for this machine (its libc, the emulator's CPython). Layers
// are written once, streaming, to spool files, so memory does not grow with the image.
package image
