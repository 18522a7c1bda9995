package lithops

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// Requirement is one top-level requirement as the requirements file gives it.
type Requirement struct {
	Name      string // project name, extras allowed ("lithops[aliyun]")
	Specifier string // e.g. "==3.7.0", ">=3.6,<4", "" for none
	File      string // where it is written, for messages: "requirements.txt"
	Line      int
}

func (r Requirement) where() string { return fmt.Sprintf("%s:%d", r.File, r.Line) }

// RequirementError is a lithops requirement that does not give the runtime one Lithops
// version; it names the requirement's file and line.
type RequirementError struct {
	File    string
	Line    int
	Problem string
}

func (e *RequirementError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Problem) }

func (r Requirement) errorf(format string, args ...any) error {
	return &RequirementError{File: r.File, Line: r.Line, Problem: fmt.Sprintf(format, args...)}
}

// howToSet is the advice every "which Lithops?" error ends with.
const howToSet = "set the lithops-version input to your client's Lithops version (python -c 'import lithops; print(lithops.__version__)'), or pin it in the requirements (lithops==3.7.0)"

// ChooseVersion applies the lithops-version rule: the input when set, else the version a
// `lithops==X` requirement pins; neither is an error saying how to set it. When both are
// present they must agree, and any other lithops specifier must allow the version. It
// returns the version to resolve; the runtime's function names use the __version__ of
// the lithops wheel actually resolved (which equals it as a PEP 440 version).
func ChooseVersion(input string, reqs []Requirement) (string, error) {
	var own []Requirement
	for _, r := range reqs {
		name, _, _ := strings.Cut(r.Name, "[")
		if Is(strings.TrimSpace(name)) {
			own = append(own, r)
		}
	}
	var chosen pep440.Version
	var from string
	if input != "" {
		v, err := pep440.Parse(input)
		if err != nil {
			return "", fmt.Errorf("lithops-version %q is not a version: give it alone, e.g. 3.7.0", input)
		}
		chosen, from = v, "the lithops-version input"
	}
	for _, r := range own {
		set, err := pep440.ParseSpecifierSet(r.Specifier)
		if err != nil {
			return "", r.errorf("lithops%s: %v", r.Specifier, err)
		}
		if pin, ok := pinned(set); ok && chosen.IsZero() {
			chosen, from = pin, r.where()+" (lithops"+r.Specifier+")"
			continue
		}
		if chosen.IsZero() {
			return "", r.errorf("lithops%s does not pin one version (the runtime's Lithops must equal the client's): pin it with ==, or %s",
				r.Specifier, "set the lithops-version input")
		}
		if !set.WithPrereleases(pep440.PreAllow).Contains(chosen) {
			return "", r.errorf("lithops%s does not allow Lithops %s from %s: make them agree", r.Specifier, chosen.Original(), from)
		}
	}
	if chosen.IsZero() {
		if len(own) == 0 && len(reqs) == 0 {
			return "", errors.New("no Lithops version: " + howToSet)
		}
		return "", errors.New("no Lithops version (the requirements do not pin lithops): " + howToSet)
	}
	return strings.TrimSpace(chosen.Original()), nil
}

// pinned returns the version a specifier set fixes with == (no wildcard) or ===.
func pinned(set pep440.SpecifierSet) (pep440.Version, bool) {
	for _, sp := range set.Specifiers() {
		if op := sp.Operator(); (op == "==" || op == "===") && !strings.HasSuffix(sp.Version(), ".*") {
			if v, err := pep440.Parse(sp.Version()); err == nil {
				return v, true
			}
		}
	}
	return pep440.Version{}, false
}
