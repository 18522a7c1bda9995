package fcemu

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"time"
)

// Credentials are temporary STS credentials, as STS and GetTempBucketToken return them.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	Expiration      time.Time
}

// session is one set of temporary credentials the emulator issued.
type session struct {
	Credentials
	// scope, when set, limits the credentials to one OSS object (FC's temporary code
	// bucket hands out such credentials); they are refused everywhere else.
	scope *objectScope
}

type objectScope struct{ bucket, key string }

// sessions holds the STS credentials issued this run (they are not persisted: a restart
// ends every session, as expiry would).
type sessions struct {
	mu      sync.Mutex
	byToken map[string]*session
}

func (s *sessions) issue(now time.Time, ttl time.Duration, scope *objectScope) Credentials {
	c := Credentials{
		AccessKeyID:     "STS." + randomAlnum(20),
		AccessKeySecret: randomAlnum(40),
		SecurityToken:   "CAIS" + base64.RawURLEncoding.EncodeToString(randomBytes(96)),
		Expiration:      now.Add(ttl).UTC().Truncate(time.Second),
	}
	s.mu.Lock()
	if s.byToken == nil {
		s.byToken = map[string]*session{}
	}
	if len(s.byToken) >= 1000 { // every invocation of a function with a role issues a session
		for tok, sess := range s.byToken {
			if !now.Before(sess.Expiration) {
				delete(s.byToken, tok)
			}
		}
	}
	s.byToken[c.SecurityToken] = &session{Credentials: c, scope: scope}
	s.mu.Unlock()
	return c
}

// nonces remembers ACS3 signature nonces for the clock-skew window, to refuse replays.
type nonces struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

// fresh records nonce and reports whether it was unused within maxClockSkew of now.
func (n *nonces) fresh(nonce string, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen == nil {
		n.seen = map[string]time.Time{}
	}
	if len(n.seen) >= 10000 {
		for k, t := range n.seen {
			if now.Sub(t) > maxClockSkew {
				delete(n.seen, k)
			}
		}
	}
	if t, ok := n.seen[nonce]; ok && now.Sub(t) <= maxClockSkew {
		return false
	}
	n.seen[nonce] = now
	return true
}

func (s *sessions) lookup(token string) (*session, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess, ok := s.byToken[token]
	return sess, ok
}

// authFailure says why a signed request's credentials were refused.
type authFailure int

const (
	authOK            authFailure = iota
	authUnknownKey                // no such AccessKey ID
	authTokenUnknown              // a security token the emulator never issued
	authTokenExpired              // an issued token past its expiration
	authTokenMismatch             // the token belongs to another AccessKey ID
	authTokenMissing              // an STS AccessKey ID used without its token
)

// principal is the identity a request was signed with.
type principal struct {
	keyID  string
	secret string
	sess   *session // nil for a permanent key
}

// resolve finds the secret that must have signed a request from keyID with token (empty
// for permanent keys).
func (e *Emulator) resolve(keyID, token string) (principal, authFailure) {
	if token != "" {
		sess, ok := e.sessions.lookup(token)
		switch {
		case !ok:
			return principal{}, authTokenUnknown
		case sess.AccessKeyID != keyID:
			return principal{}, authTokenMismatch
		case !e.now().Before(sess.Expiration):
			return principal{}, authTokenExpired
		}
		return principal{keyID: keyID, secret: sess.AccessKeySecret, sess: sess}, authOK
	}
	if secret, ok := e.cfg.keys[keyID]; ok {
		return principal{keyID: keyID, secret: secret}, authOK
	}
	if strings.HasPrefix(keyID, "STS.") {
		return principal{}, authTokenMissing
	}
	return principal{}, authUnknownKey
}

// IssueSTS returns new temporary credentials valid for ttl on the emulator's clock; FC and
// OSS accept them with their security token.
func (e *Emulator) IssueSTS(ttl time.Duration) Credentials {
	return e.sessions.issue(e.now(), ttl, nil)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("fcemu: crypto/rand failed: " + err.Error())
	}
	return b
}

func randomHex(n int) string { return hex.EncodeToString(randomBytes(n)) }

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func randomAlnum(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = alnum[int(b[i])%len(alnum)]
	}
	return string(b)
}
