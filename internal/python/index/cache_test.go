package index

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
)

func TestPageRevalidation(t *testing.T) {
	fi := newFakeIndex(t) // no max-age: every use revalidates
	fi.add("pkg", &fakeFile{testWheel: makeWheel(t, "pkg", "1.0", nil, 1)})
	dir := t.TempDir()
	first := newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir))
	if _, err := first.Project(bg, "pkg"); err != nil {
		t.Fatal(err)
	}
	log := &eventLog{}
	second := newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir), WithProgress(log.add))
	p, err := second.Project(bg, "pkg")
	if err != nil || len(p.Files) != 1 {
		t.Fatalf("%v %v", p, err)
	}
	if fi.count("/simple/pkg/") != 2 || fi.conditions != 1 {
		t.Errorf("%d requests, %d answered 304; want 2 and 1", fi.count("/simple/pkg/"), fi.conditions)
	}
	if !strings.Contains(log.lines(), "page "+fi.URL()+"pkg/ unchanged (cached)") {
		t.Errorf("progress:\n%s", log.lines())
	}
	// A changed page is fetched again in full.
	fi.add("pkg", &fakeFile{testWheel: makeWheel(t, "pkg", "2.0", nil, 1)})
	third := newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir))
	if p, err := third.Project(bg, "pkg"); err != nil || len(p.Files) != 2 {
		t.Errorf("changed page: %v %v", p, err)
	}
}

func TestPageRevalidationLastModified(t *testing.T) {
	const stamp = "Tue, 02 Jan 2024 03:04:05 GMT"
	var conditional int
	fi := newFakeIndex(t)
	fi.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		if r.Header.Get("If-None-Match") != "" {
			t.Errorf("If-None-Match sent though the page had no ETag")
		}
		if r.Header.Get("If-Modified-Since") == stamp {
			conditional++
			w.WriteHeader(http.StatusNotModified)
			return true
		}
		w.Header().Set("Last-Modified", stamp)
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<a href="/files/pkg-1.0-py3-none-any.whl">pkg</a>`))
		return true
	}
	dir := t.TempDir()
	for range 2 {
		c := newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir))
		if p, err := c.Project(bg, "pkg"); err != nil || len(p.Files) != 1 {
			t.Fatalf("%v %v", p, err)
		}
	}
	if conditional != 1 {
		t.Errorf("%d conditional requests answered 304, want 1", conditional)
	}
}

func TestSecondClientWithoutNetwork(t *testing.T) {
	fi := newFakeIndex(t)
	fi.maxAge = 600
	w := makeWheel(t, "pkg", "1.0", []string{"dep"}, 1000)
	fi.add("pkg", &fakeFile{testWheel: w})
	dir := t.TempDir()
	use := func(c *Client) {
		t.Helper()
		p, err := c.Project(bg, "pkg")
		if err != nil {
			t.Fatal(err)
		}
		if md, err := c.Metadata(bg, p.Files[0]); err != nil || md.RequiresDist[0].Name != "dep" {
			t.Fatalf("metadata %v %v", md, err)
		}
		if d, err := c.Download(bg, p.Files[0], []string{"sha256:" + w.sha256()}); err != nil || d.SHA256 != w.sha256() {
			t.Fatalf("download %v %v", d, err)
		}
	}
	first := &eventLog{}
	use(newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir), WithProgress(first.add)))
	wantFirst := regexp.MustCompile(`^index: pkg: page ` + regexp.QuoteMeta(fi.URL()) + `pkg/ \(\d+ B\)
index: ` + regexp.QuoteMeta(w.filename) + `: metadata via metadata-file \(\d+ B transferred\)
index: ` + regexp.QuoteMeta(w.filename) + `: downloaded [\d.]+ KiB from ` + regexp.QuoteMeta(fi.srv.URL+"/files/"+w.filename) + `
$`)
	if !wantFirst.MatchString(first.lines()) {
		t.Errorf("first client's progress:\n%s", first.lines())
	}
	before := fi.total()
	log := &eventLog{}
	use(newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir), WithProgress(log.add)))
	if fi.total() != before {
		t.Errorf("the second client made %d requests, want none", fi.total()-before)
	}
	want := "index: pkg: page " + fi.URL() + "pkg/ unchanged (cached)\n" +
		"index: " + w.filename + ": metadata from cache\n" +
		"index: " + w.filename + ": in cache\n"
	if log.lines() != want {
		t.Errorf("progress:\n%s\nwant:\n%s", log.lines(), want)
	}
}

func TestConcurrentClientsShareTheCache(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "pkg", "1.0", nil, 200<<10)
	fi.add("pkg", &fakeFile{testWheel: w})
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	paths := make([]string, 8)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := New(WithIndexURL(fi.URL()), WithCacheDir(dir))
			if err != nil {
				errs[i] = err
				return
			}
			p, err := c.Project(bg, "pkg")
			if err != nil {
				errs[i] = err
				return
			}
			if _, err := c.Metadata(bg, p.Files[0]); err != nil {
				errs[i] = err
				return
			}
			d, err := c.Download(bg, p.Files[0], nil)
			if err == nil {
				paths[i] = d.Path
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("client %d: %v", i, err)
		}
		if paths[i] != paths[0] {
			t.Errorf("client %d got %s, client 0 %s", i, paths[i], paths[0])
		}
	}
	got, _ := os.ReadFile(paths[0])
	if string(got) != string(w.data) {
		t.Errorf("cached wheel differs from the served one")
	}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if strings.HasPrefix(d.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", path)
		}
		return nil
	})
}

func TestCorruptCacheEntriesAreRefetched(t *testing.T) {
	fi := newFakeIndex(t)
	fi.maxAge = 600
	w := makeWheel(t, "pkg", "1.0", nil, 1000)
	fi.add("pkg", &fakeFile{testWheel: w})
	dir := t.TempDir()
	c := newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir))
	p, _ := c.Project(bg, "pkg")
	c.Metadata(bg, p.Files[0])
	d, err := c.Download(bg, p.Files[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	// Damage every cache entry: truncate the wheel, flip a byte in the rest.
	os.WriteFile(d.Path, w.data[:100], 0o644)
	filepath.WalkDir(dir, func(path string, de os.DirEntry, err error) error {
		if de.IsDir() || path == d.Path {
			return nil
		}
		b, _ := os.ReadFile(path)
		b[len(b)-2] ^= 0xff
		os.WriteFile(path, b, 0o644)
		return nil
	})
	before := map[string]int{"page": fi.count("/simple/pkg/"), "meta": fi.count("/files/" + w.filename + ".metadata"), "file": fi.fullGets[w.filename]}
	c2 := newTestClient(t, WithIndexURL(fi.URL()), WithCacheDir(dir))
	p2, err := c2.Project(bg, "pkg")
	if err != nil || len(p2.Files) != 1 {
		t.Fatalf("%v %v", p2, err)
	}
	if _, err := c2.Metadata(bg, p2.Files[0]); err != nil {
		t.Fatal(err)
	}
	d2, err := c2.Download(bg, p2.Files[0], nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(d2.Path); string(got) != string(w.data) {
		t.Errorf("the corrupt wheel was not replaced")
	}
	after := map[string]int{"page": fi.count("/simple/pkg/"), "meta": fi.count("/files/" + w.filename + ".metadata"), "file": fi.fullGets[w.filename]}
	for k := range before {
		if after[k] != before[k]+1 {
			t.Errorf("%s: %d fetches after corruption, want 1", k, after[k]-before[k])
		}
	}
}

func TestHashMismatchFromIndex(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "pkg", "1.0", nil, 10)
	claimed := strings.Repeat("0", 64)
	fi.add("pkg", &fakeFile{testWheel: w, indexHash: claimed})
	c := newTestClient(t, WithIndexURL(fi.URL()))
	p, _ := c.Project(bg, "pkg")
	_, err := c.Download(bg, p.Files[0], nil)
	var hm *HashMismatchError
	if !errors.As(err, &hm) || hm.Source != "index" {
		t.Fatalf("error %v", err)
	}
	want := "hash mismatch for " + w.filename + ": the index says sha256:" + claimed + " but the downloaded file has sha256:" + w.sha256()
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q\nwant %q", err, want)
	}
	if fi.fullGets[w.filename] != 1 {
		t.Errorf("a hash mismatch was retried")
	}
	entries, _ := filepath.Glob(filepath.Join(c.cache.dir, "wheels-v1", "*", "*", w.filename))
	if len(entries) != 0 {
		t.Errorf("a mismatching file entered the cache: %v", entries)
	}
}

func TestHashCheckingMode(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "pkg", "1.0", nil, 10)
	nohash := makeWheel(t, "nohash", "1.0", nil, 10)
	fi.add("pkg", &fakeFile{testWheel: w})
	fi.add("nohash", &fakeFile{testWheel: nohash, indexHash: "-"})
	c := newTestClient(t, WithIndexURL(fi.URL()))
	p, _ := c.Project(bg, "pkg")
	other := strings.Repeat("1", 64)

	if _, err := c.Download(bg, p.Files[0], []string{"sha256:" + other, "sha256:" + w.sha256()}); err != nil {
		t.Errorf("one matching --hash of two: %v", err)
	}
	_, err := c.Download(bg, p.Files[0], []string{"sha256:" + other})
	want := "hash mismatch for " + w.filename + ": the requirement's --hash allows sha256:" + other +
		" but the downloaded file has sha256:" + w.sha256()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v\nwant %q", err, want)
	}
	if _, err := c.Download(bg, p.Files[0], []string{"md5:" + md5Hex(w.data)}); err != nil {
		t.Errorf("--hash with md5: %v", err)
	}
	if _, err := c.Download(bg, p.Files[0], []string{"sha256"}); err == nil || !strings.Contains(err.Error(), "want ALGORITHM:HEXDIGEST") {
		t.Errorf("malformed --hash: %v", err)
	}

	// No index hash: hashed and recorded; with --hash it must match.
	np, _ := c.Project(bg, "nohash")
	d, err := c.Download(bg, np.Files[0], nil)
	if err != nil || d.SHA256 != nohash.sha256() || !strings.Contains(d.Path, nohash.sha256()) {
		t.Fatalf("unhashed file: %+v %v", d, err)
	}
	if _, err := c.Download(bg, np.Files[0], []string{"sha256:" + other}); err == nil {
		t.Errorf("an unhashed file passed a wrong --hash")
	}
}

func TestDownloadSizeMismatch(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "pkg", "1.0", nil, 10)
	fi.add("pkg", &fakeFile{testWheel: w})
	c := newTestClient(t, WithIndexURL(fi.URL()))
	p, _ := c.Project(bg, "pkg")
	f := p.Files[0]
	f.Size++
	if _, err := c.Download(bg, f, nil); err == nil || !strings.Contains(err.Error(), "size mismatch") {
		t.Errorf("error %v", err)
	}
	small := newTestClient(t, WithIndexURL(fi.URL()), WithMaxFileBytes(100))
	p, _ = small.Project(bg, "pkg")
	if _, err := small.Download(bg, p.Files[0], nil); err == nil || !strings.Contains(err.Error(), "larger than the 100 byte limit") {
		t.Errorf("error %v", err)
	}
}
