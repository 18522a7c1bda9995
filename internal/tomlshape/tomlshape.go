// Package tomlshape bounds the nesting of TOML text before a decoder sees it. The
// decoder this module uses (github.com/BurntSushi/toml) takes time that grows with the
// square of the depth of arrays, inline tables and dotted keys: one 32 KB dotted key
// takes it 13 seconds, a megabyte hours. Within MaxDepth its time is linear in the size
// (the worst shape reads at about 0.5 MB/s, a real lock at 4 MB/s: pylock's
// benchmarks), so a size limit bounds it. Files a pull request can edit (pyproject.toml,
// a lock file) are checked here first, so such a file fails at once, with its line.
package tomlshape

import "fmt"

// MaxDepth bounds the nesting of arrays and tables and the parts of a dotted key; real
// files nest a few levels (a pylock.toml four).
const MaxDepth = 16

// Check scans TOML text, outside strings and comments, for brackets and braces
// nested deeper than MaxDepth or a dotted key of more than MaxDepth parts; it returns
// the line and what is wrong, or "".
func Check(data []byte) (int, string) {
	const (
		normal = iota
		comment
		basic     // "..."
		literal   // '...'
		mlBasic   // """..."""
		mlLiteral // '''...'''
	)
	state, depth, dots, line := normal, 0, 0, 1
	at := func(i int, s string) bool { return i+len(s) <= len(data) && string(data[i:i+len(s)]) == s }
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '\n' {
			line++
		}
		switch state {
		case comment:
			if c == '\n' {
				state = normal
			}
		case basic, mlBasic:
			switch {
			case c == '\\':
				if i+1 < len(data) && data[i+1] == '\n' {
					line++
				}
				i++
			case state == basic && (c == '"' || c == '\n'):
				state = normal
			case state == mlBasic && at(i, `"""`):
				state, i = normal, i+2
			}
		case literal:
			if c == '\'' || c == '\n' {
				state = normal
			}
		case mlLiteral:
			if at(i, "'''") {
				state, i = normal, i+2
			}
		default:
			switch c {
			case '#':
				state = comment
			case '"':
				if state = basic; at(i, `"""`) {
					state, i = mlBasic, i+2
				}
			case '\'':
				if state = literal; at(i, "'''") {
					state, i = mlLiteral, i+2
				}
			case '[', '{':
				if depth, dots = depth+1, 0; depth > MaxDepth {
					return line, fmt.Sprintf("arrays or tables nested more than %d levels deep", MaxDepth)
				}
			case ']', '}':
				depth, dots = max(depth-1, 0), 0
			case '=', ',', '\n':
				dots = 0
			case '.':
				if dots++; dots >= MaxDepth {
					return line, fmt.Sprintf("a dotted key of more than %d parts", MaxDepth)
				}
			}
		}
	}
	return 0, ""
}
