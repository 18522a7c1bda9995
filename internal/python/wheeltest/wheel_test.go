package wheeltest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestNames(t *testing.T) {
	tests := []struct {
		w                Wheel
		file, info, data string
		tags             []string
	}{
		{Wheel{Name: "ps-mem", Version: "3.14"}, "ps_mem-3.14-py3-none-any.whl", "ps_mem-3.14.dist-info", "ps_mem-3.14.data", []string{"py3-none-any"}},
		{Wheel{Name: "Foo.Bar", Version: "1.0", Build: "2", Tag: "py2.py3-none-any"}, "foo_bar-1.0-2-py2.py3-none-any.whl", "foo_bar-1.0.dist-info", "foo_bar-1.0.data", []string{"py2-none-any", "py3-none-any"}},
		{Wheel{Name: "PyYAML", DistName: "PyYAML", Version: "6.0", Tag: "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64"}, "PyYAML-6.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", "PyYAML-6.0.dist-info", "PyYAML-6.0.data",
			[]string{"cp310-cp310-manylinux_2_17_x86_64", "cp310-cp310-manylinux2014_x86_64"}},
	}
	for _, tt := range tests {
		if got := tt.w.Filename(); got != tt.file {
			t.Errorf("Filename() = %q, want %q", got, tt.file)
		}
		if got := tt.w.DistInfo(); got != tt.info {
			t.Errorf("DistInfo() = %q, want %q", got, tt.info)
		}
		if got := tt.w.DataDir(); got != tt.data {
			t.Errorf("DataDir() = %q, want %q", got, tt.data)
		}
		if got := fmt.Sprint(tt.w.Tags()); got != fmt.Sprint(tt.tags) {
			t.Errorf("Tags() = %v, want %v", got, tt.tags)
		}
	}
}

// readAll returns every entry of a wheel, failing on read errors.
func readAll(t *testing.T, b []byte) (*zip.Reader, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		out[f.Name] = data
	}
	return zr, out
}

func TestWheelIsValid(t *testing.T) {
	w := Wheel{
		Name: "demo", Version: "1.0", Tag: "cp310-cp310-manylinux_2_17_x86_64", Platlib: true, Build: "1",
		Metadata: Metadata{Summary: "demo", RequiresPython: ">=3.8", RequiresDist: []string{"six", `oss2; extra == "x"`}, ProvidesExtra: []string{"x"}},
		Files: map[string][]byte{
			"demo/__init__.py":               []byte("X = 1\n"),
			"demo-1.0.data/purelib/extra.py": []byte("Y = 2\n"),
			"demo-1.0.data/scripts/tool":     []byte("#!python\n"),
			"odd,name.py":                    []byte("Z = 3\n"),
		},
	}
	b1, b2 := w.MustBytes(t), w.MustBytes(t)
	if !bytes.Equal(b1, b2) {
		t.Fatal("two builds of the same wheel differ")
	}
	zr, files := readAll(t, b1)
	for _, f := range zr.File {
		if len(f.Extra) != 0 || f.ModifiedDate != dosDate || f.ModifiedTime != dosTime {
			t.Errorf("%s: extra %x, date %x time %x: not fixed", f.Name, f.Extra, f.ModifiedDate, f.ModifiedTime)
		}
		want := fs.FileMode(0o644)
		if strings.Contains(f.Name, "/scripts/") {
			want = 0o755
		}
		if f.Mode() != want {
			t.Errorf("%s: mode %v, want %v", f.Name, f.Mode(), want)
		}
	}
	if got := string(files["demo-1.0.dist-info/WHEEL"]); !strings.Contains(got, "Root-Is-Purelib: false\nTag: cp310-cp310-manylinux_2_17_x86_64\nBuild: 1\n") {
		t.Errorf("WHEEL:\n%s", got)
	}
	meta := string(files["demo-1.0.dist-info/METADATA"])
	for _, l := range []string{"Metadata-Version: 2.1\n", "Name: demo\n", "Version: 1.0\n", "Requires-Python: >=3.8\n", "Requires-Dist: oss2; extra == \"x\"\n", "Provides-Extra: x\n"} {
		if !strings.Contains(meta, l) {
			t.Errorf("METADATA lacks %q:\n%s", l, meta)
		}
	}
	// Every file but RECORD is in RECORD with the right hash and size.
	rows, err := csv.NewReader(bytes.NewReader(files["demo-1.0.dist-info/RECORD"])).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range rows {
		seen[r[0]] = true
		if r[0] == "demo-1.0.dist-info/RECORD" {
			if r[1] != "" || r[2] != "" {
				t.Errorf("RECORD row for itself: %v", r)
			}
			continue
		}
		sum := sha256.Sum256(files[r[0]])
		if want := "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]); r[1] != want || r[2] != strconv.Itoa(len(files[r[0]])) {
			t.Errorf("RECORD %v, want %s,%d", r, want, len(files[r[0]]))
		}
	}
	for name := range files {
		if !seen[name] {
			t.Errorf("%s missing from RECORD", name)
		}
	}
}

func TestHostileOptions(t *testing.T) {
	base := Wheel{Name: "evil", Version: "1.0", Files: map[string][]byte{"evil/__init__.py": []byte("pass\n")}}
	t.Run("entries", func(t *testing.T) {
		_, files := readAll(t, base.MustBytes(t, WithEntry("/etc/passwd", []byte("x")), WithEntry("../up.py", []byte("y"))))
		if string(files["/etc/passwd"]) != "x" || string(files["../up.py"]) != "y" {
			t.Errorf("entries missing: %v", files)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		zr, _ := readAll(t, base.MustBytes(t, WithSymlink("evil/link", "/etc/passwd")))
		var found bool
		for _, f := range zr.File {
			if f.Name == "evil/link" {
				found = f.Mode()&fs.ModeSymlink != 0
			}
		}
		if !found {
			t.Error("no symlink entry")
		}
	})
	t.Run("duplicate", func(t *testing.T) {
		zr, _ := readAll(t, base.MustBytes(t, WithDuplicate("evil/__init__.py", []byte("other\n"))))
		n := 0
		for _, f := range zr.File {
			if f.Name == "evil/__init__.py" {
				n++
			}
		}
		if n != 2 {
			t.Errorf("%d entries named evil/__init__.py, want 2", n)
		}
	})
	t.Run("lying size", func(t *testing.T) {
		b := base.MustBytes(t, WithLyingSize("evil/__init__.py", 2))
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			if f.Name != "evil/__init__.py" {
				continue
			}
			rc, _ := f.Open()
			_, err := io.ReadAll(rc)
			if f.UncompressedSize64 != 2 || err == nil {
				t.Errorf("declared %d, read error %v; want 2 and an error", f.UncompressedSize64, err)
			}
		}
	})
	t.Run("bomb", func(t *testing.T) {
		b := base.MustBytes(t, WithZipBomb("evil/zeros.bin", 64<<20))
		if len(b) > 1<<20 {
			t.Errorf("bomb wheel is %d bytes; deflate should squeeze 64 MiB of zeros under 1 MiB", len(b))
		}
		zr, files := readAll(t, b)
		if len(files["evil/zeros.bin"]) != 64<<20 {
			t.Errorf("bomb entry is %d bytes", len(files["evil/zeros.bin"]))
		}
		_ = zr
	})
	t.Run("record", func(t *testing.T) {
		_, files := readAll(t, base.MustBytes(t, WithRecordHash("evil/__init__.py", "sha256=AAAA,5"), WithoutFile("evil-1.0.dist-info/WHEEL")))
		if !strings.Contains(string(files["evil-1.0.dist-info/RECORD"]), "evil/__init__.py,sha256=AAAA,5\n") {
			t.Errorf("RECORD:\n%s", files["evil-1.0.dist-info/RECORD"])
		}
		if _, ok := files["evil-1.0.dist-info/WHEEL"]; ok {
			t.Error("WHEEL was not left out")
		}
	})
	t.Run("metadata mismatch", func(t *testing.T) {
		w := base
		w.Metadata.Name, w.Metadata.PackageVersion = "other", "9.9"
		_, files := readAll(t, w.MustBytes(t))
		m := string(files["evil-1.0.dist-info/METADATA"])
		if !strings.Contains(m, "Name: other\n") || !strings.Contains(m, "Version: 9.9\n") {
			t.Errorf("METADATA:\n%s", m)
		}
	})
}

func TestFixturesAreMarkedAndStable(t *testing.T) {
	all := append([]Wheel{Lithops("3.7.0"), Lithops("3.6.4")}, Workers("3.7.0")...)
	for _, w := range all {
		if !strings.HasPrefix(w.Metadata.Summary, "FIXTURE") {
			t.Errorf("%s: Summary %q does not say FIXTURE", w.Name, w.Metadata.Summary)
		}
		for p, src := range w.Files {
			if strings.HasSuffix(p, ".py") && !strings.Contains(string(src), "FIXTURE") {
				t.Errorf("%s: %s not marked as a fixture", w.Name, p)
			}
		}
		a, b := sha256.Sum256(w.MustBytes(t)), sha256.Sum256(w.MustBytes(t))
		if a != b {
			t.Errorf("%s: fixture wheel hash is not stable", w.Name)
		}
	}
	if n := len(Workers("3.6.4")); n != 5 {
		t.Errorf("Workers(3.6.4) has %d wheels, want 5 (no six)", n)
	}
	if n := len(Workers("3.7.0")); n != 6 {
		t.Errorf("Workers(3.7.0) has %d wheels, want 6", n)
	}
}

// TestLithopsFixtureRuns installs the fixtures with pip's layout (every wheel unpacked
// into one folder) and calls the entry point as FC would, checking the metadata answer
// against the interpreter that ran it.
func TestLithopsFixtureRuns(t *testing.T) {
	for _, tc := range []struct{ py, lithops string }{{"3.12", "3.7.0"}, {"3.10", "3.7.0"}, {"3.6", "3.6.4"}} {
		t.Run(tc.py, func(t *testing.T) {
			python := Python(t, tc.py)
			dir := t.TempDir()
			site := filepath.Join(dir, "site")
			// FC's runtime has its preinstalled modules (requests, six...) on the path too.
			runtime := "python" + tc.py
			if tc.py == "3.6" {
				runtime = "python3"
			}
			seen := map[string]bool{}
			for _, w := range append(append(Workers(tc.lithops), Lithops(tc.lithops)), FCPreinstalled(runtime)...) {
				if !seen[w.Name] {
					seen[w.Name] = true
					Extract(t, w.MustWrite(t, dir), site)
				}
			}
			got := runMetadata(t, python, site, "lithops.serverless.backends.aliyun_fc.entry_point")
			if got.PythonVersion != tc.py || got.LithopsVersion != tc.lithops {
				t.Errorf("metadata python %q lithops %q, want %q %q", got.PythonVersion, got.LithopsVersion, tc.py, tc.lithops)
			}
			mods := map[string]bool{}
			for _, m := range got.Preinstalls {
				mods[fmt.Sprintf("%v %v", m[0], m[1])] = true
			}
			for _, want := range []string{"lithops true", "pika true", "ps_mem false", "json true"} {
				if !mods[want] {
					t.Errorf("preinstalls lack [%s]", want)
				}
			}
		})
	}
	t.Run("missing worker module", func(t *testing.T) {
		python := Python(t, "3.12")
		dir := t.TempDir()
		site := filepath.Join(dir, "site")
		Extract(t, Lithops("3.7.0").MustWrite(t, dir), site)
		_, err := metadataCall(python, site, "lithops.serverless.backends.aliyun_fc.entry_point")
		if err == nil || !strings.Contains(err.Error(), "No module named") {
			t.Errorf("lithops without its worker modules: err = %v, want an import error", err)
		}
	})
}

type metadata struct {
	Preinstalls    [][2]any `json:"preinstalls"`
	PythonVersion  string   `json:"python_version"`
	LithopsVersion string   `json:"lithops_version"`
}

func runMetadata(t *testing.T, python, dir, module string) metadata {
	t.Helper()
	out, err := metadataCall(python, dir, module)
	if err != nil {
		t.Fatal(err)
	}
	var m metadata
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("metadata answer %q: %v", out, err)
	}
	return m
}

// metadataCall runs module.main with the payload Lithops sends and a context carrying a
// request id, from a clean interpreter whose only extra path is dir.
func metadataCall(python, dir, module string) ([]byte, error) {
	script := `import json, sys, types, importlib
sys.path.insert(0, sys.argv[1])
m = importlib.import_module(sys.argv[2])
ctx = types.SimpleNamespace(request_id="req-1")
print(json.dumps(m.main(b'{"get_metadata": true, "log_level": 20}', ctx)))`
	cmd := exec.Command(python, "-I", "-c", script, dir, module)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, errors.New(err.Error() + ": " + stderr.String())
	}
	return out, nil
}

func TestPythonSkipsLoudly(t *testing.T) {
	t.Setenv("PYENV_ROOT", t.TempDir())
	ok := t.Run("inner", func(t *testing.T) {
		Python(t, "3.12")
		t.Error("Python did not skip for a missing interpreter")
	})
	if !ok {
		t.Error("inner test failed")
	}

}
