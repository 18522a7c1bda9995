package index

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
	"strings"
)

// Hashes maps a hashlib algorithm name ("sha256") to a lower-case hex digest, as the index
// gives them (URL fragments, the JSON "hashes" object, core-metadata attributes).
type Hashes map[string]string

// hashFactories are the algorithms a file can be verified with: hashlib's guaranteed
// algorithms that the standard library implements (PEP 503 allows any of them).
var hashFactories = map[string]func() hash.Hash{
	"md5":      md5.New,
	"sha1":     sha1.New,
	"sha224":   sha256.New224,
	"sha256":   sha256.New,
	"sha384":   sha512.New384,
	"sha512":   sha512.New,
	"sha3_224": func() hash.Hash { return sha3.New224() },
	"sha3_256": func() hash.Hash { return sha3.New256() },
	"sha3_384": func() hash.Hash { return sha3.New384() },
	"sha3_512": func() hash.Hash { return sha3.New512() },
}

// Verifiable returns the entries whose algorithm this package can compute.
func (h Hashes) Verifiable() Hashes {
	out := Hashes{}
	for alg, v := range h {
		if _, ok := hashFactories[alg]; ok {
			out[alg] = v
		}
	}
	return out
}

// parseHashPair reads "alg=hex" (URL fragments, data-core-metadata) or "alg:hex" (pip's
// --hash) into a normalized algorithm name and lower-case digest.
func parseHashPair(s string, sep byte) (alg, digest string, ok bool) {
	i := strings.IndexByte(s, sep)
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	alg = strings.ToLower(strings.TrimSpace(s[:i]))
	digest = strings.ToLower(strings.TrimSpace(s[i+1:]))
	for _, r := range alg {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_') {
			return "", "", false
		}
	}
	if _, err := hex.DecodeString(digest); err != nil {
		return "", "", false
	}
	return alg, digest, true
}

// parseRequiredHashes turns pip's --hash values ("sha256:hex") into per-algorithm sets.
func parseRequiredHashes(values []string) (map[string][]string, error) {
	if len(values) == 0 {
		return nil, nil
	}
	out := map[string][]string{}
	for _, v := range values {
		alg, digest, ok := parseHashPair(v, ':')
		if !ok {
			return nil, fmt.Errorf("--hash %q: want ALGORITHM:HEXDIGEST, for example sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae", v)
		}
		if _, known := hashFactories[alg]; !known {
			return nil, fmt.Errorf("--hash %q: unsupported algorithm %q (use sha256)", v, alg)
		}
		out[alg] = append(out[alg], digest)
	}
	return out, nil
}

// multiHasher computes sha256 plus any other algorithms a verification needs, in one pass.
type multiHasher struct {
	hs map[string]hash.Hash
	w  io.Writer
}

func newMultiHasher(algs ...string) *multiHasher {
	m := &multiHasher{hs: map[string]hash.Hash{"sha256": sha256.New()}}
	for _, alg := range algs {
		if f, ok := hashFactories[alg]; ok && m.hs[alg] == nil {
			m.hs[alg] = f()
		}
	}
	ws := make([]io.Writer, 0, len(m.hs))
	for _, h := range m.hs {
		ws = append(ws, h)
	}
	m.w = io.MultiWriter(ws...)
	return m
}

func (m *multiHasher) Write(p []byte) (int, error) { return m.w.Write(p) }

func (m *multiHasher) sum(alg string) string { return hex.EncodeToString(m.hs[alg].Sum(nil)) }

// verify checks the computed digests against the index's hashes and the
// requirement's --hash values; the first disagreement is returned as a *HashMismatchError.
func (m *multiHasher) verify(filename string, index Hashes, required map[string][]string) error {
	for alg, want := range index.Verifiable() {
		if got := m.sum(alg); got != want {
			return &HashMismatchError{Filename: filename, Source: "index", Algorithm: alg, Want: []string{want}, Got: got}
		}
	}
	if len(required) == 0 {
		return nil
	}
	algs := slices.Sorted(maps.Keys(required))
	for _, alg := range algs {
		got := m.sum(alg)
		for _, want := range required[alg] {
			if got == want {
				return nil
			}
		}
	}
	// pip reports the file's digest in the algorithm the requirement used.
	alg := algs[0]
	if _, ok := required["sha256"]; ok {
		alg = "sha256"
	}
	return &HashMismatchError{Filename: filename, Source: "--hash", Algorithm: alg, Want: required[alg], Got: m.sum(alg)}
}
