package fcemu

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// ossSubresources are the query parameters OSS signs in V1 (others are left out of the
// canonical resource). The list is OSS's documented set of sub-resources and response
// overrides.
var ossSubresources = map[string]bool{}

func init() {
	for _, k := range strings.Fields(`acl uploads location cors logging website referer lifecycle
		delete append tagging objectMeta uploadId partNumber security-token position img style
		styleName replication replicationProgress replicationLocation cname bucketInfo comp qos
		live status vod startTime endTime symlink x-oss-process response-content-type
		x-oss-traffic-limit response-content-language response-expires response-cache-control
		response-content-disposition response-content-encoding udf udfName udfImage udfId
		udfImageDesc udfApplication udfApplicationLog restore callback callback-var qosInfo
		policy stat encryption versions versioning versionId requestPayment x-oss-request-payer
		sequential inventory inventoryId continuation-token asyncFetch worm wormId wormExtend
		withHashContext x-oss-enable-md5 x-oss-enable-sha1 x-oss-enable-sha256 x-oss-hash-ctx
		x-oss-md5-ctx transferAcceleration regionList cloudboxes x-oss-ac-source-ip
		x-oss-ac-subnet-mask x-oss-ac-vpc-id x-oss-ac-forward-allow metaQuery resourceGroup rtc
		x-oss-async-process responseHeader`) {
		ossSubresources[k] = true
	}
}

// ossV1StringToSign is OSS signature V1's string: METHOD, Content-MD5, Content-Type, Date,
// the x-oss-* headers ("name:value", lower-case, sorted) and the canonical resource
// "/bucket/key" plus the signed sub-resources ("?k=v&k2", sorted, values unescaped).
func ossV1StringToSign(r *http.Request, bucket, key string) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n" + r.Header.Get("Content-MD5") + "\n" + r.Header.Get("Content-Type") + "\n" + r.Header.Get("Date") + "\n")
	for _, kv := range ossHeaders(r.Header, func(k string) bool { return strings.HasPrefix(k, "x-oss-") }, false) {
		b.WriteString(kv + "\n")
	}
	b.WriteString(ossV1Resource(bucket, key, r.URL.Query()))
	return b.String()
}

func ossV1Resource(bucket, key string, query url.Values) string {
	// Sorted by key, not by "key=value": the SDK sorts the keys.
	var keys []string
	for k := range query {
		if ossSubresources[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var subs []string
	for _, k := range keys {
		if v := query.Get(k); v != "" {
			subs = append(subs, k+"="+v)
		} else {
			subs = append(subs, k)
		}
	}
	res := "/"
	if bucket != "" {
		res = "/" + bucket + "/" + key
	}
	if len(subs) > 0 {
		res += "?" + strings.Join(subs, "&")
	}
	return res
}

// ossHeaders returns the selected headers as "name:value" with lower-case names in byte
// order (the first value of each, trimmed of spaces when trim is set).
func ossHeaders(h http.Header, include func(lower string) bool, trim bool) []string {
	var out []string
	for k, vs := range h {
		lk := strings.ToLower(k)
		if !include(lk) {
			continue
		}
		v := vs[0]
		if trim {
			v = strings.Trim(v, " ")
		}
		out = append(out, lk+":"+v)
	}
	sort.Strings(out)
	return out
}

func ossV1Signature(secret, stringToSign string) string {
	m := hmac.New(sha1.New, []byte(secret))
	m.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// ossV4 is a parsed "OSS4-HMAC-SHA256 Credential=...,AdditionalHeaders=...,Signature=..."
// header.
type ossV4 struct {
	keyID, day, region, product string
	additional                  []string
	signature                   string
}

func parseOSSV4(auth string) (ossV4, bool) {
	rest, ok := strings.CutPrefix(auth, "OSS4-HMAC-SHA256 ")
	if !ok {
		return ossV4{}, false
	}
	var v ossV4
	for _, part := range strings.Split(rest, ",") {
		k, val, _ := strings.Cut(strings.TrimSpace(part), "=")
		switch k {
		case "Credential":
			c := strings.Split(val, "/")
			if len(c) != 5 || c[4] != "aliyun_v4_request" {
				return ossV4{}, false
			}
			v.keyID, v.day, v.region, v.product = c[0], c[1], c[2], c[3]
		case "AdditionalHeaders":
			v.additional = strings.Split(val, ";")
		case "Signature":
			v.signature = val
		}
	}
	return v, v.keyID != "" && v.signature != ""
}

// ossV4CanonicalRequest is OSS signature V4's canonical request: METHOD, the resource
// "/bucket/escaped-key" (with "/" kept), every query parameter escaped and sorted, the
// signed headers (Content-MD5, Content-Type, x-oss-* and the additional ones), the
// additional header names and the payload hash from x-oss-content-sha256.
func ossV4CanonicalRequest(r *http.Request, bucket, key string, additional []string) string {
	res := "/"
	if bucket != "" {
		k := strings.ReplaceAll(url.QueryEscape(key), "+", "%20")
		res = "/" + bucket + "/" + strings.ReplaceAll(k, "%2F", "/")
	}
	query := r.URL.Query()
	encoded := map[string]string{} // escaped key → escaped value
	var keys []string
	for k := range query {
		ek := url.QueryEscape(k)
		keys = append(keys, ek)
		encoded[ek] = strings.ReplaceAll(url.QueryEscape(query.Get(k)), "+", "%20")
	}
	sort.Strings(keys)
	var subs []string
	for _, k := range keys {
		if v := encoded[k]; v != "" {
			subs = append(subs, k+"="+v)
		} else {
			subs = append(subs, k)
		}
	}
	addl := map[string]bool{}
	for _, a := range additional {
		addl[strings.ToLower(a)] = true
	}
	headers := ossHeaders(r.Header, func(k string) bool {
		return k == "content-md5" || k == "content-type" || strings.HasPrefix(k, "x-oss-") || addl[k]
	}, true)
	payload := r.Header.Get("X-Oss-Content-Sha256")
	if payload == "" {
		payload = "UNSIGNED-PAYLOAD"
	}
	var h strings.Builder
	for _, kv := range headers {
		h.WriteString(kv + "\n")
	}
	return r.Method + "\n" + res + "\n" + strings.Join(subs, "&") + "\n" + h.String() + "\n" +
		strings.Join(additional, ";") + "\n" + payload
}

func ossV4Signature(secret, day, region, product, signDate, canonicalRequest string) string {
	mac := func(key []byte, s string) []byte {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(s))
		return m.Sum(nil)
	}
	sum := sha256.Sum256([]byte(canonicalRequest))
	scope := day + "/" + region + "/" + product + "/aliyun_v4_request"
	toSign := "OSS4-HMAC-SHA256\n" + signDate + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
	k := mac([]byte("aliyun_v4"+secret), day)
	k = mac(k, region)
	k = mac(k, product)
	k = mac(k, "aliyun_v4_request")
	return hex.EncodeToString(mac(k, toSign))
}

// authOSS checks an OSS request signed with V1 ("OSS key:sig") or V4, its date and its
// security token. Anonymous requests are refused: the emulator's buckets are private.
func (x *exchange) authOSS(bucket, key string) *apiError {
	r := x.r
	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errf(http.StatusForbidden, "AccessDenied", "You have no right to access this object because of bucket acl.")
	}
	var keyID string
	var verify func(secret string) bool
	if v4, ok := parseOSSV4(auth); ok {
		if v4.region != x.e.cfg.region || v4.product != "oss" {
			return invalidArg("Invalid signing region or product in Authorization header: %s/%s, expected %s/oss", v4.region, v4.product, x.e.cfg.region)
		}
		signDate, layout := r.Header.Get("X-Oss-Date"), "20060102T150405Z"
		if signDate == "" {
			signDate, layout = r.Header.Get("Date"), http.TimeFormat
		}
		if apiErr := x.checkOSSDate(signDate, layout); apiErr != nil {
			return apiErr
		}
		keyID = v4.keyID
		canonical := ossV4CanonicalRequest(r, bucket, key, v4.additional)
		verify = func(secret string) bool {
			return hmac.Equal([]byte(ossV4Signature(secret, v4.day, v4.region, v4.product, signDate, canonical)), []byte(v4.signature))
		}
	} else if cred, ok := strings.CutPrefix(auth, "OSS "); ok {
		i := strings.LastIndex(cred, ":")
		if i <= 0 {
			return invalidArg("the Authorization header is malformed")
		}
		if apiErr := x.checkOSSDate(r.Header.Get("Date"), http.TimeFormat); apiErr != nil {
			return apiErr
		}
		keyID = cred[:i]
		sig := cred[i+1:]
		toSign := ossV1StringToSign(r, bucket, key)
		verify = func(secret string) bool { return hmac.Equal([]byte(ossV1Signature(secret, toSign)), []byte(sig)) }
	} else {
		return invalidArg("the Authorization header is not an OSS signature (V1 or OSS4-HMAC-SHA256)")
	}
	p, fail := x.e.resolve(keyID, r.Header.Get("X-Oss-Security-Token"))
	switch fail {
	case authOK:
	case authTokenExpired:
		return errf(http.StatusForbidden, "SecurityTokenExpired", "The security token you provided has expired.")
	case authTokenUnknown, authTokenMismatch, authTokenMissing:
		return errf(http.StatusForbidden, "InvalidAccessKeyId", "The security token you provided is invalid.")
	default:
		return errf(http.StatusForbidden, "InvalidAccessKeyId", "The OSS Access Key Id you provided does not exist in our records.")
	}
	x.keyID = keyID
	if !verify(p.secret) {
		return errf(http.StatusForbidden, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	x.who = p
	return nil
}

func (x *exchange) checkOSSDate(value, layout string) *apiError {
	if value == "" {
		return errf(http.StatusForbidden, "AccessDenied", "the Date header is missing")
	}
	t, err := time.Parse(layout, value)
	if err != nil {
		return errf(http.StatusForbidden, "AccessDenied", "the date %q is not in the format %q", value, layout)
	}
	now := x.e.now()
	if d := now.Sub(t); d > maxClockSkew || d < -maxClockSkew {
		return errf(http.StatusForbidden, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large.")
	}
	return nil
}
