package build

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// goldenInput is a package whose pylock.toml depends on nothing but this file: wheels
// defined here (not the shared FIXTURE ones, which other tests may grow), written to a
// relative folder so the path-only wheel's path is the same everywhere. It covers what
// the writer treats specially: credentials, a query and a fragment in a URL and an
// index, a wheel known only by its path, a name that normalizes, characters TOML must
// escape, Requires-Python absent and present, and an excluded distribution.
func goldenInput(t *testing.T) Input {
	t.Helper()
	t.Chdir(t.TempDir())
	const dir = "wheels"
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ws := []wheeltest.Wheel{
		{Name: "lithops", Version: "3.7.0", Files: map[string][]byte{
			"lithops/__init__.py": []byte("from lithops.version import __version__\n"),
			"lithops/version.py":  []byte("__version__ = \"3.7.0\"\n"),
			"lithops/serverless/backends/aliyun_fc/entry_point.py": []byte("def main(event, context):\n    return {}\n"),
		}},
		{Name: "Demo_Pkg", Version: "1.0.post1", Metadata: wheeltest.Metadata{RequiresPython: ">=3.8, !=3.9.*"},
			Files: map[string][]byte{"demo_pkg/__init__.py": []byte("X = 1\n")}},
		{Name: "local-only", Version: "2.0", Files: map[string][]byte{"local_only/__init__.py": []byte("")}},
		{Name: "quoted", Version: "0.1", Tag: "cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64",
			Files: map[string][]byte{"quoted/__init__.py": []byte("")}},
		{Name: "left-out", Version: "5", Files: map[string][]byte{"left_out/__init__.py": []byte("")}},
	}
	var wheels []Wheel
	for _, w := range ws {
		p := w.MustWrite(t, dir)
		wheels = append(wheels, Wheel{Name: w.Name, Version: pep440.MustParse(w.Version), Path: filepath.Join(dir, w.Filename()),
			URL: "https://files.example.org/p/" + w.Filename(), SHA256: fileSHA256(t, p)})
	}
	wheels[1].URL = "https://user:s3cret@files.example.org/p/" + ws[1].Filename() + "?X-Amz-Signature=abc#sha256=00"
	wheels[1].Index = "https://token:s3cret@pypi.example.org/simple/?x=1"
	wheels[2].URL = ""
	wheels[3].URL = "https://files.example.org/p/we\"ird/ünï code/" + ws[3].Filename()
	wheels[3].Index = "https://pypi.example.org/simple/"
	return Input{Lithops: wheels[0], Wheels: wheels[1:], Exclude: []string{"Left_Out"}, Target: py310, OutDir: "out"}
}

// TestPylockGolden: the pylock.toml of goldenInput is byte for byte the one in
// testdata, which main's writer produced before the format moved to internal/pylock.
func TestPylockGolden(t *testing.T) {
	want, err := os.ReadFile(filepath.Join("testdata", "pylock.golden.toml"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Assemble(context.Background(), goldenInput(t))
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(res.LockPath)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("pylock.toml differs from testdata/pylock.golden.toml:\n%s\n--- want\n%s", got, want)
	}
}

// TestPylockKeepsALocksRecord: what a locked deploy passes through is written as its
// lock has it: the distributions it excluded (Input.Excluded, with those Exclude leaves
// out) and a path-only wheel's path as the lock wrote it (Wheel.LockPath), not where
// the wheel sits in the cache.
func TestPylockKeepsALocksRecord(t *testing.T) {
	in := goldenInput(t)
	in.Exclude = nil
	in.Excluded = []string{"Left_Out", "oss2"}
	in.Wheels[1].LockPath = "../wheels/" + filepath.Base(in.Wheels[1].Path)
	in.Wheels = slices.DeleteFunc(in.Wheels, func(w Wheel) bool { return w.Name == "left-out" })
	res, err := Assemble(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(res.LockPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`excluded = ["left-out", "oss2"]`, `path = "../wheels/local_only-2.0-py3-none-any.whl"`} {
		if !bytes.Contains(got, []byte(want)) {
			t.Errorf("pylock.toml lacks %s:\n%s", want, got)
		}
	}
	if !slices.Equal(res.Excluded, []string{"left-out", "oss2"}) {
		t.Errorf("Result.Excluded %v", res.Excluded)
	}
}
