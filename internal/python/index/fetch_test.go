package index

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// failFirst answers the first n page requests with fail, then lets the index serve.
func failFirst(fi *fakeIndex, n int, fail func(http.ResponseWriter)) {
	var mu sync.Mutex
	fi.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 && strings.HasPrefix(r.URL.Path, "/simple/") {
			n--
			fail(w)
			return true
		}
		return false
	}
}

func resetConnection(w http.ResponseWriter) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0) // close with RST: "connection reset by peer"
	conn.Close()
}

func TestRetriesThenSuccess(t *testing.T) {
	tests := []struct {
		name string
		fail func(http.ResponseWriter)
	}{
		{"429", func(w http.ResponseWriter) { w.Header().Set("Retry-After", "120"); http.Error(w, "slow down", 429) }},
		{"503", func(w http.ResponseWriter) { http.Error(w, "busy", 503) }},
		{"500", func(w http.ResponseWriter) { http.Error(w, "oops", 500) }},
		{"connection reset", resetConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fi := newFakeIndex(t)
			fi.add("pkg", &fakeFile{testWheel: makeWheel(t, "pkg", "1.0", nil, 1)})
			failFirst(fi, 2, tt.fail)
			log := &eventLog{}
			c := newTestClient(t, WithIndexURL(fi.URL()), WithProgress(log.add))
			p, err := c.Project(bg, "pkg")
			if err != nil || len(p.Files) != 1 {
				t.Fatalf("%v %v", p, err)
			}
			retries := log.kinds(EventRetry)
			if fi.count("/simple/pkg/") != 3 || len(retries) != 2 {
				t.Fatalf("%d requests, %d retry events; want 3 and 2:\n%s", fi.count("/simple/pkg/"), len(retries), log.lines())
			}
			for _, e := range retries {
				if e.Delay > 5*time.Millisecond {
					t.Errorf("delay %s above the 5ms cap (Retry-After must be capped)", e.Delay)
				}
			}
			if tt.name == "429" && retries[0].Delay != 5*time.Millisecond {
				t.Errorf("Retry-After 120s with a 5ms cap gave delay %s, want exactly the cap", retries[0].Delay)
			}
		})
	}
}

func TestIndexDown(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/simple/"
	srv.Close() // nothing listens there any more
	log := &eventLog{}
	c := newTestClient(t, WithIndexURL(url), WithProgress(log.add))
	_, err := c.Project(bg, "pkg")
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"index " + url + ": project pkg", "connection refused", "gave up after 4 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if n := len(log.kinds(EventRetry)); n != 3 {
		t.Errorf("%d retries, want 3", n)
	}
}

func TestServerErrorGivesUp(t *testing.T) {
	fi := newFakeIndex(t)
	failFirst(fi, 100, func(w http.ResponseWriter) { http.Error(w, "down", 503) })
	c := newTestClient(t, WithIndexURL(fi.URL()))
	_, err := c.Project(bg, "pkg")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 503 || !strings.Contains(err.Error(), "gave up after 4 attempts") {
		t.Fatalf("error %v", err)
	}
	if fi.count("/simple/pkg/") != 4 {
		t.Errorf("%d requests, want 4", fi.count("/simple/pkg/"))
	}
}

func TestNoRetryOnClientErrors(t *testing.T) {
	for _, status := range []int{403, 404, 400, 401} {
		fi := newFakeIndex(t)
		w := makeWheel(t, "pkg", "1.0", nil, 1)
		fi.add("pkg", &fakeFile{testWheel: w})
		fi.intercept = func(rw http.ResponseWriter, r *http.Request) bool {
			if strings.HasPrefix(r.URL.Path, "/files/") {
				http.Error(rw, "no", status)
				return true
			}
			return false
		}
		c := newTestClient(t, WithIndexURL(fi.URL()))
		p, err := c.Project(bg, "pkg")
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Download(bg, p.Files[0], nil)
		var se *StatusError
		if !errors.As(err, &se) || se.Status != status || !strings.Contains(err.Error(), w.filename) {
			t.Errorf("%d: error %v", status, err)
		}
		if n := fi.count("/files/" + w.filename); n != 1 {
			t.Errorf("%d: %d requests, want 1 (no retry)", status, n)
		}
	}
}

func TestStalledRequestTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	fi := newFakeIndex(t)
	fi.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte("<html>"))
		w.(http.Flusher).Flush()
		select { // headers and a first byte, then silence
		case <-release:
		case <-r.Context().Done():
		}
		return true
	}
	c := newTestClient(t, WithIndexURL(fi.URL()), WithTimeout(30*time.Millisecond),
		WithRetry(Retry{Retries: 1, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond}))
	_, err := c.Project(bg, "pkg")
	if err == nil || !strings.Contains(err.Error(), "no data for 30ms (timeout)") || !strings.Contains(err.Error(), "gave up after 2 attempts") {
		t.Fatalf("error %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	fi := newFakeIndex(t)
	fi.add("pkg", &fakeFile{testWheel: makeWheel(t, "pkg", "1.0", nil, 1)})
	c := newTestClient(t, WithIndexURL(fi.URL()))

	ctx, cancel := context.WithCancel(bg)
	cancel()
	if _, err := c.Project(ctx, "pkg"); !errors.Is(err, context.Canceled) {
		t.Errorf("pre-cancelled: %v", err)
	}
	if fi.total() != 0 {
		t.Errorf("a cancelled context still made %d requests", fi.total())
	}

	// Cancelled while the server holds the request.
	arrived := make(chan struct{})
	fi.intercept = func(w http.ResponseWriter, r *http.Request) bool {
		close(arrived)
		<-r.Context().Done()
		return true
	}
	ctx, cancel = context.WithCancel(bg)
	go func() { <-arrived; cancel() }()
	if _, err := c.Project(ctx, "pkg"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled in flight: %v", err)
	}
	// The cancelled attempt is not remembered: a live context fetches afresh.
	fi.intercept = nil
	if p, err := c.Project(bg, "pkg"); err != nil || len(p.Files) != 1 {
		t.Errorf("after cancellation: %v %v", p, err)
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	fi := newFakeIndex(t)
	failFirst(fi, 100, func(w http.ResponseWriter) { http.Error(w, "busy", 503) })
	ctx, cancel := context.WithCancel(bg)
	c := newTestClient(t, WithIndexURL(fi.URL()), WithRetry(Retry{Retries: 5, BaseDelay: time.Hour, MaxDelay: time.Hour}),
		WithProgress(func(e Event) {
			if e.Kind == EventRetry {
				cancel()
			}
		}))
	// c.get directly: Project would return on cancellation without waiting for it.
	err := c.get(ctx, mustURL(t, fi.URL()+"pkg/"), nil, func(resp *http.Response) error {
		if resp.StatusCode != 200 {
			return statusError(resp)
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "while waiting to retry") {
		t.Fatalf("error %v", err)
	}
}

// TestRetryBudget: a request is not retried past its time budget, however many retries
// are left; the first retry line says how far retries go and the error how many were made.
func TestRetryBudget(t *testing.T) {
	fi := newFakeIndex(t)
	failFirst(fi, 1000, func(w http.ResponseWriter) { http.Error(w, "busy", 503) })
	var lines []string
	var mu sync.Mutex
	c := newTestClient(t, WithIndexURL(fi.URL()),
		WithRetry(Retry{Retries: 100, BaseDelay: 200 * time.Millisecond, MaxDelay: 200 * time.Millisecond, Budget: 500 * time.Millisecond}),
		WithProgress(func(e Event) {
			if e.Kind == EventRetry {
				mu.Lock()
				lines = append(lines, e.String())
				mu.Unlock()
			}
		}))
	start := time.Now()
	_, err := c.Project(bg, "pkg")
	took := time.Since(start)
	// Waits are 100-200 ms: at most 5 fit in 500 ms, at least 2.
	if n := fi.total(); n < 3 || n > 6 {
		t.Errorf("%d requests in %s, want 3 to 6 within the budget", n, took)
	}
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("gave up after %d attempts, ", fi.total())) {
		t.Errorf("error %v does not say how many attempts were made", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(lines) == 0 || !strings.Contains(lines[0], "up to 100 retries within 500ms") {
		t.Errorf("first retry line does not say how far retries go: %q", lines)
	}
	for _, l := range lines[1:] {
		if strings.Contains(l, "within") {
			t.Errorf("later retry line repeats the budget: %q", l)
		}
	}
}
