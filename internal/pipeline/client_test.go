package pipeline_test

// Issue 13: a Lithops client finds and uses the deployed runtime, and never destroys it.
// Each test runs the action on the emulator and reads the published object back from
// where Lithops' own code (testdata/lithops_lookup.py, run on the tagged source) says a
// client with the run's client-config looks for it.

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/deploy/deploytest"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/pipeline/pipelinetest"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// lookup is what a Lithops client computes from its configuration.
type lookup struct {
	Bucket        string `json:"bucket"`
	Function      string `json:"function"`
	RuntimeKey    string `json:"runtime_key"`
	MetaKey       string `json:"meta_key"`
	CacheFile     string `json:"cache_file"`
	RuntimeMemory int    `json:"runtime_memory"`
}

// lithopsLookup is where a Lithops client with this configuration (YAML, as in
// ~/.lithops/config) looks for its runtime. With Lithops' source (LITHOPS_SRC or the
// team's mirror) and python3 with PyYAML, Lithops' own code at the target's tag computes
// it (testdata/lithops_lookup.py). Without them (a CI machine has neither the mirror nor
// a way to fetch it) internal/lithops computes it from the same configuration: its
// names, keys and default buckets are checked against vectors computed with Lithops'
// own functions at 3.6.4 and 3.7.0 (internal/lithops tests), so the published object is
// still read back from where a client looks, and the log says which way was taken.
func lithopsLookup(t *testing.T, tg target, config string) lookup {
	t.Helper()
	src, missing := wheeltest.FindLithopsSource(tg.lithops)
	if missing == "" && exec.Command("python3", "-c", "import yaml").Run() != nil {
		missing = "python3 with PyYAML is needed to run Lithops' configuration code"
	}
	if missing != "" {
		t.Logf("NOTE: %s: the lookup is computed with internal/lithops instead", missing)
		return goLookup(t, tg, config)
	}
	cmd := exec.Command("python3", "testdata/lithops_lookup.py", src, tg.lithops)
	cmd.Stdin = strings.NewReader(config)
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("lithops_lookup.py %s: %v\n%s\nconfig:\n%s", tg.lithops, err, stderr, config)
	}
	var l lookup
	if err := json.Unmarshal(out, &l); err != nil {
		t.Fatalf("lithops_lookup.py: %v: %s", err, out)
	}
	if g := goLookup(t, tg, config); g != l {
		t.Errorf("internal/lithops looks in %+v, Lithops' own code in %+v", g, l)
	}
	return l
}

// goLookup is lithopsLookup computed with internal/lithops from the configuration's
// keys, as lithops_lookup.py reads them: aliyun_oss.storage_bucket, else Lithops'
// default bucket for aliyun's key and account; aliyun_fc.service, else the default
// service (FC 2.0).
func goLookup(t *testing.T, tg target, config string) lookup {
	t.Helper()
	cfg := map[string]string{} // "section.key" → value, as the client-config block writes it
	section := ""
	for _, line := range strings.Split(config, "\n") {
		line, _, _ = strings.Cut(line, "  #")
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		value = strings.Trim(strings.TrimSpace(value), "'")
		if !strings.HasPrefix(key, " ") {
			section = strings.TrimSpace(key)
			continue
		}
		cfg[section+"."+strings.TrimSpace(key)] = value
	}
	l, err := lithops.New(tg.lithops)
	if err != nil {
		t.Fatal(err)
	}
	memory, err := strconv.Atoi(cfg["aliyun_fc.runtime_memory"])
	if err != nil {
		t.Fatalf("client config runtime_memory: %v\n%s", err, config)
	}
	region, keyID := cfg["aliyun.region"], cfg["aliyun.access_key_id"]
	bucket := cfg["aliyun_oss.storage_bucket"]
	if bucket == "" {
		if bucket, err = l.DefaultBucket(region, keyID, cfg["aliyun.account_id"]); err != nil {
			t.Fatal(err)
		}
	}
	fn, err := l.FunctionName(cfg["aliyun_fc.runtime"], memory)
	if err != nil {
		t.Fatal(err)
	}
	service := cfg["aliyun_fc.service"]
	if service == "" && l.API() == fcruntime.FC2 {
		if service, err = lithops.DefaultService(keyID); err != nil {
			t.Fatal(err)
		}
	}
	key, err := l.RuntimeKey(region, service, fn)
	if err != nil {
		t.Fatal(err)
	}
	return lookup{Bucket: bucket, Function: fn, RuntimeKey: key, MetaKey: lithops.MetaKey(key),
		CacheFile: lithops.CacheFile(key), RuntimeMemory: memory}
}

// asClient is the client-config output as a client with the given key fills it in,
// with runtime_memory set to memory (0 keeps it) and, when dropBucket, without
// storage_bucket (a client relying on Lithops' default bucket).
func asClient(config, keyID string, memory int, dropBucket bool) string {
	var lines []string
	for _, l := range strings.Split(config, "\n") {
		switch k := strings.TrimSpace(strings.SplitN(l, ":", 2)[0]); {
		case k == "access_key_id":
			l = "  access_key_id: " + keyID
		case k == "access_key_secret":
			l = "  access_key_secret: the-clients-secret"
		case k == "runtime_memory" && memory != 0:
			l = "  runtime_memory: " + strconv.Itoa(memory)
		case k == "storage_bucket" && dropBucket:
			continue
		case k == "aliyun_oss" && dropBucket:
			continue // its only key goes: an empty section would be None to Lithops
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// longLivedKeys makes the action deploy with the emulator's account keys (no token),
// whose id gives the FC 2.0 default service deploytest.Service.
func (a *action) longLivedKeys() {
	a.inputs["access-key-id"], a.inputs["access-key-secret"] = deploytest.KeyID, deploytest.Secret
	delete(a.inputs, "security-token")
	delete(a.inputs, "service")
}

// noCalls fails when the run made any call to the emulator: the error came before
// anything was touched.
func noCalls(t *testing.T, v *deploytest.Env) {
	t.Helper()
	for _, c := range v.Probe.Calls() {
		if c.Op != fcemu.OpAssumeRoleWithOIDC {
			t.Errorf("the run called %s %s before failing", c.Op, c.Resource)
		}
	}
}

// notBuilt fails when the run assembled a package.
func notBuilt(t *testing.T, a *action) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(a.ws, ".lithops-runtime", "runtime.zip")); err == nil {
		t.Error("runtime.zip was built before the error")
	}
}

// TestClientFindsRuntimeWithoutBucket (case 1 and 3): without storage-bucket and with a
// long-lived key, the metadata goes to Lithops' default bucket for that key, created as
// Lithops creates it, with a notice. A client holding the same key and no
// storage_bucket, and a client using the client-config output, both find the metadata
// of every deployed memory size where Lithops' code looks for it; a memory size that was
// not deployed finds nothing (the client-config says which sizes exist).
func TestClientFindsRuntimeWithoutBucket(t *testing.T) {
	for _, tg := range []target{fc2, fc3} {
		t.Run(tg.String(), func(t *testing.T) {
			v := startEmulator(t, tg)
			a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
			a.longLivedKeys()
			delete(a.inputs, "storage-bucket")
			a.inputs["runtime-memory"] = "256,1024"
			r := a.mustRun()

			l, _ := lithops.New(tg.lithops)
			bucket, err := l.DefaultBucket(deploytest.Region, deploytest.KeyID, deploytest.Account)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(r.log, "::notice title=storage bucket::") || !strings.Contains(r.log, bucket) || !strings.Contains(r.log, "this access key id") {
				t.Errorf("no notice naming the default bucket %s", bucket)
			}
			if !v.Emu.HasBucket(bucket) || v.Count(fcemu.OpPutBucket) != 1 {
				t.Errorf("bucket %s not created (%d PutBucket calls)", bucket, v.Count(fcemu.OpPutBucket))
			}
			cfg := r.out["client-config"]
			if !strings.Contains(cfg, "storage_bucket: "+bucket) || !strings.Contains(cfg, "runtime_memory: 256  # or 1024: only the deployed sizes") {
				t.Errorf("client-config:\n%s", cfg)
			}
			if !strings.Contains(r.summary, cfg) || !strings.Contains(r.summary, "lithops=="+tg.lithops) || !strings.Contains(r.summary, "Python "+tg.python) {
				t.Errorf("the summary lacks the client configuration or which clients may use the runtime:\n%s", r.summary)
			}
			for i, fn := range r.fns {
				for _, dropBucket := range []bool{false, true} {
					got := lithopsLookup(t, tg, asClient(cfg, deploytest.KeyID, fn.Memory, dropBucket))
					if got.Bucket != bucket || got.Function != fn.Name || got.RuntimeKey != fn.RuntimeKey {
						t.Errorf("memory %d (client without storage_bucket: %v): Lithops looks in %s for %s (%s); the run deployed %s (%s) into %s",
							fn.Memory, dropBucket, got.Bucket, got.Function, got.RuntimeKey, fn.Name, fn.RuntimeKey, bucket)
					}
					data, ok := v.Emu.Object(got.Bucket, got.MetaKey)
					if !ok {
						t.Fatalf("no object at oss://%s/%s, where Lithops %s looks: the client would redeploy over %s", got.Bucket, got.MetaKey, tg.lithops, fn.Name)
					}
					m, err := lithops.ParseMetadata(data)
					if err != nil || m.LithopsVersion != tg.lithops || m.PythonVersion != tg.python || !strings.Contains(string(data), `"runtime_timeout": 60`) {
						t.Errorf("object %s: %s (%v)", got.MetaKey, data, err)
					}
				}
				if i == 0 {
					other := lithopsLookup(t, tg, asClient(cfg, deploytest.KeyID, 512, false))
					if _, ok := v.Emu.Object(other.Bucket, other.MetaKey); ok {
						t.Errorf("metadata found for 512 MB, which was not deployed")
					}
				}
			}
			v.NoSmokeFunctions(t)
		})
	}
}

// TestNoBucketWithTemporaryKeys (case 1): with temporary keys Lithops' default bucket name
// is not stable, so storage-bucket is required: an error before anything is built or
// called. publish-metadata: false is the explicit way out, with a warning that says
// what clients will then do.
func TestNoBucketWithTemporaryKeys(t *testing.T) {
	tg := fc3
	v := startEmulator(t, tg)
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	delete(a.inputs, "storage-bucket")
	r := a.run(t.Context())
	errs := errorsOf(r.log)
	if r.code != 1 || !strings.Contains(errs, "title=input storage-bucket") || !strings.Contains(errs, "temporary") || !strings.Contains(errs, "publish-metadata: false") {
		t.Fatalf("exit %d, errors:\n%s", r.code, errs)
	}
	noCalls(t, v)
	notBuilt(t, a)

	a.inputs["publish-metadata"] = "false"
	r = a.mustRun()
	name := tg.functionName(t, 256)
	if !strings.Contains(r.log, "::warning title=runtime metadata not published::") || !strings.Contains(r.log, "deletes "+name) {
		t.Errorf("no warning that clients will replace %s:\n%s", name, r.log)
	}
	for _, o := range v.Emu.Objects(deploytest.Bucket) {
		if strings.HasSuffix(o.Key, ".meta.json") {
			t.Errorf("metadata published with publish-metadata: false: %s", o.Key)
		}
	}
	if !strings.Contains(r.out["client-config"], "storage_bucket: <") {
		t.Errorf("client-config names a bucket although nothing was published:\n%s", r.out["client-config"])
	}
}

// TestDefaultBucketTaken (case 1): Lithops' default name held by another account is an
// error before FC is touched (the client's default bucket is unusable too).
func TestDefaultBucketTaken(t *testing.T) {
	tg := fc3
	l, _ := lithops.New(tg.lithops)
	bucket, _ := l.DefaultBucket(deploytest.Region, deploytest.KeyID, deploytest.Account)
	v := startEmulator(t, tg, fcemu.WithForeignBucket(bucket))
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	a.longLivedKeys()
	delete(a.inputs, "storage-bucket")
	r := a.run(t.Context())
	errs := errorsOf(r.log)
	if r.code != 1 || !strings.Contains(errs, "title=input storage-bucket") || !strings.Contains(errs, bucket+" is taken by another") {
		t.Fatalf("exit %d, errors:\n%s", r.code, errs)
	}
	for _, op := range []fcemu.Op{fcemu.OpCreateFunction, fcemu.OpUpdateFunction, fcemu.OpCreateService, fcemu.OpGetTempBucketToken} {
		if n := v.Count(op); n != 0 {
			t.Errorf("%d %s calls after the bucket was found taken", n, op)
		}
	}
}

// TestFCAPIContradiction (case 2): an fc-api that contradicts the Lithops version is
// refused before anything is built, naming both.
func TestFCAPIContradiction(t *testing.T) {
	for _, tt := range []struct {
		tg  target
		api string
	}{{fc3, "2.0"}, {fc2, "3.0"}} {
		t.Run(tt.tg.String(), func(t *testing.T) {
			v := startEmulator(t, tt.tg)
			a := newAction(t, tt.tg, v, "fc-demo\n", demo("1.0.0"))
			a.inputs["fc-api"] = tt.api
			r := a.run(t.Context())
			errs := errorsOf(r.log)
			if r.code != 1 || !strings.Contains(errs, "title=input fc-api") || !strings.Contains(errs, "fc-api "+tt.api) || !strings.Contains(errs, "Lithops "+tt.tg.lithops) {
				t.Fatalf("exit %d, errors:\n%s", r.code, errs)
			}
			noCalls(t, v)
			notBuilt(t, a)
		})
	}
}

// TestRedeployTellsToDropCache (case 4): a redeploy that changes the runtime names, in the
// log and the summary, the cached metadata file client machines must delete: the path
// Lithops' code caches it at. An unchanged rerun says nothing.
func TestRedeployTellsToDropCache(t *testing.T) {
	for _, tg := range []target{fc2, fc3} {
		t.Run(tg.String(), func(t *testing.T) {
			v := startEmulator(t, tg)
			a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"), pipelinetest.Module("okmod", "1.0", "X = 1\n"))
			r := a.mustRun()
			if strings.Contains(r.log, "drop the cached runtime metadata") {
				t.Errorf("a first deploy asks to drop caches")
			}
			a.requirements("fc-demo\nokmod\n")
			r = a.mustRun()
			if r.out["deployed"] != "updated" {
				t.Fatalf("deployed %q", r.out["deployed"])
			}
			got := lithopsLookup(t, tg, asClient(r.out["client-config"], "LTAIclient", 0, false))
			if got.RuntimeKey != r.out["runtime-key"] {
				t.Fatalf("Lithops' runtime key %s, the run's %s", got.RuntimeKey, r.out["runtime-key"])
			}
			if !strings.Contains(r.log, "::warning title=Lithops clients%3A drop the cached runtime metadata::") || !strings.Contains(r.log, got.CacheFile) {
				t.Errorf("the log does not ask to delete %s:\n%s", got.CacheFile, r.log)
			}
			if !strings.Contains(r.summary, "rm -f "+got.CacheFile) {
				t.Errorf("the summary does not say to delete %s:\n%s", got.CacheFile, r.summary)
			}
			r = a.mustRun()
			if strings.Contains(r.log, "drop the cached runtime metadata") {
				t.Errorf("an unchanged rerun asks to drop caches")
			}
		})
	}
}

// TestExistingServiceUsedAsItIs (case 6): an FC 2.0 service whose role differs is not
// changed: the run fails before deploying, saying what differs and how to proceed;
// update-service: true allows the change.
func TestExistingServiceUsedAsItIs(t *testing.T) {
	tg := fc2
	v := startEmulator(t, tg)
	other := "acs:ram::1234567890123456:role/someone-elses-role"
	if _, err := v.FC2Client(t).CreateService(fc.NewCreateServiceInput().WithServiceName(deploytest.Service).WithRole(other).WithInternetAccess(true)); err != nil {
		t.Fatal(err)
	}
	v.Probe.ResetCalls()
	a := newAction(t, tg, v, "fc-demo\n", demo("1.0.0"))
	r := a.run(t.Context())
	errs := errorsOf(r.log)
	for _, w := range []string{"title=input update-service", "service " + deploytest.Service, "its role is " + other, deploytest.Role, "update-service: true"} {
		if !strings.Contains(errs, w) {
			t.Errorf("the error does not say %q:\n%s", w, errs)
		}
	}
	if r.code != 1 {
		t.Fatalf("exit %d", r.code)
	}
	for _, op := range []fcemu.Op{fcemu.OpUpdateService, fcemu.OpCreateFunction, fcemu.OpUpdateFunction} {
		if n := v.Count(op); n != 0 {
			t.Errorf("%d %s calls", n, op)
		}
	}
	for _, s := range v.Emu.Services() {
		if s.Name == deploytest.Service && s.Role != other {
			t.Errorf("the service's role changed to %s", s.Role)
		}
	}

	a.inputs["update-service"] = "true"
	a.mustRun()
	if v.Count(fcemu.OpUpdateService) != 1 {
		t.Errorf("%d UpdateService calls with update-service: true", v.Count(fcemu.OpUpdateService))
	}
	if got := v.ReadWithSDK(t, tg.functionName(t, 256)); got.Role != deploytest.Role {
		t.Errorf("role %s after update-service: true", got.Role)
	}
	v.NoSmokeFunctions(t)
}
