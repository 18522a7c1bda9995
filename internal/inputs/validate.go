package inputs

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	ggcrname "github.com/google/go-containerregistry/pkg/name"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/pep508"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/urlcred"
	"github.com/lithops-fc/runtime-action/internal/workspace"
)

const (
	// MaxRuntimeName is the longest runtime name that can fit FC's 64-character function
	// names: Lithops adds "lithops-worker-" (15), "-v" and the version with dashes (at
	// least 7 for "-v3-7-0"), "-" and 10 hex digits. The exact bound depends on the
	// Lithops version and is checked once it is known.
	MaxRuntimeName = 64 - 15 - 7 - 1 - 10
)

var (
	pythonVersionRE = regexp.MustCompile(`^3\.(\d+)(\.\d+)?$`)
	runtimeNameRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
	regionRE        = regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	accountIDRE     = regexp.MustCompile(`^[0-9]{1,32}$`)
	roleARNRE       = regexp.MustCompile(`^acs:ram::[0-9]+:role/[^\s/]+$`)
	providerARNRE   = regexp.MustCompile(`^acs:ram::[0-9]+:oidc-provider/[^\s/]+$`)
	serviceRE       = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}$`)
	bucketRE        = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)
	platformRE      = regexp.MustCompile(`^manylinux_2_(\d+)$`)
	audienceRE      = regexp.MustCompile(`^\S+$`)
	notNameCharsRE  = regexp.MustCompile(`[^A-Za-z0-9_-]+`)
	legacyPlatforms = map[string]int{"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
)

// validator turns raw values into a Config, collecting one *Error per bad input.
type validator struct {
	raw  map[string]rawValue
	ws   string
	errs []error
}

func (v *validator) get(name string) string { return strings.TrimSpace(v.raw[name].value) }

func (v *validator) fail(name, fix, format string, args ...any) {
	e := errorf(name, fix, format, args...)
	e.Flag = v.raw[name].flag
	v.errs = append(v.errs, e)
}

func validate(raw map[string]rawValue, ws string) (Config, error) {
	v := &validator{raw: raw, ws: ws}
	c := Config{Workspace: ws}

	c.Requirements = v.file("requirements", "give the requirements file itself, e.g. requirements.txt")
	c.RuntimeName = v.runtimeName("runtime-name")
	c.PythonVersion = v.pythonVersion("python-version")
	c.LithopsVersion = v.lithopsVersion("lithops-version")
	c.RuntimeMemory = v.memory("runtime-memory")
	c.RuntimeMemoryGiven = !v.raw["runtime-memory"].dflt
	c.RuntimeTimeout = v.timeout("runtime-timeout")
	c.FCAPI = v.fcAPI("fc-api")
	c.DeployMode = DeployMode(v.enum("deploy-mode", string(DeployZip), string(DeployContainer)))
	c.BaseImage = v.imageRef("base-image")
	c.Registry = v.registry("registry")
	c.RegistryUsername = v.match("registry-username", registryUserRE, "is not a registry user name", "use the user name of the registry login (for Alibaba Cloud Container Registry, the account shown on the instance's access credentials page)")
	c.RegistryPassword = v.secret("registry-password")
	c.Region = v.match("region", regionRE, "is not an FC region id", "use one like cn-hangzhou or ap-southeast-1")
	c.AccountID = v.match("account-id", accountIDRE, "is not an Alibaba Cloud account id", "use the numeric id shown in the console's account menu")
	c.AccessKeyID = v.secret("access-key-id")
	c.AccessKeySecret = v.secret("access-key-secret")
	c.SecurityToken = v.secret("security-token")
	c.OIDCRoleARN = v.match("oidc-role-arn", roleARNRE, "is not a RAM role ARN", "use acs:ram::<account-id>:role/<role-name>")
	c.OIDCProviderARN = v.match("oidc-provider-arn", providerARNRE, "is not a RAM OIDC provider ARN", "use acs:ram::<account-id>:oidc-provider/<provider-name>")
	c.OIDCAudience = v.match("oidc-audience", audienceRE, "is not an audience", "use one of the client ids of the OIDC provider, e.g. sts.aliyuncs.com")
	c.RoleARN = v.match("role-arn", roleARNRE, "is not a RAM role ARN", "use acs:ram::<account-id>:role/<role-name>")
	c.Service = v.match("service", serviceRE, "is not a valid FC service name", "use 1 to 128 letters, digits, _ or -, not starting with a digit or -")
	c.UpdateService = v.boolean("update-service")
	c.StorageBucket = v.match("storage-bucket", bucketRE, "is not a valid OSS bucket name", "use 3 to 63 lower-case letters, digits or -, starting and ending with a letter or digit")
	c.PublishMetadata = v.boolean("publish-metadata")
	c.IndexURL = v.indexURL("index-url", v.get("index-url"))
	for _, u := range splitList(v.get("extra-index-url"), false) {
		c.ExtraIndexURLs = append(c.ExtraIndexURLs, v.indexURL("extra-index-url", u))
	}
	for _, u := range splitList(v.get("find-links"), false) {
		c.FindLinks = append(c.FindLinks, v.findLinks("find-links", u))
	}
	c.NoIndex = v.boolean("no-index")
	c.Platform = v.platform("platform")
	c.Exclude = v.exclude("exclude")
	c.Smoke = Smoke(v.enum("smoke", string(SmokeImports), string(SmokeMetadata), string(SmokeNone)))
	c.Mode = Mode(v.enum("mode", string(ModeDeploy), string(ModeCheck), string(ModeDelete), string(ModeList)))
	c.Lock = v.file("lock", "give the lock file itself, e.g. .lithops-runtime/pylock.toml")
	c.CompareTo = v.file("compare-to", "give the lock file itself, e.g. base/pylock.toml")
	c.Prune = v.boolean("prune")
	c.DryRun = v.boolean("dry-run")
	c.OutputDir = v.dir("output-dir")
	c.CacheDir = v.dir("cache-dir")
	c.Endpoint = v.endpoint("endpoint")
	c.OSSEndpoint = v.endpoint("oss-endpoint")
	c.Local = v.boolean("local")

	v.crossChecks(c)
	if len(v.errs) > 0 {
		return Config{}, errors.Join(v.errs...)
	}
	return c, nil
}

// crossChecks are the rules that involve several inputs.
func (v *validator) crossChecks(c Config) {
	// Presence is judged on the raw values, so an input rejected above is not also
	// reported as missing.
	set := func(name string) bool { return v.get(name) != "" }
	if set("oidc-role-arn") != set("oidc-provider-arn") {
		missing, given := "oidc-provider-arn", "oidc-role-arn"
		if !set("oidc-role-arn") {
			missing, given = given, missing
		}
		v.fail(missing, "set both oidc-role-arn and oidc-provider-arn, or neither", "missing while %s is set", given)
	}
	if set("oidc-role-arn") && (set("access-key-id") || set("access-key-secret")) {
		v.fail("access-key-id", "remove the access key inputs or the OIDC inputs", "access keys and OIDC (oidc-role-arn) are both set; choose one")
	}
	if set("access-key-id") != set("access-key-secret") {
		missing := "access-key-secret"
		if !set("access-key-id") {
			missing = "access-key-id"
		}
		v.fail(missing, "set access-key-id and access-key-secret together (from secrets)", "missing while its pair is set")
	}
	switch c.Mode {
	case "":
		// refused above: what the run needs depends on it
	case ModeDelete, ModeList:
		// Both only read or change what is deployed: there is nothing to build, and no
		// function runs, so no role.
		if c.DryRun {
			v.fail("dry-run", fmt.Sprintf("remove dry-run (mode: %s changes nothing it is not asked to), or use mode: deploy", c.Mode),
				"is true, but mode %s works on what is deployed, which a dry run never touches", c.Mode)
		}
		if c.Prune {
			v.fail("prune", "remove prune: it applies to mode: deploy, after the new version is live", "is true with mode %s", c.Mode)
		}
		for _, name := range []string{"lock", "compare-to"} {
			if set(name) {
				v.fail(name, fmt.Sprintf("remove %s: it applies to what a run builds (mode: deploy or check)", name), "is set with mode %s, which builds nothing", c.Mode)
			}
		}
		if c.Local {
			return
		}
		for _, name := range []string{"region", "account-id"} {
			if !set(name) {
				v.fail(name, "set it to where the runtime is deployed", "missing; mode %s needs it", c.Mode)
			}
		}
	default:
		if c.Mode == ModeCheck {
			if c.DryRun {
				v.fail("mode", "remove dry-run: a check builds, then smoke-tests in a temporary function with credentials (nothing live changes); or keep dry-run with mode: deploy to build only",
					"check contradicts dry-run: true")
			}
			if c.Smoke == SmokeNone {
				v.fail("smoke", "use smoke: imports (the default) or metadata; a check is its smoke test", "none contradicts mode: check")
			}
			if c.Prune {
				v.fail("prune", "remove prune: a check changes nothing live; prune with mode: deploy", "is true with mode check")
			}
		}
		if c.Deploys() {
			for _, name := range []string{"region", "account-id", "role-arn"} {
				switch {
				case set(name):
				case c.Mode == ModeCheck:
					v.fail(name, "set it, or set dry-run: true (with mode: deploy) to build without credentials", "missing; a check needs it for its temporary function")
				default:
					v.fail(name, "set it, or set dry-run: true to build and check without deploying", "missing; it is required to deploy")
				}
			}
		}
	}
	v.containerChecks(c, set)
}

// containerChecks are the rules of the container inputs: they mean nothing to a zip
// runtime (a registry set without deploy-mode: container would be ignored, and a zip
// deployed where an image was meant), and a container deploy needs a registry.
func (v *validator) containerChecks(c Config, set func(string) bool) {
	if c.DeployMode != DeployContainer {
		for _, name := range []string{"base-image", "registry", "registry-username", "registry-password"} {
			if set(name) && v.get("deploy-mode") == string(DeployZip) {
				v.fail(name, "set deploy-mode: container to deploy an image, or remove "+name, "is set, but deploy-mode is zip: it applies to container runtimes only")
			}
		}
		return
	}
	if c.Mode == ModeDelete || c.Mode == ModeList {
		// They build nothing; deploy-mode only says which default runtime name to look for.
		return
	}
	if set("lock") {
		v.fail("lock", "remove lock (a container build resolves its requirements), or use deploy-mode: zip", "is set, but locked builds are available for zip runtimes only")
	}
	if c.Deploys() && !set("registry") {
		v.fail("registry", "set it to server/namespace of a registry FC can pull from, e.g. registry.cn-hangzhou.aliyuncs.com/my-namespace, or set dry-run: true", "missing; a container deploy or check pushes the image there")
	}
	if set("registry-username") && !set("registry-password") {
		v.fail("registry-password", "set it from a secret, or remove registry-username", "missing while registry-username is set")
	}
	if set("registry-password") && !set("registry") {
		v.fail("registry", "set the registry the password is for", "missing while registry-password is set")
	}
}

// Docker's reference grammar (distribution/reference): a host[:port], and lower-case
// path components.
var (
	registryHostRE  = regexp.MustCompile(`^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*(?::[0-9]+)?$`)
	pathComponentRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$`)
	registryUserRE  = regexp.MustCompile(`^[^\s:]+$`)
)

// registry reads server/namespace. The first component is the server when it looks like
// a host (a dot, a port, or localhost), as docker reads image names; otherwise the server
// is docker.io, Lithops' default docker_server.
func (v *validator) registry(name string) Registry {
	const fix = "write server/namespace without scheme or image name, e.g. registry.cn-hangzhou.aliyuncs.com/my-namespace"
	s := strings.TrimRight(v.get(name), "/")
	if s == "" {
		if v.get(name) != "" {
			v.fail(name, fix, "%q names no namespace", v.get(name))
		}
		return Registry{}
	}
	if strings.Contains(s, "://") {
		v.fail(name, fix, "%q has a scheme", urlcred.Redact(s))
		return Registry{}
	}
	r := Registry{Server: "docker.io", Namespace: s}
	if first, rest, ok := strings.Cut(s, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		r.Server, r.Namespace = first, rest
	} else if !ok && (strings.ContainsAny(s, ".:") || s == "localhost") {
		v.fail(name, fix, "%q names a server but no namespace", s)
		return Registry{}
	}
	if !registryHostRE.MatchString(r.Server) {
		v.fail(name, fix, "%q is not a registry host", r.Server)
		return Registry{}
	}
	for _, c := range strings.Split(r.Namespace, "/") {
		if !pathComponentRE.MatchString(c) {
			v.fail(name, "image names allow lower-case letters, digits and single . _ or - between them: "+fix, "namespace %q is not valid in an image name", r.Namespace)
			return Registry{}
		}
	}
	if n := len(r.String()); n > maxRegistry {
		v.fail(name, fmt.Sprintf("use a registry and namespace of at most %d characters", maxRegistry),
			"is %d characters long: with /lithops-aliyunfc-{runtime name} (up to %d more) the image name would pass the 255 characters an image name may have", n, len("/lithops-aliyunfc-")+MaxRuntimeName)
		return Registry{}
	}
	return r
}

// maxRegistry is the longest server/namespace an image name of any runtime fits in: an
// image name has at most 255 characters (distribution's reference grammar), and Lithops
// adds /lithops-aliyunfc-{runtime name}.
const maxRegistry = 255 - len("/lithops-aliyunfc-") - MaxRuntimeName

// imageRef validates an image reference (registry/repository:tag or @digest).
func (v *validator) imageRef(name string) string {
	s := v.get(name)
	if s == "" {
		return ""
	}
	if _, err := ggcrname.ParseReference(s); err != nil || strings.Contains(s, "://") {
		v.fail(name, "give an image reference such as python:3.12-slim-bookworm or registry.cn-hangzhou.aliyuncs.com/ns/python:3.12-slim-bookworm", "%q is not an image reference", urlcred.Redact(s))
		return ""
	}
	return s
}

func (v *validator) match(name string, re *regexp.Regexp, problem, fix string) string {
	s := v.get(name)
	if s == "" || re.MatchString(s) {
		return s
	}
	v.fail(name, fix, "%q %s", urlcred.Redact(s), problem)
	return ""
}

func (v *validator) secret(name string) string {
	s := v.get(name)
	if strings.ContainsAny(s, " \t\r\n") {
		// Never quote the value: it is a secret.
		v.fail(name, "copy the secret again without spaces or line breaks", "contains whitespace inside the value")
		return ""
	}
	return s
}

// boolean accepts what @actions/core getBooleanInput accepts.
func (v *validator) boolean(name string) bool {
	switch s := v.get(name); s {
	case "true", "True", "TRUE":
		return true
	case "false", "False", "FALSE", "":
		return false
	default:
		v.fail(name, "use true or false", "%q is not a boolean", s)
		return false
	}
}

func (v *validator) enum(name string, allowed ...string) string {
	s := v.get(name)
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	v.fail(name, "use one of "+strings.Join(allowed, ", "), "%q is not a valid value", s)
	return ""
}

func (v *validator) fcAPI(name string) fcruntime.API {
	// An unquoted `fc-api: 3.0` reaches the action as "3" (YAML reads a number).
	switch s := v.get(name); s {
	case "auto":
		return ""
	case "2.0", "2":
		return fcruntime.FC2
	case "3.0", "3":
		return fcruntime.FC3
	default:
		v.fail(name, "use auto, 2.0 or 3.0", "%q is not an FC API", s)
		return ""
	}
}

// file validates a path to a regular file inside the workspace; dirFix says what to give
// instead of a folder.
func (v *validator) file(name, dirFix string) string {
	s := v.get(name)
	if s == "" {
		return ""
	}
	p := v.abs(s)
	st, err := workspace.New(v.ws).Stat(p)
	switch {
	case errors.Is(err, os.ErrNotExist):
		v.fail(name, "check the path (it is relative to the workspace) and that actions/checkout ran before this step", "file %s not found in the workspace %s", urlcred.Quote(s), v.ws)
	case errors.Is(err, workspace.ErrOutside), errors.Is(err, workspace.ErrNotRegular):
		v.fail(name, "give a file inside the workspace, relative to it", "%s: %v", urlcred.Quote(s), err)
	case err != nil:
		v.fail(name, "check the file's permissions", "cannot read %s: %v", urlcred.Quote(s), err)
	case st.IsDir():
		v.fail(name, dirFix, "%q is a directory", s)
	default:
		return p
	}
	return ""
}

func (v *validator) dir(name string) string {
	s := v.get(name)
	if s == "" {
		return ""
	}
	p := v.abs(s)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		v.fail(name, "give a directory path (it is created when missing)", "%q is a file", s)
		return ""
	}
	return p
}

func (v *validator) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(v.ws, p)
}

func (v *validator) runtimeName(name string) string {
	s := v.get(name)
	if s == "" {
		return ""
	}
	if !runtimeNameRE.MatchString(s) {
		fix := fmt.Sprintf("use only letters, digits, _ and - (e.g. %q); its full length is checked once the Lithops version is known", notNameCharsRE.ReplaceAllString(s, "_"))
		v.fail(name, fix, "%q has characters FC function names do not allow", s)
		return ""
	}
	if len(s) > MaxRuntimeName {
		v.fail(name, fmt.Sprintf("use at most %d characters: Lithops adds lithops-worker-, the version and a hash to make the function name, and FC allows 64", MaxRuntimeName),
			"%q is %d characters long", s, len(s))
		return ""
	}
	return s
}

func (v *validator) pythonVersion(name string) string {
	s := v.get(name)
	if s == "" {
		return ""
	}
	if err := checkPythonVersion(s); err != "" {
		v.fail(name, pythonFix(s), "%q %s", s, err)
		return ""
	}
	return s
}

// checkPythonVersion returns what is wrong with a python-version value, or "".
func checkPythonVersion(s string) string {
	m := pythonVersionRE.FindStringSubmatch(s)
	if m == nil {
		return "is not a CPython version"
	}
	if minor, _ := strconv.Atoi(m[1]); minor < 6 {
		return "is not a Python version FC runs"
	}
	return ""
}

func pythonFix(s string) string {
	if s == "3.1" || s == "3.2" {
		return fmt.Sprintf("YAML reads an unquoted %s0 as the number %s: quote it (python-version: '%s0')", s, s, s)
	}
	return "use major.minor (3.10) or major.minor.patch (3.10.14)"
}

func (v *validator) lithopsVersion(name string) string {
	s := v.get(name)
	if s == "" {
		return ""
	}
	if strings.HasPrefix(s, "=") || strings.HasPrefix(strings.ToLower(s), "lithops") {
		v.fail(name, "give the version alone, e.g. 3.7.0", "%q is a requirement, not a version", s)
		return ""
	}
	if _, err := pep440.Parse(s); err != nil {
		v.fail(name, "give the version alone, e.g. 3.7.0", "%q is not a version", s)
		return ""
	}
	return s
}

func (v *validator) memory(name string) []int {
	items := splitList(v.get(name), true)
	if len(items) == 0 {
		v.fail(name, "give a size in MB, e.g. 256, or a comma list such as 256,1024", "is empty")
		return nil
	}
	fix := fmt.Sprintf("use a multiple of %d MB between %d and %d, e.g. 256 or 1024", fcruntime.MemoryStepMB, fcruntime.MinMemoryMB, fcruntime.MaxMemoryMB)
	var out []int
	seen := map[int]bool{}
	for _, it := range items {
		n, err := strconv.Atoi(it)
		switch {
		case err != nil:
			v.fail(name, fix, "%q is not a number of MB", it)
			return nil
		case n < fcruntime.MinMemoryMB || n > fcruntime.MaxMemoryMB:
			v.fail(name, fix, "%d MB is outside FC's range", n)
			return nil
		case n%fcruntime.MemoryStepMB != 0:
			v.fail(name, fix, "%d MB is not a multiple of %d MB", n, fcruntime.MemoryStepMB)
			return nil
		case seen[n]:
			v.fail(name, "list each size once", "%d MB is listed twice", n)
			return nil
		}
		seen[n] = true
		out = append(out, n)
	}
	return out
}

func (v *validator) timeout(name string) int {
	s := v.get(name)
	fix := fmt.Sprintf("give whole seconds between 1 and %d, e.g. 300", fcruntime.MaxTimeoutSec)
	n, err := strconv.Atoi(strings.TrimSuffix(s, "s"))
	if err != nil {
		v.fail(name, fix, "%q is not a number of seconds", s)
		return 0
	}
	if n < 1 || n > fcruntime.MaxTimeoutSec {
		v.fail(name, fix, "%d seconds is outside FC's range", n)
		return 0
	}
	return n
}

func (v *validator) platform(name string) tags.Glibc {
	s := strings.TrimSuffix(v.get(name), "_x86_64")
	if s == "" {
		return tags.Glibc{}
	}
	if minor, ok := legacyPlatforms[s]; ok {
		return tags.Glibc{Major: 2, Minor: minor}
	}
	if m := platformRE.FindStringSubmatch(s); m != nil {
		if minor, err := strconv.Atoi(m[1]); err == nil && minor >= 5 {
			return tags.Glibc{Major: 2, Minor: minor}
		}
	}
	v.fail(name, "use manylinux_2_N (e.g. manylinux_2_28), or manylinux2014, manylinux2010 or manylinux1; FC runs glibc, so musllinux does not apply",
		"%q is not a glibc platform", v.get(name))
	return tags.Glibc{}
}

func (v *validator) exclude(name string) []string {
	var out []string
	seen := map[string]bool{}
	for _, it := range splitList(v.get(name), true) {
		if !pep508.ValidName(it) {
			v.fail(name, "give distribution names as on PyPI, e.g. oss2, requests", "%q is not a distribution name", it)
			continue
		}
		n := pep508.NormalizeName(it)
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}

// indexURL validates a package index URL. Values in messages are redacted: URLs often
// carry a token as user information.
func (v *validator) indexURL(name, s string) string {
	if s == "" {
		return ""
	}
	u, ok := v.parseURL(name, s, "https://pypi.org/simple")
	if !ok {
		return ""
	}
	if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file" {
		v.fail(name, "use an http, https or file URL, e.g. https://pypi.org/simple", "%q is not an index URL", urlcred.Redact(s))
		return ""
	}
	return s
}

// findLinks accepts an http(s) or file URL, or a folder (relative to the workspace).
func (v *validator) findLinks(name, s string) string {
	if strings.Contains(s, "://") {
		u, ok := v.parseURL(name, s, "https://example.com/wheels/")
		if !ok {
			return ""
		}
		if u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file" {
			v.fail(name, "use an http, https or file URL, or a folder in the workspace", "%q is not a find-links location", urlcred.Redact(s))
			return ""
		}
		if u.Scheme == "file" {
			if _, err := workspace.New(v.ws).Stat(filepath.FromSlash(u.Path)); errors.Is(err, workspace.ErrOutside) || errors.Is(err, workspace.ErrNotRegular) {
				v.fail(name, "give a folder inside the workspace, relative to it, or an http(s) URL", "%s: %v", urlcred.Quote(s), err)
				return ""
			}
		}
		return s
	}
	p := v.abs(s)
	if _, err := workspace.New(v.ws).Stat(p); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			v.fail(name, "check the path (relative to the workspace) or give a URL", "folder %s not found in the workspace %s", urlcred.Quote(s), v.ws)
		} else {
			v.fail(name, "give a folder inside the workspace, relative to it, or a URL", "%s: %v", urlcred.Quote(s), err)
		}
		return ""
	}
	return p
}

func (v *validator) parseURL(name, s, example string) (*url.URL, bool) {
	// urlcred.Parse's errors quote nothing of the URL; it refuses a password that a
	// parser would cut short (and read partly as the host).
	u, err := urlcred.Parse(s)
	if err != nil {
		v.fail(name, "percent-encode special characters (e.g. in a password) and check the URL, like "+example, "%s: %v", urlcred.Quote(s), err)
		return nil, false
	}
	if (u.Scheme == "http" || u.Scheme == "https") && u.Host == "" {
		v.fail(name, "write the URL with its host, like "+example, "%q has no host", urlcred.Redact(s))
		return nil, false
	}
	return u, true
}

func (v *validator) endpoint(name string) string {
	s := v.get(name)
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		v.fail(name, "write the scheme too, e.g. https://"+s, "%q has no scheme", urlcred.Redact(s))
		return ""
	}
	u, ok := v.parseURL(name, s, "https://123456.cn-hangzhou.fc.aliyuncs.com")
	if !ok {
		return ""
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		v.fail(name, "use an http or https URL", "%q is not an http(s) endpoint", urlcred.Redact(s))
		return ""
	}
	return strings.TrimRight(s, "/")
}

// splitList splits a list input on whitespace (newlines included) and, when commas is
// set, on commas too.
func splitList(s string, commas bool) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || (commas && r == ',')
	})
}
