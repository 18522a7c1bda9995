package fcemu

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	fc "github.com/aliyun/fc-go-sdk"
	"github.com/lithops-fc/runtime-action/internal/fcemu/pyrun"
)

// deployFC2 creates service svc (once) and function name with the test handler package.
func deployFC2(t *testing.T, c *fc.Client, runtime, name, handler string, timeout int32) {
	t.Helper()
	if _, err := c.GetService(fc.NewGetServiceInput("svc")); err != nil {
		if _, err := c.CreateService(fc.NewCreateServiceInput().WithServiceName("svc")); err != nil {
			t.Fatalf("CreateService: %v", err)
		}
	}
	_, err := c.CreateFunction(fc.NewCreateFunctionInput("svc").WithFunctionName(name).WithRuntime(runtime).
		WithHandler(handler).WithTimeout(timeout).WithCode(fc.NewCode().WithZipFile(handlerZip(t))))
	if err != nil {
		t.Fatalf("CreateFunction %s: %v", name, err)
	}
}

func invokeFC2(t *testing.T, c *fc.Client, name string, payload []byte, opts ...func(*fc.InvokeFunctionInput)) *fc.InvokeFunctionOutput {
	t.Helper()
	in := fc.NewInvokeFunctionInput("svc", name).WithPayload(payload)
	for _, o := range opts {
		o(in)
	}
	out, err := c.InvokeFunction(in)
	if err != nil {
		t.Fatalf("InvokeFunction %s: %v", name, err)
	}
	return out
}

// anyPython returns the runtime of an installed interpreter, preferring python3.10.
func anyPython(t *testing.T) string {
	t.Helper()
	found := pyrun.Discover([]string{"3.10", "3.12", "3.9", "3.6"})
	for _, rt := range []struct{ version, runtime string }{{"3.10", "python3.10"}, {"3.12", "python3.12"}, {"3.9", "python3.9"}, {"3.6", "python3"}} {
		if _, ok := found[rt.version]; ok {
			return rt.runtime
		}
	}
	t.Skip("SKIPPED: no CPython 3.6, 3.9, 3.10 or 3.12 interpreter under $(pyenv root)/versions or on PATH; install one to test invocations")
	return ""
}

func TestPythonRuntimes(t *testing.T) {
	e, base := start(t)
	c2 := fc2Client(t, e, base, testKeyID, testSecret)
	c3 := fc3Client(t, base, testKeyID, testSecret, "")
	for _, tt := range []struct {
		runtime, python string
		api             API
	}{
		{"python3", "3.6", APIFC2},
		{"python3.9", "3.9", APIFC2},
		{"python3.10", "3.10", APIFC3},
		{"python3.12", "3.12", APIFC3},
	} {
		t.Run(tt.runtime, func(t *testing.T) {
			needPython(t, e, tt.python, tt.runtime)
			name := "fn-" + strings.ReplaceAll(tt.runtime, ".", "")
			var body []byte
			if tt.api == APIFC2 {
				deployFC2(t, c2, tt.runtime, name, "index.handler", 30)
				out := invokeFC2(t, c2, name, []byte("payload"))
				if out.GetErrorType() != "" {
					t.Fatalf("error %s: %s", out.GetErrorType(), out.Payload)
				}
				body = out.Payload
			} else {
				in := newFC3Function(name, tt.runtime, handlerZip(t))
				if _, err := fc3Create(c3, in); err != nil {
					t.Fatal(err)
				}
				if _, err := fc3Get(c3, name); err != nil { // one poll: Active
					t.Fatal(err)
				}
				a, err := fc3Invoke(c3, name, []byte("payload"), nil)
				if err != nil || a.header("x-fc-error-type") != "" {
					t.Fatalf("invoke: %v %s", err, a.body)
				}
				body = a.body
			}
			var out struct {
				Event, Python, Cwd, Path0 string
				EventType                 string `json:"event_type"`
				RequestID                 string `json:"request_id"`
				Region                    string
				AccountID                 string `json:"account_id"`
				Function                  struct {
					Name, Handler   string
					Memory, Timeout int
				}
			}
			if err := json.Unmarshal(body, &out); err != nil {
				t.Fatalf("answer %q: %v", body, err)
			}
			if out.Python != tt.python || out.Event != "payload" || out.EventType != "bytes" {
				t.Errorf("python %s, event %q of type %s", out.Python, out.Event, out.EventType)
			}
			if out.Cwd != out.Path0 || !strings.Contains(out.Cwd, string(filepath.Separator)+"code"+string(filepath.Separator)) {
				t.Errorf("cwd %q, sys.path[0] %q: both must be the unpacked code folder", out.Cwd, out.Path0)
			}
			if _, err := os.Stat(filepath.Join(out.Cwd, "data", "readme.txt")); err != nil {
				t.Errorf("the code folder lacks the package's files: %v", err)
			}
			if out.Function.Name != name || out.Function.Handler != "index.handler" || out.Function.Timeout != 30 ||
				out.Region != testRegion || out.AccountID != e.AccountID() || out.RequestID == "" {
				t.Errorf("context = %+v", out)
			}
		})
	}
}

func TestInvocationOutcomes(t *testing.T) {
	pre := t.TempDir()
	if err := os.MkdirAll(filepath.Join(pre, "fcemu_preinstalled"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pre, "fcemu_preinstalled", "__init__.py"), []byte("VALUE = 'from the preinstalled folder'\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runtime := anyPython(t)
	rec := &recorder{}
	e, base := start(t, WithPreinstalled(runtime, pre), rec.option())
	c := fc2Client(t, e, base, testKeyID, testSecret)
	for name, handler := range map[string]string{
		"fail": "index.fail", "slow": "index.slow", "big": "index.big", "chatty": "index.chatty",
		"dict": "index.as_dict", "pre": "index.pre", "nosite": "index.no_site", "crash": "index.crash",
	} {
		timeout := int32(30)
		if name == "slow" {
			timeout = 1
		}
		deployFC2(t, c, runtime, name, handler, timeout)
	}

	t.Run("exception", func(t *testing.T) {
		out := invokeFC2(t, c, "fail", []byte("oops"))
		var doc struct {
			ErrorMessage string     `json:"errorMessage"`
			ErrorType    string     `json:"errorType"`
			StackTrace   [][]string `json:"stackTrace"`
		}
		if err := json.Unmarshal(out.Payload, &doc); err != nil {
			t.Fatalf("error document %q: %v", out.Payload, err)
		}
		if out.GetErrorType() != "UnhandledInvocationError" || doc.ErrorMessage != "bad input: oops" || doc.ErrorType != "ValueError" {
			t.Errorf("error type %q, document %+v", out.GetErrorType(), doc)
		}
		if len(doc.StackTrace) != 1 || !strings.HasSuffix(doc.StackTrace[0][0], `index.py"`) || doc.StackTrace[0][2] != "in fail" {
			t.Errorf("stack trace = %q, want one frame in index.py's fail", doc.StackTrace)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		out := invokeFC2(t, c, "slow", nil, func(in *fc.InvokeFunctionInput) { in.WithLogType("Tail") })
		if out.GetErrorType() != "UnhandledInvocationError" || !bytes.Contains(out.Payload, []byte("Function timed out after 1 seconds")) {
			t.Errorf("timeout answer: %s %s", out.GetErrorType(), out.Payload)
		}
		log, _ := out.GetLogResult()
		m := regexp.MustCompile(`sleeping in pid (\d+)`).FindStringSubmatch(log)
		if m == nil {
			t.Fatalf("log tail %q lacks the handler's output", log)
		}
		pid, _ := strconv.Atoi(m[1])
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("the timed-out handler (pid %d) is still alive: %v", pid, err)
		}
	})
	t.Run("6 MB answer", func(t *testing.T) {
		out := invokeFC2(t, c, "big", nil)
		if out.GetErrorType() != "" || len(out.Payload) != 6<<20 || bytes.Count(out.Payload, []byte("x")) != 6<<20 {
			t.Errorf("answer: %s, %d bytes", out.GetErrorType(), len(out.Payload))
		}
	})
	t.Run("log tail", func(t *testing.T) {
		out := invokeFC2(t, c, "chatty", nil, func(in *fc.InvokeFunctionInput) { in.WithLogType("Tail") })
		log, err := out.GetLogResult()
		if err != nil {
			t.Fatal(err)
		}
		if len(log) > 4096 || !strings.HasSuffix(log, "FC Invoke End RequestId: "+out.GetRequestID()+"\n") ||
			!strings.Contains(log, "line 0999\n") || strings.Contains(log, "line 0000") {
			t.Errorf("log tail (%d bytes) ends %q", len(log), log[max(0, len(log)-80):])
		}
		if string(out.Payload) != "done" {
			t.Errorf("answer = %q", out.Payload)
		}
		if plain := invokeFC2(t, c, "chatty", nil); plain.Header.Get("X-Fc-Log-Result") != "" {
			t.Error("a log tail came back without X-Fc-Log-Type: Tail")
		}
	})
	t.Run("dict answer is JSON", func(t *testing.T) {
		out := invokeFC2(t, c, "dict", nil)
		var v struct {
			Preinstalls [][]any
			N           int
		}
		if err := json.Unmarshal(out.Payload, &v); err != nil || v.N != 3 || len(v.Preinstalls) != 1 {
			t.Errorf("answer %q: %v", out.Payload, err)
		}
	})
	t.Run("preinstalled folder", func(t *testing.T) {
		if out := invokeFC2(t, c, "pre", nil); string(out.Payload) != "from the preinstalled folder" {
			t.Errorf("answer = %s %q", out.GetErrorType(), out.Payload)
		}
		// The interpreter's own site-packages (pip lives there) stay out of sight.
		if out := invokeFC2(t, c, "nosite", nil); string(out.Payload) != "missing" {
			t.Errorf("site-packages leaked into the handler: %q", out.Payload)
		}
	})
	t.Run("process exits", func(t *testing.T) {
		out := invokeFC2(t, c, "crash", nil)
		if out.GetErrorType() != "UnhandledInvocationError" || !bytes.Contains(out.Payload, []byte("Process exited unexpectedly")) {
			t.Errorf("answer: %s %s", out.GetErrorType(), out.Payload)
		}
	})
	t.Run("async", func(t *testing.T) {
		out := invokeFC2(t, c, "dict", []byte("later"), func(in *fc.InvokeFunctionInput) { in.WithAsyncInvocation() })
		id := out.GetRequestID()
		if id == "" || len(out.Payload) != 0 {
			t.Fatalf("async answer: id %q, body %q", id, out.Payload)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := e.WaitAsync(ctx); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, inv := range rec.invoked() {
			if inv.RequestID == id {
				found = inv.Async && string(inv.Event) == "later" && bytes.Contains(inv.Body, []byte(`"n": 3`))
			}
		}
		if !found {
			t.Errorf("async invocation %s not recorded as run: %+v", id, rec.invoked())
		}
	})
}

func TestMissingInterpreter(t *testing.T) {
	fake := filepath.Join(t.TempDir(), "python3.10")
	if err := os.WriteFile(fake, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	e, base := start(t, WithPython("3.10", fake))
	c := fc2Client(t, e, base, testKeyID, testSecret)
	deployFC2(t, c, "python3.9", "fn", "index.handler", 3)
	_, err := c.InvokeFunction(fc.NewInvokeFunctionInput("svc", "fn"))
	if status, code := fc2Code(err); status != 500 || code != "InternalServerError" || !strings.Contains(err.Error(), "CPython 3.9") {
		t.Errorf("invoke without a 3.9 interpreter: %d %s (%v)", status, code, err)
	}
}
