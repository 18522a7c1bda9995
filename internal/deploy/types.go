package deploy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Spec is the configuration of one function: runtime, handler, memory, timeout, the RAM
// role it runs as and internet access (a Lithops worker's are lithops.Handler and
// lithops.InternetAccess), and for a custom-container function its image (Container). On
// FC 2.0 the role and internet access belong to the service, shared by its functions: the
// FC 2.0 deployer creates a missing service with them and refuses to change an existing
// one unless told to (WithServiceUpdate).
type Spec struct {
	Name           string
	Runtime        string // e.g. "python3.10", or "custom-container" with Container
	Handler        string // e.g. "entry_point.main"
	MemoryMB       int
	TimeoutSec     int
	Role           string // acs:ram::{account}:role/{name}
	InternetAccess bool
	// Container is a custom-container function's image (FC 3.0 only); nil for a
	// function that runs a zip. Such a function has no code: its image is its code.
	Container *Container
}

// Container is FC 3.0's customContainerConfig as the deployer sets it: the image FC
// pulls (pinned by digest, so that what runs is what was checked), the port the image's
// HTTP server listens on, image acceleration, and a command that replaces the image's
// (nil keeps the image's own).
type Container struct {
	Image            string // repository@sha256:...
	Port             int
	AccelerationType string // "Default" or "None"
	Command          []string
}

// matches reports whether the live image configuration l is c. An empty live
// acceleration type matches any: the FC 3.0 SDK marks the field deprecated, and an
// answer without it must not make every run an update.
func (c *Container) matches(l *Container) bool {
	if c == nil || l == nil {
		return c == l
	}
	return c.Image == l.Image && c.Port == l.Port && slices.Equal(c.Command, l.Command) &&
		(l.AccelerationType == "" || strings.EqualFold(c.AccelerationType, l.AccelerationType))
}

func (c *Container) String() string {
	if c == nil {
		return "no image"
	}
	s := fmt.Sprintf("image %s, port %d", c.Image, c.Port)
	if len(c.Command) > 0 {
		s += fmt.Sprintf(", command of %d arguments", len(c.Command))
	}
	return s
}

// Matches reports whether the live function f has the configuration s asks for, its
// image included.
func (s Spec) Matches(f Function) bool {
	return s.Name == f.Name && s.Runtime == f.Runtime && s.Handler == f.Handler &&
		s.MemoryMB == f.MemoryMB && s.TimeoutSec == f.TimeoutSec && s.Role == f.Role &&
		s.InternetAccess == f.InternetAccess && s.Container.matches(f.Container)
}

// Runs reports whether the live function f runs what s asks for, with the code of
// checksum: its configuration (Matches) and, for a zip function, that code. A
// custom-container function's code is its image, which Matches compares; FC's
// codeChecksum means nothing for it. Every "is it what was deployed" check of the
// package goes through here, so that zip and image functions are told apart in one place.
func (s Spec) Runs(f Function, checksum string) bool {
	return s.Matches(f) && (s.Container != nil || f.CodeChecksum == checksum)
}

// String describes the configuration for messages.
func (s Spec) String() string {
	str := fmt.Sprintf("%s: %s, handler %s, %d MB, %d s, role %s, internet %t",
		s.Name, s.Runtime, s.Handler, s.MemoryMB, s.TimeoutSec, s.Role, s.InternetAccess)
	if s.Container != nil {
		str += ", " + s.Container.String()
	}
	return str
}

// running describes what the live function f runs, for messages: its image, or its
// code checksum.
func running(f Function) string {
	if f.Container != nil {
		return "image " + f.Container.Image
	}
	return "code checksum " + f.CodeChecksum
}

// Function is a function as FC shows it: its configuration (role and internet access
// from the service on FC 2.0) and its code.
type Function struct {
	Spec
	CodeChecksum string // CRC-64/ECMA-182 of the zip, unsigned decimal
	CodeSize     int64  // bytes of the zip, as FC reports it
	LastModified string // FC's lastModifiedTime, as FC writes it
	ETag         string // FC 2.0 only: the version an If-Match update must name
	// FC 3.0 only; empty when FC omits them (zip runtimes often do).
	State, StateReason, LastUpdateStatus, LastUpdateStatusReason string
}

// Package is a runtime zip on disk, as the build made it.
type Package struct {
	Path         string
	Size         int64
	SHA256       string // hex
	CodeChecksum string // CRC-64/ECMA-182, unsigned decimal (FC's codeChecksum)
}

// Code says where FC finds a function's zip: inline, or an OSS object. Checksum, when
// set, is verified by FC.
type Code struct {
	ZipFile        string // base64 of the zip
	Bucket, Object string
	Checksum       string
	// Uploaded is set when this run wrote the OSS object (it did not exist before).
	Uploaded bool
	// Temporary is set for FC's temporary upload bucket (FC removes its objects).
	Temporary bool
}

// checksum is the code's checksum; "" for no code (an image function's, or a
// configuration-only update).
func (c *Code) checksum() string {
	if c == nil {
		return ""
	}
	return c.Checksum
}

// String describes the code without its bytes.
func (c Code) String() string {
	if c.Bucket != "" {
		return fmt.Sprintf("oss://%s/%s", c.Bucket, c.Object)
	}
	return fmt.Sprintf("inline (%d base64 bytes)", len(c.ZipFile))
}

// Put is one create or update: configuration and code in one call, so a function never
// runs new code with old configuration or the reverse.
type Put struct {
	Spec   Spec
	Code   *Code // nil: keep the code (a configuration-only update)
	Create bool
	// IfMatch makes an FC 2.0 update conditional on the function's ETag (a concurrent
	// change answers ErrChanged). FC 3.0 has no conditional update and ignores it.
	IfMatch string
}

// Invocation is the answer of a synchronous invocation.
type Invocation struct {
	RequestID    string
	ErrorType    string // X-Fc-Error-Type, e.g. UnhandledInvocationError; "" on success
	CodeChecksum string // X-Fc-Code-Checksum: the code that ran, when FC says
	Log          string // the decoded X-Fc-Log-Result: the last 4 KB of the function's log
	Body         []byte
}

// Functions is one FC API's view of an account's functions. The FC 2.0 and FC 3.0
// deployers implement it; retries (Retrying) and roll back (the journal inside
// Deployer) wrap it.
type Functions interface {
	// Get returns the live function, or an error for which errors.Is(err, ErrNotFound).
	Get(ctx context.Context, name string) (Function, error)
	// Put creates or updates a function and returns once it is ready to be invoked
	// (FC 3.0: neither Pending nor InProgress) or has failed.
	Put(ctx context.Context, p Put) (Function, error)
	// Delete deletes a function; a missing one is an error for which errors.Is(err,
	// ErrNotFound).
	Delete(ctx context.Context, name string) error
	// List returns every function whose name starts with prefix, all pages read (the
	// role and internet access of FC 2.0's are its service's). On FC 2.0 they are the
	// service's functions: a missing service has none.
	List(ctx context.Context, prefix string) ([]Function, error)
	// CodeURL returns a short-lived download URL of the function's current code.
	CodeURL(ctx context.Context, name string) (string, error)
	// Invoke runs the function synchronously with the event and returns its answer and
	// log tail.
	Invoke(ctx context.Context, name string, event []byte) (Invocation, error)
}

var (
	// ErrNotFound is a function (or FC 2.0 service) that does not exist.
	ErrNotFound = errors.New("not found")
	// ErrChanged is a conditional update refused because the function changed since it
	// was read.
	ErrChanged = errors.New("changed by someone else since it was read")
)

// APIError is an error answer of FC or OSS: what was asked, and what the service said.
// Message never holds a credential: known secrets are replaced by *** when the error is
// made.
type APIError struct {
	Service   string // "FC 2.0", "FC 3.0", "OSS"
	Op        string // e.g. "UpdateFunction"
	Resource  string // e.g. the function name
	Status    int
	Code      string
	Message   string
	RequestID string
	// Conditional is set for a refused If-Match (not worth retrying).
	Conditional bool
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", e.Service, e.Op)
	if e.Resource != "" {
		fmt.Fprintf(&b, " %s", e.Resource)
	}
	fmt.Fprintf(&b, ": HTTP %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request id %s)", e.RequestID)
	}
	if h := e.hint(); h != "" {
		fmt.Fprintf(&b, "; %s", h)
	}
	return b.String()
}

// Is lets errors.Is match ErrNotFound and ErrChanged.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.Status == 404 && (e.Code == "FunctionNotFound" || e.Code == "ServiceNotFound" || e.Code == "NoSuchKey")
	case ErrChanged:
		return e.Conditional
	}
	return false
}

// Auth reports whether the service refused the credentials or the permission.
func (e *APIError) Auth() bool {
	return e.Status == 401 || e.Status == 403 || strings.HasPrefix(e.Code, "InvalidAccessKeyId") ||
		strings.HasPrefix(e.Code, "InvalidAccessKeyID") || strings.HasPrefix(e.Code, "SignatureNotMatch") ||
		strings.HasPrefix(e.Code, "SignatureDoesNotMatch") || strings.HasPrefix(e.Code, "InvalidSecurityToken")
}

func (e *APIError) hint() string {
	switch {
	case e.Code == "RequestTimeTooSkewed":
		return "the runner's clock is off by more than 15 minutes"
	case e.Auth() && e.Code == "AccessDenied":
		return "the credentials lack a permission for this call (the RAM policy must allow it)"
	case e.Auth():
		return "check access-key-id and access-key-secret (and security-token for temporary credentials, which expire)"
	}
	return ""
}

// noFunction is the error for an answer about function name that describes no function
// (an empty object, null): read as a function, it would have no code and no
// configuration, and the deployer would act on a function that is not there.
func noFunction(service, op, name string) error {
	return fmt.Errorf("%s %s %s: the answer describes no function", service, op, name)
}

// NotReadyError is an FC 3.0 function that did not become ready: it failed, or it stayed
// Pending or InProgress past the deadline.
type NotReadyError struct {
	Name                    string
	State, LastUpdateStatus string
	Reason                  string
	TimedOut                bool
	Waited                  string // how long, for the message
}

func (e *NotReadyError) Error() string {
	if e.TimedOut {
		return fmt.Sprintf("function %s is not ready after %s (state %q, lastUpdateStatus %q)%s",
			e.Name, e.Waited, e.State, e.LastUpdateStatus, reasonSuffix(e.Reason))
	}
	return fmt.Sprintf("function %s failed (state %q, lastUpdateStatus %q)%s", e.Name, e.State, e.LastUpdateStatus, reasonSuffix(e.Reason))
}

func reasonSuffix(r string) string {
	if r == "" {
		return ""
	}
	return ": " + r
}
