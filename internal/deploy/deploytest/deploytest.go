// Package deploytest runs the deployer against the local FC emulator for tests: an
// emulator with a real CPython 3.10, deployers for FC 2.0 or FC 3.0 with fast retries,
// runtime packages built by internal/build from the FIXTURE lithops wheels, and a log
// that records every line (for secret scans) and can act on one (to cancel a run at a
// precise step). Nothing here is used by the action itself.
package deploytest

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	fc3api "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"

	"github.com/lithops-fc/runtime-action/internal/build"
	"github.com/lithops-fc/runtime-action/internal/credentials"
	"github.com/lithops-fc/runtime-action/internal/deploy"
	"github.com/lithops-fc/runtime-action/internal/fcemu"
	"github.com/lithops-fc/runtime-action/internal/fcemu/fcemutest"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/lithops"
	"github.com/lithops-fc/runtime-action/internal/python/pep440"
	"github.com/lithops-fc/runtime-action/internal/python/tags"
	"github.com/lithops-fc/runtime-action/internal/python/wheeltest"
)

// Test identity. The secret and token are what secret scans look for.
const (
	KeyID   = "LTAI5tDeployTestKey01"
	Secret  = "deploytest-SECRET-6f1c0a9d2e7b"
	Region  = "cn-hangzhou"
	Account = "1234567890123456"
	Bucket  = "lithops-test-bucket"
	Role    = "acs:ram::1234567890123456:role/lithops-test-role"
	Service = "lithops_ltai"
	Python  = "3.10"
	Runtime = "python3.10"
)

// Lithops is the FIXTURE Lithops version used with api: 3.6.4 deploys through FC 2.0,
// 3.7.0 through FC 3.0.
func Lithops(api fcruntime.API) string {
	if api == fcruntime.FC2 {
		return "3.6.4"
	}
	return "3.7.0"
}

// EachAPI runs f as a subtest for FC 2.0 and for FC 3.0.
func EachAPI(t *testing.T, f func(t *testing.T, api fcruntime.API)) {
	for _, api := range []fcruntime.API{fcruntime.FC2, fcruntime.FC3} {
		t.Run("FC"+string(api), func(t *testing.T) { f(t, api) })
	}
}

// Env is an emulator and what a test needs to deploy to it.
type Env struct {
	API   fcruntime.API
	Emu   *fcemu.Emulator
	Probe *fcemutest.Probe // the emulator's faults and call log
	URL   string
	Creds credentials.Credentials
	Log   *Log

	mu    sync.Mutex
	hooks []func(http.ResponseWriter, *http.Request) bool // true: answered
}

// Start runs an emulator (FC, OSS, STS) with the storage bucket, Python 3.10 (the test
// is skipped, loudly, without it), FC's preinstalled modules in every runtime (the
// FIXTURE stand-ins of wheeltest.FCPreinstalled: requests, oss2, six) and opts. The
// deployer signs with STS credentials, so both the secret and the security token are
// exercised.
func Start(t testing.TB, api fcruntime.API, opts ...fcemu.Option) *Env {
	t.Helper()
	py := wheeltest.Python(t, Python)
	base := []fcemu.Option{fcemu.WithAccessKey(KeyID, Secret), fcemu.WithRegion(Region),
		fcemu.WithAccountID(Account), fcemu.WithBucket(Bucket), fcemu.WithPython(Python, py)}
	for _, rt := range fcruntime.All() {
		base = append(base, fcemu.WithPreinstalled(rt.Name, wheeltest.PreinstalledDir(t, rt.Name)))
	}
	probe := fcemutest.New()
	e, err := fcemu.New(append(append(base, probe.Option()), opts...)...)
	if err != nil {
		t.Fatalf("fcemu.New: %v", err)
	}
	v := &Env{API: api, Emu: e, Probe: probe, Log: &Log{}}
	h := e.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		hooks := append([]func(http.ResponseWriter, *http.Request) bool(nil), v.hooks...)
		v.mu.Unlock()
		for _, hook := range hooks {
			if hook(w, r) {
				return
			}
		}
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		srv.Close()
		if err := e.Close(); err != nil {
			t.Errorf("fcemu Close: %v", err)
		}
	})
	v.URL = srv.URL
	// Every log line of every test is scanned for the secrets.
	t.Cleanup(func() { NoSecrets(t, v.Secrets(), v.Log.Lines()...) })
	sts := e.IssueSTS(time.Hour)
	v.Creds = credentials.Credentials{AccessKeyID: sts.AccessKeyID, AccessKeySecret: sts.AccessKeySecret, SecurityToken: sts.SecurityToken, Source: "test"}
	return v
}

// CancelOnRequest returns a context cancelled as soon as the emulator receives a request
// with method whose path contains path: the run is cancelled while that call is in
// flight.
func (v *Env) CancelOnRequest(t testing.TB, method, path string) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	v.OnRequest(func(r *http.Request) {
		if r.Method == method && strings.Contains(r.URL.Path, path) {
			cancel()
		}
	})
	return ctx
}

// OnRequest calls f with every request before the emulator handles it (f may make
// requests of its own to v.URL).
func (v *Env) OnRequest(f func(*http.Request)) {
	v.hook(func(_ http.ResponseWriter, r *http.Request) bool {
		f(r)
		return false
	})
}

// FailOSS makes OSS requests with method whose path contains path answer status with an
// OSS error document of code, before the emulator sees them.
func (v *Env) FailOSS(method, path string, status int, code string) {
	v.hook(func(w http.ResponseWriter, r *http.Request) bool {
		if r.Method != method || !strings.Contains(r.URL.Path, path) || strings.HasPrefix(r.URL.Path, "/20") {
			return false
		}
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("X-Oss-Request-Id", "DEPLOYTEST0000000000000001")
		w.WriteHeader(status)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<Error><Code>%s</Code><Message>refused by deploytest</Message><RequestId>DEPLOYTEST0000000000000001</RequestId></Error>`, code)
		return true
	})
}

// Intercept lets h answer requests before the emulator does (h returns true when it
// answered).
func (v *Env) Intercept(h func(http.ResponseWriter, *http.Request) bool) { v.hook(h) }

func (v *Env) hook(h func(http.ResponseWriter, *http.Request) bool) {
	v.mu.Lock()
	v.hooks = append(v.hooks, h)
	v.mu.Unlock()
}

// Secrets are the values no log line or error may contain.
func (v *Env) Secrets() []string {
	return []string{Secret, v.Creds.AccessKeySecret, v.Creds.SecurityToken}
}

// Destination is the emulator's account as a deploy destination, with the storage
// bucket when bucket.
func (v *Env) Destination(bucket bool) deploy.Destination {
	t := deploy.Destination{API: v.API, Region: Region, AccountID: Account, Credentials: v.Creds,
		Endpoint: v.URL, OSSEndpoint: v.URL}
	if v.API == fcruntime.FC2 {
		t.Service = Service
	}
	if bucket {
		t.Bucket = Bucket
	}
	return t
}

// FastRetry keeps the default number of attempts with millisecond waits.
var FastRetry = deploy.RetryPolicy{Attempts: deploy.DefaultRetry.Attempts, Base: time.Millisecond, Max: 5 * time.Millisecond}

// Deployer returns a deployer for the emulator: the storage bucket when bucket, fast
// retries and polls, previous code kept in a test folder, log lines into v.Log. opts
// come last and win.
func (v *Env) Deployer(t testing.TB, bucket bool, opts ...deploy.Option) *deploy.Deployer {
	t.Helper()
	d, err := deploy.New(v.Destination(bucket), append([]deploy.Option{deploy.WithLog(v.Log.Printf), deploy.WithRetry(FastRetry),
		deploy.WithPollInterval(time.Millisecond), deploy.WithTempDir(t.TempDir())}, opts...)...)
	if err != nil {
		t.Fatalf("deploy.New: %v", err)
	}
	return d
}

// Spec is a Lithops worker function's configuration on the emulator.
func Spec(name string, memory int) deploy.Spec {
	return deploy.Spec{Name: name, Runtime: Runtime, Handler: lithops.Handler, MemoryMB: memory, TimeoutSec: 60,
		Role: Role, InternetAccess: lithops.InternetAccess}
}

// Module returns a one-module distribution whose __init__.py is source.
func Module(name, version, source string) wheeltest.Wheel {
	return wheeltest.Wheel{Name: name, Version: version, Files: map[string][]byte{name + "/__init__.py": []byte(source)}}
}

// Package builds a runtime package with internal/build: the FIXTURE lithops at version,
// its worker modules and extra, plus files (path → content) at the zip root.
func Package(t testing.TB, version string, extra []wheeltest.Wheel, files map[string][]byte) deploy.Package {
	t.Helper()
	dir := t.TempDir()
	wheel := func(w wheeltest.Wheel) build.Wheel {
		p := w.MustWrite(t, dir)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		return build.Wheel{Name: w.Name, Version: pep440.MustParse(w.Version), Path: p, SHA256: hex.EncodeToString(sum[:]),
			URL: "https://files.example.org/" + w.Filename(), Tag: w.FirstTag()}
	}
	in := build.Input{Lithops: wheel(wheeltest.Lithops(version)), LithopsVersion: version, OutDir: filepath.Join(dir, "out"),
		Target: tags.Target{Python: [2]int{3, 10}, Glibc: tags.Glibc{Major: 2, Minor: 28}}}
	for _, w := range append(wheeltest.Workers(version), extra...) {
		in.Wheels = append(in.Wheels, wheel(w))
	}
	for p, data := range files {
		in.Files = append(in.Files, build.File{Path: p, Data: data})
	}
	res, err := build.Assemble(context.Background(), in, build.WithCodeLimits(fcruntime.CodeLimits{InlineBase64: 1 << 40, OSS: 1 << 40}))
	if err != nil {
		t.Fatalf("build.Assemble: %v", err)
	}
	return deploy.Package{Path: res.ZipPath, Size: res.Size, SHA256: res.SHA256, CodeChecksum: res.CodeChecksum}
}

// Log records log lines; OnLine, when set, sees each line as it is printed (a test can
// cancel a run at a precise step).
type Log struct {
	mu     sync.Mutex
	lines  []string
	OnLine func(line string)
}

// Printf records one line (for deploy.WithLog).
func (l *Log) Printf(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	hook := l.OnLine
	l.mu.Unlock()
	if hook != nil {
		hook(line)
	}
}

// Lines returns the lines so far.
func (l *Log) Lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.lines...)
}

// SetHook replaces OnLine safely while a run may be logging.
func (l *Log) SetHook(h func(string)) {
	l.mu.Lock()
	l.OnLine = h
	l.mu.Unlock()
}

// CancelOn returns a context cancelled right after the first log line containing s.
func (l *Log) CancelOn(t testing.TB, s string) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	var once sync.Once
	l.SetHook(func(line string) {
		if strings.Contains(line, s) {
			once.Do(cancel)
		}
	})
	return ctx
}

// NoSecrets fails the test when any text holds one of secrets.
func NoSecrets(t testing.TB, secrets []string, texts ...string) {
	t.Helper()
	for _, text := range texts {
		for _, s := range secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("a secret leaked into: %q", text)
			}
		}
	}
}

// Function is a function as the emulator holds it (in Service on FC 2.0).
func (v *Env) Function(name string) (fcemu.FunctionInfo, bool) {
	if v.API == fcruntime.FC2 {
		return v.Emu.Function(fcemu.APIFC2, Service, name)
	}
	return v.Emu.Function(fcemu.APIFC3, "", name)
}

// SmokePrefix is verify.TempPrefix (deploytest cannot import verify, whose tests use it).
const SmokePrefix = "lithops-fc-runtime-action-smoke-"

// NoSmokeFunctions fails the test when a temporary import check function (SmokePrefix,
// made by internal/verify), or its FC 2.0 service, is left behind, or when the Lithops
// service holds anything but Lithops' worker functions (`lithops clean` deletes the
// lithops-worker-* functions, then the service: any other function makes that fail).
func (v *Env) NoSmokeFunctions(t testing.TB) {
	t.Helper()
	for _, fn := range v.Emu.Functions() {
		if strings.HasPrefix(fn.Name, SmokePrefix) {
			t.Errorf("temporary function %s (service %q) was left behind", fn.Name, fn.Service)
		}
		if fn.Service == Service && !strings.HasPrefix(fn.Name, "lithops-worker") {
			t.Errorf("function %s is in the Lithops service %s: lithops clean could not delete the service", fn.Name, Service)
		}
	}
	for _, s := range v.Emu.Services() {
		if strings.HasPrefix(s.Name, SmokePrefix) {
			t.Errorf("the import check's service %s was left behind", s.Name)
		}
	}
}

// Count returns how many recorded calls were of op.
func (v *Env) Count(op fcemu.Op) int { return len(v.Probe.CallsOf(op)) }

// Uploads counts the OSS writes (single and multipart). Inline code travels in
// CreateFunction/UpdateFunction and shows in those counts.
func (v *Env) Uploads() int {
	return v.Count(fcemu.OpPutObject) + v.Count(fcemu.OpUploadPart) + v.Count(fcemu.OpInitiateMultipartUpload)
}

// FC2Client is fc-go-sdk's client for the emulator, signed like the deployer (a test's
// "someone else").
func (v *Env) FC2Client(t testing.TB) *fc.Client {
	t.Helper()
	c, err := fc.NewClient(v.URL, "2016-08-15", v.Creds.AccessKeyID, v.Creds.AccessKeySecret,
		fc.WithAccountID(Account), fc.WithSecurityToken(v.Creds.SecurityToken))
	if err != nil {
		t.Fatalf("fc-go-sdk client: %v", err)
	}
	return c
}

// FC3Client is the fc-20230330 SDK's client for the emulator, signed like the deployer.
func (v *Env) FC3Client(t testing.TB) *fc3api.Client {
	t.Helper()
	u, err := url.Parse(v.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := fc3api.NewClient(&openapi.Config{AccessKeyId: tea.String(v.Creds.AccessKeyID), AccessKeySecret: tea.String(v.Creds.AccessKeySecret),
		SecurityToken: tea.String(v.Creds.SecurityToken), Endpoint: tea.String(u.Host), Protocol: tea.String("http"), RegionId: tea.String(Region)})
	if err != nil {
		t.Fatalf("FC 3.0 SDK client: %v", err)
	}
	return c
}

// ReadWithSDK reads a function's configuration through the official SDK of api (not
// through the code under test). FC 2.0 functions take role and internet access from
// their service.
func (v *Env) ReadWithSDK(t testing.TB, name string) deploy.Function {
	t.Helper()
	if v.API == fcruntime.FC2 {
		c := v.FC2Client(t)
		f, err := c.GetFunction(fc.NewGetFunctionInput(Service, name))
		if err != nil {
			t.Fatalf("fc-go-sdk GetFunction %s: %v", name, err)
		}
		s, err := c.GetService(fc.NewGetServiceInput(Service))
		if err != nil {
			t.Fatalf("fc-go-sdk GetService: %v", err)
		}
		return deploy.Function{Spec: deploy.Spec{Name: *f.FunctionName, Runtime: *f.Runtime, Handler: *f.Handler,
			MemoryMB: int(*f.MemorySize), TimeoutSec: int(*f.Timeout), Role: *s.Role, InternetAccess: *s.InternetAccess},
			CodeChecksum: *f.CodeChecksum}
	}
	r, err := v.FC3Client(t).GetFunction(tea.String(name), &fc3api.GetFunctionRequest{})
	if err != nil {
		t.Fatalf("fc3 SDK GetFunction %s: %v", name, err)
	}
	f := r.Body
	return deploy.Function{Spec: deploy.Spec{Name: *f.FunctionName, Runtime: *f.Runtime, Handler: *f.Handler,
		MemoryMB: int(*f.MemorySize), TimeoutSec: int(*f.Timeout), Role: *f.Role, InternetAccess: *f.InternetAccess},
		CodeChecksum: *f.CodeChecksum}
}

// Seed creates functions of memory MB through the official SDKs, as "someone else" would:
// on FC 2.0 in service (created, without the action's description, when missing), on
// FC 3.0 when service is "". Their code is a one-file zip (SeedCode) that is never run.
func (v *Env) Seed(t testing.TB, service string, memory int, names ...string) {
	t.Helper()
	code := SeedCode()
	if service != "" {
		c := v.FC2Client(t)
		if _, err := c.GetService(fc.NewGetServiceInput(service)); err != nil {
			if _, err := c.CreateService(fc.NewCreateServiceInput().WithServiceName(service).WithRole(Role)); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range names {
			if _, err := c.CreateFunction(fc.NewCreateFunctionInput(service).WithFunctionName(n).WithRuntime(Runtime).
				WithHandler("index.handler").WithMemorySize(int32(memory)).WithCode(fc.NewCode().WithZipFile(code))); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	c := v.FC3Client(t)
	for _, n := range names {
		if _, err := c.CreateFunction(&fc3api.CreateFunctionRequest{Body: &fc3api.CreateFunctionInput{FunctionName: tea.String(n),
			Runtime: tea.String(Runtime), Handler: tea.String("index.handler"), MemorySize: tea.Int32(int32(memory)),
			Code: &fc3api.InputCodeLocation{ZipFile: tea.String(base64.StdEncoding.EncodeToString(code))}}}); err != nil {
			t.Fatal(err)
		}
	}
}

// SeedCode is the zip of Seed's functions: one handler file.
func SeedCode() []byte {
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	f, _ := w.Create("index.py")
	f.Write([]byte("def handler(event, context):\n    return 'ok'\n"))
	w.Close() // writing to memory does not fail
	return b.Bytes()
}
