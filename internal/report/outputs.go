package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/deploy"
)

// Outputs are the action's outputs (action.yml and the README's Outputs). The `output` tag is the output
// name and `usage` its one-line description (action.yml's: a test checks they agree).
type Outputs struct {
	FunctionARN    string           `output:"function-arn" usage:"ARN of the function (of the first memory size when there are several)"`
	FunctionName   string           `output:"function-name" usage:"Name of the function (of the first memory size)"`
	Functions      []FunctionOutput `output:"functions" usage:"JSON list of the functions, one per memory size: memory, name, arn, runtime_key, deployed"`
	ServiceName    string           `output:"service-name" usage:"FC 2.0 service of the functions (empty on FC 3.0)"`
	RuntimeName    string           `output:"runtime-name" usage:"Lithops runtime name to pass to FunctionExecutor(runtime=...)"`
	RuntimeKey     string           `output:"runtime-key" usage:"Lithops runtime key (of the first memory size)"`
	PythonVersion  string           `output:"python-version" usage:"Python version of the runtime (major.minor)"`
	FCRuntime      string           `output:"fc-runtime" usage:"FC runtime identifier, e.g. python3.10"`
	LithopsVersion string           `output:"lithops-version" usage:"Lithops version installed in the runtime"`
	PackagePath    string           `output:"package-path" usage:"Path of runtime.zip in the workspace"`
	PackageSHA256  string           `output:"package-sha256" usage:"SHA-256 of runtime.zip, hex"`
	PackageSize    int64            `output:"package-size" usage:"Size of runtime.zip in bytes"`
	CodeChecksum   string           `output:"code-checksum" usage:"CRC-64 of runtime.zip as FC reports it (codeChecksum)"`
	Image          string           `output:"image" usage:"container: the runtime image pinned by digest, as the functions run it (repository@sha256:...); empty for a zip runtime or a dry run without registry"`
	ImageDigest    string           `output:"image-digest" usage:"container: digest of the runtime image (sha256:...)"`
	LockPath       string           `output:"lock-path" usage:"Path of pylock.toml, the exact list of what went into the zip"`
	Deployed       deploy.Outcome   `output:"deployed" usage:"What the deploy did: created, updated, unchanged, dry-run, or checked (mode: check)"`
	SmokeResult    string           `output:"smoke-result" usage:"Result of the smoke invocation"`
	ClientConfig   string           `output:"client-config" usage:"Lithops configuration (YAML) for a client of this runtime: backend, storage, bucket, runtime, runtime_memory, runtime_timeout, region"`
	// Changes is JSON (pylock's schema 1), "" when there was nothing to compare with.
	Changes     string           `output:"changes" usage:"JSON of what changes against the live runtime's lock (or compare-to): summary, counts, and each distribution added, removed, upgraded, downgraded or rebuilt; empty when there was nothing to compare with"`
	Deleted     []ResourceOutput `output:"deleted" usage:"JSON list of what mode: delete or prune deleted: kind (function, metadata, lock, service), name, memory, lithops_version, location"`
	AlreadyGone []ResourceOutput `output:"already-gone" usage:"JSON list of what mode: delete or prune was to delete and found already gone, shaped like deleted"`
	Remaining   []ResourceOutput `output:"remaining" usage:"JSON list of what a failed delete or prune left in place, shaped like deleted; empty when nothing failed"`
	Runtimes    []RuntimeOutput  `output:"runtimes" usage:"mode: list: JSON list of the runtimes deployed: runtime_name, lithops_version, fc_api, service, memory, functions (memory, name, fc_runtime, python_version, last_modified, code_size, metadata, lock)"`
}

// ResourceOutput is one thing a delete or a prune dealt with, an element of the
// deleted, already-gone and remaining outputs.
type ResourceOutput struct {
	Kind           string `json:"kind"` // function, metadata, lock, service
	Name           string `json:"name"` // the function's or service's name, the object's key
	Memory         int    `json:"memory,omitempty"`
	LithopsVersion string `json:"lithops_version,omitempty"`
	Location       string `json:"location"` // the function's or service's ARN, oss://bucket/key
}

// RuntimeOutput is one runtime a list found: one Lithops version of one runtime name,
// with a function per memory size. An element of the runtimes output.
type RuntimeOutput struct {
	RuntimeName    string           `json:"runtime_name"`
	LithopsVersion string           `json:"lithops_version"`
	FCAPI          string           `json:"fc_api"`
	Service        string           `json:"service,omitempty"`
	Memory         []int            `json:"memory"`
	Functions      []ListedFunction `json:"functions"`
}

// ListedFunction is one function of a listed runtime.
type ListedFunction struct {
	Memory       int    `json:"memory"`
	Name         string `json:"name"`
	FCRuntime    string `json:"fc_runtime"`
	Python       string `json:"python_version"` // "" for a runtime FC does not say is Python's
	LastModified string `json:"last_modified"`
	CodeSize     int64  `json:"code_size"`
	Metadata     string `json:"metadata"` // Published, Missing or Unknown
	Lock         string `json:"lock"`
}

// Whether an object is in the storage bucket, for ListedFunction.
const (
	Published = "published"
	Missing   = "missing"
	Unknown   = "unknown" // the bucket is not known (see the run's notice)
)

// FunctionOutput is one function of the runtime, an element of the functions output.
type FunctionOutput struct {
	Memory     int            `json:"memory"`
	Name       string         `json:"name"`
	ARN        string         `json:"arn"`
	RuntimeKey string         `json:"runtime_key"`
	Deployed   deploy.Outcome `json:"deployed"`
}

// DeployedDryRun is the deployed output of a dry run, which deploys nothing, and
// DeployedChecked of a check (mode: check), which smoke-tests in a temporary function
// and deploys nothing; a deploy's outcomes are deploy's (created, updated, unchanged).
const (
	DeployedDryRun  deploy.Outcome = "dry-run"
	DeployedChecked deploy.Outcome = "checked"
)

// OutputField is one output as declared by the Outputs struct tags.
type OutputField struct {
	Name, Usage string
	index       int
}

// OutputFields returns the outputs in declaration order.
func OutputFields() []OutputField {
	t := reflect.TypeOf(Outputs{})
	var out []OutputField
	for i := 0; i < t.NumField(); i++ {
		if name, ok := t.Field(i).Tag.Lookup("output"); ok {
			out = append(out, OutputField{Name: name, Usage: t.Field(i).Tag.Get("usage"), index: i})
		}
	}
	return out
}

// values returns every output as name and text, in declaration order.
func (o Outputs) values() ([][2]string, error) {
	v := reflect.ValueOf(o)
	var out [][2]string
	for _, f := range OutputFields() {
		fv := v.Field(f.index)
		var s string
		switch fv.Kind() {
		case reflect.String:
			s = fv.String()
		case reflect.Int, reflect.Int64:
			s = strconv.FormatInt(fv.Int(), 10)
		case reflect.Slice:
			if fv.Len() == 0 {
				s = "[]"
				break
			}
			b, err := json.Marshal(fv.Interface())
			if err != nil {
				return nil, fmt.Errorf("output %s: %w", f.Name, err)
			}
			s = string(b)
		default:
			return nil, fmt.Errorf("output %s: unsupported type %s", f.Name, fv.Type())
		}
		out = append(out, [2]string{f.Name, s})
	}
	return out, nil
}

var outputNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// SetOutputs writes every output to $GITHUB_OUTPUT, each value in a heredoc whose random
// delimiter does not occur in it, so no value can end its heredoc early and set other
// outputs. Without GITHUB_OUTPUT (a run outside Actions) the outputs are printed instead.
// A value the sanitizer would change (a masked secret, URL credentials, a signed query
// value) is refused: nothing is written.
func (r *Reporter) SetOutputs(o Outputs) error {
	vals, err := o.values()
	if err != nil {
		return err
	}
	var leaking []string
	for _, nv := range vals {
		if r.out.redact(nv[1]) != nv[1] {
			leaking = append(leaking, nv[0])
		}
	}
	if len(leaking) > 0 {
		return fmt.Errorf("outputs %s contain a secret; none were set", strings.Join(leaking, ", "))
	}

	path := r.getenv("GITHUB_OUTPUT")
	if path == "" {
		return r.printOutputs(vals)
	}
	// One delimiter for all values, drawn until it occurs in none of them.
	texts := make([]string, len(vals))
	for i, nv := range vals {
		if !outputNameRE.MatchString(nv[0]) {
			return fmt.Errorf("output name %q is not valid", nv[0])
		}
		texts[i] = nv[1]
	}
	tok, err := r.token(texts...)
	if err != nil {
		return fmt.Errorf("outputs: %w", err)
	}
	delim := "ghadelimiter_" + tok
	var b strings.Builder
	for _, nv := range vals {
		fmt.Fprintf(&b, "%s<<%s\n%s\n%s\n", nv[0], delim, nv[1], delim)
	}
	if err := appendFile(path, b.String()); err != nil {
		return fmt.Errorf("outputs: GITHUB_OUTPUT: %w", err)
	}
	return nil
}

// appendFile appends s to the runner's file command file at path.
func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.WriteString(f, s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// printOutputs lists the outputs on the log, one line each; values with line breaks or
// other control characters are quoted.
func (r *Reporter) printOutputs(vals [][2]string) error {
	var b strings.Builder
	b.WriteString("outputs (GITHUB_OUTPUT is not set):\n")
	for _, nv := range vals {
		v := nv[1]
		if strings.ContainsFunc(v, func(c rune) bool { return c < ' ' || c == 0x7f }) {
			v = strconv.Quote(v)
		}
		fmt.Fprintf(&b, "  %s=%s\n", nv[0], v)
	}
	// Inert when a value holds something the runner reads as a command; words are not
	// cut: the values are the action's own (a long functions list is no hostile input).
	text := b.String()
	if looksLikeCommand(text) {
		token, err := r.token(text)
		if err != nil {
			return err
		}
		text = "::stop-commands::" + token + "\n" + text + "::" + token + "::\n"
	}
	return r.out.writeLines(text)
}
