package fcemu

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"hash/crc64"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	openapi "github.com/alibabacloud-go/darabonba-openapi/v2/client"
	fc3 "github.com/alibabacloud-go/fc-20230330/v4/client"
	"github.com/alibabacloud-go/tea/tea"
	"github.com/aliyun/aliyun-oss-go-sdk/oss"
	fc "github.com/aliyun/fc-go-sdk"
)

const (
	testKeyID  = "LTAItestkey0000000001"
	testSecret = "testsecret0000000000000000000001"
	testRegion = "cn-hangzhou"
)

// testClock is a settable clock for expiry and skew tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newTestClock() *testClock { return &testClock{t: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start runs an emulator with the test key on a loopback port.
func start(t *testing.T, opts ...Option) (*Emulator, string) {
	t.Helper()
	e, err := New(append([]Option{WithAccessKey(testKeyID, testSecret), WithRegion(testRegion)}, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	base, err := e.Start(ctx)
	if err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		if err := e.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return e, base
}

func fc2Client(t *testing.T, e *Emulator, base, id, secret string, opts ...fc.ClientOption) *fc.Client {
	t.Helper()
	c, err := fc.NewClient(base, "2016-08-15", id, secret, append([]fc.ClientOption{fc.WithAccountID(e.AccountID())}, opts...)...)
	if err != nil {
		t.Fatalf("fc.NewClient: %v", err)
	}
	return c
}

func fc3Client(t *testing.T, base, id, secret, token string) *fc3.Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	cfg := &openapi.Config{
		AccessKeyId: tea.String(id), AccessKeySecret: tea.String(secret),
		Endpoint: tea.String(u.Host), Protocol: tea.String("http"), RegionId: tea.String(testRegion),
	}
	if token != "" {
		cfg.SecurityToken = tea.String(token)
	}
	c, err := fc3.NewClient(cfg)
	if err != nil {
		t.Fatalf("fc3.NewClient: %v", err)
	}
	return c
}

func ossClient(t *testing.T, base, id, secret string, opts ...oss.ClientOption) *oss.Client {
	t.Helper()
	c, err := oss.New(base, id, secret, opts...)
	if err != nil {
		t.Fatalf("oss.New: %v", err)
	}
	return c
}

// makeZip builds a zip of the given files (name → content), in name order.
func makeZip(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var names []string
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// crcDecimal computes FC's codeChecksum independently of the emulator's helper.
func crcDecimal(b []byte) string {
	return strconv.FormatUint(crc64.Update(0, crc64.MakeTable(crc64.ECMA), b), 10)
}

// handlerCode is a Python package exercising what FC gives a handler. It must run on 3.6.
const handlerCode = `import json, os, sys, time

def handler(event, context):
    return json.dumps({
        "event": event.decode("utf-8"),
        "event_type": type(event).__name__,
        "python": "%d.%d" % sys.version_info[:2],
        "request_id": context.request_id,
        "function": {"name": context.function.name, "handler": context.function.handler,
                     "memory": context.function.memory, "timeout": context.function.timeout},
        "service": {"name": context.service.name, "qualifier": context.service.qualifier},
        "region": context.region,
        "account_id": context.account_id,
        "credentials": {"access_key_id": context.credentials.access_key_id,
                        "has_secret": bool(context.credentials.access_key_secret),
                        "has_token": bool(context.credentials.security_token)},
        "cwd": os.getcwd(),
        "path0": sys.path[0],
        "my_var": os.environ.get("MY_VAR"),
    })

def fail(event, context):
    raise ValueError("bad input: " + event.decode("utf-8"))

def slow(event, context):
    print("sleeping in pid %d" % os.getpid())
    time.sleep(120)

def big(event, context):
    return b"x" * (6 * 1024 * 1024)

def chatty(event, context):
    for i in range(1000):
        print("line %04d" % i)
    return "done"

def as_dict(event, context):
    return {"preinstalls": [["json", True]], "n": 3}

def pre(event, context):
    import fcemu_preinstalled
    return fcemu_preinstalled.VALUE

def no_site(event, context):
    try:
        import pip  # in every interpreter's site-packages, not on FC's path
        return "imported"
    except ImportError:
        return "missing"

def crash(event, context):
    sys.stdout.flush()
    os._exit(3)
`

func handlerZip(t *testing.T) []byte {
	return makeZip(t, map[string]string{"index.py": handlerCode, "data/readme.txt": "hello"})
}

// fc2Code returns the API error code of an fc-go-sdk error.
func fc2Code(err error) (int, string) {
	var se *fc.ServiceError
	if errors.As(err, &se) {
		return se.HTTPStatus, se.ErrorCode
	}
	return 0, ""
}

// fc3Code returns the API error code of an FC 3.0 SDK error.
func fc3Code(err error) (int, string) {
	var se *tea.SDKError
	if errors.As(err, &se) {
		return tea.IntValue(se.StatusCode), tea.StringValue(se.Code)
	}
	return 0, ""
}

func ossCode(err error) (int, string) {
	var se oss.ServiceError
	if errors.As(err, &se) {
		return se.StatusCode, se.Code
	}
	return 0, ""
}

// needPython skips (loudly) when the emulator has no interpreter for a Python version.
func needPython(t *testing.T, e *Emulator, version, runtime string) {
	t.Helper()
	if _, ok := e.Python(version); !ok {
		t.Skipf("SKIPPED: no CPython %s interpreter (looked under $(pyenv root)/versions/%s.* and python%s on PATH); install it to test runtime %s",
			version, version, version, runtime)
	}
}

// recorder keeps what Hooks report, for this package's tests: fcemutest.Probe does it
// for every other test, but it imports fcemu, so these cannot use it.
type recorder struct {
	mu          sync.Mutex
	calls       []Call
	invocations []Invocation
}

func (r *recorder) option() Option {
	return WithHooks(Hooks{
		Answered: func(c Call) { r.mu.Lock(); r.calls = append(r.calls, c); r.mu.Unlock() },
		Invoked:  func(i Invocation) { r.mu.Lock(); r.invocations = append(r.invocations, i); r.mu.Unlock() },
	})
}

func (r *recorder) callsOf(op Op) []Call {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.DeleteFunc(slices.Clone(r.calls), func(c Call) bool { return c.Op != op })
}

func (r *recorder) invoked() []Invocation {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Invocation(nil), r.invocations...)
}
