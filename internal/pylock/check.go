package pylock

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// Pin is one wheel a locked deploy downloads and installs: what the download layer
// needs to fetch it and refuse any other bytes (index.Client.Download with the
// required hash "sha256:"+SHA256).
type Pin struct {
	Name     string // the distribution name as the lock writes it
	Version  string
	Filename string
	URL      string // "" when only Path is known
	Path     string // as the lock writes it: relative to the lock file's folder, or absolute
	Index    string // the index it was found on, "" if the lock does not say
	SHA256   string
	Size     int64  // 0 when the lock does not say
	Tag      string // the wheel's best tag for the target, e.g. "cp310-cp310-manylinux_2_17_x86_64"
	Line     int    // the line of its wheel in the lock file, 0 when unknown (for messages)
}

// Kinds of Problem.
const (
	ProblemWheelTag     = "wheel-tag"    // the wheel's tags do not fit the target
	ProblemPython       = "python"       // the lock was made for another Python
	ProblemPlatform     = "platform"     // the lock was made for another glibc
	ProblemLithops      = "lithops"      // the lock's Lithops is not the run's
	ProblemRequirements = "requirements" // a requirements file changed, appeared or went
	ProblemHash         = "hash"         // a wheel without a (valid) sha256
	ProblemOrigin       = "origin"       // the lock does not say what it was made from
	ProblemIncomplete   = "incomplete"   // something a locked deploy needs is missing
)

// Problem is one reason a lock does not fit a run.
type Problem struct {
	Kind    string
	Package string // the distribution concerned, "" for the lock as a whole
	File    string // the requirements file concerned (ProblemRequirements), "" otherwise
	Line    int    // the lock file's line at fault, 0 when none can be named
	Msg     string
}

// CheckError lists every reason a lock does not fit a run; nothing was downloaded.
type CheckError struct {
	Lock     string // the lock's file name ("the lock" when it has none)
	Target   Target
	Problems []Problem
}

func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s does not fit this run (%s):", e.Lock, e.Target)
	for _, p := range e.Problems {
		b.WriteString("\n  " + p.Msg)
	}
	if e.Has(ProblemRequirements) || e.Has(ProblemOrigin) {
		b.WriteString("\nThe lock must be made again from the current requirements: re-run the pull request's check (or a dry run) and deploy the lock it uploads.")
	} else {
		b.WriteString("\nMake the lock for this target: a dry run with the same python-version, platform and lithops-version writes it.")
	}
	return b.String()
}

// Fault says where the lock is at fault, for annotations: the lock file's line of each
// problem (line 0 for the lock as a whole), and each requirements file that changed.
func (e *CheckError) Fault() (title string, places []string) {
	seen := map[string]bool{}
	add := func(p string) {
		if !seen[p] {
			seen[p] = true
			places = append(places, p)
		}
	}
	for _, p := range e.Problems {
		add(e.Lock + ":" + strconv.Itoa(p.Line))
		if p.File != "" {
			add(p.File + ":0")
		}
	}
	return "lock", places
}

// Has reports whether a problem of kind was found.
func (e *CheckError) Has(kind string) bool {
	for _, p := range e.Problems {
		if p.Kind == kind {
			return true
		}
	}
	return false
}

// Check decides, before anything is downloaded, whether lock can be deployed exactly to
// target, and returns the wheels to fetch, sorted by name. requirements are the
// requirements files this run reads with their current sha256 (FilesOf a fresh
// reqfile.Parse; nil when the run has none). It refuses, listing every reason in a
// *CheckError: a wheel whose tags the target does not accept or whose Requires-Python
// excludes the target's Python; a lock made for another Python (major.minor), glibc or
// Lithops version; a requirements file whose content differs from the one the lock was
// made from, or one read now and not then (or the reverse); a lock that does not record
// its requirements when the run has some; a wheel without a sha256. A package whose
// marker excludes the target is left out. A patch-level difference of the Python is
// accepted: FC does not publish its runtimes' patch levels, and Requires-Python is
// checked against the run's.
func Check(lock *Lock, target Target, requirements []File) ([]Pin, error) {
	name := lock.Path
	if name == "" {
		name = "the lock"
	}
	c := &checker{lock: lock, target: target, e: &CheckError{Lock: name, Target: target}}
	python, err := pep440.Parse(target.Python)
	if err != nil || len(python.Release()) < 2 {
		return nil, fmt.Errorf("check %s: target Python %q is not a version", name, target.Python)
	}
	c.full = target.Python
	if len(python.Release()) == 2 {
		c.full += ".0"
	}
	if c.env, err = pep508.TargetEnv(c.full); err != nil {
		return nil, fmt.Errorf("check %s: %w", name, err)
	}
	if c.tagSet, err = tags.Supported(tags.Target{Python: [2]int{python.Release()[0], python.Release()[1]}, Glibc: target.Glibc}); err != nil {
		return nil, fmt.Errorf("check %s: %w", name, err)
	}
	c.fullVersion = pep440.MustParse(c.full)

	c.checkTarget()
	c.at(tableTool, 0, "requirements")
	checkRequirements(lock, requirements, c.add)
	var pins []Pin
	haveLithops := false
	for i, p := range lock.Packages {
		pin, ok := c.checkPackage(i, p)
		if !ok {
			continue
		}
		haveLithops = haveLithops || normalize(p.Name) == "lithops"
		pins = append(pins, pin)
	}
	c.line = 0
	if !haveLithops {
		c.add(ProblemIncomplete, "", "", "the lock holds no lithops wheel; a runtime needs one")
	}
	if len(c.e.Problems) > 0 {
		return nil, c.e
	}
	sortPins(pins)
	return pins, nil
}

// checker is one Check: the target as the checks need it, and the problems found, each
// at the lock's line it is about (a key of the recorded target, the requirements list,
// or the package's wheel).
type checker struct {
	lock        *Lock
	target      Target
	e           *CheckError
	line        int
	full        string // the target's Python, major.minor.micro
	fullVersion pep440.Version
	env         pep508.Env
	tagSet      *tags.TagSet
}

func (c *checker) add(kind, pkg, file, format string, args ...any) {
	c.e.Problems = append(c.e.Problems, Problem{Kind: kind, Package: pkg, File: file, Line: c.line, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) at(table string, index int, key string) { c.line = c.lock.line(table, index, key) }

// checkTarget checks the target as a whole: against what the lock says it was made for,
// or else against its environments and requires-python (a lock from another tool).
func (c *checker) checkTarget() {
	lock, target := c.lock, c.target
	if o := lock.Origin; o != nil {
		c.at(tableTarget, 0, "python")
		if o.Target.Minor() != target.Minor() {
			c.add(ProblemPython, "", "", "the lock was made for Python %s, this run targets Python %s", o.Target.Python, target.Python)
		}
		c.at(tableTarget, 0, "glibc")
		if o.Target.Glibc != target.Glibc {
			c.add(ProblemPlatform, "", "", "the lock was made for glibc %s (%s), this run targets glibc %s (%s)",
				o.Target.Glibc, o.Target.Manylinux(), target.Glibc, target.Manylinux())
		}
		c.at(tableTarget, 0, "lithops")
		if target.Lithops != "" && !sameVersion(o.Target.Lithops, target.Lithops) {
			c.add(ProblemLithops, "", "", "the lock was made for Lithops %s, this run deploys Lithops %s", o.Target.Lithops, target.Lithops)
		}
		return
	}
	c.at(tableTop, 0, "environments")
	if !anyMarker(lock.Environments, c.env) {
		c.add(ProblemPython, "", "", "the lock's environments (%s) do not include Python %s on Linux x86_64", strings.Join(lock.Environments, " | "), target.Python)
	}
	c.at(tableTop, 0, "requires-python")
	if set, err := pep440.ParseSpecifierSet(lock.RequiresPython); lock.RequiresPython != "" && err == nil && !set.Contains(c.fullVersion) {
		c.add(ProblemPython, "", "", "the lock's requires-python %q excludes Python %s", lock.RequiresPython, c.full)
	}
}

// checkPackage checks package i of the lock and makes its pin; false when it is not for
// this target (its marker) or cannot be installed (a problem is recorded).
func (c *checker) checkPackage(i int, p Package) (Pin, bool) {
	target := c.target
	c.at(tablePackage, i, "wheels")
	if p.Marker != "" {
		m, err := pep508.ParseMarker(p.Marker)
		if err != nil {
			c.add(ProblemIncomplete, p.Name, "", "%s: marker %q: %v", p.Name, p.Marker, err)
			return Pin{}, false
		}
		if ok, err := m.Evaluate(c.env, ""); err == nil && !ok {
			return Pin{}, false // not for this target
		}
	}
	w := p.Wheel
	label := p.Name + " " + p.Version
	if !sha256RE.MatchString(w.SHA256) {
		c.add(ProblemHash, p.Name, "", "%s: the wheel %s has no sha256 (%q): a locked deploy installs only files it can verify", label, w.Name, w.SHA256)
	}
	if w.URL == "" && w.Path == "" {
		c.add(ProblemIncomplete, p.Name, "", "%s: the wheel %s has neither url nor path", label, w.Name)
	}
	wn, err := tags.ParseWheelName(w.Name)
	if err != nil {
		c.add(ProblemWheelTag, p.Name, "", "%s: %v", label, err)
		return Pin{}, false
	}
	rank, ok := c.tagSet.Rank(wn)
	if !ok {
		var have []string
		for _, t := range wn.Tags {
			have = append(have, t.String())
		}
		c.add(ProblemWheelTag, p.Name, "", "%s: the wheel %s is for %s, which Python %s on %s x86_64 does not accept",
			label, w.Name, strings.Join(have, ", "), target.Minor(), target.Manylinux())
		return Pin{}, false
	}
	if p.RequiresPython != "" {
		if set, err := pep440.ParseSpecifierSet(p.RequiresPython); err == nil && !set.Contains(c.fullVersion) {
			c.add(ProblemPython, p.Name, "", "%s: requires Python %s, this run targets %s", label, p.RequiresPython, c.full)
		}
	}
	if normalize(p.Name) == "lithops" && c.lock.Origin == nil && target.Lithops != "" && !sameVersion(p.Version, target.Lithops) { // else said in checkTarget
		c.add(ProblemLithops, p.Name, "", "the lock holds lithops %s, this run deploys Lithops %s", p.Version, target.Lithops)
	}
	return Pin{Name: p.Name, Version: p.Version, Filename: w.Name, URL: w.URL, Path: w.Path, Index: p.Index,
		SHA256: w.SHA256, Size: w.Size, Tag: c.tagSet.Tags()[rank].String(), Line: c.line}, true
}

// checkRequirements compares the requirements files the lock was made from with the
// ones this run reads.
func checkRequirements(lock *Lock, now []File, add func(kind, pkg, file, format string, args ...any)) {
	if lock.Origin == nil {
		if len(now) > 0 {
			add(ProblemOrigin, "", now[0].Path, "the lock does not record which requirements it was made from (written by %s), so it cannot be shown to match %s",
				lock.CreatedBy, now[0].Path)
		}
		return
	}
	then := map[string]string{}
	for _, f := range lock.Origin.Requirements {
		then[f.Path] = f.SHA256
	}
	current := map[string]bool{}
	for _, f := range now {
		p := cleanPath(f.Path)
		current[p] = true
		was, ok := then[p]
		switch {
		case !ok && len(then) == 0:
			add(ProblemRequirements, "", p, "%s: the lock was made without a requirements file, this run reads %s", p, p)
		case !ok:
			add(ProblemRequirements, "", p, "%s: read by this run, but not when the lock was made", p)
		case was != f.SHA256:
			add(ProblemRequirements, "", p, "%s changed since the lock was made (sha256 %s then, %s now)", p, short(was), short(f.SHA256))
		}
	}
	for _, f := range lock.Origin.Requirements {
		if !current[f.Path] {
			add(ProblemRequirements, "", f.Path, "%s: the lock was made from it, but this run does not read it", f.Path)
		}
	}
}

func anyMarker(markers []string, env pep508.Env) bool {
	if len(markers) == 0 {
		return true
	}
	for _, s := range markers {
		m, err := pep508.ParseMarker(s)
		if err != nil {
			continue
		}
		if ok, err := m.Evaluate(env, ""); err == nil && ok {
			return true
		}
	}
	return false
}

// sameVersion compares two versions as PEP 440 does ("3.7" is "3.7.0"), or as
// strings when one does not parse.
func sameVersion(a, b string) bool { return compareVersions(a, b) == 0 }

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12] + "…"
	}
	return sha
}

func sortPins(pins []Pin) {
	sort.Slice(pins, func(i, j int) bool { return normalize(pins[i].Name) < normalize(pins[j].Name) })
}
