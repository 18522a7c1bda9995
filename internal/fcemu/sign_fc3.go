package fcemu

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
)

const acs3Algorithm = "ACS3-HMAC-SHA256"

// acs3CanonicalRequest is the ACS3 canonical request: METHOD, canonical URI, canonical
// query, canonical headers (the signed ones, lower-case, values trimmed, repeated values
// sorted and comma-joined), the signed header list and the hex SHA-256 of the body.
func acs3CanonicalRequest(method, escapedPath string, query url.Values, header http.Header, host string, signed []string, payloadHash string) string {
	uri := escapedPath
	if uri == "" {
		uri = "/"
	}
	uri = acs3Encode(uri)

	keys := make([]string, 0, len(query))
	for k := range query {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var q []string
	for _, k := range keys {
		// The SDKs send one value per key and sign it escaped as url.QueryEscape does.
		q = append(q, k+"="+url.QueryEscape(query.Get(k)))
	}

	var h strings.Builder
	for _, name := range signed {
		var vals []string
		if name == "host" {
			vals = []string{host}
		} else {
			for _, v := range header.Values(name) {
				vals = append(vals, strings.TrimSpace(v))
			}
		}
		sort.Strings(vals)
		h.WriteString(name + ":" + strings.Join(vals, ",") + "\n")
	}
	return method + "\n" + uri + "\n" + acs3Encode(strings.Join(q, "&")) + "\n" + h.String() + "\n" +
		strings.Join(signed, ";") + "\n" + payloadHash
}

// acs3Encode applies the replacements Alibaba Cloud's signers make after URL escaping.
func acs3Encode(s string) string {
	return strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(s)
}

func acs3Signature(secret, canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(acs3Algorithm + "\n" + hex.EncodeToString(sum[:])))
	return hex.EncodeToString(m.Sum(nil))
}

// authFC3 checks an FC 3.0 request signed with ACS3-HMAC-SHA256: the Authorization
// header, x-acs-date, x-acs-content-sha256 against the body, and x-acs-security-token.
func (x *exchange) authFC3() *apiError {
	r := x.r
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errf(http.StatusBadRequest, "MissingRequiredHeader", "required HTTP header Authorization was not specified")
	}
	rest, ok := strings.CutPrefix(auth, acs3Algorithm+" ")
	if !ok {
		return errf(http.StatusForbidden, "AccessDenied", "the Authorization header must use %s", acs3Algorithm)
	}
	fields := map[string]string{}
	for _, part := range strings.Split(rest, ",") {
		if k, v, ok := strings.Cut(strings.TrimSpace(part), "="); ok {
			fields[k] = v
		}
	}
	keyID, sig, signedList := fields["Credential"], fields["Signature"], fields["SignedHeaders"]
	if keyID == "" || sig == "" || signedList == "" {
		return errf(http.StatusForbidden, "AccessDenied", "the Authorization header lacks Credential, SignedHeaders or Signature")
	}
	signed := strings.Split(signedList, ";")
	for _, need := range []string{"host", "x-acs-date", "x-acs-content-sha256"} {
		if !slices.Contains(signed, need) {
			return errf(http.StatusForbidden, "SignatureNotMatch", "the signed headers must include %s", need)
		}
	}
	if apiErr := x.checkDate(r.Header.Get("x-acs-date"), "2006-01-02T15:04:05Z", "x-acs-date"); apiErr != nil {
		return apiErr
	}
	p, fail := x.e.resolve(keyID, r.Header.Get("x-acs-security-token"))
	if fail != authOK {
		return fcAuthError(fail, keyID)
	}
	x.keyID = keyID
	sum := sha256.Sum256(x.body)
	payloadHash := hex.EncodeToString(sum[:])
	if r.Header.Get("x-acs-content-sha256") != payloadHash {
		return errf(http.StatusForbidden, "SignatureNotMatch", "x-acs-content-sha256 does not match the request body")
	}
	canonical := acs3CanonicalRequest(r.Method, r.URL.EscapedPath(), r.URL.Query(), r.Header, r.Host, signed, payloadHash)
	if !hmac.Equal([]byte(acs3Signature(p.secret, canonical)), []byte(sig)) {
		return errf(http.StatusForbidden, "SignatureNotMatch", "The request signature we calculated does not match the signature you provided. Check your access key and signing method")
	}
	if n := r.Header.Get("x-acs-signature-nonce"); n != "" && !x.e.nonces.fresh(n, x.e.now()) {
		return errf(http.StatusBadRequest, "SignatureNonceUsed", "the signature nonce %s was used already", n)
	}
	x.who = p
	return nil
}
