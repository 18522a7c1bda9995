package lithops

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
)

// Lithops is one Lithops release and the aliyun_fc conventions it follows. The rules
// were read from the lithops-cloud/lithops sources of every 3.x tag
// (lithops/serverless/backends/aliyun_fc/{aliyun_fc,config}.py).
type Lithops struct {
	version string // exactly as lithops/version.py spells __version__
	parsed  pep440.Version
	release []int
}

// MinVersion is the oldest Lithops whose aliyun_fc conventions this package knows.
// (Function names took their current form in 2.9.0; 3.0.0 starts the line
// docs/architecture.md, "Lithops", describes.)
const MinVersion = "3.0.0"

// New returns the conventions of Lithops at version, which must be the exact
// __version__ string of the release (it is part of function names and runtime keys).
func New(version string) (Lithops, error) {
	v, err := pep440.Parse(version)
	if err != nil {
		return Lithops{}, fmt.Errorf("lithops-version %q is not a version: give it as Lithops spells it, e.g. 3.7.0", version)
	}
	if strings.TrimSpace(version) != version {
		return Lithops{}, fmt.Errorf("lithops-version %q has surrounding spaces", version)
	}
	l := Lithops{version: version, parsed: v, release: v.Release()}
	if !l.atLeast(3, 0, 0) {
		return Lithops{}, fmt.Errorf("lithops-version %s is older than %s, the oldest Lithops whose aliyun_fc runtimes this action builds: upgrade Lithops", version, MinVersion)
	}
	return l, nil
}

// Version is the Lithops version as given to New.
func (l Lithops) Version() string { return l.version }

// PEP440 is the version as a PEP 440 version, for comparisons (3.7 equals 3.7.0).
func (l Lithops) PEP440() pep440.Version { return l.parsed }

// atLeast compares the release numbers only, so pre-releases and development builds
// of a release follow that release's rules (3.7.0rc1 and 3.7.1.dev0 deploy through FC
// 3.0; the 3.6.5.dev0 snapshots before 3.7.0 through FC 2.0).
func (l Lithops) atLeast(want ...int) bool {
	for i, w := range want {
		var got int
		if i < len(l.release) {
			got = l.release[i]
		}
		if got != w {
			return got > w
		}
	}
	return true
}

// API is the FC API this Lithops deploys through: FC 2.0 (services) up to 3.6, FC 3.0
// from 3.7.
func (l Lithops) API() fcruntime.API {
	if l.atLeast(3, 7) {
		return fcruntime.FC3
	}
	return fcruntime.FC2
}

// DefaultRuntimeName is Lithops' runtime name when none is configured, for Python
// major.minor ("3.10" or "3.10.14"): default-runtime-v310 up to 3.6,
// default-python-runtime-v310 from 3.7.
func (l Lithops) DefaultRuntimeName(python string) (string, error) {
	f := strings.Split(python, ".")
	if len(f) < 2 || len(f) > 3 || !allDigits(f[0]) || !allDigits(f[1]) {
		return "", fmt.Errorf("python version %q is not major.minor", python)
	}
	py := f[0] + f[1]
	if l.atLeast(3, 7) {
		return "default-python-runtime-v" + py, nil
	}
	return "default-runtime-v" + py, nil
}

// DefaultRuntimeNames are the names Lithops 3.x gives the default runtime of Python
// python across its versions: default-runtime-v310 up to 3.6, default-python-runtime-v310
// from 3.7 (what the same runtime is called before and after an upgrade).
func DefaultRuntimeNames(python string) ([]string, error) {
	var out []string
	for _, v := range []string{MinVersion, "3.7.0"} {
		l, err := New(v)
		if err != nil {
			return nil, err
		}
		name, err := l.DefaultRuntimeName(python)
		if err != nil {
			return nil, err
		}
		out = append(out, name)
	}
	return out, nil
}

// WorkerModules are the distributions Lithops installs beside itself in a zip runtime
// (config.py REQUIREMENTS_FILE, installed with --no-deps): pika, tblib, cloudpickle and
// ps-mem; psutil from 3.1.1; six from 3.7.0.
func (l Lithops) WorkerModules() []string {
	mods := []string{"pika", "tblib", "cloudpickle", "ps-mem"}
	if l.atLeast(3, 1, 1) {
		mods = append(mods, "psutil")
	}
	if l.atLeast(3, 7) {
		mods = append([]string{"six"}, mods...)
	}
	return mods
}

// FC function names: 1 to 64 characters, letters, digits, _ and -, not starting with a
// digit or a hyphen.
var (
	functionNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,63}$`)
	badCharsRE     = regexp.MustCompile(`[^A-Za-z0-9_-]`)
	serviceNameRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]{0,127}$`)
)

const maxFunctionName = 64

// CheckFunctionName reports whether name is a valid FC function name.
func CheckFunctionName(name string) error {
	switch {
	case name == "":
		return errors.New("FC function names cannot be empty")
	case len(name) > maxFunctionName:
		return fmt.Errorf("function name %q is %d characters, FC allows %d", name, len(name), maxFunctionName)
	case !functionNameRE.MatchString(name):
		return fmt.Errorf("function name %q: FC allows letters, digits, _ and -, not starting with a digit or -", name)
	}
	return nil
}

// FunctionName is the worker function of runtime at memoryMB:
// lithops-worker-{runtime}-v{version with . as -}-{first 10 hex of
// sha1("{runtime}-{memory}-{version}")}. A name FC would refuse is an error that says
// which input to change and how.
func (l Lithops) FunctionName(runtime string, memoryMB int) (string, error) {
	if runtime == "" {
		return "", errors.New("runtime-name is empty: set it, or leave it unset for Lithops' default")
	}
	sum := sha1.Sum([]byte(runtime + "-" + strconv.Itoa(memoryMB) + "-" + l.version))
	name := "lithops-worker-" + runtime + "-v" + strings.ReplaceAll(l.version, ".", "-") + "-" + hex.EncodeToString(sum[:])[:10]
	if bad := badCharsRE.FindAllString(runtime, -1); bad != nil {
		return "", fmt.Errorf("runtime-name %q has characters FC does not allow in function names (%s): use only letters, digits, _ and -",
			runtime, strings.Join(unique(bad), " "))
	}
	if bad := badCharsRE.FindAllString(strings.ReplaceAll(l.version, ".", "-"), -1); bad != nil {
		return "", fmt.Errorf("lithops-version %q has characters FC does not allow in function names (%s), so Lithops cannot name its worker function: use a release version",
			l.version, strings.Join(unique(bad), " "))
	}
	if len(name) > maxFunctionName {
		room := maxFunctionName - (len(name) - len(runtime))
		return "", fmt.Errorf("runtime-name %q makes the function name %s, %d characters; FC allows %d: shorten runtime-name to at most %d characters",
			runtime, name, len(name), maxFunctionName, room)
	}
	if err := CheckFunctionName(name); err != nil {
		return "", fmt.Errorf("runtime-name %q: %w", runtime, err)
	}
	return name, nil
}

// DefaultService is Lithops' FC 2.0 service: "lithops_" and the first four characters
// of the access key id, lower case. Lithops computes it from the client's key, so it
// only matches when the action deploys with the same key as the client; temporary STS
// keys ("STS.…") give a name FC refuses, and an error that says to set the service input.
func DefaultService(accessKeyID string) (string, error) {
	if accessKeyID == "" {
		return "", errors.New("the default FC 2.0 service name comes from the access key id, and there is none: set the service input")
	}
	name := "lithops_" + strings.ToLower(accessKeyID[:min(4, len(accessKeyID))])
	if !serviceNameRE.MatchString(name) {
		return "", fmt.Errorf("the default FC 2.0 service name from this access key id would be %q, which FC refuses (temporary STS credentials?): set the service input to the service of your Lithops client (aliyun_fc.service, or lithops_ and the first 4 characters of the client's key id)", name)
	}
	return name, nil
}

// RuntimeKey is where Lithops keeps the runtime's metadata, relative to
// lithops.runtimes/: aliyun_fc/{version}/{region}/{service}/{function} up to 3.6,
// aliyun_fc/{version}/{region}/{function} from 3.7 (service is then ignored).
func (l Lithops) RuntimeKey(region, service, function string) (string, error) {
	if region == "" || function == "" {
		return "", errors.New("runtime key: region and function are required")
	}
	if l.API() == fcruntime.FC3 {
		return strings.Join([]string{"aliyun_fc", l.version, region, function}, "/"), nil
	}
	if service == "" {
		return "", errors.New("runtime key: Lithops up to 3.6 needs the FC 2.0 service")
	}
	return strings.Join([]string{"aliyun_fc", l.version, region, service, function}, "/"), nil
}

// MetaKey is the storage-bucket object Lithops reads a runtime's metadata from.
func MetaKey(runtimeKey string) string { return "lithops.runtimes/" + runtimeKey + ".meta.json" }

// LockKey is the storage-bucket object where the action publishes a runtime's
// pylock.toml, beside its metadata. It is the action's, not Lithops': Lithops reads only
// the exact MetaKey object (lithops@3.7.0:lithops/storage/storage.py get_runtime_meta),
// and `lithops clean` deletes the whole lithops.runtimes/aliyun_fc prefix, this object
// with the metadata.
func LockKey(runtimeKey string) string { return "lithops.runtimes/" + runtimeKey + ".pylock.toml" }

// FunctionARN is the function's ARN: acs:fc:{region}:{account}:services/{service}.LATEST/
// functions/{function} on FC 2.0, acs:fc:{region}:{account}:functions/{function} on FC 3.0.
func FunctionARN(api fcruntime.API, region, account, service, function string) string {
	if api == fcruntime.FC2 {
		return fmt.Sprintf("acs:fc:%s:%s:services/%s.LATEST/functions/%s", region, account, service, function)
	}
	return fmt.Sprintf("acs:fc:%s:%s:functions/%s", region, account, function)
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func unique(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, strconv.Quote(s))
		}
	}
	return out
}
