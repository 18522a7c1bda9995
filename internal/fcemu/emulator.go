package fcemu

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/lithops-fc/runtime-action/internal/fcemu/pyrun"
	"github.com/lithops-fc/runtime-action/internal/fcruntime"
	"github.com/lithops-fc/runtime-action/internal/httpstatus"
)

// Emulator is a local Function Compute (2.0 and 3.0), OSS and STS account. Use Handler
// with httptest, or Start to listen on a loopback port; Close releases everything.
type Emulator struct {
	cfg      config
	preMu    sync.Mutex // guards cfg.preinstalled, which SetPreinstalled replaces
	sessions sessions
	nonces   nonces
	runner   *pyrun.Runner
	cacheDir string // where code and images are unpacked (WithCacheDir)
	ownCache string // a temporary cache folder New made, removed by Close

	mu      sync.Mutex // guards st, blobs, uploads, links
	st      *state
	blobs   blobStore
	uploads map[string]*upload
	links   map[string]codeLink

	bg       context.Context // ends at Close: async invocations run under it
	stopBG   context.CancelFunc
	async    tracker
	srvMu    sync.Mutex
	srv      *http.Server
	closeErr error
	closed   bool

	containers containers // custom-container pulls and running instances (container.go)
}

var accountIDPattern = regexp.MustCompile(`^[0-9]{1,32}$`)

// New builds an emulator. It fails on invalid options or an unreadable state folder.
func New(opts ...Option) (*Emulator, error) {
	cfg := config{
		accountID:    "1234567890123456",
		region:       "cn-hangzhou",
		clock:        time.Now,
		pendingPolls: 1,
		limits:       DefaultLimits,
		addr:         "127.0.0.1:0",
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("fcemu: %w", err)
	}
	if len(cfg.keys) == 0 {
		cfg.keys = map[string]string{"LTAI" + randomAlnum(20): randomAlnum(30)}
	}
	if cfg.pythons == nil {
		var versions []string
		for _, rt := range fcruntime.All() {
			versions = append(versions, rt.Python)
		}
		cfg.pythons = pyrun.Discover(versions)
	}

	e := &Emulator{cfg: cfg, st: newState(), uploads: map[string]*upload{}, links: map[string]codeLink{}}
	if err := e.open(); err != nil {
		e.removeOwnCache()
		return nil, fmt.Errorf("fcemu: %w", err)
	}
	e.bg, e.stopBG = context.WithCancel(context.Background())
	return e, nil
}

func (c *config) validate() error {
	if !accountIDPattern.MatchString(c.accountID) {
		return fmt.Errorf("account id %q must be digits", c.accountID)
	}
	if c.region == "" {
		return errors.New("region must not be empty")
	}
	if c.pendingPolls < 0 {
		return fmt.Errorf("pending polls %d must not be negative", c.pendingPolls)
	}
	if l := c.limits; l.InlineCode <= 0 || l.OSSCode <= 0 || l.SyncPayload <= 0 || l.AsyncPayload <= 0 {
		return fmt.Errorf("every limit must be positive, got %+v", l)
	}
	for v, p := range c.pythons {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("interpreter for Python %s: %w", v, err)
		}
	}
	for rt, dirs := range c.preinstalled {
		if _, ok := fcruntime.ByName(rt); !ok {
			return fmt.Errorf("preinstalled folder for %q: not a Python runtime of FC (python3, python3.9, python3.10, python3.12)", rt)
		}
		for _, d := range dirs {
			if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
				return fmt.Errorf("preinstalled folder %s for %s is not a folder (%v)", d, rt, err)
			}
		}
	}
	for _, name := range append(append([]string(nil), c.buckets...), c.foreign...) {
		if !validBucketName(name) {
			return fmt.Errorf("bucket name %q is invalid: 3-63 lower-case letters, digits and '-', starting and ending with a letter or digit", name)
		}
	}
	for _, p := range c.oidc {
		if err := p.validate(c.accountID); err != nil {
			return err
		}
	}
	return nil
}

// open loads the state folder (if any), prepares the runner's cache and creates the
// buckets that must exist.
func (e *Emulator) open() error {
	cfg := e.cfg
	if cfg.stateDir != "" {
		if err := os.MkdirAll(filepath.Join(cfg.stateDir, "blobs"), 0o755); err != nil {
			return fmt.Errorf("state folder: %w", err)
		}
		st, err := loadState(cfg.stateDir)
		if err != nil {
			return err
		}
		e.st = st
		e.blobs.dir = filepath.Join(cfg.stateDir, "blobs")
	}
	cache := cfg.cacheDir
	switch {
	case cache != "":
	case cfg.stateDir != "":
		cache = filepath.Join(cfg.stateDir, "cache")
	default:
		dir, err := os.MkdirTemp("", "fcemu-")
		if err != nil {
			return fmt.Errorf("cache folder: %w", err)
		}
		cache, e.ownCache = dir, dir
	}
	runner, err := pyrun.New(cache)
	if err != nil {
		return err
	}
	e.runner, e.cacheDir = runner, cache

	now := e.now()
	if _, ok := e.st.Buckets[e.TempBucket()]; !ok {
		b := newBucket(e.TempBucket(), now)
		b.System = true
		e.st.Buckets[b.Name] = b
	}
	for _, name := range cfg.buckets {
		if _, ok := e.st.Buckets[name]; !ok {
			e.st.Buckets[name] = newBucket(name, now)
		}
	}
	for _, name := range cfg.foreign {
		b := newBucket(name, now)
		b.Foreign = true
		e.st.Buckets[name] = b
	}
	return e.saveLocked()
}

// Handler serves every API on one handler: FC 2.0 under /2016-08-15, FC 3.0 under
// /2023-03-30, STS for requests with an Action parameter, OSS for the rest.
func (e *Emulator) Handler() http.Handler { return http.HandlerFunc(e.serveHTTP) }

// Start listens on the loopback address (WithAddr) and serves until ctx ends or Close.
// It returns the base URL, e.g. http://127.0.0.1:43121, to use as every SDK's endpoint.
func (e *Emulator) Start(ctx context.Context) (string, error) {
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.closed {
		return "", errors.New("fcemu: emulator is closed")
	}
	if e.srv != nil {
		return "", errors.New("fcemu: already started")
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", e.cfg.addr)
	if err != nil {
		return "", fmt.Errorf("fcemu: listen on %s: %w", e.cfg.addr, err)
	}
	srv := &http.Server{Handler: e.Handler(), ReadHeaderTimeout: 30 * time.Second}
	e.srv = srv
	go srv.Serve(ln)
	go func() {
		select {
		case <-ctx.Done():
			srv.Close()
		case <-e.bg.Done():
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

// Close stops the server, ends running asynchronous invocations and removes the
// temporary cache folder. The state folder, if any, is kept.
func (e *Emulator) Close() error {
	e.srvMu.Lock()
	defer e.srvMu.Unlock()
	if e.closed {
		return e.closeErr
	}
	e.closed = true
	var errs []error
	if e.srv != nil {
		if err := e.srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	e.async.close()
	e.stopBG()
	e.async.wait(context.Background())
	e.containers.stopAll()
	if err := e.removeOwnCache(); err != nil {
		errs = append(errs, err)
	}
	e.closeErr = errors.Join(errs...)
	return e.closeErr
}

func (e *Emulator) removeOwnCache() error {
	if e.ownCache == "" {
		return nil
	}
	if err := os.RemoveAll(e.ownCache); err != nil {
		return fmt.Errorf("fcemu: remove cache: %w", err)
	}
	return nil
}

// AccessKey returns one permanent AccessKey pair the emulator accepts (the one New made
// up when none was given).
func (e *Emulator) AccessKey() (id, secret string) {
	for k, s := range e.cfg.keys {
		if id == "" || k < id {
			id, secret = k, s
		}
	}
	return id, secret
}

// AccountID and Region return the emulated account's identity.
func (e *Emulator) AccountID() string { return e.cfg.accountID }

// Region returns the emulated region.
func (e *Emulator) Region() string { return e.cfg.region }

// Python returns the interpreter used for Python major.minor ("3.10"), if there is one.
func (e *Emulator) Python(version string) (string, bool) {
	p, ok := e.cfg.pythons[version]
	return p, ok
}

func (e *Emulator) now() time.Time { return e.cfg.clock() }

// exchange is one request being answered.
type exchange struct {
	e         *Emulator
	w         http.ResponseWriter
	r         *http.Request
	api       API
	op        Op
	requestID string
	resource  string
	start     time.Time
	body      []byte
	bodyRead  bool      // body already read (STS reads it to find the Action)
	keyID     string    // the AccessKey ID the request claimed
	who       principal // set once the signature checked out
	errCode   string    // the error code answered, if any
}

const codePathPrefix = "/_fcemu/code/"

func (e *Emulator) serveHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{e: e, w: w, r: r, op: OpUnknown, start: e.now()}
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/2016-08-15/"):
		x.api = APIFC2
	case strings.HasPrefix(path, "/2023-03-30/"):
		x.api = APIFC3
	case strings.HasPrefix(path, codePathPrefix):
		x.api = APICode
	case r.URL.Query().Get("Action") != "" ||
		path == "/" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && !isOSSAuth(r):
		x.api = APISTS
	default:
		x.api = APIOSS
	}
	x.requestID = newRequestID(x.api)
	if e.cfg.hooks.Answered != nil {
		sw := &httpstatus.Writer{ResponseWriter: w}
		x.w = sw
		defer x.record(sw)
	}
	switch x.api {
	case APIFC2:
		e.serveFC(x, fc2Routes, fc2Prefix, x.authFC2)
	case APIFC3:
		e.serveFC(x, fc3Routes, fc3Prefix, x.authFC3)
	case APICode:
		e.serveCode(x)
	case APISTS:
		e.serveSTS(x)
	default:
		e.serveOSS(x)
	}
}

func isOSSAuth(r *http.Request) bool {
	a := r.Header.Get("Authorization")
	return strings.HasPrefix(a, "OSS ") || strings.HasPrefix(a, "OSS4-")
}

// admitFC begins an FC management or invoke call: the call is recorded and sized, the
// request authenticated with the API's scheme, and temporary-bucket credentials (which
// FC hands out for code uploads only) refused.
func (x *exchange) admitFC(op Op, resource string, max int64, auth func() *apiError) bool {
	if !x.begin(op, resource, max) {
		return false
	}
	if err := auth(); err != nil {
		x.fail(err)
		return false
	}
	if x.who.sess != nil && x.who.sess.scope != nil {
		x.fail(errf(http.StatusForbidden, "AccessDenied", "the credentials are limited to uploading code to the temporary bucket"))
		return false
	}
	return true
}

// begin runs what every operation shares once it is known: Hooks.Admit (a test's
// latency and failures), then reading the body (at most max bytes: more is
// EntityTooLarge).
func (x *exchange) begin(op Op, resource string, max int64) bool {
	x.op, x.resource = op, resource
	if f, ok := x.e.cfg.hooks.admit(x.r.Context(), op); ok {
		x.fail(errf(f.Status, f.Code, "fault injected by fcemu for %s", op))
		return false
	}
	if x.bodyRead {
		return true
	}
	body, err := io.ReadAll(io.LimitReader(x.r.Body, max+1))
	if err != nil {
		x.fail(errf(http.StatusBadRequest, "InvalidArgument", "read request body: %v", err))
		return false
	}
	if int64(len(body)) > max {
		x.fail(errf(http.StatusBadRequest, "EntityTooLarge", "payload size exceeds maximum allowed size (%d bytes)", max))
		return false
	}
	x.body = body
	return true
}

func (x *exchange) record(sw *httpstatus.Writer) {
	// A body written without a status is the 200 net/http sends.
	status := sw.Status()
	if status == 0 {
		status = http.StatusOK
	}
	x.e.cfg.hooks.answered(Call{
		Time: x.start, API: x.api, Op: x.op, Method: x.r.Method, Path: x.r.URL.Path, Resource: x.resource,
		Status: status, ErrorCode: x.errCode, RequestID: x.requestID, AccessKeyID: x.keyID,
	})
}

// internal reports a failure of the emulator itself (disk, encoding) in the service's shape.
func (x *exchange) internal(err error) { x.fail(internalError(err)) }

// SetPreinstalled replaces the folders of installed distributions that handlers of
// runtime (e.g. "python3.10") see on sys.path after their code (see WithPreinstalled),
// for invocations that start from now on.
func (e *Emulator) SetPreinstalled(runtime string, dirs ...string) error {
	if _, ok := fcruntime.ByName(runtime); !ok {
		return fmt.Errorf("fcemu: preinstalled folder for %q: not a Python runtime of FC", runtime)
	}
	for _, d := range dirs {
		if fi, err := os.Stat(d); err != nil || !fi.IsDir() {
			return fmt.Errorf("fcemu: preinstalled folder %s for %s is not a folder (%v)", d, runtime, err)
		}
	}
	e.preMu.Lock()
	defer e.preMu.Unlock()
	if e.cfg.preinstalled == nil {
		e.cfg.preinstalled = map[string][]string{}
	}
	e.cfg.preinstalled[runtime] = append([]string(nil), dirs...)
	return nil
}

func (e *Emulator) preinstalledFor(runtime string) []string {
	e.preMu.Lock()
	defer e.preMu.Unlock()
	return append([]string(nil), e.cfg.preinstalled[runtime]...)
}
