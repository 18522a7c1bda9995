package pep508

import (
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Python string semantics that packaging's parser depends on and that only this
// package needs (the shared ones, like str.lower(), are in package pystr): Unicode
// word characters for the \b of its token regexes, and ast.literal_eval for quoted
// marker values.

// isWord reports whether r is a word character of Python's re module (\w): a
// letter, a number or the underscore.
func isWord(r rune) bool {
	if r < utf8.RuneSelf {
		return r == '_' || (r >= '0' && r <= '9') || (r|0x20 >= 'a' && r|0x20 <= 'z')
	}
	return unicode.IsLetter(r) || unicode.IsNumber(r)
}

// wordBoundary reports whether position i of s is a \b boundary.
func wordBoundary(s string, i int) bool {
	before, after := false, false
	if i > 0 {
		r, _ := utf8.DecodeLastRuneInString(s[:i])
		before = isWord(r)
	}
	if i < len(s) {
		r, _ := utf8.DecodeRuneInString(s[i:])
		after = isWord(r)
	}
	return before != after
}

var errNamedEscape = errors.New(`\N{...} escapes are not supported`)

// pyStringLiteral decodes a single-quoted Python string literal ('...' or "...", the
// quotes included) as ast.literal_eval does. Lone surrogates from \u escapes are kept
// in their 3-byte (WTF-8) form so that values stay distinct.
func pyStringLiteral(tok string) (string, error) {
	body := tok[1 : len(tok)-1]
	if !strings.ContainsAny(body, "\\\n\r\x00") {
		if !utf8.ValidString(body) {
			return "", errors.New("not valid UTF-8")
		}
		return body, nil
	}
	if strings.IndexByte(body, 0) >= 0 {
		return "", errors.New("source code string cannot contain null bytes")
	}
	if !utf8.ValidString(body) {
		return "", errors.New("not valid UTF-8")
	}
	var b strings.Builder
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c == '\n' || c == '\r':
			return "", errors.New("unterminated string literal")
		case c != '\\':
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 == len(body) {
			// A backslash before the closing quote escapes it: the literal never ends.
			return "", errors.New("unterminated string literal")
		}
		e := body[i+1]
		i += 2
		switch e {
		case '\n':
		case '\r':
			if i < len(body) && body[i] == '\n' {
				i++
			}
		case '\\', '\'', '"':
			b.WriteByte(e)
		case 'a':
			b.WriteByte(7)
		case 'b':
			b.WriteByte(8)
		case 'f':
			b.WriteByte(12)
		case 'n':
			b.WriteByte(10)
		case 'r':
			b.WriteByte(13)
		case 't':
			b.WriteByte(9)
		case 'v':
			b.WriteByte(11)
		case '0', '1', '2', '3', '4', '5', '6', '7':
			n := rune(e - '0')
			for k := 0; k < 2 && i < len(body) && body[i] >= '0' && body[i] <= '7'; k++ {
				n = n*8 + rune(body[i]-'0')
				i++
			}
			b.WriteRune(n)
		case 'x', 'u', 'U':
			width := 2
			if e == 'u' {
				width = 4
			} else if e == 'U' {
				width = 8
			}
			if i+width > len(body) {
				return "", errors.New("truncated \\" + string(e) + " escape")
			}
			var n rune
			for _, h := range body[i : i+width] {
				d := hexVal(h)
				if d < 0 {
					return "", errors.New("truncated \\" + string(e) + " escape")
				}
				n = n*16 + d
			}
			i += width
			if n > unicode.MaxRune {
				return "", errors.New("illegal Unicode character")
			}
			writeWTF8(&b, n)
		case 'N':
			return "", errNamedEscape
		default:
			// Unknown escapes stay as written (Python only warns).
			b.WriteByte('\\')
			b.WriteByte(e)
		}
	}
	return b.String(), nil
}

func hexVal(r rune) rune {
	switch {
	case r >= '0' && r <= '9':
		return r - '0'
	case r >= 'a' && r <= 'f':
		return r - 'a' + 10
	case r >= 'A' && r <= 'F':
		return r - 'A' + 10
	}
	return -1
}

// writeWTF8 writes r as UTF-8, and a surrogate code point in the same 3-byte shape.
func writeWTF8(b *strings.Builder, r rune) {
	if r >= 0xd800 && r <= 0xdfff {
		b.WriteByte(byte(0xe0 | r>>12))
		b.WriteByte(byte(0x80 | (r>>6)&0x3f))
		b.WriteByte(byte(0x80 | r&0x3f))
		return
	}
	b.WriteRune(r)
}
