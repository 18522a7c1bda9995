package pep508

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// A recursive-descent parser with the grammar, tokens and messages of packaging's
// _parser.py and _tokenizer.py, so that what parses, what it means and why it fails
// match packaging 26.

// SyntaxError reports where and why a requirement or marker does not parse.
type SyntaxError struct {
	Kind  string // "requirement" or "marker"
	Input string
	Msg   string // packaging's message, e.g. "Expected end of dependency specifier"
	Start int    // byte offsets of the offending span in Input
	End   int
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid %s %q: %s (at column %d)", e.Kind, e.Input, e.Msg, e.Column())
}

// Column is the 1-based position of Start in characters, as messages show it.
func (e *SyntaxError) Column() int { return utf8.RuneCountInString(e.Input[:e.Start]) + 1 }

type parser struct {
	src   string
	pos   int
	kind  string
	depth int // parentheses open around the marker being parsed
}

// maxMarkerDepth bounds the nesting of parentheses in a marker: the parser, printer and
// evaluator recurse once per level, and a line of a million "(" would otherwise
// overflow the stack. packaging itself fails (RecursionError) near 500 levels.
const maxMarkerDepth = 1000

func (p *parser) fail(msg string, start, end int) error {
	return &SyntaxError{Kind: p.kind, Input: p.src, Msg: msg, Start: start, End: end}
}

func (p *parser) failHere(msg string) error { return p.fail(msg, p.pos, p.pos) }

func (p *parser) atEnd() bool { return p.pos == len(p.src) }

func (p *parser) peekByte(c byte) bool { return p.pos < len(p.src) && p.src[p.pos] == c }

// ws consumes [ \t]+ and reports whether it consumed anything.
func (p *parser) ws() bool {
	start := p.pos
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	return p.pos > start
}

// identifier matches \b[a-zA-Z0-9][a-zA-Z0-9._-]*\b at the current position and
// returns its length (0 for no match). Like the regex it backs off to the last
// position that is a word boundary: "foo-" yields "foo".
func (p *parser) identifier() int {
	s, i := p.src, p.pos
	if i >= len(s) || !isASCIIAlnum(s[i]) || !wordBoundary(s, i) {
		return 0
	}
	end := i + 1
	for end < len(s) && (isASCIIAlnum(s[end]) || s[end] == '.' || s[end] == '_' || s[end] == '-') {
		end++
	}
	for k := end; k > i; k-- {
		if wordBoundary(s, k) {
			return k - i
		}
	}
	return 0
}

func isASCIIAlnum(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// keyword matches \b(word)\b for one of words at the current position.
func (p *parser) keyword(words ...string) string {
	if !wordBoundary(p.src, p.pos) {
		return ""
	}
	for _, w := range words {
		if strings.HasPrefix(p.src[p.pos:], w) && wordBoundary(p.src, p.pos+len(w)) {
			return w
		}
	}
	return ""
}

// markerVariables are the spellings packaging's VARIABLE token accepts, in the order
// its regex tries them.
var markerVariables = []string{
	"python_version", "python_full_version", "os_name", "os.name", "sys_platform", "sys.platform",
	"platform_release", "platform_system", "platform_version", "platform.version",
	"platform_machine", "platform.machine", "platform_python_implementation",
	"platform.python_implementation", "python_implementation", "implementation_name",
	"implementation_version", "extras", "extra", "dependency_groups",
}

// parseRequirement follows packaging's _parse_requirement.
func (p *parser) parseRequirement() (name string, extras []string, spec, url string, m *mlist, err error) {
	p.ws()
	n := p.identifier()
	if n == 0 {
		return "", nil, "", "", nil, p.failHere("Expected package name at the start of dependency specifier")
	}
	name = p.src[p.pos : p.pos+n]
	p.pos += n
	p.ws()
	if extras, err = p.parseExtras(); err != nil {
		return
	}
	p.ws()

	if p.peekByte('@') {
		p.pos++
		p.ws()
		urlStart := p.pos
		for p.pos < len(p.src) && p.src[p.pos] != ' ' && p.src[p.pos] != '\t' {
			p.pos++
		}
		if p.pos == urlStart {
			return "", nil, "", "", nil, p.failHere("Expected URL after @")
		}
		url = p.src[urlStart:p.pos]
		if p.atEnd() {
			return
		}
		p.ws() // always whitespace: the URL ran up to it
		if p.atEnd() {
			return
		}
		m, err = p.parseRequirementMarker(urlStart, "semicolon (after URL and whitespace)")
	} else {
		specStart := p.pos
		if spec, err = p.parseSpecifier(); err != nil {
			return
		}
		p.ws()
		if p.atEnd() {
			return
		}
		expected := "semicolon (after name with no version specifier)"
		if spec != "" {
			expected = "comma (within version specifier), semicolon (after version specifier)"
		}
		m, err = p.parseRequirementMarker(specStart, expected)
	}
	if err != nil {
		return
	}
	if !p.atEnd() {
		err = p.failHere("Expected end of dependency specifier")
	}
	return
}

func (p *parser) parseRequirementMarker(spanStart int, expected string) (*mlist, error) {
	if !p.peekByte(';') {
		return nil, p.fail("Expected "+expected+" or end", spanStart, p.pos)
	}
	p.pos++
	m, err := p.parseMarker()
	if err != nil {
		return nil, err
	}
	p.ws()
	return m, nil
}

func (p *parser) parseExtras() ([]string, error) {
	if !p.peekByte('[') {
		return nil, nil
	}
	open := p.pos
	p.pos++
	p.ws()
	var extras []string
	if n := p.identifier(); n > 0 {
		extras = append(extras, p.src[p.pos:p.pos+n])
		p.pos += n
		for {
			p.ws()
			if p.identifier() > 0 {
				return nil, p.failHere("Expected comma between extra names")
			}
			if !p.peekByte(',') {
				break
			}
			p.pos++
			p.ws()
			n := p.identifier()
			if n == 0 {
				return nil, p.failHere("Expected extra name after comma")
			}
			extras = append(extras, p.src[p.pos:p.pos+n])
			p.pos += n
		}
	}
	p.ws()
	if !p.peekByte(']') {
		return nil, p.fail("Expected matching RIGHT_BRACKET for LEFT_BRACKET, after extras", open, p.pos)
	}
	p.pos++
	return extras, nil
}

// parseSpecifier reads version clauses, optionally in parentheses, and returns them
// joined with commas and without whitespace.
func (p *parser) parseSpecifier() (string, error) {
	open := -1
	if p.peekByte('(') {
		open = p.pos
		p.pos++
	}
	p.ws()
	var b strings.Builder
	for {
		n := pep440.ScanSpecifier(p.src[p.pos:])
		if n < 0 {
			break
		}
		start := p.pos
		text := p.src[p.pos : p.pos+n]
		b.WriteString(text)
		p.pos += n
		if strings.HasPrefix(p.src[p.pos:], ".*") {
			msg := ".* suffix can only be used with `==` or `!=` operators"
			if strings.HasPrefix(text, "!=") || (strings.HasPrefix(text, "==") && !strings.HasPrefix(text, "===")) {
				msg = ".* suffix cannot be used with pre-release, post-release, dev or local versions"
			}
			return "", p.fail(msg, start, p.pos+1)
		}
		if localLabelAt(p.src, p.pos) {
			return "", p.fail("Local version label can only be used with `==` or `!=` operators", start, p.pos)
		}
		p.ws()
		if !p.peekByte(',') {
			break
		}
		b.WriteByte(',')
		p.pos++
		p.ws()
	}
	p.ws()
	if open >= 0 {
		if !p.peekByte(')') {
			return "", p.fail("Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after version specifier", open, p.pos)
		}
		p.pos++
	}
	return b.String(), nil
}

// localLabelAt matches \+[a-z0-9]+ at s[i:] (lower case only, as packaging's
// VERSION_LOCAL_LABEL_TRAIL has no IGNORECASE).
func localLabelAt(s string, i int) bool {
	return i+1 < len(s) && s[i] == '+' && ((s[i+1] >= 'a' && s[i+1] <= 'z') || (s[i+1] >= '0' && s[i+1] <= '9'))
}

// Markers.

// mlist mirrors packaging's MarkerList: items joined by "and"/"or" (ops[i] joins
// items[i] and items[i+1]); an item is a comparison or a parenthesized list.
type mlist struct {
	items []mitem
	ops   []string
}

type mitem struct {
	list *mlist
	cmp  *comparison
}

type comparison struct {
	lhs, rhs operand
	op       string
	// spec is op+rhs parsed once when lhs is a version-valued variable and rhs a
	// literal that makes a valid specifier (the common `python_version < "3.11"`).
	spec *pep440.Specifier
}

// versionVariables are compared as versions when the other side makes a specifier.
func versionVariable(name string) bool {
	switch name {
	case "python_version", "python_full_version", "implementation_version", "platform_release":
		return true
	}
	return false
}

// operand is a marker variable (name normalized: os.name is os_name,
// python_implementation is platform_python_implementation) or a literal value.
type operand struct {
	variable bool
	value    string
}

// parseMarker is packaging's _parse_marker: atom (BOOLOP atom)*.
func (p *parser) parseMarker() (*mlist, error) {
	m := &mlist{}
	for {
		it, err := p.parseMarkerAtom()
		if err != nil {
			return nil, err
		}
		m.items = append(m.items, it)
		op := p.keyword("or", "and")
		if op == "" {
			return m, nil
		}
		p.pos += len(op)
		m.ops = append(m.ops, op)
	}
}

func (p *parser) parseMarkerAtom() (mitem, error) {
	p.ws()
	var it mitem
	if p.peekByte('(') {
		open := p.pos
		if p.depth == maxMarkerDepth {
			return it, p.fail(fmt.Sprintf("Marker nests parentheses more than %d deep", maxMarkerDepth), open, open+1)
		}
		p.pos++
		p.ws()
		p.depth++
		l, err := p.parseMarker()
		p.depth--
		if err != nil {
			return it, err
		}
		p.ws()
		if !p.peekByte(')') {
			return it, p.fail("Expected matching RIGHT_PARENTHESIS for LEFT_PARENTHESIS, after marker expression", open, p.pos)
		}
		p.pos++
		it.list = l
	} else {
		p.ws()
		lhs, err := p.parseMarkerVar()
		if err != nil {
			return it, err
		}
		p.ws()
		op, err := p.parseMarkerOp()
		if err != nil {
			return it, err
		}
		p.ws()
		rhs, err := p.parseMarkerVar()
		if err != nil {
			return it, err
		}
		p.ws()
		it.cmp = &comparison{lhs: lhs, op: op, rhs: rhs}
		if lhs.variable && versionVariable(lhs.value) && !rhs.variable {
			if sp, err := pep440.ParseSpecifier(op + rhs.value); err == nil {
				it.cmp.spec = &sp
			}
		}
	}
	p.ws()
	return it, nil
}

func (p *parser) parseMarkerVar() (operand, error) {
	if v := p.keyword(markerVariables...); v != "" {
		p.pos += len(v)
		name := strings.ReplaceAll(v, ".", "_")
		if name == "python_implementation" {
			name = "platform_python_implementation"
		}
		return operand{variable: true, value: name}, nil
	}
	if p.peekByte('\'') || p.peekByte('"') {
		q := p.src[p.pos]
		if end := strings.IndexByte(p.src[p.pos+1:], q); end >= 0 {
			tok := p.src[p.pos : p.pos+end+2]
			val, err := pyStringLiteral(tok)
			if err != nil {
				return operand{}, p.fail("Invalid quoted string: "+err.Error(), p.pos, p.pos+len(tok))
			}
			p.pos += len(tok)
			return operand{value: val}, nil
		}
	}
	return operand{}, p.failHere("Expected a marker variable or quoted string")
}

func (p *parser) parseMarkerOp() (string, error) {
	if p.keyword("in") != "" {
		p.pos += 2
		return "in", nil
	}
	if p.keyword("not") != "" {
		p.pos += 3
		if !p.ws() {
			return "", p.failHere("Expected whitespace after 'not'")
		}
		if p.keyword("in") == "" {
			return "", p.failHere("Expected 'in' after 'not'")
		}
		p.pos += 2
		return "not in", nil
	}
	for _, op := range []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"} {
		if strings.HasPrefix(p.src[p.pos:], op) {
			p.pos += len(op)
			return op, nil
		}
	}
	return "", p.failHere("Expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
}

// normalizeExtras is packaging's _normalize_extra_values: a literal compared with
// extra, or tested for membership in extras or dependency_groups, is normalized.
func (m *mlist) normalizeExtras() {
	for _, it := range m.items {
		if it.list != nil {
			it.list.normalizeExtras()
			continue
		}
		c := it.cmp
		switch {
		case c.lhs.variable && c.lhs.value == "extra" && !c.rhs.variable:
			c.rhs.value = NormalizeName(c.rhs.value)
		case c.rhs.variable && c.rhs.value == "extra" && !c.lhs.variable:
			c.lhs.value = NormalizeName(c.lhs.value)
		case c.rhs.variable && (c.rhs.value == "extras" || c.rhs.value == "dependency_groups") && !c.lhs.variable:
			c.lhs.value = NormalizeName(c.lhs.value)
		}
	}
}
