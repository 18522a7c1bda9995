package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// fixtureInput is the FIXTURE lithops 3.7.0 with its container runtime wheels, and
// user wheels, written into dir.
func fixtureInput(t testing.TB, dir string, user ...wheeltest.Wheel) Input {
	t.Helper()
	return Input{
		Python:  "3.12",
		Lithops: imagetest.Describe(t, dir, imagetest.Lithops("3.7.0", "")),
		Runtime: imagetest.DescribeAll(t, dir, imagetest.Runtime("3.7.0")),
		Wheels:  imagetest.DescribeAll(t, dir, user),
	}
}

func userWheel() wheeltest.Wheel {
	return wheeltest.Wheel{Name: "my-lib", Version: "1.2.0", Files: map[string][]byte{
		"my_lib/__init__.py":                          []byte("ANSWER = 42\n"),
		"my_lib/__pycache__/__init__.cpython-312.pyc": []byte("stale bytecode"),
		"my_lib-1.2.0.data/purelib/my_lib_extra.py":   []byte("EXTRA = True\n"),
		"my_lib-1.2.0.data/scripts/my-tool":           []byte("#!python\n"),
	}}
}

func mustInspect(t testing.TB, spec imagetest.BaseSpec) *Base {
	t.Helper()
	b, err := InspectImage(context.Background(), "example/python:3.12-slim-bookworm", imagetest.Base(t, spec))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustBuild(t testing.TB, base *Base, in Input, opts ...Option) *Result {
	t.Helper()
	res, err := Build(context.Background(), base, in, append([]Option{WithWorkDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Close() })
	return res
}

type fsEntry struct {
	h    *tar.Header
	data string
}

// files lists a layer's entries.
func layerEntries(t testing.TB, l v1.Layer) []fsEntry {
	t.Helper()
	rc, err := l.Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	var out []fsEntry
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		out = append(out, fsEntry{h, string(b)})
	}
}

func TestBuildLayout(t *testing.T) {
	dir := t.TempDir()
	base := mustInspect(t, imagetest.Debian12("3.12"))
	res := mustBuild(t, base, fixtureInput(t, dir, userWheel()))

	baseLayers, _ := base.Image.Layers()
	layers, err := res.Image.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != len(baseLayers)+2 || len(res.Layers) != 2 {
		t.Fatalf("%d layers on a base of %d; Result.Layers %+v", len(layers), len(baseLayers), res.Layers)
	}
	site := "usr/local/lib/python3.12/site-packages/"
	want := map[string][]string{
		LayerRuntime: {"function/container_entry_point.py", "function/lithops/__init__.py", "function/lithops/version.py",
			"function/lithops/serverless/backends/aliyun_fc/container_entry_point.py",
			site + "gunicorn/__main__.py", site + "flask/__init__.py", site + "flask-3.1.3.dist-info/RECORD", site + "six.py", site + "psutil/__init__.py"},
		LayerRequirements: {site + "my_lib/__init__.py", site + "my_lib_extra.py", site + "my_lib-1.2.0.dist-info/METADATA", site + "my_lib-1.2.0.dist-info/RECORD"},
	}
	for i, info := range res.Layers {
		l := layers[len(baseLayers)+i]
		if d, _ := l.Digest(); d != info.Digest {
			t.Errorf("layer %s: digest %s, Result says %s", info.Name, d, info.Digest)
		}
		entries := layerEntries(t, l)
		names := map[string]fsEntry{}
		var order []string
		for _, e := range entries {
			names[strings.TrimSuffix(e.h.Name, "/")] = e
			order = append(order, e.h.Name)
			h := e.h
			if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || !h.ModTime.Equal(fixedTime) {
				t.Errorf("%s: owner %d:%d %q:%q time %s; want root, no names, %s", h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.ModTime, fixedTime)
			}
			if strings.Contains(h.Name, "__pycache__") || strings.HasSuffix(h.Name, ".pyc") || strings.Contains(h.Name, "scripts") || strings.Contains(h.Name, "/bin/") {
				t.Errorf("%s: bytecode and scripts are not installed", h.Name)
			}
			if strings.Contains(h.Name, "lithops-3.7.0.dist-info") {
				t.Errorf("%s: Lithops' image unzips the lithops package only", h.Name)
			}
		}
		if !sort.StringsAreSorted(order) {
			t.Errorf("layer %s entries are not sorted", info.Name)
		}
		for _, p := range want[info.Name] {
			if _, ok := names[p]; !ok {
				t.Errorf("layer %s lacks %s", info.Name, p)
			}
		}
		// Every folder comes before what it holds.
		for _, n := range order {
			for d := path.Dir(strings.TrimSuffix(n, "/")); d != "."; d = path.Dir(d) {
				if _, ok := names[d]; !ok {
					t.Errorf("layer %s: %s has no folder entry %s", info.Name, n, d)
				}
			}
		}
		if info.Name == LayerRuntime {
			ep := names["function/container_entry_point.py"]
			if ep.data != imagetest.ContainerEntryPoint || ep.h.Mode != 0o644 {
				t.Errorf("container_entry_point.py: mode %o, content from the wheel's %s: %v", ep.h.Mode, "container_entry_point.py", ep.data == imagetest.ContainerEntryPoint)
			}
			if d := names["function"]; d.h == nil || d.h.Typeflag != tar.TypeDir || d.h.Mode != 0o755 {
				t.Errorf("function folder entry %+v", d.h)
			}
		}
	}

	cf, err := res.Image.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	wantCmd := "/usr/local/bin/python3.12 -m gunicorn --bind 0.0.0.0:9000 --workers 1 --timeout 600 --keep-alive 95 container_entry_point:app"
	if got := strings.Join(cf.Config.Cmd, " "); got != wantCmd || cf.Config.Entrypoint != nil || cf.Config.WorkingDir != "/function" {
		t.Errorf("Cmd %q Entrypoint %q WorkingDir %q", got, cf.Config.Entrypoint, cf.Config.WorkingDir)
	}
	env := strings.Join(cf.Config.Env, " ")
	for _, kv := range []string{"APP_HOME=/function", "CAPort=9000", "PYTHON_VERSION=3.12.0", "PATH=/usr/local/bin"} {
		if !strings.Contains(env, kv) {
			t.Errorf("Env %s lacks %s (the base's variables are kept)", env, kv)
		}
	}
	if !cf.Created.Time.Equal(fixedTime) {
		t.Errorf("Created %s", cf.Created)
	}
	if res.LithopsVersion != "3.7.0" || res.Glibc != base.Glibc || res.Python.Version != "3.12" {
		t.Errorf("result %+v", res)
	}
	var dists []string
	for _, d := range res.Distributions {
		dists = append(dists, d.Name+"@"+d.Layer)
	}
	if got := strings.Join(dists, " "); !strings.Contains(got, "my-lib@requirements") || !strings.Contains(got, "gunicorn@runtime") || !strings.Contains(got, "lithops@runtime") {
		t.Errorf("Distributions %s", got)
	}
}

// TestBuildRuns imports the entry point from the image's files with a real CPython and
// calls its WSGI app with Lithops' metadata request, as FC's /invoke does.
func TestBuildRuns(t *testing.T) {
	python := wheeltest.Python(t, "3.12")
	res := mustBuild(t, mustInspect(t, imagetest.Debian12("3.12")), fixtureInput(t, t.TempDir(), userWheel()))
	root := t.TempDir()
	unpack(t, res.Image, root)
	script := `import io, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import container_entry_point, my_lib
from wsgiref.util import setup_testing_defaults
body = b'{"get_metadata": true, "log_level": 20}'
env = {'REQUEST_METHOD': 'POST', 'PATH_INFO': '/invoke', 'CONTENT_LENGTH': str(len(body)), 'wsgi.input': io.BytesIO(body), 'HTTP_X_FC_REQUEST_ID': 'r-1'}
setup_testing_defaults(env)
status = []
out = b''.join(container_entry_point.app(env, lambda s, h: status.append(s)))
print(json.dumps({'status': status[0], 'body': json.loads(out), 'answer': my_lib.ANSWER}))
`
	cmd := exec.Command(python, "-I", "-S", "-c", script, filepath.Join(root, "function"), filepath.Join(root, "usr/local/lib/python3.12/site-packages"))
	cmd.Dir = filepath.Join(root, "function")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	var got struct {
		Status string `json:"status"`
		Body   struct {
			Preinstalls    [][2]any `json:"preinstalls"`
			PythonVersion  string   `json:"python_version"`
			LithopsVersion string   `json:"lithops_version"`
		} `json:"body"`
		Answer int `json:"answer"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	mods := map[string]bool{}
	for _, p := range got.Body.Preinstalls {
		mods[p[0].(string)] = true
	}
	if got.Status != "200 OK" || got.Body.LithopsVersion != "3.7.0" || got.Body.PythonVersion != "3.12" || got.Answer != 42 || !mods["lithops"] || !mods["flask"] || !mods["my_lib"] {
		t.Errorf("answer %s", out)
	}
}

// unpack writes img's flattened filesystem (regular files and folders) under root.
func unpack(t testing.TB, img v1.Image, root string) {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.FromSlash(h.Name))
		switch h.Typeflag {
		case tar.TypeDir:
			os.MkdirAll(p, 0o755)
		case tar.TypeReg:
			os.MkdirAll(filepath.Dir(p), 0o755)
			b, _ := io.ReadAll(tr)
			os.WriteFile(p, b, 0o644)
		}
	}
}

// TestReproducible: two builds from the same inputs, written afresh into other folders
// at another time, give the same digests; pushing the second uploads no blob and no
// manifest. Changing one user wheel changes the requirements layer only.
func TestReproducible(t *testing.T) {
	reg := imagetest.NewRegistry(t)
	baseRef := reg.Put(t, "library/python:3.12-slim-bookworm", imagetest.Base(t, imagetest.Debian12("3.12")))
	ctx := context.Background()
	build1 := func(user wheeltest.Wheel) *Result {
		base, err := Inspect(ctx, baseRef)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		in := fixtureInput(t, dir, user)
		// Other file times must not matter.
		later := time.Now().Add(time.Hour)
		filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { os.Chtimes(p, later, later); return nil })
		return mustBuild(t, base, in)
	}
	first, second := build1(userWheel()), build1(userWheel())
	if first.Digest != second.Digest {
		t.Fatalf("two builds of the same inputs: %s and %s", first.Digest, second.Digest)
	}
	for i := range first.Layers {
		if first.Layers[i] != second.Layers[i] {
			t.Errorf("layer %d: %+v and %+v", i, first.Layers[i], second.Layers[i])
		}
	}
	target := reg.Host + "/ns/lithops-aliyunfc-rt:v3-7-0"
	reg.Reset()
	p1, err := Push(ctx, first.Image, target)
	if err != nil {
		t.Fatal(err)
	}
	c1 := reg.Counts()
	// Our layers (2) and the config; the base's layers are in the same registry, so
	// go-containerregistry mounts them from the base's repository instead of uploading.
	if p1.Blobs != 3 || c1.BlobUploads != 3 || c1.ManifestPuts != 1 || !p1.ManifestPut || p1.Bytes != c1.BlobBytes {
		t.Errorf("first push: %+v; registry saw %+v", p1, c1)
	}
	if p1.Ref != reg.Host+"/ns/lithops-aliyunfc-rt@"+first.Digest.String() {
		t.Errorf("pinned reference %s", p1.Ref)
	}
	reg.Reset()
	p2, err := Push(ctx, second.Image, target)
	if err != nil {
		t.Fatal(err)
	}
	if c := reg.Counts(); p2.Blobs != 0 || p2.Bytes != 0 || p2.ManifestPut || c.BlobUploads != 0 || c.ManifestPuts != 0 || c.BlobBytes != 0 {
		t.Errorf("second push of the same image: %+v; registry saw %+v", p2, c)
	}

	changed := userWheel()
	changed.Files["my_lib/__init__.py"] = []byte("ANSWER = 43\n")
	third := build1(changed)
	if third.Layers[0] != first.Layers[0] || third.Layers[1].Digest == first.Layers[1].Digest {
		t.Errorf("changing a user wheel: layers %+v, before %+v", third.Layers, first.Layers)
	}
	reg.Reset()
	p3, err := Push(ctx, third.Image, target)
	if err != nil {
		t.Fatal(err)
	}
	// The requirements layer and the config.
	if c := reg.Counts(); p3.Blobs != 2 || c.BlobUploads != 2 || c.ManifestPuts != 1 {
		t.Errorf("push after a change: %+v; registry saw %+v", p3, c)
	}
}

func TestBuildRefusesNewerGlibc(t *testing.T) {
	so := imagetest.SharedObject(t, imagetest.SrcGlibc234)
	native := wheeltest.Wheel{Name: "fast-thing", Version: "2.0", Tag: "cp312-cp312-manylinux_2_34_x86_64", Platlib: true,
		Files: map[string][]byte{"fast_thing/__init__.py": []byte(""), "fast_thing/_core.cpython-312-x86_64-linux-gnu.so": so}}
	dir := t.TempDir()
	in := fixtureInput(t, dir, native)
	// Debian 11: glibc 2.31 (its banner; versions defined up to GLIBC_2.30).
	_, err := Build(context.Background(), mustInspect(t, imagetest.Debian11("3.12")), in, WithWorkDir(t.TempDir()))
	var elfErr *build.ELFError
	if !errors.As(err, &elfErr) || len(elfErr.Violations) != 1 {
		t.Fatalf("error %v, want a *build.ELFError", err)
	}
	for _, s := range []string{"fast-thing 2.0", "_core.cpython-312-x86_64-linux-gnu.so", "GLIBC_2.34", "glibc 2.31", "Debian GNU/Linux 11", "example/python:3.12-slim-bookworm"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error lacks %q:\n%v", s, err)
		}
	}
	// Debian 12 (glibc 2.36) takes it.
	mustBuild(t, mustInspect(t, imagetest.Debian12("3.12")), in)
}

func TestBuildRefuses(t *testing.T) {
	ctx := context.Background()
	base := mustInspect(t, imagetest.Debian12("3.12"))
	dir := t.TempDir()
	good := fixtureInput(t, dir)
	hostile := func(opts ...wheeltest.Option) build.Wheel {
		return imagetest.Describe(t, t.TempDir(), wheeltest.Wheel{Name: "evil", Version: "1.0", Files: map[string][]byte{"evil/__init__.py": []byte("")}}, opts...)
	}
	clash := func(name, content string) build.Wheel {
		return imagetest.Describe(t, t.TempDir(), wheeltest.Wheel{Name: name, Version: "1.0", Files: map[string][]byte{"shared/mod.py": []byte(content)}})
	}
	oldLithops := imagetest.Describe(t, t.TempDir(), wheeltest.Lithops("3.7.0")) // no container entry point
	lithops36 := imagetest.Describe(t, t.TempDir(), imagetest.Lithops("3.6.4", ""))
	tests := []struct {
		name string
		edit func(in *Input)
		want []string
	}{
		{"absolute path", func(in *Input) { in.Wheels = []build.Wheel{hostile(wheeltest.WithEntry("/etc/cron.d/x", []byte("x")))} }, []string{"evil", "/etc/cron.d/x", "absolute path"}},
		{"dot-dot", func(in *Input) {
			in.Wheels = []build.Wheel{hostile(wheeltest.WithEntry("evil/../../../etc/x", []byte("x")))}
		}, []string{`".."`}},
		{"symlink", func(in *Input) { in.Wheels = []build.Wheel{hostile(wheeltest.WithSymlink("evil/link", "/etc/shadow"))} }, []string{"symbolic link"}},
		{"duplicate entry", func(in *Input) {
			in.Wheels = []build.Wheel{hostile(wheeltest.WithDuplicate("evil/__init__.py", []byte("2")))}
		}, []string{"duplicate"}},
		{"two distributions, one path", func(in *Input) { in.Wheels = []build.Wheel{clash("aa", "1"), clash("bb", "2")} }, []string{"aa 1.0 and bb 1.0 both install shared/mod.py"}},
		{"given twice", func(in *Input) { in.Wheels = []build.Wheel{in.Runtime[0]} }, []string{"gunicorn is given twice"}},
		{"lithops among the wheels", func(in *Input) { in.Wheels = []build.Wheel{in.Lithops} }, []string{"lithops wheel is among the other wheels"}},
		{"no container entry point", func(in *Input) { in.Lithops = oldLithops }, []string{"container_entry_point.py", "Lithops >= 3.7.0"}},
		{"lithops 3.6", func(in *Input) { in.Lithops = lithops36 }, []string{"3.6.4", "custom-container"}},
		{"version mismatch", func(in *Input) { in.LithopsVersion = "3.7.1" }, []string{`"3.7.0"`, `"3.7.1"`}},
		{"python mismatch", func(in *Input) { in.Python = "3.10" }, []string{"has Python 3.12 (/usr/local/bin/python3.12), not 3.10"}},
		{"tampered wheel", func(in *Input) { in.Runtime[2].SHA256 = strings.Repeat("0", 64) }, []string{"manifest describes another file"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			in.Runtime = append([]build.Wheel(nil), good.Runtime...)
			tt.edit(&in)
			work := t.TempDir()
			res, err := Build(ctx, base, in, WithWorkDir(work))
			if err == nil {
				res.Close()
				t.Fatal("built")
			}
			for _, s := range tt.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error lacks %q:\n%v", s, err)
				}
			}
			if left, _ := os.ReadDir(work); len(left) != 0 {
				t.Errorf("a failed build left %d spool files", len(left))
			}
		})
	}
}
