package pipeline

import (
	"errors"
	"fmt"
	"os"

	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/inputs"
)

// preflight checks, before any network call and before the requirements are resolved,
// what the run will need later: credentials present and well formed for a deploy (not
// a dry run; --local brings its own), and the output and cache folders writable. Every
// problem is reported at once.
func preflight(cfg inputs.Config, deps Deps) error {
	var errs []error
	if !cfg.DryRun {
		req := credentials.Request{
			AccessKeyID: cfg.AccessKeyID, AccessKeySecret: cfg.AccessKeySecret, SecurityToken: cfg.SecurityToken,
			OIDCRoleARN: cfg.OIDCRoleARN, OIDCProviderARN: cfg.OIDCProviderARN, OIDCAudience: cfg.OIDCAudience,
		}
		if err := credentials.Check(req, deps.credentialsOptions()...); err != nil {
			errs = append(errs, fmt.Errorf("%w (checked before any work; a dry run, dry-run: true, needs none)", err))
		}
	}
	for _, d := range []struct{ input, dir string }{{"output-dir", cfg.OutputDir}, {"cache-dir", cfg.CacheDir}} {
		if d.dir == "" {
			continue
		}
		if err := writable(d.dir); err != nil {
			errs = append(errs, &inputs.Error{Input: d.input, Problem: fmt.Sprintf("%s is not a writable folder: %v", cfg.Rel(d.dir), err),
				Fix: "give a folder the job can write, relative to the workspace"})
		}
	}
	return errors.Join(errs...)
}

// writable makes dir if needed and writes and removes a file in it.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return pathless(err)
	}
	f, err := os.CreateTemp(dir, ".write-check-*")
	if err != nil {
		return pathless(err)
	}
	name := f.Name()
	f.Close()
	return pathless(os.Remove(name))
}

// pathless drops the path an os error repeats (the message names the folder already).
func pathless(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
