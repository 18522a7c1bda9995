package fcruntime

// A function's memory and timeout, as FC's limits pages give them for FC 2.0 and FC 3.0.
const (
	MinMemoryMB   = 128
	MaxMemoryMB   = 32768
	MemoryStepMB  = 64
	MaxTimeoutSec = 86400
)

// CodeLimits are Function Compute's limits on a function's code package, the same for
// FC 2.0 and FC 3.0 (docs/architecture.md, "Function Compute and OSS").
type CodeLimits struct {
	// InlineBase64 is the largest base64 encoding of a zip sent inline (zipFile in the
	// create or update request). FC caps the request at 100 MB (the payload cap its
	// errors show is 104,857,600 bytes); 64 KiB are kept for the rest of the body.
	InlineBase64 int64
	// OSS is the largest zip FC takes from an OSS object: 500 MB (524,288,000 bytes, the
	// value Serverless Devs uses as FC_CODE_SIZE_WITH_OSS).
	OSS int64
}

// Limits are FC's code limits.
var Limits = CodeLimits{InlineBase64: 100<<20 - 64<<10, OSS: 500 << 20}

// Inline reports whether a zip of size bytes may be sent inline.
func (l CodeLimits) Inline(size int64) bool { return Base64Size(size) <= l.InlineBase64 }

// Base64Size is the length of the standard base64 encoding of n bytes.
func Base64Size(n int64) int64 { return (n + 2) / 3 * 4 }
