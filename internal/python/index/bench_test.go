package index

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

// bigPages builds an HTML and a JSON page with n files, shaped like PyPI's pages for a
// project with many releases and wheels (numpy has about 3,000 files).
func bigPages(n int) (html, js []byte) {
	var h strings.Builder
	h.WriteString("<!DOCTYPE html><html><head><meta name=\"pypi:repository-version\" content=\"1.1\"><title>Links for numpy</title></head><body><h1>Links for numpy</h1>\n")
	type jf struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython string            `json:"requires-python"`
		CoreMetadata   map[string]string `json:"core-metadata"`
		Size           int               `json:"size"`
		UploadTime     string            `json:"upload-time"`
		Yanked         bool              `json:"yanked"`
	}
	var files []jf
	for i := range n {
		name := fmt.Sprintf("numpy-1.%d.%d-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", i/20, i%20)
		sha := fmt.Sprintf("%064x", i*7919)
		u := "https://files.pythonhosted.org/packages/ab/cd/" + sha[:40] + "/" + name
		fmt.Fprintf(&h, "    <a href=\"%s#sha256=%s\" data-requires-python=\"&gt;=3.9\" data-dist-info-metadata=\"sha256=%s\" data-core-metadata=\"sha256=%s\">%s</a><br />\n", u, sha, sha, sha, name)
		files = append(files, jf{name, u, map[string]string{"sha256": sha}, ">=3.9", map[string]string{"sha256": sha}, 18_000_000, "2024-01-02T03:04:05.123456Z", false})
	}
	h.WriteString("</body></html>\n")
	js, _ = json.Marshal(map[string]any{"meta": map[string]string{"api-version": "1.1"}, "name": "numpy", "files": files})
	return []byte(h.String()), js
}

func BenchmarkParseHTMLPage(b *testing.B) {
	page, _ := bigPages(3000)
	base, _ := url.Parse("https://pypi.org/simple/numpy/")
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, err := parseHTMLPage(page, base); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseJSONPage(b *testing.B) {
	_, page := bigPages(3000)
	base, _ := url.Parse("https://pypi.org/simple/numpy/")
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		if _, _, err := parseJSONPage(page, base); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseMetadata(b *testing.B) {
	data := []byte("Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nSummary: Python HTTP for Humans.\n" +
		"Requires-Python: >=3.7\nRequires-Dist: charset-normalizer<4,>=2\nRequires-Dist: idna<4,>=2.5\n" +
		"Requires-Dist: urllib3<3,>=1.21.1\nRequires-Dist: certifi>=2017.4.17\n" +
		"Requires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\n" +
		"Requires-Dist: chardet<6,>=3.0.2; extra == \"use-chardet-on-py3\"\n" +
		"Provides-Extra: security\nProvides-Extra: socks\nProvides-Extra: use-chardet-on-py3\n\n" +
		strings.Repeat("A long description line.\n", 500))
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := ParseMetadata(data); err != nil {
			b.Fatal(err)
		}
	}
}
