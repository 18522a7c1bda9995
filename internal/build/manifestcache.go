package build

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/lithops-fc/runtime-action/internal/atomicfile"
)

// ManifestCache keeps one Manifest per wheel, keyed by the wheel's sha256, so that a
// wheel is inspected once when it enters the cache and warm builds only copy bytes.
type ManifestCache struct {
	Dir string
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Inspect returns the cached manifest of the wheel at path whose sha256 is sum, or
// inspects the wheel and stores the result. A cached manifest of another format or
// file size is recomputed.
func (c ManifestCache) Inspect(ctx context.Context, path, sum string, opts ...InspectOption) (*Manifest, error) {
	if !hexDigest.MatchString(sum) {
		return nil, fmt.Errorf("manifest cache: %q is not a lowercase hex sha256", sum)
	}
	file := filepath.Join(c.Dir, sum+".manifest.json")
	if b, err := os.ReadFile(file); err == nil {
		var m Manifest
		st, serr := os.Stat(path)
		if json.Unmarshal(b, &m) == nil && serr == nil && m.Format == manifestFormat && m.SHA256 == sum && m.Size == st.Size() {
			return &m, nil
		}
	}
	m, err := Inspect(ctx, path, opts...)
	if err != nil {
		return nil, err
	}
	if m.SHA256 != sum {
		return nil, fmt.Errorf("wheel %s: sha256 is %s, not the expected %s", m.Filename, m.SHA256, sum)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFile(file, b); err != nil { // creates c.Dir too
		return nil, fmt.Errorf("manifest cache: %w", err)
	}
	return m, nil
}
