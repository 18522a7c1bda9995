package fcemu

import (
	"archive/tar"
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// A custom-container function's image, as the emulator runs it (container.go says
// what is faked): unpacked once per digest into the cache, and its command turned into
// one for the local CPython.

// unpacked is an image's filesystem in the cache.
type unpacked struct {
	mu     sync.Mutex // held while unpacking
	root   string
	config v1.Config
	ready  bool
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
		u = &unpacked{root: filepath.Join(e.cacheDir, "images", strings.TrimPrefix(r.DigestStr(), "sha256:"))}
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
		if err := intoFolder(u.root, func(tmp string) error { return unpackImage(ctx, img, tmp) }); err != nil {
			return nil, err
		}
	}
	u.config, u.ready = cf.Config, true
	return u, nil
}

// intoFolder makes dest with fill, which writes a temporary folder beside it that then
// takes dest's name (a dest another fill made meanwhile is kept).
func intoFolder(dest string, fill func(tmp string) error) error {
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), ".unpack-")
	if err != nil {
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := os.Rename(tmp, dest); err != nil {
		os.RemoveAll(tmp)
		if _, serr := os.Stat(dest); serr == nil {
			return nil // made meanwhile
		}
		return err
	}
	return nil
}

// unpackImage writes img's flattened filesystem (whiteouts applied) under root: folders,
// regular files, hard links and symbolic links, whose absolute targets are rewritten to
// stay inside root. Devices and other special files are skipped.
func unpackImage(ctx context.Context, img v1.Image, root string) error {
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	buf := make([]byte, 256<<10)
	rootReal, err := filepath.EvalSymlinks(root)
	if err != nil {
		return err
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("read image: %w", err)
		}
		if err := unpackEntry(root, rootReal, h, tr, buf); err != nil {
			return err
		}
	}
}

// unpackEntry writes one entry of the image under root (rootReal: root with its links
// resolved); what is there already wins (the flattened stream names each path once). An
// entry whose folder, or a hard link whose target, leads out of root through the image's
// own links is refused before anything is made there.
func unpackEntry(root, rootReal string, h *tar.Header, r io.Reader, buf []byte) error {
	p := inImage(root, h.Name)
	if p == root {
		return nil
	}
	if !within(rootReal, filepath.Dir(p)) {
		return fmt.Errorf("image entry %s leads outside the image", h.Name)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return nil // a parent is a file or a dangling link in the image: skip, as overlay would hide it
	}
	var err error
	switch h.Typeflag {
	case tar.TypeDir:
		err = os.Mkdir(p, 0o755)
	case tar.TypeReg:
		err = unpackFile(p, os.FileMode(h.Mode).Perm()|0o600, r, buf)
	case tar.TypeSymlink:
		target := h.Linkname
		if strings.HasPrefix(target, "/") {
			if target, err = filepath.Rel(filepath.Dir(p), inImage(root, target)); err != nil {
				return nil
			}
		}
		err = os.Symlink(target, p)
	case tar.TypeLink:
		target := inImage(root, h.Linkname)
		if !within(rootReal, filepath.Dir(target)) {
			return fmt.Errorf("image entry %s links to %s, outside the image", h.Name, h.Linkname)
		}
		if err = os.Link(target, p); errors.Is(err, os.ErrNotExist) {
			err = nil
		}
	}
	if err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("unpack %s: %w", h.Name, err)
	}
	return nil
}

func unpackFile(p string, perm os.FileMode, r io.Reader, buf []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = io.CopyBuffer(f, r, buf)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// inImage is where the image's path name (absolute or not) is under root.
func inImage(root, name string) string {
	return filepath.Join(root, filepath.FromSlash(path.Clean("/"+name)))
}

// within reports whether p lies under rootReal once the links among its existing
// leading folders are followed: what MkdirAll would follow to make the rest of it.
func within(rootReal, p string) bool {
	for q := p; ; {
		if real, err := filepath.EvalSymlinks(q); err == nil {
			rel, err := filepath.Rel(rootReal, filepath.Join(real, strings.TrimPrefix(p, q)))
			return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
		}
		parent := filepath.Dir(q)
		if parent == q {
			return false
		}
		q = parent
	}
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
	rest, interp := args[1:], prog
	if !pythonName.MatchString(filepath.Base(prog)) {
		if interp, err = scriptInterpreter(root, prog, env); err != nil {
			return nil, "", nil, fmt.Errorf("the image's command %q %w", strings.Join(args, " "), err)
		}
		rest = append([]string{filepath.Join(root, prog)}, rest...)
	}
	version := pythonName.FindStringSubmatch(filepath.Base(interp))[1]
	return rest, version, sitePackages(root, interp, version), nil
}

// scriptInterpreter is the image's CPython that the script prog's #! line names.
func scriptInterpreter(root, prog string, env []string) (string, error) {
	line, _ := firstLine(filepath.Join(root, prog))
	shebang := strings.Fields(strings.TrimPrefix(line, "#!"))
	if !strings.HasPrefix(line, "#!") || len(shebang) == 0 {
		return "", fmt.Errorf("runs %s, which is not the image's CPython: fcemu runs only commands whose program is bin/python3.X of the image (or a Python script)", prog)
	}
	target := shebang[0]
	if filepath.Base(target) == "env" && len(shebang) > 1 {
		target = shebang[1]
	}
	interp, err := findProgram(root, target, env)
	if err != nil || !pythonName.MatchString(filepath.Base(interp)) {
		return "", fmt.Errorf("runs the script %s, whose interpreter %s is not the image's CPython", prog, target)
	}
	return interp, nil
}

// sitePackages are the folders of the image's interp (/usr/local/bin/python3.12) that
// hold installed packages: prefix/lib/python3.X/site-packages, and Debian's
// dist-packages folders for /usr's Python.
func sitePackages(root, interp, version string) []string {
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
	return sites
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
		real, err := filepath.EvalSymlinks(inImage(root, c))
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
