package reqfile

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lithops-fc/runtime-action/internal/python/pystr"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Reading a file into logical lines, in pip's order: decode, split lines, join
// continuations, drop comments, expand ${VAR}.

// decode returns the text of a requirements file: a byte-order mark selects UTF-8,
// UTF-16 or UTF-32 as pip does, then a PEP 263 coding comment on one of the first two
// lines, else UTF-8.
func decode(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, []byte{0xef, 0xbb, 0xbf}):
		return utf8Text(data[3:])
	case bytes.HasPrefix(data, []byte{0xff, 0xfe, 0, 0}):
		return utf32Text(data[4:], false)
	case bytes.HasPrefix(data, []byte{0, 0, 0xfe, 0xff}):
		return utf32Text(data[4:], true)
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		return utf16Text(data[2:], false)
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		return utf16Text(data[2:], true)
	}
	for i, l := range bytes.SplitN(data, []byte("\n"), 3) {
		if i == 2 {
			break
		}
		if len(l) > 0 && l[0] == '#' {
			if m := codingRE.FindSubmatch(l); m != nil {
				return declared(data, string(m[1]))
			}
		}
	}
	return utf8Text(data)
}

var codingRE = regexp.MustCompile(`coding[:=][ \t\n\r\f\v]*([-\w.]+)`)

func utf8Text(b []byte) (string, error) {
	if !utf8.Valid(b) {
		return "", errors.New("the file is not valid UTF-8 (save it as UTF-8, or declare its encoding on the first line, like # -*- coding: latin-1 -*-)")
	}
	return string(b), nil
}

// declared decodes data in the encoding a PEP 263 comment names. Only the encodings
// requirements files meet in practice are known.
func declared(data []byte, name string) (string, error) {
	switch strings.ReplaceAll(strings.ToLower(name), "_", "-") {
	case "utf-8", "utf8", "utf-8-sig":
		return utf8Text(bytes.TrimPrefix(data, []byte{0xef, 0xbb, 0xbf}))
	case "latin-1", "latin1", "iso-8859-1", "iso8859-1", "l1":
		r := make([]rune, len(data))
		for i, c := range data {
			r[i] = rune(c)
		}
		return string(r), nil
	case "ascii", "us-ascii":
		for _, c := range data {
			if c >= 0x80 {
				return "", errors.New("the file declares ascii but holds non-ASCII bytes (save it as UTF-8)")
			}
		}
		return string(data), nil
	}
	return "", fmt.Errorf("the file declares the encoding %s, which is not supported (save it as UTF-8)", urlcred.Quote(name))
}

func utf16Text(b []byte, bigEndian bool) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("the file starts with a UTF-16 byte-order mark but is truncated (save it as UTF-8)")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if bigEndian {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		} else {
			u[i] = uint16(b[2*i+1])<<8 | uint16(b[2*i])
		}
	}
	for i := 0; i < len(u); i++ {
		switch {
		case utf16.IsSurrogate(rune(u[i])) && u[i] < 0xdc00 && i+1 < len(u) && u[i+1] >= 0xdc00 && u[i+1] <= 0xdfff:
			i++
		case utf16.IsSurrogate(rune(u[i])):
			return "", errors.New("the file is not valid UTF-16 (save it as UTF-8)")
		}
	}
	return string(utf16.Decode(u)), nil
}

func utf32Text(b []byte, bigEndian bool) (string, error) {
	if len(b)%4 != 0 {
		return "", errors.New("the file starts with a UTF-32 byte-order mark but is truncated (save it as UTF-8)")
	}
	var sb strings.Builder
	for i := 0; i < len(b); i += 4 {
		var r rune
		if bigEndian {
			r = rune(b[i])<<24 | rune(b[i+1])<<16 | rune(b[i+2])<<8 | rune(b[i+3])
		} else {
			r = rune(b[i+3])<<24 | rune(b[i+2])<<16 | rune(b[i+1])<<8 | rune(b[i])
		}
		if r < 0 || r > utf8.MaxRune || (r >= 0xd800 && r <= 0xdfff) {
			return "", errors.New("the file is not valid UTF-32 (save it as UTF-8)")
		}
		sb.WriteRune(r)
	}
	return sb.String(), nil
}

// splitLines is Python's str.splitlines(): it also breaks at \v, \f, \x1c-\x1e,
// U+0085, U+2028 and U+2029.
func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch r {
		case '\n', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			out = append(out, s[start:i])
			start = i + n
		case '\r':
			out = append(out, s[start:i])
			if i+1 < len(s) && s[i+1] == '\n' {
				n++
			}
			start = i + n
		}
		i += n
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// logicalLine is a line after joining, comment removal and expansion.
type logicalLine struct {
	num  int    // the number of its first physical line
	raw  string // before ${VAR} expansion: what error messages show
	text string // after expansion
}

// isCommentLine reports whether the first non-whitespace character is '#' (pip's
// COMMENT_RE.match).
func isCommentLine(s string) bool {
	t := strings.TrimLeftFunc(s, pystr.IsSpace)
	return strings.HasPrefix(t, "#")
}

// stripComment removes a comment: from the first '#' at the start of the line or
// after whitespace ("url#sha256=..." keeps its fragment).
func stripComment(s string) string {
	prevSpace := true
	for i, r := range s {
		if r == '#' && prevSpace {
			return s[:i]
		}
		prevSpace = pystr.IsSpace(r)
	}
	return s
}

var envVarRE = regexp.MustCompile(`\$\{([A-Z0-9_]+)\}`)

// logicalLines applies pip's preprocessing: a line ending in a backslash continues on
// the next one (not a comment line; the backslashes at both ends of each joined piece
// go, as pip's strip("\\")), the joined line keeps the first line's number; comments
// and blank lines go; ${NAME} is replaced by lookup(NAME) when that is set and
// non-empty.
func logicalLines(text string, lookup func(string) (string, bool)) []logicalLine {
	var joined []logicalLine
	var pending []string
	first := 0
	for i, l := range splitLines(text) {
		num := i + 1
		if !strings.HasSuffix(l, `\`) || isCommentLine(l) {
			if isCommentLine(l) {
				l = " " + l
			}
			if pending != nil {
				joined = append(joined, logicalLine{num: first, raw: strings.Join(append(pending, l), "")})
				pending = nil
			} else {
				joined = append(joined, logicalLine{num: num, raw: l})
			}
			continue
		}
		if pending == nil {
			first = num
		}
		pending = append(pending, strings.Trim(l, `\`))
	}
	if pending != nil {
		joined = append(joined, logicalLine{num: first, raw: strings.Join(pending, "")})
	}

	var out []logicalLine
	for _, l := range joined {
		l.raw = strings.TrimFunc(stripComment(l.raw), pystr.IsSpace)
		if l.raw == "" {
			continue
		}
		l.text = l.raw
		for _, m := range envVarRE.FindAllStringSubmatch(l.raw, -1) {
			if v, ok := lookup(m[1]); ok && v != "" {
				l.text = strings.ReplaceAll(l.text, m[0], v)
			}
		}
		out = append(out, l)
	}
	return out
}
