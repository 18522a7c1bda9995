package fcemu

import (
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// FC's naming rule for services and functions: letters, digits, '_' and '-', not starting
// with a digit or '-'.
var namePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

func checkName(kind, name string, max int) *apiError {
	if name == "" {
		return invalidArg("%s name is required", kind)
	}
	if len(name) > max || !namePattern.MatchString(name) {
		return invalidArg("invalid %s name '%s': 1-%d characters of letters, digits, '_' and '-', not starting with a digit or '-'", kind, name, max)
	}
	return nil
}

// codeRuntimes are FC's runtimes that run a code package (custom containers take an
// image instead: container.go). Only the Python ones can be invoked here.
var codeRuntimes = func() map[string]bool {
	m := map[string]bool{}
	for _, rt := range fcruntime.All() {
		m[rt.Name] = true
	}
	for _, rt := range strings.Fields("nodejs12 nodejs14 nodejs16 nodejs18 nodejs20 java8 java11 go1 php7.2 dotnetcore3.1 custom custom.debian10 custom.debian11 custom.debian12") {
		m[rt] = true
	}
	return m
}()

func checkRuntime(rt string) *apiError {
	if rt == containerRuntime {
		return nil // configureContainer checks the rest
	}
	if !codeRuntimes[rt] {
		var known []string
		for k := range codeRuntimes {
			known = append(known, k)
		}
		sort.Strings(known)
		return invalidArg("runtime '%s' is not supported; supported runtimes: %s", rt, strings.Join(known, ", "))
	}
	return nil
}

var handlerPattern = regexp.MustCompile(`^[A-Za-z0-9_./-]+\.[A-Za-z_][A-Za-z0-9_]*$`)

func checkHandler(h string) *apiError {
	if len(h) > 128 || !handlerPattern.MatchString(h) {
		return invalidArg("invalid handler '%s': it must be 'module.function' (at most 128 characters)", h)
	}
	return nil
}

// between refuses n outside lo..hi, naming what it is (and its unit).
func between(what string, n, lo, hi int32, unit string) *apiError {
	if n < lo || n > hi {
		return invalidArg("%s %d is invalid: it must be between %d and %d%s", what, n, lo, hi, unit)
	}
	return nil
}

func checkMemory(m int32) *apiError {
	if m < 128 || m > 32768 || m%64 != 0 {
		return invalidArg("memorySize %d is invalid: it must be between 128 and 32768 MB, in steps of 64 MB", m)
	}
	return nil
}

func checkTimeout(t int32) *apiError { return between("timeout", t, 1, 86400, " seconds") }

// configure applies the fields common to FC 2.0 and 3.0 creates and updates to fn,
// validating each given one.
func configure(fn *function, f fields) *apiError {
	return firstError(
		assign(f, "description", &fn.Description, nil),
		assign(f, "runtime", &fn.Runtime, checkRuntime),
		assign(f, "handler", &fn.Handler, checkHandler),
		assign(f, "memorySize", &fn.MemorySize, checkMemory),
		assign(f, "timeout", &fn.Timeout, checkTimeout),
		assignStrings(f, "environmentVariables", &fn.Env),
	)
}

// functionAPI is what differs between FC 2.0 and 3.0 function creates and updates.
type functionAPI struct {
	memorySize, timeout int32                             // defaults on create
	fields              func(*function, fields) *apiError // the API's own fields, after the common ones
	checksumHeader      bool                              // X-Fc-Code-Checksum gives the code checksum (FC 2.0)
	containers          bool                              // custom-container functions are emulated (FC 3.0)
}

var (
	fc2Functions = functionAPI{memorySize: 128, timeout: 60, fields: configureFC2, checksumHeader: true}
	fc3Functions = functionAPI{memorySize: 512, timeout: 3, fields: configureFC3, containers: true}
)

// decodeCreate decodes a CreateFunction body: the new function, with the API's defaults
// and the body's fields, and its code location. The call log names it after
// resourcePrefix.
func (x *exchange) decodeCreate(api functionAPI, resourcePrefix string) (*function, codeSpec, *apiError) {
	f, apiErr := parseFields(x.body)
	if apiErr != nil {
		return nil, codeSpec{}, apiErr
	}
	name, apiErr := field[string](f, "functionName")
	if apiErr != nil {
		return nil, codeSpec{}, apiErr
	}
	if name == nil {
		name = new(string)
	}
	x.resource = resourcePrefix + *name
	if apiErr := checkName("function", *name, 64); apiErr != nil {
		return nil, codeSpec{}, apiErr
	}
	now := x.e.now()
	fn := &function{Name: *name, ID: randomUUID(), MemorySize: api.memorySize, Timeout: api.timeout, Created: now, Modified: now, ETag: newETag()}
	spec, apiErr := x.configureFunction(api, fn, f, true)
	if apiErr != nil || spec == nil { // nil: a custom-container function, which has no code
		return fn, codeSpec{}, apiErr
	}
	return fn, *spec, nil
}

// updateLocked returns fn with an UpdateFunction body applied (new code loaded and
// stored, a new ETag); fn itself is left as it was. The caller holds e.mu.
func (e *Emulator) updateLocked(x *exchange, api functionAPI, fn *function, f fields) (function, *apiError) {
	updated := *fn
	updated.Config = cloneRaw(fn.Config)
	spec, apiErr := x.configureFunction(api, &updated, f, false)
	if apiErr != nil {
		return function{}, apiErr
	}
	if spec != nil {
		ref, apiErr := e.loadCodeLocked(*spec)
		if apiErr != nil {
			return function{}, apiErr
		}
		updated.Code = ref
	}
	updated.Modified, updated.ETag = e.now(), newETag()
	return updated, nil
}

// configureFunction applies a create or update body to fn (the common fields, then the
// API's own) and returns its code location, nil when it has none (an update keeps the
// code). A create must give a runtime, a handler and code.
func (x *exchange) configureFunction(api functionAPI, fn *function, f fields, create bool) (*codeSpec, *apiError) {
	if apiErr := configure(fn, f); apiErr != nil {
		return nil, apiErr
	}
	if create && (fn.Runtime == "" || fn.Handler == "") {
		return nil, invalidArg("runtime and handler are required")
	}
	if apiErr := api.fields(fn, f); apiErr != nil {
		return nil, apiErr
	}
	if isContainer, apiErr := configureContainer(api, fn, f); isContainer || apiErr != nil {
		return nil, apiErr
	}
	if !f.given("code") {
		if create {
			return nil, invalidArg("Either ossBucketName/ossObjectName or zipFile must be set")
		}
		return nil, nil
	}
	spec, apiErr := parseCode(f["code"])
	if apiErr != nil {
		return nil, apiErr
	}
	if h := x.r.Header.Get("X-Fc-Code-Checksum"); api.checksumHeader && h != "" {
		spec.Checksum = &h
	}
	return &spec, nil
}

// json is a function as both APIs answer it: its fields, the API's (extra), then the
// configuration stored as sent, which overrides extra's defaults.
func (fn *function) json(extra map[string]any) map[string]any {
	env := fn.Env
	if env == nil {
		env = map[string]string{}
	}
	m := map[string]any{
		"functionId":           fn.ID,
		"functionName":         fn.Name,
		"description":          fn.Description,
		"runtime":              fn.Runtime,
		"handler":              fn.Handler,
		"timeout":              fn.Timeout,
		"memorySize":           fn.MemorySize,
		"codeSize":             fn.Code.Size,
		"codeChecksum":         fn.Code.Checksum,
		"environmentVariables": env,
		"createdTime":          fcTime(fn.Created),
		"lastModifiedTime":     fcTime(fn.Modified),
	}
	for k, v := range extra {
		m[k] = v
	}
	for k, v := range fn.Config {
		m[k] = v
	}
	return m
}

func fcTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func newETag() string { return randomHex(16) }

// checkIfMatch refuses an FC 2.0 change whose If-Match names another version.
func checkIfMatch(r *http.Request, etag string) *apiError {
	if m := r.Header.Get("If-Match"); m != "" && strings.Trim(m, `"`) != etag {
		return errf(http.StatusPreconditionFailed, "PreconditionFailed", "the resource being modified has been changed")
	}
	return nil
}

// checkQualifier accepts LATEST (or none): the emulator has no versions or aliases.
func checkQualifier(q, owner string) *apiError {
	if q == "" || q == "LATEST" {
		return nil
	}
	if _, err := strconv.Atoi(q); err == nil {
		return errf(http.StatusNotFound, "VersionNotFound", "version '%s' of %s does not exist", q, owner)
	}
	return errf(http.StatusNotFound, "AliasNotFound", "alias '%s' of %s does not exist", q, owner)
}

// page lists names in order from start (inclusive), at most limit, and the token of
// the next page.
func page(names []string, prefix, start string, limit int) ([]string, string) {
	sort.Strings(names)
	var out []string
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) || n < start {
			continue
		}
		if len(out) == limit {
			return out, n
		}
		out = append(out, n)
	}
	return out, ""
}

// listQuery is a List call's paging: the names' prefix, the name to start from and how
// many at most.
type listQuery struct {
	prefix, start string
	limit         int
}

// listQueryOf reads the paging parameters; the start is the largest of the tokens
// parameters (FC 2.0 takes startKey or nextToken).
func listQueryOf(r *http.Request, tokens ...string) (listQuery, *apiError) {
	q := r.URL.Query()
	limit, apiErr := pageLimit(q.Get("limit"), 20, 100)
	if apiErr != nil {
		return listQuery{}, apiErr
	}
	lq := listQuery{prefix: q.Get("prefix"), limit: limit}
	for _, t := range tokens {
		lq.start = max(lq.start, q.Get(t))
	}
	return lq, nil
}

// listPage is a List call's answer: the items of m that keep (nil: all) and that q
// asks for, rendered under key, and nextToken when more follow.
func listPage[T any](key string, m map[string]T, keep func(T) bool, q listQuery, render func(T) map[string]any) map[string]any {
	var names []string
	for n, v := range m {
		if keep == nil || keep(v) {
			names = append(names, n)
		}
	}
	names, next := page(names, q.prefix, q.start, q.limit)
	list := []any{}
	for _, n := range names {
		list = append(list, render(m[n]))
	}
	out := map[string]any{key: list}
	if next != "" {
		out["nextToken"] = next
	}
	return out
}

func pageLimit(q string, def, max int) (int, *apiError) {
	if q == "" {
		return def, nil
	}
	n, err := strconv.Atoi(q)
	if err != nil || n < 1 || n > max {
		return 0, invalidArg("limit %q is invalid: it must be between 1 and %d", q, max)
	}
	return n, nil
}

func splitSegments(path, prefix string) []string {
	rest := strings.Trim(strings.TrimPrefix(path, prefix), "/")
	if rest == "" {
		return nil
	}
	return strings.Split(rest, "/")
}
