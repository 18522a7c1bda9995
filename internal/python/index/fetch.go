package index

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"syscall"
	"time"

	"github.com/lithops-fc/runtime-action/internal/urlcred"
)

// timeoutError is a request that stalled longer than the client's timeout.
type timeoutError struct {
	url string
	d   time.Duration
}

func (e *timeoutError) Error() string {
	return fmt.Sprintf("GET %s: no data for %s (timeout)", e.url, e.d)
}

// permanentError marks a failure inside a response handler that another try cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// get performs a GET with retries. handle reads the response; it runs again on a retry, so
// it must start afresh each time. Failures while reading the body are retried like
// connection errors unless handle wraps them in permanentError.
func (c *Client) get(ctx context.Context, u *url.URL, header http.Header, handle func(*http.Response) error) error {
	var failed time.Time // the budget counts from the first failure, so a long download that fails late is retried
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, u, header, handle)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("GET %s: %w", urlcred.RedactURL(u), context.Cause(ctx))
		}
		retry, after := retryable(err)
		if !retry {
			return err
		}
		if attempt == 1 {
			failed = time.Now()
		}
		delay := c.backoff(attempt, after)
		spent := time.Since(failed)
		if b := c.cfg.retry.Budget; attempt > c.cfg.retry.Retries || (b > 0 && spent+delay > b) {
			if attempt == 1 {
				return err
			}
			return fmt.Errorf("%w (gave up after %d attempts, %s of retries)", err, attempt, spent.Round(100*time.Millisecond))
		}
		c.emit(Event{Kind: EventRetry, URL: urlcred.RedactURL(u), Attempt: attempt, Delay: delay, Err: err,
			Retries: c.cfg.retry.Retries, Budget: c.cfg.retry.Budget})
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("GET %s: %w (while waiting to retry after: %v)", urlcred.RedactURL(u), context.Cause(ctx), err)
		case <-t.C:
		}
	}
}

var errStalled = errors.New("stalled")

func (c *Client) attempt(ctx context.Context, u *url.URL, header http.Header, handle func(*http.Response) error) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.sem }()

	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(c.cfg.timeout, func() { cancel(errStalled) })
	defer timer.Stop()
	stalled := func(err error) error {
		if ctx.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
			return &timeoutError{url: urlcred.RedactURL(u), d: c.cfg.timeout}
		}
		return err
	}

	req, err := http.NewRequestWithContext(actx, http.MethodGet, u.String(), nil)
	if err != nil {
		return &permanentError{fmt.Errorf("GET %s: %w", urlcred.RedactURL(u), err)}
	}
	for k, v := range header {
		req.Header[k] = v
	}
	c.authorize(req, u.User)
	resp, err := c.hc.Do(req)
	if err != nil {
		return stalled(err) // a *url.Error; its URL never holds credentials
	}
	defer resp.Body.Close()
	resp.Body = &idleBody{ReadCloser: resp.Body, timer: timer, d: c.cfg.timeout}
	if err := handle(resp); err != nil {
		return stalled(err)
	}
	return nil
}

// idleBody pushes the stall timer back on every read, so only a stalled body times out.
type idleBody struct {
	io.ReadCloser
	timer *time.Timer
	d     time.Duration
}

func (b *idleBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.timer.Reset(b.d)
	}
	return n, err
}

// retryable classifies a failed attempt: rate limits, server errors and connection-level
// failures are worth repeating; other HTTP errors, TLS trust failures, refused redirects
// and handler failures are not.
func retryable(err error) (bool, time.Duration) {
	var se *StatusError
	if errors.As(err, &se) {
		return se.retryable(), se.retryAfter
	}
	var pe *permanentError
	var re *redirectError
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	switch {
	case errors.As(err, &pe), errors.As(err, &re), errors.As(err, &cve),
		errors.As(err, &uae), errors.As(err, &he), errors.As(err, &ce):
		return false, 0
	}
	var te *timeoutError
	var ue *url.Error
	var ne net.Error
	switch {
	case errors.As(err, &te), errors.As(err, &ue), errors.As(err, &ne),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true, 0
	}
	return false, 0
}

// backoff is an exponential delay with jitter (half fixed, half random), or the server's
// Retry-After, both capped by MaxDelay.
func (c *Client) backoff(attempt int, retryAfter time.Duration) time.Duration {
	max := c.cfg.retry.MaxDelay
	if retryAfter > 0 {
		return min(retryAfter, max)
	}
	d := c.cfg.retry.BaseDelay
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	d = min(d, max)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// statusError turns an unexpected answer into a *StatusError naming the (redacted) URL.
func statusError(resp *http.Response) *StatusError {
	e := &StatusError{URL: urlcred.RedactURL(resp.Request.URL), Status: resp.StatusCode, Text: resp.Status}
	if e.Text == "" {
		e.Text = strconv.Itoa(resp.StatusCode)
	}
	if v := resp.Header.Get("Retry-After"); v != "" {
		if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
			e.retryAfter = time.Duration(secs) * time.Second
		} else if t, err := http.ParseTime(v); err == nil {
			e.retryAfter = max(time.Until(t), 0)
		}
	}
	return e
}

// readCapped reads a whole body, failing once it passes limit bytes.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, &permanentError{fmt.Errorf("larger than the %d byte limit (a hostile or broken server?)", limit)}
	}
	return b, nil
}

func (c *Client) emit(e Event) {
	if c.cfg.progress != nil {
		c.cfg.progress(e)
	}
}
