package inputs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/sethvargo/go-githubactions"

	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// Option configures Load.
type Option func(*loader)

// WithUsageOutput sets where --help prints the usage (default os.Stdout).
func WithUsageOutput(w io.Writer) Option { return func(l *loader) { l.usage = w } }

// WithWorkingDir sets the directory used as the workspace when GITHUB_WORKSPACE is unset
// (default: the process's working directory).
func WithWorkingDir(dir string) Option { return func(l *loader) { l.wd = dir } }

// WithEnviron gives the whole environment (os.Environ()), so that INPUT_* variables that
// are no input are found: a near miss of an input (dry_run for dry-run) is an error, any
// other one a warning (see WithWarn). Without it, only known inputs are read.
func WithEnviron(env []string) Option { return func(l *loader) { l.environ = env } }

// WithWarn sets where warnings go (default: nowhere).
func WithWarn(warn func(msg string)) Option { return func(l *loader) { l.warn = warn } }

type loader struct {
	usage   io.Writer
	wd      string
	environ []string
	warn    func(string)
}

// rawValue is one input as given, before validation.
type rawValue struct {
	value string
	flag  bool // from --name rather than INPUT_*
	dflt  bool // empty: the default was used
}

// Load reads every input from args (--name=value, --name value, or --name for booleans)
// and from INPUT_* variables through getenv (flags win), applies the defaults and
// validates them all into one Config. Every problem is reported, joined; each is an
// *Error (see Errors). --help prints the usage and returns ErrHelp.
func Load(args []string, getenv func(string) string, opts ...Option) (Config, error) {
	l := loader{usage: os.Stdout, warn: func(string) {}}
	for _, o := range opts {
		o(&l)
	}
	fields := Fields()
	flags, help, err := parseArgs(args, fields)
	if err != nil {
		return Config{}, err
	}
	if help {
		Usage(l.usage)
		return Config{}, ErrHelp
	}

	gha := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(io.Discard))
	raw := map[string]rawValue{}
	for _, f := range fields {
		v, ok := flags[f.Name]
		if !ok && !f.FlagOnly {
			v = rawValue{value: gha.GetInput(f.Name)}
		}
		if strings.TrimSpace(v.value) == "" {
			v.value, v.dflt = f.Default, true
		}
		raw[f.Name] = v
	}

	ws := getenv("GITHUB_WORKSPACE")
	if ws == "" {
		ws = l.wd
	}
	if ws == "" {
		if ws, err = os.Getwd(); err != nil {
			return Config{}, fmt.Errorf("inputs: working directory: %w", err)
		}
	}
	c, err := validate(raw, ws)
	if unknown := unknownInputs(l.environ, fields, l.warn); len(unknown) > 0 {
		// Reported with the other problems: a dry_run the step ignores could deploy.
		return Config{}, errors.Join(append(unknown, err)...)
	}
	if err != nil {
		return c, err
	}
	if err := checkShared(c, getenv); err != nil {
		return Config{}, err
	}
	return c, nil
}

// unknownInputs checks the INPUT_* variables of environ against the inputs. The runner
// names them INPUT_ + the with: key upper-cased, spaces as _, hyphens kept; with
// `uses: docker://...` it passes every key through unchecked, so a near miss of an input
// would be silently ignored: it is an error naming the input meant. Other unknown ones
// are warned about.
func unknownInputs(environ []string, fields []Field, warn func(string)) []error {
	known := map[string]bool{}
	for _, f := range fields {
		if !f.FlagOnly {
			known["INPUT_"+strings.ToUpper(f.Name)] = true
		}
	}
	var errs []error
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		key, ok := strings.CutPrefix(name, "INPUT_")
		if !ok || known[name] {
			continue
		}
		written := strings.ToLower(key) // the runner upper-cased it: its case is lost
		shown := urlcred.Quote(written)
		if f, ok := nearMiss(written, fields); ok {
			e := &Error{Input: f.Name, Problem: fmt.Sprintf("the with: key %s (%s) is not an input of this action; the step would ignore it", shown, short(name))}
			if f.FlagOnly {
				e.Fix = fmt.Sprintf("--%s is a command-line flag, not an action input: remove the key", f.Name)
			} else {
				e.Fix = fmt.Sprintf("did you mean %s? rename the key (inputs are spelled with hyphens, as in action.yml)", f.Name)
			}
			errs = append(errs, e)
			continue
		}
		warn(fmt.Sprintf("the with: key %s (%s) is not an input of this action and is ignored; see action.yml for the inputs", shown, short(name)))
	}
	return errs
}

// nearMiss returns the input a with: key was probably meant to be: the same name in
// another case or with _ or spaces for -, or within a small edit distance.
func nearMiss(key string, fields []Field) (Field, bool) {
	norm := strings.NewReplacer("_", "-", " ", "-").Replace(strings.ToLower(key))
	best, bestD := Field{}, -1
	for _, f := range fields {
		d := editDistance(norm, f.Name)
		if d == 0 {
			return f, true
		}
		// One edit for short names, two for longer ones: "regoin", "dryrun", "runtime-memroy".
		limit := 1
		if len(f.Name) >= 6 {
			limit = 2
		}
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = f, d
		}
	}
	return best, bestD >= 0
}

// Secrets returns what the runner must mask among the inputs as given, before any is
// validated (an error about a bad URL must find its credentials already masked): the
// secret inputs whole, and the user information and signed query values of every URL
// input, parsed or not.
func Secrets(args []string, getenv func(string) string) []string {
	fields := Fields()
	flags, _, _ := parseArgs(args, fields)
	gha := githubactions.New(githubactions.WithGetenv(getenv), githubactions.WithWriter(io.Discard))
	var out []string
	for _, f := range fields {
		var vals []string
		if v, ok := flags[f.Name]; ok {
			vals = append(vals, v.value)
		}
		if !f.FlagOnly {
			vals = append(vals, gha.GetInput(f.Name))
		}
		for _, v := range vals {
			if strings.TrimSpace(v) == "" {
				continue
			}
			if f.Secret {
				out = append(out, strings.TrimSpace(v))
				continue
			}
			for _, item := range splitList(v, false) {
				out = append(out, urlcred.Secrets(item)...)
			}
		}
	}
	return out
}

// Errors returns the input errors inside err (one per bad input), for annotations.
func Errors(err error) []*Error {
	var out []*Error
	var walk func(error)
	walk = func(err error) {
		if err == nil {
			return
		}
		if e, ok := err.(*Error); ok {
			out = append(out, e)
			return
		}
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		walk(errors.Unwrap(err))
	}
	walk(err)
	return out
}

// parseArgs reads --flags. Booleans take no value (--dry-run) or an explicit one
// (--dry-run=false); list inputs may be repeated; anything else given twice is an error.
func parseArgs(args []string, fields []Field) (map[string]rawValue, bool, error) {
	byName := map[string]Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	out := map[string]rawValue{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") || a == "-" {
			return nil, false, fmt.Errorf("unexpected argument %q: inputs are given as --name=value flags (see --help)", urlcred.Redact(a))
		}
		name, val, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "help" || name == "h" {
			return nil, true, nil
		}
		f, ok := byName[name]
		if !ok {
			msg := fmt.Sprintf("unknown flag --%s", name)
			if s := suggest(name, fields); s != "" {
				msg += fmt.Sprintf(" (did you mean --%s?)", s)
			}
			return nil, false, errors.New(msg + "; run with --help to list the inputs")
		}
		switch {
		case hasVal:
		case f.Bool:
			val = "true"
		case i+1 < len(args) && !strings.HasPrefix(args[i+1], "--"):
			i++
			val = args[i]
		default:
			return nil, false, fmt.Errorf("flag --%s needs a value (--%s=VALUE)", name, name)
		}
		if prev, dup := out[name]; dup {
			if !f.List {
				return nil, false, fmt.Errorf("flag --%s given twice; give it once", name)
			}
			val = prev.value + "\n" + val
		}
		out[name] = rawValue{value: val, flag: true}
	}
	return out, false, nil
}

// suggest returns the input closest to an unknown flag name, if one is close.
func suggest(name string, fields []Field) string {
	norm := strings.ToLower(strings.ReplaceAll(name, "_", "-"))
	best, bestD := "", 3
	for _, f := range fields {
		if d := editDistance(norm, f.Name); d < bestD {
			best, bestD = f.Name, d
		}
	}
	return best
}

// editDistance is Levenshtein's distance, for names (up to a few hundred bytes are
// compared; longer ones are far from every input anyway).
func editDistance(a, b string) int {
	if len(a) > 256 {
		return len(a)
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Usage prints every input as a flag with its default and description.
func Usage(w io.Writer) {
	fmt.Fprint(w, `Usage: lithops-fc-runtime [--input=value ...]

Builds a Lithops runtime for Alibaba Cloud Function Compute and deploys it. Every action
input is also a --flag; a flag wins over the INPUT_* variable of the same input.

`)
	fields := Fields()
	sort.SliceStable(fields, func(i, j int) bool { return !fields[i].FlagOnly && fields[j].FlagOnly })
	for _, f := range fields {
		arg := "=VALUE"
		if f.Bool {
			arg = ""
		}
		fmt.Fprintf(w, "  --%s%s\n      %s", f.Name, arg, f.Usage)
		if f.Default != "" && !(f.Bool && f.Default == "false") {
			fmt.Fprintf(w, " (default %s)", f.Default)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, "  --help\n      Print this help")
}

// short is a name for a message: cut to 60 bytes.
func short(s string) string {
	if c := urlcred.Cut(s, 60); c != s {
		return c + "…"
	}
	return s
}
