package fcemu

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
)

const (
	testIssuer   = "https://token.actions.githubusercontent.com"
	testProvider = "acs:ram::1234567890123456:oidc-provider/github"
	testRole     = "acs:ram::1234567890123456:role/deployer"
)

// signJWT makes a JWT with alg RS256 (key: *rsa.PrivateKey) or HS256 (key: []byte).
func signJWT(t *testing.T, alg string, key any, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": alg, "typ": "JWT", "kid": "test"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(signing))
	var sig []byte
	switch k := key.(type) {
	case *rsa.PrivateKey:
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write([]byte(signing))
		sig = m.Sum(nil)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// assumeRole sends AssumeRoleWithOIDC as credentials-go does: unsigned POST, RPC query,
// form body.
func assumeRole(t *testing.T, base string, form url.Values) (int, map[string]any) {
	t.Helper()
	q := url.Values{"Action": {"AssumeRoleWithOIDC"}, "Version": {"2015-04-01"}, "Format": {"JSON"}, "Timestamp": {time.Now().UTC().Format("2006-01-02T15:04:05Z")}}
	resp, err := http.Post(base+"/?"+q.Encode(), "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("STS answer: %v", err)
	}
	return resp.StatusCode, body
}

func TestAssumeRoleWithOIDC(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, base := start(t, WithOIDCProvider(OIDCProvider{
		ARN: testProvider, IssuerURL: testIssuer, ClientIDs: []string{"sts.aliyuncs.com"},
		Keys: []crypto.PublicKey{&key.PublicKey}, Roles: []string{testRole},
	}))
	now := time.Now()
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{
			"iss": testIssuer, "aud": "sts.aliyuncs.com", "sub": "repo:org/repo:ref:refs/heads/main",
			"iat": now.Add(-time.Minute).Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		}
		if change != nil {
			change(c)
		}
		return c
	}
	form := func(token string, change func(url.Values)) url.Values {
		f := url.Values{"RoleArn": {testRole}, "OIDCProviderArn": {testProvider}, "OIDCToken": {token},
			"RoleSessionName": {"github-action-session"}, "DurationSeconds": {"3600"}}
		if change != nil {
			change(f)
		}
		return f
	}
	good := signJWT(t, "RS256", key, claims(nil))

	status, body := assumeRole(t, base, form(good, nil))
	if status != 200 {
		t.Fatalf("good token: %d %v", status, body)
	}
	creds, _ := body["Credentials"].(map[string]any)
	id, _ := creds["AccessKeyId"].(string)
	secret, _ := creds["AccessKeySecret"].(string)
	token, _ := creds["SecurityToken"].(string)
	exp, err := time.Parse("2006-01-02T15:04:05Z", creds["Expiration"].(string))
	if err != nil || exp.Sub(now) < 59*time.Minute || exp.Sub(now) > 61*time.Minute {
		t.Errorf("Expiration %v (%v), want an hour from now", creds["Expiration"], err)
	}
	if _, err := fc3Client(t, base, id, secret, token).ListFunctions(&fc3.ListFunctionsRequest{}); err != nil {
		t.Errorf("FC 3.0 refused the assumed role's credentials: %v", err)
	}

	tests := []struct {
		name   string
		form   url.Values
		status int
		code   string
	}{
		{"wrong audience", form(signJWT(t, "RS256", key, claims(func(c map[string]any) { c["aud"] = "https://github.com/org" })), nil), 401, "AuthenticationFail.OIDCToken.AudienceNotMatchError"},
		{"expired", form(signJWT(t, "RS256", key, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Second).Unix() })), nil), 401, "AuthenticationFail.OIDCToken.Expired"},
		{"wrong issuer", form(signJWT(t, "RS256", key, claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), nil), 401, "AuthenticationFail.OIDCToken.IssuerNotMatch"},
		{"another key", form(signJWT(t, "RS256", other, claims(nil)), nil), 401, "AuthenticationFail.OIDCToken.InvalidSignature"},
		{"HS256", form(signJWT(t, "HS256", []byte("secret"), claims(nil)), nil), 401, "AuthenticationFail.OIDCToken.Invalid"},
		{"not a JWT", form("abc.def", nil), 401, "AuthenticationFail.OIDCToken.Invalid"},
		{"unknown role", form(good, func(f url.Values) { f.Set("RoleArn", "acs:ram::1234567890123456:role/nobody") }), 404, "EntityNotExist.Role"},
		{"unknown provider", form(good, func(f url.Values) { f.Set("OIDCProviderArn", "acs:ram::1234567890123456:oidc-provider/x") }), 401, "AuthenticationFail.NoPermission"},
		{"duration too short", form(good, func(f url.Values) { f.Set("DurationSeconds", "600") }), 400, "InvalidParameter.DurationSeconds"},
		// 9.3e9 s overflows time.Duration: it must not wrap to a short (or negative) session.
		{"duration overflowing", form(good, func(f url.Values) { f.Set("DurationSeconds", "9300000000") }), 400, "InvalidParameter.DurationSeconds"},
		{"no session name", form(good, func(f url.Values) { f.Del("RoleSessionName") }), 400, "MissingRoleSessionName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := assumeRole(t, base, tt.form)
			if status != tt.status || body["Code"] != tt.code || body["Message"] == "" || body["RequestId"] == "" {
				t.Errorf("got %d %v, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
}

func TestOIDCProviderValidation(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ok := OIDCProvider{ARN: testProvider, IssuerURL: testIssuer, ClientIDs: []string{"sts.aliyuncs.com"},
		Keys: []crypto.PublicKey{&key.PublicKey}, Roles: []string{testRole}}
	for _, tt := range []struct {
		name   string
		change func(*OIDCProvider)
		errHas string
	}{
		{"other account", func(p *OIDCProvider) { p.ARN = "acs:ram::99:oidc-provider/github" }, "must be acs:ram::1234567890123456:oidc-provider/"},
		{"http issuer", func(p *OIDCProvider) { p.IssuerURL = "http://x" }, "must start with https://"},
		{"no audience", func(p *OIDCProvider) { p.ClientIDs = nil }, "client ID"},
		{"HMAC key", func(p *OIDCProvider) { p.Keys = []crypto.PublicKey{[]byte("k")} }, "*rsa.PublicKey"},
	} {
		p := ok
		tt.change(&p)
		_, err := New(WithOIDCProvider(p))
		if err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("%s: New error = %v, want one containing %q", tt.name, err, tt.errHas)
		}
	}
}
