package tags

import (
	"strings"
	"testing"
)

func TestParseGlibcSymbol(t *testing.T) {
	tests := map[string]string{"GLIBC_2.2.5": "2.2", "GLIBC_2.34": "2.34", "GLIBC_PRIVATE": "", "GLIBC_ABI_DT_RELR": "", "2.34": "", "GLIBC_2": ""}
	for in, want := range tests {
		g, ok := ParseGlibcSymbol(in)
		if got := map[bool]string{true: g.String(), false: ""}[ok]; got != want {
			t.Errorf("ParseGlibcSymbol(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGlibcNewer(t *testing.T) {
	tests := []struct {
		g, h Glibc
		want bool
	}{
		{Glibc{2, 31}, Glibc{2, 28}, true},
		{Glibc{2, 28}, Glibc{2, 31}, false},
		{Glibc{2, 28}, Glibc{2, 28}, false},
		{Glibc{3, 0}, Glibc{2, 99}, true},
	}
	for _, tt := range tests {
		if got := tt.g.Newer(tt.h); got != tt.want {
			t.Errorf("%s.Newer(%s) = %t, want %t", tt.g, tt.h, got, tt.want)
		}
	}
}

func TestParseTarget(t *testing.T) {
	g := Glibc{Major: 2, Minor: 28}
	for in, want := range map[string]string{"3.10": "cp310-manylinux_2_28_x86_64", "3.12.4": "cp312-manylinux_2_28_x86_64", "3": "", "3.x": "", "3.10.1.2": "", "3.010": "", "-3.1": ""} {
		tg, err := ParseTarget(in, g)
		got := ""
		if err == nil {
			got = tg.String()
			if v := tg.PythonVersion(); !strings.HasPrefix(in, v) {
				t.Errorf("ParseTarget(%q).PythonVersion() = %q", in, v)
			}
		}
		if got != want {
			t.Errorf("ParseTarget(%q) = %q (%v), want %q", in, got, err, want)
		}
	}
}
