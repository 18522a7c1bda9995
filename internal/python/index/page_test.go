package index

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const realisticHTML = `<!DOCTYPE html>
<html>
  <head>
    <meta name="pypi:repository-version" content="1.1">
    <title>Links for requests</title>
  </head>
  <body>
    <h1>Links for requests</h1>
    <a href="https://files.example.org/packages/ab/cd/requests-2.31.0-py3-none-any.whl#sha256=58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f" data-requires-python="&gt;=3.7" data-dist-info-metadata="sha256=942a0cbc1b1d66fba5e8f7b4b1bf9fc4a7b4cdc4ab2c4b1b4c11cf4ee0ae5c3a" data-core-metadata="sha256=942a0cbc1b1d66fba5e8f7b4b1bf9fc4a7b4cdc4ab2c4b1b4c11cf4ee0ae5c3a">requests-2.31.0-py3-none-any.whl</a><br />
    <a href="../../packages/requests-2.31.0.tar.gz#sha256=942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1" data-requires-python="&gt;=3.7">requests-2.31.0.tar.gz</a><br />
    <a href="/packages/requests-2.32.0-py3-none-any.whl" data-requires-python="&gt;=3.8, !=3.9.*" data-yanked="Yanked due to conflicts with CVE-2024-35195 mitigation">requests-2.32.0-py3-none-any.whl</a><br />
    <a href="requests-0.1.whl" data-yanked="">requests-0.1.whl</a>
    <a href="mailto:someone@example.org">contact</a>
    <a>no href</a>
    <a href="../">parent</a>
  </body>
</html>
`

func mustURL(t testing.TB, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestParseHTMLPage(t *testing.T) {
	base := mustURL(t, "https://index.example.org/simple/requests/")
	got, err := parseHTMLPage([]byte(realisticHTML), base)
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{
			Filename:           "requests-2.31.0-py3-none-any.whl",
			URL:                "https://files.example.org/packages/ab/cd/requests-2.31.0-py3-none-any.whl",
			Hashes:             Hashes{"sha256": "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"},
			RequiresPython:     ">=3.7",
			CoreMetadata:       true,
			CoreMetadataHashes: Hashes{"sha256": "942a0cbc1b1d66fba5e8f7b4b1bf9fc4a7b4cdc4ab2c4b1b4c11cf4ee0ae5c3a"},
		},
		{
			Filename:       "requests-2.31.0.tar.gz",
			URL:            "https://index.example.org/packages/requests-2.31.0.tar.gz",
			Hashes:         Hashes{"sha256": "942c5a758f98d790eaed1a29cb6eefc7ffb0d1cf7af05c3d2791656dbd6ad1e1"},
			RequiresPython: ">=3.7",
		},
		{
			Filename:       "requests-2.32.0-py3-none-any.whl",
			URL:            "https://index.example.org/packages/requests-2.32.0-py3-none-any.whl",
			Hashes:         Hashes{},
			RequiresPython: ">=3.8, !=3.9.*",
			Yanked:         true,
			YankedReason:   "Yanked due to conflicts with CVE-2024-35195 mitigation",
		},
		{
			Filename: "requests-0.1.whl",
			URL:      "https://index.example.org/simple/requests/requests-0.1.whl",
			Hashes:   Hashes{},
			Yanked:   true,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestParseHTMLPageAttributes(t *testing.T) {
	base := mustURL(t, "https://h/simple/p/")
	tests := []struct {
		name, anchor string
		want         File
	}{
		{"legacy dist-info-metadata", `<a href="p-1-py3-none-any.whl" data-dist-info-metadata="true">x</a>`,
			File{CoreMetadata: true, CoreMetadataHashes: Hashes{}}},
		{"core-metadata wins over legacy", `<a href="p-1-py3-none-any.whl" data-core-metadata="sha256=aa" data-dist-info-metadata="sha256=bb">x</a>`,
			File{CoreMetadata: true, CoreMetadataHashes: Hashes{"sha256": "aa"}}},
		{"core-metadata false", `<a href="p-1-py3-none-any.whl" data-core-metadata="false">x</a>`, File{}},
		{"escaped requires-python", `<a href="p-1-py3-none-any.whl" data-requires-python="&lt;4,&gt;=3.6">x</a>`,
			File{RequiresPython: "<4,>=3.6"}},
		{"upper-case hash", `<a href="p-1-py3-none-any.whl#SHA256=ABCDEF">x</a>`, File{Hashes: Hashes{"sha256": "abcdef"}}},
		{"egg fragment is no hash", `<a href="p-1.tar.gz#egg=p">x</a>`, File{Filename: "p-1.tar.gz", URL: "https://h/simple/p/p-1.tar.gz"}},
		{"yanked with entity", `<a href="p-1-py3-none-any.whl" data-yanked="broken &amp; bad">x</a>`,
			File{Yanked: true, YankedReason: "broken & bad"}},
		{"percent-encoded name", `<a href="p-1%2Blocal-py3-none-any.whl">x</a>`,
			File{Filename: "p-1+local-py3-none-any.whl", URL: "https://h/simple/p/p-1%2Blocal-py3-none-any.whl"}},
		{"credentials in link dropped", `<a href="https://u:secret@files.h/p-1-py3-none-any.whl">x</a>`,
			File{URL: "https://files.h/p-1-py3-none-any.whl"}},
		{"base tag", `<base href="https://mirror.h/dl/"><a href="p-1-py3-none-any.whl">x</a>`,
			File{URL: "https://mirror.h/dl/p-1-py3-none-any.whl"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := parseHTMLPage([]byte(tt.anchor), base)
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != 1 {
				t.Fatalf("got %d files, want 1", len(files))
			}
			want := tt.want
			if want.Filename == "" {
				want.Filename = "p-1-py3-none-any.whl"
			}
			if want.URL == "" {
				want.URL = "https://h/simple/p/" + want.Filename
			}
			if want.Hashes == nil {
				want.Hashes = Hashes{}
			}
			if diff := cmp.Diff(want, files[0]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseHTMLPageErrors(t *testing.T) {
	base := mustURL(t, "https://h/simple/p/")
	tests := []struct{ name, page, want string }{
		{"major version 2", `<meta name="pypi:repository-version" content="2.0"><a href="p-1.whl">p</a>`, "unsupported repository API version 2.0"},
		{"bad version", `<meta name="pypi:repository-version" content="one">`, `invalid repository API version "one"`},
		{"bad href", `<a href="http://[::1">p</a>`, `link 1 (href "http://[::1"): not a valid URL`},
		{"bad href with password", `<a href="http://user:hunter2@[::1">p</a>`, `link 1 (href "http://***@[::1")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseHTMLPage([]byte(tt.page), base)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Fatalf("error leaks a password: %v", err)
			}
		})
	}
}

func TestParseHTMLPageFileLinksOnlyOnLocalPages(t *testing.T) {
	page := []byte(`<a href="file:///etc/p-1-py3-none-any.whl">p</a>`)
	remote, err := parseHTMLPage(page, mustURL(t, "https://h/links.html"))
	if err != nil || len(remote) != 0 {
		t.Fatalf("remote page: files %v, err %v; want the file: link skipped", remote, err)
	}
	local, err := parseHTMLPage(page, mustURL(t, "file:///srv/links.html"))
	if err != nil || len(local) != 1 {
		t.Fatalf("local page: files %v, err %v; want the file: link kept", local, err)
	}
	// A remote page cannot turn itself local with a <base href>: its relative links
	// would otherwise point into the runner's file system.
	rebased := []byte(`<base href="file:///home/runner/"><a href="p-1-py3-none-any.whl">p</a>`)
	if files, err := parseHTMLPage(rebased, mustURL(t, "https://h/links.html")); err != nil || len(files) != 0 {
		t.Fatalf("remote page with a file: base: files %v, err %v; want the link skipped", files, err)
	}
}

const realisticJSON = `{
  "meta": {"api-version": "1.1", "_last-serial": 20000000},
  "name": "Requests",
  "versions": ["2.31.0", "2.32.0"],
  "files": [
    {"filename": "requests-2.31.0-py3-none-any.whl",
     "url": "https://files.example.org/packages/requests-2.31.0-py3-none-any.whl",
     "hashes": {"sha256": "58CD2187C01E70E6E26505BCA751777AA9F2EE0B7F4300988B709F44E013003F"},
     "requires-python": ">=3.7", "core-metadata": {"sha256": "942a"}, "data-dist-info-metadata": {"sha256": "942a"},
     "size": 62574, "upload-time": "2023-05-22T15:12:42.313790Z", "yanked": false},
    {"filename": "requests-2.31.0.tar.gz", "url": "../../packages/requests-2.31.0.tar.gz",
     "hashes": {}, "requires-python": null, "size": 110794, "yanked": "bad release"},
    {"filename": "requests-2.32.0-py3-none-any.whl", "url": "/packages/requests-2.32.0-py3-none-any.whl",
     "hashes": {"sha256": "aa"}, "dist-info-metadata": true, "yanked": true, "provenance": null, "gpg-sig": false}
  ]
}`

func TestParseJSONPage(t *testing.T) {
	base := mustURL(t, "https://index.example.org/simple/requests/")
	name, got, err := parseJSONPage([]byte(realisticJSON), base)
	if err != nil {
		t.Fatal(err)
	}
	if name != "Requests" {
		t.Errorf("name %q", name)
	}
	want := []File{
		{
			Filename:           "requests-2.31.0-py3-none-any.whl",
			URL:                "https://files.example.org/packages/requests-2.31.0-py3-none-any.whl",
			Hashes:             Hashes{"sha256": "58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f"},
			RequiresPython:     ">=3.7",
			CoreMetadata:       true,
			CoreMetadataHashes: Hashes{"sha256": "942a"},
			Size:               62574,
			UploadTime:         time.Date(2023, 5, 22, 15, 12, 42, 313790000, time.UTC),
		},
		{
			Filename:     "requests-2.31.0.tar.gz",
			URL:          "https://index.example.org/packages/requests-2.31.0.tar.gz",
			Hashes:       Hashes{},
			Size:         110794,
			Yanked:       true,
			YankedReason: "bad release",
		},
		{
			Filename:           "requests-2.32.0-py3-none-any.whl",
			URL:                "https://index.example.org/packages/requests-2.32.0-py3-none-any.whl",
			Hashes:             Hashes{"sha256": "aa"},
			CoreMetadata:       true,
			CoreMetadataHashes: Hashes{},
			Yanked:             true,
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
}

func TestParseJSONPageErrors(t *testing.T) {
	base := mustURL(t, "https://h/simple/p/")
	tests := []struct{ name, page, want string }{
		{"not JSON", `<html>`, "malformed JSON"},
		{"truncated", `{"meta": {"api-version": "1.0"}, "files": [`, "malformed JSON"},
		{"no meta", `{"files": []}`, `no "meta"."api-version"`},
		{"major version 2", `{"meta": {"api-version": "2.0"}, "files": []}`, "unsupported repository API version 2.0"},
		{"no files", `{"meta": {"api-version": "1.0"}}`, `no "files" list`},
		{"no filename", `{"meta": {"api-version": "1.0"}, "files": [{"url": "x"}]}`, "files[0]"},
		{"path in filename", `{"meta": {"api-version": "1.0"}, "files": [{"filename": "../../evil.whl", "url": "x"}]}`, "invalid filename"},
		{"no url", `{"meta": {"api-version": "1.0"}, "files": [{"filename": "p-1.tar.gz"}]}`, "missing url"},
		{"file scheme", `{"meta": {"api-version": "1.0"}, "files": [{"filename": "p-1.tar.gz", "url": "file:///etc/passwd"}]}`, `scheme "file" not allowed`},
		{"bad yanked", `{"meta": {"api-version": "1.0"}, "files": [{"filename": "p-1.tar.gz", "url": "x", "yanked": 3}]}`, "yanked: want a boolean"},
		{"bad core-metadata", `{"meta": {"api-version": "1.0"}, "files": [{"filename": "p-1.tar.gz", "url": "x", "core-metadata": "yes"}]}`, "core-metadata: want"},
		{"bad upload-time", `{"meta": {"api-version": "1.1"}, "files": [{"filename": "p-1.tar.gz", "url": "x", "upload-time": "yesterday"}]}`, "upload-time"},
		{"negative size", `{"meta": {"api-version": "1.1"}, "files": [{"filename": "p-1.tar.gz", "url": "x", "size": -1}]}`, "negative size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseJSONPage([]byte(tt.page), base)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestBelongsTo(t *testing.T) {
	tests := []struct {
		file, project string
		want          bool
	}{
		{"zope.interface-6.0-cp310-cp310-manylinux_2_17_x86_64.whl", "zope-interface", true},
		{"zope_interface-6.0-py3-none-any.whl", "zope-interface", true},
		{"zope_interface-6.0-py3-none-any.whl", "zope", false},
		{"foo_bar-1.0.tar.gz", "foo-bar", true},
		{"foo-bar-1.0.tar.gz", "foo-bar", true},
		{"foo-bar-1.0.tar.gz", "foo", false}, // "bar-1.0" is no version
		{"Foo.Bar-2.0rc1.zip", "foo-bar", true},
		{"foo-1.0.tbz", "foo", true},
		{"foo-1.0.exe", "foo", false},
		{"foo-1.0.whl", "foo", false}, // not a valid wheel name
		{"readme.txt", "readme", false},
	}
	for _, tt := range tests {
		if got := belongsTo(tt.file, tt.project); got != tt.want {
			t.Errorf("belongsTo(%q, %q) = %v, want %v", tt.file, tt.project, got, tt.want)
		}
	}
}

func TestSdistVersion(t *testing.T) {
	tests := []struct{ file, project, want string }{
		{"foo-bar-1.0.post1.tar.gz", "foo-bar", "1.0.post1"},
		{"Foo_Bar-2.0rc1.ZIP", "foo-bar", "2.0rc1"},
		{"foo-bar-1.0.tar.gz", "foo", ""},
		{"foo-notaversion.tar.gz", "foo", ""},
		{"foo-1.0-py3-none-any.whl", "foo", ""},
	}
	for _, tt := range tests {
		got := "" // no version
		if v, ok := SdistVersion(tt.file, tt.project); ok {
			got = v.String()
		}
		if got != tt.want {
			t.Errorf("SdistVersion(%q, %q) = %q, want %q", tt.file, tt.project, got, tt.want)
		}
	}
}
