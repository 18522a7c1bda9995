package piptest

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

func TestReport(t *testing.T) {
	tests := []struct {
		name, json string
		want       map[string]string
		wantErr    bool
	}{
		{"two installs", `{"version": "1", "install": [
			{"metadata": {"name": "Zope.Interface", "version": "7.0"}, "download_info": {"url": "http://127.0.0.1:1/simple/zope-interface/zope.interface-7.0-cp312-cp312-manylinux_2_17_x86_64.whl#sha256=00"}},
			{"metadata": {"name": "six", "version": "1.16.0"}, "download_info": {"url": "http://127.0.0.1:1/six-1.16.0-py2.py3-none-any.whl"}}]}`,
			map[string]string{
				"zope-interface": "7.0 zope.interface-7.0-cp312-cp312-manylinux_2_17_x86_64.whl",
				"six":            "1.16.0 six-1.16.0-py2.py3-none-any.whl",
			}, false},
		{"nothing to install", `{"version": "1", "install": []}`, map[string]string{}, false},
		{"not JSON", `pip crashed`, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "report.json")
			if err := os.WriteFile(file, []byte(tt.json), 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := Report(file)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Report: err = %v, want error %v", err, tt.wantErr)
			}
			if diff := cmp.Diff(tt.want, got); !tt.wantErr && diff != "" {
				t.Errorf("Report (-want +got):\n%s", diff)
			}
		})
	}
}
