package pipeline

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

var update = flag.Bool("update", false, "rewrite examples/local/wheelhouse from the fixtures")

// exampleVersion is the Lithops version of the offline example (README's first command).
const exampleVersion = "3.7.0"

// exampleWheels are the wheels of examples/local/wheelhouse: the FIXTURE lithops (with
// its container entry point) and worker modules, stand-ins for FC's preinstalled
// requests and oss2 at python3.12's versions (--local installs them in the emulator's
// runtime, not in the zip), stand-ins for the rest of what Lithops' container image
// installs (gunicorn, flask, gevent, redis, PyYAML: deploy-mode container), and a tiny
// user package, so the README's commands run with no network. They are generated,
// never edited by hand.
func exampleWheels() []wheeltest.Wheel {
	ws := append([]wheeltest.Wheel{imagetest.Lithops(exampleVersion, "")}, imagetest.ContainerModules(exampleVersion)...)
	return append(ws, wheeltest.Wheel{
		Name:    "fc-demo",
		Version: "1.0.0",
		Metadata: wheeltest.Metadata{
			Summary:      "FIXTURE: the user package of the offline example",
			RequiresDist: []string{"six>=1.16"},
		},
		Files: map[string][]byte{"fc_demo/__init__.py": []byte("import six\n\nGREETING = 'hello from ' + six.__name__\n")},
	})
}

// TestExampleWheelhouse keeps the committed example wheelhouse equal to what the
// fixtures build (go test ./internal/pipeline -run TestExampleWheelhouse -update).
func TestExampleWheelhouse(t *testing.T) {
	dir := filepath.Join("..", "..", "examples", "local", "wheelhouse")
	want := map[string][]byte{}
	for _, w := range exampleWheels() {
		want[w.Filename()] = w.MustBytes(t)
	}
	if *update {
		old, _ := filepath.Glob(filepath.Join(dir, "*.whl"))
		for _, f := range old {
			os.Remove(f)
		}
		for name, data := range want {
			if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	got, _ := filepath.Glob(filepath.Join(dir, "*.whl"))
	var names []string
	for _, f := range got {
		names = append(names, filepath.Base(f))
	}
	sort.Strings(names)
	if len(names) != len(want) {
		t.Fatalf("examples/local/wheelhouse has %v, want %d wheels (run with -update)", names, len(want))
	}
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(data, want[n]) {
			t.Errorf("examples/local/wheelhouse/%s differs from the fixture (run with -update)", n)
		}
	}
}
