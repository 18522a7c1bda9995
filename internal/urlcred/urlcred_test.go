package urlcred

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRedact(t *testing.T) {
	tests := map[string]string{
		"https://pypi.org/simple":                    "https://pypi.org/simple",
		"https://user:pass@host/simple":              "https://***@host/simple",
		"https://tok@host":                           "https://***@host",
		"https://us@r:p@ss@host/a@b":                 "https://***@host/a@b",
		"https://host/simple?x=a@b":                  "https://host/simple?x=a@b",
		"not a url user:pass@host":                   "not a url user:pass@host",
		"http://u:p ss@host/with space in user info": "http://***@host/with space in user info",
		"https://user:pass@host/simple/":             "https://***@host/simple/",
		"https://token@host:8443/x":                  "https://***@host:8443/x",
		"https://host/x":                             "https://host/x",
		"https://u:p@[::1":                           "https://***@[::1",
	}
	for in, want := range tests {
		if got := Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactText(t *testing.T) {
	tests := map[string]string{
		"https://user:pw@h/x and https://tok@h2/y and https://h3/z": "https://user:****@h/x and https://****@h2/y and https://h3/z",
		// A password with an unescaped "@": the user information runs to the last "@"
		// before the path, as urllib and pip split it.
		"https://user:p@ss@h/x?a=b@c":                      "https://user:****@h/x?a=b@c",
		"https://t@k@n@h":                                  "https://****@h",
		`"https://u:a@b@h" and x`:                          `"https://u:****@h" and x`,
		"six @ git+ssh://git@github.com/benjaminp/six.git": "six @ git+ssh://****@github.com/benjaminp/six.git",
		"no URL here, a@b":                                 "no URL here, a@b",
	}
	for in, want := range tests {
		if got := RedactText(in); got != want {
			t.Errorf("RedactText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecrets(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"https://pypi.org/simple/", nil},
		{"https://TOKEN@host/simple/", []string{"TOKEN"}},
		{"https://ci:s3cret@host/simple/", []string{"ci:s3cret", "ci", "s3cret"}},
		{"https://ci:p%40ss@host/", []string{"ci:p%40ss", "ci:p@ss", "ci", "p%40ss", "p@ss"}},
		{"https://host/a@b", nil},
		{"folder/with@sign", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Secrets(tt.in)); diff != "" {
			t.Errorf("Secrets(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}
