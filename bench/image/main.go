// Command image measures the action's custom-container image build against the way
// Lithops 3.7 builds one, side by side in one run, on the real-world wheelhouse (the
// wheels installed for python3, repacked by ../shared/tools/repack-installed-wheels)
// served on loopback:
//
//	go run ./bench/image [-runs 5] [-docker auto|on|off] [-set 'web=Flask requests PyYAML' ...]
//
// Both sides install each -set (default: web = Flask requests PyYAML; big = cfn-lint
// boto3 Flask) plus what Lithops' DEFAULT_DOCKERFILE installs (lithops.ContainerModules),
// and lithops itself as Lithops' image has it (its package and container_entry_point.py
// in /function). The sides:
//
//   - ours: the action binary, a dry run with deploy-mode container (resolve, fetch,
//     both layers built, image.tar written), median of -runs with its caches filled. It
//     runs with --local so that the base is the one standing for this machine (its
//     glibc, CPython python3's version): no base image is pulled on either side;
//   - docker (when a Docker daemon answers, or -docker on): `docker build --no-cache` of
//     Lithops' own Dockerfile for the set (FROM python:X.Y-slim-bookworm, then
//     DEFAULT_DOCKERFILE read from Lithops 3.7.0's config.py, then the set's pip install,
//     as aliyun_fc.py build_runtime writes it). It needs Docker Hub and PyPI: its wheels
//     are PyPI's, not the wheelhouse's, so its distributions are not compared;
//   - otherwise pip: what that Dockerfile's RUN pip install does, `python3 -m pip
//     install --target DIR -r R --no-compile` from the same index with its HTTP cache
//     filled, lithops and the entry point copied in, plus the layer a build writes of it,
//     `tar -czf layer.tar.gz -C DIR .`; median of -runs. Before timings count, both sides
//     must have installed the same distributions at the same versions (our image.tar's
//     .dist-info folders against pip's), or the program fails.
//
// Where the wheelhouse lacks a container module (gunicorn, gevent, redis, oss2, pika,
// tblib, ps-mem, psutil here), the FIXTURE stand-in of internal/image/imagetest is
// served, to both sides. Run it from the module root; it needs python3 with pip and tar.
package main

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lithops-fc/runtime-action/bench/measure"
	"github.com/lithops-fc/runtime-action/bench/wheelhouse"
	"github.com/lithops-fc/runtime-action/internal/image/imagetest"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/piptest"
)

const lithopsVersion = "3.7.0"

type bench struct {
	runs       int
	docker     string
	hostPython string
	python     string // its major.minor
	tool       string
	tmp        string
	action     string
	indexURL   string
	lithopsW   string // the FIXTURE lithops wheel
	mirror     string // Lithops' source, for the Dockerfile
}

func main() {
	measure.Launcher()
	b := &bench{}
	var sets wheelhouse.Sets
	flag.IntVar(&b.runs, "runs", 5, "runs of each side per set (medians)")
	flag.StringVar(&b.docker, "docker", "auto", "auto (docker build when `docker info` answers), on, or off (the pip baseline)")
	flag.StringVar(&b.hostPython, "host-python", "python3", "the Python whose installed wheels make the wheelhouse and which runs pip")
	flag.StringVar(&b.tool, "repack-tool", wheelhouse.DefaultTool, "repack-installed-wheels")
	flag.StringVar(&b.mirror, "lithops-src", "/work/.mirror/lithops-cloud+lithops/repo", "a git folder of Lithops' source, for DEFAULT_DOCKERFILE (docker side)")
	flag.Var(&sets, "set", "NAME=REQUIREMENTS, repeatable")
	flag.Parse()
	if len(sets) == 0 {
		sets = wheelhouse.Sets{{Name: "web", Reqs: []string{"Flask", "requests", "PyYAML"}}, {Name: "big", Reqs: []string{"cfn-lint", "boto3", "Flask"}}}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := b.run(ctx, sets); err != nil {
		log.Fatal(err)
	}
}

// row is one set's measurements.
type row struct {
	name           string
	dists          int
	ours, theirs   []measure.Run
	image, layer   int64 // bytes of image.tar, and of the other side's layer (pip) or image (docker)
	theirsCaptured string
}

func (b *bench) run(ctx context.Context, sets wheelhouse.Sets) error {
	var err error
	if b.tmp, err = os.MkdirTemp("", "bench-image-"); err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	out, err := exec.CommandContext(ctx, b.hostPython, "-c", `import sys; print("%d.%d" % sys.version_info[:2])`).Output()
	if err != nil {
		return fmt.Errorf("%s: %w", b.hostPython, err)
	}
	b.python = strings.TrimSpace(string(out))
	useDocker := b.docker == "on" || b.docker == "auto" && exec.CommandContext(ctx, "docker", "info").Run() == nil
	if err := b.buildAction(ctx); err != nil {
		return err
	}
	if err := b.makeIndex(ctx); err != nil {
		return err
	}
	floor, err := measure.Command(ctx, exec.Command("true"))
	if err != nil {
		return err
	}
	other := "pip install --target + tar -czf (no Docker daemon)"
	if useDocker {
		other = "docker build --no-cache of Lithops' Dockerfile (PyPI's wheels)"
	}
	fmt.Printf("max RSS floor: %s; target CPython %s on this machine's glibc (--local base); baseline: %s\n", measure.MB(floor.MaxRSS), b.python, other)

	var rows []row
	for _, s := range sets {
		r, err := b.compare(ctx, s.Name, s.Reqs, useDocker)
		if err != nil {
			return fmt.Errorf("set %s: %w", s.Name, err)
		}
		rows = append(rows, r)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "set\tdists\tours\tpeak RSS\timage.tar\t%s\tpeak RSS\toutput\tratio\t\n", map[bool]string{true: "docker build", false: "pip + tar"}[useDocker])
	for _, r := range rows {
		o, t := measure.Median(measure.Walls(r.ours)), measure.Median(measure.Walls(r.theirs))
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.1fx\t\n", r.name, r.dists, measure.MS(o), measure.MB(measure.Median(measure.RSS(r.ours))),
			measure.MB(r.image), measure.MS(t), measure.MB(measure.Median(measure.RSS(r.theirs))), measure.MB(r.layer), float64(t)/float64(o))
	}
	return tw.Flush()
}

// buildAction builds the action binary once, from the module root, where the repack
// tool's relative path starts.
func (b *bench) buildAction(ctx context.Context) error {
	var root string
	var err error
	if b.action, root, err = measure.BuildAction(ctx, b.tmp); err != nil {
		return err
	}
	if !filepath.IsAbs(b.tool) {
		b.tool = filepath.Join(root, b.tool)
	}
	return nil
}

// makeIndex serves the wheelhouse with the FIXTURE lithops (its container entry point
// included) and the container modules it lacks.
func (b *bench) makeIndex(ctx context.Context) error {
	src := filepath.Join(b.tmp, "wheelhouse")
	summary, err := wheelhouse.Repack(ctx, b.tool, src, b.hostPython)
	if err != nil {
		return err
	}
	projects, err := wheelhouse.Projects(src)
	if err != nil {
		return err
	}
	dir := filepath.Join(b.tmp, "index")
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return err
	}
	wheels, _ := filepath.Glob(filepath.Join(src, "files", "*.whl"))
	for _, w := range wheels {
		if _, _, err := wheelhouse.Prepare(w, files, "", ""); err != nil {
			return err
		}
	}
	have := map[string]bool{}
	for _, p := range projects {
		have[p] = true
	}
	names := []string{"lithops"}
	if b.lithopsW, err = imagetest.Lithops(lithopsVersion, "").Write(files); err != nil {
		return err
	}
	for _, w := range imagetest.ContainerModules(lithopsVersion) {
		if !have[pep508.NormalizeName(w.Name)] {
			if _, err := w.Write(files); err != nil {
				return err
			}
			names = append(names, w.Name)
		}
	}
	fmt.Printf("wheelhouse (%s): %s; FIXTURE %s\n", b.hostPython, summary, strings.Join(names, " "))
	if err := wheelhouse.WriteIndex(dir); err != nil {
		return err
	}
	b.indexURL, err = wheelhouse.Serve(ctx, dir)
	return err
}

// compare measures one set: a first run of each side fills its caches, then -runs
// each, alternating.
func (b *bench) compare(ctx context.Context, name string, reqs []string, useDocker bool) (row, error) {
	r := row{name: name}
	dir := filepath.Join(b.tmp, "sets", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return r, err
	}
	// The set, then what Lithops' Dockerfile installs: our dry run adds the latter itself.
	user := filepath.Join(dir, "requirements.txt")
	if err := os.WriteFile(user, []byte(strings.Join(reqs, "\n")+"\n"), 0o644); err != nil {
		return r, err
	}
	all := filepath.Join(dir, "all.txt")
	if err := os.WriteFile(all, []byte(strings.Join(append(append([]string{}, reqs...), mustLithops().ContainerModules()...), "\n")+"\n"), 0o644); err != nil {
		return r, err
	}
	cache, pipCache := filepath.Join(dir, "cache"), filepath.Join(dir, "pip-cache")
	for i := 0; i <= b.runs; i++ {
		o, dists, size, err := b.ours(ctx, user, cache)
		if err != nil {
			return r, err
		}
		var t measure.Run
		var theirs map[string]string
		if useDocker {
			t, size2, err := b.dockerBuild(ctx, user)
			if err != nil {
				return r, err
			}
			r.layer = size2
			if i > 0 {
				r.theirs = append(r.theirs, t)
			}
		} else {
			var layer int64
			t, theirs, layer, err = b.pip(ctx, all, pipCache)
			if err != nil {
				return r, err
			}
			r.layer = layer
			if i == 0 {
				if err := same(dists, theirs); err != nil {
					return r, fmt.Errorf("the two sides installed different distributions: %w", err)
				}
			} else {
				r.theirs = append(r.theirs, t)
			}
		}
		r.dists, r.image = len(dists), size
		if i > 0 { // the first run fills the caches
			r.ours = append(r.ours, o)
		}
	}
	return r, nil
}

func mustLithops() lithops.Lithops {
	l, err := lithops.New(lithopsVersion)
	if err != nil {
		panic(err)
	}
	return l
}

// ours runs the action's container dry run in a fresh workspace with cache as its
// cache-dir, and reads what went into image.tar.
func (b *bench) ours(ctx context.Context, reqs, cache string) (measure.Run, map[string]string, int64, error) {
	ws, err := os.MkdirTemp(b.tmp, "ws-")
	if err != nil {
		return measure.Run{}, nil, 0, err
	}
	defer os.RemoveAll(ws)
	data, err := os.ReadFile(reqs)
	if err != nil {
		return measure.Run{}, nil, 0, err
	}
	if err := os.WriteFile(filepath.Join(ws, "requirements.txt"), data, 0o644); err != nil {
		return measure.Run{}, nil, 0, err
	}
	cmd := exec.Command(b.action, "--local", "--dry-run", "--deploy-mode", "container", "--requirements", "requirements.txt",
		"--python-version", b.python, "--lithops-version", lithopsVersion, "--index-url", b.indexURL, "--cache-dir", cache)
	cmd.Dir = ws
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + b.tmp, "GITHUB_WORKSPACE=" + ws}
	r, err := measure.Command(ctx, cmd)
	if err != nil {
		return r, nil, 0, fmt.Errorf("the action: %w", err)
	}
	path := filepath.Join(ws, ".lithops-runtime", "image.tar")
	st, err := os.Stat(path)
	if err != nil {
		return r, nil, 0, err
	}
	dists, err := imageDists(path)
	return r, dists, st.Size(), err
}

// pip installs the set as the Dockerfile's RUN pip install does, copies lithops in as
// its unzip does, and tars the folder as a build writes a layer.
func (b *bench) pip(ctx context.Context, reqs, cache string) (measure.Run, map[string]string, int64, error) {
	dir, err := os.MkdirTemp(b.tmp, "pip-")
	if err != nil {
		return measure.Run{}, nil, 0, err
	}
	defer os.RemoveAll(dir)
	target := filepath.Join(dir, "site-packages")
	start := time.Now()
	p, err := measure.Command(ctx, exec.Command(b.hostPython, "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
		"--cache-dir", cache, "--target", target, "--index-url", b.indexURL, "-r", reqs))
	if err != nil {
		return p, nil, 0, err
	}
	app := filepath.Join(target, "function") // stands for /function: in the layer, one tar
	if err := unzipLithops(b.lithopsW, app); err != nil {
		return p, nil, 0, err
	}
	layer := filepath.Join(dir, "layer.tar.gz")
	t, err := measure.Command(ctx, exec.Command("tar", "-czf", layer, "-C", target, "."))
	if err != nil {
		return t, nil, 0, err
	}
	installed, err := piptest.Installed(target)
	if err != nil {
		return p, nil, 0, err
	}
	st, err := os.Stat(layer)
	if err != nil {
		return p, nil, 0, err
	}
	return measure.Run{Wall: time.Since(start), MaxRSS: max(p.MaxRSS, t.MaxRSS)}, canonicalAll(installed), st.Size(), nil
}

// dockerBuild builds Lithops' own Dockerfile for the set, as aliyun_fc.py build_runtime
// writes it, and returns the image's size.
func (b *bench) dockerBuild(ctx context.Context, reqs string) (measure.Run, int64, error) {
	dir, err := os.MkdirTemp(b.tmp, "docker-")
	if err != nil {
		return measure.Run{}, 0, err
	}
	defer os.RemoveAll(dir)
	config, err := exec.CommandContext(ctx, "git", "-C", b.mirror, "show", lithopsVersion+":lithops/serverless/backends/aliyun_fc/config.py").Output()
	if err != nil {
		return measure.Run{}, 0, fmt.Errorf("Lithops' config.py from %s: %w", b.mirror, err)
	}
	m := regexp.MustCompile(`(?s)DEFAULT_DOCKERFILE = """(.*?)"""`).FindSubmatch(config)
	if m == nil {
		return measure.Run{}, 0, errors.New("no DEFAULT_DOCKERFILE in Lithops' config.py")
	}
	dockerfile := "FROM python:" + b.python + "-slim-bookworm\n" + string(m[1]) + "COPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return measure.Run{}, 0, err
	}
	data, err := os.ReadFile(reqs)
	if err != nil {
		return measure.Run{}, 0, err
	}
	if err := os.WriteFile(filepath.Join(dir, "requirements.txt"), data, 0o644); err != nil {
		return measure.Run{}, 0, err
	}
	if err := lithopsZip(b.lithopsW, filepath.Join(dir, "lithops_aliyun_fc.zip")); err != nil {
		return measure.Run{}, 0, err
	}
	const tag = "bench-image-lithops:latest"
	r, err := measure.Command(ctx, exec.Command("docker", "build", "--no-cache", "--platform", "linux/amd64", "-q", "-t", tag, dir))
	if err != nil {
		return r, 0, fmt.Errorf("docker build: %w", err)
	}
	out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{.Size}}", tag).Output()
	if err != nil {
		return r, 0, err
	}
	var size int64
	fmt.Sscan(strings.TrimSpace(string(out)), &size)
	return r, size, nil
}

// unzipLithops writes the lithops package and its container entry point into app, as
// Lithops' image has them in /function.
func unzipLithops(wheel, app string) error {
	zr, err := zip.OpenReader(wheel)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		dest := ""
		switch {
		case f.Name == lithops.ContainerEntryPointSource:
			dest = filepath.Join(app, "container_entry_point.py")
		case strings.HasPrefix(f.Name, "lithops/"):
			dest = filepath.Join(app, filepath.FromSlash(f.Name))
		default:
			continue
		}
		if err := extract(f, dest); err != nil {
			return err
		}
	}
	return nil
}

// lithopsZip is the build context's lithops_aliyun_fc.zip: the package and the entry point.
func lithopsZip(wheel, out string) error {
	tmp, err := os.MkdirTemp(filepath.Dir(out), "lithops-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if err := unzipLithops(wheel, tmp); err != nil {
		return err
	}
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(tmp, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(tmp, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if cerr := zw.Close(); err == nil {
		err = cerr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func extract(f *zip.File, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	rc, err := f.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	out, err := os.Create(dest)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, rc)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

var distInfoRE = regexp.MustCompile(`/site-packages/([^/]+)-([^/-]+)\.dist-info/METADATA$`)

// imageDists lists the distributions in an OCI layout tarball's layers (their
// .dist-info folders in site-packages), normalized name → canonical version.
func imageDists(path string) (map[string]string, error) {
	blobs, index, err := readLayout(path)
	if err != nil {
		return nil, err
	}
	var idx struct {
		Manifests []struct{ Digest string } `json:"manifests"`
	}
	if err := json.Unmarshal(index, &idx); err != nil || len(idx.Manifests) != 1 {
		return nil, fmt.Errorf("%s: index.json: %v", path, err)
	}
	var mf struct {
		Layers []struct{ Digest string } `json:"layers"`
	}
	if err := json.Unmarshal(blobs[idx.Manifests[0].Digest], &mf); err != nil {
		return nil, fmt.Errorf("%s: manifest: %w", path, err)
	}
	out := map[string]string{}
	for _, l := range mf.Layers {
		zr, err := gzip.NewReader(strings.NewReader(string(blobs[l.Digest])))
		if err != nil {
			return nil, err
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return nil, err
			}
			if m := distInfoRE.FindStringSubmatch("/" + h.Name); m != nil {
				v, err := canonical(m[2])
				if err != nil {
					return nil, err
				}
				out[pep508.NormalizeName(m[1])] = v
			}
		}
	}
	return out, nil
}

// readLayout reads an OCI layout tarball: its blobs by digest and its index.json.
func readLayout(path string) (map[string][]byte, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	blobs := map[string][]byte{}
	var index []byte
	tr := tar.NewReader(bufio.NewReader(f))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return blobs, index, nil
		}
		if err != nil {
			return nil, nil, err
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			return nil, nil, err
		}
		switch {
		case h.Name == "index.json":
			index = data
		case strings.HasPrefix(h.Name, "blobs/sha256/"):
			blobs["sha256:"+strings.TrimPrefix(h.Name, "blobs/sha256/")] = data
		}
	}
}

func canonical(v string) (string, error) {
	pv, err := pep440.Parse(v)
	if err != nil {
		return "", err
	}
	return pv.String(), nil
}

func canonicalAll(m map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if c, err := canonical(v); err == nil {
			out[pep508.NormalizeName(k)] = c
		} else {
			out[pep508.NormalizeName(k)] = v
		}
	}
	return out
}

// same compares the two sides' distributions; lithops is in neither's site-packages
// (it is in /function).
func same(ours, pip map[string]string) error {
	var diffs []string
	for n, v := range ours {
		if pip[n] != v {
			diffs = append(diffs, fmt.Sprintf("%s: ours %s, pip %q", n, v, pip[n]))
		}
	}
	for n, v := range pip {
		if _, ok := ours[n]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: pip %s, not ours", n, v))
		}
	}
	sort.Strings(diffs)
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "; "))
	}
	return nil
}
