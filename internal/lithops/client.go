package lithops

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// What a Lithops client does with the runtime, read from lithops/invokers.py
// (select_runtime), lithops/storage/storage.py (Storage, InternalStorage,
// get_runtime_meta) and lithops/storage/backends/aliyun_oss/aliyun_oss.py at 3.6.4 and
// 3.7.0: it reads lithops.runtimes/{runtime key}.meta.json from its storage bucket (its
// aliyun_oss.storage_bucket, else a name generated from its key), caches it for good
// under ~/.lithops/cache, and, when it finds none, deploys the runtime itself (deleting
// any function of the same name first).

// CacheDir is where a client machine keeps the runtime metadata it has read, relative
// to the user's home: constants.CACHE_DIR (~/.lithops/cache) joined with
// RUNTIMES_PREFIX and the runtime key, as Storage.get_runtime_meta builds the path.
const CacheDir = "~/.lithops/cache"

// CacheFile is the file a client machine keeps the metadata of runtimeKey in. Lithops
// reads it before the bucket and never refreshes it.
func CacheFile(runtimeKey string) string { return CacheDir + "/" + MetaKey(runtimeKey) }

// HasDefaultBucket reports whether this Lithops generates a storage bucket name when the
// client sets none (aliyun_oss generate_bucket_name, from 3.3.0); older clients require
// aliyun_oss.storage_bucket.
func (l Lithops) HasDefaultBucket() bool { return l.atLeast(3, 3) }

// DefaultBucket is the bucket a client of this Lithops uses when its configuration sets
// no aliyun_oss.storage_bucket: lithops-{region}-{first 6 characters of the key id,
// lower case} from 3.3 to 3.6, lithops-{region}-{first 12 hex of sha1(key id + account
// id)} from 3.7 (AliyunObjectStorageServiceBackend.generate_bucket_name). It depends on
// the client's key: a client with another key, or temporary (STS) keys, computes another
// name.
func (l Lithops) DefaultBucket(region, accessKeyID, accountID string) (string, error) {
	if !l.HasDefaultBucket() {
		return "", fmt.Errorf("Lithops %s has no default storage bucket: its clients must set aliyun_oss.storage_bucket", l.version)
	}
	if region == "" || accessKeyID == "" {
		return "", fmt.Errorf("Lithops' default storage bucket is made from the region and the access key id, and one is missing")
	}
	var suffix string
	if l.atLeast(3, 7) {
		sum := sha1.Sum([]byte(accessKeyID + accountID))
		suffix = hex.EncodeToString(sum[:])[:12]
	} else {
		// Python's key[:6].lower(): six code points, lower-cased.
		r := []rune(accessKeyID)
		suffix = strings.ToLower(string(r[:min(6, len(r))]))
	}
	name := "lithops-" + region + "-" + suffix
	if !bucketNameRE.MatchString(name) {
		return "", fmt.Errorf("Lithops' default storage bucket for this key would be %q, which OSS refuses as a bucket name", name)
	}
	return name, nil
}

var bucketNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`)

// ClientRequirement says which clients Lithops lets use a runtime of this version on
// Python python: select_runtime compares the client's __version__ with the runtime's
// lithops_version as strings, and its Python major.minor with the runtime's.
func (l Lithops) ClientRequirement(python string) string {
	return fmt.Sprintf("Lithops %s exactly (pip install lithops==%s) on Python %s (any %s.x)", l.version, l.version, python, python)
}

// ClientConfig is the Lithops configuration (~/.lithops/config, or LITHOPS_CONFIG_FILE)
// that makes a client use a deployed runtime: the keys the aliyun_fc and aliyun_oss
// backends read (their config.py load_config), with the deployment's values. Credentials
// are left as placeholders: they are the client's own.
type ClientConfig struct {
	API       fcruntime.API
	Region    string
	AccountID string
	RoleARN   string
	Service   string // FC 2.0: the service the functions are in
	Runtime   string
	Memory    []int // the deployed sizes; the first is the client's default
	Timeout   int   // seconds
	Bucket    string
	// Container, for a custom-container runtime: the registry its image is in, as
	// docker_server and docker_user (Lithops 3.7 requires docker_user in that mode).
	Container *ContainerRegistry
}

// ContainerRegistry is Lithops' docker_server and docker_user.
type ContainerRegistry struct {
	Server, User string
}

// Placeholder stands for a value the run does not know (a dry run has no credentials,
// hence no default bucket or service).
func Placeholder(what string) string { return "<" + what + ">" }

// YAML renders the configuration as a ready config file, with a comment where a value
// has a choice. Every value that is set is written explicitly, so the client does not
// depend on its own key to find the service or the bucket.
func (c ClientConfig) YAML() string {
	var b strings.Builder
	line := func(indent int, key, value, comment string) {
		s := strings.Repeat("  ", indent) + key + ":"
		if value != "" {
			s += " " + value
		}
		if comment != "" {
			s += "  # " + comment
		}
		b.WriteString(s + "\n")
	}
	or := func(v, placeholder string) string {
		if v == "" {
			return Placeholder(placeholder)
		}
		return yamlScalar(v)
	}
	line(0, "lithops", "", "")
	line(1, "backend", "aliyun_fc", "")
	line(1, "storage", "aliyun_oss", "")
	line(0, "aliyun", "", "")
	line(1, "account_id", or(c.AccountID, "ACCOUNT_ID"), "")
	line(1, "access_key_id", Placeholder("ACCESS_KEY_ID"), "")
	line(1, "access_key_secret", Placeholder("ACCESS_KEY_SECRET"), "")
	line(1, "region", or(c.Region, "REGION"), "")
	line(0, "aliyun_fc", "", "")
	line(1, "role_arn", or(c.RoleARN, "ROLE_ARN"), "")
	line(1, "runtime", yamlScalar(c.Runtime), "")
	mem, comment := Placeholder("MEMORY_MB"), ""
	if len(c.Memory) > 0 {
		mem = strconv.Itoa(c.Memory[0])
		if len(c.Memory) > 1 {
			sizes := make([]string, len(c.Memory))
			for i, m := range c.Memory {
				sizes[i] = strconv.Itoa(m)
			}
			comment = "or " + strings.Join(sizes[1:], ", ") + ": only the deployed sizes"
		}
	}
	line(1, "runtime_memory", mem, comment)
	line(1, "runtime_timeout", strconv.Itoa(c.Timeout), "")
	if c.API == fcruntime.FC2 {
		line(1, "service", or(c.Service, "SERVICE"), "")
	}
	if r := c.Container; r != nil {
		// config.py load_config: deploy_mode custom-container requires docker_user.
		line(1, "deploy_mode", "custom-container", "")
		line(1, "docker_server", or(r.Server, "DOCKER_SERVER"), "")
		line(1, "docker_user", or(r.User, "DOCKER_USER"), "")
	}
	line(0, "aliyun_oss", "", "")
	line(1, "storage_bucket", or(c.Bucket, "STORAGE_BUCKET"), "")
	return b.String()
}

var plainYAML = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_./:-]*$`)

// yamlScalar writes s so that YAML reads it back as the string s: plain when it cannot
// be read as anything else, else single-quoted.
func yamlScalar(s string) string {
	switch strings.ToLower(s) {
	case "y", "n", "yes", "no", "true", "false", "on", "off", "null":
		return "'" + s + "'"
	}
	if plainYAML.MatchString(s) && !strings.Contains(s, ": ") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
