package image

import (
	"compress/gzip"
	"context"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Option configures Inspect, Build and Push.
type Option func(*config)

type config struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	level     int
	workDir   string
	createdBy string
}

func newConfig(opts []Option) config {
	c := config{keychain: authn.NewMultiKeychain(), level: gzip.DefaultCompression, createdBy: "lithops-fc-runtime"}
	for _, o := range opts {
		o(&c)
	}
	return c
}

// WithKeychain gives registry credentials (default: anonymous). Credentials go to the
// registries only; no error or log of this package contains them.
func WithKeychain(k authn.Keychain) Option { return func(c *config) { c.keychain = k } }

// WithTransport replaces the HTTP transport (tests count requests with it).
func WithTransport(t http.RoundTripper) Option { return func(c *config) { c.transport = t } }

// WithCompression sets the gzip level of the layers Build writes (default
// gzip.DefaultCompression). The level is part of what makes digests reproducible: the
// same inputs and level give the same layers.
func WithCompression(level int) Option { return func(c *config) { c.level = level } }

// WithWorkDir sets where Build spools layer blobs (default: the system's temporary
// folder). Result.Close removes them.
func WithWorkDir(dir string) Option { return func(c *config) { c.workDir = dir } }

// remote returns the go-containerregistry options for a call to registry reg.
func (c config) remote(ctx context.Context, reg name.Registry) []remote.Option {
	auth, err := c.keychain.Resolve(reg)
	if err != nil || auth == nil {
		auth = authn.Anonymous
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuth(auth), remote.WithPlatform(Platform),
		remote.WithUserAgent(c.createdBy)}
	if c.transport != nil {
		opts = append(opts, remote.WithTransport(c.transport))
	}
	return opts
}

// Credentials is a keychain of static registry credentials, by registry host (e.g.
// "registry.cn-hangzhou.aliyuncs.com"); other registries are anonymous.
type Credentials map[string]authn.AuthConfig

// Resolve implements authn.Keychain.
func (c Credentials) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if a, ok := c[r.RegistryStr()]; ok {
		return authn.FromConfig(a), nil
	}
	return authn.Anonymous, nil
}
