package build

import (
	"fmt"
	"sort"
	"strings"

	"github.com/lithops-fc/runtime-action/internal/fcruntime"
)

// Delivery is how the package reaches FC.
type Delivery string

const (
	Inline Delivery = "inline" // base64 in the CreateFunction/UpdateFunction request
	OSS    Delivery = "oss"    // uploaded to OSS, referenced by bucket and object
)

// Deliver returns how a zip of size bytes reaches FC within limits, or a *TooLargeError
// (listing dists, largest first, when given) when it cannot.
func Deliver(limits fcruntime.CodeLimits, size int64, dists []Distribution) (Delivery, error) {
	switch {
	case limits.Inline(size):
		return Inline, nil
	case size <= limits.OSS:
		return OSS, nil
	}
	return "", &TooLargeError{Size: size, Limit: limits.OSS, Largest: largest(dists, 10)}
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
