package pipelinetest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
)

// GitHubIssuer is GitHub's OIDC issuer, as the tokens of Actions name it.
const GitHubIssuer = "https://token.actions.githubusercontent.com"

// GitHubOIDC is the runner's ID token endpoint (ACTIONS_ID_TOKEN_REQUEST_URL): it
// answers a request bearing the job's request token with an RS256 JWT for the audience
// asked, signed by a key the emulator's OIDC provider trusts.
type GitHubOIDC struct {
	URL          string // ACTIONS_ID_TOKEN_REQUEST_URL
	RequestToken string // ACTIONS_ID_TOKEN_REQUEST_TOKEN
	Subject      string // the tokens' sub

	key *rsa.PrivateKey
	mu  sync.Mutex
	ids []string // tokens issued
}

// NewGitHubOIDC starts the endpoint until the test ends.
func NewGitHubOIDC(t testing.TB) *GitHubOIDC {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	g := &GitHubOIDC{key: key, RequestToken: "runner-request-token-" + rand.Text(), Subject: "repo:octo/runtime:ref:refs/heads/main"}
	srv := httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/_apis/token?api-version=2.0"
	return g
}

// Env is what the runner sets for a job with id-token: write.
func (g *GitHubOIDC) Env() map[string]string {
	return map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": g.URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": g.RequestToken}
}

// Provider is the RAM OIDC identity provider that trusts this endpoint's tokens for
// roles.
func (g *GitHubOIDC) Provider(arn string, roles ...string) fcemu.OIDCProvider {
	return fcemu.OIDCProvider{ARN: arn, IssuerURL: GitHubIssuer, ClientIDs: []string{"sts.aliyuncs.com"},
		Keys: []crypto.PublicKey{&g.key.PublicKey}, Roles: roles}
}

// Tokens returns the ID tokens issued so far (secrets: none may be printed).
func (g *GitHubOIDC) Tokens() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.ids...)
}

func (g *GitHubOIDC) serve(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+g.RequestToken {
		http.Error(w, `{"message":"bad request token"}`, http.StatusUnauthorized)
		return
	}
	now := time.Now()
	claims := map[string]any{"iss": GitHubIssuer, "aud": r.URL.Query().Get("audience"), "sub": g.Subject,
		"repository": "octo/runtime", "iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(10 * time.Minute).Unix()}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "pipelinetest"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, g.key, crypto.SHA256, digest[:])
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	token := signing + "." + base64.RawURLEncoding.EncodeToString(sig)
	g.mu.Lock()
	g.ids = append(g.ids, token)
	g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"value": token})
}
