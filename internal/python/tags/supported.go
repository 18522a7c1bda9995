package tags

import (
	"fmt"
	"strconv"
	"strings"
)

// Target is the interpreter and platform wheels are chosen for: CPython X.Y on
// glibc Linux, x86_64 (Function Compute's runtimes).
type Target struct {
	Python [2]int // major, minor: {3, 10}
	Glibc  Glibc
}

// ParseTarget returns the target for CPython python, "3.12" or "3.12.4" (the patch
// level plays no part in tags), on glibc.
func ParseTarget(python string, glibc Glibc) (Target, error) {
	parts := strings.Split(python, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return Target{}, fmt.Errorf("target Python %q: want X.Y or X.Y.Z", python)
	}
	var t Target
	for i, p := range parts[:2] {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || strconv.Itoa(n) != p {
			return Target{}, fmt.Errorf("target Python %q: want X.Y or X.Y.Z", python)
		}
		t.Python[i] = n
	}
	t.Glibc = glibc
	return t, nil
}

// PythonVersion is the target's CPython as major.minor, "3.12".
func (t Target) PythonVersion() string { return fmt.Sprintf("%d.%d", t.Python[0], t.Python[1]) }

// String returns the target as "cp310-manylinux_2_28_x86_64".
func (t Target) String() string {
	return fmt.Sprintf("cp%d%d-manylinux_%d_%d_x86_64", t.Python[0], t.Python[1], t.Glibc.Major, t.Glibc.Minor)
}

// TagSet is the ordered list of tags a target supports, most preferred first, with a
// map for constant-time lookups. It is immutable and safe for concurrent use.
type TagSet struct {
	tags  []Tag
	index map[Tag]int
}

// Supported returns the tags a target accepts, in packaging's order: cpython_tags
// then compatible_tags for CPython X.Y with the platforms manylinux_2_Y ... manylinux_2_5
// (each legacy alias right after its equal: manylinux2014 after 2_17, manylinux2010
// after 2_12, manylinux1 after 2_5). linux_x86_64 (wheels built on some machine, not
// for any glibc) is never accepted.
func Supported(t Target) (*TagSet, error) {
	if t.Python[0] != 3 || t.Python[1] < 0 {
		return nil, fmt.Errorf("target Python %d.%d: only CPython 3.x is supported", t.Python[0], t.Python[1])
	}
	if t.Glibc.Major != 2 || t.Glibc.Minor < 5 {
		return nil, fmt.Errorf("target glibc %s: want 2.5 or later (manylinux_2_5 is the oldest tag)", t.Glibc)
	}
	var platforms []string
	for minor := t.Glibc.Minor; minor >= 5; minor-- {
		platforms = append(platforms, fmt.Sprintf("manylinux_2_%d_x86_64", minor))
		switch minor {
		case 17:
			platforms = append(platforms, "manylinux2014_x86_64")
		case 12:
			platforms = append(platforms, "manylinux2010_x86_64")
		case 5:
			platforms = append(platforms, "manylinux1_x86_64")
		}
	}

	s := &TagSet{index: map[Tag]int{}}
	add := func(interp, abi, platform string) {
		tag := Tag{interp, abi, platform}
		if _, dup := s.index[tag]; !dup {
			s.index[tag] = len(s.tags)
			s.tags = append(s.tags, tag)
		}
	}
	major, minor := t.Python[0], t.Python[1]
	cp := fmt.Sprintf("cp%d%d", major, minor)

	// cpython_tags: the interpreter's own ABI (with pymalloc's "m" before 3.8), the
	// stable ABI, no ABI, then the stable ABI of every older 3.x down to 3.2.
	abi := cp
	if minor < 8 {
		abi += "m"
	}
	for _, p := range platforms {
		add(cp, abi, p)
	}
	abi3 := minor >= 2
	if abi3 {
		for _, p := range platforms {
			add(cp, "abi3", p)
		}
	}
	for _, p := range platforms {
		add(cp, "none", p)
	}
	if abi3 {
		for m := minor - 1; m >= 2; m-- {
			for _, p := range platforms {
				add(fmt.Sprintf("cp%d%d", major, m), "abi3", p)
			}
		}
	}

	// compatible_tags: pyXY, pyX, then older pyXy for the platforms; then cpXY-none-any
	// and the same py range with -none-any.
	pys := []string{fmt.Sprintf("py%d%d", major, minor), fmt.Sprintf("py%d", major)}
	for m := minor - 1; m >= 0; m-- {
		pys = append(pys, fmt.Sprintf("py%d%d", major, m))
	}
	for _, py := range pys {
		for _, p := range platforms {
			add(py, "none", p)
		}
	}
	add(cp, "none", "any")
	for _, py := range pys {
		add(py, "none", "any")
	}
	return s, nil
}

// Tags returns the supported tags, most preferred first.
func (s *TagSet) Tags() []Tag { return append([]Tag(nil), s.tags...) }

// Len returns the number of supported tags.
func (s *TagSet) Len() int { return len(s.tags) }

// Index returns the preference of a tag (0 is the best), or false if the target does
// not accept it.
func (s *TagSet) Index(t Tag) (int, bool) {
	i, ok := s.index[t]
	return i, ok
}

// Rank returns a wheel's preference for the target, the best (lowest) index among its
// tags, or false when the target accepts none of them.
func (s *TagSet) Rank(w WheelName) (int, bool) {
	best, found := 0, false
	for _, t := range w.Tags {
		if i, ok := s.index[t]; ok && (!found || i < best) {
			best, found = i, true
		}
	}
	return best, found
}

// Best returns the position in ws of the wheel to install among files of one
// version: the lowest rank, then the highest build tag, then the first listed; or -1
// when the target accepts none.
func (s *TagSet) Best(ws []WheelName) int {
	best, bestRank := -1, 0
	for i, w := range ws {
		r, ok := s.Rank(w)
		if !ok {
			continue
		}
		if best < 0 || r < bestRank || (r == bestRank && CompareBuild(w.Build, ws[best].Build) > 0) {
			best, bestRank = i, r
		}
	}
	return best
}
