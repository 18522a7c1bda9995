package lithops

import (
	"strings"
	"testing"
)

func TestChooseVersion(t *testing.T) {
	req := func(name, spec string) Requirement {
		return Requirement{Name: name, Specifier: spec, File: "requirements.txt", Line: 3}
	}
	other := req("numpy", "==1.26.4")
	tests := []struct {
		name  string
		input string
		reqs  []Requirement
		want  string // a version, or "error: ..." substrings separated by |
	}{
		{"input only", "3.7.0", nil, "3.7.0"},
		{"pin only", "", []Requirement{other, req("lithops", "==3.6.4")}, "3.6.4"},
		{"pin with extras and odd spelling", "", []Requirement{req("Lithops[aliyun]", "== 3.7.0")}, "3.7.0"},
		{"arbitrary equality", "", []Requirement{req("lithops", "===3.7.0")}, "3.7.0"},
		{"pin in a set", "", []Requirement{req("lithops", ">=3.6,==3.7.0")}, "3.7.0"},
		{"input and equal pin", "3.7", []Requirement{req("lithops", "==3.7.0")}, "3.7"},
		{"input within a range", "3.7.0", []Requirement{req("lithops", ">=3.6,<4")}, "3.7.0"},
		{"input and bare requirement", "3.7.0", []Requirement{req("lithops", "")}, "3.7.0"},
		{"input disagrees with pin", "3.7.0", []Requirement{req("lithops", "==3.6.4")}, `error: requirements.txt:3: lithops==3.6.4 does not allow Lithops 3.7.0 from the lithops-version input|make them agree`},
		{"input outside range", "3.7.0", []Requirement{req("lithops", "<3.7")}, "error: lithops<3.7 does not allow Lithops 3.7.0"},
		{"two pins disagree", "", []Requirement{req("lithops", "==3.6.4"), {Name: "lithops", Specifier: "==3.7.0", File: "constraints.txt", Line: 1}}, "error: constraints.txt:1: lithops==3.7.0 does not allow Lithops 3.6.4 from requirements.txt:3"},
		{"range without input", "", []Requirement{req("lithops", ">=3.6")}, "error: requirements.txt:3: lithops>=3.6 does not pin one version|set the lithops-version input"},
		{"wildcard is not a pin", "", []Requirement{req("lithops", "==3.7.*")}, "error: does not pin one version"},
		{"bare requirement", "", []Requirement{req("lithops", "")}, "error: lithops does not pin one version"},
		{"nothing", "", []Requirement{other}, "error: no Lithops version (the requirements do not pin lithops)|lithops-version input|lithops==3.7.0"},
		{"no requirements", "", nil, "error: no Lithops version: set the lithops-version input"},
		{"bad input", "three", nil, `error: lithops-version "three" is not a version`},
		{"bad specifier", "", []Requirement{req("lithops", "=>3")}, "error: requirements.txt:3: lithops=>3"},
	}
	for _, tt := range tests {
		got, err := ChooseVersion(tt.input, tt.reqs)
		if want, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
			for _, s := range strings.Split(want, "|") {
				if err == nil || !strings.Contains(err.Error(), s) {
					t.Errorf("%s: error = %v, want one containing %q", tt.name, err, s)
				}
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("%s: = %q, %v; want %q", tt.name, got, err, tt.want)
		}
	}
}
