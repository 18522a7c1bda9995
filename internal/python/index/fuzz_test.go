package index

import (
	"net/url"
	"strings"
	"testing"
)

// checkFiles asserts what every parsed file must satisfy, whatever the page: a safe file
// name, an absolute URL without credentials or fragment, and a permitted scheme.
func checkFiles(t *testing.T, files []File, base *url.URL) {
	for _, f := range files {
		if !validFilename(f.Filename) {
			t.Fatalf("unsafe file name %q", f.Filename)
		}
		u, err := url.Parse(f.URL)
		if err != nil {
			t.Fatalf("file URL %q does not parse: %v", f.URL, err)
		}
		if u.User != nil || u.Fragment != "" || !u.IsAbs() || !linkAllowed(u, base) {
			t.Fatalf("file URL %q: credentials, fragment, relative or a forbidden scheme", f.URL)
		}
	}
}

func FuzzParseHTMLPage(f *testing.F) {
	f.Add(realisticHTML)
	f.Add(`<a href="../../files/p-1.0-py3-none-any.whl#sha256=00" data-requires-python="&gt;=3.8" data-yanked="" data-core-metadata="sha256=11">p</a>`)
	f.Add(`<base href="https://u:p@mirror/x/"><a href="p-1.tar.gz#md5=ab">x</a><a href="../">up</a><a href="javascript:x">j</a>`)
	f.Add(`<meta name="pypi:repository-version" content="1.4"><A HREF='P-1.ZIP'>`)
	f.Add("<a href=\"\x00\">")
	// Found by this target: the error quoted the href, ":p@" and all.
	f.Add(`<base href=":p@">`)
	// Found by the CI's fuzz smoke: a password in a URL without a scheme was shown.
	f.Add(`<BAse href="/:p@%0">`)
	base, _ := url.Parse("https://index.example.org/simple/p/")
	f.Fuzz(func(t *testing.T, page string) {
		files, err := parseHTMLPage([]byte(page), base)
		if err != nil {
			if strings.Contains(err.Error(), ":p@") {
				t.Fatalf("error shows credentials: %v", err)
			}
			return
		}
		checkFiles(t, files, base)
	})
}

func FuzzParseJSONPage(f *testing.F) {
	f.Add(realisticJSON)
	f.Add(`{"meta": {"api-version": "1.0"}, "name": "p", "files": []}`)
	f.Add(`{"meta": {"api-version": "1.4"}, "name": "p", "files": [{"filename": "p-1-py3-none-any.whl", "url": "//other/x#frag", "hashes": {"SHA256": "AA"}, "yanked": "", "core-metadata": false, "size": 0}]}`)
	f.Add(`{"meta": {"api-version": "1.1"}, "files": [{"filename": "x.whl", "url": "https://u:p@h/x.whl", "upload-time": "2024-01-01T00:00:00Z"}]}`)
	base, _ := url.Parse("https://index.example.org/simple/p/")
	f.Fuzz(func(t *testing.T, page string) {
		_, files, err := parseJSONPage([]byte(page), base)
		if err != nil {
			return
		}
		checkFiles(t, files, base)
		for _, f := range files {
			if f.Size < 0 {
				t.Fatalf("negative size")
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	f.Add("Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nRequires-Python: >=3.7\n" +
		"Requires-Dist: charset-normalizer<4,>=2\nRequires-Dist: PySocks!=1.5.7,>=1.5.6; extra == \"socks\"\n" +
		"Provides-Extra: socks\nLicense: Apache 2.0\n  continued\n\nBody: not a field\n")
	f.Add("Name: x\r\nVersion: 1!2.0.post3.dev4+local.7\r\nRequires-Dist: a[b,c] @ https://h/a.whl ; python_version<'3'\r\n")
	f.Add("\xef\xbb\xbfName: x\nVersion: 1\n\tcontinued version\n")
	f.Add("Metadata-Version: 2.4\nName: x\nVersion: 1\nDynamic: Requires-Dist\nLicense-Expression: MIT\n")
	f.Fuzz(func(t *testing.T, data string) {
		md, err := ParseMetadata([]byte(data))
		if err != nil {
			return
		}
		if md.Name == "" || md.Version.IsZero() {
			t.Fatalf("accepted METADATA without a name or version: %+v", md)
		}
		for _, r := range md.RequiresDist {
			if r.Name == "" {
				t.Fatalf("a requirement without a name: %+v", r)
			}
		}
	})
}

// FuzzHTMLPageCredentials plants a secret in the password of a <base href> or a link
// (often one that does not parse: the password holds / # ? @) of a page: whatever the
// parser makes of the page, its error never shows the secret, and no file it lists
// carries credentials.
func FuzzHTMLPageCredentials(f *testing.F) {
	f.Add(true, "http", "u", "pa/", "%zz", "/x/")
	f.Add(false, "https", "__token__", "ab#", "mirror.example", "/p-1.0-py3-none-any.whl")
	f.Add(true, "", "", ":", "h", "")
	// Found by this target: user.name:1234#secret@host read as a host, a port and a fragment.
	f.Add(true, "0", "0.0", "0#", "0", "0")
	// And with "/": user.name:1234/secret@host read as a host, a port and a path.
	f.Add(true, "0", "0.0", "0/", "0", "0")
	const secret = "SeKr3tV4lue"
	base, _ := url.Parse("https://index.example.org/simple/p/")
	f.Fuzz(func(t *testing.T, isBase bool, scheme, user, pass, host, path string) {
		for _, part := range []string{scheme, user, pass, host, path} {
			if strings.ContainsAny(part, " \t\r\n\f\"'`<>&") || strings.Contains(part, secret) {
				t.Skip()
			}
		}
		if strings.HasPrefix(user, "/") || strings.ContainsAny(user, "@:/?#\\") || strings.Contains(pass, "@") {
			t.Skip() // the password would not start after "user:" or end at "@"
		}
		prefix := "//"
		if scheme != "" {
			prefix = scheme + "://"
		}
		href := prefix + user + ":" + pass + secret + "@" + host + path
		page := `<a href="` + href + `">x</a>`
		if isBase {
			page = `<base href="` + href + `"><a href="p-1.0-py3-none-any.whl">p</a>`
		}
		files, err := parseHTMLPage([]byte(page), base)
		if err != nil {
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("error shows the secret: %v", err)
			}
			return
		}
		checkFiles(t, files, base)
	})
}
