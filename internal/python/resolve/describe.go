package resolve

import (
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// describeVersions renders a set of versions of a package for messages, in terms of
// the versions that exist (known, oldest first): "b" when it holds all of them,
// "b 2.0.0" for one, "b >=2.0.0,<=2.4.0" for a run, runs joined with "or". Sets
// holding none of them fall back to interval notation.
func describeVersions(name string, known []pep440.Version, r pep440.Range) string {
	var runs [][2]int
	in := 0
	for i, v := range known {
		if !r.Contains(v) {
			continue
		}
		in++
		if n := len(runs); n > 0 && runs[n-1][1] == i-1 {
			runs[n-1][1] = i
		} else {
			runs = append(runs, [2]int{i, i})
		}
	}
	switch {
	case in == 0 && r.Complement().IsEmpty():
		return name
	case in == 0:
		return strings.TrimSpace(name + " " + prettyRange(r))
	case in == len(known):
		return name
	}
	parts := make([]string, len(runs))
	for i, run := range runs {
		lo, hi := known[run[0]].String(), known[run[1]].String()
		switch {
		case run[0] == run[1]:
			parts[i] = lo
		case run[0] == 0:
			parts[i] = "<=" + hi
		case run[1] == len(known)-1:
			parts[i] = ">=" + lo
		default:
			parts[i] = ">=" + lo + ",<=" + hi
		}
	}
	return name + " " + strings.Join(parts, " or ")
}

// span returns the widest range around known[i] that holds no other version of
// known (sorted, oldest first): what holds for known[i] then holds for the whole
// gap, as no other candidate lives there. Local versions make the gap hard to
// express with specifiers; their span is the version alone.
func span(known []pep440.Version, i int) pep440.Range {
	v := known[i]
	one := pep440.Singleton(v)
	if v.Local() != "" {
		return one
	}
	r := pep440.FullRange()
	if i > 0 {
		prev := known[i-1]
		if prev.Local() != "" {
			return one
		}
		le, err := pep440.ParseSpecifierSet("<=" + prev.String())
		if err != nil {
			return one
		}
		r = r.Intersect(le.Range().Complement())
		if r.Contains(prev) {
			return one
		}
	}
	if i+1 < len(known) {
		next := known[i+1]
		if next.Local() != "" {
			return one
		}
		ge, err := pep440.ParseSpecifierSet(">=" + next.String())
		if err != nil {
			return one
		}
		r = r.Intersect(ge.Range().Complement())
		if r.Contains(next) {
			return one
		}
	}
	if !r.Contains(v) {
		return one
	}
	return r
}

// prettyRange writes a range as specifiers for messages: "[1.0, 2.dev0)" becomes
// ">=1.0,<2", a union becomes alternatives joined by " or ", every version "".
func prettyRange(r pep440.Range) string {
	if r.IsEmpty() {
		return "(no version)"
	}
	var alts []string
	for _, iv := range strings.Split(r.String(), " | ") {
		lo, hi, ok := strings.Cut(iv, ", ")
		if !ok || len(lo) < 2 || len(hi) < 2 {
			return r.String()
		}
		loIncl, hiIncl := lo[0] == '[', hi[len(hi)-1] == ']'
		lo, hi = lo[1:], hi[:len(hi)-1]
		if loIncl && hiIncl && (hi == lo || hi == lo+"+*") {
			alts = append(alts, "=="+lo)
			continue
		}
		var parts []string
		switch {
		case lo == "-inf":
		case loIncl:
			parts = append(parts, ">="+lo)
		default:
			parts = append(parts, ">"+strings.TrimSuffix(strings.TrimSuffix(lo, "+*"), ".post*"))
		}
		switch {
		case hi == "+inf":
		case hiIncl:
			parts = append(parts, "<="+strings.TrimSuffix(hi, "+*"))
		default:
			// <V excludes V's pre-releases: (-inf, V.dev0) is how a final V's "<V" looks.
			if base, ok := strings.CutSuffix(hi, ".dev0"); ok {
				if v, err := pep440.Parse(base); err == nil && !v.IsPrerelease() && !v.IsPostrelease() {
					hi = base
				}
			}
			parts = append(parts, "<"+hi)
		}
		if len(parts) == 0 {
			return ""
		}
		alts = append(alts, strings.Join(parts, ","))
	}
	return strings.Join(alts, " or ")
}
