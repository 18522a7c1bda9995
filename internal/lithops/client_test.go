package lithops

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// bucketVectors are Lithops' default bucket names, computed with Lithops' own code: the
// methods generate_bucket_name (and _bucket_name_suffix from 3.7) taken with Python's ast
// from lithops/storage/backends/aliyun_oss/aliyun_oss.py at tags 3.6.4 and 3.7.0 of
// github.com/lithops-cloud/lithops and run with python3 (3.11) on a stand-in object with
// the region and the config dict {access_key_id, region[, account_id]}, by
//
//	python3 internal/lithops/testdata/bucketvec.py /work/.mirror/lithops-cloud+lithops/repo TAG \
//	  '[["cn-hangzhou","LTAI5tAbCdEfGhIjKlMnOp","1234567890123456"], ...]'
//
// (the cases below, in order; null is a config without account_id). The script is
// kept beside this test, and TestDefaultBucketRecomputed runs it again when Lithops'
// source is at hand.
var bucketVectors = []struct {
	region, key, account string
	noAccount            bool
	v364, v370           string
}{
	{"cn-hangzhou", "LTAI5tAbCdEfGhIjKlMnOp", "1234567890123456", false, "lithops-cn-hangzhou-ltai5t", "lithops-cn-hangzhou-c59ccce861b5"},
	{"ap-southeast-1", "LTAI4FzZ9xYwVuTsRqPoNm", "5678901234567890", false, "lithops-ap-southeast-1-ltai4f", "lithops-ap-southeast-1-eac63f474dca"},
	{"cn-beijing", "ltai5tlower0123456789", "1234567890123456", false, "lithops-cn-beijing-ltai5t", "lithops-cn-beijing-0782f0b050d5"},
	{"cn-hangzhou", "LTAI5tAbCdEfGhIjKlMnOp", "9999999999999999", false, "lithops-cn-hangzhou-ltai5t", "lithops-cn-hangzhou-06942bc0f8ed"},
	{"cn-hangzhou", "LTAIlocalemulator", "1234567890123456", false, "lithops-cn-hangzhou-ltailo", "lithops-cn-hangzhou-e62b94db4734"},
	{"us-west-1", "LTAI5tAbCdEfGhIjKlMnOp", "", true, "lithops-us-west-1-ltai5t", "lithops-us-west-1-3e2eca9b0424"},
}

func TestDefaultBucket(t *testing.T) {
	for _, v := range bucketVectors {
		for version, want := range map[string]string{"3.6.4": v.v364, "3.3.0": v.v364, "3.7.0": v.v370, "3.7.1.dev0": v.v370} {
			got, err := mustNew(t, version).DefaultBucket(v.region, v.key, v.account)
			if err != nil || got != want {
				t.Errorf("Lithops %s DefaultBucket(%s, %s, %q) = %q, %v; Lithops computes %q", version, v.region, v.key, v.account, got, err, want)
			}
		}
	}
	if _, err := mustNew(t, "3.2.0").DefaultBucket("cn-hangzhou", "LTAI5tAbCdEf", "1"); err == nil || !strings.Contains(err.Error(), "must set aliyun_oss.storage_bucket") {
		t.Errorf("Lithops 3.2.0 (no generated bucket): %v", err)
	}
	if _, err := mustNew(t, "3.6.4").DefaultBucket("cn-hangzhou", "STS.NUabc", "1"); err == nil || !strings.Contains(err.Error(), "OSS refuses") {
		t.Errorf("an STS key id made a default bucket: %v", err)
	}
}

// TestDefaultBucketRecomputed runs Lithops' own generate_bucket_name from the tagged
// source again (see bucketVectors) and compares with DefaultBucket.
func TestDefaultBucketRecomputed(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("SKIPPED: python3 is not on PATH")
	}
	var cases [][]any
	for _, v := range bucketVectors {
		var account any = v.account
		if v.noAccount {
			account = nil
		}
		cases = append(cases, []any{v.region, v.key, account})
	}
	in, _ := json.Marshal(cases)
	for _, tag := range []string{"3.6.4", "3.7.0"} {
		src := wheeltest.LithopsSource(t, tag)
		out, err := exec.Command("python3", "testdata/bucketvec.py", src, tag, string(in)).Output()
		if err != nil {
			t.Fatalf("bucketvec.py %s: %v", tag, err)
		}
		var rows [][]any
		if err := json.Unmarshal(out, &rows); err != nil {
			t.Fatalf("bucketvec.py %s: %v: %s", tag, err, out)
		}
		for i, row := range rows {
			v := bucketVectors[i]
			got, err := mustNew(t, tag).DefaultBucket(v.region, v.key, v.account)
			if err != nil || got != row[3] {
				t.Errorf("Lithops %s on %v: DefaultBucket = %q, %v; Lithops' code says %v", tag, row[:3], got, err, row[3])
			}
			want := v.v364
			if tag == "3.7.0" {
				want = v.v370
			}
			if row[3] != want {
				t.Errorf("Lithops %s on %v: the vector in this test is %q, Lithops' code says %v", tag, row[:3], want, row[3])
			}
		}
	}
}

func TestCacheFile(t *testing.T) {
	// storage.py: os.path.join(CACHE_DIR, RUNTIMES_PREFIX, key + ".meta.json"), CACHE_DIR
	// = ~/.lithops/cache.
	got := CacheFile("aliyun_fc/3.7.0/cn-hangzhou/lithops-worker-x-v3-7-0-0123456789")
	if want := "~/.lithops/cache/lithops.runtimes/aliyun_fc/3.7.0/cn-hangzhou/lithops-worker-x-v3-7-0-0123456789.meta.json"; got != want {
		t.Errorf("CacheFile = %s, want %s", got, want)
	}
}

func TestClientConfig(t *testing.T) {
	c := ClientConfig{API: fcruntime.FC2, Region: "cn-hangzhou", AccountID: "1234567890123456", RoleARN: "acs:ram::1234567890123456:role/r",
		Service: "lithops_ltai", Runtime: "true", Memory: []int{256, 1024}, Timeout: 60, Bucket: "b-1"}
	want := `lithops:
  backend: aliyun_fc
  storage: aliyun_oss
aliyun:
  account_id: '1234567890123456'
  access_key_id: <ACCESS_KEY_ID>
  access_key_secret: <ACCESS_KEY_SECRET>
  region: cn-hangzhou
aliyun_fc:
  role_arn: acs:ram::1234567890123456:role/r
  runtime: 'true'
  runtime_memory: 256  # or 1024: only the deployed sizes
  runtime_timeout: 60
  service: lithops_ltai
aliyun_oss:
  storage_bucket: b-1
`
	if got := c.YAML(); got != want {
		t.Errorf("YAML:\n%s\nwant\n%s", got, want)
	}
	c = ClientConfig{API: fcruntime.FC3, Runtime: "rt", Memory: []int{256}, Timeout: 300}
	got := c.YAML()
	for _, s := range []string{"region: <REGION>", "storage_bucket: <STORAGE_BUCKET>", "runtime_memory: 256\n"} {
		if !strings.Contains(got, s) {
			t.Errorf("YAML lacks %q:\n%s", s, got)
		}
	}
	if strings.Contains(got, "service:") {
		t.Errorf("an FC 3.0 configuration names a service:\n%s", got)
	}
	// A custom-container runtime: Lithops 3.7's config.py load_config requires docker_user
	// with deploy_mode custom-container.
	c = ClientConfig{API: fcruntime.FC3, Runtime: "rt", Memory: []int{256}, Timeout: 300,
		Container: &ContainerRegistry{Server: "registry.cn-hangzhou.aliyuncs.com", User: "team"}}
	if got := c.YAML(); !strings.Contains(got, "  runtime_timeout: 300\n  deploy_mode: custom-container\n  docker_server: registry.cn-hangzhou.aliyuncs.com\n  docker_user: team\naliyun_oss:") {
		t.Errorf("container YAML:\n%s", got)
	}
	if got := mustNew(t, "3.7.0").ClientRequirement("3.12"); !strings.Contains(got, "lithops==3.7.0") || !strings.Contains(got, "Python 3.12") {
		t.Errorf("ClientRequirement = %s", got)
	}
}

// TestYAMLScalarRoundTrip reads yamlScalar's output back with Python's yaml (PyYAML, as
// Lithops reads its config), when python3 has it.
func TestYAMLScalarRoundTrip(t *testing.T) {
	if err := exec.Command("python3", "-c", "import yaml").Run(); err != nil {
		t.Skip("SKIPPED: python3 with PyYAML is needed to read the values back")
	}
	values := []string{"my-runtime", "true", "No", "null", "123", "1e3", "0x1f", "3.10", "a: b", "it's", "acs:ram::1:role/x", "~", "-a", "2024-01-01"}
	var doc strings.Builder
	for i, v := range values {
		doc.WriteString("k" + string(rune('a'+i)) + ": " + yamlScalar(v) + "\n")
	}
	cmd := exec.Command("python3", "-c", "import json, sys, yaml; d = yaml.safe_load(sys.stdin); print(json.dumps([v if isinstance(v, str) else None for v in d.values()]))")
	cmd.Stdin = strings.NewReader(doc.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 yaml: %v\n%s", err, doc.String())
	}
	var got []*string
	json.Unmarshal(out, &got)
	for i, v := range values {
		if got[i] == nil || *got[i] != v {
			t.Errorf("yamlScalar(%q) = %s reads back as %v", v, yamlScalar(v), got[i])
		}
	}
}

// TestReadmeClientConfig: README's "Use the runtime from a Lithops client" shows the
// configuration ClientConfig renders for the quick start's values, byte for byte.
func TestReadmeClientConfig(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "### Use the runtime from a Lithops client\n")
	if !ok {
		t.Fatal(`README has no "### Use the runtime from a Lithops client" section`)
	}
	_, block, ok := strings.Cut(section, "```yaml\n")
	block, _, ok2 := strings.Cut(block, "```\n")
	if !ok || !ok2 {
		t.Fatal("the section has no yaml block")
	}
	want := ClientConfig{API: fcruntime.FC3, Region: "cn-hangzhou", AccountID: "1234567890123456",
		RoleARN: "acs:ram::1234567890123456:role/lithops-worker", Runtime: "my-runtime", Memory: []int{256}, Timeout: 300,
		Bucket: "my-lithops-bucket"}.YAML()
	if block != want {
		t.Errorf("README's client configuration:\n%s\nClientConfig renders:\n%s", block, want)
	}
	// The quick start deploys those values.
	for _, s := range []string{"runtime-name: my-runtime", "region: cn-hangzhou", "storage-bucket: my-lithops-bucket"} {
		if !strings.Contains(string(readme), s) {
			t.Errorf("the quick start no longer says %q: update the client configuration test", s)
		}
	}
}
