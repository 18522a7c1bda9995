package resolve

import "github.com/lithops-fc/runtime-action/internal/python/pep440"

// pkgKey names a node of the resolution graph: a project, one extra of a project (a
// virtual package pinned to its base's version, as pip and uv model extras), or the
// root (the user's requirements).
type pkgKey struct {
	name  string // normalized project name; "" for the root
	extra string // normalized extra; "" for the project itself
}

func (k pkgKey) isRoot() bool { return k.name == "" }

// base is the project an extra belongs to.
func (k pkgKey) base() pkgKey { return pkgKey{name: k.name} }

func (k pkgKey) String() string {
	if k.extra != "" {
		return k.name + "[" + k.extra + "]"
	}
	return k.name
}

// term is a statement about one package: "it is selected at a version in r" when
// pos, or "it is not selected at a version in r" (it may be absent) otherwise. The
// any term, true of every state, is the negative term of the empty range.
type term struct {
	pos bool
	r   pep440.Range
}

func (t term) negate() term { return term{pos: !t.pos, r: t.r} }

// intersect returns the term true exactly when both t and o are.
func (t term) intersect(o term) term {
	switch {
	case t.pos && o.pos:
		return term{pos: true, r: t.r.Intersect(o.r)}
	case t.pos:
		return term{pos: true, r: t.r.Intersect(o.r.Complement())}
	case o.pos:
		return term{pos: true, r: o.r.Intersect(t.r.Complement())}
	default:
		return term{r: t.r.Union(o.r)}
	}
}

// union returns the term true when t or o is.
func (t term) union(o term) term { return t.negate().intersect(o.negate()).negate() }

// isEmpty reports whether no state satisfies t. A negative term always admits the
// package being absent.
func (t term) isEmpty() bool { return t.pos && t.r.IsEmpty() }

// isAny reports whether every state satisfies t.
func (t term) isAny() bool { return !t.pos && t.r.IsEmpty() }

// subsetOf reports whether every state satisfying t satisfies o.
func (t term) subsetOf(o term) bool { return t.intersect(o.negate()).isEmpty() }

// disjoint reports whether no state satisfies both t and o.
func (t term) disjoint(o term) bool { return t.intersect(o).isEmpty() }

func (t term) equal(o term) bool {
	return t.pos == o.pos && t.r.IsSubset(o.r) && o.r.IsSubset(t.r)
}
