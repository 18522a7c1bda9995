package main

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestRedactionProperty feeds random URLs with a secret in every URL position (the
// password, a user name that is a token, a signed query value; the URL often does not
// parse) through every entry point of the binary: inputs, requirements lines, index
// pages (<base href> and links) and redirects. The secret never reaches stdout, stderr,
// GITHUB_OUTPUT or the job summary. The seed is logged; LITHOPS_REDACTION_SEED replays
// one and LITHOPS_REDACTION_ROUNDS runs more rounds.
func TestRedactionProperty(t *testing.T) {
	seed := uint64(rand.Int64())
	if s := os.Getenv("LITHOPS_REDACTION_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	rounds := 2
	if s := os.Getenv("LITHOPS_REDACTION_ROUNDS"); s != "" {
		rounds, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (LITHOPS_REDACTION_SEED=%d replays it)", seed, seed)
	rnd := rand.New(rand.NewPCG(seed, seed^0x5eed))

	// The index serves what the current case wants: a page, or a redirect.
	var serve http.HandlerFunc
	index := hostileIndex(t, func(w http.ResponseWriter, r *http.Request) { serve(w, r) })
	base := map[string]string{"requirements": "requirements.txt", "python-version": "3.12", "lithops-version": "3.7.0", "dry-run": "true"}

	type entry struct {
		name string
		// use puts the URL in place: inputs to add, the requirements file, and the
		// index's answer (nil: the index is not used).
		use func(u string) (map[string]string, string, http.HandlerFunc)
	}
	entries := []entry{
		{"index-url input", func(u string) (map[string]string, string, http.HandlerFunc) {
			return map[string]string{"index-url": u}, "six\n", nil
		}},
		{"extra-index-url input", func(u string) (map[string]string, string, http.HandlerFunc) {
			return map[string]string{"extra-index-url": "https://pypi.example.com/simple " + u}, "six\n", nil
		}},
		{"find-links input", func(u string) (map[string]string, string, http.HandlerFunc) {
			return map[string]string{"find-links": u}, "six\n", nil
		}},
		{"-i line", func(u string) (map[string]string, string, http.HandlerFunc) { return nil, "-i " + u + "\nsix\n", nil }},
		{"--extra-index-url line", func(u string) (map[string]string, string, http.HandlerFunc) {
			return nil, "six\n--extra-index-url=" + u + "\n", nil
		}},
		{"-f line", func(u string) (map[string]string, string, http.HandlerFunc) { return nil, "-f " + u + "\nsix\n", nil }},
		{"direct URL", func(u string) (map[string]string, string, http.HandlerFunc) {
			return nil, "fc-demo @ " + u + "/fc_demo-1.0.0-py3-none-any.whl\n", nil
		}},
		{"bare wheel URL", func(u string) (map[string]string, string, http.HandlerFunc) {
			return nil, u + "/fc_demo-1.0.0-py3-none-any.whl\n", nil
		}},
		{"<base href> of an index page", func(u string) (map[string]string, string, http.HandlerFunc) {
			return map[string]string{"index-url": index}, "fc-demo\n", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `<html><base href="%s"><a href="fc_demo-1.0.0-py3-none-any.whl">fc-demo</a></html>`, u)
			}
		}},
		{"link of an index page", func(u string) (map[string]string, string, http.HandlerFunc) {
			return map[string]string{"index-url": index}, "fc-demo\n", func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `<html><a href="%s/fc_demo-1.0.0-py3-none-any.whl">fc-demo</a></html>`, u)
			}
		}},
		{"redirect", func(u string) (map[string]string, string, http.HandlerFunc) {
			return map[string]string{"index-url": index}, "fc-demo\n", func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", u)
				w.WriteHeader(http.StatusFound)
			}
		}},
	}
	// Every URL leads to the index's host, which answers at once (a 404 unless the case
	// wants more): no run waits on DNS or on retries.
	host := strings.TrimSuffix(strings.TrimPrefix(index, "http://"), "/simple/")
	for round := range rounds {
		for _, e := range entries {
			u := secretURL(rnd, host)
			t.Run(fmt.Sprintf("%d %s", round, e.name), func(t *testing.T) {
				extra, reqs, answer := e.use(u)
				serve = answer
				if serve == nil {
					serve = func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) }
				}
				in := map[string]string{}
				for k, v := range base {
					in[k] = v
				}
				for k, v := range extra {
					in[k] = v
				}
				s := runStep(t, newWorkspace(t, map[string]string{"requirements.txt": reqs}), in, nil)
				if all := s.shownEverywhere(t); strings.Contains(all, leak) {
					i := strings.Index(all, leak)
					t.Errorf("URL %q: the secret is shown: ...%q...", u, all[max(0, i-160):min(len(all), i+40)])
				}
			})
		}
	}
}

// secretURL is a random URL with leak in one of its secret positions. Its other parts
// are drawn from the characters a URL or a token may hold, "/", "#", "?", "@" and "%"
// included (most such URLs do not parse); white space and quotes end a URL in any text,
// and "." is left out so that no run of them reads as a host name (see urlcred). A user
// information starts with a letter (file:///x@y is a path), and query values hold no
// raw "&" (signed URLs escape it). A URL may lack its scheme.
func secretURL(rnd *rand.Rand, host string) string {
	const chars = "abcXYZ019/#?+@:%=&!$()*,;~-_"
	junkOf := func(chars string, max int) string {
		b := make([]byte, rnd.IntN(max+1))
		for i := range b {
			b[i] = chars[rnd.IntN(len(chars))]
		}
		return string(b)
	}
	junk := func(max int) string { return junkOf(chars, max) }
	value := func(max int) string { return junkOf(strings.ReplaceAll(chars, "&", ""), max) }
	// "": a URL written without its scheme ("user:token@host/simple"), which no parser
	// takes for a URL but whose password is no less a secret.
	scheme := []string{"https://", "http://", "//", "git+https://", "file://", ""}[rnd.IntN(6)]
	if rnd.IntN(2) == 0 {
		host = strings.Replace(host, "127.0.0.1", "localhost", 1)
	}
	switch rnd.IntN(4) {
	case 0: // a password
		return scheme + "user" + junk(3) + ":" + junk(6) + leak + junk(6) + "@" + host + "/simple"
	case 1: // a user name that is a token (without a scheme, "token@host" reads as an e-mail address)
		if scheme == "" {
			scheme = "https://"
		}
		return scheme + "t" + junk(4) + leak + junk(6) + "@" + host + "/simple"
	case 2: // a token that holds what ends an authority early
		return scheme + "__token__:pypi-" + junk(3) + "/" + leak + "+" + junk(4) + "@" + host + "/simple"
	default: // signed query values
		return scheme + host + "/p/x.whl?Expires=1&OSSAccessKeyId=" + leak + "&Signature=" + value(4) + leak + "&security-token=" + leak
	}
}
