package lithops

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

func TestRequirementsAndHashes(t *testing.T) {
	dir := t.TempDir()
	sum := strings.Repeat("a", 64)
	content := "numpy==1.26.4 --hash=sha256:" + strings.Repeat("b", 64) + "\nLithops[aliyun] == 3.7.0 --hash=sha256:" + sum + "\n"
	path := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := reqfile.Parse(context.Background(), path, reqfile.WithWorkDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	rel := func(p string) string { return filepath.Base(p) }
	want := []Requirement{{Name: "Lithops[aliyun]", Specifier: "==3.7.0", File: "requirements.txt", Line: 2}}
	if diff := cmp.Diff(want, Requirements(f, rel)); diff != "" {
		t.Errorf("Requirements (-want +got):\n%s", diff)
	}
	if got := Hashes(f); len(got) != 1 || got[0].String() != "sha256:"+sum {
		t.Errorf("Hashes = %v, want sha256:%s", got, sum)
	}
	if Requirements(nil, rel) != nil || Hashes(nil) != nil {
		t.Error("a runtime without requirements has lithops requirements")
	}
}

func TestChooseWheel(t *testing.T) {
	target := tags.Target{Python: [2]int{3, 10}, Glibc: tags.Glibc{Major: 2, Minor: 28}}
	set, err := tags.Supported(target)
	if err != nil {
		t.Fatal(err)
	}
	proj := &index.Project{Name: "lithops", Index: "https://pypi.example/simple/", Files: []index.File{
		{Filename: "lithops-3.6.4-py3-none-any.whl"},
		{Filename: "lithops-3.7.0.tar.gz"},
		{Filename: "lithops-3.7.0-py2-none-any.whl"},
		{Filename: "lithops-3.7.0-py3-none-any.whl"},
	}}
	f, tag, err := ChooseWheel(proj, pep440.MustParse("3.7"), target, set)
	if err != nil || f.Filename != "lithops-3.7.0-py3-none-any.whl" || tag.String() != "py3-none-any" {
		t.Errorf("ChooseWheel = %s, %s, %v; want the py3 wheel of 3.7.0", f.Filename, tag, err)
	}
	_, _, err = ChooseWheel(proj, pep440.MustParse("3.8.0"), target, set)
	var nw *NoWheelError
	want := "lithops 3.8.0 has no wheel for cp310-manylinux_2_28_x86_64 on https://pypi.example/simple/ (wheels exist for: 3.6.4, 3.7.0); set lithops-version to one of them"
	if !errors.As(err, &nw) || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}
