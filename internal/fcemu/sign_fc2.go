package fcemu

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// maxClockSkew is how far a request's date may be from the service's clock (FC and OSS).
const maxClockSkew = 15 * time.Minute

// fc2StringToSign is what FC 2.0 signs: METHOD, Content-MD5, Content-Type and Date, then
// every x-fc-* header as "name:value" (lower-case names in byte order), then the resource.
// When the resource carries an x-fc-expires query (signed URLs) its value replaces Date.
func fc2StringToSign(method string, header http.Header, resource string) string {
	var names []string
	for k := range header {
		if strings.HasPrefix(strings.ToLower(k), "x-fc-") {
			names = append(names, k)
		}
	}
	sort.Slice(names, func(i, j int) bool { return strings.ToLower(names[i]) < strings.ToLower(names[j]) })
	var b strings.Builder
	date := header.Get("Date")
	if expires, ok := fc2ResourceQuery(resource, "x-fc-expires"); ok {
		date = expires
	}
	b.WriteString(method + "\n" + header.Get("Content-MD5") + "\n" + header.Get("Content-Type") + "\n" + date + "\n")
	for _, k := range names {
		b.WriteString(strings.ToLower(k) + ":" + header.Values(k)[0] + "\n")
	}
	b.WriteString(resource)
	return b.String()
}

// fc2ResourceWithQueries is the resource FC 2.0 signs for HTTP-trigger (/proxy/) paths and
// signed URLs: the unescaped path, a newline, then every "key=value" (a key without
// values bare) sorted and joined by newlines. Management calls sign the path alone.
func fc2ResourceWithQueries(path string, query url.Values) string {
	var params []string
	for k, vs := range query {
		if len(vs) == 0 {
			params = append(params, k)
			continue
		}
		for _, v := range vs {
			params = append(params, k+"="+v)
		}
	}
	sort.Strings(params)
	return path + "\n" + strings.Join(params, "\n")
}

func fc2ResourceQuery(resource, key string) (string, bool) {
	lines := strings.Split(resource, "\n")
	for _, l := range lines[1:] {
		if k, v, ok := strings.Cut(l, "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}

func fc2Signature(secret, stringToSign string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// authFC2 checks an FC 2.0 request's Authorization ("FC keyID:signature"), Date and
// security token. Both APIs of FC share these error codes.
func (x *exchange) authFC2() *apiError {
	r := x.r
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errf(http.StatusBadRequest, "MissingRequiredHeader", "required HTTP header Authorization was not specified")
	}
	cred, ok := strings.CutPrefix(auth, "FC ")
	i := strings.LastIndex(cred, ":")
	if !ok || i <= 0 {
		return errf(http.StatusForbidden, "AccessDenied", "the Authorization header must be 'FC <AccessKeyID>:<signature>'")
	}
	keyID, sig := cred[:i], cred[i+1:]
	if apiErr := x.checkDate(r.Header.Get("Date"), http.TimeFormat, "Date"); apiErr != nil {
		return apiErr
	}
	p, fail := x.e.resolve(keyID, r.Header.Get("X-Fc-Security-Token"))
	if fail != authOK {
		return fcAuthError(fail, keyID)
	}
	x.keyID = keyID
	// Addressed by IP, FC knows the account only from this header (the SDK sends it, empty
	// unless WithAccountID): another account's id is refused.
	if acct := r.Header.Get("X-Fc-Account-Id"); acct != "" && acct != x.e.cfg.accountID {
		return errf(http.StatusForbidden, "AccessDenied", "account '%s' in X-Fc-Account-Id is not the account of these credentials", acct)
	}
	// The SDK signs the escaped path it requested; FC's documentation speaks of the decoded
	// path. They are equal for valid names; either is accepted.
	for _, resource := range []string{r.URL.EscapedPath(), r.URL.Path} {
		if hmac.Equal([]byte(fc2Signature(p.secret, fc2StringToSign(r.Method, r.Header, resource))), []byte(sig)) {
			x.who = p
			return checkFC2ContentMD5(r.Header.Get("Content-MD5"), x.body)
		}
	}
	return errf(http.StatusForbidden, "SignatureNotMatch", "The request signature we calculated does not match the signature you provided. Check your access key and signing method")
}

// checkFC2ContentMD5 verifies the signed Content-MD5 against the body: fc-go-sdk sends it
// hex-encoded, FC's documentation shows base64; both are accepted.
func checkFC2ContentMD5(value string, body []byte) *apiError {
	if value == "" {
		return nil
	}
	sum := md5.Sum(body)
	if value == hex.EncodeToString(sum[:]) || value == base64.StdEncoding.EncodeToString(sum[:]) {
		return nil
	}
	return invalidArg("Content-MD5 %q does not match the request body", value)
}

// checkDate parses a signed request's date header and refuses one more than 15 minutes
// away from the emulator's clock.
func (x *exchange) checkDate(value, layout, name string) *apiError {
	if value == "" {
		return errf(http.StatusBadRequest, "MissingRequiredHeader", "required HTTP header %s was not specified", name)
	}
	t, err := time.Parse(layout, value)
	if err != nil {
		return invalidArg("the %s header %q is not in the format %q", name, value, layout)
	}
	now := x.e.now()
	if d := now.Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return errf(http.StatusForbidden, "RequestTimeTooSkewed",
			"the difference between the request time '%s' and the server's time '%s' is more than 15 minutes",
			t.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	return nil
}

// fcAuthError is FC's answer (both APIs) to credentials it does not accept.
func fcAuthError(fail authFailure, keyID string) *apiError {
	switch fail {
	case authTokenExpired:
		return errf(http.StatusForbidden, "InvalidSecurityToken.Expired", "the security token you provided has expired")
	case authTokenUnknown, authTokenMissing:
		return errf(http.StatusForbidden, "InvalidSecurityToken.Malformed", "the security token you provided is invalid")
	case authTokenMismatch:
		return errf(http.StatusForbidden, "InvalidSecurityToken.MismatchWithAccessKey", "the security token you provided does not match the AccessKey ID '%s'", keyID)
	default:
		return errf(http.StatusForbidden, "InvalidAccessKeyID", "invalid access key ID '%s'", keyID)
	}
}
