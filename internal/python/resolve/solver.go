package resolve

import (
	"context"
	"fmt"
	"slices"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// This file is the PubGrub core (Natalie Weizenbaum's algorithm, as in Dart's pub
// and pubgrub-rs): unit propagation, conflict resolution with learned
// incompatibilities and backjumping, and decisions. It knows nothing of indexes or
// wheels; a provider answers "which version of p to try within r" and "what does p
// at v depend on".

// provider is what the solver asks about packages.
type provider interface {
	// candidate returns the version of p to try among those in r, or ok == false and,
	// in words, why no version in r can be used.
	candidate(ctx context.Context, p pkgKey, r pep440.Range) (v pep440.Version, ok bool, why string, err error)
	// dependencies returns what p at v needs, or unusable != "" saying why p at v
	// cannot be used at all (its metadata wants another Python, say).
	dependencies(ctx context.Context, p pkgKey, v pep440.Version) (deps []dep, unusable string, err error)
	// span returns the widest range around v that holds no other candidate of p, so
	// that what is learned about v covers the gaps between versions and messages
	// speak of versions that exist.
	span(p pkgKey, v pep440.Version) pep440.Range
	// describe renders p restricted to r for messages ("numpy >=1.26.0,<=1.26.4").
	describe(p pkgKey, r pep440.Range) string
}

// dep is one requirement of a package at a version.
type dep struct {
	key    pkgKey
	r      pep440.Range
	text   string // the requirement as written, for messages
	origin string // where the user wrote it ("requirements.txt:3"); "" for metadata
	// lines are every place the same requirement was written (duplicates are merged
	// into one dependency); origin is the first of them.
	lines []string
}

// where is origin, with the number of other lines that say the same.
func (d *dep) where() string {
	if len(d.lines) > 1 {
		return fmt.Sprintf("%s (and %d more lines)", d.origin, len(d.lines)-1)
	}
	return d.origin
}

type pkgID int32

type causeKind uint8

const (
	causeRoot        causeKind = iota // the root must be selected
	causeDependency                   // terms[0] at its versions depends on terms[1]
	causeNoVersions                   // no usable version of terms[0] in its range
	causeUnavailable                  // terms[0] at that version cannot be used
	causeConstraint                   // a constraint forbids terms[0] outside its range
	causeDerived                      // learned from c1 and c2
)

// incompat is a set of terms that must not all be true.
type incompat struct {
	terms  []pterm
	kind   causeKind
	dep    *dep   // causeDependency
	why    string // causeNoVersions, causeUnavailable, causeConstraint
	origin string // causeConstraint: where the constraint was written
	c1, c2 *incompat

	contradicted int // 1 + the decision level at which it became contradicted; 0: it is not
}

type pterm struct {
	p    pkgID
	t    term
	comp pep440.Range // t.r's complement, computed once the incompatibility is added
}

func (in *incompat) get(p pkgID) (term, bool) {
	for _, pt := range in.terms {
		if pt.p == p {
			return pt.t, true
		}
	}
	return term{}, false
}

type assignment struct {
	p     pkgID
	t     term // this assignment's own term
	acc   term // the intersection of p's assignments up to and including this one
	level int
	cause *incompat // nil for a decision
}

type pkgState struct {
	assigns   []int32 // positions in the trail, oldest first
	decided   bool
	version   pep440.Version // when decided
	incompats []*incompat
	deps      map[string][]dep // by version key, once asked
}

type relation uint8

const (
	relSatisfied relation = iota
	relContradicted
	relAlmost
	relInconclusive
)

type solver struct {
	prov  provider
	logf  func(format string, args ...any)
	pkgs  []pkgKey
	ids   map[pkgKey]pkgID
	st    []pkgState
	trail []assignment
	level int
	// contradicted lists the incompatibilities known to be contradicted, in the
	// order found (so by decision level); backtracking below a level forgets them.
	contradicted []*incompat
	// merged holds dependency incompatibilities by (dependent, dependency, requirement
	// text, origin), so that versions with the same requirement collapse into one
	// ("a >=2.0,<=2.4 depends on b==2.0"), found in constant time.
	merged map[mergeKey][]*incompat

	rootDeps []dep // the root's dependencies: the user's requirements

	decisions, conflicts int // statistics
}

type mergeKey struct {
	pair         [2]pkgID
	text, origin string
}

var rootVersion = pep440.MustParse("0")

func newSolver(prov provider, logf func(string, ...any)) *solver {
	s := &solver{
		prov:   prov,
		logf:   logf,
		ids:    map[pkgKey]pkgID{},
		merged: map[mergeKey][]*incompat{},
	}
	root := s.id(pkgKey{})
	s.add(&incompat{terms: []pterm{{p: root, t: term{r: pep440.Singleton(rootVersion)}}}, kind: causeRoot})
	return s
}

// id returns the package's number, registering it on first sight; numbers follow
// the order of discovery, which is also the decision priority.
func (s *solver) id(k pkgKey) pkgID {
	if p, ok := s.ids[k]; ok {
		return p
	}
	p := pkgID(len(s.pkgs))
	s.ids[k] = p
	s.pkgs = append(s.pkgs, k)
	s.st = append(s.st, pkgState{})
	return p
}

// constrain records that p, if selected, must be in r, as the constraint at origin says.
func (s *solver) constrain(k pkgKey, r pep440.Range, why, origin string) {
	s.add(&incompat{terms: []pterm{{p: s.id(k), t: term{pos: true, r: r.Complement()}}}, kind: causeConstraint, why: why, origin: origin})
}

// solve runs PubGrub to the end: a decision for every needed package, or a
// *NoSolutionError explaining the conflict.
func (s *solver) solve(ctx context.Context) error {
	next := pkgID(0)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := s.propagate(next); err != nil {
			return err
		}
		p, ok := s.pick()
		if !ok {
			return nil
		}
		if err := s.decide(ctx, p); err != nil {
			return err
		}
		next = p
	}
}

func (s *solver) acc(p pkgID) (term, bool) {
	a := s.st[p].assigns
	if len(a) == 0 {
		return term{}, false
	}
	return s.trail[a[len(a)-1]].acc, true
}

func (s *solver) assign(a assignment) {
	st := &s.st[a.p]
	a.acc = a.t
	if n := len(st.assigns); n > 0 {
		a.acc = s.trail[st.assigns[n-1]].acc.intersect(a.t)
	}
	st.assigns = append(st.assigns, int32(len(s.trail)))
	s.trail = append(s.trail, a)
}

// relation says how the partial solution stands to an incompatibility; with
// relAlmost it also returns the one package whose term is undecided.
func (s *solver) relation(in *incompat) (relation, pkgID) {
	rel, almost := relSatisfied, pkgID(-1)
	for _, pt := range in.terms {
		if st := &s.st[pt.p]; st.decided {
			// The common case, without set algebra: a decided package's assignments
			// come down to its version.
			if pt.t.r.Contains(st.version) != pt.t.pos {
				return relContradicted, pt.p
			}
			continue
		}
		acc, ok := s.acc(pt.p)
		if ok {
			subset, disjoint := s.compare(acc, pt)
			if subset {
				continue
			}
			if disjoint {
				return relContradicted, pt.p
			}
		}
		if rel == relAlmost {
			return relInconclusive, -1
		}
		rel, almost = relAlmost, pt.p
	}
	return rel, almost
}

// compare reports whether acc implies pt's term, and whether they exclude each
// other. A positive acc, the common case, takes one or two intersections with the
// term's range or its precomputed complement.
func (s *solver) compare(acc term, pt pterm) (subset, disjoint bool) {
	if !acc.pos {
		return acc.subsetOf(pt.t), acc.disjoint(pt.t)
	}
	in, out := pt.t.r, pt.comp // what the term admits and rules out, for positive terms
	if !pt.t.pos {
		in, out = out, in
	}
	if acc.r.Intersect(out).IsEmpty() {
		return true, false
	}
	return false, acc.r.Intersect(in).IsEmpty()
}

// propagate derives what the incompatibilities force, starting from a changed
// package, and resolves conflicts on the way.
func (s *solver) propagate(start pkgID) error {
	queue := []pkgID{start}
	for len(queue) > 0 {
		p := queue[len(queue)-1]
		queue = queue[:len(queue)-1]
		var conflict *incompat
		ins := s.st[p].incompats
		for i := len(ins) - 1; i >= 0 && conflict == nil; i-- { // newest first
			in := ins[i]
			if in.contradicted > 0 {
				continue
			}
			switch rel, q := s.relation(in); rel {
			case relSatisfied:
				conflict = in
			case relAlmost:
				if !slices.Contains(queue, q) {
					queue = append(queue, q)
				}
				s.derive(q, in)
				s.contradict(in)
			case relContradicted:
				s.contradict(in)
			}
		}
		if conflict != nil {
			s.conflicts++
			q, cause, err := s.resolveConflict(conflict)
			if err != nil {
				return err
			}
			queue = append(queue[:0], q)
			s.derive(q, cause)
			s.contradict(cause)
		}
	}
	return nil
}

// derive adds the negation of in's term for q, which in forces.
func (s *solver) derive(q pkgID, in *incompat) {
	t, _ := in.get(q)
	s.assign(assignment{p: q, t: t.negate(), level: s.level, cause: in})
}

// terminal reports whether in says the root itself cannot be selected.
func (s *solver) terminal(in *incompat) bool {
	return len(in.terms) == 0 || (len(in.terms) == 1 && in.terms[0].p == 0 && in.terms[0].t.pos)
}

// resolveConflict learns from a satisfied incompatibility until it finds one that
// backjumping makes almost satisfied; it returns that incompatibility and its
// undecided package, or the error when the conflict reaches the root.
func (s *solver) resolveConflict(in *incompat) (pkgID, *incompat, error) {
	learned := false
	for {
		if s.terminal(in) {
			return 0, nil, &NoSolutionError{Report: s.report(in), noFit: s.noFit(in), Lines: s.lines(in)}
		}
		satPos, prevLevel := s.satisfier(in)
		sat := s.trail[satPos]
		if sat.cause == nil || prevLevel < sat.level {
			s.backtrack(prevLevel)
			if learned {
				s.add(in)
			}
			if s.logf != nil {
				s.logf("backtrack: %s", s.sentence(in))
			}
			return sat.p, in, nil
		}
		in = s.priorCause(in, sat.cause, sat.p)
		learned = true
	}
}

// satisfier finds the earliest assignment that, with those before it, satisfies in
// (its position in the trail), and the decision level to backjump to: the highest
// level among the assignments that satisfy in together with the satisfier.
func (s *solver) satisfier(in *incompat) (satPos int, prevLevel int) {
	satPos = -1
	firstSat := make([]int, len(in.terms))
	for i, pt := range in.terms {
		firstSat[i] = s.firstSatisfying(pt.p, pt.t, nil)
		if firstSat[i] > satPos {
			satPos = firstSat[i]
		}
	}
	sat := s.trail[satPos]
	prevLevel = 1 // the root's decision stays
	for i, pt := range in.terms {
		pos := firstSat[i]
		if pt.p == sat.p {
			if sat.t.subsetOf(pt.t) {
				continue
			}
			pos = s.firstSatisfying(pt.p, pt.t, &sat.t)
		}
		if l := s.trail[pos].level; l > prevLevel {
			prevLevel = l
		}
	}
	return satPos, prevLevel
}

// firstSatisfying returns the trail position of p's earliest assignment whose
// accumulated term (intersected with extra, if given) implies t.
func (s *solver) firstSatisfying(p pkgID, t term, extra *term) int {
	for _, pos := range s.st[p].assigns {
		acc := s.trail[pos].acc
		if extra != nil {
			acc = acc.intersect(*extra)
		}
		if acc.subsetOf(t) {
			return int(pos)
		}
	}
	panic(fmt.Sprintf("resolve: no assignment of %s satisfies its term", s.pkgs[p]))
}

// priorCause resolves in with the cause of the satisfier of p's term: the result
// holds whenever both do, without mentioning p unless both terms leave some of it.
func (s *solver) priorCause(in, cause *incompat, p pkgID) *incompat {
	out := &incompat{kind: causeDerived, c1: in, c2: cause}
	merge := func(pt pterm) {
		for i := range out.terms {
			if out.terms[i].p == pt.p {
				out.terms[i].t = out.terms[i].t.intersect(pt.t)
				return
			}
		}
		out.terms = append(out.terms, pt)
	}
	for _, pt := range in.terms {
		if pt.p != p {
			merge(pt)
		}
	}
	for _, pt := range cause.terms {
		if pt.p != p {
			merge(pt)
		}
	}
	t1, _ := in.get(p)
	t2, _ := cause.get(p)
	if u := t1.union(t2); !u.isAny() {
		out.terms = append(out.terms, pterm{p: p, t: u})
	}
	return out
}

func (s *solver) backtrack(level int) {
	for len(s.trail) > 0 {
		a := s.trail[len(s.trail)-1]
		if a.level <= level {
			break
		}
		s.trail = s.trail[:len(s.trail)-1]
		st := &s.st[a.p]
		st.assigns = st.assigns[:len(st.assigns)-1]
		if a.cause == nil {
			st.decided = false
		}
	}
	s.level = level
	for n := len(s.contradicted); n > 0 && s.contradicted[n-1].contradicted > level+1; n-- {
		s.contradicted[n-1].contradicted = 0
		s.contradicted = s.contradicted[:n-1]
	}
}

// contradict records that the partial solution contradicts in at this level.
func (s *solver) contradict(in *incompat) {
	in.contradicted = s.level + 1
	s.contradicted = append(s.contradicted, in)
}

// add records an incompatibility, collapsing a dependency with an identical one of
// another version of the same dependent.
func (s *solver) add(in *incompat) {
	if in.kind == causeDependency {
		key := mergeKey{[2]pkgID{in.terms[0].p, in.terms[1].p}, in.dep.text, in.dep.origin}
		list := s.merged[key]
		for i, past := range list {
			if !past.terms[1].t.equal(in.terms[1].t) {
				continue
			}
			m := &incompat{
				terms: []pterm{{p: in.terms[0].p, t: in.terms[0].t.union(past.terms[0].t)}, in.terms[1]},
				kind:  causeDependency,
				dep:   in.dep,
			}
			for _, pt := range past.terms {
				st := &s.st[pt.p]
				st.incompats = slices.DeleteFunc(st.incompats, func(x *incompat) bool { return x == past })
			}
			list[i] = m
			in = m
			goto index
		}
		s.merged[key] = append(list, in)
	}
index:
	for i := range in.terms {
		in.terms[i].comp = in.terms[i].t.r.Complement()
		s.st[in.terms[i].p].incompats = append(s.st[in.terms[i].p].incompats, in)
	}
}

// pick returns the undecided package to decide next: one that must be selected,
// first discovered first (breadth-first, as pip and uv go), or false when every
// needed package is decided.
func (s *solver) pick() (pkgID, bool) {
	for p := range s.st {
		if s.st[p].decided {
			continue
		}
		if acc, ok := s.acc(pkgID(p)); ok && acc.pos {
			return pkgID(p), true
		}
	}
	return 0, false
}

// decide picks a version of p and adds its dependencies; or learns why p has none.
func (s *solver) decide(ctx context.Context, p pkgID) error {
	acc, _ := s.acc(p)
	k := s.pkgs[p]
	var v pep440.Version
	if k.isRoot() {
		v = rootVersion
	} else {
		var ok bool
		var why string
		var err error
		v, ok, why, err = s.prov.candidate(ctx, k, acc.r)
		if err != nil {
			return err
		}
		if !ok {
			s.add(&incompat{terms: []pterm{{p: p, t: term{pos: true, r: acc.r}}}, kind: causeNoVersions, why: why})
			return nil
		}
	}
	deps, unusable, err := s.dependencies(ctx, p, v)
	if err != nil {
		return err
	}
	if unusable != "" {
		s.add(&incompat{terms: []pterm{{p: p, t: term{pos: true, r: s.span(p, v)}}}, kind: causeUnavailable, why: unusable})
		return nil
	}
	// A dependency the partial solution already rules out makes p at v a conflict;
	// propagation will learn that instead of deciding.
	for _, d := range deps {
		q := s.id(d.key)
		if acc, ok := s.acc(q); ok && acc.subsetOf(term{r: d.r}) {
			return nil
		}
	}
	s.level++
	s.decisions++
	s.st[p].decided = true
	s.st[p].version = v
	s.assign(assignment{p: p, t: term{pos: true, r: pep440.Singleton(v)}, level: s.level})
	if s.logf != nil && !k.isRoot() {
		s.logf("try %s %s", k, v)
	}
	return nil
}

func (s *solver) span(p pkgID, v pep440.Version) pep440.Range {
	if k := s.pkgs[p]; !k.isRoot() {
		return s.prov.span(k, v)
	}
	return pep440.Singleton(v)
}

// dependencies asks the provider once per version and records the incompatibilities.
func (s *solver) dependencies(ctx context.Context, p pkgID, v pep440.Version) ([]dep, string, error) {
	vk := v.String()
	if deps, ok := s.st[p].deps[vk]; ok {
		return deps, "", nil
	}
	var deps []dep
	if k := s.pkgs[p]; k.isRoot() {
		deps = s.rootDeps
	} else {
		var unusable string
		var err error
		deps, unusable, err = s.prov.dependencies(ctx, k, v)
		if err != nil || unusable != "" {
			return nil, unusable, err
		}
	}
	if s.st[p].deps == nil {
		s.st[p].deps = map[string][]dep{}
	}
	s.st[p].deps[vk] = deps
	self := term{pos: true, r: s.span(p, v)}
	for i := range deps {
		d := &deps[i]
		s.add(&incompat{terms: []pterm{{p: p, t: self}, {p: s.id(d.key), t: term{r: d.r}}}, kind: causeDependency, dep: d})
	}
	return deps, "", nil
}

// lines lists where the user wrote the requirements and constraints the derivation
// of in relies on, in the order met, each once.
func (s *solver) lines(in *incompat) []string {
	var out []string
	seenLine := map[string]bool{}
	add := func(l string) {
		if l != "" && !seenLine[l] {
			seenLine[l] = true
			out = append(out, l)
		}
	}
	seen := map[*incompat]bool{}
	var walk func(*incompat)
	walk = func(in *incompat) {
		if in == nil || seen[in] {
			return
		}
		seen[in] = true
		switch in.kind {
		case causeDerived:
			walk(in.c1)
			walk(in.c2)
		case causeDependency:
			if s.pkgs[in.terms[0].p].isRoot() {
				for _, l := range in.dep.lines {
					add(l)
				}
				add(in.dep.origin)
			}
		case causeConstraint:
			add(in.origin)
		}
	}
	walk(in)
	return out
}

// noFit lists the packages whose lack of a usable version the derivation of in
// relies on, in the order met.
func (s *solver) noFit(in *incompat) []pkgKey {
	var out []pkgKey
	seen := map[*incompat]bool{}
	var walk func(*incompat)
	walk = func(in *incompat) {
		if seen[in] {
			return
		}
		seen[in] = true
		switch in.kind {
		case causeDerived:
			walk(in.c1)
			walk(in.c2)
		case causeNoVersions:
			if k := s.pkgs[in.terms[0].p]; !slices.Contains(out, k.base()) {
				out = append(out, k.base())
			}
		}
	}
	walk(in)
	return out
}
