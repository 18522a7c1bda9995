// Package imagetest makes what the container-image tests need, with nothing from the
// network: synthetic base images (a Debian-like filesystem with a fake libc.so.6 whose
// GLIBC_x.y version definitions and banner are chosen by the test, os-release, and a
// /usr/local/bin/python3.X layout), in-process registries (go-containerregistry's
// pkg/registry) that count what is uploaded to them, and FIXTURE wheels for the
// container entry point's server (flask, gunicorn) and a lithops with its
// container_entry_point.py. Nothing here is used by the action itself.
package imagetest
