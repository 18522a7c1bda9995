package reqfile

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// Pos is where an item was written: a file (as named by the user or joined from the
// including file's folder) and a 1-based line.
type Pos struct {
	File string
	Line int
}

func (p Pos) String() string { return fmt.Sprintf("%s:%d", p.File, p.Line) }

// Value is an option value and where it was given.
type Value struct {
	Pos
	Value string
}

// Hash is one --hash of a requirement.
type Hash struct {
	Algorithm string // sha256, sha384 or sha512
	Digest    string // lower-case hex
}

func (h Hash) String() string { return h.Algorithm + ":" + h.Digest }

// Requirement is one requirement or constraint line.
type Requirement struct {
	Pos
	// Requirement is the parsed PEP 508 requirement. A bare wheel URL or path becomes
	// `name @ url`, with the name from the wheel's file name and a file:// URL for a
	// path.
	Requirement pep508.Requirement
	// Wheel is the parsed file name when the requirement points at a wheel (a URL or
	// path); nil for requirements resolved through an index.
	Wheel *tags.WheelName
	// Hashes are the line's --hash values.
	Hashes []Hash
}

// File is a parsed requirements file with everything it includes.
type File struct {
	Path  string   // the file given to Parse
	Files []string // every file read, in order
	// SHA256 is the hex sha256 of each file's bytes as read, in the order of Files: what
	// a lock file records to tell later whether the requirements changed.
	SHA256 []string
	// Requirements and Constraints in file order, -r and -c files expanded in place.
	Requirements []Requirement
	Constraints  []Requirement
	// IndexURL is the last -i/--index-url, nil when none is given (the default index).
	// As in pip, an -i replaces the whole index list: ExtraIndexURLs holds only the
	// --extra-index-url values given after the last -i.
	IndexURL       *Value
	ExtraIndexURLs []Value
	// NoIndex is where --no-index was given (nil if it was not): no index at all, only
	// FindLinks; later -i and --extra-index-url are ignored, as pip does.
	NoIndex *Pos
	// FindLinks are -f/--find-links locations: URLs, or paths made relative to the
	// requirements file's folder when they exist there.
	FindLinks    []Value
	TrustedHosts []Value
	// Pre is where --pre was given (nil if it was not): pre-releases are allowed.
	Pre *Pos
	// HashMode is pip's hash-checking mode, switched on by any --hash (unless
	// --no-require-hashes) or by --require-hashes. Parse has checked that every
	// requirement is then pinned (== or ===, or a direct URL) and hashed; the
	// resolver must still refuse any distribution without a hash from the file.
	HashMode     bool
	HashModeFrom *Pos // the first --hash or --require-hashes
}

// Error is a problem in a requirements file. It renders as
// "requirements.txt:7: <what is wrong> (<what to do>)".
type Error struct {
	File string
	Line int    // 0 when the problem is the file as a whole
	Msg  string // what is wrong; credentials in URLs are masked
	Hint string // what to do, "" if obvious
	Err  error  // the underlying error, if any
}

func (e *Error) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	s += ": " + e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Fault says where the problem is, for annotations: the requirements file's line (line 0
// for the file as a whole).
func (e *Error) Fault() (title string, places []string) {
	if e.File == "" {
		return "", nil
	}
	return "requirements", []string{e.File + ":" + strconv.Itoa(e.Line)}
}

// Option configures Parse.
type Option func(*config)

type config struct {
	lookupEnv func(string) (string, bool)
	workDir   string
	root      workspace.Root
}

// WithLookupEnv sets where ${NAME} values come from (default os.LookupEnv). An unset
// or empty variable is left as written, as pip does.
func WithLookupEnv(f func(string) (string, bool)) Option {
	return func(c *config) { c.lookupEnv = f }
}

// WithWorkDir sets the folder bare relative wheel paths are resolved from. pip uses
// its working directory for these (not the requirements file's folder, which -r, -c
// and -f use); so is the default here.
func WithWorkDir(dir string) Option {
	return func(c *config) { c.workDir = dir }
}

// WithWorkspace confines every file the requirements name (the file itself, -r, -c,
// -f folders, wheel paths) to the workspace at dir: a path outside it, a symbolic link
// leaving it, a FIFO or a device is an error on the line that names it, and nothing of
// it is read. Without it only the kind of file is checked (regular files and folders).
func WithWorkspace(dir string) Option {
	return func(c *config) { c.root = workspace.New(dir) }
}

// maxFileSize bounds a requirements file; real ones are a few kilobytes.
const maxFileSize = 8 << 20

// Parse reads a requirements file and the files it includes.
func Parse(ctx context.Context, path string, opts ...Option) (*File, error) {
	c := config{lookupEnv: os.LookupEnv}
	for _, o := range opts {
		o(&c)
	}
	if c.workDir == "" {
		wd, err := os.Getwd()
		if err != nil {
			return nil, fmt.Errorf("requirements %s: working directory: %w", path, err)
		}
		c.workDir = wd
	}
	p := &fileParser{cfg: c, out: &File{Path: path}}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{File: path, Msg: "cannot resolve the path", Err: err}
	}
	if err := p.parseFile(ctx, path, path, false, []include{{abs: abs, name: path}}, nil); err != nil {
		return nil, err
	}
	if err := p.checkHashMode(); err != nil {
		return nil, err
	}
	return p.out, nil
}

type fileParser struct {
	cfg     config
	out     *File
	noHash  bool // --no-require-hashes
	anyHash *Pos // the first --hash
}

// include is one step of a -r/-c chain, for cycle detection and messages.
type include struct {
	abs, name string
}

// parseFile reads the file at path, named name in positions and messages (the path as
// written, before ${VAR} expansion); chain ends with it. from is the -r/-c line that
// names it (nil for the top file), where a file that cannot be opened is reported.
func (p *fileParser) parseFile(ctx context.Context, path, name string, constraint bool, chain []include, from *Pos) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("requirements %s: %w", name, err)
	}
	kind := "requirements"
	if constraint {
		kind = "constraints"
	}
	at := &Error{File: name, Hint: "check the path"}
	if from != nil {
		at = &Error{File: from.File, Line: from.Line, Hint: "check the path; -r and -c paths are relative to the file that names them"}
	}
	f, err := p.cfg.root.Open(path)
	if err != nil {
		at.Msg, at.Err = fmt.Sprintf("cannot open %s file %s: %v", kind, quoted(name), pathErr(err)), pathErr(err)
		return at
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		at.Msg, at.Err = fmt.Sprintf("cannot read %s file %s: %v", kind, quoted(name), pathErr(err)), pathErr(err)
		return at
	}
	if len(data) > maxFileSize {
		return &Error{File: name, Msg: fmt.Sprintf("%s file is larger than %d MiB", kind, maxFileSize>>20), Hint: "is this really a requirements file?"}
	}
	return p.parseData(ctx, path, name, data, constraint, chain)
}

// parseData parses the bytes of one file.
func (p *fileParser) parseData(ctx context.Context, path, name string, data []byte, constraint bool, chain []include) error {
	text, err := decode(data)
	if err != nil {
		return &Error{File: name, Msg: err.Error()}
	}
	p.out.Files = append(p.out.Files, name)
	sum := sha256.Sum256(data)
	p.out.SHA256 = append(p.out.SHA256, hex.EncodeToString(sum[:]))
	for _, l := range logicalLines(text, p.cfg.lookupEnv) {
		if err := p.parseLine(ctx, path, name, constraint, chain, l); err != nil {
			return err
		}
	}
	return nil
}

// pathErr drops the path os errors repeat: the message names the file already (as
// written, while the path may hold expanded variables).
func pathErr(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// quoted is a path for a message: as written when it is short and plain, else quoted
// and cut (urlcred.Quote).
func quoted(s string) string {
	if len(s) <= 200 && !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == '"' || r == 0x7f }) {
		return s
	}
	return urlcred.Quote(s)
}

func (p *fileParser) parseLine(ctx context.Context, path, file string, constraint bool, chain []include, l logicalLine) error {
	pos := Pos{File: file, Line: l.num}
	fail := func(msg, hint string, err error) error {
		if l.raw != l.text {
			err = nil // it would quote the line with its variables expanded
		}
		return &Error{File: file, Line: l.num, Msg: urlcred.RedactText(msg), Hint: hint, Err: err}
	}
	args, optText := splitArgsOptions(l.text)
	words, err := shlexSplit(optText)
	if err != nil {
		return fail(fmt.Sprintf("cannot split the options %s: %v", urlcred.Quote(rawOptions(l)), err), "close the quote or escape the character", err)
	}
	opts, stray, err := parseOptions(words)
	// Messages show options as written: a ${VAR} value must not appear in them.
	rawOpts, rawStray, rawErr := opts, stray, err
	if l.raw != l.text {
		rawOpts, rawStray, rawErr = nil, nil, errors.New("an option is invalid once ${...} variables are expanded")
		if rawWords, err := shlexSplit(rawOptions(l)); err == nil {
			rawOpts, rawStray, rawErr = parseOptions(rawWords)
		}
	}
	if err != nil {
		if rawErr == nil {
			rawErr = errors.New("an option is invalid once ${...} variables are expanded")
		}
		return fail(rawErr.Error(), optionHint(err), err)
	}
	if len(stray) > 0 {
		if len(rawStray) == 0 {
			rawStray = []string{"${...}"}
		}
		return fail(fmt.Sprintf("unexpected %s after the options", urlcred.Quote(strings.Join(rawStray, " "))), "pip would ignore it silently; put one requirement or option group per line", nil)
	}
	for i := range opts {
		opts[i].raw = "${...}"
		if len(rawOpts) == len(opts) {
			opts[i].raw = rawOpts[i].value
		}
	}
	for _, o := range opts {
		switch o.name {
		case "editable":
			return fail(fmt.Sprintf("editable requirement %s", urlcred.Quote(o.raw)), "editable installs need a build; this action installs wheels only: list the package by name, or build a wheel and reference it", nil)
		case "config-settings":
			return fail(o.flag+" is for building from source", "this action installs wheels only: remove it", nil)
		case "all-releases", "only-final":
			return fail(o.flag+" is not supported", "use --pre on its own line to allow pre-releases", nil)
		case "no-binary":
			if o.value != ":none:" {
				return fail(fmt.Sprintf("%s %s asks for a build from source", o.flag, o.raw), "this action installs wheels only: remove it", nil)
			}
		}
	}

	if strings.TrimSpace(args) != "" {
		return p.requirementLine(pos, l, args, opts, constraint)
	}

	// An option line. -r and -c include a file (pip ignores any other option on it).
	for _, o := range opts {
		if o.name != "requirement" && o.name != "constraint" {
			continue
		}
		return p.include(ctx, pos, filepath.Dir(path), chain, o)
	}
	// pip applies a line's --no-index, then its -i (the last one), then its
	// --extra-index-url values, whatever their order on the line.
	var index *Value
	var extras []Value
	for _, o := range opts {
		v := Value{Pos: pos, Value: o.value}
		switch o.name {
		case "hash":
			return fail(o.flag+" is not on a requirement's line", `put it on the line of its requirement; end the lines before with \ to continue them`, nil)
		case "no-index":
			p.out.NoIndex = &pos
			p.out.IndexURL, p.out.ExtraIndexURLs = nil, nil
		case "index-url", "extra-index-url":
			// Checked here, so that a bad URL is an error on its line (the index
			// would only say which URL).
			if _, err := urlcred.Parse(o.value); err != nil {
				return fail(fmt.Sprintf("%s %s: %v", o.flag, quoted(o.raw), err), "give the index's http(s) URL; percent-encode special characters in a password", nil)
			}
			if o.name == "index-url" {
				index = &v
			} else {
				extras = append(extras, v)
			}
		case "find-links":
			loc, err := p.findLinks(path, o)
			if err != nil {
				return fail(fmt.Sprintf("%s %s: %v", o.flag, quoted(o.raw), err), "give a folder of wheels in the workspace, or an https URL", nil)
			}
			v.Value = loc
			p.out.FindLinks = append(p.out.FindLinks, v)
		case "trusted-host":
			p.out.TrustedHosts = append(p.out.TrustedHosts, v)
		case "pre":
			if p.out.Pre == nil {
				p.out.Pre = &pos
			}
		case "require-hashes":
			p.switchHashMode(pos)
		case "no-require-hashes":
			p.noHash = true
		}
		// only-binary, prefer-binary, no-binary :none: and use-feature change nothing
		// for an installer of wheels.
	}
	if p.out.NoIndex == nil {
		if index != nil {
			p.out.IndexURL, p.out.ExtraIndexURLs = index, nil
		}
		p.out.ExtraIndexURLs = append(p.out.ExtraIndexURLs, extras...)
	}
	return nil
}

// include parses the file an -r or -c option names, refusing a file that is already
// being read further up the chain (a file included twice side by side is fine).
func (p *fileParser) include(ctx context.Context, pos Pos, dir string, chain []include, o option) error {
	if schemeRE.MatchString(o.value) {
		return &Error{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf("%s %s: remote requirements files are not supported", o.flag, urlcred.RedactText(o.raw)), Hint: "download the file in an earlier step and name its path"}
	}
	// The file is opened by its expanded path, and named by the path as written.
	ref, name := o.value, o.raw
	if !filepath.IsAbs(ref) {
		ref = filepath.Join(dir, ref)
	}
	if _, err := p.cfg.root.Rel(ref); err != nil {
		// Refused before anything else: the message shows the path as written, never
		// where it leads.
		return &Error{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf("%s %s: %v", o.flag, quoted(o.raw), err),
			Hint: "requirements files may include only files inside the workspace", Err: err}
	}
	if !filepath.IsAbs(name) {
		name = filepath.Join(filepath.Dir(pos.File), name)
	}
	abs, err := filepath.Abs(ref)
	if err != nil {
		return &Error{File: pos.File, Line: pos.Line, Msg: fmt.Sprintf("%s %s: cannot resolve the path", o.flag, name), Err: err}
	}
	for i, inc := range chain {
		if inc.abs == abs {
			var names []string
			for _, c := range chain[i:] {
				names = append(names, c.name)
			}
			return &Error{File: pos.File, Line: pos.Line,
				Msg:  fmt.Sprintf("%s %s includes itself: %s -> %s", o.flag, o.raw, strings.Join(names, " -> "), name),
				Hint: "remove one of the -r/-c lines of the cycle"}
		}
	}
	// As pip, -r in a constraints file includes requirements, and -c constraints.
	chain = append(chain[:len(chain):len(chain)], include{abs: abs, name: name})
	return p.parseFile(ctx, ref, name, o.name == "constraint", chain, &pos)
}

var schemeRE = regexp.MustCompile(`(?i)^(http|https|file):`)

// findLinks is pip's rule for a -f path: relative to the requirements file's folder
// when it exists there, else as written (then relative to the working directory). A
// local one (a file: URL too) must be a folder or an HTML file inside the workspace; one
// that does not exist is left to the package index, which reports it.
func (p *fileParser) findLinks(file string, o option) (string, error) {
	value := o.value
	local := value
	if strings.Contains(value, "://") {
		u, err := urlcred.Parse(value)
		if err != nil {
			return "", err
		}
		if !strings.EqualFold(u.Scheme, "file") {
			return value, nil // the index reads it
		}
		local = filepath.FromSlash(u.Path)
	}
	if !filepath.IsAbs(local) {
		if rel := filepath.Join(filepath.Dir(file), local); exists(rel) {
			local = rel
			if !strings.Contains(value, "://") {
				value = rel
			}
		} else {
			local = filepath.Join(p.cfg.workDir, local)
		}
	}
	if _, err := p.cfg.root.Stat(local); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return "", pathErr(err)
	}
	return value, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func (p *fileParser) switchHashMode(pos Pos) {
	if p.out.HashModeFrom == nil {
		p.out.HashModeFrom = &pos
	}
}

func optionHint(err error) string {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "no such option"):
		return "requirements files accept -r, -c, -i, --extra-index-url, -f, --no-index, --pre, --only-binary, --prefer-binary, --trusted-host, --require-hashes and --hash"
	case strings.Contains(msg, "requires 1 argument"):
		return "give its value after it, on the same line"
	}
	return ""
}

// rawOptions returns the options part of a line as written (before ${VAR}
// expansion), so that a message never shows a variable's value.
func rawOptions(l logicalLine) string {
	_, opts := splitArgsOptions(l.raw)
	return opts
}

// checkHashMode enforces pip's hash-checking mode once every line is read.
func (p *fileParser) checkHashMode() error {
	if p.out.HashModeFrom != nil && p.noHash {
		return &Error{File: p.out.HashModeFrom.File, Line: p.out.HashModeFrom.Line, Msg: "--require-hashes and --no-require-hashes are both given", Hint: "keep one of them"}
	}
	if p.anyHash != nil && !p.noHash {
		p.switchHashMode(*p.anyHash)
	}
	if p.out.HashModeFrom == nil {
		return nil
	}
	p.out.HashMode = true
	since := p.out.HashModeFrom.String()
	// A constraint for the same project may carry the hashes and the pin.
	hashed, pinned := map[string]bool{}, map[string]bool{}
	for _, c := range p.out.Constraints {
		name := c.Requirement.NormalizedName()
		hashed[name] = hashed[name] || len(c.Hashes) > 0
		pinned[name] = pinned[name] || isPinned(c.Requirement)
	}
	for _, r := range p.out.Requirements {
		name := r.Requirement.NormalizedName()
		if len(r.Hashes) == 0 && !hashed[name] {
			return &Error{File: r.File, Line: r.Line,
				Msg:  fmt.Sprintf("%s has no --hash, but hash-checking mode is on (since %s)", urlcred.RedactText(r.Requirement.Name), since),
				Hint: "add --hash=sha256:<digest> for each of its files, or remove every --hash and --require-hashes"}
		}
		if r.Requirement.URL != "" {
			continue // a direct reference is pinned by its URL
		}
		if !isPinned(r.Requirement) && !pinned[name] {
			return &Error{File: r.File, Line: r.Line,
				Msg:  fmt.Sprintf("%s is not pinned, but hash-checking mode is on (since %s)", urlcred.RedactText(r.Requirement.String()), since),
				Hint: fmt.Sprintf("pin one version with ==, like %s==<version>", r.Requirement.Name)}
		}
	}
	return nil
}

// isPinned is pip's InstallRequirement.is_pinned: one clause, == or ===.
func isPinned(r pep508.Requirement) bool {
	specs := r.Specifier.Specifiers()
	return len(specs) == 1 && (specs[0].Operator() == "==" || specs[0].Operator() == "===")
}

// parseHash reads a --hash value: algorithm:hex-digest. Messages show it as shown
// (written before ${VAR} expansion).
func parseHash(value, shown string) (Hash, error) {
	algo, digest, ok := strings.Cut(value, ":")
	if !ok {
		return Hash{}, fmt.Errorf("--hash %s must be a hash name followed by a value, like --hash=sha256:<hex digest>", urlcred.Quote(shown))
	}
	size := map[string]int{"sha256": 32, "sha384": 48, "sha512": 64}[algo]
	if size == 0 {
		return Hash{}, fmt.Errorf("--hash %s: the allowed hash algorithms are sha256, sha384, sha512", urlcred.Quote(shown))
	}
	b, err := hex.DecodeString(digest)
	if err != nil || len(b) != size {
		return Hash{}, fmt.Errorf("--hash %s: a %s digest is %d hexadecimal digits", urlcred.Quote(shown), algo, 2*size)
	}
	return Hash{Algorithm: algo, Digest: strings.ToLower(digest)}, nil
}
