package pip

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestInstalled(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"PyYAML-6.0.3.dist-info", "ps_mem-3.14.dist-info", "zope.interface-7.0.dist-info", "yaml", "bin"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "fake-1.0.dist-info"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := Installed(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"pyyaml": "6.0.3", "ps-mem": "3.14", "zope-interface": "7.0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Installed (-want +got):\n%s", diff)
	}
	if err := os.Mkdir(filepath.Join(dir, "broken.dist-info"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Installed(dir); err == nil || !strings.Contains(err.Error(), "broken.dist-info") {
		t.Errorf("a .dist-info without a version: error %v, want one naming it", err)
	}
}

func TestTargetArgs(t *testing.T) {
	args := TargetArgs("3.12", 17)
	var platforms []string
	for i, a := range args {
		if a == "--platform" {
			platforms = append(platforms, args[i+1])
		}
	}
	if len(platforms) != 13+3 || platforms[0] != "manylinux_2_17_x86_64" || platforms[len(platforms)-1] != "manylinux1_x86_64" {
		t.Errorf("platforms %v: want manylinux_2_17 down to 2_5 with the three legacy aliases", platforms)
	}
	for _, want := range []string{"--only-binary=:all:", "3.12", "manylinux2014_x86_64", "manylinux2010_x86_64"} {
		if !slices.Contains(args, want) {
			t.Errorf("args lack %s: %v", want, args)
		}
	}
}
