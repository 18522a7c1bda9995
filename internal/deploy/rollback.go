package deploy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
)

// journal wraps Functions and records every change a run makes, with what it replaced,
// so that undo can put things back: a function this run created is deleted, an updated
// one gets its previous code and configuration again, a published object its previous
// content. Undo only touches what is still exactly as this run left it: a concurrent
// deployment's newer state is never rolled over.
type journal struct {
	fns    Functions
	up     *Uploader
	http   *http.Client
	tmpDir string
	log    func(string, ...any)

	mu      sync.Mutex
	changes []*change
	files   []string // previous code kept on disk
}

type change struct {
	// A function change.
	name     string
	created  bool
	want     Spec
	checksum string   // the code this run put
	prev     Function // what an update replaced
	prevCode string   // the replaced zip on disk, when the update changed the code
	void     bool     // certainly not applied (a create refused because the function exists)

	// A storage-bucket object change (key set).
	key         string
	body, old   []byte
	hadOld      bool
	contentType string
}

var _ Functions = (*journal)(nil)

func (j *journal) add(c *change) {
	j.mu.Lock()
	j.changes = append(j.changes, c)
	j.mu.Unlock()
}

func (j *journal) Get(ctx context.Context, name string) (Function, error) {
	return j.fns.Get(ctx, name)
}
func (j *journal) Delete(ctx context.Context, name string) error { return j.fns.Delete(ctx, name) }
func (j *journal) List(ctx context.Context, prefix string) ([]Function, error) {
	return j.fns.List(ctx, prefix)
}
func (j *journal) CodeURL(ctx context.Context, name string) (string, error) {
	return j.fns.CodeURL(ctx, name)
}
func (j *journal) Invoke(ctx context.Context, name string, event []byte) (Invocation, error) {
	return j.fns.Invoke(ctx, name, event)
}

// Put records the change before making it, so that a change whose outcome is unknown (a
// lost answer, a cancelled run) is undone too. An update first keeps the function's
// current configuration and, when the code changes, its current zip.
func (j *journal) Put(ctx context.Context, p Put) (Function, error) {
	c := &change{name: p.Spec.Name, created: p.Create, want: p.Spec}
	if !p.Create {
		prev, err := j.fns.Get(ctx, p.Spec.Name)
		if err != nil {
			return Function{}, err
		}
		c.prev, c.checksum = prev, prev.CodeChecksum
		// The zip is kept whenever the update replaces it: by another zip, or by an image
		// (a function moved to a custom-container runtime needs its zip back to return).
		if prev.Container == nil && (p.Spec.Container != nil || p.Code != nil && p.Code.Checksum != prev.CodeChecksum) {
			path, err := j.keepCode(ctx, prev)
			if err != nil {
				return Function{}, fmt.Errorf("keep the current code of function %s for roll back: %w", p.Spec.Name, err)
			}
			c.prevCode = path
		}
	}
	if p.Code != nil {
		c.checksum = p.Code.Checksum
	}
	j.add(c)
	f, err := j.fns.Put(ctx, p)
	if p.Create && isAlreadyExists(err) {
		c.void = true // someone else's function: not ours to delete
	}
	return f, err
}

// keepCode downloads a function's current zip into the journal's folder.
func (j *journal) keepCode(ctx context.Context, f Function) (string, error) {
	u, err := j.fns.CodeURL(ctx, f.Name)
	if err != nil {
		return "", err
	}
	var path string
	err = retry(ctx, j.up.retry, j.log, "download the code of function "+f.Name, func() error {
		var err error
		path, err = download(ctx, j.http, u, j.tmpDir, f.CodeChecksum)
		return err
	})
	if err != nil {
		return "", err
	}
	j.mu.Lock()
	j.files = append(j.files, path)
	j.mu.Unlock()
	return path, nil
}

// publish writes an object unless it already holds its body (a rerun of an unchanged
// runtime writes nothing); it reports whether it wrote, and whether over other content.
func (j *journal) publish(ctx context.Context, o Object) (wrote, replaced bool, err error) {
	if o.ContentType == "" {
		o.ContentType = "application/json"
	}
	c := &change{key: o.Key, body: o.Body, contentType: o.ContentType}
	key, body := o.Key, o.Body
	old, err := j.up.GetObject(ctx, key)
	switch {
	case err == nil && bytes.Equal(old, body):
		return false, false, nil
	case err == nil:
		c.old, c.hadOld = old, true
	case !errors.Is(err, ErrNotFound):
		return false, false, err
	}
	j.add(c)
	return true, c.hadOld, j.up.PutObject(ctx, key, body, c.contentType)
}

// undo reverts the recorded changes, newest first, and says what it did. keepObjects
// leaves published objects as they are (another deployment is live and owns them).
func (j *journal) undo(ctx context.Context, keepObjects bool) (done []string, errs []error) {
	j.mu.Lock()
	changes := append([]*change(nil), j.changes...)
	j.changes = nil
	j.mu.Unlock()
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		var msg string
		var err error
		switch {
		case c.void:
			continue
		case c.key != "" && keepObjects:
			msg = "left oss://" + j.up.bucket + "/" + c.key + " to the deployment now live"
		case c.key != "":
			msg, err = j.undoObject(ctx, c)
		case c.created:
			msg, err = j.undoCreate(ctx, c)
		default:
			msg, err = j.undoUpdate(ctx, c)
		}
		if err != nil {
			errs = append(errs, err)
		}
		if msg != "" {
			done = append(done, msg)
		}
	}
	return done, errs
}

// ours reports whether the live function is what change c left.
func (c *change) ours(live Function) bool { return c.want.Runs(live, c.checksum) }

func (j *journal) undoCreate(ctx context.Context, c *change) (string, error) {
	live, err := j.fns.Get(ctx, c.name)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", nil // never created
	case err != nil:
		return "", fmt.Errorf("could not check function %s, created by this run, for deletion: %w", c.name, err)
	case !c.ours(live):
		return fmt.Sprintf("left function %s as another deployment made it (%s)", c.name, running(live)), nil
	}
	if err := j.fns.Delete(ctx, c.name); err != nil && !errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("could not delete function %s, created by this run: %w", c.name, err)
	}
	return fmt.Sprintf("deleted function %s, which this run created", c.name), nil
}

func (j *journal) undoUpdate(ctx context.Context, c *change) (string, error) {
	live, err := j.fns.Get(ctx, c.name)
	switch {
	case errors.Is(err, ErrNotFound):
		return fmt.Sprintf("function %s was deleted by someone else; nothing restored", c.name), nil
	case err != nil:
		return "", fmt.Errorf("could not check function %s before restoring it: %w", c.name, err)
	case c.prev.Spec.Runs(live, c.prev.CodeChecksum):
		return "", nil // the update never landed
	case !c.ours(live):
		return fmt.Sprintf("left function %s as another deployment made it (%s)", c.name, running(live)), nil
	}
	p := Put{Spec: c.prev.Spec, IfMatch: live.ETag}
	what := "configuration"
	if c.prev.Container != nil {
		what = "image " + c.prev.Container.Image + " and configuration"
	}
	if c.prevCode != "" {
		pkg, err := packageOf(c.prevCode)
		if err != nil {
			return "", fmt.Errorf("could not restore function %s: read its previous code: %w", c.name, err)
		}
		code, err := j.up.Upload(ctx, pkg)
		if err != nil {
			return "", fmt.Errorf("could not restore function %s: upload its previous code: %w", c.name, err)
		}
		p.Code = &code
		what = fmt.Sprintf("code (checksum %s) and configuration", pkg.CodeChecksum)
	}
	if _, err := j.fns.Put(ctx, p); err != nil {
		if errors.Is(err, ErrChanged) {
			return fmt.Sprintf("left function %s: another deployment changed it while it was being restored", c.name), nil
		}
		return "", fmt.Errorf("could not restore function %s to its previous %s: %w", c.name, what, err)
	}
	return fmt.Sprintf("restored function %s to its previous %s (%d MB, %d s)", c.name, what, c.prev.MemoryMB, c.prev.TimeoutSec), nil
}

func (j *journal) undoObject(ctx context.Context, c *change) (string, error) {
	where := "oss://" + j.up.bucket + "/" + c.key
	cur, err := j.up.GetObject(ctx, c.key)
	switch {
	case errors.Is(err, ErrNotFound):
		cur = nil
	case err != nil:
		return "", fmt.Errorf("could not check %s before restoring it: %w", where, err)
	}
	if !bytes.Equal(cur, c.body) {
		if cur == nil || (c.hadOld && bytes.Equal(cur, c.old)) {
			return "", nil // never written
		}
		return fmt.Sprintf("left %s as another deployment wrote it", where), nil
	}
	if c.hadOld {
		if err := j.up.PutObject(ctx, c.key, c.old, c.contentType); err != nil {
			return "", fmt.Errorf("could not restore %s: %w", where, err)
		}
		return "restored " + where, nil
	}
	if err := j.up.DeleteObject(ctx, c.key); err != nil {
		return "", fmt.Errorf("could not delete %s: %w", where, err)
	}
	return "deleted " + where + ", which this run wrote", nil
}

// close forgets the changes (a committed release has nothing to undo) and removes the
// previous code kept on disk.
func (j *journal) close() {
	j.mu.Lock()
	defer j.mu.Unlock()
	for _, f := range j.files {
		os.Remove(f)
	}
	j.files, j.changes = nil, nil
}

// RollbackError is a deployment that failed or was cancelled, and what was done to leave
// FC as it was.
type RollbackError struct {
	Err       error    // why the deployment stopped
	Cancelled bool     // the run was cancelled
	Undone    []string // what roll back did, one sentence each
	Failed    []error  // roll back steps that failed: FC may not be as it was
}

func (e *RollbackError) Error() string {
	var b strings.Builder
	if e.Cancelled {
		b.WriteString("cancelled: ")
	}
	b.WriteString(e.Err.Error())
	switch {
	case len(e.Undone) > 0:
		b.WriteString("; rolled back: " + strings.Join(e.Undone, "; "))
	case len(e.Failed) == 0:
		b.WriteString("; nothing had changed, nothing to roll back")
	}
	if len(e.Failed) > 0 {
		msgs := make([]string, len(e.Failed))
		for i, f := range e.Failed {
			msgs[i] = f.Error()
		}
		b.WriteString("; ROLL BACK INCOMPLETE: " + strings.Join(msgs, "; "))
	}
	return b.String()
}

func (e *RollbackError) Unwrap() []error { return append([]error{e.Err}, e.Failed...) }
