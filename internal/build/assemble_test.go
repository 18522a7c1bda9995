package build

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"hash/crc64"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// notImportable are real-world pure wheels left out of the import test, each for a
// reason outside this package: a dependency that is a cp311 binary wheel (unusable on
// 3.10/3.12), a wheel refused because its files were edited after installation on this
// machine, or a release older than the target Python.
var notImportable = map[string]string{
	"boto3": "needs botocore (refused: altered CA bundle)", "s3transfer": "needs botocore", "moto": "needs botocore",
	"awscli": "needs botocore", "aws_sam_translator": "needs boto3 and pydantic_core",
	"requests": "needs certifi (refused: altered CA bundle)", "docker": "needs requests",
	"cfn_lint": "needs PyYAML (cp311)", "responses": "needs PyYAML (cp311)",
	"Flask": "needs MarkupSafe (cp311)", "flask_cors": "needs MarkupSafe", "Jinja2": "needs MarkupSafe", "Werkzeug": "needs MarkupSafe",
	"jsonschema": "needs rpds-py (cp311)", "jsonschema_path": "needs rpds-py", "jsonschema_specifications": "needs rpds-py",
	"openapi_schema_validator": "needs rpds-py", "openapi_spec_validator": "needs rpds-py", "referencing": "needs rpds-py",
	"pydantic": "needs pydantic_core (cp311)", "pydantic_settings": "needs pydantic_core",
	"matplotlib_inline": "needs matplotlib (not installed)", "setuptools": "65.5 predates Python 3.12",
	"trio": "needs exceptiongroup on 3.10 (not installed)",
	"pip":  "refused: altered CA bundle", "certifi": "refused: altered CA bundle", "botocore": "refused: altered CA bundle",
}

// pureRealWheels returns every real-world py3/py2.py3 wheel not in notImportable.
func pureRealWheels(t *testing.T) []Wheel {
	files, _ := filepath.Glob(filepath.Join(realWheels(t), "*-none-any.whl"))
	var out []Wheel
	for _, f := range files {
		prefix := strings.SplitN(filepath.Base(f), "-", 2)[0]
		if _, skip := notImportable[prefix]; !skip {
			out = append(out, realWheel(t, prefix))
		}
	}
	if len(out) < 40 {
		t.Fatalf("only %d importable pure real wheels", len(out))
	}
	return out
}

// TestAssembleImports unpacks the runtime and, with the target's CPython, imports every
// top-level module of every distribution and makes the metadata call of the entry point.
func TestAssembleImports(t *testing.T) {
	tests := []struct {
		name, python, lithops string
		target                tags.Target
		real                  bool // add the real-world pure wheels (then six and cloudpickle are the real ones)
	}{
		{"3.12 lithops 3.7 with real wheels", "3.12", "3.7.0", py312, true},
		{"3.10 lithops 3.7 with real wheels", "3.10", "3.7.0", py310, true},
		{"3.10 lithops 3.6.4 (FC 2.0)", "3.10", "3.6.4", py310, false},
		{"3.9 lithops 3.6.4", "3.9", "3.6.4", tags.Target{Python: [2]int{3, 9}, Glibc: py310.Glibc}, false},
		{"3.6 lithops 3.6.4 (python3 runtime)", "3.6", "3.6.4", tags.Target{Python: [2]int{3, 6}, Glibc: py310.Glibc}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			python := wheeltest.Python(t, tt.python)
			dir := t.TempDir()
			in := Input{Lithops: fixtureWheel(t, dir, wheeltest.Lithops(tt.lithops)), Target: tt.target, OutDir: filepath.Join(dir, "out"), LithopsVersion: tt.lithops}
			for _, w := range wheeltest.Workers(tt.lithops) {
				if tt.real && (w.Name == "six" || w.Name == "cloudpickle") {
					continue
				}
				in.Wheels = append(in.Wheels, fixtureWheel(t, dir, w))
			}
			if tt.real {
				in.Wheels = append(in.Wheels, pureRealWheels(t)...)
			}
			res, err := Assemble(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			mods := allTopLevel(res)
			meta := runRuntime(t, python, res.ZipPath, mods)
			if meta.PythonVersion != tt.python || meta.LithopsVersion != tt.lithops || res.LithopsVersion != tt.lithops {
				t.Errorf("metadata python %q lithops %q (result %q), want %q %q", meta.PythonVersion, meta.LithopsVersion, res.LithopsVersion, tt.python, tt.lithops)
			}
			pre := preinstalled(meta)
			for _, m := range []string{"entry_point", "lithops", "pika", "tblib", "cloudpickle", "ps_mem", "psutil"} {
				if !pre[m] {
					t.Errorf("preinstalls lack %s", m)
				}
			}
			// Lithops' client-side requirements are declared in its METADATA but must
			// not be in the runtime (unless the user's requirements add them).
			added := map[string]bool{}
			for _, m := range mods {
				added[m] = true
			}
			// requests is on FC's path anyway: preinstalled, as in runRuntime.
			for _, m := range []string{"click", "yaml", "paramiko", "tqdm", "tabulate"} {
				if pre[m] && !added[m] {
					t.Errorf("client-side dependency %s is in the runtime", m)
				}
			}
			t.Logf("%d distributions, %d modules imported, %d entries, %d bytes (%s)", len(res.Distributions), len(mods), res.Entries, res.Size, res.Delivery)
		})
	}
}

// zipEntries reads the runtime zip back.
func zipEntries(t *testing.T, p string) (*zip.ReadCloser, map[string][]byte) {
	t.Helper()
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { zr.Close() })
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		files[f.Name] = b
	}
	return zr, files
}

// layoutWheel exercises every .data kind, bin/, bytecode and signatures.
func layoutWheel() wheeltest.Wheel {
	return wheeltest.Wheel{
		Name: "Layout.Demo", Version: "2.0", Tag: "cp310-cp310-manylinux_2_17_x86_64", Platlib: true,
		Files: map[string][]byte{
			"layout_demo/__init__.py":                        []byte("from layout_demo import helper\n"),
			"layout_demo/helper.py":                          []byte("VALUE = 42\n"),
			"layout_demo/__pycache__/helper.cpython-310.pyc": []byte("bytecode"),
			"layout_demo/stale.pyc":                          []byte("bytecode"),
			"layout_demo-2.0.data/purelib/layout_pure.py":    []byte("PURE = True\n"),
			"layout_demo-2.0.data/platlib/layout_plat.py":    []byte("PLAT = True\n"),
			"layout_demo-2.0.data/data/share/layout/x.json":  []byte("{}\n"),
			"layout_demo-2.0.data/scripts/layout-cli":        []byte("#!python\nprint('cli')\n"),
			"layout_demo-2.0.data/headers/layout.h":          []byte("int x;\n"),
			"bin/layout-tool":                                []byte("#!/bin/sh\n"),
			"layout_demo-2.0.dist-info/top_level.txt":        []byte("layout_demo\n"),
			"layout_demo-2.0.dist-info/RECORD.jws":           []byte("{}"),
			"données.py":                                     []byte("UNICODE = 1\n"),
		},
	}
}

func TestAssembleLayout(t *testing.T) {
	dir := t.TempDir()
	in := fixtureInput(t, dir, "3.7.0", py310)
	in.Wheels = append(in.Wheels, fixtureWheel(t, dir, layoutWheel()))
	in.Files = []File{{Path: "lithops_smoke.py", Data: []byte("def main(event, context):\n    return 'ok'\n")}, {Path: "tools/run.sh", Data: []byte("#!/bin/sh\n"), Mode: 0o755}}
	res, err := Assemble(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	zr, files := zipEntries(t, res.ZipPath)

	// Sorted, dated 1980-01-01, normalized modes, no extra fields, no folders.
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if len(f.Extra) != 0 || f.ModifiedDate != fixedDate || f.ModifiedTime != fixedTime || f.Comment != "" {
			t.Errorf("%s: extra %x date %x time %x", f.Name, f.Extra, f.ModifiedDate, f.ModifiedTime)
		}
		if m := f.Mode(); m != 0o644 && m != 0o755 {
			t.Errorf("%s: mode %v", f.Name, m)
		}
		if strings.HasSuffix(f.Name, "/") {
			t.Errorf("folder entry %s", f.Name)
		}
	}
	if !sort.StringsAreSorted(names) {
		t.Error("entries are not sorted")
	}
	if res.Entries != len(names) {
		t.Errorf("Result.Entries = %d, zip has %d", res.Entries, len(names))
	}
	for _, p := range []string{"entry_point.py", "lithops/version.py", "layout_demo/helper.py", "layout_pure.py", "layout_plat.py",
		"share/layout/x.json", "layout_demo-2.0.dist-info/METADATA", "layout_demo-2.0.dist-info/RECORD", "données.py", "lithops_smoke.py", "tools/run.sh"} {
		if _, ok := files[p]; !ok {
			t.Errorf("%s missing", p)
		}
	}
	for _, p := range names {
		if strings.Contains(p, "__pycache__") || strings.HasSuffix(p, ".pyc") || strings.HasPrefix(p, "bin/") ||
			strings.Contains(p, ".data/") || strings.HasSuffix(p, ".h") || strings.HasSuffix(p, "RECORD.jws") || strings.Contains(p, "layout-cli") {
			t.Errorf("%s should have been dropped", p)
		}
	}
	if !bytes.Equal(files["entry_point.py"], files["lithops/serverless/backends/aliyun_fc/entry_point.py"]) {
		t.Error("entry_point.py differs from the lithops wheel's aliyun_fc entry point")
	}
	for _, f := range zr.File {
		if f.Name == "tools/run.sh" && f.Mode() != 0o755 || f.Name == "données.py" && f.Flags&0x800 == 0 {
			t.Errorf("%s: mode %v flags %x", f.Name, f.Mode(), f.Flags)
		}
	}

	// Every RECORD lists exactly its distribution's shipped files, with right hashes.
	owned := map[string]string{}
	for name, data := range files {
		if !strings.HasSuffix(name, ".dist-info/RECORD") {
			continue
		}
		rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Contains(data, []byte("\r\n")) {
			t.Errorf("%s: not CRLF like pip's", name)
		}
		for _, r := range rows {
			if prev, dup := owned[r[0]]; dup {
				t.Errorf("%s listed by %s and %s", r[0], prev, name)
			}
			owned[r[0]] = name
			if r[0] == name {
				continue
			}
			content, ok := files[r[0]]
			sum := sha256.Sum256(content)
			if !ok || r[1] != "sha256="+base64.RawURLEncoding.EncodeToString(sum[:]) || r[2] != strconv.Itoa(len(content)) {
				t.Errorf("%s: row %v does not match the shipped file", name, r)
			}
		}
	}
	for name := range files {
		if _, ok := owned[name]; !ok && name != "entry_point.py" && name != "lithops_smoke.py" && name != "tools/run.sh" {
			t.Errorf("%s is in no RECORD", name)
		}
	}

	// Result figures agree with the file.
	b, _ := os.ReadFile(res.ZipPath)
	sum := sha256.Sum256(b)
	if res.SHA256 != hex.EncodeToString(sum[:]) || res.Size != int64(len(b)) {
		t.Errorf("Result sha256/size %s %d, file %x %d", res.SHA256, res.Size, sum, len(b))
	}
	if want := strconv.FormatUint(crc64.Checksum(b, crc64.MakeTable(crc64.ECMA)), 10); res.CodeChecksum != want {
		t.Errorf("CodeChecksum %s, want %s", res.CodeChecksum, want)
	}
	if res.Delivery != Inline || res.Base64Size != int64(len(base64.StdEncoding.EncodeToString(b))) {
		t.Errorf("Delivery %s Base64Size %d", res.Delivery, res.Base64Size)
	}
	var demo *Distribution
	var sumComp int64
	for i, d := range res.Distributions {
		sumComp += d.Compressed
		if d.Name == "Layout.Demo" {
			demo = &res.Distributions[i]
		}
	}
	if demo == nil || strings.Join(demo.TopLevel, ",") != "données,layout_demo,layout_plat,layout_pure,share" || demo.Entries != 10 || demo.Tag != "cp310-cp310-manylinux_2_17_x86_64" {
		t.Errorf("Layout.Demo stats %+v", demo)
	}
	if sumComp >= res.Size {
		t.Errorf("distributions' compressed sizes %d ≥ zip size %d", sumComp, res.Size)
	}

	// importlib.metadata finds every distribution, its version and its files.
	python := wheeltest.Python(t, "3.12")
	unpacked := t.TempDir()
	wheeltest.Extract(t, res.ZipPath, unpacked)
	script := `import importlib.metadata as md, sys
sys.path.insert(0, sys.argv[1])
for name in sys.argv[2:]:
    d = md.distribution(name)
    missing = [str(f) for f in d.files if not f.locate().exists()]
    print(name, d.version, len(d.files), missing)`
	args := []string{"-I", "-S", "-c", script, unpacked}
	for _, d := range res.Distributions {
		args = append(args, d.Name)
	}
	out, err := exec.Command(python, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("importlib.metadata: %v\n%s", err, out)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if !strings.HasSuffix(line, " []") {
			t.Errorf("importlib.metadata: %s", line)
		}
	}
	if !strings.Contains(string(out), "Layout.Demo 2.0 10 []") {
		t.Errorf("importlib.metadata output:\n%s", out)
	}
}

// TestAssembleReproducible builds the same package twice, from wheels in different
// folders, in a different order, and wants the same bytes.
func TestAssembleReproducible(t *testing.T) {
	build := func(reverse bool) *Result {
		dir := t.TempDir()
		in := fixtureInput(t, dir, "3.7.0", py312)
		in.Wheels = append(in.Wheels, fixtureWheel(t, dir, layoutWheel()), realWheel(t, "idna"), realWheel(t, "attrs"))
		in.Exclude = []string{"psutil", "ps_mem"}
		in.Files = []File{{Path: "smoke.py", Data: []byte("x = 1\n")}, {Path: "a/b.txt", Data: []byte("b\n")}}
		if reverse {
			for i, j := 0, len(in.Wheels)-1; i < j; i, j = i+1, j-1 {
				in.Wheels[i], in.Wheels[j] = in.Wheels[j], in.Wheels[i]
			}
			in.Exclude = []string{"PS-Mem", "psutil"}
			in.Files[0], in.Files[1] = in.Files[1], in.Files[0]
		}
		res, err := Assemble(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a, b := build(false), build(true)
	if a.SHA256 != b.SHA256 || a.CodeChecksum != b.CodeChecksum || a.Size != b.Size {
		t.Fatalf("builds differ: %s %s vs %s %s", a.SHA256, a.CodeChecksum, b.SHA256, b.CodeChecksum)
	}
	la, _ := os.ReadFile(a.LockPath)
	lb, _ := os.ReadFile(b.LockPath)
	// The lock records URLs, not the local folders, so it is identical too.
	if !bytes.Equal(la, lb) {
		t.Errorf("pylock.toml differs:\n%s\n---\n%s", la, lb)
	}
	if strings.Join(a.Excluded, ",") != "ps-mem,psutil" {
		t.Errorf("Excluded = %v", a.Excluded)
	}
	t.Logf("sha256 %s, codeChecksum %s", a.SHA256, a.CodeChecksum)
}

// TestAssembleOutputModes: runtime.zip and pylock.toml are readable by everyone. A
// container action runs as root, and the later steps that read them (upload-artifact)
// run as the runner's user.
func TestAssembleOutputModes(t *testing.T) {
	dir := t.TempDir()
	res, err := Assemble(context.Background(), fixtureInput(t, dir, "3.7.0", py312))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{res.ZipPath, res.LockPath} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s has mode %v, want -rw-r--r--", filepath.Base(p), fi.Mode().Perm())
		}
	}
}

func TestAssembleErrors(t *testing.T) {
	dir := t.TempDir()
	clash := func(name, content string) wheeltest.Wheel {
		return wheeltest.Wheel{Name: name, Version: "1.0", Files: map[string][]byte{"tests/__init__.py": []byte(content), name + "/__init__.py": nil}}
	}
	fileVsDir := wheeltest.Wheel{Name: "shadow", Version: "1.0", Files: map[string][]byte{"lithops": []byte("not a folder")}}
	dataDotDot := wheeltest.Wheel{Name: "sneaky", Version: "1.0", Files: map[string][]byte{"sneaky-1.0.data/purelib/../../x.py": nil}}
	entry := wheeltest.Wheel{Name: "grabber", Version: "1.0", Files: map[string][]byte{"entry_point.py": []byte("def main(e, c): pass\n")}}
	noEntry := wheeltest.Lithops("3.7.0")
	delete(noEntry.Files, "lithops/serverless/backends/aliyun_fc/entry_point.py")
	tests := []struct {
		name string
		edit func(*Input)
		want []string
	}{
		{"same path, different content", func(in *Input) {
			in.Wheels = append(in.Wheels, fixtureWheel(t, dir, clash("alpha", "A\n")), fixtureWheel(t, dir, clash("beta", "B\n")))
		}, []string{"alpha 1.0 and beta 1.0 both install tests/__init__.py with different content", "exclude"}},
		{"file and folder", func(in *Input) { in.Wheels = append(in.Wheels, fixtureWheel(t, dir, fileVsDir)) }, []string{"shadow 1.0 installs the file lithops, but lithops 3.7.0 installs lithops/"}},
		{"entry_point.py taken", func(in *Input) { in.Wheels = append(in.Wheels, fixtureWheel(t, dir, entry)) }, []string{"grabber 1.0 and lithops 3.7.0 both install entry_point.py"}},
		{"extra file clash", func(in *Input) { in.Files = []File{{Path: "pika/__init__.py", Data: []byte("x")}} }, []string{`pika 1.3.2 and the extra file "pika/__init__.py" both install pika/__init__.py`}},
		{"extra file absolute", func(in *Input) { in.Files = []File{{Path: "/etc/x", Data: []byte("x")}} }, []string{`extra file "/etc/x": absolute path`}},
		{"extra file dotdot", func(in *Input) { in.Files = []File{{Path: "a/../../x", Data: []byte("x")}} }, []string{`extra file "a/../../x": path contains ".."`}},
		{".data escaping", func(in *Input) { in.Wheels = append(in.Wheels, fixtureWheel(t, dir, dataDotDot)) }, []string{"sneaky-1.0-py3-none-any.whl", `path contains ".."`}},
		{"twice", func(in *Input) { in.Wheels = append(in.Wheels, in.Wheels[0]) }, []string{"distribution pika is given twice"}},
		{"lithops among wheels", func(in *Input) {
			in.Wheels = append(in.Wheels, fixtureWheel(t, t.TempDir(), wheeltest.Lithops("3.7.0")))
		}, []string{"a lithops wheel is among the other wheels"}},
		{"exclude lithops", func(in *Input) { in.Exclude = []string{"Lithops"} }, []string{"`exclude` lists lithops"}},
		{"lithops version", func(in *Input) { in.LithopsVersion = "3.7.1" }, []string{`has __version__ "3.7.0" but lithops-version is "3.7.1"`}},
		{"no entry point", func(in *Input) { in.Lithops = fixtureWheel(t, t.TempDir(), noEntry) }, []string{"has no lithops/serverless/backends/aliyun_fc/entry_point.py"}},
		{"resolver disagrees", func(in *Input) { in.Wheels[0].Version = pep440.MustParse("9.9") }, []string{"holds pika 1.3.2, but the resolver chose pika 9.9"}},
		{"stale manifest", func(in *Input) {
			m, err := Inspect(context.Background(), in.Wheels[1].Path)
			if err != nil {
				t.Fatal(err)
			}
			in.Wheels[0].Manifest = m
		}, []string{"its manifest describes another file"}},
		{"no target", func(in *Input) { in.Target = tags.Target{} }, []string{"Python version and glibc are required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := fixtureInput(t, t.TempDir(), "3.7.0", py312)
			sort.Slice(in.Wheels, func(i, j int) bool { return in.Wheels[i].Name < in.Wheels[j].Name })
			in.Wheels[0], in.Wheels[1] = in.Wheels[1], in.Wheels[0] // pika first, then cloudpickle
			tt.edit(&in)
			_, err := Assemble(context.Background(), in)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if left, _ := filepath.Glob(filepath.Join(in.OutDir, "*")); len(left) > 0 {
				t.Errorf("left behind: %v", left)
			}
		})
	}
}

func TestAssembleWarnings(t *testing.T) {
	dir := t.TempDir()
	in := fixtureInput(t, dir, "3.7.0", py312)
	same := func(name string) wheeltest.Wheel {
		return wheeltest.Wheel{Name: name, Version: "1.0", Files: map[string][]byte{"nspace/__init__.py": []byte("__path__ = __import__('pkgutil').extend_path(__path__, __name__)\n"), "nspace/" + name + ".py": nil}}
	}
	nspkg := wheeltest.Wheel{Name: "oldns", Version: "1.0", Files: map[string][]byte{"oldns-1.0-py3.10-nspkg.pth": []byte("import sys\n"), "oldns/x.py": nil}}
	in.Wheels = append(in.Wheels, fixtureWheel(t, dir, same("one")), fixtureWheel(t, dir, same("two")), fixtureWheel(t, dir, nspkg))
	in.Exclude = []string{"boto3"}
	res, err := Assemble(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	w := strings.Join(res.Warnings, "\n")
	for _, s := range []string{"`exclude` names boto3, which is not among the resolved distributions", "one and two both install nspace/__init__.py with identical content; kept once", "oldns relies on oldns-1.0-py3.10-nspkg.pth"} {
		if !strings.Contains(w, s) {
			t.Errorf("warnings lack %q:\n%s", s, w)
		}
	}
}

func TestAssembleCancelled(t *testing.T) {
	in := fixtureInput(t, t.TempDir(), "3.7.0", py312)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Assemble(ctx, in); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}
