package pipeline

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/inputs"
)

// loadConfig builds a Config from INPUT_* values as the runner would pass them, with
// the workspace in a temp folder holding files (name → content).
func loadConfig(t *testing.T, env map[string]string, files map[string]string) (inputs.Config, func(string) string) {
	t.Helper()
	ws := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(ws, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_DRY-RUN": "true"}
	for k, v := range env {
		full[k] = v
	}
	getenv := func(k string) string { return full[k] }
	cfg, err := inputs.Load(nil, getenv)
	if err != nil {
		t.Fatalf("inputs.Load: %v", err)
	}
	return cfg, getenv
}

func TestMakePlan(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		files     map[string]string
		api       string
		runtime   string
		glibc     string
		rtName    string
		functions []Worker
		sources   Sources
	}{
		{
			name:    "lithops 3.7 pin in the requirements, setup-python 3.12",
			env:     map[string]string{"INPUT_REQUIREMENTS": "requirements.txt", "pythonLocation": "/opt/hostedtoolcache/Python/3.12.4/x64"},
			files:   map[string]string{"requirements.txt": "lithops==3.7.0\nnumpy\n--extra-index-url https://mirror.example/simple\n"},
			api:     "3.0",
			runtime: "python3.12",
			glibc:   "2.31",
			rtName:  "default-python-runtime-v312",
			functions: []Worker{
				{MemoryMB: 256, Name: "lithops-worker-default-python-runtime-v312-v3-7-0-" + sha10("default-python-runtime-v312-256-3.7.0")},
			},
			sources: Sources{ExtraIndexURLs: []string{"https://mirror.example/simple"}},
		},
		{
			name:    "architecture.md example: lithops 3.6.4 on FC 2.0, named runtime",
			env:     map[string]string{"INPUT_LITHOPS-VERSION": "3.6.4", "INPUT_PYTHON-VERSION": "3.10", "INPUT_RUNTIME-NAME": "my_matplotlib_runtime", "INPUT_RUNTIME-MEMORY": "256,1024"},
			api:     "2.0",
			runtime: "python3.10",
			glibc:   "2.28",
			rtName:  "my_matplotlib_runtime",
			functions: []Worker{
				{MemoryMB: 256, Name: "lithops-worker-my_matplotlib_runtime-v3-6-4-323f271e1d"},
				{MemoryMB: 1024, Name: "lithops-worker-my_matplotlib_runtime-v3-6-4-" + sha10("my_matplotlib_runtime-1024-3.6.4")},
			},
		},
		{
			name:    "platform input lowers the glibc; index input wins over the file's",
			env:     map[string]string{"INPUT_REQUIREMENTS": "req.txt", "INPUT_PYTHON-VERSION": "3.10", "INPUT_PLATFORM": "manylinux2014", "INPUT_INDEX-URL": "https://pypi.example/simple"},
			files:   map[string]string{"req.txt": "-i https://other.example/simple\n--pre\nlithops==3.7.1\n"},
			api:     "3.0",
			runtime: "python3.10",
			glibc:   "2.17",
			rtName:  "default-python-runtime-v310",
			functions: []Worker{
				{MemoryMB: 256, Name: "lithops-worker-default-python-runtime-v310-v3-7-1-" + sha10("default-python-runtime-v310-256-3.7.1")},
			},
			sources: Sources{IndexURL: "https://pypi.example/simple", Pre: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, getenv := loadConfig(t, tt.env, tt.files)
			p, err := MakePlan(context.Background(), cfg, getenv)
			if err != nil {
				t.Fatalf("MakePlan: %v", err)
			}
			if string(p.API) != tt.api || p.Runtime.Name != tt.runtime || p.Glibc.String() != tt.glibc || p.RuntimeName != tt.rtName {
				t.Errorf("plan = API %s, runtime %s, glibc %s, name %s; want %s %s %s %s",
					p.API, p.Runtime.Name, p.Glibc, p.RuntimeName, tt.api, tt.runtime, tt.glibc, tt.rtName)
			}
			if diff := cmp.Diff(tt.functions, p.Workers); diff != "" {
				t.Errorf("functions (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.sources, p.Sources); diff != "" {
				t.Errorf("sources (-want +got):\n%s", diff)
			}
			if got := p.Target.Env.PythonVersion; got != p.Runtime.Python {
				t.Errorf("marker python_version = %q, want %q", got, p.Runtime.Python)
			}
		})
	}
}

func TestMakePlanErrors(t *testing.T) {
	tests := []struct {
		name  string
		env   map[string]string
		files map[string]string
		want  []string // substrings of the error
		at    string   // "file:line" an *inputs.Error anchors its annotation to, when set
	}{
		{
			name: "no lithops version anywhere",
			env:  map[string]string{"INPUT_PYTHON-VERSION": "3.12"},
			want: []string{"lithops-version"},
		},
		{
			name: "python not offered for FC 3.0",
			env:  map[string]string{"INPUT_PYTHON-VERSION": "3.11", "INPUT_LITHOPS-VERSION": "3.7.0"},
			want: []string{"python-version", "3.11", "3.9", "3.10", "3.12"},
		},
		{
			name: "python 3.12 is not offered for Lithops 3.6 (FC 2.0)",
			env:  map[string]string{"INPUT_PYTHON-VERSION": "3.12", "INPUT_LITHOPS-VERSION": "3.6.4"},
			want: []string{"python-version", "3.6", "3.10"},
		},
		{
			name: "runtime name too long for an FC function name",
			env:  map[string]string{"INPUT_PYTHON-VERSION": "3.12", "INPUT_LITHOPS-VERSION": "3.7.0.post12", "INPUT_RUNTIME-NAME": strings.Repeat("r", 31)},
			want: []string{"runtime-name"},
		},
		{
			name:  "editable line in the requirements names file and line",
			env:   map[string]string{"INPUT_PYTHON-VERSION": "3.12", "INPUT_LITHOPS-VERSION": "3.7.0", "INPUT_REQUIREMENTS": "requirements.txt"},
			files: map[string]string{"requirements.txt": "six\n-e ./local/pkg\n"},
			want:  []string{"requirements.txt:2"},
		},
		{
			name:  "requirements pin disagrees with the input",
			env:   map[string]string{"INPUT_PYTHON-VERSION": "3.12", "INPUT_LITHOPS-VERSION": "3.7.0", "INPUT_REQUIREMENTS": "requirements.txt"},
			files: map[string]string{"requirements.txt": "lithops==3.7.1\n"},
			want:  []string{"3.7.0", "3.7.1", "requirements.txt:1"},
			at:    "requirements.txt:1",
		},
		{
			name:  "lithops range without a pin names its line",
			env:   map[string]string{"INPUT_PYTHON-VERSION": "3.12", "INPUT_REQUIREMENTS": "requirements.txt"},
			files: map[string]string{"requirements.txt": "six\nlithops>=3.6\n"},
			want:  []string{"does not pin one version"},
			at:    "requirements.txt:2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, getenv := loadConfig(t, tt.env, tt.files)
			_, err := MakePlan(context.Background(), cfg, getenv)
			if err == nil {
				t.Fatal("MakePlan succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if tt.at != "" {
				var ierr *inputs.Error
				if !errors.As(err, &ierr) || fmt.Sprintf("%s:%d", ierr.File, ierr.Line) != tt.at {
					t.Errorf("error %#v is not an input error at %s", err, tt.at)
				}
			}
		})
	}
}

// sha10 is the first 10 hex digits of sha1(s), as Lithops' function names use.
func sha10(s string) string {
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])[:10]
}
