package fcemu

import "time"

// API names one of the services the emulator serves.
type API string

const (
	APIFC2  API = "fc2"  // Function Compute 2.0, /2016-08-15
	APIFC3  API = "fc3"  // Function Compute 3.0, /2023-03-30
	APIOSS  API = "oss"  // Object Storage Service
	APISTS  API = "sts"  // Security Token Service (AssumeRoleWithOIDC)
	APICode API = "code" // downloads of function code through GetFunctionCode's URL
)

// Op is an operation name, as the services' API references name them. Hooks and Call
// use them.
type Op string

// OpAny matches every operation (in fcemutest's fault rules).
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

// Call is one request the emulator answered (see Hooks.Answered).
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
