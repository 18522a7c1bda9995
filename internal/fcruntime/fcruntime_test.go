package fcruntime

import (
	"strings"
	"testing"
)

func TestForPython(t *testing.T) {
	tests := []struct {
		api      API
		python   string
		want     string // runtime name, or "" for an error
		manylinx string
		errHas   string
	}{
		{FC2, "3.6", "python3", "manylinux_2_24", ""},
		{FC2, "3.9", "python3.9", "manylinux_2_24", ""},
		{FC2, "3.10", "python3.10", "manylinux_2_28", ""},
		{FC2, "3.12", "", "", "offered: 3.6 (python3), 3.9 (python3.9), 3.10 (python3.10)"},
		{FC3, "3.12", "python3.12", "manylinux_2_31", ""},
		{FC3, "3.10", "python3.10", "manylinux_2_28", ""},
		{FC3, "3.6", "", "", "offered: 3.9 (python3.9), 3.10 (python3.10), 3.12 (python3.12)"},
		{FC3, "3.11", "", "", "Python 3.11 is not offered by FC 3.0"},
	}
	for _, tt := range tests {
		r, err := ForPython(tt.api, tt.python)
		if tt.want == "" {
			if err == nil || !strings.Contains(err.Error(), tt.errHas) {
				t.Errorf("ForPython(%s, %s) error = %v, want one containing %q", tt.api, tt.python, err, tt.errHas)
			}
			continue
		}
		if err != nil {
			t.Errorf("ForPython(%s, %s): %v", tt.api, tt.python, err)
			continue
		}
		if r.Name != tt.want || r.Manylinux() != tt.manylinx {
			t.Errorf("ForPython(%s, %s) = %s %s, want %s %s", tt.api, tt.python, r.Name, r.Manylinux(), tt.want, tt.manylinx)
		}
	}
}
