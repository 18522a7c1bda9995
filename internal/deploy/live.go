package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Live is what FC runs before a deployment, for the functions of specs.
type Live struct {
	specs    []Spec
	existing map[string]bool
	current  map[string]bool // exists with the package's code and its spec
	// Current is set when every function exists with the package's code and its spec's
	// configuration: a deployment would change nothing.
	Current bool
}

// Live looks up the functions of specs: which exist, and whether every one already runs
// pkg (same code checksum; for image functions, the spec's image) with its spec's
// configuration.
func (d *Deployer) Live(ctx context.Context, pkg Package, specs []Spec) (Live, error) {
	l := Live{specs: specs, existing: map[string]bool{}, current: map[string]bool{}, Current: true}
	for _, s := range specs {
		f, err := d.fns.Get(ctx, s.Name)
		if errors.Is(err, ErrNotFound) {
			l.Current = false
			continue
		}
		if err != nil {
			return Live{}, fmt.Errorf("look up function %s: %w", s.Name, err)
		}
		l.existing[s.Name] = true
		if !s.Runs(f, pkg.CodeChecksum) {
			l.Current = false
			continue
		}
		l.current[s.Name] = true
	}
	return l, nil
}

// Outcome is what deploying the package would do to function name: create it, update
// it, or leave it unchanged (it runs the package with its spec).
func (l Live) Outcome(name string) Outcome {
	switch {
	case !l.existing[name]:
		return Created
	case l.current[name]:
		return Unchanged
	}
	return Updated
}

// Untouched wraps err, a failure before anything was deployed, with what became of each
// function: FC was left as it was.
func (l Live) Untouched(err error) error {
	parts := make([]string, len(l.specs))
	for i, s := range l.specs {
		if l.existing[s.Name] {
			parts[i] = "function " + s.Name + " keeps its previous code"
		} else {
			parts[i] = "function " + s.Name + " was not created"
		}
	}
	return fmt.Errorf("%w; nothing was deployed: %s", err, strings.Join(parts, ", "))
}
