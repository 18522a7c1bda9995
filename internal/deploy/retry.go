package deploy

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/url"
	"time"
)

// RetryPolicy bounds the retries of one call: Attempts tries in all, waiting about Base,
// then twice as long after each failure (with jitter), never more than Max. Budget bounds
// the time spent retrying, from the first failure (so a long upload that fails late is
// still retried); Unreachable bounds it instead while the endpoint cannot be connected
// to at all (connection refused, no route), which is rarely transient and most often a
// wrong endpoint. A retry whose wait would end past the budget is not made. Zero budgets
// bound nothing but Attempts.
type RetryPolicy struct {
	Attempts    int
	Base        time.Duration
	Max         time.Duration
	Budget      time.Duration
	Unreachable time.Duration

	// Test seams: the clock and the wait (nil: the real ones).
	now  func() time.Time
	wait func(context.Context, time.Duration) error
}

// DefaultRetry waits about 1+2+4+8+16+20 s over at most 8 attempts within a minute: long
// enough for FC's throttling and for a new function to accept invocations (412), short
// enough not to hold a failing job. An endpoint that cannot be connected to is given up
// after 10 s.
var DefaultRetry = RetryPolicy{Attempts: 8, Base: time.Second, Max: 20 * time.Second,
	Budget: time.Minute, Unreachable: 10 * time.Second}

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
// changes nothing and would hammer FC with bad credentials; nor are an unknown host name
// and a certificate the system does not trust, which are settings, not accidents.
func Retryable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	var red *redactedError
	if errors.As(err, &red) {
		return red.retryable
	}
	var dnse *net.DNSError
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	switch {
	case errors.As(err, &dnse) && dnse.IsNotFound, errors.As(err, &cve), errors.As(err, &uae),
		errors.As(err, &he), errors.As(err, &ce):
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

// unreachable reports whether err is a failure to connect: no request reached FC.
func unreachable(err error) bool {
	var red *redactedError
	if errors.As(err, &red) {
		return red.dial
	}
	var ae *APIError
	var oe *net.OpError
	return !errors.As(err, &ae) && errors.As(err, &oe) && oe.Op == "dial"
}

// redactedError is a transport error whose text had to be redacted (so its chain is
// not kept), with what Retryable and unreachable said of the original.
type redactedError struct {
	msg             string
	retryable, dial bool
}

func (e *redactedError) Error() string { return e.msg }

// retry runs call until it succeeds, fails for good, or the policy's attempts or budget
// are spent. The first retry line says what is retried and for how long at most; the
// final error says how many attempts were made in what time. It waits on ctx, so a
// cancelled run stops retrying at once.
func retry(ctx context.Context, p RetryPolicy, log func(string, ...any), what string, call func() error) error {
	now, wait := p.now, p.wait
	if now == nil {
		now = time.Now
	}
	if wait == nil {
		wait = sleep
	}
	attempts := max(p.Attempts, 1)
	start := now()
	var failed time.Time // when the first attempt failed: the budgets count from there
	for n := 1; ; n++ {
		err := call()
		if err == nil || !Retryable(err) {
			if err != nil && n > 1 {
				return fmt.Errorf("%w (after %d attempts in %s)", err, n, roundS(now().Sub(start)))
			}
			return err
		}
		if n == 1 {
			failed = now()
		}
		budget, kind := p.Budget, "retryable errors: throttling, 5xx, not ready yet, dropped connections"
		if unreachable(err) {
			budget, kind = p.Unreachable, "an endpoint that cannot be connected to"
		}
		d := p.backoff(n)
		spent := now().Sub(failed)
		if n >= attempts || (budget > 0 && spent+d > budget) {
			if n == 1 {
				return err
			}
			limit := fmt.Sprintf("%d attempts", attempts)
			if budget > 0 {
				limit += fmt.Sprintf(" or %s of retries for %s", roundS(budget), kind)
			}
			return fmt.Errorf("%w (gave up after %d attempts in %s; at most %s)", err, n, roundS(now().Sub(start)), limit)
		}
		if n == 1 {
			limit := fmt.Sprintf("up to %d attempts", attempts)
			if budget > 0 {
				limit += fmt.Sprintf(" within %s (%s)", roundS(budget), kind)
			}
			log("%s: %v; retrying in %s, %s", what, err, d.Round(time.Millisecond), limit)
		} else {
			log("%s: %v; retrying in %s (attempt %d of %d, %s spent retrying)", what, err, d.Round(time.Millisecond), n+1, attempts, roundS(spent))
		}
		if err := wait(ctx, d); err != nil {
			return err
		}
	}
}

// roundS rounds a duration for messages: 12.3s, 250ms.
func roundS(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
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
func Retrying(fns Functions, p RetryPolicy, log func(string, ...any)) Functions {
	if log == nil {
		log = func(string, ...any) {}
	}
	return &retrying{fns: fns, p: p, log: log}
}

type retrying struct {
	fns Functions
	p   RetryPolicy
	log func(string, ...any)
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
			if live, gerr := r.fns.Get(ctx, p.Spec.Name); gerr == nil && (p.Code != nil || p.Spec.Container != nil) &&
				p.Spec.Runs(live, p.Code.checksum()) {
				f, err = live, nil
			}
		}
		return err
	})
	return f, err
}

// Delete retries like the other calls; a retry that finds the function gone after an
// attempt whose answer was lost (a 5xx, a dropped connection) counts as success: that
// attempt deleted it.
func (r *retrying) Delete(ctx context.Context, name string) error {
	attempt := 0
	return retry(ctx, r.p, r.log, "delete function "+name, func() error {
		attempt++
		err := r.fns.Delete(ctx, name)
		if attempt > 1 && errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	})
}

func (r *retrying) List(ctx context.Context, prefix string) (fns []Function, err error) {
	err = retry(ctx, r.p, r.log, "list the functions "+prefix+"*", func() error {
		fns, err = r.fns.List(ctx, prefix)
		return err
	})
	return fns, err
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
