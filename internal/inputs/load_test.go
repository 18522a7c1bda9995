package inputs_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/inputs"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// workspace makes a workspace with a requirements file and a wheels folder.
func workspace(t *testing.T) string {
	t.Helper()
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "requirements.txt"), []byte("numpy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(ws, "wheels"), 0o755); err != nil {
		t.Fatal(err)
	}
	return ws
}

// deployEnv is a runner environment with the inputs a deploy needs.
func deployEnv(ws string) map[string]string {
	return map[string]string{
		"GITHUB_WORKSPACE":   ws,
		"INPUT_REGION":       "cn-hangzhou",
		"INPUT_ACCOUNT-ID":   "1234567890123456",
		"INPUT_ROLE-ARN":     "acs:ram::1234567890123456:role/lithops-worker",
		"INPUT_REQUIREMENTS": "requirements.txt",
	}
}

func load(env map[string]string, args ...string) (inputs.Config, error) {
	return inputs.Load(args, func(k string) string { return env[k] }, inputs.WithUsageOutput(&bytes.Buffer{}))
}

func TestLoadValidationMessages(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string // added to deployEnv
		args []string
		want string
	}{
		{"bad boolean", map[string]string{"INPUT_DRY-RUN": "yes"}, nil,
			`input dry-run: "yes" is not a boolean; use true or false`},
		{"bad boolean flag", nil, []string{"--no-index=1"},
			`flag --no-index: "1" is not a boolean; use true or false`},
		{"memory not a number", map[string]string{"INPUT_RUNTIME-MEMORY": "1GB"}, nil,
			`input runtime-memory: "1GB" is not a number of MB; use a multiple of 64 MB between 128 and 32768, e.g. 256 or 1024`},
		{"memory too small", map[string]string{"INPUT_RUNTIME-MEMORY": "64"}, nil,
			`input runtime-memory: 64 MB is outside FC's range; use a multiple of 64 MB between 128 and 32768, e.g. 256 or 1024`},
		{"memory too large", map[string]string{"INPUT_RUNTIME-MEMORY": "32832"}, nil,
			`input runtime-memory: 32832 MB is outside FC's range; use a multiple of 64 MB between 128 and 32768, e.g. 256 or 1024`},
		{"memory step", map[string]string{"INPUT_RUNTIME-MEMORY": "256,300"}, nil,
			`input runtime-memory: 300 MB is not a multiple of 64 MB; use a multiple of 64 MB between 128 and 32768, e.g. 256 or 1024`},
		{"memory duplicate", map[string]string{"INPUT_RUNTIME-MEMORY": "256, 1024,256"}, nil,
			`input runtime-memory: 256 MB is listed twice; list each size once`},
		{"timeout not a number", map[string]string{"INPUT_RUNTIME-TIMEOUT": "5m"}, nil,
			`input runtime-timeout: "5m" is not a number of seconds; give whole seconds between 1 and 86400, e.g. 300`},
		{"timeout too long", nil, []string{"--runtime-timeout", "90000"},
			`flag --runtime-timeout: 90000 seconds is outside FC's range; give whole seconds between 1 and 86400, e.g. 300`},
		{"fc-api", map[string]string{"INPUT_FC-API": "4.0"}, nil,
			`input fc-api: "4.0" is not an FC API; use auto, 2.0 or 3.0`},
		{"smoke", map[string]string{"INPUT_SMOKE": "all"}, nil,
			`input smoke: "all" is not a valid value; use one of imports, metadata, none`},
		{"runtime name characters", map[string]string{"INPUT_RUNTIME-NAME": "my.runtime:v1"}, nil,
			`input runtime-name: "my.runtime:v1" has characters FC function names do not allow; use only letters, digits, _ and - (e.g. "my_runtime_v1"); its full length is checked once the Lithops version is known`},
		{"runtime name too long", map[string]string{"INPUT_RUNTIME-NAME": strings.Repeat("a", 32)}, nil,
			`input runtime-name: "` + strings.Repeat("a", 32) + `" is 32 characters long; use at most 31 characters: Lithops adds lithops-worker-, the version and a hash to make the function name, and FC allows 64`},
		{"python version", map[string]string{"INPUT_PYTHON-VERSION": "python3.10"}, nil,
			`input python-version: "python3.10" is not a CPython version; use major.minor (3.10) or major.minor.patch (3.10.14)`},
		{"python version read as a YAML number", map[string]string{"INPUT_PYTHON-VERSION": "3.1"}, nil,
			`input python-version: "3.1" is not a Python version FC runs; YAML reads an unquoted 3.10 as the number 3.1: quote it (python-version: '3.10')`},
		{"lithops version as a requirement", map[string]string{"INPUT_LITHOPS-VERSION": "==3.7.0"}, nil,
			`input lithops-version: "==3.7.0" is a requirement, not a version; give the version alone, e.g. 3.7.0`},
		{"lithops version", map[string]string{"INPUT_LITHOPS-VERSION": "latest"}, nil,
			`input lithops-version: "latest" is not a version; give the version alone, e.g. 3.7.0`},
		{"index url with credentials is redacted", map[string]string{"INPUT_INDEX-URL": "https://user:s3cr%t@pypi.example.com/simple"}, nil,
			`input index-url: "https://****@pypi.example.com/simple": not a valid URL: invalid URL escape (not shown); percent-encode special characters (e.g. in a password) and check the URL, like https://pypi.org/simple`},
		{"index url with a token that ends the authority early", map[string]string{"INPUT_INDEX-URL": "https://__token__:pypi-Ag/s3cr+t@pypi.example.com/simple"}, nil,
			`input index-url: "https://****@pypi.example.com/simple": ` + urlcred.ErrAmbiguous.Error() + `; percent-encode special characters (e.g. in a password) and check the URL, like https://pypi.org/simple`},
		{"index url scheme", map[string]string{"INPUT_INDEX-URL": "ftp://tok@pypi.example.com/simple"}, nil,
			`input index-url: "ftp://***@pypi.example.com/simple" is not an index URL; use an http, https or file URL, e.g. https://pypi.org/simple`},
		{"extra index url without host", map[string]string{"INPUT_EXTRA-INDEX-URL": "https://pypi.org/simple\nhttps:///simple"}, nil,
			`input extra-index-url: "https:///simple" has no host; write the URL with its host, like https://pypi.org/simple`},
		{"find-links folder missing", map[string]string{"INPUT_FIND-LINKS": "dist"}, nil,
			`input find-links: folder "dist" not found in the workspace WS; check the path (relative to the workspace) or give a URL`},
		{"platform", map[string]string{"INPUT_PLATFORM": "musllinux_1_2"}, nil,
			`input platform: "musllinux_1_2" is not a glibc platform; use manylinux_2_N (e.g. manylinux_2_28), or manylinux2014, manylinux2010 or manylinux1; FC runs glibc, so musllinux does not apply`},
		{"exclude", map[string]string{"INPUT_EXCLUDE": "oss2, -bad-"}, nil,
			`input exclude: "-bad-" is not a distribution name; give distribution names as on PyPI, e.g. oss2, requests`},
		{"region", map[string]string{"INPUT_REGION": "cn hangzhou"}, nil,
			`input region: "cn hangzhou" is not an FC region id; use one like cn-hangzhou or ap-southeast-1`},
		{"account id", map[string]string{"INPUT_ACCOUNT-ID": "my-account"}, nil,
			`input account-id: "my-account" is not an Alibaba Cloud account id; use the numeric id shown in the console's account menu`},
		{"role arn", map[string]string{"INPUT_ROLE-ARN": "AliyunFCDefaultRole"}, nil,
			`input role-arn: "AliyunFCDefaultRole" is not a RAM role ARN; use acs:ram::<account-id>:role/<role-name>`},
		{"service", map[string]string{"INPUT_SERVICE": "1service"}, nil,
			`input service: "1service" is not a valid FC service name; use 1 to 128 letters, digits, _ or -, not starting with a digit or -`},
		{"bucket", map[string]string{"INPUT_STORAGE-BUCKET": "My_Bucket"}, nil,
			`input storage-bucket: "My_Bucket" is not a valid OSS bucket name; use 3 to 63 lower-case letters, digits or -, starting and ending with a letter or digit`},
		{"endpoint without scheme", map[string]string{"INPUT_ENDPOINT": "123.cn-hangzhou.fc.aliyuncs.com"}, nil,
			`input endpoint: "123.cn-hangzhou.fc.aliyuncs.com" has no scheme; write the scheme too, e.g. https://123.cn-hangzhou.fc.aliyuncs.com`},
		{"secret with a line break is not echoed", map[string]string{"INPUT_ACCESS-KEY-ID": "LTAIabc", "INPUT_ACCESS-KEY-SECRET": "abc\ndef"}, nil,
			`input access-key-secret: contains whitespace inside the value; copy the secret again without spaces or line breaks`},
		{"half a key pair", map[string]string{"INPUT_ACCESS-KEY-ID": "LTAIabc"}, nil,
			`input access-key-secret: missing while its pair is set; set access-key-id and access-key-secret together (from secrets)`},
		{"half of oidc", map[string]string{"INPUT_OIDC-ROLE-ARN": "acs:ram::1:role/gh"}, nil,
			`input oidc-provider-arn: missing while oidc-role-arn is set; set both oidc-role-arn and oidc-provider-arn, or neither`},
		{"oidc and keys", map[string]string{"INPUT_OIDC-ROLE-ARN": "acs:ram::1:role/gh", "INPUT_OIDC-PROVIDER-ARN": "acs:ram::1:oidc-provider/github", "INPUT_ACCESS-KEY-ID": "a", "INPUT_ACCESS-KEY-SECRET": "b"}, nil,
			`input access-key-id: access keys and OIDC (oidc-role-arn) are both set; choose one; remove the access key inputs or the OIDC inputs`},
		{"requirements missing", map[string]string{"INPUT_REQUIREMENTS": "reqs/prod.txt"}, nil,
			`input requirements: file "reqs/prod.txt" not found in the workspace WS; check the path (it is relative to the workspace) and that actions/checkout ran before this step`},
		{"requirements is a directory", map[string]string{"INPUT_REQUIREMENTS": "wheels"}, nil,
			`input requirements: "wheels" is a directory; give the requirements file itself, e.g. requirements.txt`},
		{"output dir is a file", map[string]string{"INPUT_OUTPUT-DIR": "requirements.txt"}, nil,
			`input output-dir: "requirements.txt" is a file; give a directory path (it is created when missing)`},
		{"deploy inputs missing", map[string]string{"INPUT_REGION": "", "INPUT_ROLE-ARN": " "}, nil,
			"input region: missing; it is required to deploy; set it, or set dry-run: true to build and check without deploying\n" +
				"input role-arn: missing; it is required to deploy; set it, or set dry-run: true to build and check without deploying"},
		{"mode", map[string]string{"INPUT_MODE": "deploy-now"}, nil,
			`input mode: "deploy-now" is not a valid value; use one of deploy, check, delete, list`},
		{"mode check with dry-run", map[string]string{"INPUT_MODE": "check", "INPUT_DRY-RUN": "true"}, nil,
			`input mode: check contradicts dry-run: true; remove dry-run: a check builds, then smoke-tests in a temporary function with credentials (nothing live changes); or keep dry-run with mode: deploy to build only`},
		{"mode check without smoke", map[string]string{"INPUT_MODE": "check", "INPUT_SMOKE": "none"}, nil,
			`input smoke: none contradicts mode: check; use smoke: imports (the default) or metadata; a check is its smoke test`},
		{"mode check without region", map[string]string{"INPUT_MODE": "check", "INPUT_REGION": ""}, nil,
			`input region: missing; a check needs it for its temporary function; set it, or set dry-run: true (with mode: deploy) to build without credentials`},
		{"mode check with prune", map[string]string{"INPUT_MODE": "check", "INPUT_PRUNE": "true"}, nil,
			`input prune: is true with mode check; remove prune: a check changes nothing live; prune with mode: deploy`},
		{"lock with mode delete", map[string]string{"INPUT_MODE": "delete", "INPUT_LOCK": "requirements.txt"}, nil,
			`input lock: is set with mode delete, which builds nothing; remove lock: it applies to what a run builds (mode: deploy or check)`},
		{"lock of a container runtime", map[string]string{"INPUT_LOCK": "requirements.txt", "INPUT_DEPLOY-MODE": "container", "INPUT_REGISTRY": "registry.cn-hangzhou.aliyuncs.com/team"}, nil,
			`input lock: is set, but locked builds are available for zip runtimes only; remove lock (a container build resolves its requirements), or use deploy-mode: zip`},
		{"lock missing", map[string]string{"INPUT_LOCK": "pylock.toml"}, nil,
			`input lock: file "pylock.toml" not found in the workspace WS; check the path (it is relative to the workspace) and that actions/checkout ran before this step`},
		{"lock outside the workspace", map[string]string{"INPUT_LOCK": "/etc/passwd"}, nil,
			`input lock: "/etc/passwd": it is outside the workspace (a path or symbolic link that leaves it; links must be relative and stay inside); give a file inside the workspace, relative to it`},
		{"compare-to is a directory", map[string]string{"INPUT_COMPARE-TO": "wheels"}, nil,
			`input compare-to: "wheels" is a directory; give the lock file itself, e.g. base/pylock.toml`},
		{"unknown flag", nil, []string{"--runtime_memory=512"},
			`unknown flag --runtime_memory (did you mean --runtime-memory?); run with --help to list the inputs`},
		{"unknown flag far from any input", nil, []string{"--colour"},
			`unknown flag --colour; run with --help to list the inputs`},
		{"positional argument", nil, []string{"requirements.txt"},
			`unexpected argument "requirements.txt": inputs are given as --name=value flags (see --help)`},
		{"flag without value", nil, []string{"--region"},
			`flag --region needs a value (--region=VALUE)`},
		{"flag given twice", nil, []string{"--region=cn-hangzhou", "--region", "cn-beijing"},
			`flag --region given twice; give it once`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := workspace(t)
			env := deployEnv(ws)
			for k, v := range tt.env {
				env[k] = v
			}
			_, err := load(env, tt.args...)
			if err == nil {
				t.Fatalf("Load succeeded, want error %q", tt.want)
			}
			want := strings.ReplaceAll(tt.want, "WS", ws)
			if got := err.Error(); got != want {
				t.Errorf("error:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func TestLoadReportsEveryBadInputAsError(t *testing.T) {
	env := deployEnv(workspace(t))
	env["INPUT_SMOKE"] = "x"
	env["INPUT_PLATFORM"] = "y"
	env["INPUT_REQUIREMENTS"] = "missing.txt"
	_, err := load(env)
	var names []string
	for _, e := range inputs.Errors(err) {
		names = append(names, e.Input)
	}
	if diff := cmp.Diff([]string{"requirements", "platform", "smoke"}, names); diff != "" {
		t.Errorf("inputs in error (-want +got):\n%s", diff)
	}
}

func TestLoadDefaults(t *testing.T) {
	ws := t.TempDir()
	cfg, err := load(map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_DRY-RUN": "true"})
	if err != nil {
		t.Fatal(err)
	}
	want := inputs.Config{
		RuntimeMemory:   []int{256},
		RuntimeTimeout:  300,
		DeployMode:      inputs.DeployZip,
		OIDCAudience:    "sts.aliyuncs.com",
		PublishMetadata: true,
		Smoke:           inputs.SmokeImports,
		Mode:            inputs.ModeDeploy,
		DryRun:          true,
		OutputDir:       filepath.Join(ws, ".lithops-runtime"),
		CacheDir:        filepath.Join(ws, ".lithops-runtime", "cache"),
		Workspace:       ws,
	}
	if diff := cmp.Diff(want, cfg); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if cfg.Deploys() {
		t.Error("a dry run deploys")
	}
}

func TestLoadWorkspaceFallsBackToWorkingDir(t *testing.T) {
	dir := t.TempDir()
	cfg, err := inputs.Load([]string{"--dry-run", "--output-dir=out"}, func(string) string { return "" }, inputs.WithWorkingDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Workspace != dir || cfg.OutputDir != filepath.Join(dir, "out") {
		t.Errorf("workspace %q output-dir %q, want %q and %q", cfg.Workspace, cfg.OutputDir, dir, filepath.Join(dir, "out"))
	}
}

func TestLoadFlagsWinAndLocalIsFlagOnly(t *testing.T) {
	ws := workspace(t)
	env := deployEnv(ws)
	env["INPUT_RUNTIME-MEMORY"] = "512"
	env["INPUT_LOCAL"] = "true" // not an action input: ignored
	env["INPUT_EXTRA-INDEX-URL"] = "https://ignored.example/simple"
	cfg, err := load(env, "--runtime-memory=1024,2048", "--extra-index-url", "https://a.example/simple", "--extra-index-url=https://b.example/simple")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1024, 2048}, cfg.RuntimeMemory); diff != "" {
		t.Errorf("runtime-memory (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"https://a.example/simple", "https://b.example/simple"}, cfg.ExtraIndexURLs); diff != "" {
		t.Errorf("repeated list flag (-want +got):\n%s", diff)
	}
	if cfg.Local {
		t.Error("INPUT_LOCAL set --local; it must be flag-only")
	}
	cfg, err = load(map[string]string{"GITHUB_WORKSPACE": ws}, "--local")
	if err != nil {
		t.Fatalf("--local without deploy inputs: %v", err)
	}
	if !cfg.Local || cfg.Deploys() {
		t.Errorf("--local: Local=%v Deploys=%v", cfg.Local, cfg.Deploys())
	}
}

func TestLoadBooleansAcceptGetBooleanInputForms(t *testing.T) {
	for _, v := range []string{"true", "True", "TRUE", "false", "False", "FALSE"} {
		env := deployEnv(workspace(t))
		env["INPUT_NO-INDEX"] = v
		cfg, err := load(env)
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if want := strings.EqualFold(v, "true"); cfg.NoIndex != want {
			t.Errorf("%q read as %v", v, cfg.NoIndex)
		}
	}
}

func TestLoadParsesEveryInput(t *testing.T) {
	ws := workspace(t)
	env := map[string]string{"GITHUB_WORKSPACE": ws}
	values := map[string]string{
		"requirements":      "requirements.txt",
		"runtime-name":      "my_runtime",
		"python-version":    "3.10.14",
		"lithops-version":   "3.7.0",
		"runtime-memory":    "256,1024",
		"runtime-timeout":   "600",
		"fc-api":            "3",
		"region":            "cn-hangzhou",
		"account-id":        "1234567890123456",
		"access-key-id":     "LTAIkey",
		"access-key-secret": "secret",
		"security-token":    "token",
		"oidc-audience":     "sts.cn-hangzhou.aliyuncs.com",
		"role-arn":          "acs:ram::1234567890123456:role/lithops",
		"service":           "lithops_ltai",
		"update-service":    "true",
		"storage-bucket":    "my-bucket",
		"publish-metadata":  "true",
		"index-url":         "https://__token__:pw@pypi.example.com/simple",
		"extra-index-url":   "https://pypi.org/simple",
		"find-links":        "wheels https://example.com/wheels/",
		"no-index":          "TRUE",
		"platform":          "manylinux2014_x86_64",
		"exclude":           "OSS2, Requests",
		"smoke":             "metadata",
		"mode":              "check",
		"lock":              "locks/pylock.toml",
		"compare-to":        "locks/base.toml",
		"dry-run":           "False",
		"output-dir":        "/tmp/out",
		"cache-dir":         "cache",
		"endpoint":          "http://127.0.0.1:9000/",
		"oss-endpoint":      "http://127.0.0.1:9001",
	}
	for k, v := range values {
		env["INPUT_"+strings.ToUpper(k)] = v
	}
	for _, f := range []string{"locks/pylock.toml", "locks/base.toml"} {
		if err := os.MkdirAll(filepath.Join(ws, "locks"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// OIDC inputs exclude the key inputs: check them in a second load. mode: check
	// contradicts dry-run and prune: DryRun and Prune are checked in the second load.
	cfg, err := load(env, "--local")
	if err != nil {
		t.Fatal(err)
	}
	env2 := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_DRY-RUN": "true", "INPUT_PRUNE": "true",
		"INPUT_OIDC-ROLE-ARN": "acs:ram::1:role/gh", "INPUT_OIDC-PROVIDER-ARN": "acs:ram::1:oidc-provider/github"}
	oidc, err := load(env2)
	if err != nil {
		t.Fatal(err)
	}
	cfg.OIDCRoleARN, cfg.OIDCProviderARN, cfg.DryRun, cfg.Prune = oidc.OIDCRoleARN, oidc.OIDCProviderARN, oidc.DryRun, oidc.Prune
	// The container inputs apply with deploy-mode: container only: a third load.
	env3 := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_DRY-RUN": "true", "INPUT_DEPLOY-MODE": "container",
		"INPUT_BASE-IMAGE": "registry.cn-hangzhou.aliyuncs.com/mirror/python:3.12-slim-bookworm",
		"INPUT_REGISTRY":   "registry.cn-hangzhou.aliyuncs.com/team", "INPUT_REGISTRY-USERNAME": "me@1234567890123456", "INPUT_REGISTRY-PASSWORD": "pw"}
	ctr, err := load(env3)
	if err != nil {
		t.Fatal(err)
	}
	cfg.BaseImage, cfg.Registry, cfg.RegistryUsername, cfg.RegistryPassword = ctr.BaseImage, ctr.Registry, ctr.RegistryUsername, ctr.RegistryPassword
	if ctr.DeployMode != inputs.DeployContainer || ctr.Registry != (inputs.Registry{Server: "registry.cn-hangzhou.aliyuncs.com", Namespace: "team"}) {
		t.Errorf("container inputs: mode %q registry %+v", ctr.DeployMode, ctr.Registry)
	}

	v := reflect.ValueOf(cfg)
	for i := 0; i < v.NumField(); i++ {
		sf := v.Type().Field(i)
		if name := sf.Tag.Get("input"); v.Field(i).IsZero() {
			t.Errorf("input %q: field %s left empty", name, sf.Name)
		}
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"requirements", cfg.Requirements, filepath.Join(ws, "requirements.txt")},
		{"fc-api", cfg.FCAPI, fcruntime.FC3},
		{"platform", cfg.Platform, tags.Glibc{Major: 2, Minor: 17}},
		{"exclude", cfg.Exclude, []string{"oss2", "requests"}},
		{"find-links", cfg.FindLinks, []string{filepath.Join(ws, "wheels"), "https://example.com/wheels/"}},
		{"output-dir", cfg.OutputDir, "/tmp/out"},
		{"cache-dir", cfg.CacheDir, filepath.Join(ws, "cache")},
		{"endpoint", cfg.Endpoint, "http://127.0.0.1:9000"},
		{"index-url", cfg.IndexURL, values["index-url"]},
	}
	for _, c := range checks {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.name, diff)
		}
	}
}

func TestConfigSecretsAreMaskedAndNeverPrinted(t *testing.T) {
	ws := workspace(t)
	env := deployEnv(ws)
	env["INPUT_ACCESS-KEY-ID"] = "LTAI5tKeyId"
	env["INPUT_ACCESS-KEY-SECRET"] = "TopSecretValue"
	env["INPUT_SECURITY-TOKEN"] = "StsTokenValue"
	env["INPUT_INDEX-URL"] = "https://alice:p%40ss@pypi.example.com/simple"
	env["INPUT_EXTRA-INDEX-URL"] = "https://ghp_TOKEN123@pkgs.example.com/simple"
	cfg, err := load(env)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"LTAI5tKeyId", "TopSecretValue", "StsTokenValue", "alice:p%40ss", "alice:p@ss", "alice", "p%40ss", "p@ss", "ghp_TOKEN123"}
	if diff := cmp.Diff(want, cfg.Secrets()); diff != "" {
		t.Errorf("Secrets (-want +got):\n%s", diff)
	}
	for _, printed := range []string{cfg.String(), cfg.GoString()} {
		for _, s := range want {
			if strings.Contains(printed, s) {
				t.Errorf("printed Config contains secret %q: %s", s, printed)
			}
		}
	}
}

func TestHelpPrintsEveryInput(t *testing.T) {
	var out bytes.Buffer
	_, err := inputs.Load([]string{"--help"}, func(string) string { return "" }, inputs.WithUsageOutput(&out))
	if !errors.Is(err, inputs.ErrHelp) {
		t.Fatalf("err = %v, want ErrHelp", err)
	}
	for _, f := range inputs.Fields() {
		if !strings.Contains(out.String(), "--"+f.Name) {
			t.Errorf("usage lacks --%s", f.Name)
		}
	}
}

// TestUnknownInputs: with `uses: docker://...` the runner passes every with: key as
// INPUT_<KEY> unchecked. A near miss of an input is an error naming the input meant
// (the step would otherwise ignore it: dry_run would deploy); another unknown key is a
// warning; known inputs, whatever their value, are neither.
func TestUnknownInputs(t *testing.T) {
	tests := []struct {
		key   string // the INPUT_ variable, as the runner names it
		input string // the input the error must name; "" for a warning
	}{
		{"INPUT_DRY_RUN", "dry-run"},
		{"INPUT_RUNTIME_NAME", "runtime-name"},
		{"INPUT_DRYRUN", "dry-run"},
		{"INPUT_REGOIN", "region"},
		{"INPUT_ACCES-KEY-SECRET", "access-key-secret"},
		{"INPUT_RUNTIME-MEMROY", "runtime-memory"},
		{"INPUT_LOCAL", "local"},
		{"INPUT_MY-OWN-THING", ""},
		{"INPUT_" + strings.Repeat("X", 100000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.key[:min(len(tt.key), 40)], func(t *testing.T) {
			ws := workspace(t)
			env := deployEnv(ws)
			env["INPUT_DRY-RUN"] = "false"
			env[tt.key] = "true"
			var environ []string
			for k, v := range env {
				environ = append(environ, k+"="+v)
			}
			var warnings []string
			_, err := inputs.Load(nil, func(k string) string { return env[k] }, inputs.WithUsageOutput(&bytes.Buffer{}),
				inputs.WithEnviron(environ), inputs.WithWarn(func(m string) { warnings = append(warnings, m) }))
			if tt.input == "" {
				if err != nil || len(warnings) != 1 {
					t.Fatalf("error %v, warnings %q; want one warning", err, warnings)
				}
				if len(warnings[0]) > 400 {
					t.Errorf("a warning of %d bytes", len(warnings[0]))
				}
				return
			}
			errs := inputs.Errors(err)
			if len(errs) != 1 || errs[0].Input != tt.input || len(warnings) != 0 {
				t.Fatalf("errors %v, warnings %q; want one error naming %s", err, warnings, tt.input)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.key) || !strings.Contains(msg, "not an input") {
				t.Errorf("message %q", msg)
			}
		})
	}
}

// TestPathsConfinedToTheWorkspace: the requirements input and local find-links must be
// a regular file or a folder inside the workspace; the error names the input and shows
// nothing of the target.
func TestPathsConfinedToTheWorkspace(t *testing.T) {
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "secret.txt"), []byte("TOP-SECRET\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		input, value string
	}{
		{"requirements", "/proc/self/environ"},
		{"requirements", "../../../../../../../../etc/passwd"},
		{"requirements", filepath.Join(outside, "secret.txt")},
		{"requirements", "link.txt"},
		{"find-links", outside},
		{"find-links", "file://" + outside},
		{"find-links", "linked-dir"},
	}
	for _, tt := range tests {
		t.Run(tt.input+" "+tt.value, func(t *testing.T) {
			ws := workspace(t)
			if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(ws, "link.txt")); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(outside, filepath.Join(ws, "linked-dir")); err != nil {
				t.Fatal(err)
			}
			env := deployEnv(ws)
			env["INPUT_"+strings.ToUpper(tt.input)] = tt.value
			_, err := load(env)
			errs := inputs.Errors(err)
			if len(errs) != 1 || errs[0].Input != tt.input || !strings.Contains(err.Error(), "outside the workspace") {
				t.Fatalf("error %v, want one naming %s", err, tt.input)
			}
			if strings.Contains(err.Error(), "TOP-SECRET") || strings.Contains(err.Error(), "root:") {
				t.Errorf("error shows the target: %v", err)
			}
		})
	}
}

// TestSecretsBeforeValidation: the secrets of inputs are found before (and whatever)
// validation says, URLs that do not parse included, so main masks them first.
func TestSecretsBeforeValidation(t *testing.T) {
	env := map[string]string{
		"INPUT_INDEX-URL":         "https://__token__:pypi-Ag/x+y@pypi.example.com/simple",
		"INPUT_EXTRA-INDEX-URL":   "https://a.example.com/simple\nhttps://ci:p#w@b.example.com/simple",
		"INPUT_ACCESS-KEY-SECRET": " KEY SECRET ",
		"INPUT_REGION":            "cn-hangzhou",
	}
	got := strings.Join(inputs.Secrets([]string{"--find-links=https://tok/en@f.example.com/w/"}, func(k string) string { return env[k] }), "\n")
	for _, want := range []string{"pypi-Ag/x+y", "p#w", "KEY SECRET", "tok/en"} {
		if !strings.Contains(got, want) {
			t.Errorf("Secrets lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "cn-hangzhou") {
		t.Errorf("Secrets holds a region:\n%s", got)
	}
}

// TestModes: delete and list need the region and the account but no role, no build
// and no dry run; prune belongs to deploys; check is not a mode of this build.
func TestModes(t *testing.T) {
	ws := workspace(t)
	base := map[string]string{"GITHUB_WORKSPACE": ws, "INPUT_REGION": "cn-hangzhou", "INPUT_ACCOUNT-ID": "1234567890123456"}
	with := func(kv ...string) map[string]string {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(env, kv[i])
				continue
			}
			env[kv[i]] = kv[i+1]
		}
		return env
	}
	for _, mode := range []inputs.Mode{inputs.ModeDelete, inputs.ModeList} {
		cfg, err := load(with("INPUT_MODE", string(mode)))
		if err != nil || cfg.Mode != mode || cfg.RuntimeMemoryGiven {
			t.Errorf("mode %s without role-arn: %+v, %v", mode, cfg.Mode, err)
		}
		if _, err := load(with("INPUT_MODE", string(mode)), "--local"); err != nil {
			t.Errorf("mode %s --local: %v", mode, err)
		}
	}
	cfg, err := load(with("INPUT_MODE", "delete", "INPUT_RUNTIME-MEMORY", "256"))
	if err != nil || !cfg.RuntimeMemoryGiven || cfg.RuntimeMemory[0] != 256 {
		t.Errorf("runtime-memory given: %+v, %v", cfg, err)
	}
	tests := []struct {
		name  string
		env   map[string]string
		input string
		words []string
	}{
		{"delete in a dry run", with("INPUT_MODE", "delete", "INPUT_DRY-RUN", "true"), "dry-run", []string{"mode delete"}},
		{"list without a region", with("INPUT_MODE", "list", "INPUT_REGION", ""), "region", []string{"mode list"}},
		{"delete without an account", with("INPUT_MODE", "delete", "INPUT_ACCOUNT-ID", ""), "account-id", []string{"mode delete"}},
		{"prune with list", with("INPUT_MODE", "list", "INPUT_PRUNE", "true"), "prune", []string{"mode: deploy"}},
		{"deploy without a role", with("INPUT_MODE", "deploy"), "role-arn", []string{"required to deploy"}},
		{"an unknown mode", with("INPUT_MODE", "destroy"), "mode", []string{"deploy, check, delete, list"}},
		{"check without a role", with("INPUT_MODE", "check"), "role-arn", []string{"a check needs it"}},
	}
	for _, tt := range tests {
		_, err := load(tt.env)
		errs := inputs.Errors(err)
		if len(errs) != 1 || errs[0].Input != tt.input {
			t.Errorf("%s: %v, want one error on %s", tt.name, err, tt.input)
			continue
		}
		for _, w := range tt.words {
			if !strings.Contains(errs[0].Error(), w) {
				t.Errorf("%s: %q does not say %q", tt.name, errs[0].Error(), w)
			}
		}
	}
	// A dry run with prune deploys nothing and prunes nothing: allowed, so a workflow
	// can share its inputs between pull requests and releases.
	if _, err := load(with("INPUT_DRY-RUN", "true", "INPUT_PRUNE", "true")); err != nil {
		t.Errorf("dry run with prune: %v", err)
	}
}
