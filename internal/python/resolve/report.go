package resolve

import (
	"fmt"
	"strings"
)

// This file turns the incompatibility that ended resolution into plain words,
// following the shape of pub's reports: each line says "Because A and B, C", lines
// reused later get a number, and a derivation used once is folded into the next.

// sentence says what one incompatibility means.
func (s *solver) sentence(in *incompat) string {
	switch in.kind {
	case causeRoot:
		return "the requirements must be installed"
	case causeDependency:
		if s.pkgs[in.terms[0].p].isRoot() {
			if in.dep.origin != "" {
				return fmt.Sprintf("%s requires %s", in.dep.where(), in.dep.text)
			}
			return "you require " + in.dep.text
		}
		return fmt.Sprintf("%s depends on %s", s.describe(in.terms[0]), in.dep.text)
	case causeNoVersions, causeUnavailable, causeConstraint:
		return in.why
	}
	// Derived: the root's own positive term is always true, so leave it out.
	var ts []pterm
	for _, pt := range in.terms {
		if !(s.pkgs[pt.p].isRoot() && pt.t.pos) {
			ts = append(ts, pt)
		}
	}
	switch {
	case len(ts) == 0:
		return "the requirements cannot be satisfied together"
	case len(ts) == 1 && ts[0].t.pos:
		return s.describe(ts[0]) + " cannot be used"
	case len(ts) == 1:
		return s.describe(ts[0]) + " is required"
	case len(ts) == 2 && ts[0].t.pos != ts[1].t.pos:
		if !ts[0].t.pos {
			ts[0], ts[1] = ts[1], ts[0]
		}
		return fmt.Sprintf("%s requires %s", s.describe(ts[0]), s.describe(ts[1]))
	case len(ts) == 2 && ts[0].t.pos:
		return fmt.Sprintf("%s is incompatible with %s", s.describe(ts[0]), s.describe(ts[1]))
	}
	var pos, neg []string
	for _, pt := range ts {
		if pt.t.pos {
			pos = append(pos, s.describe(pt))
		} else {
			neg = append(neg, s.describe(pt))
		}
	}
	switch {
	case len(neg) == 0:
		return strings.Join(pos, ", ") + " cannot all be used together"
	case len(pos) == 0:
		return "one of " + strings.Join(neg, ", ") + " is required"
	}
	return fmt.Sprintf("%s together require one of %s", strings.Join(pos, ", "), strings.Join(neg, ", "))
}

// describe renders the versions a term speaks of ("b >=2.0,<3.0"); for a
// negative term, the versions it rules out.
func (s *solver) describe(pt pterm) string {
	k := s.pkgs[pt.p]
	if k.isRoot() {
		return "the requirements"
	}
	return s.prov.describe(k, pt.t.r)
}

type reportWriter struct {
	s        *solver
	terminal *incompat
	refs     map[*incompat]int // how many derivations use each incompatibility
	num      map[*incompat]int // line numbers given to incompatibilities reused later
	lines    []reportLine
}

type reportLine struct {
	text string
	num  int
}

// report explains why the terminal incompatibility holds.
func (s *solver) report(terminal *incompat) string {
	w := &reportWriter{s: s, refs: map[*incompat]int{}, num: map[*incompat]int{}}
	w.count(terminal)
	if terminal.kind != causeDerived {
		return "Because " + s.sentence(terminal) + ", the requirements cannot be satisfied."
	}
	w.terminal = terminal
	w.visit(terminal, false)
	width := len(fmt.Sprint(len(w.num)))
	var b strings.Builder
	for i, l := range w.lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		switch {
		case len(w.num) == 0:
		case l.num > 0:
			fmt.Fprintf(&b, "(%*d) ", width, l.num)
		case l.text != "":
			b.WriteString(strings.Repeat(" ", width+3))
		}
		b.WriteString(l.text)
	}
	return b.String()
}

func (w *reportWriter) count(in *incompat) {
	if in.kind != causeDerived {
		return
	}
	for _, c := range []*incompat{in.c1, in.c2} {
		w.refs[c]++
		if w.refs[c] == 1 {
			w.count(c)
		}
	}
}

func (w *reportWriter) write(in *incompat, text string, numbered bool) {
	l := reportLine{text: text}
	if numbered {
		l.num = len(w.num) + 1
		w.num[in] = l.num
	}
	w.lines = append(w.lines, l)
}

func derived(in *incompat) bool { return in.kind == causeDerived }

// isSingleLine reports whether both causes of in are external.
func isSingleLine(in *incompat) bool { return !derived(in.c1) && !derived(in.c2) }

// collapsible reports whether in, used once and made of one derived and one external
// cause, can be folded into the line that uses it.
func (w *reportWriter) collapsible(in *incompat) bool {
	if w.refs[in] > 1 || derived(in.c1) == derived(in.c2) {
		return false
	}
	complex := in.c1
	if !derived(complex) {
		complex = in.c2
	}
	_, numbered := w.num[complex]
	return !numbered
}

func (w *reportWriter) visit(in *incompat, conclusion bool) {
	s := w.s
	numbered := conclusion || w.refs[in] > 1
	conj := "And"
	if conclusion || in == w.terminal {
		conj = "So,"
	}
	what := s.sentence(in)
	c1, c2 := in.c1, in.c2
	switch {
	case derived(c1) && derived(c2):
		n1, ok1 := w.num[c1]
		n2, ok2 := w.num[c2]
		switch {
		case ok1 && ok2:
			w.write(in, fmt.Sprintf("Because %s (%d) and %s (%d), %s.", s.sentence(c1), n1, s.sentence(c2), n2, what), numbered)
		case ok1 || ok2:
			with, without, n := c1, c2, n1
			if !ok1 {
				with, without, n = c2, c1, n2
			}
			w.visit(without, false)
			w.write(in, fmt.Sprintf("%s because %s (%d), %s.", conj, s.sentence(with), n, what), numbered)
		case isSingleLine(c1) || isSingleLine(c2):
			first, second := c1, c2
			if isSingleLine(c1) {
				first, second = c2, c1
			}
			w.visit(first, false)
			w.visit(second, false)
			w.write(in, fmt.Sprintf("Thus, %s.", what), numbered)
		default:
			w.visit(c1, true)
			w.lines = append(w.lines, reportLine{})
			w.visit(c2, false)
			w.write(in, fmt.Sprintf("%s because %s (%d), %s.", conj, s.sentence(c1), w.num[c1], what), numbered)
		}
	case derived(c1) || derived(c2):
		der, ext := c1, c2
		if !derived(c1) {
			der, ext = c2, c1
		}
		switch n, ok := w.num[der]; {
		case ok:
			w.write(in, fmt.Sprintf("Because %s and %s (%d), %s.", s.sentence(ext), s.sentence(der), n, what), numbered)
		case w.collapsible(der):
			inner, innerExt := der.c1, der.c2
			if !derived(inner) {
				inner, innerExt = der.c2, der.c1
			}
			w.visit(inner, false)
			w.write(in, fmt.Sprintf("%s because %s and %s, %s.", conj, s.sentence(innerExt), s.sentence(ext), what), numbered)
		default:
			w.visit(der, false)
			w.write(in, fmt.Sprintf("%s because %s, %s.", conj, s.sentence(ext), what), numbered)
		}
	default:
		w.write(in, fmt.Sprintf("Because %s and %s, %s.", s.sentence(c1), s.sentence(c2), what), numbered)
	}
}
