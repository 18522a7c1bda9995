// Command build measures the action's whole dry-run build (plan, resolve, fetch,
// assemble: runtime.zip and pylock.toml) against what a user does today, pip install
// --target then zip -r, side by side in one run, on the real-world wheelhouse (the
// wheels installed for python3, repacked by ../shared/tools/repack-installed-wheels)
// served on loopback:
//
//	go run ./bench/build [-runs 5] [-cold-runs 1] [-large-mb 256] [-workdir /dev/shm]
//	                     [-set small=requests -set 'big=cfn-lint boto3 Flask' ...] [-leave-out a,b]
//
// Each -set NAME=REQ[ REQ...] is one requirement set (default: small = requests,
// big = cfn-lint boto3 Flask). Both sides install the set plus Lithops' worker modules
// (what Lithops' own requirements.txt holds), and lithops itself without its
// dependencies. It prints three tables:
//
//   - warm build, median of -runs: ours is the action binary (go build -o, once) run as
//     a subprocess with --dry-run on a cache-dir filled by a first run, in a fresh
//     workspace; pip is `python3 -m pip install --target DIR -r R --no-compile` with
//     the target's wheel flags and its HTTP cache filled, then the lithops package
//     and entry_point.py copied in (as `lithops runtime build` copies them from the
//     client), then `zip -qr -X runtime.zip .` in DIR;
//   - cold build (empty caches), median of -cold-runs, for information;
//   - peak memory (max RSS) of our build for sets of very different package sizes:
//     the sets above, every project of the wheelhouse at once (but -leave-out), and the small set plus
//     a synthetic wheel of -large-mb megabytes of incompressible data.
//
// Before any timing counts, both sides must have put the same distributions at the
// same versions in the package (our pylock.toml against pip's .dist-info folders),
// or the program fails.
//
// The target: FC runs no Python 3.11 and this machine has wheels for 3.11 only, so the
// target is CPython -python (3.12) on glibc 2.-glibc (31, FC's python3.12, through the
// action's platform input), and every cp311-cp311 wheel of the wheelhouse is retagged cp312
// (file name and WHEEL; bytes otherwise untouched). Nothing imports the packages, so
// the build does the same work as on genuine cp312 wheels. The RECORD rows of files
// edited after installation (this machine's CA bundles, cacert.pem) are rewritten to
// match, or the action would refuse those wheels as tampered with (pip does not check). lithops and the worker
// modules the wheelhouse lacks (pika, tblib, ps-mem, psutil) are the FIXTURE wheels
// of internal/python/wheeltest.
//
// Run it from the module root (it builds "." and finds the repack tool beside the
// repository); it needs python3 with pip, and zip (else python3 -m zipfile).
package main

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/lithops-fc/runtime-action/bench/measure"
	"github.com/lithops-fc/runtime-action/bench/wheelhouse"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/piptest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// largeProject is the synthetic distribution of the memory table.
const largeProject = "bench-large"

// reqSet is a set of requirements the benchmark measures.
type reqSet = wheelhouse.Set

type config struct {
	python      string // target CPython X.Y
	glibc       int    // target glibc 2.N
	lithops     string // Lithops version of the runtime
	runs        int
	coldRuns    int
	largeMB     int
	hostPython  string // whose packages make the wheelhouse, and which runs pip
	wheelhouse  string // a repack-installed-wheels output; empty makes one
	tool        string
	sets        []reqSet
	workdir     string // parent of the work folder; empty is the system's
	keepWorkdir bool
	leaveOut    []string // projects left out of the wheelhouse set (no wheel for the target)
}

func main() {
	measure.Launcher()
	var c config
	var sets wheelhouse.Sets
	flag.StringVar(&c.python, "python", "3.12", "target CPython X.Y; one FC offers for the Lithops version")
	// FC's python3.12 has glibc 2.31, and the action refuses a platform newer than the
	// runtime's: this machine's cryptography wheel (manylinux_2_34) cannot go into any
	// FC runtime, so neither can moto nor joserfc, which require it.
	flag.IntVar(&c.glibc, "glibc", 31, "target glibc 2.N, passed as the platform input manylinux_2_N (at most the FC runtime's)")
	leaveOut := flag.String("leave-out", "cryptography,joserfc,moto", "comma list of projects left out of the wheelhouse set: no wheel for the target, or requiring one that has none")
	flag.StringVar(&c.lithops, "lithops", "3.7.0", "Lithops version (a FIXTURE lithops wheel of that version is served)")
	flag.IntVar(&c.runs, "runs", 5, "timed warm runs per side and set")
	flag.IntVar(&c.coldRuns, "cold-runs", 1, "timed cold runs (empty caches) per side and set")
	flag.IntVar(&c.largeMB, "large-mb", 256, "size of the synthetic wheel of the memory table, in MB; 0 leaves it out")
	flag.StringVar(&c.hostPython, "host-python", "python3", "the Python whose installed packages make the wheelhouse, and which runs pip")
	flag.StringVar(&c.wheelhouse, "wheelhouse", "", "a repack-installed-wheels output folder (default: make one)")
	flag.StringVar(&c.tool, "repack", wheelhouse.DefaultTool, "the repack tool")
	flag.StringVar(&c.workdir, "workdir", "", "where the work folder goes (default: $TMPDIR); /dev/shm takes disk noise out of pip's side")
	flag.BoolVar(&c.keepWorkdir, "keep", false, "keep the work folder (printed) for inspection")
	flag.Var(&sets, "set", "a requirement set NAME=REQ[ REQ...] (repeatable; default small=requests and big=cfn-lint boto3 Flask)")
	flag.Parse()
	c.sets = sets
	if len(c.sets) == 0 {
		c.sets = []reqSet{{Name: "small", Reqs: []string{"requests"}}, {Name: "big", Reqs: []string{"cfn-lint", "boto3", "Flask"}}}
	}
	for _, p := range strings.Split(*leaveOut, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.leaveOut = append(c.leaveOut, pep508.NormalizeName(p))
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, c); err != nil {
		log.Fatal(err)
	}
}

// bench holds what every measurement shares.
type bench struct {
	config
	tmp      string
	action   string // the action binary
	indexURL string
	lithopsW string // the FIXTURE lithops wheel, for the pip side
	zipCmd   func(dir, out string) *exec.Cmd
	zipNote  string
}

// set is a requirement set ready to build.
type set struct {
	reqSet
	file string // requirements.txt: the set plus Lithops' worker modules
}

func run(ctx context.Context, c config) error {
	tmp, err := os.MkdirTemp(c.workdir, "bench-build-")
	if err != nil {
		return err
	}
	if c.keepWorkdir {
		fmt.Printf("work folder: %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	b := &bench{config: c, tmp: tmp}
	b.zipCmd, b.zipNote = zipper(c.hostPython)

	if err := b.buildAction(ctx); err != nil {
		return err
	}
	projects, err := b.makeIndex(ctx)
	if err != nil {
		return err
	}

	var workers []string
	for _, w := range wheeltest.Workers(c.lithops) {
		workers = append(workers, w.Name)
	}
	var sets []set
	for _, rs := range c.sets {
		s, err := b.writeSet(rs, workers)
		if err != nil {
			return err
		}
		sets = append(sets, s)
	}

	floor, err := measure.Command(ctx, exec.Command("true"))
	if err != nil {
		return err
	}
	fmt.Printf("max RSS floor (the launcher's own, see bench/measure): %s\n", measure.MB(floor.MaxRSS))
	fmt.Printf("target: CPython %s, manylinux_2_%d_x86_64 (platform input), Lithops %s; %s; worker modules added to every set: %s\n",
		c.python, c.glibc, c.lithops, b.zipNote, strings.Join(workers, " "))

	var results []*setResult
	for _, s := range sets {
		r, err := b.compare(ctx, s)
		if err != nil {
			return fmt.Errorf("set %s: %w", s.Name, err)
		}
		results = append(results, r)
	}
	printTimes("Warm build (caches filled)", c.runs, results, func(r *setResult) ([]measure.Run, []pipRun) { return r.oursWarm, r.pipWarm })
	printTimes("Cold build (empty caches)", c.coldRuns, results, func(r *setResult) ([]measure.Run, []pipRun) { return r.oursCold, r.pipCold })

	// Peak memory: the sets above, the whole wheelhouse, and a large synthetic package.
	var mem []memRow
	for _, r := range results {
		mem = append(mem, memRow{name: r.name, pkg: r.pkg, warm: r.oursWarm, cold: r.oursCold})
	}
	var all []string
	for _, p := range projects {
		if !slices.Contains(c.leaveOut, p) {
			all = append(all, p)
		}
	}
	extra := []reqSet{{Name: "wheelhouse", Reqs: all}}
	if c.largeMB > 0 {
		extra = append(extra, reqSet{Name: fmt.Sprintf("%s+%dMB", c.sets[0].Name, c.largeMB), Reqs: append(append([]string{}, c.sets[0].Reqs...), largeProject)})
	}
	for _, rs := range extra {
		s, err := b.writeSet(rs, workers)
		if err != nil {
			return err
		}
		row, err := b.memory(ctx, s)
		if err != nil {
			return fmt.Errorf("set %s: %w", s.Name, err)
		}
		mem = append(mem, row)
	}
	printMemory(mem)
	return nil
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

// makeIndex serves the retagged wheelhouse, the FIXTURE lithops, the worker modules
// it lacks and the large synthetic wheel, and returns the wheelhouse's projects.
func (b *bench) makeIndex(ctx context.Context) ([]string, error) {
	src := b.wheelhouse
	if src == "" {
		src = filepath.Join(b.tmp, "wheelhouse")
		summary, err := wheelhouse.Repack(ctx, b.tool, src, b.hostPython)
		if err != nil {
			return nil, err
		}
		fmt.Printf("wheelhouse (%s): %s\n", b.hostPython, summary)
	}
	projects, err := wheelhouse.Projects(src)
	if err != nil {
		return nil, err
	}
	hostTag, err := exec.CommandContext(ctx, b.hostPython, "-c", `import sys; print("cp%d%d" % sys.version_info[:2])`).Output()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", b.hostPython, err)
	}
	from, to := strings.TrimSpace(string(hostTag)), "cp"+strings.ReplaceAll(b.python, ".", "")

	dir := filepath.Join(b.tmp, "index")
	files := filepath.Join(dir, "files")
	if err := os.MkdirAll(files, 0o755); err != nil {
		return nil, err
	}
	wheels, err := filepath.Glob(filepath.Join(src, "files", "*.whl"))
	if err != nil {
		return nil, err
	}
	retagged, rerecorded := 0, []string{}
	for _, w := range wheels {
		_, fixes, err := wheelhouse.Prepare(w, files, from, to)
		if err != nil {
			return nil, err
		}
		if fixes.Retagged {
			retagged++
		}
		rerecorded = append(rerecorded, fixes.Rerecorded...)
	}
	fmt.Printf("index: %d wheels (%d retagged %s → %s; RECORD rows fixed for files edited after install: %s)",
		len(wheels), retagged, from, to, strings.Join(rerecorded, " "))

	have := map[string]bool{}
	for _, p := range projects {
		have[p] = true
	}
	fixtures := []wheeltest.Wheel{wheeltest.Lithops(b.lithops)}
	for _, w := range wheeltest.Workers(b.lithops) {
		if !have[pep508.NormalizeName(w.Name)] {
			fixtures = append(fixtures, w)
		}
	}
	var names []string
	for _, w := range fixtures {
		p, err := w.Write(files)
		if err != nil {
			return nil, fmt.Errorf("fixture %s: %w", w.Name, err)
		}
		if w.Name == "lithops" {
			b.lithopsW = p
		}
		names = append(names, w.Name)
	}
	fmt.Printf(", FIXTURE %s", strings.Join(names, " "))
	if b.largeMB > 0 {
		start := time.Now()
		if _, err := largeWheel(b.largeMB).Write(files); err != nil {
			return nil, fmt.Errorf("synthetic wheel: %w", err)
		}
		fmt.Printf(", synthetic %s (%d MB, made in %s)", largeProject, b.largeMB, time.Since(start).Round(time.Second))
	}
	fmt.Println()
	if err := wheelhouse.WriteIndex(dir); err != nil {
		return nil, err
	}
	b.indexURL, err = wheelhouse.Serve(ctx, dir)
	return projects, err
}

// largeWheel is a pure wheel holding mb megabytes of incompressible data in 16 MB
// files (random bytes from a fixed seed, so deflate cannot shrink them).
func largeWheel(mb int) wheeltest.Wheel {
	w := wheeltest.Wheel{
		Name: largeProject, Version: "1.0",
		Metadata: wheeltest.Metadata{Summary: "FIXTURE: a large synthetic package for bench/build"},
		Files:    map[string][]byte{"bench_large/__init__.py": []byte("FIXTURE = True\n")},
	}
	rng := rand.NewChaCha8([32]byte{})
	for i, left := 0, mb<<20; left > 0; i++ {
		n := min(left, 16<<20)
		data := make([]byte, n)
		rng.Read(data)
		w.Files[fmt.Sprintf("bench_large/blob%03d.bin", i)] = data
		left -= n
	}
	return w
}

// writeSet writes the set's requirements file: its requirements, then the worker
// modules (the file Lithops' docs tell users to extend).
func (b *bench) writeSet(rs reqSet, workers []string) (set, error) {
	dir := filepath.Join(b.tmp, "sets", rs.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return set{}, err
	}
	s := set{reqSet: rs, file: filepath.Join(dir, "requirements.txt")}
	return s, os.WriteFile(s.file, []byte(strings.Join(append(append([]string{}, rs.Reqs...), workers...), "\n")+"\n"), 0o644)
}

// pkgInfo is what a build put in its package.
type pkgInfo struct {
	dists   map[string]string // normalized name → canonical version
	zip     int64             // runtime.zip bytes
	entries int               // runtime.zip entries (ours only)
	wheels  int64             // bytes of the wheels it came from (ours only)
}

// ours runs the action's dry run in a fresh workspace with cache as its cache-dir.
func (b *bench) ours(ctx context.Context, s set, cache string) (measure.Run, pkgInfo, error) {
	ws, err := os.MkdirTemp(b.tmp, "ws-")
	if err != nil {
		return measure.Run{}, pkgInfo{}, err
	}
	defer os.RemoveAll(ws)
	if _, err := copyFile(s.file, filepath.Join(ws, "requirements.txt")); err != nil {
		return measure.Run{}, pkgInfo{}, err
	}
	cmd := exec.Command(b.action, "--dry-run", "--requirements", "requirements.txt",
		"--python-version", b.python, "--lithops-version", b.lithops, "--platform", fmt.Sprintf("manylinux_2_%d", b.glibc),
		"--index-url", b.indexURL, "--cache-dir", cache)
	cmd.Dir = ws
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + b.tmp, "GITHUB_WORKSPACE=" + ws}
	r, err := measure.Command(ctx, cmd)
	if err != nil {
		return r, pkgInfo{}, fmt.Errorf("the action: %w", err)
	}
	info, err := readLock(filepath.Join(ws, ".lithops-runtime", "pylock.toml"))
	if err != nil {
		return r, info, err
	}
	zr, err := zip.OpenReader(filepath.Join(ws, ".lithops-runtime", "runtime.zip"))
	if err != nil {
		return r, info, err
	}
	defer zr.Close()
	info.entries = len(zr.File)
	st, err := os.Stat(filepath.Join(ws, ".lithops-runtime", "runtime.zip"))
	if err != nil {
		return r, info, err
	}
	info.zip = st.Size()
	return r, info, nil
}

func readLock(path string) (pkgInfo, error) {
	var lock struct {
		Packages []struct {
			Name    string `toml:"name"`
			Version string `toml:"version"`
			Wheels  []struct {
				Size int64 `toml:"size"`
			} `toml:"wheels"`
		} `toml:"packages"`
	}
	if _, err := toml.DecodeFile(path, &lock); err != nil {
		return pkgInfo{}, fmt.Errorf("read %s: %w", path, err)
	}
	info := pkgInfo{dists: map[string]string{}}
	for _, p := range lock.Packages {
		v, err := canonical(p.Version)
		if err != nil {
			return info, fmt.Errorf("%s: package %s: %w", path, p.Name, err)
		}
		info.dists[pep508.NormalizeName(p.Name)] = v
		for _, w := range p.Wheels {
			info.wheels += w.Size
		}
	}
	return info, nil
}

func canonical(v string) (string, error) {
	pv, err := pep440.Parse(v)
	if err != nil {
		return "", err
	}
	return pv.String(), nil
}

// pipRun is one baseline build: pip install --target, lithops copied in, zip.
type pipRun struct {
	total, pip, zip measure.Run
}

// pip builds the set the way users do without the action, with cache as pip's cache.
func (b *bench) pip(ctx context.Context, s set, cache string) (pipRun, pkgInfo, error) {
	dir, err := os.MkdirTemp(b.tmp, "pip-")
	if err != nil {
		return pipRun{}, pkgInfo{}, err
	}
	defer os.RemoveAll(dir)
	target := filepath.Join(dir, "target")
	args := append([]string{"-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-compile",
		"--cache-dir", cache, "--target", target, "--index-url", b.indexURL, "-r", s.file},
		piptest.TargetArgs(b.python, b.glibc)...)
	start := time.Now()
	var r pipRun
	if r.pip, err = measure.Command(ctx, exec.Command(b.hostPython, args...)); err != nil {
		return r, pkgInfo{}, err
	}
	// Lithops' own build copies its package and the entry point from the client.
	if err := unzip(b.lithopsW, target); err != nil {
		return r, pkgInfo{}, err
	}
	if _, err := copyFile(filepath.Join(target, "lithops", "serverless", "backends", "aliyun_fc", "entry_point.py"), filepath.Join(target, "entry_point.py")); err != nil {
		return r, pkgInfo{}, err
	}
	zipPath := filepath.Join(dir, "runtime.zip")
	if r.zip, err = measure.Command(ctx, b.zipCmd(target, zipPath)); err != nil {
		return r, pkgInfo{}, err
	}
	r.total = measure.Run{Wall: time.Since(start), MaxRSS: max(r.pip.MaxRSS, r.zip.MaxRSS)}

	info := pkgInfo{dists: map[string]string{}}
	installed, err := piptest.Installed(target)
	if err != nil {
		return r, info, err
	}
	for name, v := range installed {
		if info.dists[name], err = canonical(v); err != nil {
			return r, info, fmt.Errorf("pip installed %s %s: %w", name, v, err)
		}
	}
	st, err := os.Stat(zipPath)
	if err != nil {
		return r, info, err
	}
	info.zip = st.Size()
	return r, info, nil
}

// zipper returns how the baseline zips a folder: Info-ZIP's zip when installed, else
// python3 -m zipfile (Debian images may lack zip).
func zipper(python string) (func(dir, out string) *exec.Cmd, string) {
	if _, err := exec.LookPath("zip"); err == nil {
		return func(dir, out string) *exec.Cmd {
			cmd := exec.Command("zip", "-qr", "-X", out, ".")
			cmd.Dir = dir
			return cmd
		}, "baseline zips with zip -qr -X"
	}
	return func(dir, out string) *exec.Cmd {
		entries, _ := os.ReadDir(dir)
		args := []string{"-m", "zipfile", "-c", out}
		for _, e := range entries {
			args = append(args, e.Name())
		}
		cmd := exec.Command(python, args...)
		cmd.Dir = dir
		return cmd
	}, "zip is not installed: baseline zips with python3 -m zipfile -c"
}

// setResult holds one set's measurements.
type setResult struct {
	name               string
	pkg                pkgInfo // ours
	pipZip             int64
	oursWarm, oursCold []measure.Run
	pipWarm, pipCold   []pipRun
}

// compare checks that both sides build the same set, then times them: cold first
// (the first cold run fills the caches the warm runs use), warm runs interleaved.
func (b *bench) compare(ctx context.Context, s set) (*setResult, error) {
	res := &setResult{name: s.Name}
	oursCache, pipCache := filepath.Join(b.tmp, "cache-"+s.Name), filepath.Join(b.tmp, "pip-cache-"+s.Name)
	for i := range max(b.coldRuns, 1) {
		oc, pc := oursCache, pipCache
		if i > 0 {
			oc, pc = filepath.Join(b.tmp, "cold-cache"), filepath.Join(b.tmp, "cold-pip-cache")
		}
		r, ours, err := b.ours(ctx, s, oc)
		if err != nil {
			return nil, err
		}
		pr, theirs, err := b.pip(ctx, s, pc)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			if err := same(ours.dists, theirs.dists); err != nil {
				return nil, err
			}
			res.pkg, res.pipZip = ours, theirs.zip
			fmt.Printf("set %s (%s): %d distributions, the same versions on both sides; zip %s (ours), %s (pip + zip)\n",
				s.Name, strings.Join(s.Reqs, " "), len(ours.dists), measure.MB(ours.zip), measure.MB(theirs.zip))
		} else {
			os.RemoveAll(oc)
			os.RemoveAll(pc)
		}
		if i < b.coldRuns {
			res.oursCold, res.pipCold = append(res.oursCold, r), append(res.pipCold, pr)
		}
	}
	for range b.runs {
		r, _, err := b.ours(ctx, s, oursCache)
		if err != nil {
			return nil, err
		}
		res.oursWarm = append(res.oursWarm, r)
		pr, _, err := b.pip(ctx, s, pipCache)
		if err != nil {
			return nil, err
		}
		res.pipWarm = append(res.pipWarm, pr)
	}
	return res, nil
}

// same reports how two name → version maps differ, if they do.
func same(ours, pip map[string]string) error {
	var diffs []string
	for n, v := range ours {
		if w, ok := pip[n]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s %s: only ours", n, v))
		} else if w != v {
			diffs = append(diffs, fmt.Sprintf("%s: ours %s, pip %s", n, v, w))
		}
	}
	for n, v := range pip {
		if _, ok := ours[n]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s %s: only pip", n, v))
		}
	}
	if len(diffs) == 0 {
		return nil
	}
	sort.Strings(diffs)
	return errors.New("the builds disagree, timings would mean nothing:\n  " + strings.Join(diffs, "\n  "))
}

func printTimes(title string, runs int, results []*setResult, pick func(*setResult) ([]measure.Run, []pipRun)) {
	if runs == 0 {
		return
	}
	fmt.Printf("\n%s, median of %d run(s)\n", title, runs)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\tdists\tours (dry run)\tours max RSS\tpip + zip\t(pip\tzip)\tpip max RSS\tpip+zip / ours\t")
	for _, r := range results {
		ours, theirs := pick(r)
		var total, pipOnly, zipOnly []measure.Run
		for _, p := range theirs {
			total, pipOnly, zipOnly = append(total, p.total), append(pipOnly, p.pip), append(zipOnly, p.zip)
		}
		o, t := measure.Median(measure.Walls(ours)), measure.Median(measure.Walls(total))
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s)\t%s\t%.1fx\t\n", r.name, len(r.pkg.dists),
			measure.MS(o), measure.MB(measure.Median(measure.RSS(ours))),
			measure.MS(t), "("+measure.MS(measure.Median(measure.Walls(pipOnly))), measure.MS(measure.Median(measure.Walls(zipOnly))),
			measure.MB(measure.Median(measure.RSS(pipOnly))), float64(t)/float64(o))
	}
	tw.Flush()
}

// memRow is one line of the memory table.
type memRow struct {
	name       string
	pkg        pkgInfo
	warm, cold []measure.Run
}

// memory builds s cold once (filling a cache), then warm b.runs times.
func (b *bench) memory(ctx context.Context, s set) (memRow, error) {
	row := memRow{name: s.Name}
	cache := filepath.Join(b.tmp, "cache-"+s.Name)
	defer os.RemoveAll(cache)
	r, info, err := b.ours(ctx, s, cache)
	if err != nil {
		return row, err
	}
	row.pkg, row.cold = info, []measure.Run{r}
	for range max(b.runs, 1) {
		r, _, err := b.ours(ctx, s, cache)
		if err != nil {
			return row, err
		}
		row.warm = append(row.warm, r)
	}
	return row, nil
}

func printMemory(rows []memRow) {
	fmt.Printf("\nPeak memory of our build (max RSS of the process; warm: median, cold: first run)\n")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "set\tdists\twheels\truntime.zip\tzip entries\twarm max RSS\tcold max RSS\twarm time\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t\n", r.name, len(r.pkg.dists), measure.MB(r.pkg.wheels), measure.MB(r.pkg.zip), r.pkg.entries,
			measure.MB(measure.Median(measure.RSS(r.warm))), measure.MB(r.cold[0].MaxRSS), measure.MS(measure.Median(measure.Walls(r.warm))))
	}
	tw.Flush()
}

// unzip extracts a (trusted, self-made) wheel into dir, as an installer would.
func unzip(wheel, dir string) error {
	zr, err := zip.OpenReader(wheel)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, f := range zr.File {
		if !filepath.IsLocal(f.Name) {
			return fmt.Errorf("unzip %s: %q is not a local path", wheel, f.Name)
		}
		p := filepath.Join(dir, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		out, err := os.Create(p)
		if err == nil {
			_, err = io.Copy(out, rc)
			if cerr := out.Close(); err == nil {
				err = cerr
			}
		}
		rc.Close()
		if err != nil {
			return fmt.Errorf("unzip %s: %w", wheel, err)
		}
	}
	return nil
}

func copyFile(src, dst string) (string, error) {
	data, err := os.ReadFile(src)
	if err != nil {
		return "", err
	}
	return dst, os.WriteFile(dst, data, 0o644)
}
