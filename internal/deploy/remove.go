package deploy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/alibabacloud-go/tea/tea"
	fc "github.com/aliyun/fc-go-sdk"
)

// Taking a runtime away (mode: delete, pruning): its functions, the storage-bucket
// objects that describe them, and on FC 2.0 the service when it is left empty and the
// action created it. Deleting what is gone succeeds and says so; a removal that fails
// stops there and says exactly what remains.

// Kind is what a removed resource is.
type Kind string

const (
	KindFunction Kind = "function"
	KindObject   Kind = "object"
	KindService  Kind = "service"
)

// State is what a removal did to a resource.
type State string

const (
	Deleted State = "deleted"
	Gone    State = "gone"    // it was not there
	Kept    State = "kept"    // an FC 2.0 service left on purpose; Reason says why
	Remains State = "remains" // not removed: the removal failed at it or before it
)

// Resource is one thing a removal deals with, and what became of it.
type Resource struct {
	Kind     Kind
	Name     string // the function's or service's name, the object's key
	Bucket   string // an object's storage bucket
	Function string // the function it belongs to (itself for a function; "" for a service)
	State    State
	Reason   string // why a service was kept
}

// String names the resource for messages: function f, oss://bucket/key, FC 2.0 service s.
func (r Resource) String() string {
	switch r.Kind {
	case KindObject:
		return "oss://" + r.Bucket + "/" + r.Name
	case KindService:
		return "FC 2.0 service " + r.Name
	}
	return "function " + r.Name
}

// Target is one function to remove and the storage-bucket objects that describe it
// (Lithops' metadata, the action's lock).
type Target struct {
	Function string
	Objects  []string
}

// Pending are the resources of targets, in the order Remove takes them (each function's
// objects, then the function), all Remains; objects are in bucket.
func Pending(targets []Target, bucket string) []Resource {
	var res []Resource
	for _, t := range targets {
		for _, k := range t.Objects {
			res = append(res, Resource{Kind: KindObject, Name: k, Bucket: bucket, Function: t.Function, State: Remains})
		}
		res = append(res, Resource{Kind: KindFunction, Name: t.Function, Function: t.Function, State: Remains})
	}
	return res
}

// RemoveError is a removal that failed: the error, and every resource with what became
// of it (those at and after the failure are Remains).
type RemoveError struct {
	Err       error
	Resources []Resource
}

func (e *RemoveError) Error() string {
	var done, left []string
	for _, r := range e.Resources {
		switch r.State {
		case Deleted:
			done = append(done, r.String())
		case Remains:
			left = append(left, r.String())
		}
	}
	msg := e.Err.Error() + "; still there: " + strings.Join(left, ", ")
	if len(done) > 0 {
		msg += "; deleted before the failure: " + strings.Join(done, ", ")
	}
	return msg + " (run again to remove the rest: what is gone is skipped)"
}

func (e *RemoveError) Unwrap() error { return e.Err }

// Remaining is what the failed removal left.
func (e *RemoveError) Remaining() []Resource {
	var out []Resource
	for _, r := range e.Resources {
		if r.State == Remains {
			out = append(out, r)
		}
	}
	return out
}

// Remove deletes each target, its objects first and then its function (a function
// whose objects were removed is still listed, so a rerun finds what a failure left),
// and with service, on FC 2.0, the service when it ends up empty and bears
// ServiceDescription. It returns every resource with what became of it; on failure it
// stops there and the error is a *RemoveError.
func (d *Deployer) Remove(ctx context.Context, targets []Target, service bool) ([]Resource, error) {
	res := Pending(targets, d.up.bucket)
	if service && d.svc != nil {
		res = append(res, Resource{Kind: KindService, Name: d.svc.service, State: Remains})
	}
	for i := range res {
		r := &res[i]
		var err error
		switch r.Kind {
		case KindObject:
			r.State, err = d.removeObject(ctx, r.Name)
		case KindFunction:
			r.State, err = d.removeFunction(ctx, r.Name)
		case KindService:
			r.State, r.Reason, err = d.removeService(ctx)
		}
		if err != nil {
			r.State = Remains
			return res, &RemoveError{Err: fmt.Errorf("delete %s: %w", r, err), Resources: res}
		}
		switch r.State {
		case Deleted:
			d.log("deleted %s", r)
		case Gone:
			d.log("%s: already gone", r)
		case Kept:
			d.log("kept %s: %s", r, r.Reason)
		}
	}
	return res, nil
}

func (d *Deployer) removeFunction(ctx context.Context, name string) (State, error) {
	if err := ctx.Err(); err != nil {
		return Remains, err
	}
	err := d.fns.Delete(ctx, name)
	switch {
	case errors.Is(err, ErrNotFound):
		return Gone, nil
	case err != nil:
		return Remains, err
	}
	return Deleted, nil
}

// removeObject deletes a storage-bucket object; OSS answers a delete of a missing object
// as a success, so it is looked up first to say which it was.
func (d *Deployer) removeObject(ctx context.Context, key string) (State, error) {
	if err := ctx.Err(); err != nil {
		return Remains, err
	}
	b, err := d.up.storage()
	if err != nil {
		return Remains, err
	}
	if _, err := d.up.head(ctx, b, key); errors.Is(err, ErrNotFound) {
		return Gone, nil // a missing bucket answers HEAD 404 too
	} else if err != nil {
		return Remains, err
	}
	err = d.up.DeleteObject(ctx, key)
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == "NoSuchBucket" {
		return Gone, nil
	}
	if err != nil {
		return Remains, err
	}
	return Deleted, nil
}

// removeService deletes the FC 2.0 service when it holds no function and bears
// ServiceDescription; otherwise it is Kept, with the reason.
func (d *Deployer) removeService(ctx context.Context) (State, string, error) {
	c := d.svc
	var svc fc.GetServiceOutput
	err := retry(ctx, d.retry, d.log, "look up FC 2.0 service "+c.service, func() error {
		var err error
		svc, err = c.getService(ctx)
		return err
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return Gone, "", nil
	case err != nil:
		return Remains, "", err
	}
	if tea.StringValue(svc.Description) != ServiceDescription {
		return Kept, "this action did not create it (its description is not the action's), so it is left as it is", nil
	}
	var held []Function
	err = retry(ctx, d.retry, d.log, "list the functions of FC 2.0 service "+c.service, func() error {
		var err error
		held, err = c.list(ctx, "", namedHeld+1) // one more says whether there are more
		return err
	})
	if err != nil {
		return Remains, "", err
	}
	if len(held) > 0 {
		return Kept, fmt.Sprintf("it holds other functions (%s)", functionNames(held)), nil
	}
	err = retry(ctx, d.retry, d.log, "delete FC 2.0 service "+c.service, func() error {
		mctx, cancel := mutating(ctx, c.timeout.Call)
		defer cancel()
		_, _, err := c.t.do(mctx, "DeleteService", c.service, http.MethodDelete, fc.NewDeleteServiceInput(c.service), nil)
		return err
	})
	var ae *APIError
	switch {
	case errors.Is(err, ErrNotFound):
		return Gone, "", nil
	case errors.As(err, &ae) && ae.Status == http.StatusConflict:
		// A function was created in it meanwhile: FC refuses to delete a service
		// that holds one.
		return Kept, "a function was created in it meanwhile (" + ae.Message + ")", nil
	case err != nil:
		return Remains, "", err
	}
	return Deleted, "", nil
}

// namedHeld is how many of the functions a kept service holds its reason names.
const namedHeld = 3

// functionNames names the functions a service holds, the first namedHeld of them and
// "..." when fns (listed up to namedHeld+1) has more.
func functionNames(fns []Function) string {
	var names []string
	for _, f := range fns[:min(len(fns), namedHeld)] {
		names = append(names, f.Name)
	}
	if len(fns) > namedHeld {
		names = append(names, "...")
	}
	return strings.Join(names, ", ")
}

// List returns every function whose name starts with prefix (on FC 2.0, in the
// service; none when the service does not exist).
func (d *Deployer) List(ctx context.Context, prefix string) ([]Function, error) {
	return d.fns.List(ctx, prefix)
}
