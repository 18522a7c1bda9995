package index

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestProjectJSONAndHTML(t *testing.T) {
	for _, format := range []string{"json", "html", ""} {
		t.Run("format="+format, func(t *testing.T) {
			fi := newFakeIndex(t)
			fi.format = format
			w1 := makeWheel(t, "Demo.Pkg", "1.0", nil, 10)
			w2 := makeWheel(t, "Demo.Pkg", "2.0", nil, 10)
			fi.add("demo-pkg",
				&fakeFile{testWheel: w1, requiresPython: ">=3.8,<4", yanked: "broken build"},
				&fakeFile{testWheel: w2, noMetadataFile: true, indexHash: "-", yanked: "true"})
			c := newTestClient(t, WithIndexURL(fi.URL()))
			p, err := c.Project(bg, "Demo_Pkg")
			if err != nil {
				t.Fatal(err)
			}
			if p.Name != "demo-pkg" || p.Index != fi.URL() || len(p.Files) != 2 {
				t.Fatalf("project %+v", p)
			}
			f1, f2 := p.Files[0], p.Files[1]
			if f1.Filename != w1.filename || f1.URL != fi.srv.URL+"/files/"+w1.filename {
				t.Errorf("file 1 name/url: %q %q", f1.Filename, f1.URL)
			}
			if f1.Hashes["sha256"] != w1.sha256() || f1.RequiresPython != ">=3.8,<4" ||
				!f1.Yanked || f1.YankedReason != "broken build" ||
				!f1.CoreMetadata || f1.CoreMetadataHashes["sha256"] != sha256Hex(w1.metadata) || f1.Index != fi.URL() {
				t.Errorf("file 1: %+v", f1)
			}
			if len(f2.Hashes) != 0 || f2.CoreMetadata || !f2.Yanked || f2.YankedReason != "" {
				t.Errorf("file 2: %+v", f2)
			}
			json := format == "json" || format == ""
			if json && (f1.Size != int64(len(w1.data)) || f1.UploadTime.IsZero()) {
				t.Errorf("JSON page: size %d, upload time %v", f1.Size, f1.UploadTime)
			}
			if !json && (f1.Size != 0 || !f1.UploadTime.IsZero()) {
				t.Errorf("HTML page has no size or upload time, got %d %v", f1.Size, f1.UploadTime)
			}
		})
	}
}

func TestProjectNotFoundListsIndexes(t *testing.T) {
	a, b := newFakeIndex(t), newFakeIndex(t)
	c := newTestClient(t, WithIndexURL(a.URL()), WithExtraIndexURLs(b.URL()))
	_, err := c.Project(bg, "nope")
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error %v, want *NotFoundError", err)
	}
	if want := []string{b.URL(), a.URL()}; strings.Join(nf.Asked, " ") != strings.Join(want, " ") {
		t.Errorf("asked %v, want %v (extra index first)", nf.Asked, want)
	}
	if !strings.Contains(err.Error(), "project nope not found on "+b.URL()+", "+a.URL()) {
		t.Errorf("message: %v", err)
	}
}

func TestFirstIndexWins(t *testing.T) {
	private, public := newFakeIndex(t), newFakeIndex(t)
	private.add("corp-lib", &fakeFile{testWheel: makeWheel(t, "corp-lib", "1.0", nil, 1)})
	public.add("corp-lib", &fakeFile{testWheel: makeWheel(t, "corp-lib", "99.0", nil, 1)}) // the attacker's upload
	public.add("requests", &fakeFile{testWheel: makeWheel(t, "requests", "2.0", nil, 1)})
	c := newTestClient(t, WithIndexURL(public.URL()), WithExtraIndexURLs(private.URL()))

	p, err := c.Project(bg, "corp-lib")
	if err != nil {
		t.Fatal(err)
	}
	if p.Index != private.URL() || len(p.Files) != 1 || !strings.Contains(p.Files[0].Filename, "1.0") {
		t.Errorf("corp-lib came from %s with %v; want only the extra index's 1.0", p.Index, p.Files)
	}
	if public.count("/simple/corp-lib/") != 0 {
		t.Errorf("the default index was asked for a project the extra index has")
	}
	p, err = c.Project(bg, "requests")
	if err != nil || p.Index != public.URL() {
		t.Fatalf("requests: %v %v; want it from the default index after the extra index's 404", p, err)
	}
}

func TestIndexErrorDoesNotFallThrough(t *testing.T) {
	// A private index that refuses us must not let the public index supply the name.
	private, public := newFakeIndex(t), newFakeIndex(t)
	private.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		http.Error(w, "no", http.StatusForbidden)
		return true
	}
	public.add("corp-lib", &fakeFile{testWheel: makeWheel(t, "corp-lib", "99.0", nil, 1)})
	c := newTestClient(t, WithIndexURL(public.URL()), WithExtraIndexURLs(private.URL()))
	_, err := c.Project(bg, "corp-lib")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 403 {
		t.Fatalf("error %v, want the 403", err)
	}
	if !strings.Contains(err.Error(), "index "+private.URL()+": project corp-lib") {
		t.Errorf("error does not name index and project: %v", err)
	}
	if public.count("/simple/corp-lib/") != 0 {
		t.Errorf("fell through to the next index after a 403")
	}
}

func TestFindLinksFolder(t *testing.T) {
	dir := t.TempDir()
	w := makeWheel(t, "local-pkg", "0.1", []string{"dep>=1"}, 100)
	if err := os.WriteFile(filepath.Join(dir, w.filename), w.data, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"local_pkg-0.2.tar.gz", "other-1.0-py3-none-any.whl", "notes.txt"} {
		os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644)
	}
	os.Mkdir(filepath.Join(dir, "local_pkg-9.0.tar.gz"), 0o755) // a folder, not a file

	fi := newFakeIndex(t)
	indexWheel := makeWheel(t, "local-pkg", "0.0.1", nil, 1)
	fi.add("local-pkg", &fakeFile{testWheel: indexWheel})
	c := newTestClient(t, WithIndexURL(fi.URL()), WithFindLinks(dir))
	p, err := c.Project(bg, "local-pkg")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range p.Files {
		names = append(names, f.Filename)
	}
	if got, want := strings.Join(names, " "), indexWheel.filename+" "+w.filename+" local_pkg-0.2.tar.gz"; got != want {
		t.Fatalf("files %q, want %q (index files, then find-links files of the project)", got, want)
	}
	local := p.Files[1]
	if local.Index != dir || local.Size != int64(len(w.data)) || !strings.HasPrefix(local.URL, "file://") {
		t.Errorf("find-links file: %+v", local)
	}
	md, err := c.Metadata(bg, local)
	if err != nil || md.Name != "local-pkg" || len(md.RequiresDist) != 1 || md.RequiresDist[0].Name != "dep" {
		t.Fatalf("metadata of a local wheel: %+v, %v", md, err)
	}
	d, err := c.Download(bg, local, []string{"sha256:" + w.sha256()})
	if err != nil || d.SHA256 != w.sha256() {
		t.Fatalf("download of a local wheel: %+v, %v", d, err)
	}
}

func TestFindLinksPageAndNoIndex(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "page-pkg", "3.0", nil, 10)
	fi.add("page-pkg", &fakeFile{testWheel: w})
	links := newFakeIndex(t)
	links.intercept = func(rw http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/links/" {
			return false
		}
		fmt.Fprintf(rw, `<html><body><a href="%s/files/%s#sha256=%s">%s</a>
<a href="../">up</a> <a href="page_pkg-2.0.tar.gz">sdist</a></body></html>`, fi.srv.URL, w.filename, w.sha256(), w.filename)
		return true
	}
	c := newTestClient(t, WithNoIndex(), WithFindLinks(links.srv.URL+"/links/"))
	p, err := c.Project(bg, "page-pkg")
	if err != nil {
		t.Fatal(err)
	}
	if p.Index != "" || len(p.Files) != 2 || p.Files[0].Hashes["sha256"] != w.sha256() ||
		p.Files[1].URL != links.srv.URL+"/links/page_pkg-2.0.tar.gz" {
		t.Fatalf("project from a find-links page: %+v", p)
	}
	if fi.count("/simple/page-pkg/") != 0 {
		t.Errorf("no-index: the index was asked")
	}
	if _, err := c.Project(bg, "other"); err == nil || !strings.Contains(err.Error(), "not found on "+links.srv.URL+"/links/") {
		t.Errorf("unknown project with no-index: %v", err)
	}
	if links.count("/links/") != 1 {
		t.Errorf("find-links page fetched %d times, want once per client", links.count("/links/"))
	}
	d, err := c.Download(bg, p.Files[0], nil)
	if err != nil || d.SHA256 != w.sha256() {
		t.Fatalf("download: %v %v", d, err)
	}
}

func TestFindLinksLocalHTMLFile(t *testing.T) {
	dir := t.TempDir()
	w := makeWheel(t, "html-pkg", "1.0", nil, 10)
	os.WriteFile(filepath.Join(dir, w.filename), w.data, 0o644)
	page := filepath.Join(dir, "links.html")
	os.WriteFile(page, []byte(`<a href="`+w.filename+`">w</a>`), 0o644)
	c := newTestClient(t, WithNoIndex(), WithFindLinks(page))
	p, err := c.Project(bg, "html-pkg")
	if err != nil || len(p.Files) != 1 {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := c.Metadata(bg, p.Files[0]); err != nil {
		t.Fatal(err)
	}
}

func TestFindLinksMissingFolder(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	c := newTestClient(t, WithNoIndex(), WithFindLinks(missing))
	_, err := c.Project(bg, "x")
	if err == nil || !strings.Contains(err.Error(), "find-links "+missing) {
		t.Fatalf("error %v, want it to name the folder", err)
	}
}

func TestNoIndexWithoutFindLinks(t *testing.T) {
	c := newTestClient(t, WithNoIndex())
	_, err := c.Project(bg, "x")
	var nf *NotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "no-index") {
		t.Fatalf("error %v", err)
	}
}

func TestHostilePages(t *testing.T) {
	tests := []struct {
		name  string
		ctype string
		body  string
		want  string
	}{
		{"oversized", "text/html", "<html>" + strings.Repeat("<a href='x-1.tar.gz'>x</a>", 100), "larger than the 1024 byte limit"},
		{"malformed JSON", mimeJSON, `{"meta": {"api-version": "1.0"}, "files": [{"filename": 1}]}`, "malformed JSON"},
		{"unknown major", mimeJSON, `{"meta": {"api-version": "2.0"}, "files": []}`, "unsupported repository API version 2.0"},
		{"wrong project", mimeJSON, `{"meta": {"api-version": "1.0"}, "name": "other", "files": []}`, `lists project "other"`},
		{"content type", "application/octet-stream", "\x00\x01", `unsupported Content-Type "application/octet-stream"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fi := newFakeIndex(t)
			fi.intercept = func(w http.ResponseWriter, r *http.Request) bool {
				w.Header().Set("Content-Type", tt.ctype)
				w.Write([]byte(tt.body))
				return true
			}
			u := strings.Replace(fi.URL(), "http://", "http://alice:s3cret@", 1)
			c := newTestClient(t, WithIndexURL(u), WithMaxPageBytes(1024))
			_, err := c.Project(bg, "victim")
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			for _, want := range []string{tt.want, "index " + fi.URL(), "project victim"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q lacks %q", msg, want)
				}
			}
			if strings.Contains(msg, "s3cret") || strings.Contains(msg, "alice") {
				t.Errorf("error leaks credentials: %s", msg)
			}
			if fi.count("/simple/victim/") != 1 {
				t.Errorf("a hostile page was fetched %d times; it must not be retried", fi.count("/simple/victim/"))
			}
		})
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  Option
		want string
	}{
		{"bad index", WithIndexURL("ftp://u:pw@host/simple"), `index URL "ftp://****@host/simple"`},
		{"empty index", WithIndexURL(""), "index URL"},
		{"bad find-links scheme", WithFindLinks("ftp://host/x"), "unsupported scheme"},
		{"bad find-links URL", WithFindLinks("https://u:pw@host/%zz"), `find-links "https://****@host/%zz": not a valid URL`},
		{"workers", WithWorkers(0), "workers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(WithCacheDir(t.TempDir()), tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "pw@") {
				t.Errorf("leaks a password: %v", err)
			}
		})
	}
}
