// Package fcemu is a local Function Compute (2.0 and 3.0), OSS and STS emulator for tests
// and for --local: it checks request signatures as the services do, stores services,
// functions, code and objects, and runs invocations with a real local CPython.
package fcemu
