package credentials

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrNoIDTokenPermission says the job cannot get a GitHub ID token: the runner sets
// ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN only for jobs with id-token: write.
var ErrNoIDTokenPermission = errors.New("OIDC needs the job's GitHub ID token, but ACTIONS_ID_TOKEN_REQUEST_URL/ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set: " +
	"add to the job (or the workflow)\n  permissions:\n    id-token: write\n    contents: read\n" +
	"(pull requests from forks never get an ID token: run those with dry-run: true)")

// STSError is an error answer of STS. It never contains the OIDC token.
type STSError struct {
	HTTPStatus int
	Code       string
	Message    string
	RequestID  string
	Hint       string // what to do, for the codes we know
}

func (e *STSError) Error() string {
	s := fmt.Sprintf("STS AssumeRoleWithOIDC: %s: %s (HTTP %d, request id %s)", e.Code, e.Message, e.HTTPStatus, e.RequestID)
	if e.Hint != "" {
		s += "; " + e.Hint
	}
	return s
}

// stsHint says what to do about an STS error code.
func stsHint(code string) string {
	switch {
	case strings.Contains(code, "AudienceNotMatch"):
		return "the RAM OIDC provider's client ids must include the audience requested (oidc-audience, default sts.aliyuncs.com)"
	case strings.Contains(code, "IssuerNotMatch"), strings.Contains(code, "OIDCProvider"):
		return "check oidc-provider-arn: its issuer URL must be https://token.actions.githubusercontent.com"
	case strings.HasPrefix(code, "EntityNotExist.Role"):
		return "check oidc-role-arn"
	case strings.Contains(code, "NoPermission"), strings.Contains(code, "NotAuthorized"):
		return "the role's trust policy must allow the OIDC provider, with conditions (oidc:sub, oidc:aud) that match this repository and job"
	case strings.Contains(code, "DurationSeconds"):
		return "the role's maximum session duration is shorter than the one requested"
	}
	return ""
}

// idToken asks the runner for the job's OIDC token with the given audience.
func (r *resolver) idToken(ctx context.Context, audience string) (string, error) {
	reqURL, bearer := r.getenv("ACTIONS_ID_TOKEN_REQUEST_URL"), r.getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN")
	if reqURL == "" || bearer == "" {
		return "", ErrNoIDTokenPermission
	}
	u, err := url.Parse(reqURL)
	if err != nil {
		return "", errors.New("GitHub ID token: ACTIONS_ID_TOKEN_REQUEST_URL is not a URL")
	}
	q := u.Query()
	q.Set("audience", audience)
	u.RawQuery = q.Encode()

	var body []byte
	err = r.retry(ctx, func(ctx context.Context) (bool, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("Authorization", "Bearer "+bearer)
		req.Header.Set("Accept", "application/json")
		status, b, err := r.do(req)
		if err != nil {
			return true, fmt.Errorf("GitHub ID token request: %w", err)
		}
		if status != http.StatusOK {
			return retryable(status), fmt.Errorf("GitHub ID token request: HTTP %d: %s", status, snippet(b, bearer))
		}
		body = b
		return false, nil
	})
	if err != nil {
		return "", err
	}
	var resp struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.Value == "" {
		return "", errors.New("GitHub ID token request: the answer has no token (want JSON {\"value\": ...})")
	}
	return resp.Value, nil
}

// assumeRoleWithOIDC exchanges the ID token for STS credentials. The call is unsigned:
// the token is the proof (docs/architecture.md, "GitHub OIDC and STS").
func (r *resolver) assumeRoleWithOIDC(ctx context.Context, roleARN, providerARN, token string) (Credentials, error) {
	u, err := url.Parse(r.stsEndpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Credentials{}, fmt.Errorf("STS endpoint %q is not an http(s) URL", r.stsEndpoint)
	}
	form := url.Values{
		"RoleArn":         {roleARN},
		"OIDCProviderArn": {providerARN},
		"OIDCToken":       {token},
		"RoleSessionName": {r.sessionName},
		"DurationSeconds": {strconv.Itoa(int(r.duration / time.Second))},
	}.Encode()

	var body []byte
	err = r.retry(ctx, func(ctx context.Context) (bool, error) {
		q := url.Values{
			"Action":    {"AssumeRoleWithOIDC"},
			"Version":   {"2015-04-01"},
			"Format":    {"JSON"},
			"Timestamp": {time.Now().UTC().Format("2006-01-02T15:04:05Z")},
		}
		target := *u
		if target.Path == "" {
			target.Path = "/"
		}
		target.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), strings.NewReader(form))
		if err != nil {
			return false, err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Accept", "application/json")
		status, b, err := r.do(req)
		if err != nil {
			return true, fmt.Errorf("STS AssumeRoleWithOIDC: %w", err)
		}
		if status != http.StatusOK {
			return retryable(status), stsError(status, b, token)
		}
		body = b
		return false, nil
	})
	if err != nil {
		return Credentials{}, err
	}
	var resp struct {
		RequestID   string `json:"RequestId"`
		Credentials struct {
			AccessKeyID     string `json:"AccessKeyId"`
			AccessKeySecret string `json:"AccessKeySecret"`
			SecurityToken   string `json:"SecurityToken"`
			Expiration      string `json:"Expiration"`
		} `json:"Credentials"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return Credentials{}, errors.New("STS AssumeRoleWithOIDC: the answer is not JSON")
	}
	c := resp.Credentials
	if c.AccessKeyID == "" || c.AccessKeySecret == "" || c.SecurityToken == "" {
		return Credentials{}, fmt.Errorf("STS AssumeRoleWithOIDC: the answer has no credentials (request id %s)", resp.RequestID)
	}
	exp, err := time.Parse(time.RFC3339, c.Expiration)
	if err != nil {
		return Credentials{}, fmt.Errorf("STS AssumeRoleWithOIDC: expiration %q is not a time (request id %s)", c.Expiration, resp.RequestID)
	}
	return Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken, Expiration: exp}, nil
}

func stsError(status int, body []byte, token string) error {
	var e struct {
		RequestID string `json:"RequestId"`
		Code      string `json:"Code"`
		Message   string `json:"Message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Code == "" {
		return &STSError{HTTPStatus: status, Code: "UnknownError", Message: snippet(body, token)}
	}
	return &STSError{HTTPStatus: status, Code: e.Code, Message: strings.ReplaceAll(e.Message, token, "***"), RequestID: e.RequestID, Hint: stsHint(e.Code)}
}

// do sends req with the per-attempt timeout and reads a bounded body. Transport errors
// are unwrapped from *url.Error so no URL is quoted.
func (r *resolver) do(req *http.Request) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(req.Context(), r.timeout)
	defer cancel()
	resp, err := r.client.Do(req.WithContext(ctx))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return 0, nil, fmt.Errorf("read answer: %w", err)
	}
	return resp.StatusCode, b, nil
}

// retry runs attempt until it succeeds, says the failure is final, or the attempts or
// the time budget run out (each attempt gets what is left of the budget at most). Each
// retry is logged with the error, which names the request; the first also says for how
// long retries go on; the final error says how many attempts were made.
func (r *resolver) retry(ctx context.Context, attempt func(context.Context) (retry bool, err error)) error {
	wait := r.backoff
	start := time.Now()
	var err error
	for i := 0; i < r.attempts; i++ {
		if i > 0 {
			spent := time.Since(start)
			if r.budget > 0 && spent+wait >= r.budget {
				return fmt.Errorf("%w (gave up after %d attempts in %s; at most %s)", err, i, spent.Round(100*time.Millisecond), r.budget)
			}
			if i == 1 {
				r.logf("%v; retrying in %s, up to %d attempts within %s", err, wait, r.attempts, r.budget)
			} else {
				r.logf("%v; retrying in %s (attempt %d of %d)", err, wait, i+1, r.attempts)
			}
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return fmt.Errorf("%w (after: %v)", ctx.Err(), err)
			case <-t.C:
			}
			wait *= 2
		}
		actx, cancel := ctx, context.CancelFunc(func() {})
		if r.budget > 0 {
			actx, cancel = context.WithDeadline(ctx, start.Add(r.budget))
		}
		var again bool
		again, err = attempt(actx)
		cancel()
		if err == nil || !again || ctx.Err() != nil {
			return err
		}
	}
	if r.attempts > 1 {
		return fmt.Errorf("%w (gave up after %d attempts in %s)", err, r.attempts, time.Since(start).Round(100*time.Millisecond))
	}
	return err
}

func retryable(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}

// snippet is the start of an error body, with secret removed, for messages.
func snippet(b []byte, secret string) string {
	s := strings.TrimSpace(string(b))
	if secret != "" {
		s = strings.ReplaceAll(s, secret, "***")
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}
