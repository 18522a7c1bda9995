package inputs_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
)

func TestDetectPython(t *testing.T) {
	tests := []struct {
		name    string
		input   string            // python-version input
		env     map[string]string // besides GITHUB_WORKSPACE
		files   map[string]string
		want    inputs.Python
		wantErr string
		errFile string
		errLine int
		offered []fcruntime.Runtime // nil: every runtime
	}{
		{
			name:  "input major.minor",
			input: "3.10",
			files: map[string]string{".python-version": "3.12\n"},
			env:   map[string]string{"pythonLocation": "/opt/hostedtoolcache/Python/3.9.19/x64"},
			want:  inputs.Python{Version: "3.10", Source: "input python-version"},
		},
		{
			name:  "input full",
			input: "3.10.14",
			want:  inputs.Python{Version: "3.10", Full: "3.10.14", Source: "input python-version"},
		},
		{
			name:  "setup-python's pythonLocation beats files",
			env:   map[string]string{"pythonLocation": "/opt/hostedtoolcache/Python/3.12.4/x64"},
			files: map[string]string{".python-version": "3.10\n", ".tool-versions": "python 3.9.1\n"},
			want:  inputs.Python{Version: "3.12", Full: "3.12.4", Source: "pythonLocation (actions/setup-python)"},
		},
		{
			name:  "pythonLocation without a version falls through",
			env:   map[string]string{"pythonLocation": "/usr"},
			files: map[string]string{".python-version": "3.10\n"},
			want:  inputs.Python{Version: "3.10", Source: ".python-version", File: ".python-version", Line: 1},
		},
		{
			name:  ".python-version with comments and several versions",
			files: map[string]string{".python-version": "# pinned for FC\n\n3.9.19 3.10.14\n3.12\n"},
			want:  inputs.Python{Version: "3.9", Full: "3.9.19", Source: ".python-version", File: ".python-version", Line: 3},
		},
		{
			name:  ".python-version dev build",
			files: map[string]string{".python-version": "3.10-dev\n"},
			want:  inputs.Python{Version: "3.10", Source: ".python-version", File: ".python-version", Line: 1},
		},
		{
			name:    ".python-version not CPython",
			files:   map[string]string{".python-version": "\npypy3.10-7.3.16\n", ".tool-versions": "python 3.10.14\n"},
			wantErr: `input python-version (.python-version:2): "pypy3.10-7.3.16" is not a CPython version FC can run; write a version such as 3.10 or 3.10.14 there, or set the python-version input`,
			errFile: ".python-version", errLine: 2,
		},
		{
			name:  ".tool-versions",
			files: map[string]string{".tool-versions": "nodejs 20.11.0\npython 3.10.14 3.9.1 # main\n"},
			want:  inputs.Python{Version: "3.10", Full: "3.10.14", Source: ".tool-versions", File: ".tool-versions", Line: 2},
		},
		{
			name:    ".tool-versions system",
			files:   map[string]string{".tool-versions": "python system\n"},
			wantErr: `input python-version (.tool-versions:1): "system" is not a CPython version FC can run; write a version such as 3.10 or 3.10.14 there, or set the python-version input`,
			errFile: ".tool-versions", errLine: 1,
		},
		{
			name:    "nothing found",
			files:   map[string]string{".tool-versions": "nodejs 20\n", "pyproject.toml": "[project]\nname = \"x\"\n"},
			wantErr: "input python-version: no Python version found (no python-version input, no actions/setup-python, and no .python-version, .tool-versions or pyproject.toml requires-python in the workspace); set python-version (e.g. python-version: '3.10'), or run actions/setup-python before this step; it must match the Python of your Lithops client",
		},
		{
			name: "pyproject.toml: the highest FC Python allowed",
			files: map[string]string{"pyproject.toml": "[build-system]\nrequires = [\"hatchling\"]\n\n[project]\nname = \"x\"\n" +
				"requires-python = \">=3.9\"\n\n[tool.x]\nrequires-python = \"<3\"\n"},
			want: inputs.Python{Version: "3.12", Source: "pyproject.toml", File: "pyproject.toml", Line: 6,
				Notice: `Python 3.12 chosen from requires-python ">=3.9" in pyproject.toml:6: the highest FC offers (3.6, 3.9, 3.10, 3.12) that it allows; set python-version to choose another`},
		},
		{
			name:    "pyproject.toml: only what the API offers",
			files:   map[string]string{"pyproject.toml": "[project]\nrequires-python = '>=3.9'\n"},
			offered: fcruntime.Offered(fcruntime.FC2),
			want: inputs.Python{Version: "3.10", Source: "pyproject.toml", File: "pyproject.toml", Line: 2,
				Notice: `Python 3.10 chosen from requires-python ">=3.9" in pyproject.toml:2: the highest FC offers (3.6, 3.9, 3.10) that it allows; set python-version to choose another`},
		},
		{
			name:    "pyproject.toml: a patch bound allows its series, exclusions are honoured",
			files:   map[string]string{"pyproject.toml": "[project]\nrequires-python = \">=3.9.7, !=3.10.*, <3.12\"\n"},
			offered: fcruntime.Offered(fcruntime.FC3),
			want: inputs.Python{Version: "3.9", Source: "pyproject.toml", File: "pyproject.toml", Line: 2,
				Notice: `Python 3.9 chosen from requires-python ">=3.9.7, !=3.10.*, <3.12" in pyproject.toml:2: the highest FC offers (3.9, 3.10, 3.12) that it allows; set python-version to choose another`},
		},
		{
			name:    "pyproject.toml: nothing FC offers",
			files:   map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nrequires-python = \">=3.13\"\n"},
			wantErr: `input python-version (pyproject.toml:3): requires-python ">=3.13" allows none of the Pythons FC offers (3.6, 3.9, 3.10, 3.12); set python-version to the Python of your Lithops client`,
			errFile: "pyproject.toml", errLine: 3,
		},
		{
			name:    "pyproject.toml: bad specifier",
			files:   map[string]string{"pyproject.toml": "[project]\nrequires-python = \">=3.9,<\"\n"},
			wantErr: `input python-version (pyproject.toml:2): requires-python: invalid version specifier "<" in ">=3.9,<"`,
			errFile: "pyproject.toml", errLine: 2,
		},
		{
			name:  ".tool-versions beats pyproject.toml",
			files: map[string]string{".tool-versions": "python 3.10.14\n", "pyproject.toml": "[project]\nrequires-python = \">=3.12\"\n"},
			want:  inputs.Python{Version: "3.10", Full: "3.10.14", Source: ".tool-versions", File: ".tool-versions", Line: 1},
		},
		{
			name:    "pyproject.toml invalid",
			files:   map[string]string{"pyproject.toml": "[project]\nrequires-python = >=3.9\n"},
			wantErr: "input python-version (pyproject.toml:2): invalid TOML: ",
			errFile: "pyproject.toml", errLine: 2,
		},
		{
			// A dotted key this deep takes the TOML decoder minutes at this size (quadratic):
			// refused before decoding, on its line.
			name:    "pyproject.toml nested too deep",
			files:   map[string]string{"pyproject.toml": "[project]\nname = \"x\"\n" + strings.Repeat("a.", 200_000) + "b = 1\n"},
			wantErr: "input python-version (pyproject.toml:3): invalid TOML: ",
			errFile: "pyproject.toml", errLine: 3,
		},
		{
			// Valid TOML of the wrong type is not "invalid TOML": say what is wrong, and where.
			name:    "pyproject.toml requires-python not a string",
			files:   map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nrequires-python = 3.10\n"},
			wantErr: `input python-version (pyproject.toml:3): requires-python is a number, not a string; quote it, e.g. requires-python = ">=3.10"`,
			errFile: "pyproject.toml", errLine: 3,
		},
		{
			name:    "pyproject.toml project not a table",
			files:   map[string]string{"pyproject.toml": "project = 1\n"},
			wantErr: `input python-version (pyproject.toml:1): project is a number, not a table; `,
			errFile: "pyproject.toml", errLine: 1,
		},
		{
			// A line bufio.Scanner cannot hold must not make the file look empty (and
			// let a later source win).
			name:    ".python-version with an overlong line",
			files:   map[string]string{".python-version": strings.Repeat("x", 70000) + "\n3.10\n", ".tool-versions": "python 3.9.1\n"},
			wantErr: `input python-version (.python-version): cannot read the file: `,
			errFile: ".python-version",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := t.TempDir()
			for name, content := range tt.files {
				if err := os.WriteFile(filepath.Join(ws, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			env := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_DRY-RUN": "true", "INPUT_PYTHON-VERSION": tt.input}
			for k, v := range tt.env {
				env[k] = v
			}
			getenv := func(k string) string { return env[k] }
			cfg, err := inputs.Load(nil, getenv)
			if err != nil {
				t.Fatal(err)
			}
			got, err := inputs.DetectPython(cfg, getenv, tt.offered)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("detected %v, want error %q", got, tt.wantErr)
				}
				if msg := err.Error(); len(msg) < len(tt.wantErr) || msg[:len(tt.wantErr)] != tt.wantErr {
					t.Errorf("error:\n got %s\nwant %s", msg, tt.wantErr)
				}
				var ie *inputs.Error
				if !errors.As(err, &ie) || ie.File != tt.errFile || ie.Line != tt.errLine {
					t.Errorf("error position %+v, want %s:%d", ie, tt.errFile, tt.errLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DetectPython (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPythonRuntimeNamesInputAndSource(t *testing.T) {
	p := inputs.Python{Version: "3.12", Full: "3.12.4", Source: ".python-version", File: ".python-version", Line: 1}
	if _, err := p.Runtime(fcruntime.FC3); err != nil {
		t.Fatalf("3.12 on FC 3.0: %v", err)
	}
	_, err := p.Runtime(fcruntime.FC2)
	want := "input python-version (.python-version:1): Python 3.12 is not offered by FC 2.0 for Lithops; offered: 3.6 (python3), 3.9 (python3.9), 3.10 (python3.10); use one of those with the python-version input or actions/setup-python, or choose another Lithops version (fc-api)"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
	var ie *inputs.Error
	if !errors.As(err, &ie) || ie.Input != "python-version" || ie.File != ".python-version" || ie.Line != 1 {
		t.Errorf("not an input error with the source: %+v", ie)
	}
	p = inputs.Python{Version: "3.11", Full: "3.11.9", Source: inputs.SourcePythonLocation}
	_, err = p.Runtime(fcruntime.FC3)
	want = "input python-version: Python 3.11 is not offered by FC 3.0 for Lithops; offered: 3.9 (python3.9), 3.10 (python3.10), 3.12 (python3.12), found by pythonLocation (actions/setup-python); use one of those with the python-version input or actions/setup-python, or choose another Lithops version (fc-api)"
	if err == nil || err.Error() != want {
		t.Errorf("error:\n got %v\nwant %s", err, want)
	}
}

// TestVersionFilesConfined: .python-version and the other version files are read only
// from the workspace: a symbolic link to /proc/self/environ is an error that shows none
// of it.
func TestVersionFilesConfined(t *testing.T) {
	for _, name := range []string{".python-version", ".tool-versions", "pyproject.toml"} {
		t.Run(name, func(t *testing.T) {
			ws := t.TempDir()
			if err := os.Symlink("/proc/self/environ", filepath.Join(ws, name)); err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_DRY-RUN": "true"}
			getenv := func(k string) string { return env[k] }
			cfg, err := inputs.Load(nil, getenv)
			if err != nil {
				t.Fatal(err)
			}
			_, err = inputs.DetectPython(cfg, getenv, fcruntime.Offered(fcruntime.FC3))
			if err == nil || !strings.Contains(err.Error(), "outside the workspace") || strings.Contains(err.Error(), "PATH=") {
				t.Errorf("error %v", err)
			}
		})
	}
}
