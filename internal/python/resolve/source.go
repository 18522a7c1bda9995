package resolve

import (
	"context"
	"errors"

	"github.com/lithops-fc/runtime-action/internal/python/index"
)

// Source is where projects and wheel metadata come from. *index.Client satisfies
// it; tests also use in-memory fakes.
type Source interface {
	// Project lists a project's files on the first index that has it. A project no
	// index has is an error matching *index.NotFoundError.
	Project(ctx context.Context, name string) (*index.Project, error)
	// Metadata returns a wheel's core metadata.
	Metadata(ctx context.Context, f index.File) (*index.Metadata, error)
}

var _ Source = (*index.Client)(nil)

func isNotFound(err error) (*index.NotFoundError, bool) {
	var nf *index.NotFoundError
	ok := errors.As(err, &nf)
	return nf, ok
}
