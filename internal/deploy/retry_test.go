package deploy

import (
	"context"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeClock advances only when the retry loop waits (and by callCost per call), so budgets
// are checked without sleeping.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }
func (c *fakeClock) wait(_ context.Context, d time.Duration) error {
	c.t = c.t.Add(d)
	return nil
}

func refused() error {
	return &url.Error{Op: "Get", URL: "https://127.0.0.1:1/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}}
}

// TestRetryBudget: every retried call ends within its budget (attempts and waits), the
// first retry line says what is retried and for how long, later lines count attempts,
// and the final error says how many attempts were made. Settings that no retry can fix
// (an unknown host, an untrusted certificate) fail at once.
func TestRetryBudget(t *testing.T) {
	dnsErr := &url.Error{Op: "Get", URL: "https://x.invalid/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}}
	certErr := &url.Error{Op: "Get", URL: "https://127.0.0.1/", Err: x509.UnknownAuthorityError{}}
	throttled := &APIError{Status: 429, Code: "TooManyRequests"}
	cases := []struct {
		name       string
		err        error
		callCost   time.Duration
		budget     time.Duration // the one that applies
		wantCalls  func(int) bool
		wantFirst  string // in the first retry line
		wantNoLine bool
	}{
		{name: "connection refused", err: refused(), budget: DefaultRetry.Unreachable,
			wantCalls: func(n int) bool { return n >= 2 && n < DefaultRetry.Attempts }, wantFirst: "within 10s (an endpoint that cannot be connected to)"},
		{name: "connection refused, slow attempts", err: refused(), callCost: 4 * time.Second, budget: DefaultRetry.Unreachable,
			wantCalls: func(n int) bool { return n >= 1 && n <= 3 }, wantFirst: "within 10s"},
		{name: "connection reset mid-request (not a refused connection)", err: &url.Error{Op: "Put", URL: "https://x/", Err: &net.OpError{Op: "read", Net: "tcp",
			Err: os.NewSyscallError("read", syscall.ECONNRESET)}}, callCost: 30 * time.Second, budget: DefaultRetry.Budget,
			wantCalls: func(n int) bool { return n >= 2 && n <= 3 }, wantFirst: "within 1m0s (retryable errors"},
		{name: "throttled", err: throttled, budget: DefaultRetry.Budget,
			wantCalls: func(n int) bool { return n >= 5 && n <= DefaultRetry.Attempts }, wantFirst: "within 1m0s (retryable errors"},
		{name: "unknown host", err: dnsErr, wantCalls: func(n int) bool { return n == 1 }, wantNoLine: true},
		{name: "untrusted certificate", err: certErr, wantCalls: func(n int) bool { return n == 1 }, wantNoLine: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for run := 0; run < 50; run++ { // the backoff is random: many runs
				clock := &fakeClock{t: time.Unix(0, 0)}
				p := DefaultRetry
				p.now, p.wait = clock.now, clock.wait
				var lines []string
				logf := func(f string, a ...any) { lines = append(lines, fmt.Sprintf(f, a...)) }
				calls := 0
				err := retry(context.Background(), p, logf, "get function f", func() error {
					calls++
					clock.t = clock.t.Add(c.callCost)
					return c.err
				})
				spent := clock.t.Sub(time.Unix(0, 0))
				// The budget counts from the first failure; the last attempt may run past it.
				if c.budget > 0 && spent > c.budget+2*c.callCost {
					t.Fatalf("run %d: %d calls took %s, over the %s budget", run, calls, spent, c.budget)
				}
				if !c.wantCalls(calls) {
					t.Fatalf("run %d: %d calls; lines %q", run, calls, lines)
				}
				if c.wantNoLine {
					if len(lines) != 0 || err != c.err {
						t.Fatalf("a setting error was retried: %q, %v", lines, err)
					}
					continue
				}
				if len(lines) != calls-1 {
					t.Fatalf("%d retry lines for %d calls", len(lines), calls)
				}
				if len(lines) > 0 && (!strings.HasPrefix(lines[0], "get function f: ") || !strings.Contains(lines[0], c.wantFirst)) {
					t.Fatalf("first retry line %q does not say what is retried and for how long (%q)", lines[0], c.wantFirst)
				}
				for _, l := range lines[1:] {
					if !strings.Contains(l, " of 8, ") {
						t.Fatalf("later retry line %q does not count attempts", l)
					}
				}
				if calls > 1 && !strings.Contains(err.Error(), fmt.Sprintf("gave up after %d attempts in ", calls)) {
					t.Fatalf("final error %q does not say how many attempts were made", err)
				}
			}
		})
	}
}

// TestRetryStopsOnSuccess: a transient failure followed by success is no error.
func TestRetryStopsOnSuccess(t *testing.T) {
	clock := &fakeClock{t: time.Unix(0, 0)}
	p := DefaultRetry
	p.now, p.wait = clock.now, clock.wait
	calls := 0
	err := retry(context.Background(), p, func(string, ...any) {}, "x", func() error {
		calls++
		if calls < 3 {
			return refused()
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("err %v after %d calls, want success on the third", err, calls)
	}
}

// TestOSSTransportErrorsKeepTheirClass: OSS errors are rewritten to redact the request
// URL, which cuts their chain; whether a retry may help, and whether the endpoint could
// not be connected to, must survive that, or OSS calls would never be retried.
func TestOSSTransportErrorsKeepTheirClass(t *testing.T) {
	const secret = "SIGNATURE-0123456789"
	dns := &url.Error{Op: "Get", URL: "https://b.oss.invalid/?Signature=" + secret, Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "b.oss.invalid", IsNotFound: true}}}
	reset := &url.Error{Op: "Put", URL: "https://b.oss/?Signature=" + secret, Err: &net.OpError{Op: "read", Net: "tcp",
		Err: os.NewSyscallError("read", syscall.ECONNRESET)}}
	refusedSigned := refused().(*url.Error)
	refusedSigned.URL += "?Signature=" + secret
	for _, c := range []struct {
		name             string
		err              error
		retry, reachable bool
	}{
		{"connection refused", refusedSigned, true, false},
		{"connection reset", reset, true, true},
		{"unknown host", dns, false, false},
	} {
		got := ossError(redactor{secret}, "GetBucketInfo", "b", c.err)
		if strings.Contains(got.Error(), secret) {
			t.Errorf("%s: %q shows the signature", c.name, got)
		}
		if Retryable(got) != c.retry || (c.retry && unreachable(got) == c.reachable) {
			t.Errorf("%s: Retryable %v, unreachable %v; the original was %v, %v", c.name, Retryable(got), unreachable(got), Retryable(c.err), unreachable(c.err))
		}
	}
}
