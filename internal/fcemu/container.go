package fcemu

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// FC 3.0 custom-container functions (runtime custom-container, customContainerConfig).
//
// What FC does and the emulator does too:
//   - CreateFunction/UpdateFunction validate customContainerConfig: image (required, an
//     image reference), port (1-65535, default 9000), accelerationType (Default or None),
//     command/entrypoint (lists of strings), acrInstanceId, healthCheckConfig and
//     registryConfig (kept as sent); resolvedImageUri is FC's to set. A container
//     function takes no code, and customContainerConfig belongs to custom-container
//     functions only (InvalidArgument otherwise; chosen where FC's docs are silent).
//   - The function is Pending (stateReasonCode Creating; an update: lastUpdateStatus
//     InProgress) while its image is pulled, at least WithPendingPolls answers; then
//     Active with customContainerConfig.resolvedImageUri = repository@digest, or Failed
//     with stateReason "image pull failed: " and the registry's answer.
//   - InvokeFunction sends POST /invoke to the image's HTTP server with the event as body
//     (application/octet-stream) and FC's common headers (x-fc-request-id,
//     x-fc-function-name, -handler, -memory, -timeout, x-fc-region, x-fc-account-id,
//     x-fc-qualifier, x-fc-access-key-id/-secret/x-fc-security-token with a role,
//     x-fc-control-path /invoke); the answer's body is the result, and an x-fc-status
//     header other than 200 marks it UnhandledInvocationError (none: success, as FC).
//     A server that does not listen within the start timeout (120 s, FC's), or exits,
//     answers UnhandledInvocationError naming the start command and its last output.
//
// What it fakes, and why:
//   - No container runtime: the image is pulled from the registry it names (credentials
//     from WithRegistryKeychain; FC would use the function's role), its layers are
//     unpacked (whiteouts applied, absolute symlinks kept inside the unpacked root) into
//     the cache once per digest, and its command runs as a local process. Only commands
//     whose program is the image's CPython (bin/python3.X, directly, through a link, or as
//     a script's #! line) can run: they run with the local CPython of the same
//     major.minor (WithPython or discovered), with the image's site-packages on sys.path
//     (site.addsitedir, so .pth files work) and not the interpreter's own, in the
//     image's working folder inside the unpacked root, with the image's environment,
//     then the function's variables and FC's. The image's own interpreter, libc and
//     system files are not used: this emulator runs no foreign binaries.
//   - Ports: instances share the host's network, so the port is remapped: a free loopback
//     port P replaces customContainerConfig.port in the command's --bind/-b argument
//     (and 0.0.0.0 becomes 127.0.0.1), and CAPort and FC_SERVER_PORT are set to P.
//   - One warm instance per function, kept until the function changes, is deleted, or
//     the emulator closes; invocations of one function run one at a time (FC would start
//     more instances). A timeout kills the instance.

// containerRuntime is FC 3.0's runtime of image functions.
const containerRuntime = "custom-container"

// WithRegistryKeychain gives the credentials the emulator pulls custom-container images
// with (default: anonymous).
func WithRegistryKeychain(k authn.Keychain) Option { return func(c *config) { c.registries = k } }

// WithRegistryTransport sets the HTTP transport image pulls go through (default
// go-containerregistry's): --local's registry is reached only through its own.
func WithRegistryTransport(t http.RoundTripper) Option {
	return func(c *config) { c.registryTransport = t }
}

// containerConfig is customContainerConfig as the emulator keeps it.
type containerConfig struct {
	Image            string          `json:"image"`
	Port             int             `json:"port"`
	AccelerationType string          `json:"accelerationType,omitempty"`
	Command          []string        `json:"command,omitempty"`
	Entrypoint       []string        `json:"entrypoint,omitempty"`
	AcrInstanceID    string          `json:"acrInstanceId,omitempty"`
	HealthCheck      json.RawMessage `json:"healthCheckConfig,omitempty"`
	RegistryConfig   json.RawMessage `json:"registryConfig,omitempty"`
	ResolvedImageURI string          `json:"resolvedImageUri,omitempty"`
}

const containerConfigKey = "customContainerConfig"

// configureContainer applies customContainerConfig to fn; isContainer reports that fn is
// a custom-container function (whose create or update then takes no code).
func configureContainer(api functionAPI, fn *function, f fields) (isContainer bool, _ *apiError) {
	given := f.given(containerConfigKey)
	if fn.Runtime != containerRuntime {
		if given {
			return false, invalidArg("customContainerConfig is only for runtime custom-container (the runtime is %s)", fn.Runtime)
		}
		delete(fn.Config, containerConfigKey) // a function moved off custom-container
		return false, nil
	}
	switch _, kept := fn.Config[containerConfigKey]; {
	case !api.containers:
		return true, invalidArg("fcemu emulates custom-container functions through FC 3.0 only")
	case f.given("code"):
		return true, invalidArg("a custom-container function runs customContainerConfig.image and takes no code")
	case !given && !kept:
		return true, invalidArg("customContainerConfig is required for runtime custom-container")
	case !given:
		return true, nil // an update that keeps the image
	}
	cc, apiErr := parseContainerConfig(f[containerConfigKey])
	if apiErr != nil {
		return true, apiErr
	}
	b, _ := json.Marshal(cc)
	if fn.Config == nil {
		fn.Config = map[string]json.RawMessage{}
	}
	fn.Config[containerConfigKey] = b
	fn.Code = codeRef{}
	return true, nil
}

// parseContainerConfig validates a given customContainerConfig (see above).
func parseContainerConfig(raw json.RawMessage) (containerConfig, *apiError) {
	var cf fields
	if err := json.Unmarshal(raw, &cf); err != nil || cf == nil {
		return containerConfig{}, invalidArg("customContainerConfig must be an object")
	}
	cc := containerConfig{HealthCheck: cf.givenValue("healthCheckConfig"), RegistryConfig: cf.givenValue("registryConfig")}
	if apiErr := assign(cf, "image", &cc.Image, checkImage); apiErr != nil || cc.Image == "" {
		return cc, firstError(apiErr, invalidArg("customContainerConfig.image is required"))
	}
	port := int32(9000)
	apiErr := firstError(
		assign(cf, "port", &port, checkPort),
		assign(cf, "accelerationType", &cc.AccelerationType, checkAcceleration),
		assignList(cf, "command", &cc.Command),
		assignList(cf, "entrypoint", &cc.Entrypoint),
		assign(cf, "acrInstanceId", &cc.AcrInstanceID, nil),
	)
	cc.Port = int(port)
	return cc, apiErr
}

func checkImage(s string) *apiError {
	if s == "" {
		return invalidArg("customContainerConfig.image is required")
	}
	if _, err := name.ParseReference(s, name.StrictValidation); err != nil {
		return invalidArg("customContainerConfig.image '%s' is not a valid image reference (registry/namespace/repository:tag or @sha256:digest)", s)
	}
	return nil
}

func checkPort(n int32) *apiError { return between("customContainerConfig.port", n, 1, 65535, "") }

func checkAcceleration(s string) *apiError {
	if !strings.EqualFold(s, "Default") && !strings.EqualFold(s, "None") {
		return invalidArg("customContainerConfig.accelerationType '%s' is invalid: it must be Default or None", s)
	}
	return nil
}

func assignList(cf fields, key string, dst *[]string) *apiError {
	if cf.given(key) && json.Unmarshal(cf[key], dst) != nil {
		return invalidArg("customContainerConfig.%s must be a list of strings", key)
	}
	return nil
}

// containerOf returns fn's customContainerConfig (ok false for other functions).
func containerOf(fn *function) (containerConfig, bool) {
	var cc containerConfig
	if fn.Runtime != containerRuntime {
		return cc, false
	}
	raw, ok := fn.Config[containerConfigKey]
	if !ok || json.Unmarshal(raw, &cc) != nil {
		return cc, false
	}
	return cc, true
}

// containers holds image pulls and running instances.
type containers struct {
	mu        sync.Mutex
	pulls     map[string]*pull     // by pullKey
	instances map[string]*instance // by function name
	images    map[string]*unpacked // by image digest
}

// pull is one image resolution FC makes while a function is Pending.
type pull struct {
	done   chan struct{}
	digest v1.Hash
	ref    string // repository@digest
	err    error
}

func pullKey(fn *function, cc containerConfig) string {
	return fn.Name + "\x00" + fn.ETag + "\x00" + cc.Image
}

// startPull begins resolving a custom-container function's image when a transition
// starts (the caller holds e.mu); other functions need nothing.
func (e *Emulator) startPull(fn *function) {
	cc, ok := containerOf(fn)
	if !ok {
		return
	}
	key := pullKey(fn, cc)
	c := &e.containers
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pulls == nil {
		c.pulls = map[string]*pull{}
	}
	if _, ok := c.pulls[key]; ok {
		return
	}
	p := &pull{done: make(chan struct{})}
	c.pulls[key] = p
	go func() {
		defer close(p.done)
		ctx, cancel := context.WithTimeout(e.bg, 5*time.Minute)
		defer cancel()
		p.digest, p.ref, p.err = e.resolveImage(ctx, cc.Image)
	}()
}

// pullDone reports whether fn's transition may end: at once for functions without an
// image; for custom-container ones once the pull ended, which sets the outcome (the
// resolved image, or the failure). A function loaded from the state folder whose pull
// is unknown is pulled again. The caller holds e.mu.
func (e *Emulator) pullDone(fn *function) bool {
	cc, ok := containerOf(fn)
	if !ok {
		return true
	}
	c := &e.containers
	c.mu.Lock()
	p := c.pulls[pullKey(fn, cc)]
	c.mu.Unlock()
	if p == nil {
		e.startPull(fn)
		return false
	}
	select {
	case <-p.done:
	default:
		return false
	}
	if p.err != nil {
		fn.FailReason = "image pull failed: " + p.err.Error()
		return true
	}
	cc.ResolvedImageURI = p.ref
	b, _ := json.Marshal(cc)
	fn.Config[containerConfigKey] = b
	return true
}

// resolveImage finds the linux/amd64 image ref names and returns its digest and
// repository@digest.
func (e *Emulator) resolveImage(ctx context.Context, image string) (v1.Hash, string, error) {
	r, err := name.ParseReference(image)
	if err != nil {
		return v1.Hash{}, "", err
	}
	img, err := remote.Image(r, e.remoteOptions(ctx)...)
	if err != nil {
		return v1.Hash{}, "", err
	}
	d, err := img.Digest()
	if err != nil {
		return v1.Hash{}, "", err
	}
	return d, r.Context().Digest(d.String()).String(), nil
}

func (e *Emulator) remoteOptions(ctx context.Context) []remote.Option {
	kc := e.cfg.registries
	if kc == nil {
		kc = authn.NewMultiKeychain()
	}
	opts := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc),
		remote.WithPlatform(v1.Platform{OS: "linux", Architecture: "amd64"})}
	if t := e.cfg.registryTransport; t != nil {
		opts = append(opts, remote.WithTransport(t))
	}
	return opts
}
