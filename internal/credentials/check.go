package credentials

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Check says, without a network call, whether Resolve will find credentials and whether
// they are well formed, so that a deploy without them fails before any work: the OIDC
// pair with the job's ID token variables, the key inputs, or one of the environment
// sources, as Resolve takes them. Messages name inputs and variables, never values.
func Check(req Request, opts ...Option) error {
	r := newResolver(opts)
	if req.OIDCRoleARN != "" || req.OIDCProviderARN != "" {
		if req.OIDCRoleARN == "" || req.OIDCProviderARN == "" {
			return errors.New("credentials: OIDC needs both oidc-role-arn and oidc-provider-arn")
		}
		reqURL, bearer := r.getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), r.getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
		if reqURL == "" || bearer == "" {
			return ErrNoIDTokenPermission
		}
		if u, err := url.Parse(reqURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errors.New("credentials: ACTIONS_ID_TOKEN_REQUEST_URL is not an http(s) URL")
		}
		return nil
	}
	k, err := r.keys(req)
	if err != nil {
		return err
	}
	return wellFormed(k.id, k.secret, k.token, k.names.id, k.names.secret, k.names.token)
}

// EnvSecrets returns the values of every credential variable Resolve may read, for
// masking before the first line is printed.
func EnvSecrets(getenv func(string) string) []string {
	var out []string
	for _, s := range envSources {
		for _, name := range []string{s.id, s.secret, s.token} {
			if v := getenv(name); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// wellFormed checks a key pair and token by their shape: printable ASCII without white
// space, of a sane length, and an STS key id ("STS.") with its token.
func wellFormed(id, secret, token, idName, secretName, tokenName string) error {
	for _, v := range []struct {
		name, value string
		max         int
	}{{idName, id, 128}, {secretName, secret, 128}, {tokenName, token, 16 << 10}} {
		if len(v.value) > v.max {
			return fmt.Errorf("credentials: %s is %d characters long, more than any Alibaba Cloud credential (%d); check what the secret holds", v.name, len(v.value), v.max)
		}
		if strings.IndexFunc(v.value, func(r rune) bool { return r <= ' ' || r >= 0x7f }) >= 0 {
			return fmt.Errorf("credentials: %s holds white space or characters outside printable ASCII; copy the secret again", v.name)
		}
	}
	if strings.HasPrefix(id, "STS.") && token == "" {
		return fmt.Errorf("credentials: %s is a temporary (STS) key, which needs its security token: set %s", idName, tokenName)
	}
	return nil
}
