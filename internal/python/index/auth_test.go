package index

import (
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestCredentialsFromURLOnlyToTheirHost(t *testing.T) {
	files := newFakeIndex(t) // another host (port) serving the wheel
	w := makeWheel(t, "private-pkg", "1.0", nil, 10)
	files.add("private-pkg", &fakeFile{testWheel: w})
	idx := newFakeIndex(t)
	idx.format = "json"
	idx.intercept = func(rw http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") != basic("alice", "s3cret") {
			http.Error(rw, "who are you", http.StatusUnauthorized)
			return true
		}
		// Serve the files host's page so that file URLs point at the other host.
		files.servePage(rw, r, "private-pkg")
		return true
	}
	u := strings.Replace(idx.URL(), "http://", "http://alice:s3cret@", 1)
	log := &eventLog{}
	c := newTestClient(t, WithIndexURL(u), WithProgress(log.add))
	if got := strings.Join(c.Sources(), " "); got != idx.URL() {
		t.Errorf("Sources() = %q, want the URL without credentials", got)
	}
	p, err := c.Project(bg, "private-pkg")
	if err != nil {
		t.Fatal(err)
	}
	if p.Index != idx.URL() {
		t.Errorf("Project.Index %q", p.Index)
	}
	if _, err := c.Download(bg, p.Files[0], nil); err != nil {
		t.Fatal(err)
	}
	if len(files.authSeen) != 0 {
		t.Errorf("credentials sent to the files host: %v", files.authSeen)
	}
	if strings.Contains(log.lines(), "s3cret") || strings.Contains(log.lines(), "alice") {
		t.Errorf("progress shows credentials:\n%s", log.lines())
	}
	// An error from the index must not show them either.
	_, err = c.Project(bg, "missing")
	if err == nil || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "alice") {
		t.Errorf("error %v", err)
	}
	// Nor may the cache's file names.
	filepath.WalkDir(c.cache.dir, func(path string, d os.DirEntry, err error) error {
		if strings.Contains(path, "s3cret") || strings.Contains(path, "alice") {
			t.Errorf("cache path holds credentials: %s", path)
		}
		if !d.IsDir() {
			if b, _ := os.ReadFile(path); strings.Contains(string(b), "s3cret") {
				t.Errorf("cache file holds credentials: %s", path)
			}
		}
		return nil
	})
}

func TestWrongCredentialsIsAClearError(t *testing.T) {
	idx := newFakeIndex(t)
	idx.intercept = func(rw http.ResponseWriter, r *http.Request) bool {
		http.Error(rw, "no", http.StatusUnauthorized)
		return true
	}
	c := newTestClient(t, WithIndexURL(strings.Replace(idx.URL(), "http://", "http://tok3n@", 1)))
	_, err := c.Project(bg, "pkg")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 401 || strings.Contains(err.Error(), "tok3n") {
		t.Fatalf("error %v", err)
	}
	if idx.count("/simple/pkg/") != 1 {
		t.Errorf("401 retried: %d requests", idx.count("/simple/pkg/"))
	}
}

func TestNetrc(t *testing.T) {
	idx := newFakeIndex(t)
	w := makeWheel(t, "pkg", "1.0", nil, 10)
	idx.add("pkg", &fakeFile{testWheel: w})
	other := newFakeIndex(t) // a host with no netrc entry: gets the default entry? never.
	other.add("pkg2", &fakeFile{testWheel: makeWheel(t, "pkg2", "1.0", nil, 10)})

	netrcPath := filepath.Join(t.TempDir(), "netrc")
	content := "# credentials\nmachine 127.0.0.1 login bob password hunter2\n" +
		"macdef init\n  cd /pub\n\ndefault login anon password anonpw\n"
	os.WriteFile(netrcPath, []byte(content), 0o600)
	c := newTestClient(t, WithIndexURL(idx.URL()), WithNetrc(netrcPath))
	p, err := c.Project(bg, "pkg")
	if err != nil {
		t.Fatal(err)
	}
	if len(idx.authSeen) != 1 || idx.authSeen[0] != basic("bob", "hunter2") {
		t.Errorf("index got %v, want bob's netrc credentials", idx.authSeen)
	}
	_ = p

	// The netrc "default" goes only to configured sources. Files on "localhost" (no
	// machine entry, not an index host) get nothing.
	f := File{Filename: w.filename, URL: strings.Replace(idx.srv.URL, "127.0.0.1", "localhost", 1) + "/files/" + w.filename,
		Hashes: Hashes{"sha256": w.sha256()}}
	before := len(idx.authSeen)
	if _, err := c.Download(bg, f, nil); err != nil {
		t.Fatal(err)
	}
	if len(idx.authSeen) != before {
		t.Errorf("credentials sent to a host that is not an index: %v", idx.authSeen[before:])
	}
}

func TestParseNetrc(t *testing.T) {
	n, err := parseNetrc("x", "machine a.example login u1 password p1 account acct\nmachine A.EXAMPLE login dup password dup\nmachine b login u2\ndefault\nlogin d password dp")
	if err != nil {
		t.Fatal(err)
	}
	if n.machines["a.example"] != (netrcEntry{"u1", "p1"}) || n.machines["b"] != (netrcEntry{"u2", ""}) ||
		n.def == nil || *n.def != (netrcEntry{"d", "dp"}) {
		t.Errorf("parsed %+v default %+v", n.machines, n.def)
	}
	for _, bad := range []string{"login u", "machine", "machine a login", "machine a bogus x"} {
		_, err := parseNetrc("/home/u/.netrc", bad+" password topsecret")
		if err == nil {
			t.Errorf("%q: no error", bad)
			continue
		}
		if !strings.Contains(err.Error(), "/home/u/.netrc") || strings.Contains(err.Error(), "topsecret") {
			t.Errorf("%q: error %v", bad, err)
		}
	}
	if n, err := readNetrc(filepath.Join(t.TempDir(), "none")); err != nil || len(n.machines) != 0 {
		t.Errorf("missing netrc: %v %v", n, err)
	}
}

// hostClient dials every host name to addr, so tests can use names that are not loopback.
func hostClient(base *http.Client, addr string) *http.Client {
	tr := base.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, addr)
	}
	return &http.Client{Transport: tr}
}

func TestRedirectToHTTPRefused(t *testing.T) {
	var plainHits int
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { plainHits++ }))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://mirror.test"+r.URL.Path, http.StatusFound)
	}))
	defer tlsSrv.Close()
	hc := hostClient(tlsSrv.Client(), tlsSrv.Listener.Addr().String())
	hc.Transport.(*http.Transport).TLSClientConfig.ServerName = "example.com" // httptest's certificate name
	c := newTestClient(t, WithIndexURL("https://u:pw@example.com/simple/"), WithHTTPClient(hc))
	_, err := c.Project(bg, "pkg")
	if err == nil || !strings.Contains(err.Error(), "refused redirect from https://example.com/simple/pkg/ to http://mirror.test/simple/pkg/") {
		t.Fatalf("error %v", err)
	}
	if strings.Contains(err.Error(), "pw") {
		t.Errorf("error leaks the password: %v", err)
	}
	if plainHits != 0 {
		t.Errorf("the plain-http target was contacted")
	}
}

func TestRedirectKeepsCredentialsOnTheirHost(t *testing.T) {
	// The index redirects the page to another host: that host must not get the index's
	// credentials (Go would forward them to a subdomain; we forward them nowhere).
	target := newFakeIndex(t)
	target.add("pkg", &fakeFile{testWheel: makeWheel(t, "pkg", "1.0", nil, 10)})
	idx := newFakeIndex(t)
	idx.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		http.Redirect(w, r, target.srv.URL+r.URL.Path, http.StatusMovedPermanently)
		return true
	}
	c := newTestClient(t, WithIndexURL(strings.Replace(idx.URL(), "http://", "http://u:pw@", 1)))
	p, err := c.Project(bg, "pkg")
	if err != nil || len(p.Files) != 1 {
		t.Fatalf("%v %v", p, err)
	}
	if len(idx.authSeen) != 1 || len(target.authSeen) != 0 {
		t.Errorf("index saw %v, redirect target saw %v", idx.authSeen, target.authSeen)
	}
	// Relative links resolve against the final URL (the loopback index may redirect to http).
	if !strings.HasPrefix(p.Files[0].URL, target.srv.URL+"/files/") {
		t.Errorf("file URL %s", p.Files[0].URL)
	}
}

// A direct URL the user wrote with credentials (pkg @ https://user:token@host/pkg.whl)
// sends them to that URL, and only there: a redirect elsewhere gets none, and they show
// in no event.
func TestCredentialsOfADirectURL(t *testing.T) {
	w := makeWheel(t, "pkg", "1.0", nil, 10)
	files := newFakeIndex(t)
	files.add("pkg", &fakeFile{testWheel: w})
	files.intercept = func(rw http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("Authorization") != basic("bob", "tok3n") {
			http.Error(rw, "who are you", http.StatusUnauthorized)
			return true
		}
		return false
	}
	log := &eventLog{}
	c := newTestClient(t, WithNoIndex(), WithProgress(log.add))
	direct := File{Filename: w.filename, URL: strings.Replace(files.srv.URL, "http://", "http://bob:tok3n@", 1) + "/files/" + w.filename,
		Hashes: Hashes{"sha256": w.sha256()}}
	if _, err := c.Download(bg, direct, nil); err != nil {
		t.Fatalf("Download with the direct URL's credentials: %v", err)
	}
	if strings.Contains(log.lines(), "tok3n") {
		t.Errorf("progress shows the credentials:\n%s", log.lines())
	}

	moved := newFakeIndex(t)
	moved.add("pkg", &fakeFile{testWheel: w})
	away := newFakeIndex(t)
	away.intercept = func(rw http.ResponseWriter, r *http.Request) bool {
		http.Redirect(rw, r, moved.srv.URL+r.URL.Path, http.StatusFound)
		return true
	}
	direct.URL = strings.Replace(away.srv.URL, "http://", "http://bob:tok3n@", 1) + "/files/" + w.filename
	c = newTestClient(t, WithNoIndex())
	if _, err := c.Download(bg, direct, nil); err != nil {
		t.Fatalf("Download through a redirect: %v", err)
	}
	if len(away.authSeen) != 1 || len(moved.authSeen) != 0 {
		t.Errorf("the direct URL's host saw %v, the redirect target saw %v; want the credentials at the first only", away.authSeen, moved.authSeen)
	}
}

func TestPlainHTTPCredentials(t *testing.T) {
	netrcPath := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(netrcPath, []byte("machine internal.example login bob password hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		opts []Option
		want []string
	}{
		{"token in a plain http index", []Option{WithIndexURL("http://ci:TOKEN@pypi.internal.example/simple")},
			[]string{"http://pypi.internal.example/simple/"}},
		{"netrc for a plain http extra index", []Option{WithExtraIndexURLs("http://internal.example/simple/"), WithNetrc(netrcPath)},
			[]string{"http://internal.example/simple/"}},
		{"token in a plain http find-links page", []Option{WithNoIndex(), WithFindLinks("http://ci:TOKEN@wheels.example/list.html")},
			[]string{"http://wheels.example/list.html"}},
		{"https", []Option{WithIndexURL("https://ci:TOKEN@pypi.internal.example/simple/")}, nil},
		{"plain http without credentials", []Option{WithIndexURL("http://pypi.internal.example/simple/"), WithNetrc(netrcPath)}, nil},
		{"loopback", []Option{WithIndexURL("http://ci:TOKEN@127.0.0.1:8080/simple/")}, nil},
		{"localhost", []Option{WithIndexURL("http://ci:TOKEN@localhost:8080/simple/")}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newTestClient(t, tt.opts...)
			got := c.PlainHTTPCredentials()
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("PlainHTTPCredentials() = %q, want %q", got, tt.want)
			}
			for _, g := range got {
				if strings.Contains(g, "TOKEN") || strings.Contains(g, "hunter2") {
					t.Errorf("credentials in %q", g)
				}
			}
		})
	}
}
