package credentials

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"time"
)

// Credentials are Alibaba Cloud keys, long-lived or temporary (with a security token).
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string    // set for STS credentials
	Expiration      time.Time // zero when unknown or long-lived
	Source          string    // where they came from, for messages, e.g. "inputs"
}

// Secrets returns the values to mask.
func (c Credentials) Secrets() []string {
	var out []string
	for _, s := range []string{c.AccessKeyID, c.AccessKeySecret, c.SecurityToken} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// String describes the credentials without any of their values.
func (c Credentials) String() string {
	s := "credentials from " + c.Source
	if c.SecurityToken != "" {
		s += " (temporary"
		if !c.Expiration.IsZero() {
			s += ", expire " + c.Expiration.UTC().Format(time.RFC3339)
		}
		s += ")"
	}
	return s
}

// GoString keeps %#v as safe as %v.
func (c Credentials) GoString() string { return "credentials.Credentials{" + c.String() + "}" }

// Request is what the action's inputs say about credentials.
type Request struct {
	AccessKeyID, AccessKeySecret, SecurityToken string // access-key-id, access-key-secret, security-token
	OIDCRoleARN, OIDCProviderARN, OIDCAudience  string // oidc-role-arn, oidc-provider-arn, oidc-audience
}

// DefaultSTSEndpoint is where AssumeRoleWithOIDC is sent unless WithSTSEndpoint says otherwise.
const DefaultSTSEndpoint = "https://sts.aliyuncs.com"

// DefaultAudience is the OIDC audience requested when Request.OIDCAudience is empty.
const DefaultAudience = "sts.aliyuncs.com"

// Option configures Resolve.
type Option func(*resolver)

// WithGetenv sets how environment variables are read (default os.Getenv).
func WithGetenv(getenv func(string) string) Option { return func(r *resolver) { r.getenv = getenv } }

// WithHTTPClient sets the client for the ID token and STS requests.
func WithHTTPClient(c *http.Client) Option { return func(r *resolver) { r.client = c } }

// WithSTSEndpoint sets the STS endpoint (e.g. https://sts.cn-hangzhou.aliyuncs.com, or
// the emulator's).
func WithSTSEndpoint(u string) Option { return func(r *resolver) { r.stsEndpoint = u } }

// WithSessionDuration sets DurationSeconds of the STS session (default 1 hour; STS
// accepts 15 minutes up to the role's maximum session duration).
func WithSessionDuration(d time.Duration) Option { return func(r *resolver) { r.duration = d } }

// WithRequestTimeout bounds each HTTP attempt (default 30 seconds).
func WithRequestTimeout(d time.Duration) Option { return func(r *resolver) { r.timeout = d } }

// WithRetry sets the attempts per request and the first backoff, doubled after each
// failure (default 3 attempts, 1 second).
func WithRetry(attempts int, backoff time.Duration) Option {
	return func(r *resolver) { r.attempts, r.backoff = max(attempts, 1), backoff }
}

// WithRetryBudget bounds one request with its retries, attempts and waits together
// (default 30 seconds); 0 leaves only the attempts and the per-attempt timeout.
func WithRetryBudget(d time.Duration) Option { return func(r *resolver) { r.budget = d } }

// WithLog receives one line per retry; the first says what is retried and for how long.
func WithLog(logf func(format string, args ...any)) Option {
	return func(r *resolver) { r.logf = logf }
}

type resolver struct {
	getenv      func(string) string
	client      *http.Client
	stsEndpoint string
	duration    time.Duration
	sessionName string
	timeout     time.Duration
	attempts    int
	backoff     time.Duration
	budget      time.Duration
	logf        func(string, ...any)
}

func newResolver(opts []Option) *resolver {
	r := &resolver{
		getenv:      os.Getenv,
		client:      http.DefaultClient,
		stsEndpoint: DefaultSTSEndpoint,
		duration:    time.Hour,
		timeout:     30 * time.Second,
		attempts:    3,
		backoff:     time.Second,
		budget:      30 * time.Second,
		logf:        func(string, ...any) {},
	}
	for _, o := range opts {
		o(r)
	}
	// RoleSessionName: lithops-fc-runtime-<GITHUB_RUN_ID>, so the role's audit names the run.
	r.sessionName = "lithops-fc-runtime"
	if id := r.getenv("GITHUB_RUN_ID"); runIDRE.MatchString(id) {
		r.sessionName += "-" + id
	}
	return r
}

var runIDRE = regexp.MustCompile(`^[0-9]{1,40}$`)

// ErrNoCredentials says that neither inputs, environment nor OIDC gave credentials.
var ErrNoCredentials = errors.New("no Alibaba Cloud credentials: set access-key-id and access-key-secret (from repository secrets), " +
	"or oidc-role-arn and oidc-provider-arn (GitHub OIDC), or run aliyun/configure-aliyun-credentials-action before this step; " +
	"a dry run (dry-run: true) needs none")

// envSource is one set of environment variables that can hold credentials.
type envSource struct{ id, secret, token string }

var envSources = []envSource{
	{"ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET", "ALIBABA_CLOUD_SECURITY_TOKEN"},
	// What aliyun/configure-aliyun-credentials-action also exports, as Terraform names them.
	{"ALICLOUD_ACCESS_KEY", "ALICLOUD_SECRET_KEY", "ALICLOUD_SECURITY_TOKEN"},
}

// Resolve returns the credentials to deploy with. OIDC inputs win (the job's GitHub ID
// token exchanged through STS AssumeRoleWithOIDC); then the key inputs; then the
// ALIBABA_CLOUD_* variables; then the ALICLOUD_* ones. Each source is taken whole: a key
// id is never paired with another source's secret.
func Resolve(ctx context.Context, req Request, opts ...Option) (Credentials, error) {
	r := newResolver(opts)
	if req.OIDCRoleARN != "" || req.OIDCProviderARN != "" {
		if req.OIDCRoleARN == "" || req.OIDCProviderARN == "" {
			return Credentials{}, errors.New("credentials: OIDC needs both oidc-role-arn and oidc-provider-arn")
		}
		return r.oidc(ctx, req)
	}
	k, err := r.keys(req)
	if err != nil {
		return Credentials{}, err
	}
	return Credentials{AccessKeyID: k.id, AccessKeySecret: k.secret, SecurityToken: k.token, Source: k.source}, nil
}

// keys are a key pair and token as one source gives them, with the source's names for
// messages.
type keys struct {
	id, secret, token string
	names             envSource // the inputs' or variables' names
	source            string    // Credentials.Source
}

// keys takes the keys from the key inputs, else from the first environment source that
// has any, whole; ErrNoCredentials when none has.
func (r *resolver) keys(req Request) (keys, error) {
	if req.AccessKeyID != "" || req.AccessKeySecret != "" {
		if req.AccessKeyID == "" || req.AccessKeySecret == "" {
			return keys{}, errors.New("credentials: set access-key-id and access-key-secret together")
		}
		return keys{id: req.AccessKeyID, secret: req.AccessKeySecret, token: req.SecurityToken,
			names: envSource{"access-key-id", "access-key-secret", "security-token"}, source: "inputs"}, nil
	}
	for _, s := range envSources {
		id, secret := r.getenv(s.id), r.getenv(s.secret)
		if id == "" && secret == "" {
			continue
		}
		if id == "" || secret == "" {
			missing := s.secret
			if id == "" {
				missing = s.id
			}
			return keys{}, fmt.Errorf("credentials: %s is empty while its pair is set; set both (or neither)", missing)
		}
		return keys{id: id, secret: secret, token: r.getenv(s.token), names: s, source: s.id + " environment"}, nil
	}
	return keys{}, ErrNoCredentials
}

func (r *resolver) oidc(ctx context.Context, req Request) (Credentials, error) {
	aud := req.OIDCAudience
	if aud == "" {
		aud = DefaultAudience
	}
	token, err := r.idToken(ctx, aud)
	if err != nil {
		return Credentials{}, err
	}
	c, err := r.assumeRoleWithOIDC(ctx, req.OIDCRoleARN, req.OIDCProviderARN, token)
	if err != nil {
		return Credentials{}, err
	}
	c.Source = "OIDC role " + req.OIDCRoleARN
	return c, nil
}

// Known says, without any call, what Resolve would take the credentials from: the key id
// ("" for OIDC or when there are none) and whether they are temporary (OIDC, or a
// security token beside the keys). It follows Resolve's order of sources.
func Known(req Request, getenv func(string) string) (keyID string, temporary bool) {
	if req.OIDCRoleARN != "" || req.OIDCProviderARN != "" {
		return "", true
	}
	if req.AccessKeyID != "" {
		return req.AccessKeyID, req.SecurityToken != ""
	}
	for _, s := range envSources {
		if id := getenv(s.id); id != "" || getenv(s.secret) != "" {
			return id, getenv(s.token) != ""
		}
	}
	return "", false
}
