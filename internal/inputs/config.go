package inputs

import (
	"fmt"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
	"github.com/lithops-fc/runtime-action/internal/workspace"
)

// Config is every input of the action (action.yml and the README's Inputs), validated. Each field that
// comes from an input names it in its `input` tag; `default` is the value used when the
// input is empty (action.yml declares the same one: a test checks they agree), `usage` is
// the one-line description shared with action.yml, and `secret` marks values that are
// masked and never printed. `flagonly` inputs exist only as --flags.
type Config struct {
	Requirements   string `input:"requirements" usage:"Path to a pip requirements file; empty builds the Lithops default runtime"`
	RuntimeName    string `input:"runtime-name" usage:"Lithops runtime name (FunctionExecutor(runtime=...)); empty uses Lithops' default for the Python version"`
	PythonVersion  string `input:"python-version" usage:"Python of the runtime, 3.10 or 3.10.14; empty detects it from setup-python, .python-version, .tool-versions or pyproject.toml"`
	LithopsVersion string `input:"lithops-version" usage:"Lithops version installed in the runtime (must equal the client's); empty uses the lithops==X pin in the requirements"`
	RuntimeMemory  []int  `input:"runtime-memory" default:"256" usage:"Function memory in MB (128 to 32768, a multiple of 64); a comma list deploys one function per size"`
	RuntimeTimeout int    `input:"runtime-timeout" default:"300" usage:"Function timeout in seconds (1 to 86400)"`
	// RuntimeMemoryGiven is set when runtime-memory was given rather than defaulted:
	// mode: delete then removes those sizes only, else every size it finds.
	RuntimeMemoryGiven bool
	// FCAPI is the FC API chosen by the fc-api input; empty means auto (decided from the
	// Lithops version: FC 2.0 up to 3.6, FC 3.0 from 3.7).
	FCAPI fcruntime.API `input:"fc-api" default:"auto" usage:"FC API: 2.0, 3.0, or auto (FC 2.0 for Lithops 3.6 and older, FC 3.0 from 3.7)"`

	// DeployMode is Lithops' aliyun_fc deploy_mode: a zip for FC's Python runtime, or a
	// custom-container image (Lithops 3.7 and later, FC 3.0).
	DeployMode DeployMode `input:"deploy-mode" default:"zip" usage:"zip (FC's Python runtime) or container (a custom-container image, built without Docker; Lithops 3.7 and later)"`
	// BaseImage is the image reference the runtime image is built on; empty is Lithops'
	// default for the Python (the plan decides), or --local's host base.
	BaseImage        string   `input:"base-image" usage:"container: image the runtime is built on; empty uses python:X.Y-slim-bookworm for the runtime's Python, as Lithops does (with --local: a base standing for this machine)"`
	Registry         Registry `input:"registry" usage:"container: where the image is pushed, server/namespace (e.g. registry.cn-hangzhou.aliyuncs.com/my-namespace), Lithops' docker_server and docker_user; required to deploy"`
	RegistryUsername string   `input:"registry-username" usage:"container: registry user name; empty uses the namespace, as Lithops does"`
	RegistryPassword string   `input:"registry-password" secret:"true" usage:"container: registry password or token; empty pushes without credentials"`

	Region    string `input:"region" usage:"FC region, e.g. cn-hangzhou; required to deploy"`
	AccountID string `input:"account-id" usage:"Alibaba Cloud account id; required to deploy"`

	AccessKeyID     string `input:"access-key-id" secret:"true" usage:"Access key id; empty reads ALIBABA_CLOUD_ACCESS_KEY_ID (or ALICLOUD_ACCESS_KEY)"`
	AccessKeySecret string `input:"access-key-secret" secret:"true" usage:"Access key secret; empty reads ALIBABA_CLOUD_ACCESS_KEY_SECRET (or ALICLOUD_SECRET_KEY)"`
	SecurityToken   string `input:"security-token" secret:"true" usage:"STS security token for temporary keys; empty reads ALIBABA_CLOUD_SECURITY_TOKEN (or ALICLOUD_SECURITY_TOKEN)"`
	OIDCRoleARN     string `input:"oidc-role-arn" usage:"RAM role to assume with the job's GitHub OIDC token (needs permissions: id-token: write)"`
	OIDCProviderARN string `input:"oidc-provider-arn" usage:"ARN of the RAM OIDC identity provider that trusts GitHub"`
	OIDCAudience    string `input:"oidc-audience" default:"sts.aliyuncs.com" usage:"Audience requested for the GitHub OIDC token"`

	RoleARN string `input:"role-arn" usage:"RAM role the function runs as (Lithops' role_arn); required to deploy"`
	Service string `input:"service" usage:"FC 2.0 service; empty uses Lithops' default (lithops_ + first 4 characters of the key id)"`
	// UpdateService lets an FC 2.0 deploy change an existing service's role and internet
	// access (shared by every function in it); without it a difference is an error.
	UpdateService bool   `input:"update-service" default:"false" usage:"FC 2.0: allow changing an existing service's role and internet access to role-arn's (they apply to every function in the service)"`
	StorageBucket string `input:"storage-bucket" usage:"Lithops OSS bucket (the client's aliyun_oss.storage_bucket), created when missing; empty uses Lithops' default bucket for the key. The runtime metadata is published there and large packages uploaded"`
	// PublishMetadata false deploys without publishing the runtime metadata: a client
	// then finds none and redeploys the runtime itself over the action's functions.
	PublishMetadata bool `input:"publish-metadata" default:"true" usage:"Publish the runtime metadata where Lithops clients look; false leaves clients to redeploy (and replace) the functions themselves"`

	// IndexURL empty means PyPI, unless the requirements file sets --index-url.
	IndexURL       string   `input:"index-url" usage:"Package index (PEP 503/691); empty means PyPI"`
	ExtraIndexURLs []string `input:"extra-index-url" usage:"More package indexes, separated by spaces or newlines"`
	FindLinks      []string `input:"find-links" usage:"Folders or URLs with wheels, separated by spaces or newlines"`
	NoIndex        bool     `input:"no-index" default:"false" usage:"Use no index, only find-links"`
	// Platform overrides the target glibc (the manylinux level); zero means the FC runtime's.
	Platform tags.Glibc `input:"platform" usage:"Target glibc as manylinux_2_N (or manylinux2014, manylinux2010, manylinux1), no newer than the FC runtime's; empty uses the FC runtime's"`
	// Exclude holds normalized distribution names (PEP 503).
	Exclude []string `input:"exclude" usage:"Distributions resolved but left out of the zip, separated by commas, spaces or newlines"`
	Smoke   Smoke    `input:"smoke" default:"imports" usage:"Smoke invocation after deploy: imports, metadata or none"`
	Mode    Mode     `input:"mode" default:"deploy" usage:"What the run does: deploy (build, smoke-test, deploy), check (build and smoke-test in a temporary function; nothing live changes), delete (remove the runtime's functions, metadata and locks) or list (the runtimes deployed in the region)"`
	// Lock is the absolute path of a pylock.toml to deploy exactly, instead of resolving.
	Lock string `input:"lock" usage:"A pylock.toml this action wrote (e.g. in a pull request's check) to deploy exactly, without resolving; refused when it does not fit the target or the requirements changed since; zip runtimes only"`
	// CompareTo is the absolute path of a pylock.toml the change report compares with.
	CompareTo string `input:"compare-to" usage:"A pylock.toml (e.g. the base branch's) to report the changes against; empty compares with the live runtime's lock when the credentials can read it"`
	// Prune, after a deploy, removes this runtime's functions, metadata and locks of
	// older Lithops versions once the new one is live.
	Prune  bool `input:"prune" default:"false" usage:"After a deploy: delete this runtime's functions, metadata and locks of older Lithops versions (FC 2.0 ones too), once the new version is live"`
	DryRun bool `input:"dry-run" default:"false" usage:"Build and verify locally; touch no cloud"`

	// OutputDir and CacheDir are absolute (relative inputs are taken from the workspace).
	OutputDir   string `input:"output-dir" default:".lithops-runtime" usage:"Where runtime.zip and pylock.toml are written, relative to the workspace"`
	CacheDir    string `input:"cache-dir" default:".lithops-runtime/cache" usage:"Wheel and metadata cache, relative to the workspace (save it with actions/cache)"`
	Endpoint    string `input:"endpoint" usage:"FC endpoint override; empty derives it from account-id and region"`
	OSSEndpoint string `input:"oss-endpoint" usage:"OSS endpoint override; empty derives it from region"`

	Local bool `input:"local" flagonly:"true" default:"false" usage:"Deploy to the embedded FC emulator and smoke it with a local Python"`

	// Workspace is GITHUB_WORKSPACE, else the working directory; relative paths are
	// resolved against it.
	Workspace string
}

// DeployMode is how the runtime is deployed (Lithops' aliyun_fc deploy_mode).
type DeployMode string

const (
	DeployZip       DeployMode = "zip"       // Lithops' "runtime": a zip on FC's Python runtime
	DeployContainer DeployMode = "container" // Lithops' "custom-container": an image
)

// Registry is the registry input: Lithops' docker_server and docker_user, which name the
// image {Server}/{Namespace}/lithops-aliyunfc-{runtime}:v{version}.
type Registry struct {
	Server    string // e.g. registry.cn-hangzhou.aliyuncs.com; docker.io when the input names none
	Namespace string // e.g. my-namespace (Lithops' docker_user)
}

// IsZero reports whether no registry was given.
func (r Registry) IsZero() bool { return r == Registry{} }

func (r Registry) String() string {
	if r.IsZero() {
		return ""
	}
	return r.Server + "/" + r.Namespace
}

// RegistryUser is the user the registry is logged in as: registry-username, else the
// namespace, as Lithops logs in with docker_user.
func (c Config) RegistryUser() string {
	if c.RegistryUsername != "" {
		return c.RegistryUsername
	}
	return c.Registry.Namespace
}

// Smoke is the smoke invocation run after a deploy.
type Smoke string

const (
	SmokeImports  Smoke = "imports"  // import every top-level module of the requirements
	SmokeMetadata Smoke = "metadata" // Lithops' get_metadata call only
	SmokeNone     Smoke = "none"
)

// Mode is what a run does with the runtime it builds.
type Mode string

const (
	ModeDeploy Mode = "deploy" // build, smoke-test and deploy (unless dry-run)
	ModeCheck  Mode = "check"  // build and smoke-test in a temporary function; nothing live changes
	ModeDelete Mode = "delete" // remove the runtime's functions, metadata and lock
	ModeList   Mode = "list"   // list the runtimes deployed for a Lithops version
)

// Deploys reports whether the run touches the cloud (neither dry-run nor --local).
func (c Config) Deploys() bool { return !c.DryRun && !c.Local }

// Rel returns path relative to the workspace when it lies inside it (for messages and
// annotations), else path unchanged.
func (c Config) Rel(path string) string {
	if c.Workspace == "" || !filepath.IsAbs(path) {
		return path
	}
	rel, err := workspace.New(c.Workspace).Rel(path)
	if err != nil {
		return path
	}
	return rel
}

// Secrets returns every value that must be masked: the credential inputs and the user
// information of index URLs (both as written and percent-decoded).
func (c Config) Secrets() []string {
	var out []string
	add := func(s string) {
		if strings.TrimSpace(s) != "" {
			out = append(out, s)
		}
	}
	add(c.AccessKeyID)
	add(c.AccessKeySecret)
	add(c.SecurityToken)
	add(c.RegistryPassword)
	urls := append([]string{c.IndexURL}, c.ExtraIndexURLs...)
	urls = append(urls, c.FindLinks...)
	for _, u := range urls {
		for _, s := range urlcred.Secrets(u) {
			add(s)
		}
	}
	return out
}

// String lists the inputs with secrets hidden and URL credentials redacted, so a Config
// printed by mistake leaks nothing.
func (c Config) String() string {
	var b strings.Builder
	v := reflect.ValueOf(c)
	for _, f := range Fields() {
		fv := v.FieldByIndex(f.index)
		if fv.IsZero() {
			continue
		}
		val := fmt.Sprint(fv.Interface())
		switch {
		case f.Secret:
			val = "***"
		case fv.Kind() == reflect.String:
			val = urlcred.Redact(val)
		case fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.String:
			parts := make([]string, fv.Len())
			for i := range parts {
				parts[i] = urlcred.Redact(fv.Index(i).String())
			}
			val = "[" + strings.Join(parts, " ") + "]"
		}
		fmt.Fprintf(&b, "%s=%s ", f.Name, val)
	}
	return strings.TrimSpace(b.String())
}

// GoString keeps %#v as safe as %v.
func (c Config) GoString() string { return "inputs.Config{" + c.String() + "}" }

// Field describes one input as declared by the Config struct tags.
type Field struct {
	Name     string // input name, e.g. "runtime-memory"
	Default  string // raw default used when the input is empty
	Usage    string // one-line description (also action.yml's)
	Secret   bool
	FlagOnly bool // a --flag only, not an action input
	Bool     bool // a boolean: --name alone means true
	List     bool // a list: the flag may be repeated
	index    []int
}

// Fields returns the inputs in declaration order, read from Config's struct tags.
func Fields() []Field {
	t := reflect.TypeOf(Config{})
	var out []Field
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		name, ok := sf.Tag.Lookup("input")
		if !ok {
			continue
		}
		out = append(out, Field{
			Name:     name,
			Default:  sf.Tag.Get("default"),
			Usage:    sf.Tag.Get("usage"),
			Secret:   sf.Tag.Get("secret") == "true",
			FlagOnly: sf.Tag.Get("flagonly") == "true",
			Bool:     sf.Type.Kind() == reflect.Bool,
			List:     sf.Type.Kind() == reflect.Slice,
			index:    sf.Index,
		})
	}
	return out
}
