// Package local owns --local: the embedded FC emulator as one account that lasts from run
// to run (its state under .lithops-runtime/emulator in the workspace), whose Python
// runtimes are made like FC's: the local CPython of the runtime's version (CheckPython
// says when there is none, with a hint that fits where the step runs) and FC's
// preinstalled modules on its path (Preinstall), so that a runtime works locally exactly
// when it would on FC; for container runtimes, a registry of its own (internal/registry)
// that the emulator pulls images from.
package local
