package build

import (
	"fmt"
	"sort"
	"strings"
)

// Delivery is how the package reaches FC.
type Delivery string

const (
	Inline Delivery = "inline" // base64 in the CreateFunction/UpdateFunction request
	OSS    Delivery = "oss"    // uploaded to OSS, referenced by bucket and object
)

// Budget holds FC's code size limits (reference/fc.md section 1.7).
type Budget struct {
	// InlineBase64 is the largest base64 encoding sent inline. FC caps it at 100 MB
	// (the request payload cap seen in errors is 104,857,600 bytes); 64 KiB are kept
	// for the rest of the request body.
	InlineBase64 int64
	// OSS is the largest zip FC accepts from OSS: 500 MB (524,288,000 bytes, the value
	// Serverless Devs uses as FC_CODE_SIZE_WITH_OSS).
	OSS int64
}

// FCBudget is FC's budget, the same for FC 2.0 and FC 3.0.
var FCBudget = Budget{InlineBase64: 100<<20 - 64<<10, OSS: 500 << 20}

// Base64Size is the length of the standard base64 encoding of n bytes.
func Base64Size(n int64) int64 { return (n + 2) / 3 * 4 }

// Delivery returns how a zip of size bytes reaches FC, or a *TooLargeError (listing
// dists, largest first, when given) when it cannot.
func (b Budget) Delivery(size int64, dists []Distribution) (Delivery, error) {
	switch {
	case Base64Size(size) <= b.InlineBase64:
		return Inline, nil
	case size <= b.OSS:
		return OSS, nil
	}
	return "", &TooLargeError{Size: size, Limit: b.OSS, Largest: largest(dists, 10)}
}

// TooLargeError is a package over FC's limit; nothing has been uploaded.
type TooLargeError struct {
	Size, Limit int64
	Largest     []Distribution // up to ten, by compressed size, largest first
}

func (e *TooLargeError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the runtime package is %s, over FC's %s code package limit (through OSS); nothing was uploaded. Largest distributions:",
		mb(e.Size), mb(e.Limit))
	for _, d := range e.Largest {
		fmt.Fprintf(&b, "\n  %s %s: %s compressed, %s unpacked", d.Name, d.Version, mb(d.Compressed), mb(d.Uncompressed))
	}
	b.WriteString("\nLeave out what FC already provides or the functions do not need with the `exclude` input, or drop requirements.")
	return b.String()
}

func largest(dists []Distribution, n int) []Distribution {
	out := append([]Distribution(nil), dists...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Compressed != out[j].Compressed {
			return out[i].Compressed > out[j].Compressed
		}
		return out[i].Name < out[j].Name
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func mb(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/(1<<20)) }
