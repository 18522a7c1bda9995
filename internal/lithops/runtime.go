package lithops

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/reqfile"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// Lithops goes into its own runtime the way `lithops runtime build` puts it there: the
// lithops package without its client-side dependencies (the worker modules are resolved
// instead), at exactly the client's version, from the one pure wheel each release ships.
// The user's requirements may name lithops: those lines choose the version
// (ChooseVersion) and check the wheel's hashes, and are never resolved with the rest.

// Project is Lithops' distribution name, normalized (PEP 503).
const Project = "lithops"

// Why says why lithops is in every runtime, for the job summary.
const Why = "the Lithops version of the runtime (without its client-side dependencies)"

// Is reports whether a distribution or requirement name names Lithops.
func Is(name string) bool { return pep508.NormalizeName(name) == Project }

// Requirements returns the requirements of f that name lithops, for ChooseVersion, with
// their files as rel shows them (workspace-relative); none for a nil f.
func Requirements(f *reqfile.File, rel func(string) string) []Requirement {
	if f == nil {
		return nil
	}
	var out []Requirement
	for _, r := range f.Requirements {
		if !Is(r.Requirement.Name) {
			continue
		}
		name := r.Requirement.Name
		if len(r.Requirement.Extras) > 0 {
			name += "[" + strings.Join(r.Requirement.Extras, ",") + "]"
		}
		out = append(out, Requirement{Name: name, Specifier: r.Requirement.Specifier.String(), File: rel(r.File), Line: r.Line})
	}
	return out
}

// Hashes returns the --hash values of f's lithops requirements, which the lithops wheel
// must match in hash-checking mode; none for a nil f.
func Hashes(f *reqfile.File) []reqfile.Hash {
	if f == nil {
		return nil
	}
	var out []reqfile.Hash
	for _, r := range f.Requirements {
		if Is(r.Requirement.Name) {
			out = append(out, r.Hashes...)
		}
	}
	return out
}

// NoWheelError is a Lithops version with no wheel for the target on the index.
type NoWheelError struct {
	Version pep440.Version
	Target  tags.Target
	Index   string   // where the project was found
	Have    []string // the versions that have wheels, sorted
}

func (e *NoWheelError) Error() string {
	return fmt.Sprintf("lithops %s has no wheel for %s on %s (wheels exist for: %s); set lithops-version to one of them",
		e.Version, e.Target, e.Index, strings.Join(e.Have, ", "))
}

// ChooseWheel picks the lithops wheel of version among proj's files, with the best tag
// for target (set is target's TagSet, the resolver's), and returns it with that tag, or
// a *NoWheelError.
func ChooseWheel(proj *index.Project, version pep440.Version, target tags.Target, set *tags.TagSet) (index.File, tags.Tag, error) {
	var names []tags.WheelName
	var files []index.File
	versions := map[string]bool{}
	for _, f := range proj.Files {
		wn, err := tags.ParseWheelName(f.Filename)
		if err != nil {
			continue // sdists and other files
		}
		versions[wn.Version.String()] = true
		if wn.Version.Equal(version) {
			names, files = append(names, wn), append(files, f)
		}
	}
	best := set.Best(names)
	if best < 0 {
		have := make([]string, 0, len(versions))
		for v := range versions {
			have = append(have, v)
		}
		sort.Strings(have)
		return index.File{}, tags.Tag{}, &NoWheelError{Version: version, Target: target, Index: proj.Index, Have: have}
	}
	rank, _ := set.Rank(names[best])
	return files[best], set.Tags()[rank], nil
}
