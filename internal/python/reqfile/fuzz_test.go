package reqfile

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"requests[socks]>=2.8 ; python_version >= '3.8'  # comment\nDjango (>=4,<5)\n",
		"requests==2.31.0 \\\n    --hash=" + hashA + " \\\n    --hash=" + hashB + "\n",
		"-i https://user:${TOKEN}@h.example.com/simple\n--extra-index-url https://x\n-f ./w\n--pre\n--no-index\n",
		"-r other.txt\n-c pins.txt\n-e .\n--frob\nsix=1\n",
		"https://h/p/six-1.16.0-py2.py3-none-any.whl; python_version >= '3'\nattrs @ https://h/attrs-23.1.0-py3-none-any.whl#sha256=abc\n",
		"\ufeff# -*- coding: latin-1 -*-\nsix\f\rtoml\u2028x \\",
		"git+https://github.com/x/y.git\nfoo.tar.gz\n./src\n--hash=md5:x\n'\"\n",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		name := filepath.Join(dir, "requirements.txt")
		p := &fileParser{cfg: config{lookupEnv: lookup, workDir: dir}, out: &File{Path: name}}
		err := p.parseData(context.Background(), name, name, data, false, []include{{abs: name, name: name}})
		if err == nil {
			err = p.checkHashMode()
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not a *reqfile.Error", err)
			}
			if strings.Contains(err.Error(), testEnv["TOKEN"]) {
				t.Fatalf("error %q shows a variable's value", err)
			}
			return
		}
		for _, r := range append(p.out.Requirements, p.out.Constraints...) {
			if r.Line < 1 || r.File == "" {
				t.Fatalf("requirement %s without a position", r.Requirement)
			}
			if r.Requirement.Name == "" {
				t.Fatalf("%s: requirement without a name", r.Pos)
			}
		}
	})
}
