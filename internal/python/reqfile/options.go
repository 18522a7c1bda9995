package reqfile

import (
	"errors"
	"fmt"
	"strings"
)

// Splitting a line into its requirement and its options, and reading the options the
// way pip does (shlex, then optparse with unique-prefix long options).

// splitArgsOptions is pip's break_args_options: words (split on single spaces) up to
// the first one starting with "-" are the requirement, the rest are options.
func splitArgsOptions(line string) (args, options string) {
	words := strings.Split(line, " ")
	for i, w := range words {
		if strings.HasPrefix(w, "-") {
			return strings.Join(words[:i], " "), strings.Join(words[i:], " ")
		}
	}
	return line, ""
}

// shlexSplit is Python's shlex.split in POSIX mode: whitespace separates words,
// single quotes are literal, double quotes allow \" and \\, a backslash outside
// quotes escapes the next character.
func shlexSplit(s string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case c == '\'':
			inWord = true
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, errors.New("no closing quotation")
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
		case c == '"':
			inWord = true
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\') {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, errors.New("no closing quotation")
			}
		case c == '\\':
			inWord = true
			if i+1 >= len(s) {
				return nil, errors.New("no escaped character")
			}
			i++
			cur.WriteByte(s[i])
		default:
			inWord = true
			cur.WriteByte(c)
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}

// optionSpec is one of the options pip accepts in requirements files.
type optionSpec struct {
	name  string   // canonical long name, without dashes
	flags []string // every spelling: "-i", "--index-url", "--pypi-url"
	value bool     // takes a value
}

var optionSpecs = []optionSpec{
	{name: "index-url", flags: []string{"-i", "--index-url", "--pypi-url"}, value: true},
	{name: "extra-index-url", flags: []string{"--extra-index-url"}, value: true},
	{name: "no-index", flags: []string{"--no-index"}},
	{name: "constraint", flags: []string{"-c", "--constraint"}, value: true},
	{name: "requirement", flags: []string{"-r", "--requirement"}, value: true},
	{name: "editable", flags: []string{"-e", "--editable"}, value: true},
	{name: "find-links", flags: []string{"-f", "--find-links"}, value: true},
	{name: "no-binary", flags: []string{"--no-binary"}, value: true},
	{name: "only-binary", flags: []string{"--only-binary"}, value: true},
	{name: "prefer-binary", flags: []string{"--prefer-binary"}},
	{name: "require-hashes", flags: []string{"--require-hashes"}},
	{name: "no-require-hashes", flags: []string{"--no-require-hashes"}},
	{name: "pre", flags: []string{"--pre"}},
	{name: "all-releases", flags: []string{"--all-releases"}, value: true},
	{name: "only-final", flags: []string{"--only-final"}, value: true},
	{name: "trusted-host", flags: []string{"--trusted-host"}, value: true},
	{name: "use-feature", flags: []string{"--use-feature"}, value: true},
	{name: "hash", flags: []string{"--hash"}, value: true},
	{name: "config-settings", flags: []string{"-C", "--config-settings"}, value: true},
}

// option is one option found on a line.
type option struct {
	name  string // canonical name
	flag  string // as spelled, for messages
	value string
	raw   string // the value before ${VAR} expansion, for messages
}

// lookupLong finds a long option by its exact spelling or a unique prefix of one, as
// optparse does.
func lookupLong(s string) (*optionSpec, string, error) {
	var matches []string
	var spec *optionSpec
	for i := range optionSpecs {
		for _, f := range optionSpecs[i].flags {
			if !strings.HasPrefix(f, "--") {
				continue
			}
			if f == s {
				return &optionSpecs[i], f, nil
			}
			if strings.HasPrefix(f, s) {
				matches = append(matches, f)
				spec = &optionSpecs[i]
			}
		}
	}
	switch len(matches) {
	case 0:
		return nil, "", fmt.Errorf("no such option: %s", s)
	case 1:
		return spec, matches[0], nil
	}
	return nil, "", fmt.Errorf("ambiguous option: %s (%s?)", s, strings.Join(matches, ", "))
}

func lookupShort(c byte) *optionSpec {
	for i := range optionSpecs {
		for _, f := range optionSpecs[i].flags {
			if len(f) == 2 && f[1] == c {
				return &optionSpecs[i]
			}
		}
	}
	return nil
}

// parseOptions reads option words as optparse does. Words that are not options are
// returned as stray (pip silently ignores them).
func parseOptions(words []string) (opts []option, stray []string, err error) {
	for i := 0; i < len(words); i++ {
		w := words[i]
		switch {
		case w == "--":
			return opts, append(stray, words[i+1:]...), nil
		case strings.HasPrefix(w, "--"):
			name, val, hasVal := strings.Cut(w, "=")
			spec, flag, err := lookupLong(name)
			if err != nil {
				return nil, nil, err
			}
			switch {
			case !spec.value && hasVal:
				return nil, nil, fmt.Errorf("%s option does not take a value", flag)
			case spec.value && !hasVal:
				if i+1 >= len(words) {
					return nil, nil, fmt.Errorf("%s option requires 1 argument", flag)
				}
				i++
				val = words[i]
			}
			opts = append(opts, option{name: spec.name, flag: flag, value: val})
		case strings.HasPrefix(w, "-") && len(w) > 1:
			for j := 1; j < len(w); j++ {
				spec := lookupShort(w[j])
				if spec == nil {
					return nil, nil, fmt.Errorf("no such option: -%c", w[j])
				}
				flag := "-" + string(w[j])
				if !spec.value {
					opts = append(opts, option{name: spec.name, flag: flag})
					continue
				}
				val := w[j+1:]
				if val == "" {
					if i+1 >= len(words) {
						return nil, nil, fmt.Errorf("%s option requires 1 argument", flag)
					}
					i++
					val = words[i]
				}
				opts = append(opts, option{name: spec.name, flag: flag, value: val})
				break
			}
		default:
			stray = append(stray, w)
		}
	}
	return opts, stray, nil
}
