package verify_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
	"github.com/lithops-fc/runtime-action/internal/verify"
)

// answering is a deploy.Functions whose invocations answer inv (the rest is unused).
type answering struct {
	deploy.Functions
	inv   deploy.Invocation
	err   error
	event []byte
}

func (a *answering) Invoke(_ context.Context, _ string, event []byte) (deploy.Invocation, error) {
	a.event = event
	return a.inv, a.err
}

func TestMetadataVerdicts(t *testing.T) {
	good := `{"preinstalls": [["json", true], ["lithops", true]], "python_version": "3.10", "lithops_version": "3.7.0"}`
	fn := deploy.Result{Spec: deploy.Spec{Name: "lithops-worker-x", TimeoutSec: 60}, CodeChecksum: "123"}
	want := verify.Expect{Python: "3.10", Lithops: "3.7.0"}
	cases := []struct {
		name    string
		inv     deploy.Invocation
		problem string // "" passes
	}{
		{"good", deploy.Invocation{Body: []byte(good), CodeChecksum: "123"}, ""},
		{"good without checksum header", deploy.Invocation{Body: []byte(good)}, ""},
		{"handler exception", deploy.Invocation{ErrorType: "UnhandledInvocationError",
			Body: []byte(`{"errorMessage": "No module named 'cloudpickle'", "errorType": "ModuleNotFoundError", "stackTrace": []}`)},
			"UnhandledInvocationError: ModuleNotFoundError: No module named 'cloudpickle'"},
		{"error document without header", deploy.Invocation{Body: []byte(`{"errorMessage": "Function timed out after 60 seconds"}`)},
			"the function answered an error: Function timed out after 60 seconds"},
		{"other code ran", deploy.Invocation{Body: []byte(good), CodeChecksum: "456"}, "FC ran code with checksum 456, but this run deployed 123"},
		{"no preinstalls", deploy.Invocation{Body: []byte(`{"python_version": "3.10", "lithops_version": "3.7.0"}`)}, `no "preinstalls"`},
		{"not JSON", deploy.Invocation{Body: []byte(`Traceback (most recent call last):`)}, "not a JSON object"},
		{"other Python", deploy.Invocation{Body: []byte(strings.Replace(good, `"3.10"`, `"3.9"`, 1))}, `Python "3.9" but the client runs "3.10"`},
		{"other Lithops", deploy.Invocation{Body: []byte(strings.Replace(good, `"3.7.0"`, `"3.6.4"`, 1))}, `Lithops "3.6.4" but the client will have "3.7.0"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.inv.RequestID, c.inv.Log = "1-req", "log tail"
			fns := &answering{inv: c.inv}
			v := verify.New(fns, nil)
			m, err := v.Metadata(context.Background(), fn, want)
			if string(fns.event) != `{"get_metadata": true, "log_level": 20}` {
				t.Errorf("event %s, want Lithops' metadata request", fns.event)
			}
			if c.problem == "" {
				if err != nil || m.PythonVersion != "3.10" || len(m.Preinstalls) != 2 {
					t.Fatalf("Metadata: %+v, %v", m, err)
				}
				return
			}
			var se *verify.SmokeError
			if !errors.As(err, &se) || !strings.Contains(err.Error(), c.problem) {
				t.Fatalf("error %v, want a SmokeError saying %q", err, c.problem)
			}
			if se.RequestID != "1-req" || se.Log != "log tail" || se.Function != fn.Spec.Name {
				t.Errorf("SmokeError %+v lacks the request id, log or function", se)
			}
		})
	}
	t.Run("invocation error", func(t *testing.T) {
		v := verify.New(&answering{err: &deploy.APIError{Service: "FC 3.0", Op: "InvokeFunction", Status: 412, Code: "PreconditionFailed"}}, nil)
		_, err := v.Metadata(context.Background(), fn, want)
		var ae *deploy.APIError
		if !errors.As(err, &ae) || !strings.Contains(err.Error(), "lithops-worker-x") {
			t.Fatalf("error %v, want FC's error naming the function", err)
		}
	})
}

func TestTempName(t *testing.T) {
	valid := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)
	seen := map[string]bool{}
	at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.FixedZone("x", 3600))
	if deploytest.SmokePrefix != verify.TempPrefix {
		t.Errorf("deploytest.SmokePrefix %q is not verify.TempPrefix %q", deploytest.SmokePrefix, verify.TempPrefix)
	}
	for range 100 {
		n, err := verify.TempName(at)
		if err != nil {
			t.Fatal(err)
		}
		// Not Lithops' lithops-worker prefix: `lithops runtime list` would parse it as a
		// runtime (and fail), `lithops clean` would delete it.
		if !valid.MatchString(n) || !strings.HasPrefix(n, verify.TempPrefix+"20260304t040607-") || strings.HasPrefix(n, "lithops-worker") {
			t.Fatalf("%q is not a valid FC function name with the prefix %s and the UTC time", n, verify.TempPrefix)
		}
		if seen[n] {
			t.Fatalf("%q twice", n)
		}
		seen[n] = true
	}
}

// TestImportModuleAcrossPythons runs the import check's module with each local CPython
// from 3.6 to 3.12: a good module, one that raises, one that exits.
func TestImportModuleAcrossPythons(t *testing.T) {
	dir := t.TempDir()
	path, src := verify.ImportFile()
	files := map[string]string{
		path:                  string(src),
		"goodmod/__init__.py": "VALUE = 1\n",
		"badmod/__init__.py":  "raise ValueError('broken on import')\n",
		"exitmod.py":          "import sys\nsys.exit(3)\n",
	}
	for p, content := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, p), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	driver := `import json, sys
sys.path.insert(0, sys.argv[1])
import ` + verify.ImportModule + ` as m
print(m.main(b'{"modules": ["goodmod", "badmod", "exitmod", "json"]}', None))
`
	for _, version := range []string{"3.6", "3.9", "3.10", "3.12"} {
		t.Run(version, func(t *testing.T) {
			py := wheeltest.Python(t, version)
			out, err := exec.Command(py, "-S", "-c", driver, dir).Output()
			if err != nil {
				t.Fatalf("%s: %v", py, err)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			var answer struct {
				Python  string `json:"python_version"`
				Results []struct {
					Module, Error, Traceback string
					OK                       bool
				} `json:"results"`
			}
			if err := json.Unmarshal([]byte(lines[len(lines)-1]), &answer); err != nil {
				t.Fatalf("answer %q: %v", out, err)
			}
			if answer.Python != version || len(answer.Results) != 4 {
				t.Fatalf("answer %+v", answer)
			}
			ok := map[string]bool{}
			for _, r := range answer.Results {
				ok[r.Module] = r.OK
			}
			if !ok["goodmod"] || ok["badmod"] || ok["exitmod"] || !ok["json"] {
				t.Errorf("verdicts %v", ok)
			}
			if r := answer.Results[1]; r.Error != "ValueError: broken on import" || !strings.Contains(r.Traceback, "badmod/__init__.py") {
				t.Errorf("badmod: %+v", r)
			}
			if r := answer.Results[2]; r.Error != "SystemExit: 3" {
				t.Errorf("exitmod: %+v", r)
			}
		})
	}
}
