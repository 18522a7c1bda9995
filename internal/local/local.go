package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/google/go-containerregistry/pkg/authn"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/registry"
)

// The --local account. The key id is fixed so that FC 2.0's default service
// (lithops_ + 4 characters of it) stays the same from run to run; the secret is new
// each run, since the emulator's state holds no credentials.
const (
	keyID   = "LTAIlocalemulator"
	account = "1234567890123456"
	region  = "cn-hangzhou"
)

// Account is the embedded emulator of a --local run, and for container runtimes its
// registry.
type Account struct {
	emu *fcemu.Emulator
	reg *registry.Registry // nil for zip runtimes
}

// Namespace is the registry namespace of --local's images when registry is not set:
// they are named registry.Host/lithops/lithops-aliyunfc-{runtime}:v{version}.
const Namespace = "lithops"

// StateDir is where the account's state lives in workspace.
func StateDir(workspace string) string {
	return filepath.Join(workspace, ".lithops-runtime", "emulator")
}

// Start starts the embedded FC emulator and points cfg at it: its endpoints, its
// account, region and role where cfg has none, and a key of its own. For a container
// runtime it also starts the account's registry (the registry input, when cfg has none). The caller closes
// the account once the run (roll back included) is over.
func Start(ctx context.Context, cfg inputs.Config, logf func(format string, args ...any)) (inputs.Config, *Account, error) {
	if cfg.OIDCRoleARN != "" || cfg.OIDCProviderARN != "" {
		return cfg, nil, &inputs.Error{Input: "oidc-role-arn", Problem: "GitHub OIDC cannot be used with --local", Fix: "drop the oidc-* inputs; --local uses the emulator's own account"}
	}
	secret := make([]byte, 20)
	if _, err := rand.Read(secret); err != nil {
		return cfg, nil, fmt.Errorf("local emulator: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = region
	}
	if cfg.AccountID == "" {
		cfg.AccountID = account
	}
	if cfg.RoleARN == "" {
		cfg.RoleARN = "acs:ram::" + cfg.AccountID + ":role/lithops-local"
	}
	cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken = keyID, hex.EncodeToString(secret), ""
	opts := []fcemu.Option{
		fcemu.WithStateDir(StateDir(cfg.Workspace)),
		fcemu.WithAccountID(cfg.AccountID), fcemu.WithRegion(cfg.Region),
		fcemu.WithAccessKey(cfg.AccessKeyID, cfg.AccessKeySecret),
		// Functions are ready at once: a local run has nothing to wait for, and the
		// deployer's first readiness poll would otherwise cost a second per function.
		fcemu.WithPendingPolls(0),
	}
	a := &Account{}
	if cfg.DeployMode == inputs.DeployContainer {
		// Images go to a registry of the account's, kept beside its state, unless the
		// inputs name one; the emulator pulls them from there as FC would.
		reg, err := registry.Start(filepath.Join(StateDir(cfg.Workspace), "registry"), logf)
		if err != nil {
			return cfg, nil, fmt.Errorf("local registry: %w", err)
		}
		a.reg = reg
		if cfg.Registry.IsZero() {
			cfg.Registry = inputs.Registry{Server: registry.Host, Namespace: Namespace}
		}
		opts = append(opts, fcemu.WithRegistryTransport(reg.Transport(nil)), fcemu.WithRegistryKeychain(Keychain(cfg)))
	}
	emu, err := fcemu.New(opts...)
	if err != nil {
		a.Close()
		return cfg, nil, fmt.Errorf("local emulator: %w", err)
	}
	a.emu = emu
	// Not ctx: on a cancellation the emulator must outlive the run's roll back (the
	// temporary smoke function is deleted through it); the caller closes it after.
	url, err := emu.Start(context.WithoutCancel(ctx))
	if err != nil {
		a.Close()
		return cfg, nil, fmt.Errorf("local emulator: %w", err)
	}
	cfg.Endpoint, cfg.OSSEndpoint = url, url
	return cfg, a, nil
}

// Close stops the emulator and the registry; their state stays in the workspace.
func (a *Account) Close() error {
	var errs []error
	if a.emu != nil {
		errs = append(errs, a.emu.Close())
	}
	if a.reg != nil {
		errs = append(errs, a.reg.Close())
	}
	return errors.Join(errs...)
}

// Transport is how the run reaches registries: the account's own through its name,
// others as usual. Nil for zip runtimes.
func (a *Account) Transport() http.RoundTripper {
	if a.reg == nil {
		return nil
	}
	return a.reg.Transport(nil)
}

// Keychain is the registry credentials of cfg's inputs, for the registry they name (the
// emulator pulls with them, as FC pulls with the function's role).
func Keychain(cfg inputs.Config) authn.Keychain {
	return keychain{host: cfg.Registry.Server, auth: authn.AuthConfig{Username: cfg.RegistryUser(), Password: cfg.RegistryPassword}}
}

type keychain struct {
	host string
	auth authn.AuthConfig
}

func (k keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if k.auth.Password == "" || r.RegistryStr() != k.host {
		return authn.Anonymous, nil
	}
	return authn.FromConfig(k.auth), nil
}

// CheckPython is the check made once the Python version is known, before anything is
// resolved or deployed: the emulator runs the smoke test in a local CPython of that
// version (major.minor), and a missing one is no transient failure. The hint depends on
// where the step runs (getenv reads its environment): the action's image has no Python
// at all.
func (a *Account) CheckPython(python string, getenv func(string) string) error {
	if _, ok := a.emu.Python(python); ok {
		return nil
	}
	e := &inputs.Error{Input: "local", Flag: true,
		Problem: fmt.Sprintf("the embedded emulator smoke-tests the runtime in a local CPython %s, and there is none here (looked under $(pyenv root)/versions and for python%s on PATH)", python, python)}
	if inputs.InContainerAction(getenv) {
		e.Fix = "the action's image has no Python, so --local cannot run in it: in a workflow drop --local (deploy to FC) or set dry-run: true, " +
			"or run the binary with --local in a run: step after actions/setup-python"
	} else {
		e.Fix = fmt.Sprintf("install CPython %s (pyenv install %s, or python%s on PATH), or use --dry-run to build without deploying", python, python, python)
	}
	return e
}
