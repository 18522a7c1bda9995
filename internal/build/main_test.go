package build

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// repackTool finds the shared repack tool: $LITHOPS_REPACK_TOOL, else
// ../shared/tools/repack-installed-wheels beside the module root (as the conformance
// corpora are found).
func repackTool() string {
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

var wheelhouse struct {
	once sync.Once
	dir  string // holds files/*.whl
	err  error
	skip bool
	tmp  string
}

// realWheels returns the folder of real-world wheels packed from python3's
// site-packages by the shared repack tool (about 20 s, once per test binary), or
// $LITHOPS_WHEELHOUSE when set (a folder with files/*.whl from an earlier run). A
// missing tool or interpreter skips the test, naming it.
func realWheels(t testing.TB) string {
	t.Helper()
	if d := os.Getenv("LITHOPS_WHEELHOUSE"); d != "" {
		return filepath.Join(d, "files")
	}
	wheelhouse.once.Do(func() {
		tool := repackTool()
		if _, err := os.Stat(tool); err != nil {
			wheelhouse.err, wheelhouse.skip = fmt.Errorf("SKIPPED: the repack tool %s is missing (set LITHOPS_REPACK_TOOL)", tool), true
			return
		}
		if _, err := exec.LookPath("python3"); err != nil {
			wheelhouse.err, wheelhouse.skip = fmt.Errorf("SKIPPED: python3 is not on PATH, needed by %s", tool), true
			return
		}
		wheelhouse.tmp, wheelhouse.err = os.MkdirTemp("", "wheelhouse-")
		if wheelhouse.err != nil {
			return
		}
		out, err := exec.Command(tool, wheelhouse.tmp, "python3").CombinedOutput()
		if err != nil {
			wheelhouse.err = fmt.Errorf("%s: %v\n%s", tool, err, out)
		}
		wheelhouse.dir = filepath.Join(wheelhouse.tmp, "files")
	})
	if wheelhouse.skip {
		t.Skip(wheelhouse.err)
	}
	if wheelhouse.err != nil {
		t.Fatal(wheelhouse.err)
	}
	return wheelhouse.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if wheelhouse.tmp != "" {
		os.RemoveAll(wheelhouse.tmp)
	}
	os.Exit(code)
}
