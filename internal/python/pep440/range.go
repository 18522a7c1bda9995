package pep440

import "strings"

// Range is a set of versions: a union of disjoint intervals over the PEP 440 order,
// sorted, none empty. The zero Range is empty. Ranges are immutable values; every
// operation returns a new one, so they are safe to share between goroutines.
//
// Interval ends are versions or the two boundaries the specifier rules need (see
// key.go): afterLocals(V), just above V and every V+local label, and afterPosts(V),
// just above every V.postN. Emptiness is exact: versions are discrete, so an
// interval such as (afterPosts(1.0a1), 1.0a2.dev0) holds no version and is dropped.
type Range struct {
	iv []interval
}

type interval struct{ lo, hi bound }

// bound is one end of an interval. inf is -inf for a lower end and +inf for an upper
// end. A boundary's key never equals a version's key, so incl only matters for
// version ends.
type bound struct {
	inf      bool
	key      string
	incl     bool
	boundary bool
	succ     string // boundaries only: key of the least version above, "" if none
	show     string
}

// minKey is the key of 0.dev0, the least PEP 440 version.
var minKey = encodeKey(&parts{release: []string{"0"}, dev: true})

// FullRange returns the range of every version.
func FullRange() Range {
	return Range{iv: []interval{{lo: bound{inf: true}, hi: bound{inf: true}}}}
}

// Singleton returns the range holding exactly v (every spelling of it: 1.0 and
// 1.0.0, but not 1.0+local).
func Singleton(v Version) Range {
	b := bound{key: v.key, incl: true, show: v.norm}
	return Range{iv: []interval{{lo: b, hi: b}}}
}

// IsEmpty reports whether no version is in r.
func (r Range) IsEmpty() bool { return len(r.iv) == 0 }

// Contains reports whether v is in r.
func (r Range) Contains(v Version) bool {
	if v.key == "" {
		return false
	}
	for _, iv := range r.iv {
		if !iv.lo.admitsAbove(v.key) {
			return false // intervals are sorted: v is below every later one too
		}
		if iv.hi.admitsBelow(v.key) {
			return true
		}
	}
	return false
}

// admitsAbove reports whether a version with key k is at or above lower bound b.
func (b bound) admitsAbove(k string) bool {
	return b.inf || k > b.key || (k == b.key && b.incl)
}

// admitsBelow reports whether a version with key k is at or below upper bound b.
func (b bound) admitsBelow(k string) bool {
	return b.inf || k < b.key || (k == b.key && b.incl)
}

// lowerBefore reports whether lower bound a starts before lower bound b.
func lowerBefore(a, b bound) bool {
	switch {
	case a.inf:
		return !b.inf
	case b.inf:
		return false
	case a.key != b.key:
		return a.key < b.key
	}
	return a.incl && !b.incl
}

// upperBefore reports whether upper bound a ends before upper bound b.
func upperBefore(a, b bound) bool {
	switch {
	case a.inf:
		return false
	case b.inf:
		return true
	case a.key != b.key:
		return a.key < b.key
	}
	return !a.incl && b.incl
}

// holds reports whether some version lies between lower bound lo and upper bound hi.
// Between two distinct version ends there is always one (a local label of the lower
// version), so only the floor 0.dev0 and boundaries with a least successor need care.
func holds(lo, hi bound) bool {
	switch {
	case hi.inf:
		return true
	case lo.inf:
		return hi.key > minKey || (hi.key == minKey && hi.incl)
	case lo.boundary && lo.succ != "":
		if hi.key == lo.succ {
			return hi.incl
		}
		return lo.succ < hi.key
	case lo.key == hi.key:
		return lo.incl && hi.incl
	}
	return lo.key < hi.key
}

// flip turns an upper bound into the lower bound of the gap above it, or a lower bound
// into the upper bound of the gap below it.
func (b bound) flip() bound {
	b.incl = !b.incl
	return b
}

// Intersect returns the versions in both r and o.
func (r Range) Intersect(o Range) Range {
	var out []interval
	i, j := 0, 0
	for i < len(r.iv) && j < len(o.iv) {
		a, b := r.iv[i], o.iv[j]
		lo := a.lo
		if lowerBefore(a.lo, b.lo) {
			lo = b.lo
		} else if !lowerBefore(b.lo, a.lo) {
			lo = canon(a.lo, b.lo)
		}
		hi := a.hi
		if upperBefore(b.hi, a.hi) {
			hi = b.hi
		} else if !upperBefore(a.hi, b.hi) {
			hi = canon(a.hi, b.hi)
		}
		if holds(lo, hi) {
			out = append(out, interval{lo, hi})
		}
		if upperBefore(a.hi, b.hi) {
			i++
		} else {
			j++
		}
	}
	return Range{iv: out}
}

// canon picks, of two equal bounds (2 and 2.0), the one whose text sorts first, so that
// the text of an intersection does not depend on the order of its clauses: "<=2.0,<=2"
// and "<=2,<=2.0" both show 2, as SpecifierSet.String keeps "<=2".
func canon(a, b bound) bound {
	if b.show < a.show {
		return b
	}
	return a
}

// intersectAll returns the intersection of rs (every version when rs is empty). It
// intersects in pairs, round by round: each != clause adds an interval, and folding
// n of them in one at a time would copy O(n²) intervals (a long line of != clauses
// in a requirements file took minutes). rs is overwritten.
func intersectAll(rs []Range) Range {
	if len(rs) == 0 {
		return FullRange()
	}
	for len(rs) > 1 {
		half := (len(rs) + 1) / 2
		for i := 0; i < len(rs)/2; i++ {
			rs[i] = rs[2*i].Intersect(rs[2*i+1])
		}
		if len(rs)%2 == 1 {
			rs[half-1] = rs[len(rs)-1]
		}
		rs = rs[:half]
	}
	return rs[0]
}

// Union returns the versions in r or o (or both).
func (r Range) Union(o Range) Range {
	if len(r.iv) == 0 {
		return o
	}
	if len(o.iv) == 0 {
		return r
	}
	all := make([]interval, 0, len(r.iv)+len(o.iv))
	i, j := 0, 0
	for i < len(r.iv) || j < len(o.iv) {
		if j == len(o.iv) || (i < len(r.iv) && !lowerBefore(o.iv[j].lo, r.iv[i].lo)) {
			all = append(all, r.iv[i])
			i++
		} else {
			all = append(all, o.iv[j])
			j++
		}
	}
	out := all[:1]
	for _, iv := range all[1:] {
		last := &out[len(out)-1]
		// Merge when the two touch or overlap, or when the gap between them holds
		// no version.
		if last.hi.inf || iv.lo.inf || !holds(last.hi.flip(), iv.lo.flip()) {
			if upperBefore(last.hi, iv.hi) {
				last.hi = iv.hi
			}
			continue
		}
		out = append(out, iv)
	}
	return Range{iv: out}
}

// Complement returns the versions not in r.
func (r Range) Complement() Range {
	if len(r.iv) == 0 {
		return FullRange()
	}
	var out []interval
	lo := bound{inf: true}
	for _, iv := range r.iv {
		if !iv.lo.inf {
			if hi := iv.lo.flip(); holds(lo, hi) {
				out = append(out, interval{lo, hi})
			}
		}
		if iv.hi.inf {
			return Range{iv: out}
		}
		lo = iv.hi.flip()
	}
	if holds(lo, bound{inf: true}) {
		out = append(out, interval{lo, bound{inf: true}})
	}
	return Range{iv: out}
}

// IsSubset reports whether every version in r is also in o.
func (r Range) IsSubset(o Range) bool { return r.Intersect(o.Complement()).IsEmpty() }

// String shows r in interval notation, for messages and debugging: [1.0, 2.0.dev0)
// or (-inf, 1.0) | (1.0+*, +inf). "V+*" is the point just above every V+local label,
// "V.post*" the point just above every post-release of V.
func (r Range) String() string {
	if len(r.iv) == 0 {
		return "<empty>"
	}
	var b strings.Builder
	for i, iv := range r.iv {
		if i > 0 {
			b.WriteString(" | ")
		}
		switch {
		case iv.lo.inf:
			b.WriteString("(-inf")
		case iv.lo.incl:
			b.WriteString("[" + iv.lo.show)
		default:
			b.WriteString("(" + iv.lo.show)
		}
		b.WriteString(", ")
		switch {
		case iv.hi.inf:
			b.WriteString("+inf)")
		case iv.hi.incl:
			b.WriteString(iv.hi.show + "]")
		default:
			b.WriteString(iv.hi.show + ")")
		}
	}
	return b.String()
}

// Bounds from specifier versions.

// clone copies p so that it can be changed without touching the original.
func (p parts) clone() parts {
	p.release = append([]string(nil), p.release...)
	p.local = append([]string(nil), p.local...)
	if len(p.local) == 0 {
		p.local = nil
	}
	return p
}

func versionBound(p parts, incl bool) bound {
	return bound{key: encodeKey(&p), incl: incl, show: string(appendNorm(nil, &p))}
}

// afterLocals is the point above p and every p+local label, below p.post0.
func afterLocals(p parts) bound {
	p.local = nil
	b := bound{key: encodeKey(&p) + string(boundEnd), boundary: true, show: string(appendNorm(nil, &p)) + "+*"}
	s := p.clone()
	if s.dev {
		s.devN = incDigits(trimZeros(s.devN))
	} else {
		if s.post {
			s.postN = incDigits(trimZeros(s.postN))
		} else {
			s.post, s.postN = true, "0"
		}
		s.dev, s.devN = true, "0"
	}
	b.succ = encodeKey(&s)
	return b
}

// afterPosts is the point above p and every post-release of p (p has neither a
// post-release nor a development segment).
func afterPosts(p parts) bound {
	p.local = nil
	var buf [64]byte
	b := bound{
		key:      string(append(appendPublicKey(buf[:0], &p, true), boundEnd)),
		boundary: true,
		show:     string(appendNorm(nil, &p)) + ".post*",
	}
	if p.pre != 0 {
		s := p.clone()
		s.preN = incDigits(trimZeros(s.preN))
		s.post, s.postN = false, ""
		s.dev, s.devN = true, "0"
		b.succ = encodeKey(&s)
	}
	return b
}

// dev0 returns p's epoch and release with the development segment dev0.
func dev0(p parts) parts {
	return parts{epoch: p.epoch, release: append([]string(nil), p.release...), dev: true, devN: "0"}
}

// nextPrefixDev0 returns the least version of the release prefix after p's:
// 1.2 gives 1.3.dev0.
func nextPrefixDev0(p parts) parts {
	n := dev0(p)
	last := len(n.release) - 1
	n.release[last] = incDigits(trimZeros(n.release[last]))
	return n
}

var posInf = bound{inf: true}

// specRange returns the versions a specifier (other than ===) admits; packaging's
// bounds_for_spec.
func specRange(op string, p parts, hasLocal bool) Range {
	one := func(lo, hi bound) Range { return Range{iv: []interval{{lo, hi}}} }
	if p.wildcard {
		lo, hi := versionBound(dev0(p), true), versionBound(nextPrefixDev0(p), false)
		if op == "==" {
			return one(lo, hi)
		}
		return rangeOf(interval{bound{inf: true}, lo.flip()}, interval{hi.flip(), posInf})
	}
	switch op {
	case ">=":
		return one(versionBound(p, true), posInf)
	case "<=":
		hi := afterLocals(p)
		hi.incl = true
		return one(bound{inf: true}, hi)
	case ">":
		switch {
		case p.dev:
			n := p.clone()
			n.local = nil
			n.devN = incDigits(trimZeros(n.devN))
			return one(versionBound(n, true), posInf)
		case p.post:
			n := p.clone()
			n.local = nil
			n.postN = incDigits(trimZeros(n.postN))
			n.dev, n.devN = true, "0"
			return one(versionBound(n, true), posInf)
		}
		return one(afterPosts(p), posInf)
	case "<":
		// <V excludes V's pre-releases unless V is one: V.dev0 is the first of them.
		n := p.clone()
		if p.pre == 0 && !p.dev {
			n.local = nil
			n.dev, n.devN = true, "0"
		}
		hi := versionBound(n, false)
		if hi.key <= minKey {
			return Range{}
		}
		return one(bound{inf: true}, hi)
	case "~=":
		prefix := p.clone()
		prefix.release = prefix.release[:len(prefix.release)-1]
		return one(versionBound(p, true), versionBound(nextPrefixDev0(prefix), false))
	}
	// == and !=: without a local label in the specifier, V's local versions match.
	hi := afterLocals(p)
	if hasLocal {
		hi = versionBound(p, true)
	}
	hi.incl = true
	if op == "==" {
		return one(versionBound(p, true), hi)
	}
	return rangeOf(interval{bound{inf: true}, versionBound(p, false)}, interval{hi.flip(), posInf})
}

// rangeOf is the range of the intervals ivs (sorted, disjoint) that hold a version:
// none lies below 0.dev0, so != 0.dev0 has only the interval above it, as any
// intersection leaves it.
func rangeOf(ivs ...interval) Range {
	var out []interval
	for _, iv := range ivs {
		if holds(iv.lo, iv.hi) {
			out = append(out, iv)
		}
	}
	return Range{iv: out}
}
