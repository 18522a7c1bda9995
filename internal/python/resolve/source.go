package resolve

import (
	"context"
	"errors"
	"time"
)

// Source is where projects and wheel metadata come from. *index.Client satisfies
// it; tests use in-memory fakes or the real client against httptest servers.
type Source interface {
	// Project lists a project's files on the first index that has it. A project no
	// index has is an error matching *NotFoundError.
	Project(ctx context.Context, name string) (*Project, error)
	// Metadata returns a wheel's core metadata.
	Metadata(ctx context.Context, f File) (*Metadata, error)
}

// TODO(index): these mirror internal/python/index's announced types until it
// lands; they then become aliases of index.Project, index.File, index.Metadata and
// index.NotFoundError.

// Project is one project's page on an index.
type Project struct {
	Name  string // as the index spells it
	Index string // the index URL that answered (credentials masked)
	Files []File
}

// File is one file of a project page.
type File struct {
	Filename       string
	URL            string
	Hashes         map[string]string // algorithm → lower-case hex digest
	RequiresPython string
	Yanked         bool
	YankedReason   string
	CoreMetadata   bool
	Size           int64
	UploadTime     time.Time
}

// Metadata is the part of a wheel's METADATA resolution needs.
type Metadata struct {
	Name           string
	Version        string
	RequiresDist   []string
	RequiresPython string
	ProvidesExtra  []string
}

// NotFoundError says that no index knows a project.
type NotFoundError struct {
	Name    string
	Indexes []string // the indexes asked
}

func (e *NotFoundError) Error() string {
	return "project " + e.Name + " not found"
}

func isNotFound(err error) (*NotFoundError, bool) {
	var nf *NotFoundError
	ok := errors.As(err, &nf)
	return nf, ok
}
