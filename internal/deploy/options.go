package deploy

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	fc3api "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

const (
	userAgent      = "lithops-fc-runtime-action"
	connectTimeout = 10 * time.Second
)

// Timeouts bound the deployer's waits.
type Timeouts struct {
	Call  time.Duration // one FC or OSS call without code (code adds 4 s per MB)
	Ready time.Duration // FC 3.0: how long a function may stay Pending or InProgress
	// ImagePull is Ready for a custom-container function, Pending while FC pulls its
	// image (Lithops 3.7 waits up to 900 s: aliyun_fc.py CONTAINER_MAX_WAIT).
	ImagePull time.Duration
	Cleanup   time.Duration // roll back after a failure
	// Cancelled bounds roll back after a cancellation: GitHub sends SIGINT, then SIGTERM
	// 7.5 s later and kills the step 2.5 s after that, so a roll back that cannot finish
	// by then should stop and say so while it still can (verify takes up to 3 s of the
	// 10 to delete its temporary function).
	Cancelled time.Duration
}

// DefaultTimeouts are generous for FC and short enough for a CI job.
var DefaultTimeouts = Timeouts{Call: time.Minute, Ready: 5 * time.Minute, ImagePull: 15 * time.Minute, Cleanup: 3 * time.Minute, Cancelled: 6 * time.Second}

// bytes bounds one request carrying n bytes: Call plus 4 s per MB (256 KB/s).
func (t Timeouts) bytes(n int64) time.Duration {
	return t.Call + time.Duration(n/(256<<10))*time.Second
}

// upload bounds a create or update carrying code.
func (t Timeouts) upload(c *Code) time.Duration {
	if c == nil {
		return t.Call
	}
	return t.bytes(int64(len(c.ZipFile)))
}

// Destination is where and as whom to deploy: the account, region and FC API, the
// credentials, the FC 2.0 service, the storage bucket and the endpoints.
type Destination struct {
	API         fcruntime.API
	Region      string
	AccountID   string
	Credentials credentials.Credentials
	Service     string // FC 2.0 service (required there; lithops.DefaultService gives Lithops')
	Bucket      string // storage-bucket; "" uploads large packages to FC's temporary bucket
	Endpoint    string // "" is DefaultEndpoint
	OSSEndpoint string // "" is DefaultOSSEndpoint
}

// DefaultEndpoint is FC's public endpoint for both APIs, with its scheme (fc-go-sdk would
// otherwise assume http).
func DefaultEndpoint(account, region string) string {
	return "https://" + account + "." + region + ".fc.aliyuncs.com"
}

// DefaultOSSEndpoint is OSS's public endpoint in region.
func DefaultOSSEndpoint(region string) string { return "https://oss-" + region + ".aliyuncs.com" }

// Option configures New.
type Option func(*options)

type options struct {
	log       func(string, ...any)
	retry     RetryPolicy
	timeouts  Timeouts
	inline    int64
	partSize  int64
	parallel  int
	tmpDir    string
	http      *http.Client
	poll      time.Duration
	progress  time.Duration
	updateSvc bool
}

// WithLog sets where progress lines go, one printf-style call a line (default: nowhere).
func WithLog(logf func(format string, args ...any)) Option { return func(o *options) { o.log = logf } }

// WithRetry replaces DefaultRetry.
func WithRetry(p RetryPolicy) Option { return func(o *options) { o.retry = p } }

// WithTimeouts replaces DefaultTimeouts.
func WithTimeouts(t Timeouts) Option { return func(o *options) { o.timeouts = t } }

// WithInlineLimit sets the largest base64 zipFile sent inline (default
// fcruntime.Limits.InlineBase64, FC's 100 MB less room for the rest of the request).
func WithInlineLimit(n int64) Option { return func(o *options) { o.inline = n } }

// WithMultipart sets the OSS part size (at least 100 KB; default 16 MB) and how many
// parts are sent at once (default 4).
func WithMultipart(partSize int64, parallel int) Option {
	return func(o *options) { o.partSize, o.parallel = partSize, parallel }
}

// WithTempDir sets where a function's previous code is kept until the release ends
// (default os.TempDir()).
func WithTempDir(dir string) Option { return func(o *options) { o.tmpDir = dir } }

// WithHTTPClient sets the client for FC 2.0 calls and code downloads.
func WithHTTPClient(c *http.Client) Option { return func(o *options) { o.http = c } }

// WithPollInterval sets the first wait between FC 3.0 readiness polls (default 1 s,
// doubling up to 5 s).
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.poll = d } }

// WithProgressEvery sets how often a long upload prints its progress (default 5 s).
func WithProgressEvery(d time.Duration) Option { return func(o *options) { o.progress = d } }

// WithServiceUpdate lets the FC 2.0 deployer change an existing service's role and
// internet access to the spec's (default: it refuses, with a *ServiceMismatchError, since
// the change applies to every function in the service).
func WithServiceUpdate(allow bool) Option { return func(o *options) { o.updateSvc = allow } }

// New returns a deployer for t. It makes no call: the first one is the deployment's.
func New(t Destination, opts ...Option) (*Deployer, error) {
	o := options{log: func(string, ...any) {}, retry: DefaultRetry, timeouts: DefaultTimeouts,
		inline: fcruntime.Limits.InlineBase64, partSize: 16 << 20, parallel: 4, tmpDir: os.TempDir(),
		poll: time.Second, progress: 5 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	var problems []string
	if t.Region == "" {
		problems = append(problems, "region is required to deploy")
	}
	if t.AccountID == "" {
		problems = append(problems, "account-id is required to deploy")
	}
	if t.Credentials.AccessKeyID == "" || t.Credentials.AccessKeySecret == "" {
		problems = append(problems, "credentials are required to deploy")
	}
	if t.API == fcruntime.FC2 && t.Service == "" {
		problems = append(problems, "FC 2.0 needs a service")
	}
	if t.API != fcruntime.FC2 && t.API != fcruntime.FC3 {
		problems = append(problems, fmt.Sprintf("unknown FC API %q (want 2.0 or 3.0)", t.API))
	}
	if o.partSize < 100<<10 {
		problems = append(problems, "the OSS part size must be at least 100 KB")
	}
	if len(problems) > 0 {
		return nil, errors.New("deploy: " + strings.Join(problems, "; "))
	}
	if t.Endpoint == "" {
		t.Endpoint = DefaultEndpoint(t.AccountID, t.Region)
	}
	u, err := url.Parse(t.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("deploy: endpoint %q is not an http(s) URL", shownURL(t.Endpoint))
	}
	if o.http == nil {
		o.http = &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	}
	red := redactor{t.Credentials.AccessKeySecret, t.Credentials.SecurityToken}
	tr := &fc2Transport{base: u.Scheme + "://" + u.Host, account: t.AccountID, creds: t.Credentials, client: o.http, redact: red}
	var core Functions
	var svc *fc2
	switch t.API {
	case fcruntime.FC2:
		svc = &fc2{t: tr, service: t.Service, updateService: o.updateSvc, timeout: o.timeouts, log: o.log}
		core = svc
	default:
		cfg := &openapi.Config{
			AccessKeyId: tea.String(t.Credentials.AccessKeyID), AccessKeySecret: tea.String(t.Credentials.AccessKeySecret),
			Endpoint: tea.String(u.Host), Protocol: tea.String(u.Scheme), RegionId: tea.String(t.Region),
			UserAgent: tea.String(userAgent),
		}
		if t.Credentials.SecurityToken != "" {
			cfg.SecurityToken = tea.String(t.Credentials.SecurityToken)
		}
		client, err := fc3api.NewClient(cfg)
		if err != nil {
			return nil, fmt.Errorf("deploy: FC 3.0 client: %w", err)
		}
		core = &fc3{client: client, timeout: o.timeouts, poll: o.poll, redact: red, log: o.log}
	}
	up := &Uploader{bucket: t.Bucket, ossEndpoint: t.OSSEndpoint, region: t.Region, account: t.AccountID, creds: t.Credentials,
		fc2: tr, inline: o.inline, partSize: o.partSize, parallel: max(o.parallel, 1), retry: o.retry, progress: o.progress,
		timeout: o.timeouts, log: o.log, redact: red}
	return &Deployer{api: t.API, fns: Retrying(core, o.retry, o.log), svc: svc, retry: o.retry, up: up, http: o.http,
		tmpDir: o.tmpDir, timeout: o.timeouts, log: o.log}, nil
}
