package image

import (
	"context"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Tag makes tag (repository:tag) name the image pinned (repository@digest), already in
// the registry, and reports whether it moved it: a tag already there changes nothing.
// A deploy pushes by digest and tags only once the runtime is live, so a failed run
// leaves the tag on the image that is.
func Tag(ctx context.Context, pinned, tag string, opts ...Option) (moved bool, _ error) {
	cfg := newConfig(opts)
	d, err := name.NewDigest(pinned)
	if err != nil {
		return false, fmt.Errorf("image reference %q: %w", pinned, err)
	}
	t, err := name.NewTag(tag)
	if err != nil {
		return false, fmt.Errorf("image tag %q: %w", tag, err)
	}
	ro := cfg.remote(ctx, t.Context().Registry)
	if desc, err := remote.Head(t, ro...); err == nil && desc.Digest.String() == d.DigestStr() {
		return false, nil
	}
	desc, err := remote.Get(d, ro...)
	if err != nil {
		return false, fmt.Errorf("tag %s: %w", t.Name(), err)
	}
	if err := remote.Tag(t, desc, ro...); err != nil {
		return false, fmt.Errorf("tag %s: %w", t.Name(), err)
	}
	return true, nil
}
