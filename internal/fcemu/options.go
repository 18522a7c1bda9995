package fcemu

import (
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
)

// Option configures an Emulator.
type Option func(*config)

type config struct {
	accountID    string
	region       string
	keys         map[string]string // AccessKey ID → secret
	pythons      map[string]string // Python "3.10" → interpreter; nil: discover
	preinstalled map[string][]string
	stateDir     string
	cacheDir     string
	clock        func() time.Time
	pendingPolls int
	oidc         []OIDCProvider
	buckets      []string
	foreign      []string
	limits       Limits
	addr         string
	registries   authn.Keychain // credentials for custom-container image pulls
	// registryTransport carries image pulls (nil: go-containerregistry's default).
	registryTransport http.RoundTripper
	hooks             Hooks
}

// Limits are the size limits the emulator enforces. The defaults are FC's and OSS's.
type Limits struct {
	InlineCode   int64 // base64 code.zipFile, bytes (FC: 100 MB)
	OSSCode      int64 // zip read from OSS, bytes (FC: 500 MB)
	SyncPayload  int64 // synchronous invocation event (FC: 32 MB)
	AsyncPayload int64 // asynchronous invocation event (FC: 128 KB)
}

// DefaultLimits are FC's published limits.
var DefaultLimits = Limits{
	InlineCode:   100 << 20,
	OSSCode:      500 << 20,
	SyncPayload:  32 << 20,
	AsyncPayload: 128 << 10,
}

// WithAccountID sets the Alibaba Cloud account id (default 1234567890123456).
func WithAccountID(id string) Option { return func(c *config) { c.accountID = id } }

// WithRegion sets the region (default cn-hangzhou); OSS V4 signatures must name it.
func WithRegion(region string) Option { return func(c *config) { c.region = region } }

// WithAccessKey adds a permanent AccessKey pair the services accept. Without any, New
// makes one up (see Emulator.AccessKey).
func WithAccessKey(id, secret string) Option {
	return func(c *config) {
		if c.keys == nil {
			c.keys = map[string]string{}
		}
		c.keys[id] = secret
	}
}

// WithPython names the interpreter for a Python major.minor ("3.10"). Once any is given,
// only the given ones exist; without, New looks under $(pyenv root)/versions and on PATH.
func WithPython(version, path string) Option {
	return func(c *config) {
		if c.pythons == nil {
			c.pythons = map[string]string{}
		}
		c.pythons[version] = path
	}
}

// WithPreinstalled adds a folder of installed distributions (a pip --target folder) that
// handlers of runtime (e.g. "python3.10") see on sys.path after their code, standing in
// for the modules FC preinstalls (oss2, requests, ...: fcruntime.Preinstalled lists
// them). Emulator.SetPreinstalled replaces them later (--local fills them once it knows
// the package sources).
func WithPreinstalled(runtime, dir string) Option {
	return func(c *config) {
		if c.preinstalled == nil {
			c.preinstalled = map[string][]string{}
		}
		c.preinstalled[runtime] = append(c.preinstalled[runtime], dir)
	}
}

// WithStateDir keeps services, functions, code and OSS objects in dir (state.json and
// blobs/), so that a later emulator on the same folder sees them. Default: memory only.
func WithStateDir(dir string) Option { return func(c *config) { c.stateDir = dir } }

// WithCacheDir sets where code is unpacked for invocations (default: cache/ in the state
// folder, else a temporary folder removed by Close).
func WithCacheDir(dir string) Option { return func(c *config) { c.cacheDir = dir } }

// WithClock replaces the clock used for signature dates, token expiry and timestamps.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithPendingPolls sets how many GetFunction/InvokeFunction answers show an FC 3.0
// function Pending (after a create) or InProgress (after an update) before it becomes
// Active/Successful (default 1; 0 makes transitions instant).
func WithPendingPolls(n int) Option { return func(c *config) { c.pendingPolls = n } }

// WithOIDCProvider registers a RAM OIDC identity provider for AssumeRoleWithOIDC.
func WithOIDCProvider(p OIDCProvider) Option {
	return func(c *config) { c.oidc = append(c.oidc, p) }
}

// WithBucket creates an OSS bucket in the account (when it does not exist yet).
func WithBucket(name string) Option { return func(c *config) { c.buckets = append(c.buckets, name) } }

// WithForeignBucket makes name a bucket of another account: its name is taken
// (PutBucket answers 409 BucketAlreadyExists) and the account cannot use it (403
// AccessDenied), as with a Lithops default bucket name someone else got first.
func WithForeignBucket(name string) Option {
	return func(c *config) { c.foreign = append(c.foreign, name) }
}

// WithLimits replaces the size limits (tests use small ones to exercise EntityTooLarge).
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// WithAddr sets the address Start listens on (default 127.0.0.1:0, a free loopback port).
func WithAddr(addr string) Option { return func(c *config) { c.addr = addr } }
