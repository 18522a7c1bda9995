package verify

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/lithops-fc/runtime-action/internal/build"
)

// ImportPackage assembles the import check's package: the runtime package made from in,
// plus ImportFile at the root, in a temporary folder that remove deletes.
func ImportPackage(ctx context.Context, in build.Input, opts ...build.Option) (pkg *build.Result, remove func(), err error) {
	tmp, err := os.MkdirTemp("", "lithops-fc-smoke-")
	if err != nil {
		return nil, nil, fmt.Errorf("import check package: %w", err)
	}
	path, src := ImportFile()
	in.Files = append(slices.Clip(in.Files), build.File{Path: path, Data: src, Mode: 0o644})
	in.OutDir = tmp
	res, err := build.Assemble(ctx, in, opts...)
	if err != nil {
		os.RemoveAll(tmp)
		return nil, nil, fmt.Errorf("import check package: %w", err)
	}
	return res, func() { os.RemoveAll(filepath.Dir(res.ZipPath)) }, nil
}
