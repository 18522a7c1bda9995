package fcemu

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// OIDCProvider is a RAM OIDC identity provider and the roles that trust it, for
// AssumeRoleWithOIDC. Tokens are RS256 JWTs, as GitHub issues them (STS does not accept
// HS256).
type OIDCProvider struct {
	ARN                string             // acs:ram::<account>:oidc-provider/<name>
	IssuerURL          string             // the tokens' iss, e.g. https://token.actions.githubusercontent.com
	ClientIDs          []string           // accepted audiences (aud)
	Keys               []crypto.PublicKey // *rsa.PublicKey verification keys
	Roles              []string           // acs:ram::<account>:role/<name> that trust this provider
	MaxSessionDuration time.Duration      // the roles' limit for DurationSeconds (default 1h)
	IssuanceLimit      time.Duration      // refuse tokens issued longer ago than this (0: no limit)
}

func (p OIDCProvider) validate(account string) error {
	if !strings.HasPrefix(p.ARN, "acs:ram::"+account+":oidc-provider/") {
		return fmt.Errorf("OIDC provider ARN %q must be acs:ram::%s:oidc-provider/<name>", p.ARN, account)
	}
	if !strings.HasPrefix(p.IssuerURL, "https://") {
		return fmt.Errorf("OIDC provider %s: issuer URL %q must start with https://", p.ARN, p.IssuerURL)
	}
	if len(p.ClientIDs) == 0 {
		return fmt.Errorf("OIDC provider %s needs at least one client ID (audience)", p.ARN)
	}
	if len(p.Keys) == 0 {
		return fmt.Errorf("OIDC provider %s needs at least one verification key", p.ARN)
	}
	for _, k := range p.Keys {
		if _, ok := k.(*rsa.PublicKey); !ok {
			return fmt.Errorf("OIDC provider %s: keys must be *rsa.PublicKey (RS256), got %T", p.ARN, k)
		}
	}
	for _, r := range p.Roles {
		if !strings.HasPrefix(r, "acs:ram::"+account+":role/") {
			return fmt.Errorf("OIDC provider %s: role %q must be acs:ram::%s:role/<name>", p.ARN, r, account)
		}
	}
	return nil
}

var sessionNamePattern = regexp.MustCompile(`^[A-Za-z0-9_.@=-]{2,64}$`)

// serveSTS answers STS RPC calls (only AssumeRoleWithOIDC, which needs no signature).
// Parameters come from the query and the form body, as credentials-go sends them.
func (e *Emulator) serveSTS(x *exchange) {
	body, err := io.ReadAll(io.LimitReader(x.r.Body, 64<<10))
	if err != nil {
		x.fail(invalidArg("read request body: %v", err))
		return
	}
	x.body, x.bodyRead = body, true
	params := x.r.URL.Query()
	if form, err := url.ParseQuery(string(body)); err == nil {
		for k, vs := range form {
			if !params.Has(k) {
				params[k] = vs
			}
		}
	}
	op := OpUnknown
	if params.Get("Action") == "AssumeRoleWithOIDC" {
		op = OpAssumeRoleWithOIDC
	}
	if !x.begin(op, params.Get("RoleArn"), 64<<10) {
		return
	}
	if op == OpUnknown {
		x.fail(errf(http.StatusNotFound, "InvalidAction.NotFound", "Specified api %q is not found, please check your url and method.", params.Get("Action")))
		return
	}
	if v := params.Get("Version"); v != "2015-04-01" {
		x.fail(errf(http.StatusBadRequest, "InvalidVersion", "Specified parameter Version %q is not valid: it must be 2015-04-01.", v))
		return
	}
	creds, info, apiErr := e.assumeRoleWithOIDC(params)
	if apiErr != nil {
		x.fail(apiErr)
		return
	}
	x.w.Header().Set("Content-Type", "application/json;charset=utf-8")
	x.writeJSON(http.StatusOK, map[string]any{
		"RequestId":     x.requestID,
		"OIDCTokenInfo": info.tokenInfo,
		"AssumedRoleUser": map[string]string{
			"AssumedRoleId": info.roleID,
			"Arn":           info.assumedArn,
		},
		"Credentials": map[string]string{
			"SecurityToken":   creds.SecurityToken,
			"Expiration":      creds.Expiration.Format("2006-01-02T15:04:05Z"),
			"AccessKeySecret": creds.AccessKeySecret,
			"AccessKeyId":     creds.AccessKeyID,
		},
	})
}

type assumedRole struct {
	tokenInfo  map[string]string
	roleID     string
	assumedArn string
}

func (e *Emulator) assumeRoleWithOIDC(p url.Values) (Credentials, assumedRole, *apiError) {
	for _, name := range []string{"RoleArn", "OIDCProviderArn", "OIDCToken", "RoleSessionName"} {
		if p.Get(name) == "" {
			return Credentials{}, assumedRole{}, errf(http.StatusBadRequest, "Missing"+name, "%s is mandatory for this action.", name)
		}
	}
	roleArn, session := p.Get("RoleArn"), p.Get("RoleSessionName")
	if !sessionNamePattern.MatchString(session) {
		return Credentials{}, assumedRole{}, errf(http.StatusBadRequest, "InvalidParameter.RoleSessionName", "The parameter RoleSessionName is wrongly formed: 2-64 characters of letters, digits and . @ - _ =.")
	}
	if len(p.Get("Policy")) > 2048 {
		return Credentials{}, assumedRole{}, errf(http.StatusBadRequest, "InvalidParameter.PolicyGrammar", "The policy is longer than 2048 characters.")
	}
	var prov *OIDCProvider
	roleKnown := false
	for i := range e.cfg.oidc {
		if e.cfg.oidc[i].ARN == p.Get("OIDCProviderArn") {
			prov = &e.cfg.oidc[i]
		}
		roleKnown = roleKnown || slices.Contains(e.cfg.oidc[i].Roles, roleArn)
	}
	if !roleKnown {
		return Credentials{}, assumedRole{}, errf(http.StatusNotFound, "EntityNotExist.Role", "The role not exists: %s.", roleArn)
	}
	if prov == nil {
		return Credentials{}, assumedRole{}, errf(http.StatusUnauthorized, "AuthenticationFail.NoPermission", "No such OIDC Provider registered.")
	}
	if !slices.Contains(prov.Roles, roleArn) {
		return Credentials{}, assumedRole{}, errf(http.StatusUnauthorized, "AuthenticationFail.NoPermission", "There is no permission: role %s does not trust provider %s.", roleArn, prov.ARN)
	}
	maxDur := prov.MaxSessionDuration
	if maxDur == 0 {
		maxDur = time.Hour
	}
	dur := time.Hour
	if s := p.Get("DurationSeconds"); s != "" {
		n, err := strconv.Atoi(s)
		// Compared in seconds: n*time.Second overflows for large n.
		if err != nil || n < 900 || int64(n) > int64(maxDur/time.Second) {
			return Credentials{}, assumedRole{}, errf(http.StatusBadRequest, "InvalidParameter.DurationSeconds",
				"The Min/Max value of DurationSeconds is 15min/%s, got %q.", maxDur, s)
		}
		dur = time.Duration(n) * time.Second
	}
	claims, apiErr := verifyOIDCToken(p.Get("OIDCToken"), prov, e.now())
	if apiErr != nil {
		return Credentials{}, assumedRole{}, apiErr
	}
	creds := e.sessions.issue(e.now(), dur, nil)
	roleName := roleArn[strings.LastIndex(roleArn, "/")+1:]
	return creds, assumedRole{
		tokenInfo: map[string]string{
			"Subject":        claims.Subject,
			"Issuer":         claims.Issuer,
			"ClientIds":      strings.Join(claims.Audience, ","),
			"ExpirationTime": time.Unix(int64(claims.Expiry), 0).UTC().Format("2006-01-02T15:04:05Z"),
			"IssuanceTime":   time.Unix(int64(claims.IssuedAt), 0).UTC().Format("2006-01-02T15:04:05Z"),
		},
		roleID:     "3" + randomDigits(17) + ":" + session,
		assumedArn: "acs:ram::" + e.cfg.accountID + ":assumed-role/" + roleName + "/" + session,
	}, nil
}

type oidcClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  audience `json:"aud"`
	Expiry    float64  `json:"exp"`
	IssuedAt  float64  `json:"iat"`
	NotBefore float64  `json:"nbf"`
}

// audience is a JWT aud: one string or a list.
type audience []string

func (a *audience) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*a = audience{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*a = many
	return nil
}

func oidcInvalid(msg string) *apiError {
	return errf(http.StatusUnauthorized, "AuthenticationFail.OIDCToken.Invalid", "%s", msg)
}

// verifyOIDCToken checks the JWT's RS256 signature against the provider's keys, then its
// issuer, audience and lifetime, answering each failure as STS does.
func verifyOIDCToken(token string, p *OIDCProvider, now time.Time) (oidcClaims, *apiError) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return oidcClaims{}, oidcInvalid("The number of Jwt field should be divided into 3 parts with '.' .")
	}
	dec := func(s string) ([]byte, error) { return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")) }
	rawHeader, err1 := dec(parts[0])
	rawClaims, err2 := dec(parts[1])
	sig, err3 := dec(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return oidcClaims{}, oidcInvalid("Cannot decode base64 encoded response(format invalided).")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if err := json.Unmarshal(rawHeader, &header); err != nil {
		return oidcClaims{}, oidcInvalid("The Jwt content is invalid that cannot be recognized.")
	}
	if header.Alg != "RS256" {
		return oidcClaims{}, oidcInvalid(fmt.Sprintf("The algorithm %s that be specified in Jwt header is unknown.", header.Alg))
	}
	var claims oidcClaims
	if err := json.Unmarshal(rawClaims, &claims); err != nil {
		return oidcClaims{}, oidcInvalid("The Jwt content is invalid that cannot be recognized.")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	verified := false
	for _, k := range p.Keys {
		if pub, ok := k.(*rsa.PublicKey); ok && rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil {
			verified = true
			break
		}
	}
	if !verified {
		return oidcClaims{}, errf(http.StatusUnauthorized, "AuthenticationFail.OIDCToken.InvalidSignature", "OIDC token validate failed: invalid signature.")
	}
	if claims.Issuer != p.IssuerURL {
		return oidcClaims{}, errf(http.StatusUnauthorized, "AuthenticationFail.OIDCToken.IssuerNotMatch", "Invalid issuer.")
	}
	audOK := false
	for _, a := range claims.Audience {
		audOK = audOK || slices.Contains(p.ClientIDs, a)
	}
	if !audOK {
		return oidcClaims{}, errf(http.StatusUnauthorized, "AuthenticationFail.OIDCToken.AudienceNotMatchError", "Invalid audience.")
	}
	unix := float64(now.Unix())
	if claims.Expiry == 0 || unix >= claims.Expiry {
		return oidcClaims{}, errf(http.StatusUnauthorized, "AuthenticationFail.OIDCToken.Expired", "This JsonWebToken is expired.")
	}
	if claims.NotBefore != 0 && unix < claims.NotBefore {
		return oidcClaims{}, oidcInvalid("The JsonWebToken is not valid yet (nbf is in the future).")
	}
	if p.IssuanceLimit > 0 && claims.IssuedAt != 0 && unix > claims.IssuedAt+p.IssuanceLimit.Seconds() {
		return oidcClaims{}, errf(http.StatusUnauthorized, "AuthenticationFail.OIDCToken.Expired", "The JsonWebToken was issued longer ago than the provider's issuance limit.")
	}
	return claims, nil
}

func randomDigits(n int) string {
	b := randomBytes(n)
	for i := range b {
		b[i] = '0' + b[i]%10
	}
	return string(b)
}
