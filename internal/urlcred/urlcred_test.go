package urlcred

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"https://pypi.org/simple":               "https://pypi.org/simple",
		"https://user:pass@host.example/simple": "https://***@host.example/simple",
		"https://tok@host.example":              "https://***@host.example",
		// A password and a later "@": hiding too much is the safe mistake.
		"https://us@r:p@ss@host.example/a@b":                             "https://***@b",
		"https://pypi.example.com/simple?x=a@b":                          "https://pypi.example.com/simple?x=a@b",
		"not a url user:pass@host":                                       "***@host",
		"https://first.last:1234#pa55@host.example/simple":               "https://***@host.example/simple",
		"https://host.example:8080/simple#frag@x":                        "https://***@x",
		"https://host.example/simple#frag@x":                             "https://host.example/simple#frag@x",
		"/:p@%0":                                                         "***@%0",
		"user#/9:pw,9@127.0.0.1:8080/simple":                             "***@127.0.0.1:8080/simple",
		"registry.example:5000/ns/rt@sha256:" + strings.Repeat("0f", 32): "registry.example:5000/ns/rt@sha256:" + strings.Repeat("0f", 32),
		"http://u:p ss@host.example/with space in user info":             "http://***@host.example/with space in user info",
		"https://user:pass@host.example/simple/":                         "https://***@host.example/simple/",
		"https://token@host.example:8443/x":                              "https://***@host.example:8443/x",
		"https://host.example/x":                                         "https://host.example/x",
		"https://u:p@[::1":                                               "https://***@[::1",
		"file:///home/me/wheels@2/x.whl":                                 "file:///home/me/wheels@2/x.whl",
		"git+https://user@github.com/o/r.git@v1.0":                       "git+https://***@github.com/o/r.git@v1.0",
		"https://localhost:8080/a@b":                                     "https://***@b", // a host and port, or user.name:1234/pass: hidden
		"https://127.0.0.1:8080/a@b":                                     "https://***@b",
		"folder/with@sign":                                               "folder/with@sign",
		"user:pa/ss@host.example/simple":                                 "***@host.example/simple",
		"//user:pw@host.example/simple":                                  "//***@host.example/simple",
		"https://b.oss.example/x.whl?OSSAccessKeyId=AK&Expires=9":        "https://b.oss.example/x.whl?OSSAccessKeyId=***&Expires=9",
		// Tokens with the characters that end an authority early: the user information
		// runs to the last "@".
		"https://__token__:pypi-AgEI/abc+def@host.example/simple": "https://***@host.example/simple",
		"https://__token__:abc#def@host.example/simple":           "https://***@host.example/simple",
		"https://__token__:abc?def@host.example/simple":           "https://***@host.example/simple",
		"https://ab/cd@host.example/simple":                       "https://***@host.example/simple",
		"https://user:1234/5678@host.example/simple":              "https://***@host.example/simple",
		"https://u:p@ss.x/y@host.example/simple":                  "https://***@host.example/simple",
		"https://u:pa/ss@h/x.whl":                                 "https://***@h/x.whl",
	}
	for in, want := range tests {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactText(t *testing.T) {
	tests := map[string]string{
		"https://user:pw@h.example/x and https://tok@h2.example/y and https://h3/z": "https://****@h.example/x and https://****@h2.example/y and https://h3/z",
		// A password with an unescaped "@": the user information runs to the last "@"
		// before the path, as urllib and pip split it.
		"https://user:p@ss@h.example/x":                    "https://****@h.example/x",
		"https://user:p@ss@h.example/x?a=b@c":              "https://****@c",
		"https://t@k@n@h.example":                          "https://****@h.example",
		`"https://u:a@b@h.example" and x`:                  `"https://****@h.example" and x`,
		"six @ git+ssh://git@github.com/benjaminp/six.git": "six @ git+ssh://****@github.com/benjaminp/six.git",
		"no URL here, a@b":                                 "no URL here, a@b",
		// Without a scheme: a ":" before the "@" is a password, whatever it holds.
		"-i user:pa/ss#x@host.example/simple and more":     "-i ****@host.example/simple and more",
		"--extra-index-url=__token__:pypi-x/a+b@h/simple:": "--extra-index-url=****@h/simple:",
		"-iu:pw@h/simple":                                                        "-i****@h/simple",
		`<base href="/:p@%0">: not a valid URL`:                                  `<base href="****@%0">: not a valid URL`,
		"h.example/x.whl?OSSAccessKeyId=K&Signature=S":                           "h.example/x.whl?OSSAccessKeyId=***&Signature=***",
		"git@github.com:org/repo and mail@example.com":                           "git@github.com:org/repo and mail@example.com",
		`parse "https://u:pa/ss@host.example/x": invalid port ":pa" after host`:  `parse "https://****@host.example/x": invalid port (not shown) after host`,
		`<base href="//u:s3cret@mirror.example/x/">`:                             `<base href="//****@mirror.example/x/">`,
		"a//b@c and x//y":                                                        "a//b@c and x//y",
		"GET https://b.example/x?Signature=abc%2Bdef&x-oss-security-token=T&n=1": "GET https://b.example/x?Signature=***&x-oss-security-token=***&n=1",
		"pkg @ https://user:pa/ss@host.example/x.whl ; python_version>'3'":       "pkg @ https://****@host.example/x.whl ; python_version>'3'",
		"1://u:p@h.example":                                                      "1://****@h.example",
	}
	for in, want := range tests {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q)\n got %q\nwant %q", in, got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://pypi.org/simple/", nil},
		{"https://TOKEN@host.example/simple/", []string{"TOKEN"}},
		{"https://ci:s3cret@host.example/simple/", []string{"ci:s3cret", "ci", "s3cret"}},
		{"https://ci:p%40ss@host.example/", []string{"ci:p%40ss", "ci:p@ss", "ci", "p%40ss", "p@ss"}},
		{"https://host.example/a@b", nil},
		// Read as host:port/path, or as user.name:password: the password is masked, the
		// "user" (a host name then) alone is not.
		{"https://first.last:2024/pw@host.example/simple", []string{"first.last:2024/pw", "2024/pw"}},
		{"folder/with@sign", nil},
		// A registry login (registry-username) is no URL: nothing of it is masked, so
		// "deploy" is not hidden in every output that says deployed.
		{"deploy@1234567890123456.onaliyun.com", nil},
		{"https://__token__:ab/c+d@host.example/simple", []string{"__token__:ab/c+d", "__token__", "ab/c+d"}},
		{"https://b.example/x.whl?Expires=1&Signature=SIG", []string{"SIG"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Secrets(tt.in)); diff != "" {
			t.Errorf("Secrets(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestQuote(t *testing.T) {
	if got := Quote("six>=1"); got != `"six>=1"` {
		t.Errorf("Quote short = %s", got)
	}
	long := strings.Repeat("é", 300) // 600 bytes
	got := Quote(long)
	if len(got) > MaxQuote+60 || !strings.HasSuffix(got, "(400 more bytes not shown)") {
		t.Errorf("Quote long = %s", got)
	}
	if got := Quote("https://u:secret@h.example/x"); strings.Contains(got, "secret") {
		t.Errorf("Quote shows the password: %s", got)
	}
}

// FuzzRedactText plants a secret in the user information or a signed query parameter
// of a URL inside random text: it never survives RedactText, and the text around the
// URL survives unchanged.
func FuzzRedactText(f *testing.F) {
	f.Add("before ", "https", "user", "pa/ss#x", "host.example", "/simple", " after")
	f.Add("", "", "", "a+b?c", "h", "", "")
	f.Add(`<base href="`, "", "__token__", "x@y", "mirror", "/x/", `">`)
	f.Add(`parse "`, "git+https", "u", ":p@", "[::1]:80", "/x@y", `": invalid port`)
	const secret = "SeKr3t"
	f.Fuzz(func(t *testing.T, before, scheme, user, pass, host, path, after string) {
		// A user information starting with "/" is a path: file:///home/x@y.
		if strings.HasPrefix(user, "/") || strings.ContainsAny(before+after, secret) || strings.ContainsAny(scheme+user+pass+host+path, " \t\r\n\"'`<>") || strings.Contains(user+host+path, secret) {
			t.Skip()
		}
		prefix := "//"
		if scheme != "" {
			if !isAlpha(scheme[0]) || strings.Trim(scheme, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") != "" {
				t.Skip()
			}
			prefix = scheme + "://"
		}
		if before != "" && strings.IndexByte(" \t\r\n\"'`<>=([{,;|", before[len(before)-1]) < 0 && scheme == "" {
			before += " "
		}
		var urls []string
		for _, ui := range []string{user + ":" + pass + secret + pass, user + secret + pass} {
			// The one reading left open: user information that starts like a whole
			// authority without a password ("a.b/...", "x@a.b#..."); a token does not.
			head := ui
			if i := strings.IndexAny(ui, "/?#\\"); i >= 0 {
				head = ui[:i]
			}
			at := strings.LastIndexByte(head, '@')
			if !strings.Contains(head[:max(at, 0)], ":") && at+1 < len(head) && plainHost(head[at+1:]) {
				continue
			}
			urls = append(urls, prefix+ui+"@"+host+path)
		}
		if !strings.ContainsAny(pass+host+path, "#&") { // else the value is not a query value
			urls = append(urls, prefix+host+path+"?a=1&Signature="+pass+secret+"&x-oss-security-token="+secret)
		}
		for _, u := range urls {
			if strings.Contains(RedactText(before+u+after), secret) {
				t.Fatalf("RedactText(%q) shows the secret: %q", before+u+after, RedactText(before+u+after))
			}
			if strings.Contains(Redact(u), secret) {
				t.Fatalf("Redact(%q) shows the secret: %q", u, Redact(u))
			}
		}
	})
}

// TestRedactTextBounded: a word made of many URL starts is read a bounded number of
// times (this takes hours when each start rereads the word), and its user information
// is still hidden.
func TestRedactTextBounded(t *testing.T) {
	s := strings.Repeat("x://", 200000) + "u:SeKr3t@h.example"
	if got := RedactText(s); strings.Contains(got, "SeKr3t") {
		t.Errorf("the secret survives")
	}
}

func TestRedactQuery(t *testing.T) {
	tests := map[string]string{
		"https://h.example/x":                         "https://h.example/x",
		"https://h.example/x?a=1&Signature=S#frag":    "https://h.example/x?a=1&Signature=***",
		"https://h.example/x.whl#sha256=ab&token=T":   "https://h.example/x.whl#sha256=ab&token=***",
		"https://h.example/x?next=https://o/?token=T": "https://h.example/x?next=https://o/?token=***",
		"https://h.example/x?token=&a":                "https://h.example/x?token=&a",
		"https://h.example/x?a&&token=T&":             "https://h.example/x?a&&token=***&",
	}
	for in, want := range tests {
		if got := redactQuery(in); got != want {
			t.Errorf("redactQuery(%q) = %q, want %q", in, got, want)
		}
	}
	s := strings.Repeat("x://a.example/", 100000) + "?Signature=SeKr3t"
	if got := RedactText(s); strings.Contains(got, "SeKr3t") {
		t.Errorf("the signature survives a word of many URLs")
	}
}

// TestCutShort: a parser that quotes the part of a URL before its "#" or "/" shows a
// user and the start of a password with no "@" after them: that is hidden too.
func TestCutShort(t *testing.T) {
	tests := map[string]string{
		`failed to parse Location header: parse "http://__token__:pypi-/SeKr3t++": invalid port`: `failed to parse Location header: parse "http://****": invalid port`,
		"https://pypi.example.com:8443/simple":                                                   "https://pypi.example.com:8443/simple",
		"http://localhost:8080/x":                                                                "http://localhost:8080/x",
		"http://[::1]:8080/x":                                                                    "http://[::1]:8080/x",
		"see https://host.example/a:b for more":                                                  "see https://host.example/a:b for more",
	}
	for in, want := range tests {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, got, want)
		}
	}
	if got := Redact("https://user:pa"); got != "https://***" {
		t.Errorf("Redact = %q", got)
	}
}

func TestStrip(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:p@h.example/a/x.whl?Signature=s#frag": "https://h.example/a/x.whl",
		"https://TOKEN@h.example/simple/":                "https://h.example/simple/",
		"http://[::1]:namedport/x":                       "",
		"":                                               "",
	} {
		if got := Strip(in); got != want {
			t.Errorf("Strip(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactURL(t *testing.T) {
	u, err := url.Parse("https://ci:s3cret@h.example/simple/")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := RedactURL(u), "https://***@h.example/simple/"; got != want {
		t.Errorf("RedactURL = %q, want %q", got, want)
	}
	if got := RedactURL(nil); got != "" {
		t.Errorf("RedactURL(nil) = %q", got)
	}
}
