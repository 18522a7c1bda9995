package pipeline_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// localAction is a --local step of the FIXTURE Lithops of tg in a fresh workspace, its
// wheels (and whatever else is given) in a find-links folder.
func localAction(t *testing.T, tg target, reqs string, wheels ...wheeltest.Wheel) *action {
	t.Helper()
	wheeltest.Python(t, tg.python)
	ws := t.TempDir()
	pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), append(pipelinetest.Runtime(tg.lithops), wheels...)...)
	a := &action{t: t, tg: tg, ws: ws, env: map[string]string{}, args: []string{"--local"}}
	a.requirements(reqs)
	a.inputs = map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true",
		"python-version": tg.python, "runtime-name": runtimeName}
	return a
}

// localObject reads an object the --local emulator (state in the workspace) holds.
func localObject(t *testing.T, ws, bucket, key string) ([]byte, bool) {
	t.Helper()
	e, err := fcemu.New(fcemu.WithStateDir(filepath.Join(ws, ".lithops-runtime", "emulator")))
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	return e.Object(bucket, key)
}

// TestLocalHasFCPreinstalledModules (case 5): the worker imports requests, which FC
// preinstalls and the runtime does not ship. With --local the emulator's runtime gets
// FC's documented preinstalled set from the configured sources, so a runtime whose
// requirements lack requests passes its metadata smoke as on FC, and the published
// preinstalls list requests and oss2 as FC's would; a second run reuses the filled
// folder. Without the wheels, the warning names what could not be had and the run
// fails as the emulator, lacking them, must.
func TestLocalHasFCPreinstalledModules(t *testing.T) {
	for _, tg := range []target{fc2, fc3} {
		t.Run(tg.String(), func(t *testing.T) {
			runtime := "python" + tg.python
			a := localAction(t, tg, "fc-demo\n", append([]wheeltest.Wheel{demo("1.0.0"), wheeltest.Worker("six")}, wheeltest.FCPreinstalled(runtime)...)...)
			r := a.mustRun()
			warning := ""
			if _, w, ok := strings.Cut(r.log, "preinstalled modules missing::"); ok {
				warning, _, _ = strings.Cut(w, "\n")
			}
			for _, w := range wheeltest.FCPreinstalled(runtime) {
				if w.Name != "six" && strings.Contains(warning, w.Name+" "+w.Version) {
					t.Errorf("the warning names %s %s, which find-links has: %s", w.Name, w.Version, warning)
				}
			}
			if !strings.Contains(warning, "scrapy") {
				t.Errorf("no warning naming the preinstalled modules that could not be had (scrapy ...)")
			}
			if strings.Contains(r.summary, "requests==") || strings.Contains(readFile(t, filepath.Join(a.ws, r.out["lock-path"])), `name = "requests"`) {
				t.Errorf("requests went into the runtime package; FC preinstalls it")
			}
			var cfgBucket string
			for _, l := range strings.Split(r.out["client-config"], "\n") {
				if v, ok := strings.CutPrefix(l, "  storage_bucket: "); ok {
					cfgBucket = v
				}
			}
			data, ok := localObject(t, a.ws, cfgBucket, lithops.MetaKey(r.out["runtime-key"]))
			if !ok {
				t.Fatalf("no metadata published at oss://%s/%s", cfgBucket, lithops.MetaKey(r.out["runtime-key"]))
			}
			var m metaObject
			json.Unmarshal(data, &m)
			m.raw = data
			for _, mod := range []string{"requests", "oss2", "lithops", "fc_demo"} {
				if !m.has(mod) {
					t.Errorf("published preinstalls lack %s: %s", mod, data)
				}
			}

			r = a.mustRun()
			if !strings.Contains(r.log, "reusing") || r.out["deployed"] != "unchanged" {
				t.Errorf("second run: deployed %q; the preinstalled folder was not reused", r.out["deployed"])
			}
		})
	}
	t.Run("without requests", func(t *testing.T) {
		tg := fc3
		a := localAction(t, tg, "fc-demo\n", demo("1.0.0"), wheeltest.Worker("six"))
		r := a.run(t.Context())
		if r.code != 1 {
			t.Fatalf("exit %d, want 1: the emulator lacks requests, which the worker imports", r.code)
		}
		if !strings.Contains(r.log, "preinstalled modules missing") || !strings.Contains(r.log, "requests 2.32.3") {
			t.Errorf("the warning does not name requests 2.32.3")
		}
		if errs := errorsOf(r.log); !strings.Contains(errs, "No module named 'requests'") {
			t.Errorf("the error does not say requests is missing:\n%s", errs)
		}
	})
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestLocalRealLithops (case 5, as far as this machine allows): the real Lithops worker,
// packed from Lithops' own 3.6.4 and 3.7.0 source (skipped, saying so, without it),
// deployed with --local from requirements that do not include requests (a stand-in for
// attrs), passes its metadata smoke because the emulator has FC's preinstalled modules.
// The worker modules and FC's requests are FIXTURE stand-ins: PyPI is out of reach here.
func TestLocalRealLithops(t *testing.T) {
	for _, tg := range []target{fc2, fc3} {
		t.Run(tg.String(), func(t *testing.T) {
			real := wheeltest.LithopsFromSource(t, tg.lithops)
			attrs := pipelinetest.Module("attrs", "25.3.0", "# FIXTURE attrs\n")
			wheels := append(wheeltest.Workers(tg.lithops), attrs, real)
			wheels = append(wheels, wheeltest.FCPreinstalled("python"+tg.python)...)
			wheeltest.Python(t, tg.python)
			ws := t.TempDir()
			pipelinetest.Wheelhouse(t, filepath.Join(ws, "wheels"), wheels...)
			a := &action{t: t, tg: tg, ws: ws, env: map[string]string{}, args: []string{"--local"}}
			a.requirements("attrs\n")
			a.inputs = map[string]string{"requirements": "requirements.txt", "find-links": "wheels", "no-index": "true",
				"python-version": tg.python, "runtime-name": runtimeName}
			r := a.mustRun()
			if !strings.HasSuffix(r.out["smoke-result"], "metadata ok") {
				t.Errorf("smoke-result %q", r.out["smoke-result"])
			}
			if !strings.Contains(r.log, "runs Python "+tg.python+" with Lithops "+tg.lithops) {
				t.Errorf("the metadata call did not report Python %s and Lithops %s", tg.python, tg.lithops)
			}
		})
	}
}
