package image

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
)

// Input is everything that goes into a runtime image besides its base.
type Input struct {
	// Python is the Lithops client's major.minor; the base image must have that CPython.
	Python string
	// Lithops is the lithops wheel: its lithops/ package and its container entry point go
	// to /function, as Lithops' image unzips them there (its client dependencies are not
	// installed, as in Lithops' image).
	Lithops build.Wheel
	// Runtime is what the entry point needs: Lithops.ContainerModules() (gunicorn, flask,
	// gevent, the worker modules, ...) resolved with their dependencies for the image's
	// Python and glibc. Installed into site-packages in the first layer.
	Runtime []build.Wheel
	// Wheels are the user's requirements, resolved, without the distributions of
	// Runtime. Installed into site-packages in the second layer (none: no layer).
	Wheels []build.Wheel
	// LithopsVersion, when set, must equal the lithops wheel's __version__.
	LithopsVersion string
}

// Layer names, as Result.Layers and error messages use them.
const (
	LayerRuntime      = "runtime"
	LayerRequirements = "requirements"
)

// Result is a built image. Its layers are read from spool files until Close.
type Result struct {
	Image          v1.Image
	Digest         v1.Hash // of the image manifest
	LithopsVersion string  // the lithops wheel's __version__
	Python         Python
	Glibc          tags.Glibc
	Layers         []LayerInfo // the layers Build added, in order
	Distributions  []Distribution
	Warnings       []string
	spool          []string
}

// LayerInfo describes one added layer.
type LayerInfo struct {
	Name         string // LayerRuntime or LayerRequirements
	Digest       v1.Hash
	DiffID       v1.Hash
	Size         int64 // compressed
	Uncompressed int64
	Files        int
}

// Distribution is one wheel's share of the image.
type Distribution struct {
	Name, Version, Filename, Tag string
	Layer                        string
	Files                        int
	Size                         int64    // uncompressed bytes of its files
	TopLevel                     []string // importable top-level names it installs
}

// Close removes the spooled layers; the Image cannot be pushed or written after.
func (r *Result) Close() error {
	var errs []error
	for _, f := range r.spool {
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	r.spool = nil
	return errors.Join(errs...)
}

// Build assembles the runtime image on base: one layer with Lithops, its container entry
// point and in.Runtime, one with in.Wheels, each installed raw by internal/build's layout
// rules (dist-info kept, bytecode, scripts and headers dropped, RECORD rewritten), every
// ELF file checked against the image's glibc and x86_64, and the configuration of
// Lithops' image: `{python} -m gunicorn --bind 0.0.0.0:9000 ...`, APP_HOME and CAPort,
// working folder /function. The same base and inputs give the same digest.
func Build(ctx context.Context, base *Base, in Input, opts ...Option) (_ *Result, err error) {
	cfg := newConfig(opts)
	py, err := base.Python(in.Python)
	if err != nil {
		return nil, err
	}
	b := &builder{cfg: cfg, base: base, py: py, in: in}
	defer b.close()
	res, err := b.run(ctx)
	if err != nil {
		return nil, fmt.Errorf("build runtime image: %w", err)
	}
	return res, nil
}

type wheel struct {
	w     build.Wheel
	m     *build.Manifest
	f     *os.File
	layer string
}

type builder struct {
	cfg      config
	base     *Base
	py       Python
	in       Input
	lithops  *wheel
	wheels   []*wheel // Runtime then Wheels
	warnings []string
	spool    []string
}

func (b *builder) close() {
	for _, w := range append([]*wheel{b.lithops}, b.wheels...) {
		if w != nil && w.f != nil {
			w.f.Close()
		}
	}
}

func (b *builder) run(ctx context.Context) (*Result, error) {
	if err := b.load(ctx); err != nil {
		return nil, err
	}
	version, err := build.LithopsVersion(b.lithops.f, b.lithops.m)
	if err != nil {
		return nil, err
	}
	if b.in.LithopsVersion != "" && version != b.in.LithopsVersion {
		return nil, fmt.Errorf("the lithops wheel %s has __version__ %q but lithops-version is %q; they must be equal (Lithops refuses a runtime whose version differs from the client's)",
			b.lithops.w.Filename, version, b.in.LithopsVersion)
	}
	if l, err := lithops.New(version); err != nil {
		return nil, err
	} else if err := l.ContainerSupported(); err != nil {
		return nil, err
	}
	if err := b.checkELF(); err != nil {
		return nil, err
	}
	layers, dists, err := b.plan()
	if err != nil {
		return nil, err
	}
	res, err := b.write(ctx, layers)
	if err != nil {
		return nil, err
	}
	res.LithopsVersion, res.Python, res.Glibc, res.Distributions = version, b.py, b.base.Glibc, dists
	sort.Strings(b.warnings)
	res.Warnings = b.warnings
	return res, nil
}

// load opens every wheel with its (checked) manifest and refuses a distribution given
// twice or a lithops wheel in the wrong place.
func (b *builder) load(ctx context.Context) error {
	if b.in.Lithops.Path == "" {
		return errors.New("no lithops wheel given")
	}
	if pep508.NormalizeName(b.in.Lithops.Name) != "lithops" {
		return fmt.Errorf("Input.Lithops is %s, not a lithops wheel", b.in.Lithops.Name)
	}
	b.lithops = &wheel{w: b.in.Lithops, layer: LayerRuntime}
	seen := map[string]string{"lithops": LayerRuntime}
	for _, group := range []struct {
		layer  string
		wheels []build.Wheel
	}{{LayerRuntime, b.in.Runtime}, {LayerRequirements, b.in.Wheels}} {
		for _, w := range group.wheels {
			k := pep508.NormalizeName(w.Name)
			if k == "lithops" {
				return errors.New("a lithops wheel is among the other wheels; pass it as Input.Lithops only")
			}
			if prev, dup := seen[k]; dup {
				return fmt.Errorf("distribution %s is given twice (in the %s and %s wheels): the resolver must pick one wheel per distribution, and the requirements layer leaves out what the runtime layer has", w.Name, prev, group.layer)
			}
			seen[k] = group.layer
			b.wheels = append(b.wheels, &wheel{w: w, layer: group.layer})
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, w := range append([]*wheel{b.lithops}, b.wheels...) {
		if w.w.Filename == "" {
			w.w.Filename = path.Base(w.w.Path)
		}
		g.Go(func() error {
			var err error
			w.f, w.m, err = build.Load(gctx, w.w)
			return err
		})
	}
	return g.Wait()
}

// checkELF checks every ELF file of every wheel with the zip mode's check, against the
// base image's glibc.
func (b *builder) checkELF() error {
	target, err := tags.ParseTarget(b.py.Version, b.base.Glibc)
	if err != nil {
		return err
	}
	var vs []build.ELFViolation
	for _, w := range append([]*wheel{b.lithops}, b.wheels...) {
		for i := range w.m.Entries {
			e := &w.m.Entries[i]
			if e.ELF == nil {
				continue
			}
			for _, p := range e.ELF.Problems(target.Glibc) {
				vs = append(vs, build.ELFViolation{Distribution: w.m.Name, Version: w.m.Version, File: e.Name, Problem: p})
			}
		}
	}
	if len(vs) > 0 {
		return fmt.Errorf("base image %s (%s, glibc %s): %w", b.base.Ref, b.base.OS.PrettyName, b.base.Glibc, &build.ELFError{Target: target, Violations: vs})
	}
	return nil
}

// plan lays out the two layers' files and refuses collisions in site-packages.
func (b *builder) plan() (map[string][]layerFile, []Distribution, error) {
	layers := map[string][]layerFile{}
	ld, err := b.planLithops(layers)
	if err != nil {
		return nil, nil, err
	}
	dists, err := b.planWheels(layers)
	if err != nil {
		return nil, nil, err
	}
	dists = append(dists, ld)
	sort.Slice(dists, func(i, j int) bool { return pep508.NormalizeName(dists[i].Name) < pep508.NormalizeName(dists[j].Name) })
	return layers, dists, nil
}

// planLithops adds Lithops to the runtime layer: the lithops/ package and the entry
// point in /function (DEFAULT_DOCKERFILE unzips Lithops' handler zip there: lithops/
// without __pycache__, and container_entry_point.py at the top).
func (b *builder) planLithops(layers map[string][]layerFile) (Distribution, error) {
	app := strings.TrimPrefix(lithops.ContainerAppHome, "/")
	files, err := b.lithops.m.Installed()
	if err != nil {
		return Distribution{}, err
	}
	ld := Distribution{Name: b.lithops.m.Name, Version: b.lithops.m.Version, Filename: b.lithops.w.Filename, Tag: b.lithops.w.Tag.String(), Layer: LayerRuntime,
		TopLevel: []string{"container_entry_point", "lithops"}}
	var entryPoint *build.InstalledFile
	for _, f := range files {
		if f.Path == lithops.ContainerEntryPointSource {
			entryPoint = &f
		}
		if !strings.HasPrefix(f.Path, "lithops/") {
			continue
		}
		layers[LayerRuntime] = append(layers[LayerRuntime], b.file(b.lithops, f, app+"/"+f.Path))
		ld.Files++
		ld.Size += f.Size()
	}
	if entryPoint == nil {
		return Distribution{}, fmt.Errorf("wheel %s has no %s: this lithops has no custom-container entry point (Lithops >= 3.7.0 has)", b.lithops.w.Filename, lithops.ContainerEntryPointSource)
	}
	layers[LayerRuntime] = append(layers[LayerRuntime], b.file(b.lithops, *entryPoint, app+"/container_entry_point.py"))
	return ld, nil
}

// planWheels adds every wheel's files to its layer, in site-packages. A path two
// wheels install is kept once when the content is the same and refused otherwise.
func (b *builder) planWheels(layers map[string][]layerFile) ([]Distribution, error) {
	site := strings.TrimPrefix(b.py.SitePackages, "/")
	owners := map[string]fileOwner{}
	var dists []Distribution
	for _, w := range b.wheels {
		files, err := w.m.Installed()
		if err != nil {
			return nil, err
		}
		d := Distribution{Name: w.m.Name, Version: w.m.Version, Filename: w.w.Filename, Tag: w.w.Tag.String(), Layer: w.layer, TopLevel: w.m.TopLevel}
		for _, f := range files {
			if prev, ok := owners[f.Path]; ok {
				if prev.f.Entry != nil && f.Entry != nil && prev.f.Entry.Hash == f.Entry.Hash && prev.f.Entry.Size == f.Entry.Size {
					b.warnings = append(b.warnings, fmt.Sprintf("%s and %s both install %s with identical content; kept once (from %s)", prev.w.m.Name, w.m.Name, f.Path, prev.w.m.Name))
					continue
				}
				return nil, fmt.Errorf("%s %s and %s %s both install %s with different content: pick compatible versions",
					prev.w.m.Name, prev.w.m.Version, w.m.Name, w.m.Version, f.Path)
			}
			owners[f.Path] = fileOwner{w, f}
			layers[w.layer] = append(layers[w.layer], b.file(w, f, site+"/"+f.Path))
			d.Files++
			d.Size += f.Size()
		}
		dists = append(dists, d)
	}
	return dists, fileFolderClash(owners)
}

// fileOwner is the wheel that installs a file.
type fileOwner struct {
	w *wheel
	f build.InstalledFile
}

// fileFolderClash refuses a path that is a file for one distribution and a folder for
// another: it cannot be unpacked.
func fileFolderClash(owners map[string]fileOwner) error {
	for p, o := range owners {
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			if other, ok := owners[d]; ok {
				return fmt.Errorf("%s installs the file %s, but %s installs %s inside a folder of that name", other.w.m.Name, d, o.w.m.Name, p)
			}
		}
	}
	return nil
}

func (b *builder) file(w *wheel, f build.InstalledFile, dest string) layerFile {
	return layerFile{path: dest, mode: f.Mode(), size: f.Size(), from: w.m.Name + " " + w.m.Version,
		open: func() io.ReadCloser { return f.Open(w.f) }}
}

// layerMediaType matches the base manifest's flavour: registries refuse Docker layers in
// OCI manifests and the other way round.
func layerMediaType(img v1.Image) (types.MediaType, error) {
	mt, err := img.MediaType()
	if err != nil {
		return "", err
	}
	if mt == types.DockerManifestSchema2 {
		return types.DockerLayer, nil
	}
	return types.OCILayer, nil
}

// write spools the layers (in parallel) and composes the image.
func (b *builder) write(ctx context.Context, files map[string][]layerFile) (*Result, error) {
	mt, err := layerMediaType(b.base.Image)
	if err != nil {
		return nil, fmt.Errorf("base image %s: %w", b.base.Ref, err)
	}
	names := []string{LayerRuntime}
	if len(files[LayerRequirements]) > 0 {
		names = append(names, LayerRequirements)
	}
	spooled, err := b.spoolLayers(ctx, names, files, mt)
	res := &Result{}
	for _, l := range spooled {
		if l != nil {
			res.spool = append(res.spool, l.file)
		}
	}
	if err != nil {
		res.Close()
		return nil, err
	}
	adds := make([]mutate.Addendum, len(names))
	for i, n := range names {
		l := spooled[i]
		adds[i] = mutate.Addendum{Layer: l, MediaType: mt, History: v1.History{
			Created:   v1.Time{Time: fixedTime},
			CreatedBy: b.cfg.createdBy + ": " + n + " layer",
			Comment:   fmt.Sprintf("%d files", l.files),
		}}
		res.Layers = append(res.Layers, LayerInfo{Name: n, Digest: l.digest, DiffID: l.diffID, Size: l.size, Uncompressed: l.uncompressed, Files: l.files})
	}
	img, err := mutate.Append(b.base.Image, adds...)
	if err == nil {
		img, err = b.configure(img)
	}
	if err == nil {
		res.Digest, err = img.Digest()
	}
	if err != nil {
		res.Close()
		return nil, err
	}
	res.Image = img
	return res, nil
}

// spoolLayers writes the named layers side by side; what was written is returned with the
// first error too, so the caller removes it.
func (b *builder) spoolLayers(ctx context.Context, names []string, files map[string][]layerFile, mt types.MediaType) ([]*spooledLayer, error) {
	spooled := make([]*spooledLayer, len(names))
	g, gctx := errgroup.WithContext(ctx)
	for i, n := range names {
		g.Go(func() error {
			l, err := writeLayer(gctx, b.cfg.workDir, files[n], b.cfg.level, mt)
			if err != nil {
				return fmt.Errorf("%s layer: %w", n, err)
			}
			spooled[i] = l
			return nil
		})
	}
	return spooled, g.Wait()
}

// configure sets what Lithops' DEFAULT_DOCKERFILE sets: the environment (APP_HOME,
// CAPort), the working folder and the command. The command runs gunicorn as a module of
// the image's own interpreter (no shell, and no console script: wheels' scripts are not
// installed), on port 9000 as CAPort says.
func (b *builder) configure(img v1.Image) (v1.Image, error) {
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	env := cf.Config.Env
	for _, kv := range lithops.ContainerEnv() {
		k, _, _ := strings.Cut(kv, "=")
		env = setEnv(env, k, kv)
	}
	cf.Config.Env = env
	cf.Config.WorkingDir = lithops.ContainerAppHome
	cf.Config.Entrypoint = nil
	cf.Config.Cmd = append([]string{b.py.Interpreter}, lithops.ContainerCommand()...)
	cf.Created = v1.Time{Time: fixedTime}
	return mutate.ConfigFile(img, cf)
}

// setEnv replaces the variable k in env, or appends it.
func setEnv(env []string, k, kv string) []string {
	out := make([]string, 0, len(env)+1)
	done := false
	for _, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			if !done {
				out = append(out, kv)
				done = true
			}
			continue
		}
		out = append(out, e)
	}
	if !done {
		out = append(out, kv)
	}
	return out
}
