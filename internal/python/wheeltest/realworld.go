package wheeltest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// The real-world wheelhouse: the distributions installed for the machine's python3,
// packed into real wheels and a PEP 503 index by ../shared/tools/repack-installed-wheels.
// Packing takes tens of seconds, so the result is kept in a shared folder keyed by the
// tool and the installed distributions, and reused by every test binary (under a file
// lock, since `go test ./...` runs packages in parallel) and every later run.

var realworld struct {
	once sync.Once
	dir  string
	skip string
	err  error
}

// RealWheelhouse returns the folder holding files/*.whl and simple/ (the PEP 503
// index): $LITHOPS_WHEELHOUSE when set, else the shared packed copy, made on first
// use. A missing tool or python3 skips the test, naming it.
func RealWheelhouse(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("LITHOPS_WHEELHOUSE"); d != "" {
		return d
	}
	realworld.once.Do(func() { realworld.dir, realworld.skip, realworld.err = packWheelhouse() })
	if realworld.skip != "" {
		t.Skip("SKIPPED: " + realworld.skip)
	}
	if realworld.err != nil {
		t.Fatalf("real-world wheelhouse: %v", realworld.err)
	}
	return realworld.dir
}

// RealIndex serves the real-world wheelhouse on loopback for the test and returns its
// simple index URL.
func RealIndex(t testing.TB) string {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir(RealWheelhouse(t))))
	t.Cleanup(srv.Close)
	return srv.URL + "/simple/"
}

// RepackTool is the shared repack tool: $LITHOPS_REPACK_TOOL, else
// ../shared/tools/repack-installed-wheels beside the module root.
func RepackTool() string {
	if p := os.Getenv("LITHOPS_REPACK_TOOL"); p != "" {
		return p
	}
	dir, _ := os.Getwd()
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "tools", "repack-installed-wheels")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "repack-installed-wheels"
		}
		dir = parent
	}
}

// packWheelhouse returns the shared packed wheelhouse, packing it when it is missing.
func packWheelhouse() (dir, skip string, err error) {
	tool := RepackTool()
	toolSrc, err := os.ReadFile(tool)
	if err != nil {
		return "", fmt.Sprintf("the repack tool %s is missing (set LITHOPS_REPACK_TOOL): %v", tool, err), nil
	}
	if _, err := exec.LookPath("python3"); err != nil {
		return "", "python3 is not on PATH; the real-world wheelhouse comes from its site-packages", nil
	}
	// The key changes when the tool or the installed distributions do.
	listing, err := exec.Command("python3", "-c",
		"import os, sys, sysconfig; p = sysconfig.get_paths()['purelib']; print(sys.version); print(sorted(os.listdir(p)))").Output()
	if err != nil {
		return "", "", fmt.Errorf("list python3's site-packages: %w", err)
	}
	h := sha256.New()
	h.Write(toolSrc)
	h.Write(listing)
	root := filepath.Join(os.TempDir(), "lithops-fc-wheelhouse")
	dir = filepath.Join(root, hex.EncodeToString(h.Sum(nil))[:16])
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", "", err
	}
	lock, err := os.OpenFile(filepath.Join(root, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", "", fmt.Errorf("lock %s: %w", root, err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(filepath.Join(dir, "simple")); err == nil {
		return dir, "", nil
	}
	tmp, err := os.MkdirTemp(root, ".pack-")
	if err != nil {
		return "", "", err
	}
	defer os.RemoveAll(tmp)
	if out, err := exec.Command(tool, tmp, "python3").CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("%s: %v\n%s", tool, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", "", err
	}
	return dir, "", nil
}
