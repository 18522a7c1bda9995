package wheelhouse

import (
	"archive/zip"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

func TestPrepare(t *testing.T) {
	binary := wheeltest.Wheel{Name: "fast-ext", Version: "1.0", Platlib: true,
		Tag:   "cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64",
		Files: map[string][]byte{"fast_ext/__init__.py": []byte("x = 1\n"), "fast_ext/cacert.pem": []byte("edited after install\n")}}
	abi3 := wheeltest.Wheel{Name: "crypto", Version: "2.0", Platlib: true, Tag: "cp311-abi3-manylinux_2_34_x86_64",
		Files: map[string][]byte{"crypto/__init__.py": []byte("")}}
	pure := wheeltest.Wheel{Name: "pure", Version: "3.0", Files: map[string][]byte{"pure.py": []byte("")}}
	tests := []struct {
		name      string
		wheel     wheeltest.Wheel
		opts      []wheeltest.Option
		wantName  string
		wantTags  []string
		wantFixes Fixes
	}{
		{"binary wheel retagged", binary, nil,
			"fast_ext-1.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
			[]string{"cp312-cp312-manylinux2014_x86_64", "cp312-cp312-manylinux_2_17_x86_64"}, Fixes{Retagged: true}},
		{"binary wheel with an edited file", binary,
			[]wheeltest.Option{wheeltest.WithRecordHash("fast_ext/cacert.pem", "sha256=AAAA,3")},
			"fast_ext-1.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
			[]string{"cp312-cp312-manylinux2014_x86_64", "cp312-cp312-manylinux_2_17_x86_64"},
			Fixes{Retagged: true, Rerecorded: []string{"fast_ext/cacert.pem"}}},
		{"abi3 kept", abi3, nil, "crypto-2.0-cp311-abi3-manylinux_2_34_x86_64.whl",
			[]string{"cp311-abi3-manylinux_2_34_x86_64"}, Fixes{}},
		{"pure with an edited file", pure, []wheeltest.Option{wheeltest.WithRecordHash("pure.py", "sha256=AAAA,0")},
			"pure-3.0-py3-none-any.whl", []string{"py3-none-any"}, Fixes{Rerecorded: []string{"pure.py"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := tt.wheel.MustWrite(t, t.TempDir(), tt.opts...)
			got, fixes, err := Prepare(src, t.TempDir(), "cp311", "cp312")
			if err != nil {
				t.Fatal(err)
			}
			if filepath.Base(got) != tt.wantName {
				t.Errorf("name %s, want %s", filepath.Base(got), tt.wantName)
			}
			if diff := cmp.Diff(tt.wantFixes, fixes); diff != "" {
				t.Errorf("fixes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTags, wheelTags(t, got)); diff != "" {
				t.Errorf("WHEEL tags (-want +got):\n%s", diff)
			}
			// The action's own wheel checks (RECORD hashes and sizes, names) accept it.
			if _, err := build.Inspect(context.Background(), got); err != nil {
				t.Errorf("Inspect: %v", err)
			}
		})
	}
}

func wheelTags(t *testing.T, path string) []string {
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var tags []string
	for _, f := range zr.File {
		if strings.HasSuffix(f.Name, ".dist-info/WHEEL") {
			b, err := readAll(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(string(b), "\n") {
				if tag, ok := strings.CutPrefix(l, "Tag: "); ok {
					tags = append(tags, tag)
				}
			}
		}
	}
	return tags
}

func TestIndexServed(t *testing.T) {
	dir := t.TempDir()
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range []wheeltest.Wheel{
		{Name: "Ps_Mem", Version: "3.14"}, {Name: "ps-mem", Version: "3.15"}, {Name: "six", Version: "1.17.0"},
	} {
		w.MustWrite(t, files)
	}
	if err := WriteIndex(dir); err != nil {
		t.Fatal(err)
	}
	projects, err := Projects(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"ps-mem", "six"}, projects); diff != "" {
		t.Errorf("projects (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url, err := Serve(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	page := get(t, url+"ps-mem/")
	for _, want := range []string{`href="../../files/ps_mem-3.14-py3-none-any.whl#sha256=`, `href="../../files/ps_mem-3.15-py3-none-any.whl#sha256=`} {
		if !strings.Contains(page, want) {
			t.Errorf("ps-mem page lacks %s:\n%s", want, page)
		}
	}
	if whl := get(t, url+"../files/six-1.17.0-py3-none-any.whl"); !strings.HasPrefix(whl, "PK") {
		t.Errorf("the wheel link does not serve a zip")
	}
}

func get(t *testing.T, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}
