// Package wheelhouse makes and serves the benchmarks' package index: the real-world
// wheels installed for a local Python (packed by ../shared/tools/repack-installed-wheels),
// optionally retagged for another CPython and joined by extra wheels, as a PEP 503
// index on a loopback port.
package wheelhouse

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
)

// DefaultTool is the repack tool's path relative to the module root.
var DefaultTool = filepath.Join("..", "shared", "tools", "repack-installed-wheels")

// Repack runs the repack tool for python into out (out/files holds the wheels,
// out/simple their index) and returns the tool's one-line summary.
func Repack(ctx context.Context, tool, out, python string) (string, error) {
	b, err := exec.CommandContext(ctx, tool, out, python).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s %s %s: %v\n%s", tool, out, python, err, b)
	}
	return strings.TrimSpace(string(b)), nil
}

// Serve serves dir (a folder with simple/ and files/) on a loopback port until ctx is
// done, and returns the index URL, http://127.0.0.1:PORT/simple/.
func Serve(ctx context.Context, dir string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("serve %s: %w", dir, err)
	}
	srv := &http.Server{Handler: http.FileServer(http.Dir(dir))}
	go srv.Serve(ln)
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	return "http://" + ln.Addr().String() + "/simple/", nil
}

// WriteIndex writes dir/simple/, a PEP 503 index (with sha256 fragments) of the
// wheels in dir/files, as repack-installed-wheels lays it out.
func WriteIndex(dir string) error {
	wheels, err := filepath.Glob(filepath.Join(dir, "files", "*.whl"))
	if err != nil {
		return err
	}
	byProject := map[string][]string{}
	for _, w := range wheels {
		p := project(w)
		byProject[p] = append(byProject[p], w)
	}
	projects := make([]string, 0, len(byProject))
	for p := range byProject {
		projects = append(projects, p)
	}
	sort.Strings(projects)
	var root strings.Builder
	for _, p := range projects {
		var page strings.Builder
		page.WriteString("<!DOCTYPE html>\n<html><body>\n")
		sort.Strings(byProject[p])
		for _, w := range byProject[p] {
			sum, err := fileSHA256(w)
			if err != nil {
				return err
			}
			name := html.EscapeString(filepath.Base(w))
			fmt.Fprintf(&page, "<a href=\"../../files/%s#sha256=%s\">%s</a><br/>\n", name, sum, name)
		}
		page.WriteString("</body></html>\n")
		if err := os.MkdirAll(filepath.Join(dir, "simple", p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "simple", p, "index.html"), []byte(page.String()), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(&root, "<a href=\"%s/\">%s</a><br/>\n", p, p)
	}
	return os.WriteFile(filepath.Join(dir, "simple", "index.html"),
		[]byte("<!DOCTYPE html>\n<html><body>\n"+root.String()+"</body></html>\n"), 0o644)
}

// Projects lists the normalized project names of the wheels in dir/files.
func Projects(dir string) ([]string, error) {
	wheels, err := filepath.Glob(filepath.Join(dir, "files", "*.whl"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, w := range wheels {
		if p := project(w); !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out, nil
}

// project is the normalized project name of a wheel path.
func project(wheel string) string {
	return pep508.NormalizeName(strings.SplitN(filepath.Base(wheel), "-", 2)[0])
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hash %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Fixes says what Prepare changed in a wheel.
type Fixes struct {
	Retagged   bool     // its cpXY-cpXY tags now name the target CPython
	Rerecorded []string // entries whose RECORD row was rewritten to match their bytes
}

// Prepare copies the wheel src into dir for a build benchmark and returns the new
// path. Two things change, nothing else (every other entry is copied raw):
//
//   - version-specific CPython tags (cpXY-cpXY-PLATFORM, as in a python3.11
//     site-packages) move from the CPython `from` to `to` ("cp311" → "cp312"), in the
//     file name and WHEEL's Tag lines. The bytes are real, only the ABI label is not,
//     which is enough to measure a build that imports nothing: it lets a machine with
//     python3.11's packages offer binary wheels to a Python FC runs (3.12);
//   - RECORD rows that do not match their entry are rewritten to match. Repacked
//     installs carry such files (on these machines the CA bundles, cacert.pem, were
//     edited after installation) and the action rightly refuses them.
func Prepare(src, dir, from, to string) (string, Fixes, error) {
	name := filepath.Base(src)
	newName, retag := retagName(name, from, to)
	zr, err := zip.OpenReader(src)
	if err != nil {
		return "", Fixes{}, fmt.Errorf("prepare %s: %w", name, err)
	}
	defer zr.Close()
	w, err := scan(zr, from, to, retag)
	if err != nil {
		return "", Fixes{}, fmt.Errorf("prepare %s: %w", name, err)
	}
	fixes := Fixes{Retagged: retag, Rerecorded: w.mismatched}
	if !retag && len(w.mismatched) == 0 {
		p, err := copyFile(src, filepath.Join(dir, name))
		return p, fixes, err
	}
	dst := filepath.Join(dir, newName)
	if err := w.write(zr, dst); err != nil {
		return "", fixes, fmt.Errorf("prepare %s: %w", name, err)
	}
	return dst, fixes, nil
}

// retagName rewrites NAME-VER[-BUILD]-PY-ABI-PLAT.whl when ABI is `from`.
func retagName(name, from, to string) (string, bool) {
	f := strings.Split(strings.TrimSuffix(name, ".whl"), "-")
	if len(f) < 5 || f[len(f)-2] != from {
		return name, false
	}
	f[len(f)-2] = to
	py := strings.Split(f[len(f)-3], ".")
	for i := range py {
		if py[i] == from {
			py[i] = to
		}
	}
	f[len(f)-3] = strings.Join(py, ".")
	return strings.Join(f, "-") + ".whl", true
}

// rewrite is a wheel's new WHEEL and RECORD.
type rewrite struct {
	wheelPath, recordPath string
	wheel, record         []byte
	mismatched            []string
}

// scan hashes every entry RECORD lists and computes the new WHEEL and RECORD.
func scan(zr *zip.ReadCloser, from, to string, retag bool) (*rewrite, error) {
	w := &rewrite{}
	for _, f := range zr.File {
		dir, base := pathSplit(f.Name)
		if !strings.HasSuffix(dir, ".dist-info") || strings.Contains(dir, "/") {
			continue
		}
		var err error
		switch base {
		case "WHEEL":
			w.wheelPath = f.Name
			w.wheel, err = readAll(f)
		case "RECORD":
			w.recordPath = f.Name
			w.record, err = readAll(f)
		}
		if err != nil {
			return nil, err
		}
	}
	if w.wheelPath == "" || w.recordPath == "" {
		return nil, fmt.Errorf("no .dist-info/WHEEL or RECORD")
	}
	if retag {
		var lines []string
		for _, l := range strings.SplitAfter(string(w.wheel), "\n") {
			if rest, ok := strings.CutPrefix(l, "Tag: "); ok {
				if t := strings.Split(strings.TrimSpace(rest), "-"); len(t) == 3 && t[1] == from {
					l = "Tag: " + strings.Replace(t[0], from, to, 1) + "-" + to + "-" + t[2] + "\n"
				}
			}
			lines = append(lines, l)
		}
		w.wheel = []byte(strings.Join(lines, ""))
	}
	rows, err := csv.NewReader(bytes.NewReader(w.record)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("RECORD: %w", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		files[f.Name] = f
	}
	for i, r := range rows {
		if len(r) < 3 || r[1] == "" || files[r[0]] == nil {
			continue
		}
		var data []byte
		if r[0] == w.wheelPath {
			data = w.wheel
		} else if data, err = readAll(files[r[0]]); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		row := []string{r[0], "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]), fmt.Sprint(len(data))}
		if row[1] != r[1] && strings.HasPrefix(r[1], "sha256=") {
			if r[0] != w.wheelPath {
				w.mismatched = append(w.mismatched, r[0])
			}
			rows[i] = row
		}
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	if err := cw.WriteAll(rows); err != nil {
		return nil, err
	}
	w.record = b.Bytes()
	return w, nil
}

// write copies the wheel to dst with the new WHEEL and RECORD.
func (w *rewrite) write(zr *zip.ReadCloser, dst string) error {
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	zw := zip.NewWriter(out)
	err = func() error {
		for _, f := range zr.File {
			var data []byte
			switch f.Name {
			case w.wheelPath:
				data = w.wheel
			case w.recordPath:
				data = w.record
			default:
				if err := zw.Copy(f); err != nil {
					return err
				}
				continue
			}
			fh := f.FileHeader
			fw, err := zw.CreateHeader(&fh)
			if err != nil {
				return err
			}
			if _, err := fw.Write(data); err != nil {
				return err
			}
		}
		return zw.Close()
	}()
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func readAll(f *zip.File) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

func pathSplit(p string) (dir, base string) {
	i := strings.LastIndexByte(p, '/')
	if i < 0 {
		return "", p
	}
	return p[:i], p[i+1:]
}

func copyFile(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return "", err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return "", fmt.Errorf("copy %s: %w", src, err)
	}
	return dst, out.Close()
}

// Set is a named set of requirements a benchmark measures.
type Set struct {
	Name string
	Reqs []string
}

// Sets is the -set flag of the benchmarks: NAME=REQUIREMENT[ REQUIREMENT...], repeatable.
type Sets []Set

func (s *Sets) String() string { return fmt.Sprint(*s) }

// Set adds one NAME=REQUIREMENTS set.
func (s *Sets) Set(v string) error {
	name, reqs, ok := strings.Cut(v, "=")
	if !ok || name == "" || strings.TrimSpace(reqs) == "" {
		return fmt.Errorf("want NAME=REQUIREMENT[ REQUIREMENT...], got %q", v)
	}
	*s = append(*s, Set{Name: name, Reqs: strings.Fields(reqs)})
	return nil
}
