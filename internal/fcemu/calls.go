package fcemu

import (
	"sync"
	"time"
)

// API names one of the services the emulator serves.
type API string

const (
	APIFC2  API = "fc2"  // Function Compute 2.0, /2016-08-15
	APIFC3  API = "fc3"  // Function Compute 3.0, /2023-03-30
	APIOSS  API = "oss"  // Object Storage Service
	APISTS  API = "sts"  // Security Token Service (AssumeRoleWithOIDC)
	APICode API = "code" // downloads of function code through GetFunctionCode's URL
)

// Op is an operation name, as the services' API references name them. Faults and the call
// log use them.
type Op string

// OpAny matches every operation in Faults.
const OpAny Op = "*"

// FC operations (both API versions use the same names where the operation exists in both).
const (
	OpCreateService      Op = "CreateService"
	OpGetService         Op = "GetService"
	OpUpdateService      Op = "UpdateService"
	OpDeleteService      Op = "DeleteService"
	OpListServices       Op = "ListServices"
	OpCreateFunction     Op = "CreateFunction"
	OpGetFunction        Op = "GetFunction"
	OpUpdateFunction     Op = "UpdateFunction"
	OpDeleteFunction     Op = "DeleteFunction"
	OpListFunctions      Op = "ListFunctions"
	OpGetFunctionCode    Op = "GetFunctionCode"
	OpInvokeFunction     Op = "InvokeFunction"
	OpGetTempBucketToken Op = "GetTempBucketToken"
)

// OSS, STS and code download operations.
const (
	OpPutBucket               Op = "PutBucket"
	OpGetBucketInfo           Op = "GetBucketInfo"
	OpListObjects             Op = "ListObjects"
	OpPutObject               Op = "PutObject"
	OpGetObject               Op = "GetObject"
	OpHeadObject              Op = "HeadObject"
	OpDeleteObject            Op = "DeleteObject"
	OpInitiateMultipartUpload Op = "InitiateMultipartUpload"
	OpUploadPart              Op = "UploadPart"
	OpCompleteMultipartUpload Op = "CompleteMultipartUpload"
	OpAbortMultipartUpload    Op = "AbortMultipartUpload"
	OpAssumeRoleWithOIDC      Op = "AssumeRoleWithOIDC"
	OpDownloadCode            Op = "DownloadCode"
	OpUnknown                 Op = "Unknown"
)

// Call is one request the emulator answered.
type Call struct {
	Time        time.Time // emulator clock when the request arrived
	API         API
	Op          Op
	Method      string
	Path        string
	Resource    string // "service/function", "function", "bucket/key" or "bucket"
	Status      int
	ErrorCode   string // the service error code, when the answer was an error
	RequestID   string
	AccessKeyID string // the caller's key, when it signed the request
}

type callLog struct {
	mu    sync.Mutex
	calls []Call
}

func (l *callLog) add(c Call) {
	l.mu.Lock()
	l.calls = append(l.calls, c)
	l.mu.Unlock()
}

func (l *callLog) all() []Call {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Call(nil), l.calls...)
}

func (l *callLog) reset() {
	l.mu.Lock()
	l.calls = nil
	l.mu.Unlock()
}

// Calls returns every request answered so far, oldest first.
func (e *Emulator) Calls() []Call { return e.calls.all() }

// CallsOf returns the requests answered for op (any API), oldest first.
func (e *Emulator) CallsOf(op Op) []Call {
	var out []Call
	for _, c := range e.calls.all() {
		if c.Op == op {
			out = append(out, c)
		}
	}
	return out
}

// ResetCalls forgets the calls recorded so far.
func (e *Emulator) ResetCalls() { e.calls.reset() }
