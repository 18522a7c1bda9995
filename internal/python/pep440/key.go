package pep440

// Order keys. A version's key is a byte string whose plain byte order is PEP 440
// order, built once at parse time (it mirrors packaging's _cmpkey):
//
//	num(epoch)
//	0x01 num(n)        for each release number, trailing zeros dropped
//	0x00
//	preRank num(pre)   preRank: 0 dev-only release, 1 a, 2 b, 3 rc, 4 no pre-release
//	postRank num(post) postRank: 0 none, 1 post-release
//	devRank num(dev)   devRank: 0 development release, 1 none
//	local segments     0x01 text 0x00 for a string, 0x02 num(n) for a number
//
// num(n) is the digit count as two big-endian bytes, then the digits (none for 0),
// so numbers of any length compare numerically. A version without a local label is a
// proper prefix of the same version with one, so it sorts first; strings sort before
// numbers and a shorter local label before a longer one with the same start.
//
// Range boundaries between versions are keys too: afterLocals(V) is key(V)+0xff,
// above V and every V+local, below V.post0; afterPosts(V) replaces V's post-release
// with an infinite one, above every V.postN.

const (
	numInf   = "\xff\xff" // a digit count no number reaches
	boundEnd = '\xff'
)

func appendNum(b []byte, digits string) []byte {
	d := trimZeros(digits)
	if d == "0" {
		return append(b, 0, 0)
	}
	b = append(b, byte(len(d)>>8), byte(len(d)))
	return append(b, d...)
}

// appendPublicKey appends the key of p without its local label; post replaces the
// post-release number when postInf is set.
func appendPublicKey(b []byte, p *parts, postInf bool) []byte {
	b = appendNum(b, p.epoch)
	n := len(p.release)
	for n > 0 && trimZeros(p.release[n-1]) == "0" {
		n--
	}
	for _, r := range p.release[:n] {
		b = append(b, 1)
		b = appendNum(b, r)
	}
	b = append(b, 0)

	switch {
	case p.pre == 0 && !p.post && p.dev:
		b = append(b, 0, 0, 0) // dev-only sorts before any a/b/rc
	case p.pre == 0:
		b = append(b, 4, 0, 0)
	default:
		rank := byte(1)
		if p.pre == 'b' {
			rank = 2
		} else if p.pre == 'r' {
			rank = 3
		}
		b = append(b, rank)
		b = appendNum(b, p.preN)
	}
	switch {
	case postInf:
		b = append(b, 1)
		b = append(b, numInf...)
		return append(b, 1, 0, 0) // no dev: above every V.postN.devM
	case p.post:
		b = append(b, 1)
		b = appendNum(b, p.postN)
	default:
		b = append(b, 0, 0, 0)
	}
	if p.dev {
		b = append(b, 0)
		return appendNum(b, p.devN)
	}
	return append(b, 1, 0, 0)
}

func encodeKey(p *parts) string {
	var buf [64]byte
	b := appendPublicKey(buf[:0], p, false)
	for _, l := range p.local {
		if allDigits(l) {
			b = append(b, 2)
			b = appendNum(b, l)
			continue
		}
		b = append(b, 1)
		for i := 0; i < len(l); i++ {
			c := l[i]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			b = append(b, c)
		}
		b = append(b, 0)
	}
	return string(b)
}
