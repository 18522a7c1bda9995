package build

import (
	"fmt"
	"strings"
	"testing"
)

func TestDest(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"six.py", "six.py", ""},
		{"pkg/sub/mod.py", "pkg/sub/mod.py", ""},
		{"pkg-1.0.dist-info/METADATA", "pkg-1.0.dist-info/METADATA", ""},
		{"pkg-1.0.data/purelib/extra/x.py", "extra/x.py", ""},
		{"pkg-1.0.data/platlib/_ext.cpython-310-x86_64-linux-gnu.so", "_ext.cpython-310-x86_64-linux-gnu.so", ""},
		{"pkg-1.0.data/data/share/jupyter/k.json", "share/jupyter/k.json", ""},
		{"pkg-1.0.data/scripts/tool", "", ""},
		{"pkg-1.0.data/headers/pkg.h", "", ""},
		{"pkg-1.0.data/data/bin/tool", "", ""},
		{"bin/tool", "", ""},
		{"binx/tool.py", "binx/tool.py", ""},
		{"pkg/__pycache__/mod.cpython-310.pyc", "", ""},
		{"__pycache__/six.cpython-311.pyc", "", ""},
		{"pkg/old.pyo", "", ""},
		{"pkg/mod.pyc", "", ""},
		{"pkg-1.0.data/lib/x.py", "", `unknown .data kind "lib"`},
	}
	for _, tt := range tests {
		got, err := dest(tt.in)
		errOK := err == nil && tt.err == "" || err != nil && tt.err != "" && strings.Contains(err.Error(), tt.err)
		if got != tt.want || !errOK {
			t.Errorf("dest(%q) = %q, %v; want %q, %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestCheckPath(t *testing.T) {
	tests := map[string]string{
		"a/b.py":        "",
		"a/":            "",
		"":              "empty path",
		"/etc/passwd":   "absolute path",
		"../x.py":       `path contains ".."`,
		"a/../../x.py":  `path contains ".."`,
		`a\b.py`:        "path contains a backslash",
		"C:/x":          "path starts with a drive letter",
		"a//b":          "path is not clean",
		"./a":           "path is not clean",
		"a/\x00":        "path contains a NUL byte",
		"a/\xff.py":     "path is not valid UTF-8",
		"données/é.py":  "",
		"a/..b/c..d.py": "",
	}
	for in, want := range tests {
		got := checkPath(in)
		if want == "" && got != "" || want != "" && !strings.Contains(got, want) {
			t.Errorf("checkPath(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTopLevel(t *testing.T) {
	got := topLevel([]string{
		"six.py", "yaml/__init__.py", "_yaml/__init__.py", "google/protobuf/x.py",
		"_rust.abi3.so", "_cffi_backend.cpython-310-x86_64-linux-gnu.so", "distutils-precedence.pth",
		"pillow.libs/libz.so", "not-a-module.py", "README.txt", "share/jupyter/k.json", "9lives.py",
	})
	want := "[_cffi_backend _rust _yaml google share six yaml]"
	if fmt.Sprint(got) != want {
		t.Errorf("topLevel = %v, want %s", got, want)
	}
}
