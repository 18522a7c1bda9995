package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"

	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/inputs"
)

// The --local account. The key id is fixed so that FC 2.0's default service
// (lithops_ + 4 characters of it) stays the same from run to run; the secret is new
// each run, since the emulator's state holds no credentials.
const (
	localKeyID   = "LTAIlocalemulator"
	localAccount = "1234567890123456"
	localRegion  = "cn-hangzhou"
)

// Local starts the embedded FC emulator (state under .lithops-runtime/emulator in the
// workspace, so consecutive runs see one account) and points cfg at it. The caller
// closes the emulator; Run fills its runtime's preinstalled modules (Env.Emulator) and
// checks it has the plan's CPython (localPython).
func Local(ctx context.Context, cfg inputs.Config) (inputs.Config, *fcemu.Emulator, error) {
	if cfg.OIDCRoleARN != "" || cfg.OIDCProviderARN != "" {
		return cfg, nil, &inputs.Error{Input: "oidc-role-arn", Problem: "GitHub OIDC cannot be used with --local", Fix: "drop the oidc-* inputs; --local uses the emulator's own account"}
	}
	secret := make([]byte, 20)
	if _, err := rand.Read(secret); err != nil {
		return cfg, nil, fmt.Errorf("local emulator: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = localRegion
	}
	if cfg.AccountID == "" {
		cfg.AccountID = localAccount
	}
	if cfg.RoleARN == "" {
		cfg.RoleARN = "acs:ram::" + cfg.AccountID + ":role/lithops-local"
	}
	cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken = localKeyID, hex.EncodeToString(secret), ""
	opts := []fcemu.Option{
		fcemu.WithStateDir(filepath.Join(cfg.Workspace, ".lithops-runtime", "emulator")),
		fcemu.WithAccountID(cfg.AccountID), fcemu.WithRegion(cfg.Region),
		fcemu.WithAccessKey(cfg.AccessKeyID, cfg.AccessKeySecret),
		// Functions are ready at once: a local run has nothing to wait for, and the
		// deployer's first readiness poll would otherwise cost a second per function.
		fcemu.WithPendingPolls(0),
	}
	emu, err := fcemu.New(opts...)
	if err != nil {
		return cfg, nil, fmt.Errorf("local emulator: %w", err)
	}
	// Not ctx: on a cancellation the emulator must outlive the run's roll back (the
	// temporary smoke function is deleted through it); the caller closes it after.
	url, err := emu.Start(context.WithoutCancel(ctx))
	if err != nil {
		emu.Close()
		return cfg, nil, fmt.Errorf("local emulator: %w", err)
	}
	cfg.Endpoint, cfg.OSSEndpoint = url, url
	return cfg, emu, nil
}

// localPython is the --local check made once the plan knows the Python version, before
// anything is resolved or deployed: the emulator runs the smoke test in a local CPython
// of that version, and a missing one is no transient failure. The hint depends on where
// the step runs: the action's image has no Python at all.
func localPython(emu *fcemu.Emulator, getenv func(string) string) func(*Plan) error {
	return func(p *Plan) error {
		v := p.Runtime.Python
		if _, ok := emu.Python(v); ok {
			return nil
		}
		e := &inputs.Error{Input: "local", Flag: true,
			Problem: fmt.Sprintf("the embedded emulator smoke-tests the runtime in a local CPython %s, and there is none here (looked under $(pyenv root)/versions and for python%s on PATH)", v, v)}
		if inputs.InContainerAction(getenv) {
			e.Fix = "the action's image has no Python, so --local cannot run in it: in a workflow drop --local (deploy to FC) or set dry-run: true, " +
				"or run the binary with --local in a run: step after actions/setup-python"
		} else {
			e.Fix = fmt.Sprintf("install CPython %s (pyenv install %s, or python%s on PATH), or use --dry-run to build without deploying", v, v, v)
		}
		return e
	}
}
