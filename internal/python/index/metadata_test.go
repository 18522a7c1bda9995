package index

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParseMetadata(t *testing.T) {
	data := "Metadata-Version: 2.1\r\n" +
		"Name: Demo_Pkg\r\n" +
		"Version: 1.0.post1\r\n" +
		"Summary: a demo\r\n" +
		"requires-python: >=3.8,\r\n" +
		"\t<4\r\n" +
		"Requires-Dist: idna (<4,>=2.5)\r\n" +
		"Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\r\n" +
		"Requires-Dist: chardet<6,>=3.0.2 ; extra ==\r\n" +
		"        'use-chardet-on-py3'\r\n" +
		"Provides-Extra: socks\r\n" +
		"Provides-Extra: use-chardet-on-py3\r\n" +
		"Description-Content-Type: text/markdown\r\n" +
		"\r\n" +
		"Requires-Dist: not-a-field-this-is-the-body\r\n"
	md, err := ParseMetadata([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var reqs []string
	for _, r := range md.RequiresDist {
		reqs = append(reqs, r.String())
	}
	got := strings.Join([]string{md.MetadataVersion, md.Name, md.Version.String(), md.RequiresPython.String(),
		strings.Join(reqs, " | "), strings.Join(md.ProvidesExtra, ",")}, "\n")
	want := strings.Join([]string{"2.1", "Demo_Pkg", "1.0.post1", "<4,>=3.8",
		`idna<4,>=2.5 | PySocks!=1.5.7,>=1.5.6; extra == "socks" | chardet<6,>=3.0.2; extra == "use-chardet-on-py3"`,
		"socks,use-chardet-on-py3"}, "\n")
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestParseMetadataErrors(t *testing.T) {
	tests := []struct{ name, data, want string }{
		{"no name", "Version: 1\n", "no Name field"},
		{"no version", "Name: x\n", "METADATA for x: no Version field"},
		{"bad version", "Name: x\nVersion: one\n", `METADATA line 2: Version "one"`},
		{"bad requires-dist", "Name: x\nVersion: 1\nRequires-Dist: foo >=< 1\n", `METADATA line 3: Requires-Dist "foo >=< 1"`},
		{"bad requires-python", "Name: x\nVersion: 1\nRequires-Python: >=3.6.*\n", `METADATA line 3: Requires-Python ">=3.6.*"`},
		{"not a field", "Name: x\nthis is not a field\n", `METADATA line 2: "this is not a field" is not a "Key: value" field`},
		{"leading continuation", " Name: x\n", "line 1: continuation line before any field"},
		{"metadata version 3", "Metadata-Version: 3.0\nName: x\nVersion: 1\n", `unsupported Metadata-Version "3.0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseMetadata([]byte(tt.data))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func TestMetadataFile(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "meta-pkg", "1.0", []string{"dep[x]>=2; python_version>='3.8'"}, 1<<20)
	fi.add("meta-pkg", &fakeFile{testWheel: w})
	log := &eventLog{}
	c := newTestClient(t, WithIndexURL(fi.URL()), WithProgress(log.add))
	p, err := c.Project(bg, "meta-pkg")
	if err != nil {
		t.Fatal(err)
	}
	md, err := c.Metadata(bg, p.Files[0])
	if err != nil {
		t.Fatal(err)
	}
	if md.Name != "meta-pkg" || len(md.RequiresDist) != 1 || md.RequiresDist[0].Name != "dep" {
		t.Fatalf("metadata %+v", md)
	}
	if fi.count("/files/"+w.filename+".metadata") != 1 || fi.count("/files/"+w.filename) != 0 {
		t.Errorf("want one .metadata request and none for the wheel, got hits %v", fi.hits)
	}
	if !strings.Contains(log.lines(), "index: "+w.filename+": metadata via metadata-file") {
		t.Errorf("progress:\n%s", log.lines())
	}
}

func TestMetadataFileBadHash(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "meta-pkg", "1.0", nil, 10)
	bad := strings.Repeat("ab", 32)
	fi.add("meta-pkg", &fakeFile{testWheel: w, metadataHash: bad})
	c := newTestClient(t, WithIndexURL(fi.URL()))
	p, _ := c.Project(bg, "meta-pkg")
	_, err := c.Metadata(bg, p.Files[0])
	var hm *HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("error %v, want *HashMismatchError", err)
	}
	msg := err.Error()
	for _, want := range []string{w.filename + ".metadata", "sha256:" + bad, "sha256:" + sha256Hex(w.metadata)} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if fi.count("/files/"+w.filename) != 0 {
		t.Errorf("a bad metadata hash fell back to the wheel; it must be an error")
	}
}

func TestMetadataRangeRequests(t *testing.T) {
	for _, format := range []string{"json", "html"} { // JSON gives the size, HTML needs a suffix range
		t.Run(format, func(t *testing.T) {
			fi := newFakeIndex(t)
			fi.format = format
			w := makeWheel(t, "big-pkg", "2.0", []string{"numpy>=1.20"}, 4<<20)
			fi.add("big-pkg", &fakeFile{testWheel: w, noMetadataFile: true})
			c := newTestClient(t, WithIndexURL(fi.URL()))
			p, _ := c.Project(bg, "big-pkg")
			md, err := c.Metadata(bg, p.Files[0])
			if err != nil {
				t.Fatal(err)
			}
			if md.Version.String() != "2.0" || md.RequiresDist[0].Name != "numpy" {
				t.Fatalf("metadata %+v", md)
			}
			t.Logf("%d range requests, %d bytes of a %d byte wheel", fi.count("/files/"+w.filename), fi.fileBytes, len(w.data))
			if n := fi.fullGets[w.filename]; n != 0 {
				t.Errorf("the wheel was downloaded in full %d times", n)
			}
			if fi.fileBytes > 128<<10 {
				t.Errorf("range requests moved %d bytes of a %d byte wheel", fi.fileBytes, len(w.data))
			}
			if _, err := c.Download(bg, p.Files[0], nil); err != nil { // the range path left no partial file
				t.Fatal(err)
			}
		})
	}
}

func TestMetadataRangeLargeDirectory(t *testing.T) {
	fi := newFakeIndex(t)
	fi.format = "html"
	w := makeWheelN(t, "many-files", "1.0", []string{"six"}, 1<<20, 4000)
	fi.add("many-files", &fakeFile{testWheel: w, noMetadataFile: true})
	c := newTestClient(t, WithIndexURL(fi.URL()))
	p, _ := c.Project(bg, "many-files")
	md, err := c.Metadata(bg, p.Files[0])
	if err != nil || md.RequiresDist[0].Name != "six" {
		t.Fatalf("%+v %v", md, err)
	}
	reqs := fi.count("/files/" + w.filename)
	t.Logf("%d range requests, %d bytes of a %d byte wheel", reqs, fi.fileBytes, len(w.data))
	if fi.fullGets[w.filename] != 0 || fi.fileBytes >= int64(len(w.data))/2 {
		t.Errorf("moved %d of %d bytes; want only the directory and METADATA", fi.fileBytes, len(w.data))
	}
	// Tail, rest of the central directory, METADATA: each in one request.
	if reqs > 3 {
		t.Errorf("%d range requests, want at most 3", reqs)
	}
}

func TestMetadataRangeUnsupportedFallsBack(t *testing.T) {
	fi := newFakeIndex(t)
	fi.noRange = true
	w := makeWheel(t, "big-pkg", "2.0", nil, 256<<10)
	fi.add("big-pkg", &fakeFile{testWheel: w, noMetadataFile: true})
	log := &eventLog{}
	c := newTestClient(t, WithIndexURL(fi.URL()), WithProgress(log.add))
	p, _ := c.Project(bg, "big-pkg")
	md, err := c.Metadata(bg, p.Files[0])
	if err != nil || md.Name != "big-pkg" {
		t.Fatalf("%+v %v", md, err)
	}
	if len(log.kinds(EventFallback)) != 1 || len(log.kinds(EventDownload)) != 1 {
		t.Errorf("want one fallback and one download, got:\n%s", log.lines())
	}
	// The download went to the cache: a Download now needs no request.
	before := fi.total()
	if _, err := c.Download(bg, p.Files[0], nil); err != nil || fi.total() != before {
		t.Errorf("download after fallback: %v, %d new requests", err, fi.total()-before)
	}
}

func TestMetadataAdvertisedButMissing(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "pkg", "1.0", nil, 10)
	fi.add("pkg", &fakeFile{testWheel: w})
	fi.intercept = func(rw http.ResponseWriter, r *http.Request) bool {
		if strings.HasSuffix(r.URL.Path, ".metadata") {
			http.NotFound(rw, r)
			return true
		}
		return false
	}
	c := newTestClient(t, WithIndexURL(fi.URL()))
	p, _ := c.Project(bg, "pkg")
	if _, err := c.Metadata(bg, p.Files[0]); err != nil {
		t.Fatalf("a missing advertised .metadata should fall back to ranges: %v", err)
	}
}

func TestMetadataNameMismatch(t *testing.T) {
	fi := newFakeIndex(t)
	w := makeWheel(t, "real-name", "1.0", nil, 10)
	w.filename = "other_name-1.0-py3-none-any.whl"
	fi.add("other-name", &fakeFile{testWheel: w})
	c := newTestClient(t, WithIndexURL(fi.URL()))
	p, _ := c.Project(bg, "other-name")
	_, err := c.Metadata(bg, p.Files[0])
	if err == nil || !strings.Contains(err.Error(), "METADATA describes real-name 1.0, the file name says other_name 1.0") {
		t.Fatalf("error %v", err)
	}
}

func TestMetadataOfSdistRefused(t *testing.T) {
	c := newTestClient(t, WithNoIndex())
	_, err := c.Metadata(bg, File{Filename: "pkg-1.0.tar.gz", URL: "https://h/pkg-1.0.tar.gz"})
	if err == nil || !strings.Contains(err.Error(), "never builds sdists") {
		t.Fatalf("error %v", err)
	}
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in                 string
		first, last, total int64
		ok                 bool
	}{
		{"bytes 0-99/100", 0, 99, 100, true},
		{"bytes 65436-65535/65536", 65436, 65535, 65536, true},
		{"bytes 0-99/*", 0, 0, 0, false},
		{"bytes 10-5/100", 0, 0, 0, false},
		{"bytes 0-100/100", 0, 0, 0, false},
		{"items 0-1/2", 0, 0, 0, false},
		{"", 0, 0, 0, false},
	}
	for _, tt := range tests {
		first, last, total, err := parseContentRange(tt.in)
		if (err == nil) != tt.ok || (tt.ok && (first != tt.first || last != tt.last || total != tt.total)) {
			t.Errorf("parseContentRange(%q) = %d, %d, %d, %v", tt.in, first, last, total, err)
		}
	}
}
