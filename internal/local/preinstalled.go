package local

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/fcemu/pyrun"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/resolve"
)

// A local CPython has none of the modules FC's Python runtimes preinstall (oss2,
// requests, ...): Lithops' worker imports requests, and a runtime that works on FC would
// fail locally. So the emulator's runtime gets FC's documented set
// (fcruntime.Preinstalled, with their dependencies), resolved from the run's own index
// and find-links for the runtime's target, assembled without lithops by internal/build
// and unpacked into a folder the emulator puts on sys.path after the code, as FC does.
// What cannot be had is reported: code needing it fails locally where it would work on
// FC.

// Request is what Preinstall needs from the run.
type Request struct {
	Runtime fcruntime.Runtime
	// Python is the full version markers are evaluated for ("3.10.14"); "" is the
	// runtime's major.minor.
	Python    string
	Workspace string
	// Sources describes the package sources, which the filled folder depends on.
	Sources any
	Client  *index.Client
	// Fetch downloads and inspects the wheels a resolution chose (the run's fetch stage).
	Fetch func(ctx context.Context, dists []resolve.Dist) ([]build.Wheel, error)
}

// Preinstalled is what the emulator's runtime got.
type Preinstalled struct {
	Dir       string
	Reused    bool     // the folder of an earlier run, for the same list, target and sources
	Installed []string // name==version, dependencies included
	// Complete says FC's list for the runtime is known whole (fcruntime.Preinstalled).
	Complete bool
	// NotFound are the distributions no source has ("name version"), Failed the others
	// that could not be had, with why ("name version (why)"), both in FC's list order.
	NotFound, Failed []string
}

// stamp records a filled folder: what it holds and what could not be had.
type stamp struct {
	Installed []string          `json:"installed"` // name==version, dependencies included
	Missing   map[string]string `json:"missing"`   // name==version → why it could not be had
}

// Preinstall fills (or reuses) the preinstalled folder of req's runtime and gives it to
// the emulator.
func (a *Account) Preinstall(ctx context.Context, req Request) (*Preinstalled, error) {
	dists, complete := fcruntime.Preinstalled(req.Runtime.Name)
	p, st, err := fill(ctx, req, dists)
	if err != nil {
		return nil, err
	}
	if err := a.emu.SetPreinstalled(req.Runtime.Name, p.Dir); err != nil {
		return nil, err
	}
	p.Installed, p.Complete = st.Installed, complete
	for _, d := range dists {
		why, ok := st.Missing[d.Name+"=="+d.Version]
		switch {
		case !ok:
		case why == notFoundReason:
			p.NotFound = append(p.NotFound, d.Name+" "+d.Version)
		default:
			p.Failed = append(p.Failed, d.Name+" "+d.Version+" ("+why+")")
		}
	}
	return p, nil
}

// fill returns the folder holding dists for req's runtime, filling it unless a folder
// for the same list, target and package sources is there already.
func fill(ctx context.Context, req Request, dists []fcruntime.Dist) (*Preinstalled, stamp, error) {
	python := req.Python
	if python == "" {
		python = req.Runtime.Python
	}
	// FC installed them for its runtime's own glibc, whatever the platform input says.
	target, err := resolve.NewTarget(python, req.Runtime.Glibc)
	if err != nil {
		return nil, stamp{}, err
	}
	key, err := json.Marshal([]any{req.Runtime.Name, target.String(), dists, req.Sources})
	if err != nil {
		return nil, stamp{}, err
	}
	sum := sha256.Sum256(key)
	root := filepath.Join(StateDir(req.Workspace), "preinstalled", req.Runtime.Name)
	p := &Preinstalled{Dir: filepath.Join(root, hex.EncodeToString(sum[:])[:16])}
	var st stamp
	if data, err := os.ReadFile(p.Dir + ".json"); err == nil && json.Unmarshal(data, &st) == nil {
		if _, err := os.Stat(p.Dir); err == nil {
			p.Reused = true
			return p, st, nil
		}
	}
	res, missing, err := resolveAll(ctx, req, target, dists)
	if err != nil {
		return nil, st, err
	}
	st.Missing = missing
	in := build.Input{NoLithops: true, Target: target.Platform}
	if res != nil {
		for _, d := range res.Dists {
			st.Installed = append(st.Installed, d.Display+"=="+d.Version.String())
		}
		if in.Wheels, err = req.Fetch(ctx, res.Dists); err != nil {
			return nil, st, err
		}
	}
	if err := unpack(ctx, in, root, p.Dir); err != nil {
		return nil, st, err
	}
	data, _ := json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(p.Dir+".json", data, 0o644); err != nil {
		return nil, st, err
	}
	return p, st, nil
}

// unpack assembles in's wheels and unpacks them into dir, through a folder of root that
// replaces dir only once complete.
func unpack(ctx context.Context, in build.Input, root, dir string) error {
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(root, ".fill-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	site := filepath.Join(tmp, "site-packages")
	if err := os.Mkdir(site, 0o755); err != nil {
		return err
	}
	if len(in.Wheels) > 0 {
		in.OutDir = tmp
		// FC's runtime holds these outside the code package: no size limit applies.
		pkg, err := build.Assemble(ctx, in, build.WithCodeLimits(fcruntime.CodeLimits{InlineBase64: 1 << 62, OSS: 1 << 62}))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(pkg.ZipPath)
		if err != nil {
			return err
		}
		if err := pyrun.Extract(data, site); err != nil {
			return err
		}
	}
	os.RemoveAll(dir)
	return os.Rename(site, dir)
}

// resolveAll resolves dists (pinned to FC's versions) for target. What cannot be resolved
// is left out and returned with the reason: first the distributions that fail alone,
// then, if the rest still fail together, all of them.
func resolveAll(ctx context.Context, req Request, target resolve.Target, dists []fcruntime.Dist) (*resolve.Result, map[string]string, error) {
	missing := map[string]string{}
	var roots []resolve.Requirement
	for _, d := range dists {
		r, err := pep508.ParseRequirement(d.Name + "==" + d.Version)
		if err != nil {
			return nil, nil, fmt.Errorf("preinstalled %s %s: %w", d.Name, d.Version, err)
		}
		roots = append(roots, resolve.Requirement{Requirement: r, Origin: "FC " + req.Runtime.Name + " preinstalled"})
	}
	try := func(reqs []resolve.Requirement) (*resolve.Result, error) {
		return resolve.Resolve(ctx, req.Client, target, resolve.Request{Requirements: reqs})
	}
	if len(roots) == 0 {
		return nil, missing, nil
	}
	res, err := try(roots)
	if err == nil {
		return res, missing, nil
	}
	if ctx.Err() != nil {
		return nil, nil, ctx.Err()
	}
	var keep []resolve.Requirement
	for _, root := range roots {
		if _, err := try([]resolve.Requirement{root}); err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			missing[root.Requirement.String()] = reason(err)
			continue
		}
		keep = append(keep, root)
	}
	if len(keep) == 0 {
		return nil, missing, nil
	}
	if res, err = try(keep); err != nil {
		for _, k := range keep {
			missing[k.Requirement.String()] = "conflicts with the rest of the list: " + reason(err)
		}
		return nil, missing, nil
	}
	return res, missing, nil
}

// notFoundReason is the reason of a distribution no source has at all.
const notFoundReason = "not found"

// reason is the first line of a resolution error, for a warning that lists many.
func reason(err error) string {
	s := err.Error()
	var ns *resolve.NoSolutionError
	if errors.As(err, &ns) {
		s = ns.Report
		if strings.Contains(s, "is not on any index") && strings.Count(s, "\n") == 0 {
			return notFoundReason
		}
	}
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}
