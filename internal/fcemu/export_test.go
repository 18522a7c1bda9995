package fcemu

// The helpers the external tests (package fcemu_test) share with this package's: those
// tests can import fcemutest, which imports fcemu, so this package's own tests cannot.
var (
	Start          = start
	FC2Client      = fc2Client
	FC3Client      = fc3Client
	OSSClient      = ossClient
	HandlerZip     = handlerZip
	NeedPython     = needPython
	FC2Code        = fc2Code
	FC3Code        = fc3Code
	OSSCode        = ossCode
	FC3Create      = fc3Create
	FC3Get         = fc3Get
	FC3Update      = fc3Update
	FC3Invoke      = fc3Invoke
	NewFC3Function = newFC3Function
	DeployFC2      = deployFC2
	InvokeFC2      = invokeFC2
)

const (
	TestKeyID  = testKeyID
	TestSecret = testSecret
)
