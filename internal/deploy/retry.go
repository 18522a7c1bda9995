package deploy

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"time"
)

// RetryPolicy bounds the retries of one call: Attempts tries in all, waiting about Base,
// then twice as long after each failure (with jitter), never more than Max.
type RetryPolicy struct {
	Attempts int
	Base     time.Duration
	Max      time.Duration
}

// DefaultRetry waits about 1+2+4+8+16+20+20 s (71 s at most) over 8 attempts: long
// enough for FC's throttling and for a new function to accept invocations (412), short
// enough not to hold a failing job.
var DefaultRetry = RetryPolicy{Attempts: 8, Base: time.Second, Max: 20 * time.Second}

// backoff is the wait before attempt n+1 (n counts from 1): half the exponential delay
// plus a random part of the other half, so concurrent runs spread out.
func (p RetryPolicy) backoff(n int) time.Duration {
	d := p.Base << (n - 1)
	if d > p.Max || d <= 0 {
		d = p.Max
	}
	if d <= 1 {
		return d
	}
	return d/2 + rand.N(d/2)
}

// Retryable reports whether err is worth another attempt: throttling (429), server
// errors (5xx), ConcurrentUpdateError, 412 PreconditionFailed (a function not ready yet)
// and network failures. Validation and authentication errors are not: repeating them
// changes nothing and would hammer FC with bad credentials.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var ae *APIError
	if errors.As(err, &ae) {
		switch {
		case ae.Auth():
			return false
		case ae.Conditional:
			return false
		case ae.Status == 429, ae.Status >= 500, ae.Code == "ConcurrentUpdateError", ae.Status == 412:
			return true
		}
		return false
	}
	var ue *url.Error
	var ne net.Error
	return errors.As(err, &ue) || errors.As(err, &ne)
}

// retry runs call until it succeeds, fails for good, or the policy's attempts are spent,
// logging each retry. It waits on ctx, so a cancelled run stops retrying at once.
func retry(ctx context.Context, p RetryPolicy, log Logf, what string, call func() error) error {
	attempts := max(p.Attempts, 1)
	for n := 1; ; n++ {
		err := call()
		if err == nil || n >= attempts || !Retryable(err) {
			if err != nil && n > 1 {
				return fmt.Errorf("%w (after %d attempts)", err, n)
			}
			return err
		}
		wait := p.backoff(n)
		log("%s: %v; retrying in %s (attempt %d of %d)", what, err, wait.Round(time.Millisecond), n+1, attempts)
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Retrying wraps fns so that every call is retried under p (see Retryable). A create
// retried after an answer that got lost (a 5xx or a dropped connection) can find the
// function already made by its first attempt: when the live function is exactly what was
// asked for, that counts as success.
func Retrying(fns Functions, p RetryPolicy, log Logf) Functions {
	if log == nil {
		log = func(string, ...any) {}
	}
	return &retrying{fns: fns, p: p, log: log}
}

type retrying struct {
	fns Functions
	p   RetryPolicy
	log Logf
}

func (r *retrying) Get(ctx context.Context, name string) (f Function, err error) {
	err = retry(ctx, r.p, r.log, "get function "+name, func() error {
		f, err = r.fns.Get(ctx, name)
		return err
	})
	return f, err
}

func (r *retrying) Put(ctx context.Context, p Put) (f Function, err error) {
	attempt := 0
	err = retry(ctx, r.p, r.log, putVerb(p)+" function "+p.Spec.Name, func() error {
		attempt++
		f, err = r.fns.Put(ctx, p)
		if err != nil && attempt > 1 && p.Create && isAlreadyExists(err) {
			if live, gerr := r.fns.Get(ctx, p.Spec.Name); gerr == nil && p.Spec.Matches(live) &&
				p.Code != nil && live.CodeChecksum == p.Code.Checksum {
				f, err = live, nil
			}
		}
		return err
	})
	return f, err
}

func (r *retrying) Delete(ctx context.Context, name string) error {
	return retry(ctx, r.p, r.log, "delete function "+name, func() error { return r.fns.Delete(ctx, name) })
}

func (r *retrying) CodeURL(ctx context.Context, name string) (u string, err error) {
	err = retry(ctx, r.p, r.log, "get the code of function "+name, func() error {
		u, err = r.fns.CodeURL(ctx, name)
		return err
	})
	return u, err
}

func (r *retrying) Invoke(ctx context.Context, name string, event []byte) (inv Invocation, err error) {
	err = retry(ctx, r.p, r.log, "invoke function "+name, func() error {
		inv, err = r.fns.Invoke(ctx, name, event)
		return err
	})
	return inv, err
}

func putVerb(p Put) string {
	if p.Create {
		return "create"
	}
	return "update"
}

func isAlreadyExists(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == 409 && (ae.Code == "FunctionAlreadyExists" || ae.Code == "ServiceAlreadyExists")
}
