package pipeline

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

	"golang.org/x/sync/errgroup"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcemu/pyrun"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/index"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/resolve"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// --local runs handlers with a local CPython, which has none of the modules FC's Python
// runtimes preinstall (oss2, requests, ...): Lithops' worker imports requests, and a
// runtime that works on FC would fail locally. So the emulator's runtime gets FC's
// documented set (fcruntime.Preinstalled, with their dependencies), resolved from the
// run's own index and find-links for the runtime's target, assembled without lithops by
// internal/build and unpacked into a folder the emulator puts on sys.path after the code,
// as FC does. What cannot be had is named in a warning: code needing it fails locally
// where it would work on FC.

// preinstalledStamp records a filled folder: what it holds and what could not be had.
type preinstalledStamp struct {
	Installed []string          `json:"installed"` // name==version, dependencies included
	Missing   map[string]string `json:"missing"`   // name==version → why it could not be had
}

// preinstall fills (or reuses) the preinstalled folder of the plan's runtime and gives it
// to emu.
func (r *runner) preinstall(ctx context.Context, emu *fcemu.Emulator) error {
	p := r.plan
	return r.rep.Stage("preinstalled modules", func() error {
		dists, complete := fcruntime.Preinstalled(p.Runtime.Name)
		dir, stamp, err := r.fillPreinstalled(ctx, dists)
		if err != nil {
			return fmt.Errorf("FC's preinstalled modules for the emulator's %s: %w", p.Runtime.Name, err)
		}
		if err := emu.SetPreinstalled(p.Runtime.Name, dir); err != nil {
			return err
		}
		r.logf("the emulator's %s has FC's preinstalled modules: %s", p.Runtime.Name, strings.Join(stamp.Installed, " "))
		if !complete {
			r.rep.Annotate(report.Annotation{Level: report.LevelNotice, Title: "--local: preinstalled modules",
				Message: fmt.Sprintf("FC's list of %s's preinstalled modules is incomplete in the sources this action knows (%s): the emulator has what is listed, with its dependencies", p.Runtime.Name, fcruntime.PreinstalledSource)})
		}
		if len(stamp.Missing) > 0 {
			var notFound, other []string
			for _, d := range dists {
				why, ok := stamp.Missing[d.Name+"=="+d.Version]
				switch {
				case !ok:
				case why == notFoundReason:
					notFound = append(notFound, d.Name+" "+d.Version)
				default:
					other = append(other, d.Name+" "+d.Version+" ("+why+")")
				}
			}
			var what []string
			if len(notFound) > 0 {
				what = append(what, strings.Join(notFound, ", ")+" (no such wheel on the configured index or find-links)")
			}
			what = append(what, other...)
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "--local: preinstalled modules missing",
				Message: fmt.Sprintf("FC's %s preinstalls these, but the emulator lacks them: %s. "+
					"Code that imports them fails with --local although it works on FC; add wheels of these versions to find-links (or an index) to run it locally",
					p.Runtime.Name, strings.Join(what, "; "))})
		}
		return nil
	})
}

// fillPreinstalled returns the folder holding dists for the plan's target, filling it
// unless a folder for the same list, target and package sources is there already.
func (r *runner) fillPreinstalled(ctx context.Context, dists []fcruntime.Dist) (string, preinstalledStamp, error) {
	p := r.plan
	key, err := json.Marshal([]any{p.Runtime.Name, p.Target.String(), dists, p.Sources})
	if err != nil {
		return "", preinstalledStamp{}, err
	}
	sum := sha256.Sum256(key)
	root := filepath.Join(p.Config.Workspace, ".lithops-runtime", "emulator", "preinstalled", p.Runtime.Name)
	dir := filepath.Join(root, hex.EncodeToString(sum[:])[:16])
	var stamp preinstalledStamp
	if data, err := os.ReadFile(dir + ".json"); err == nil && json.Unmarshal(data, &stamp) == nil {
		if _, err := os.Stat(dir); err == nil {
			r.logf("FC's preinstalled modules for %s: reusing %s", p.Runtime.Name, p.Config.Rel(dir))
			return dir, stamp, nil
		}
	}
	client, err := r.indexClient()
	if err != nil {
		return "", stamp, err
	}
	res, missing, err := r.resolvePreinstalled(ctx, client, dists)
	if err != nil {
		return "", stamp, err
	}
	stamp.Missing = missing
	// FC installed them for its runtime's own glibc, whatever the platform input says.
	platform, err := tags.ParseTarget(p.Runtime.Python, p.Runtime.Glibc)
	if err != nil {
		return "", stamp, err
	}
	in := build.Input{NoLithops: true, Target: platform}
	if res != nil {
		in.Wheels = make([]build.Wheel, len(res.Dists))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(fetchWorkers)
		for i, d := range res.Dists {
			stamp.Installed = append(stamp.Installed, d.Display+"=="+d.Version.String())
			g.Go(func() error {
				var err error
				in.Wheels[i], err = r.fetchWheel(gctx, client, d.Display, d.Version, d.Wheel)
				return err
			})
		}
		if err := g.Wait(); err != nil {
			return "", stamp, err
		}
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		return "", stamp, err
	}
	tmp, err := os.MkdirTemp(root, ".fill-")
	if err != nil {
		return "", stamp, err
	}
	defer os.RemoveAll(tmp)
	target := filepath.Join(tmp, "site-packages")
	if err := os.Mkdir(target, 0o755); err != nil {
		return "", stamp, err
	}
	if len(in.Wheels) > 0 {
		in.OutDir = tmp
		// FC's runtime holds these outside the code package: no size budget applies.
		pkg, err := build.Assemble(ctx, in, build.WithCodeLimits(fcruntime.CodeLimits{InlineBase64: 1 << 62, OSS: 1 << 62}))
		if err != nil {
			return "", stamp, err
		}
		data, err := os.ReadFile(pkg.ZipPath)
		if err != nil {
			return "", stamp, err
		}
		if err := pyrun.Extract(data, target); err != nil {
			return "", stamp, err
		}
	}
	os.RemoveAll(dir)
	if err := os.Rename(target, dir); err != nil {
		return "", stamp, err
	}
	data, _ := json.MarshalIndent(stamp, "", "  ")
	if err := os.WriteFile(dir+".json", data, 0o644); err != nil {
		return "", stamp, err
	}
	return dir, stamp, nil
}

// resolvePreinstalled resolves dists (pinned to FC's versions) for the plan's target.
// What cannot be resolved is left out and returned with the reason: first the
// distributions that fail alone, then, if the rest still fail together, all of them.
func (r *runner) resolvePreinstalled(ctx context.Context, client *index.Client, dists []fcruntime.Dist) (*resolve.Result, map[string]string, error) {
	p := r.plan
	missing := map[string]string{}
	var roots []resolve.Requirement
	for _, d := range dists {
		req, err := pep508.ParseRequirement(d.Name + "==" + d.Version)
		if err != nil {
			return nil, nil, fmt.Errorf("preinstalled %s %s: %w", d.Name, d.Version, err)
		}
		roots = append(roots, resolve.Requirement{Requirement: req, Origin: "FC " + p.Runtime.Name + " preinstalled"})
	}
	// FC installed them for its runtime's own glibc, whatever the platform input says.
	target := p.Target
	if p.Glibc != p.Runtime.Glibc {
		full := p.Python.Full
		if full == "" {
			full = p.Runtime.Python
		}
		t, err := resolve.NewTarget(full, p.Runtime.Glibc)
		if err != nil {
			return nil, nil, err
		}
		target = t
	}
	try := func(reqs []resolve.Requirement) (*resolve.Result, error) {
		return resolve.Resolve(ctx, client, target, resolve.Request{Requirements: reqs})
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
