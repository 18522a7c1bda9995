package fcemu

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/lithops-fc/runtime-action/internal/fcemu/pyrun"
)

// containerStartTimeout is how long an instance's HTTP server may take to listen (FC's
// limit for custom containers is 120 s).
var containerStartTimeout = 120 * time.Second

// unpacked is an image's filesystem in the cache.
type unpacked struct {
	mu     sync.Mutex // held while unpacking
	root   string
	config v1.Config
	err    error
	ready  bool
}

// containerJob is what a container invocation needs, gathered before it runs.
type containerJob struct {
	key     string // the instance that serves it: function, image digest, command, environment
	fn      string
	argv    []string // the local command; bindPort marks where the remapped port goes
	env     []string
	dir     string
	port    int // customContainerConfig.port
	headers http.Header
	event   []byte
	timeout time.Duration
}

// prepareContainer gathers a custom-container invocation: the image (pulled and unpacked
// once per digest), the local command that stands for the image's, and FC's headers.
func (e *Emulator) prepareContainer(x *exchange, t invokeTarget) (invocationJob, *apiError) {
	job := invocationJob{target: t}
	internal := func(format string, args ...any) (invocationJob, *apiError) {
		return job, errf(http.StatusInternalServerError, "InternalServerError", "fcemu: "+format, args...)
	}
	cc, ok := containerOf(&t.fn)
	if !ok || cc.ResolvedImageURI == "" {
		return internal("function %s has no resolved image", t.fn.Name)
	}
	img, err := e.image(x.r.Context(), cc.ResolvedImageURI)
	if err != nil {
		return internal("image %s: %v", cc.ResolvedImageURI, err)
	}
	args := append(append([]string{}, img.config.Entrypoint...), img.config.Cmd...)
	if len(cc.Entrypoint) > 0 {
		args = append(append([]string{}, cc.Entrypoint...), cc.Command...)
	} else if len(cc.Command) > 0 {
		args = append(append([]string{}, img.config.Entrypoint...), cc.Command...)
	}
	env := append([]string{}, img.config.Env...)
	argv, version, sites, err := localCommand(img.root, args, env)
	if err != nil {
		return internal("%v", err)
	}
	python, ok := e.cfg.pythons[version]
	if !ok {
		return internal("no local CPython %s for the image's python%s: install it under $(pyenv root)/versions or as python%s on PATH, or pass fcemu.WithPython", version, version, version)
	}
	argv = append([]string{python, "-B", "-S", "-s", "-c", containerBootstrap, strings.Join(sites, string(os.PathListSeparator))}, argv...)

	var creds pyrun.Credentials
	if t.role != "" {
		c := e.sessions.issue(e.now(), time.Hour, nil)
		creds = pyrun.Credentials{AccessKeyID: c.AccessKeyID, AccessKeySecret: c.AccessKeySecret, SecurityToken: c.SecurityToken}
	}
	for _, k := range sortedKeys(t.fn.Env) {
		env = setEnv(env, k+"="+t.fn.Env[k])
	}
	for _, kv := range []string{
		"FC_FUNCTION_NAME=" + t.fn.Name, "FC_FUNCTION_HANDLER=" + t.fn.Handler,
		"FC_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(int(t.fn.MemorySize)), "FC_REGION=" + e.cfg.region,
		"FC_ACCOUNT_ID=" + e.cfg.accountID, "FC_QUALIFIER=" + t.qualifier,
	} {
		env = setEnv(env, kv)
	}
	if creds.AccessKeyID != "" {
		env = setEnv(env, "ALIBABA_CLOUD_ACCESS_KEY_ID="+creds.AccessKeyID)
		env = setEnv(env, "ALIBABA_CLOUD_ACCESS_KEY_SECRET="+creds.AccessKeySecret)
		env = setEnv(env, "ALIBABA_CLOUD_SECURITY_TOKEN="+creds.SecurityToken)
	}
	dir := filepath.Join(img.root, filepath.FromSlash(strings.TrimPrefix(path.Clean("/"+img.config.WorkingDir), "/")))

	h := http.Header{}
	h.Set("Content-Type", "application/octet-stream")
	for k, v := range map[string]string{
		"x-fc-request-id": x.requestID, "x-fc-function-name": t.fn.Name, "x-fc-function-handler": t.fn.Handler,
		"x-fc-function-memory": strconv.Itoa(int(t.fn.MemorySize)), "x-fc-function-timeout": strconv.Itoa(int(t.fn.Timeout)),
		"x-fc-region": e.cfg.region, "x-fc-account-id": e.cfg.accountID, "x-fc-qualifier": t.qualifier,
		"x-fc-control-path": "/invoke",
	} {
		h.Set(k, v)
	}
	if creds.AccessKeyID != "" {
		h.Set("x-fc-access-key-id", creds.AccessKeyID)
		h.Set("x-fc-access-key-secret", creds.AccessKeySecret)
		h.Set("x-fc-security-token", creds.SecurityToken)
	}
	sum := sha256.New()
	for _, s := range append(append([]string{t.fn.Name, cc.ResolvedImageURI, dir, strconv.Itoa(cc.Port)}, argv...), envWithout(env, "ALIBABA_CLOUD_")...) {
		sum.Write([]byte(s + "\x00"))
	}
	job.container = &containerJob{key: hex.EncodeToString(sum.Sum(nil)), fn: t.fn.Name, argv: argv, env: env, dir: dir,
		port: cc.Port, headers: h, event: x.body, timeout: time.Duration(t.fn.Timeout) * time.Second}
	return job, nil
}

// containerBootstrap runs the image's Python command with the local interpreter: the
// image's site-packages (argv[1], os.pathsep-separated) are added with site.addsitedir,
// then the command's own arguments run as python would run them (-m module, -c code,
// or a script); interpreter flags before them are dropped.
const containerBootstrap = `import os, runpy, site, sys
for d in sys.argv[1].split(os.pathsep):
    if d:
        site.addsitedir(d)
args = sys.argv[2:]
while args and args[0].startswith('-') and args[0] not in ('-m', '-c'):
    flag = args.pop(0)
    if flag in ('-W', '-X') and args:
        args.pop(0)
if not args:
    sys.exit('fcemu: the command starts an interactive interpreter')
if args[0] == '-m':
    sys.argv = args[1:]
    sys.path.insert(0, os.getcwd())
    runpy.run_module(args[1], run_name='__main__', alter_sys=True)
elif args[0] == '-c':
    sys.argv = ['-c'] + args[2:]
    sys.path.insert(0, '')
    exec(compile(args[1], '<string>', 'exec'), {'__name__': '__main__'})
else:
    sys.argv = args
    sys.path.insert(0, os.path.dirname(os.path.abspath(args[0])))
    runpy.run_path(args[0], run_name='__main__')
`

var pythonName = regexp.MustCompile(`^python([0-9]+\.[0-9]+)$`)

// localCommand turns the image's command into the arguments of a local CPython: the
// program must be the image's python3.X (or a link to it, or a script whose #! line
// names it). It returns the arguments after the interpreter (script paths inside the
// unpacked root), the Python version and the image's site-packages folders.
func localCommand(root string, args, env []string) ([]string, string, []string, error) {
	if len(args) == 0 {
		return nil, "", nil, errors.New("the image has no command (Entrypoint, Cmd, or customContainerConfig.entrypoint/command)")
	}
	prog, err := findProgram(root, args[0], env)
	if err != nil {
		return nil, "", nil, err
	}
	rest := args[1:]
	interp := prog
	if !pythonName.MatchString(filepath.Base(prog)) {
		line, _ := firstLine(filepath.Join(root, prog))
		shebang := strings.Fields(strings.TrimPrefix(line, "#!"))
		if !strings.HasPrefix(line, "#!") || len(shebang) == 0 {
			return nil, "", nil, fmt.Errorf("the image's command %q runs %s, which is not the image's CPython: fcemu runs only commands whose program is bin/python3.X of the image (or a Python script)", strings.Join(args, " "), prog)
		}
		target := shebang[0]
		if filepath.Base(target) == "env" && len(shebang) > 1 {
			target = shebang[1]
		}
		if interp, err = findProgram(root, target, env); err != nil || !pythonName.MatchString(filepath.Base(interp)) {
			return nil, "", nil, fmt.Errorf("the image's command %q runs the script %s, whose interpreter %s is not the image's CPython", strings.Join(args, " "), prog, target)
		}
		rest = append([]string{filepath.Join(root, prog)}, rest...)
	}
	version := pythonName.FindStringSubmatch(filepath.Base(interp))[1]
	prefix := path.Dir(path.Dir(interp)) // /usr/local/bin/python3.12 → /usr/local
	candidates := []string{path.Join(prefix, "lib", "python"+version, "site-packages")}
	if prefix == "/usr" {
		candidates = append(candidates, "/usr/local/lib/python"+version+"/dist-packages", "/usr/lib/python3/dist-packages")
	}
	var sites []string
	for _, c := range candidates {
		if st, err := os.Stat(filepath.Join(root, c)); err == nil && st.IsDir() {
			sites = append(sites, filepath.Join(root, c))
		}
	}
	return rest, version, sites, nil
}

// findProgram finds prog in the unpacked image (through its PATH when relative) and
// returns its path inside the image after following links.
func findProgram(root, prog string, env []string) (string, error) {
	var candidates []string
	if strings.Contains(prog, "/") {
		candidates = []string{prog}
	} else {
		for _, d := range strings.Split(envValue(env, "PATH"), ":") {
			if d != "" {
				candidates = append(candidates, path.Join(d, prog))
			}
		}
	}
	for _, c := range candidates {
		real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(path.Clean("/"+c))))
		if err != nil {
			continue
		}
		rel, err := filepath.Rel(root, real)
		if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
			continue
		}
		if st, err := os.Stat(real); err == nil && st.Mode().IsRegular() {
			return "/" + filepath.ToSlash(rel), nil
		}
	}
	return "", fmt.Errorf("the image has no program %s", prog)
}

func firstLine(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 512)).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	return strings.TrimSpace(line), nil
}

func envValue(env []string, k string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if name, v, _ := strings.Cut(env[i], "="); name == k {
			return v
		}
	}
	return ""
}

// setEnv replaces or appends one NAME=value in env.
func setEnv(env []string, kv string) []string {
	k, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

func envWithout(env []string, prefix string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, prefix) {
			out = append(out, e)
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cacheRoot is where the emulator keeps what it unpacks (see WithCacheDir).
func (e *Emulator) cacheRoot() string {
	switch {
	case e.cfg.cacheDir != "":
		return e.cfg.cacheDir
	case e.cfg.stateDir != "":
		return filepath.Join(e.cfg.stateDir, "cache")
	}
	return e.ownCache
}

// image returns the unpacked image ref (repository@digest), pulling and unpacking it
// the first time.
func (e *Emulator) image(ctx context.Context, ref string) (*unpacked, error) {
	r, err := name.NewDigest(ref)
	if err != nil {
		return nil, err
	}
	c := &e.containers
	c.mu.Lock()
	if c.images == nil {
		c.images = map[string]*unpacked{}
	}
	u, ok := c.images[r.DigestStr()]
	if !ok {
		u = &unpacked{root: filepath.Join(e.cacheRoot(), "images", strings.TrimPrefix(r.DigestStr(), "sha256:"))}
		c.images[r.DigestStr()] = u
	}
	c.mu.Unlock()
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.ready {
		return u, nil
	}
	img, err := remote.Image(r, e.remoteOptions(ctx)...)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(u.root); err != nil {
		if err := unpackImage(ctx, img, u.root); err != nil {
			return nil, err
		}
	}
	u.config, u.ready = cf.Config, true
	return u, nil
}

// unpackImage writes img's flattened filesystem (whiteouts applied) to dest: folders,
// regular files, hard links and symbolic links, whose absolute targets are rewritten to
// stay inside dest. Devices and other special files are skipped.
func unpackImage(ctx context.Context, img v1.Image, dest string) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), ".unpack-")
	if err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("read image: %w", err)
		}
		rel := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if rel == "" {
			continue
		}
		p := filepath.Join(tmp, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			continue // a parent is a file or a dangling link in the image: skip, as overlay would hide it
		}
		if !inside(tmp, filepath.Dir(p)) {
			return fmt.Errorf("image entry %s leads outside the image", h.Name)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
		case tar.TypeReg:
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, os.FileMode(h.Mode).Perm()|0o600)
			if err != nil {
				if errors.Is(err, os.ErrExist) {
					continue
				}
				return err
			}
			_, err = io.CopyBuffer(f, tr, buf)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("unpack %s: %w", h.Name, err)
			}
		case tar.TypeSymlink:
			target := h.Linkname
			if strings.HasPrefix(target, "/") {
				abs := filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(path.Clean(target), "/")))
				if target, err = filepath.Rel(filepath.Dir(p), abs); err != nil {
					continue
				}
			}
			if err := os.Symlink(target, p); err != nil && !errors.Is(err, os.ErrExist) {
				return err
			}
		case tar.TypeLink:
			src := filepath.Join(tmp, filepath.FromSlash(strings.TrimPrefix(path.Clean("/"+h.Linkname), "/")))
			if err := os.Link(src, p); err != nil && !errors.Is(err, os.ErrExist) && !errors.Is(err, os.ErrNotExist) {
				return err
			}
		}
	}
	if err := os.Rename(tmp, dest); err != nil {
		if _, serr := os.Stat(dest); serr == nil {
			return nil // unpacked meanwhile
		}
		return err
	}
	ok = true
	return nil
}

func inside(root, p string) bool {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false
	}
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(rootReal, real)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// instance is one running container: its process and the loopback port it serves.
type instance struct {
	key    string
	cmd    *exec.Cmd
	port   int
	out    *outputLog
	exited chan struct{}
	mu     sync.Mutex // one invocation at a time
}

func (in *instance) stop() {
	if in.cmd.Process != nil {
		syscall.Kill(-in.cmd.Process.Pid, syscall.SIGKILL)
	}
	<-in.exited
}

func (c *containers) stop(fn string) {
	c.mu.Lock()
	in := c.instances[fn]
	delete(c.instances, fn)
	c.mu.Unlock()
	if in != nil {
		in.stop()
	}
}

func (c *containers) stopAll() {
	c.mu.Lock()
	all := c.instances
	c.instances = nil
	c.mu.Unlock()
	for _, in := range all {
		in.stop()
	}
}

// instanceFor returns the function's running instance for job, starting one (and
// stopping an outdated one) when needed.
func (e *Emulator) instanceFor(ctx context.Context, job *containerJob) (*instance, error) {
	c := &e.containers
	c.mu.Lock()
	in := c.instances[job.fn]
	if in != nil && in.key == job.key {
		select {
		case <-in.exited:
		default:
			c.mu.Unlock()
			return in, nil
		}
	}
	delete(c.instances, job.fn)
	c.mu.Unlock()
	if in != nil {
		in.stop()
	}
	in, err := startInstance(ctx, job)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.instances == nil {
		c.instances = map[string]*instance{}
	}
	if old := c.instances[job.fn]; old != nil {
		defer old.stop()
	}
	c.instances[job.fn] = in
	c.mu.Unlock()
	return in, nil
}

// startInstance runs the job's command with the port remapped to a free loopback port
// and waits until it listens there.
func startInstance(ctx context.Context, job *containerJob) (*instance, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	argv := remapBind(job.argv, job.port, port)
	env := setEnv(setEnv(append([]string{}, job.env...), "CAPort="+strconv.Itoa(port)), "FC_SERVER_PORT="+strconv.Itoa(port))
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir, cmd.Env = job.dir, env
	out := &outputLog{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	in := &instance{key: job.key, cmd: cmd, port: port, out: out, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // its children too
		close(in.exited)
	}()
	deadline := time.NewTimer(containerStartTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if conn, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second); err == nil {
			conn.Close()
			return in, nil
		}
		select {
		case <-in.exited:
			return nil, fmt.Errorf("the container exited (%v) before listening on port %d; its output ends:\n%s", cmd.ProcessState, job.port, out.tail(1024))
		case <-deadline.C:
			in.stop()
			return nil, fmt.Errorf("the container did not listen on port %d within %s; its output ends:\n%s", job.port, containerStartTimeout, out.tail(1024))
		case <-ctx.Done():
			in.stop()
			return nil, ctx.Err()
		case <-tick.C:
		}
	}
}

// remapBind replaces the configured port in --bind/-b HOST:PORT arguments with the
// instance's port, and a wildcard host with the loopback address.
func remapBind(argv []string, from, to int) []string {
	out := append([]string{}, argv...)
	fix := func(v string) string {
		host, port, err := net.SplitHostPort(v)
		if err != nil || port != strconv.Itoa(from) {
			return v
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		return net.JoinHostPort(host, strconv.Itoa(to))
	}
	for i := 0; i < len(out); i++ {
		switch a := out[i]; {
		case (a == "--bind" || a == "-b") && i+1 < len(out):
			out[i+1] = fix(out[i+1])
			i++
		case strings.HasPrefix(a, "--bind="):
			out[i] = "--bind=" + fix(strings.TrimPrefix(a, "--bind="))
		}
	}
	return out
}

// runContainer sends the invocation to the function's instance and turns the answer
// into FC's.
func (e *Emulator) runContainer(ctx context.Context, job invocationJob, start, end string) outcome {
	cj := job.container
	began := time.Now()
	fail := func(msg string, log string) outcome {
		return outcome{body: errorDoc(msg), errorType: "UnhandledInvocationError", log: []byte(tailString(start+log+msg+"\n"+end, pyrun.LogTailSize)), duration: time.Since(began)}
	}
	in, err := e.instanceFor(ctx, cj)
	if err != nil {
		return fail(fmt.Sprintf("Function instance could not start (command %q): %v", strings.Join(cj.argv, " "), err), "")
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	mark := in.out.size()
	tctx, cancel := context.WithTimeout(ctx, cj.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, http.MethodPost, "http://127.0.0.1:"+strconv.Itoa(in.port)+"/invoke", bytes.NewReader(cj.event))
	if err != nil {
		return fail(err.Error(), "")
	}
	req.Header = cj.headers.Clone()
	resp, err := http.DefaultClient.Do(req)
	var body []byte
	if err == nil {
		body, err = io.ReadAll(io.LimitReader(resp.Body, e.cfg.limits.SyncPayload+1))
		resp.Body.Close()
	}
	log := in.out.since(mark)
	switch {
	case errors.Is(tctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil:
		e.containers.stop(cj.fn) // FC stops an instance whose invocation timed out
		return fail(fmt.Sprintf("Function timed out after %d seconds", int(cj.timeout/time.Second)), log)
	case err != nil:
		e.containers.stop(cj.fn)
		return fail(fmt.Sprintf("Process exited unexpectedly before completing request (duration: %dms): %v", time.Since(began).Milliseconds(), err), log)
	case int64(len(body)) > e.cfg.limits.SyncPayload:
		return fail(fmt.Sprintf("the response is larger than %d bytes", e.cfg.limits.SyncPayload), log)
	}
	out := outcome{body: body, duration: time.Since(began), maxRSS: peakRSS(in.cmd.Process.Pid), log: []byte(tailString(start+log+end, pyrun.LogTailSize))}
	if s := resp.Header.Get("x-fc-status"); s != "" && s != "200" {
		out.errorType = "UnhandledInvocationError"
	}
	return out
}

// peakRSS is the process's peak resident memory (VmHWM), 0 when unknown.
func peakRSS(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func tailString(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// outputLog keeps the last 64 KB an instance wrote and how much it wrote in all, so an
// invocation can take what was written while it ran.
type outputLog struct {
	mu    sync.Mutex
	buf   []byte
	total int64
}

const outputKeep = 64 << 10

func (o *outputLog) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, p...)
	if len(o.buf) > outputKeep {
		o.buf = append([]byte(nil), o.buf[len(o.buf)-outputKeep:]...)
	}
	o.total += int64(len(p))
	return len(p), nil
}

func (o *outputLog) size() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.total
}

func (o *outputLog) since(mark int64) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.total - mark
	if n > int64(len(o.buf)) {
		n = int64(len(o.buf))
	}
	return string(o.buf[int64(len(o.buf))-n:])
}

func (o *outputLog) tail(n int) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return tailString(string(o.buf), n)
}
