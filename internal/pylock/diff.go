package pylock

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// Kind is how a distribution changed between two locks.
type Kind string

// The kinds of change, in the order the summary names them.
const (
	Upgraded   Kind = "upgraded"   // a higher version (PEP 440 order)
	Downgraded Kind = "downgraded" // a lower version
	Added      Kind = "added"      // only in the new lock
	Removed    Kind = "removed"    // only in the old lock
	Rebuilt    Kind = "rebuilt"    // the same version, another wheel (hash or file name)
)

// Dist is one side of a change: the version and wheel a lock installs.
type Dist struct {
	Version string `json:"version"`
	Wheel   string `json:"wheel"`
	SHA256  string `json:"sha256"`
}

// Change is one distribution that differs between two locks.
type Change struct {
	Name   string `json:"name"` // normalized
	Kind   Kind   `json:"change"`
	Before *Dist  `json:"before"` // nil when added
	After  *Dist  `json:"after"`  // nil when removed
}

// Changes is the difference between the live runtime's lock and a new one.
type Changes struct {
	// FirstDeploy is true when there was no old lock: every distribution is Added.
	FirstDeploy bool
	Changes     []Change // sorted by name
	Unchanged   int      // distributions in both locks with the same version and wheel
}

// Diff compares the distributions of two locks; old may be nil (a first deploy).
// Packages are matched by normalized name, versions ordered by PEP 440 (2.10 is above
// 2.9, 1.0 equals 1.0.0), and a same-version package whose wheel has another sha256 or
// file name is Rebuilt. Where a wheel is downloaded from does not count.
func Diff(old, new *Lock) Changes {
	c := Changes{FirstDeploy: old == nil}
	before := map[string]*Package{}
	if old != nil {
		for i := range old.Packages {
			before[normalize(old.Packages[i].Name)] = &old.Packages[i]
		}
	}
	after := map[string]*Package{}
	if new != nil {
		for i := range new.Packages {
			after[normalize(new.Packages[i].Name)] = &new.Packages[i]
		}
	}
	for name, a := range after {
		b, ok := before[name]
		if !ok {
			c.Changes = append(c.Changes, Change{Name: name, Kind: Added, After: dist(a)})
			continue
		}
		kind := Kind("")
		switch cmp := compareVersions(b.Version, a.Version); {
		case cmp < 0:
			kind = Upgraded
		case cmp > 0:
			kind = Downgraded
		case !strings.EqualFold(b.Wheel.SHA256, a.Wheel.SHA256) || b.Wheel.Name != a.Wheel.Name:
			kind = Rebuilt
		}
		if kind == "" {
			c.Unchanged++
			continue
		}
		c.Changes = append(c.Changes, Change{Name: name, Kind: kind, Before: dist(b), After: dist(a)})
	}
	for name, b := range before {
		if _, ok := after[name]; !ok {
			c.Changes = append(c.Changes, Change{Name: name, Kind: Removed, Before: dist(b)})
		}
	}
	sort.Slice(c.Changes, func(i, j int) bool { return c.Changes[i].Name < c.Changes[j].Name })
	return c
}

func dist(p *Package) *Dist {
	return &Dist{Version: p.Version, Wheel: p.Wheel.Name, SHA256: p.Wheel.SHA256}
}

// compareVersions orders two versions by PEP 440, or as strings when one does not
// parse (a lock from Parse always parses).
func compareVersions(a, b string) int {
	va, errA := pep440.Parse(a)
	vb, errB := pep440.Parse(b)
	if errA != nil || errB != nil {
		return strings.Compare(a, b)
	}
	return pep440.Compare(va, vb)
}

// Count returns the number of changes of kind.
func (c Changes) Count(kind Kind) int {
	n := 0
	for _, ch := range c.Changes {
		if ch.Kind == kind {
			n++
		}
	}
	return n
}

// Empty reports whether the two locks install the same wheels.
func (c Changes) Empty() bool { return len(c.Changes) == 0 }

// maxNamed is how many version changes the summary names before counting the rest.
const maxNamed = 3

// Summary is the one line a reviewer reads: "numpy 1.26.4 → 2.1.0, +1 new dependency".
// Version changes are named (downgrades say so), up to three; added, removed and
// rebuilt distributions are counted.
func (c Changes) Summary() string {
	if c.FirstDeploy {
		return fmt.Sprintf("first deploy: %s", plural(len(c.Changes), "distribution", "distributions"))
	}
	if c.Empty() {
		return fmt.Sprintf("no changes (%s)", plural(c.Unchanged, "distribution", "distributions"))
	}
	var parts []string
	versions := 0
	for _, ch := range c.Changes {
		if ch.Kind != Upgraded && ch.Kind != Downgraded {
			continue
		}
		versions++
		if versions > maxNamed {
			continue
		}
		s := fmt.Sprintf("%s %s → %s", ch.Name, ch.Before.Version, ch.After.Version)
		if ch.Kind == Downgraded {
			s += " (downgrade)"
		}
		parts = append(parts, s)
	}
	if versions > maxNamed {
		parts = append(parts, fmt.Sprintf("%d more version changes", versions-maxNamed))
	}
	if n := c.Count(Added); n > 0 {
		parts = append(parts, "+"+plural(n, "new dependency", "new dependencies"))
	}
	if n := c.Count(Removed); n > 0 {
		parts = append(parts, fmt.Sprintf("-%d removed", n))
	}
	if n := c.Count(Rebuilt); n > 0 {
		parts = append(parts, fmt.Sprintf("%d rebuilt", n))
	}
	return strings.Join(parts, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Markdown renders the changes for the job summary: the summary line, then a table
// (distribution, before, after, change) unless nothing changed.
func (c Changes) Markdown() string {
	var b strings.Builder
	b.WriteString(cell(c.Summary()) + "\n")
	if c.Empty() {
		return b.String()
	}
	b.WriteString("\n| distribution | before | after | change |\n|---|---|---|---|\n")
	for _, ch := range c.Changes {
		before, after := side(ch.Before, ch.Kind), side(ch.After, ch.Kind)
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(ch.Name), before, after, ch.Kind)
	}
	return b.String()
}

// side is one side of a change in a table cell; a rebuild shows the wheels, since the
// versions are equal.
func side(d *Dist, kind Kind) string {
	if d == nil {
		return "—"
	}
	if kind != Rebuilt {
		return cell(d.Version)
	}
	return fmt.Sprintf("%s (`%s`, sha256 `%s`)", cell(d.Version), code(d.Wheel), code(short(d.SHA256)))
}

// cell escapes what would break a table row or inject markup: names and versions are
// validated, but a lock is untrusted input and the summary renders HTML.
func cell(s string) string {
	r := strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;", "`", "'")
	return r.Replace(s)
}

// code is cell for text inside backticks (where a backslash escape shows literally).
func code(s string) string {
	return strings.NewReplacer("`", "'", "|", "¦", "\n", " ", "\r", " ").Replace(s)
}

// JSONSchemaVersion is the version of the JSON form (MarshalJSON); it grows when a
// field changes meaning or goes, never for a new field.
const JSONSchemaVersion = 1

// MarshalJSON renders the changes as the `changes` output; the package documentation
// describes the schema.
func (c Changes) MarshalJSON() ([]byte, error) {
	type counts struct {
		Added      int `json:"added"`
		Removed    int `json:"removed"`
		Upgraded   int `json:"upgraded"`
		Downgraded int `json:"downgraded"`
		Rebuilt    int `json:"rebuilt"`
		Unchanged  int `json:"unchanged"`
	}
	changes := c.Changes
	if changes == nil {
		changes = []Change{}
	}
	return json.Marshal(struct {
		Schema      int      `json:"schema"`
		FirstDeploy bool     `json:"first_deploy"`
		Summary     string   `json:"summary"`
		Counts      counts   `json:"counts"`
		Changes     []Change `json:"changes"`
	}{
		Schema: JSONSchemaVersion, FirstDeploy: c.FirstDeploy, Summary: c.Summary(),
		Counts: counts{
			Added: c.Count(Added), Removed: c.Count(Removed), Upgraded: c.Count(Upgraded),
			Downgraded: c.Count(Downgraded), Rebuilt: c.Count(Rebuilt), Unchanged: c.Unchanged,
		},
		Changes: changes,
	})
}
