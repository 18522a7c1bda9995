package pylock_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/pylock"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

var glibc228 = tags.Glibc{Major: 2, Minor: 28}

// target310 is the run target the real locks are made for.
var target310 = pylock.Target{Python: "3.10.14", FCRuntime: "python3.10", FCAPI: fcruntime.FC3, Glibc: glibc228, Lithops: "3.7.0"}

// binary is a FIXTURE module whose wheel is tagged for CPython 3.10 on manylinux 2.17.
func binary(name, version string) wheeltest.Wheel {
	w := pipelinetest.Module(name, version, "X = 1\n")
	w.Tag = "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64"
	return w
}

// madeLock is a lock build.Assemble wrote, and the wheels it was made from.
type madeLock struct {
	Lock   *pylock.Lock
	Path   string
	Wheels map[string]string // normalized name → wheel file
}

// assemble writes the FIXTURE Lithops 3.7.0 runtime plus extra into a wheelhouse in dir,
// served by baseURL + file name, builds it with build.Assemble (recording origin) and
// reads back the pylock.toml it wrote.
func assemble(t *testing.T, dir, baseURL string, origin *pylock.Origin, extra ...wheeltest.Wheel) madeLock {
	t.Helper()
	house := pipelinetest.Wheelhouse(t, filepath.Join(dir, "wheels"), pipelinetest.Runtime("3.7.0", extra...)...)
	in := build.Input{OutDir: filepath.Join(dir, "out"), LithopsVersion: "3.7.0", Origin: origin,
		Target: tags.Target{Python: [2]int{3, 10}, Glibc: glibc228}}
	made := madeLock{Wheels: map[string]string{}}
	for _, w := range pipelinetest.Runtime("3.7.0", extra...) {
		p := filepath.Join(house, w.Filename())
		bw := build.Wheel{Name: w.Name, Version: pep440.MustParse(w.Version), Path: p, SHA256: fileSHA256(t, p), URL: baseURL + w.Filename()}
		made.Wheels[strings.ToLower(strings.ReplaceAll(w.Name, "_", "-"))] = p
		if w.Name == "lithops" {
			in.Lithops = bw
		} else {
			in.Wheels = append(in.Wheels, bw)
		}
	}
	res, err := build.Assemble(context.Background(), in)
	if err != nil {
		t.Fatalf("build.Assemble: %v", err)
	}
	l, err := pylock.ReadFile(context.Background(), res.LockPath)
	if err != nil {
		raw, _ := os.ReadFile(res.LockPath)
		t.Fatalf("the lock build.Assemble wrote does not parse: %v\n%s", err, raw)
	}
	made.Lock, made.Path = l, res.LockPath
	return made
}

func fileSHA256(t testing.TB, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func fileSize(t testing.TB, p string) int64 {
	t.Helper()
	st, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return st.Size()
}
