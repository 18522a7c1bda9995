package build

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

var (
	py310 = tags.Target{Python: [2]int{3, 10}, Glibc: tags.Glibc{Major: 2, Minor: 28}}
	py312 = tags.Target{Python: [2]int{3, 12}, Glibc: tags.Glibc{Major: 2, Minor: 31}}
)

func fileSHA256(t testing.TB, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

// fixtureWheel writes w into dir and describes it as the resolver would.
func fixtureWheel(t testing.TB, dir string, w wheeltest.Wheel) Wheel {
	t.Helper()
	p := w.MustWrite(t, dir)
	return Wheel{Name: w.Name, Version: pep440.MustParse(w.Version), Path: p, URL: "https://files.example.org/packages/" + w.Filename(),
		SHA256: fileSHA256(t, p), Tag: w.FirstTag()}
}

// realWheel describes the real-world wheel whose file name starts with prefix+"-".
func realWheel(t testing.TB, prefix string) Wheel {
	t.Helper()
	matches, _ := filepath.Glob(filepath.Join(realWheels(t), prefix+"-*.whl"))
	if len(matches) != 1 {
		t.Fatalf("real wheel %s: %d matches", prefix, len(matches))
	}
	wn, err := tags.ParseWheelName(filepath.Base(matches[0]))
	if err != nil {
		t.Fatal(err)
	}
	return Wheel{Name: wn.Name, Version: wn.Version, Path: matches[0], URL: "https://files.example.org/real/" + filepath.Base(matches[0]),
		SHA256: fileSHA256(t, matches[0])}
}

// fixtureInput is the FIXTURE lithops at version with its worker modules, in dir.
func fixtureInput(t testing.TB, dir, version string, target tags.Target) Input {
	t.Helper()
	in := Input{Lithops: fixtureWheel(t, dir, wheeltest.Lithops(version)), Target: target, OutDir: filepath.Join(dir, "out")}
	for _, w := range wheeltest.Workers(version) {
		in.Wheels = append(in.Wheels, fixtureWheel(t, dir, w))
	}
	return in
}

type runtimeMeta struct {
	Preinstalls    [][2]any `json:"preinstalls"`
	PythonVersion  string   `json:"python_version"`
	LithopsVersion string   `json:"lithops_version"`
}

// importScript imports every module named in argv[2] (JSON list) from the unpacked
// runtime in argv[1], then calls entry_point.main as FC does and prints its answer.
// -S keeps the interpreter's own site-packages out: only the zip and the standard
// library are importable, then argv[3]: FC's preinstalled packages.
const importScript = `import importlib, json, sys, types
sys.path.insert(0, sys.argv[1])
sys.path.append(sys.argv[3])
failed = []
for m in json.loads(sys.argv[2]):
    try:
        importlib.import_module(m)
    except Exception as e:
        failed.append("%s: %s: %s" % (m, type(e).__name__, e))
if failed:
    sys.exit("imports failed:\n" + "\n".join(failed))
import entry_point
ctx = types.SimpleNamespace(request_id="smoke-1")
print(json.dumps(entry_point.main(b'{"get_metadata": true, "log_level": 20}', ctx)))
`

// runRuntime unpacks zipPath and runs importScript with python over modules, with FC's
// preinstalled modules (the FIXTURE stand-ins) after the code, as on FC.
func runRuntime(t *testing.T, python, zipPath string, modules []string) runtimeMeta {
	t.Helper()
	dir := t.TempDir()
	wheeltest.Extract(t, zipPath, dir)
	mods, _ := json.Marshal(modules)
	v, _ := exec.Command(python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").Output()
	rt := "python" + strings.TrimSpace(string(v))
	if rt == "python3.6" {
		rt = "python3"
	}
	cmd := exec.Command(python, "-I", "-S", "-c", importScript, dir, string(mods), wheeltest.PreinstalledDir(t, rt))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", python, err, stderr.String())
	}
	var m runtimeMeta
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("metadata answer %q: %v", out, err)
	}
	return m
}

func allTopLevel(res *Result) []string {
	var mods []string
	for _, d := range res.Distributions {
		mods = append(mods, d.TopLevel...)
	}
	sort.Strings(mods)
	return mods
}

func preinstalled(m runtimeMeta) map[string]bool {
	out := map[string]bool{}
	for _, p := range m.Preinstalls {
		out[fmt.Sprint(p[0])] = true
	}
	return out
}
