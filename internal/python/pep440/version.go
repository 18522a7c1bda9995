package pep440

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pystr"
)

// ErrInvalidVersion is wrapped by every error Parse returns.
var ErrInvalidVersion = errors.New("invalid version")

// Version is a parsed PEP 440 version. The zero Version is not a valid version; it
// sorts before every valid one.
//
// Versions are compared with Compare (or Equal), never with ==: == also compares the
// original spelling, so "1.0" and "1.0.0" differ under == although they are equal
// versions. Comparing two Versions is a single byte-string comparison of keys built at
// parse time, so resolvers can compare freely.
type Version struct {
	key  string // order key: equal keys iff equal versions (see key.go)
	norm string // normalized form
	orig string // as written
	pre  bool   // has a pre-release or development segment
}

// Parse parses a version as packaging's Version does: surrounding whitespace, a
// leading "v", alternative spellings and separators are accepted and normalized.
func Parse(s string) (Version, error) {
	t := pystr.TrimSpace(s)
	var p parts
	var rel [8]string
	p.release = rel[:0]
	end := scanVersion(t, 0, scanOpts{local: true}, &p)
	if end != len(t) {
		return Version{}, fmt.Errorf("%w %q: not a PEP 440 version (like 1.2, 2.0rc1, 1.0.post1, 3!1.0+local)", ErrInvalidVersion, s)
	}
	if !p.checkDigits() {
		return Version{}, fmt.Errorf("%w %q: a number has more than %d digits", ErrInvalidVersion, s, maxDigits)
	}
	return fromParts(&p, s, t), nil
}

// MustParse is Parse for versions known to be valid; it panics on an invalid one.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

// fromParts builds a Version; trimmed is the original without surrounding whitespace
// (reused as the normalized form when it already is one).
func fromParts(p *parts, orig, trimmed string) Version {
	var buf [64]byte
	n := appendNorm(buf[:0], p)
	v := Version{key: encodeKey(p), orig: orig, pre: p.pre != 0 || p.dev}
	if string(n) == trimmed {
		v.norm = trimmed
	} else {
		v.norm = string(n)
	}
	return v
}

// appendNorm appends the normalized form of p (packaging's str(Version)).
func appendNorm(b []byte, p *parts) []byte {
	if e := trimZeros(p.epoch); e != "0" {
		b = append(b, e...)
		b = append(b, '!')
	}
	for i, r := range p.release {
		if i > 0 {
			b = append(b, '.')
		}
		b = append(b, trimZeros(r)...)
	}
	switch p.pre {
	case 'a':
		b = append(b, 'a')
	case 'b':
		b = append(b, 'b')
	case 'r':
		b = append(b, "rc"...)
	}
	if p.pre != 0 {
		b = append(b, trimZeros(p.preN)...)
	}
	if p.post {
		b = append(b, ".post"...)
		b = append(b, trimZeros(p.postN)...)
	}
	if p.dev {
		b = append(b, ".dev"...)
		b = append(b, trimZeros(p.devN)...)
	}
	for i, l := range p.local {
		if i == 0 {
			b = append(b, '+')
		} else {
			b = append(b, '.')
		}
		if allDigits(l) {
			b = append(b, trimZeros(l)...)
		} else {
			for j := 0; j < len(l); j++ {
				c := l[j]
				if c >= 'A' && c <= 'Z' {
					c += 'a' - 'A'
				}
				b = append(b, c)
			}
		}
	}
	return b
}

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b in PEP 440 order.
func Compare(a, b Version) int { return strings.Compare(a.key, b.key) }

// Equal reports whether a and b are the same version (1.0 equals 1.0.0 and v1.0).
func (v Version) Equal(o Version) bool { return v.key == o.key }

// Less reports whether v sorts before o.
func (v Version) Less(o Version) bool { return v.key < o.key }

// IsZero reports whether v is the zero Version (not a parsed one).
func (v Version) IsZero() bool { return v.key == "" }

// String returns the normalized form (packaging's str(Version)).
func (v Version) String() string { return v.norm }

// Original returns the version exactly as it was given to Parse.
func (v Version) Original() string { return v.orig }

// IsPrerelease reports whether v has a pre-release or a development segment.
func (v Version) IsPrerelease() bool { return v.pre }

// IsPostrelease reports whether v has a post-release segment.
func (v Version) IsPostrelease() bool { return strings.Contains(v.Public(), ".post") }

// IsDevrelease reports whether v has a development segment.
func (v Version) IsDevrelease() bool { return strings.Contains(v.Public(), ".dev") }

// Public returns the normalized version without its local label.
func (v Version) Public() string {
	if i := strings.IndexByte(v.norm, '+'); i >= 0 {
		return v.norm[:i]
	}
	return v.norm
}

// Local returns the normalized local label ("" when there is none).
func (v Version) Local() string {
	if i := strings.IndexByte(v.norm, '+'); i >= 0 {
		return v.norm[i+1:]
	}
	return ""
}

// Epoch returns the epoch (0 when absent), saturated at math.MaxInt.
func (v Version) Epoch() int {
	if i := strings.IndexByte(v.norm, '!'); i >= 0 {
		return atoiSat(v.norm[:i])
	}
	return 0
}

// Release returns the release numbers as written (trailing zeros kept: 1.0 gives
// [1 0]), nil for the zero Version. A number above math.MaxInt saturates; ordering
// and matching stay exact.
func (v Version) Release() []int {
	if v.IsZero() {
		return nil
	}
	s := v.norm
	if i := strings.IndexByte(s, '!'); i >= 0 {
		s = s[i+1:]
	}
	var out []int
	for {
		d := digitsAt(s, 0)
		out = append(out, atoiSat(s[:d]))
		s = s[d:]
		if len(s) < 2 || s[0] != '.' || !isDigit(s[1]) {
			return out
		}
		s = s[1:]
	}
}

func atoiSat(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return math.MaxInt
	}
	return n
}

// Canonical returns the normalized version with trailing zero release numbers
// dropped (1.0.0 gives 1, 1.0+abc gives 1+abc): packaging's canonicalize_version, the
// spelling PEP 625 file names use.
func (v Version) Canonical() string { return trimmedRelease(v.norm) }
