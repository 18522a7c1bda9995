package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/image"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/registry"
	"github.com/lithops-fc/runtime-action/internal/report"
)

// A custom-container runtime (deploy-mode: container, Lithops 3.7's deploy_mode
// custom-container) is built and deployed by these stages in place of the zip's: the
// base image is read before anything is resolved (its glibc is the target's), the image
// stage replaces assemble, the image is pushed by digest before the import check runs
// on it, and it is tagged as Lithops names it once the release is committed.

// containerRun is what the container stages add to the run.
type containerRun struct {
	base         *image.Base
	python       string // the base's interpreter of the client's Python, for the import check
	img          *image.Result
	pinned       string // the image as the functions run it: repository@digest ("" without a registry)
	layout       string // image.tar, written by a dry run
	layoutSHA256 string
	layoutSize   int64
	pushed       *image.Pushed
	lock         string // pylock.toml
	excluded     []string
}

// checkContainer refuses a container runtime with a Lithops that has none: custom-container
// runtimes came with Lithops 3.7, which deploys through FC 3.0.
func checkContainer(cfg inputs.Config, l lithops.Lithops) error {
	if err := l.ContainerSupported(); err != nil {
		return &inputs.Error{Input: "deploy-mode",
			Problem: fmt.Sprintf("deploy-mode container needs Lithops 3.7 or later and FC 3.0 (Lithops' custom-container runtimes are FC 3.0 functions); this run has Lithops %s, which deploys zips through FC %s", l.Version(), l.API()),
			Fix:     "use Lithops 3.7.0 or later (lithops==3.7.0 in the requirements, or lithops-version), or deploy-mode: zip"}
	}
	if cfg.FCAPI == fcruntime.FC2 {
		return &inputs.Error{Input: "deploy-mode",
			Problem: "deploy-mode container needs FC 3.0 (custom-container functions of Lithops 3.7), but fc-api is 2.0",
			Fix:     "remove fc-api (auto follows the Lithops version) or set it to 3.0"}
	}
	return nil
}

// planContainer plans a container runtime: the runtime is FC's custom-container with the
// client's Python (Lithops does not limit it to FC's managed Pythons in this mode); the
// glibc and target wait for the base image.
func (p *Plan) planContainer(getenv func(string) string) error {
	cfg := p.Config
	p.Runtime = fcruntime.Runtime{Name: lithops.ContainerRuntime, Python: p.Python.Version, APIs: []fcruntime.API{fcruntime.FC3}}
	p.BaseImage = cfg.BaseImage
	if p.BaseImage == "" && !cfg.Local {
		p.BaseImage = lithops.DefaultBaseImage(p.Python.Version)
	}
	p.RuntimeName = cfg.RuntimeName
	if p.RuntimeName == "" {
		var err error
		if p.RuntimeName, err = defaultRuntime(p.Lithops, p.Python.Version, cfg.DeployMode); err != nil {
			return err
		}
	}
	if err := p.nameImage(); err != nil {
		return err
	}
	return p.names(getenv)
}

// nameImage names the image as Lithops does (_format_image_name) when the registry is
// known; without one (a dry run) the runtime name is still checked against the image
// name grammar.
func (p *Plan) nameImage() error {
	r := p.Config.Registry
	server, user := r.Server, r.Namespace
	if r.IsZero() {
		server, user = lithops.DefaultDockerServer, "namespace"
	}
	img, err := p.Lithops.ImageName(server, user, p.RuntimeName)
	if err != nil {
		return &inputs.Error{Input: "runtime-name", Problem: err.Error(), Fix: "container runtime names become image names: use lower-case letters, digits and single . _ or - between them"}
	}
	if !r.IsZero() {
		p.Image = img
	}
	return nil
}

// layoutRef is the image's name inside image.tar: Lithops' name, or without a registry
// its repository and tag alone.
func (p *Plan) layoutRef() string {
	if p.Image != "" {
		return p.Image
	}
	return lithops.ImageRepository(p.RuntimeName) + ":" + p.Lithops.ImageTag()
}

// registryNotices warn about a registry FC cannot pull from, as far as FC's documentation
// says (fcruntime.ImagePullProblem); --local's own registry is the emulator's.
func (p *Plan) registryNotices() []report.Annotation {
	r := p.Config.Registry
	if r.IsZero() || r.Server == registry.Host {
		return nil
	}
	if problem := fcruntime.ImagePullProblem(r.Server, p.Config.Region); problem != "" {
		return []report.Annotation{{Level: report.LevelWarning, Title: "registry",
			Message: "input registry: " + problem + ". The functions would fail to start (image pull failed); use a Container Registry namespace in the functions' region, e.g. registry." + or(p.Config.Region, "cn-hangzhou") + ".aliyuncs.com/<namespace> (see the README, Container runtimes)"}}
	}
	return nil
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// imageOptions are the options of every registry call: the registry input's
// credentials, and --local's transport to its own registry.
func (r *run) imageOptions() []image.Option {
	cfg := r.plan.Config
	var opts []image.Option
	if cfg.RegistryPassword != "" {
		opts = append(opts, image.WithKeychain(image.Credentials{cfg.Registry.Server: authn.AuthConfig{Username: cfg.RegistryUser(), Password: cfg.RegistryPassword}}))
	}
	if r.deps.Local != nil {
		if t := r.deps.Local.Transport(); t != nil {
			opts = append(opts, image.WithTransport(t))
		}
	}
	return opts
}

// baseStage reads the base image: its OS, glibc and CPython decide the target, as the
// FC runtime's table does for a zip.
func (r *run) baseStage(ctx context.Context) error {
	p := r.plan
	return r.rep.Stage("base image", func() error {
		var base *image.Base
		var err error
		if p.BaseImage == "" {
			base, err = image.HostBase(ctx, p.Python.Version)
		} else {
			base, err = image.Inspect(ctx, p.BaseImage, r.imageOptions()...)
		}
		if err != nil {
			return baseError(err, p.Config.Local)
		}
		py, err := base.Python(p.Python.Version)
		if err != nil {
			return &inputs.Error{Input: "base-image", Problem: err.Error(),
				Fix: fmt.Sprintf("use a base with CPython %s (the Lithops client's), e.g. %s", p.Python.Version, lithops.DefaultBaseImage(p.Python.Version))}
		}
		p.Glibc = base.Glibc
		if g := p.Config.Platform; g != (tags.Glibc{}) {
			if g.Newer(base.Glibc) {
				return &inputs.Error{Input: "platform",
					Problem: fmt.Sprintf("manylinux_%d_%d needs glibc %s, newer than the glibc %s of the base image %s: its wheels would not load there", g.Major, g.Minor, g, base.Glibc, base.Ref),
					Fix:     fmt.Sprintf("use manylinux_%d_%d or older, or leave platform empty to use the base image's", base.Glibc.Major, base.Glibc.Minor)}
			}
			p.Glibc = g
		}
		if err := p.target(); err != nil {
			return err
		}
		r.ctr.base, r.ctr.python = base, py.Interpreter
		r.logf("base image %s (%s): %s, glibc %s, CPython %s at %s", base.Ref, base.Digest, or(base.OS.PrettyName, base.OS.ID), base.Glibc, py.Version, py.Interpreter)
		return nil
	})
}

// baseError says what to do about a base image that could not be read.
func baseError(err error, local bool) error {
	e := &inputs.Error{Input: "base-image", Problem: err.Error(),
		Fix: "give an image this machine can pull, with a glibc Linux and the client's CPython (the default is python:X.Y-slim-bookworm); a private registry needs registry-username and registry-password for it"}
	if local {
		e.Fix = "--local builds on a base standing for this machine when base-image is empty; set base-image only to an image this machine can pull"
	}
	return e
}

// runtimeModules is where the container's own modules come from in the resolution.
func runtimeModules(l lithops.Lithops) string {
	return "Lithops " + l.Version() + "'s container image (DEFAULT_DOCKERFILE)"
}

// imageStage builds the image on the base: the runtime layer (Lithops, its container
// entry point and what DEFAULT_DOCKERFILE installs, with their dependencies) and the
// requirements layer (the rest of the resolution). A dry run writes it as image.tar.
func (r *run) imageStage(ctx context.Context) error {
	p, set := r.plan, r.set
	return r.rep.Stage("image", func() error {
		runtime, user := r.splitLayers()
		in := image.Input{Python: p.Python.Version, Lithops: set.lithops, Runtime: runtime, Wheels: user, LithopsVersion: p.Lithops.Version()}
		res, err := image.Build(ctx, r.ctr.base, in)
		if err != nil {
			return set.elfFault(err)
		}
		r.ctr.img = res
		r.cleanups = append(r.cleanups, func() { res.Close() })
		for _, w := range res.Warnings {
			r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "runtime image", Message: w})
		}
		// Lithops names functions and the image after the wheel's own __version__.
		if err := p.rename(res.LithopsVersion); err != nil {
			return err
		}
		if p.Image != "" {
			// The repository as Lithops writes it (no docker.io filled in), by digest.
			r.ctr.pinned = strings.TrimSuffix(p.Image, ":"+p.Lithops.ImageTag()) + "@" + res.Digest.String()
		}
		// pylock.toml records what the image holds, as a zip's lock does.
		lock, err := build.Lock(ctx, build.Input{Lithops: set.lithops, Wheels: set.wheels, Exclude: p.Config.Exclude,
			Target: p.Target.Platform, LithopsVersion: p.Lithops.Version(), OutDir: p.Config.OutputDir})
		if err != nil {
			return err
		}
		r.ctr.lock = lock
		if err := r.readBuiltLock(); err != nil {
			return err
		}
		for _, l := range res.Layers {
			r.logf("%s layer: %d files, %s (%s uncompressed), %s", l.Name, l.Files, size(l.Size), size(l.Uncompressed), l.Digest)
		}
		r.logf("image %s: %d distributions", or(r.ctr.pinned, p.layoutRef()+"@"+res.Digest.String()), len(res.Distributions))
		if !p.Config.DryRun {
			return nil
		}
		return r.writeLayout(ctx)
	})
}

// writeLayout writes the image as an OCI layout tarball into the output folder, for a
// pull request to inspect; nothing is pushed.
func (r *run) writeLayout(ctx context.Context) error {
	path := filepath.Join(r.plan.Config.OutputDir, image.LayoutName)
	if err := image.WriteLayout(ctx, r.ctr.img.Image, path, r.plan.layoutRef()); err != nil {
		return fmt.Errorf("write %s: %w", r.plan.Config.Rel(path), err)
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return fmt.Errorf("read %s: %w", r.plan.Config.Rel(path), err)
	}
	r.ctr.layout, r.ctr.layoutSHA256, r.ctr.layoutSize = path, hex.EncodeToString(h.Sum(nil)), n
	r.logf("%s: %s, sha256 %s (an OCI layout: skopeo inspect oci-archive:%s)", r.plan.Config.Rel(path), size(n), r.ctr.layoutSHA256, r.plan.Config.Rel(path))
	return nil
}

// splitLayers parts the fetched wheels: those the container's own modules need (the
// closure of lithops.ContainerModules in the resolution) go to the runtime layer, as
// Lithops' Dockerfile installs them before the requirements; the rest to the
// requirements layer. Excluded distributions go to neither.
func (r *run) splitLayers() (runtime, user []build.Wheel) {
	deps := map[string][]string{}
	for _, d := range r.res.Dists {
		deps[d.Name] = d.Dependencies
	}
	inRuntime := map[string]bool{}
	var visit func(n string)
	visit = func(n string) {
		if inRuntime[n] {
			return
		}
		inRuntime[n] = true
		for _, d := range deps[n] {
			visit(pep508.NormalizeName(d))
		}
	}
	for _, m := range r.plan.Lithops.ContainerModules() {
		if _, ok := deps[pep508.NormalizeName(m)]; ok {
			visit(pep508.NormalizeName(m))
		}
	}
	for _, w := range r.set.wheels {
		n := pep508.NormalizeName(w.Name)
		switch {
		case slices.Contains(r.plan.Config.Exclude, n):
			r.ctr.excluded = append(r.ctr.excluded, n)
		case inRuntime[n]:
			runtime = append(runtime, w)
		default:
			user = append(user, w)
		}
	}
	return runtime, user
}

// pushStage uploads the image by digest: only the blobs the registry lacks (an
// unchanged image uploads none). The tag moves only once the release is committed
// (tagImage), so a failed run leaves it on the image that runs.
func (r *run) pushStage(ctx context.Context) error {
	return r.rep.Stage("push image", func() error {
		p, err := image.Push(ctx, r.ctr.img.Image, r.ctr.pinned, r.imageOptions()...)
		if err != nil {
			return r.registryError(err)
		}
		r.ctr.pushed = p
		layers, err := r.ctr.img.Image.Layers()
		if err != nil {
			return err
		}
		total := len(layers) + 1 // and the config
		switch {
		case p.Blobs == 0:
			r.logf("pushed %s: the registry had every blob, nothing uploaded", p.Ref)
		case p.Blobs < total:
			r.logf("pushed %s: %d blobs uploaded (%s), %d already there", p.Ref, p.Blobs, size(p.Bytes), total-p.Blobs)
		default:
			r.logf("pushed %s: %d blobs uploaded (%s)", p.Ref, p.Blobs, size(p.Bytes))
		}
		return nil
	})
}

// registryError names the inputs to check when the registry refuses the credentials.
func (r *run) registryError(err error) error {
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return &inputs.Error{Input: "registry-password", Problem: fmt.Sprintf("the registry %s refused the push: %v", r.plan.Config.Registry.Server, err),
			Fix: "set registry-username and registry-password to a login that may push to " + r.plan.Config.Registry.String() + " (for Container Registry: the instance's access credentials, user name as shown there)"}
	}
	return err
}

// tagImage moves the tag Lithops names the image by to what now runs, once the release
// is committed. The functions run the image by digest: a failure here is a warning.
func (r *run) tagImage(ctx context.Context) {
	moved, err := image.Tag(ctx, r.ctr.pinned, r.plan.Image, r.imageOptions()...)
	switch {
	case err != nil:
		r.rep.Annotate(report.Annotation{Level: report.LevelWarning, Title: "image tag",
			Message: fmt.Sprintf("the runtime is live (its functions run %s), but the tag %s could not be moved to it: %v", r.ctr.pinned, r.plan.Image, err)})
	case moved:
		r.logf("tagged %s", r.plan.Image)
	}
}

// importModules are the top-level modules the import check imports: those of every
// distribution in the runtime (the image's, or the zip's) except lithops, whose entry
// point the metadata call exercises.
func (r *run) importModules() []string {
	var out []string
	add := func(name string, top []string) {
		if !lithops.Is(name) {
			out = append(out, top...)
		}
	}
	if r.ctr.img != nil {
		for _, d := range r.ctr.img.Distributions {
			add(d.Name, d.TopLevel)
		}
	} else {
		for _, d := range r.pkg.Distributions {
			add(d.Name, d.TopLevel)
		}
	}
	slices.Sort(out)
	return out
}
